import GPLinearAlgebra

/// Gaussian sites t_k(z) = exp(j_kᵀ z − ½ zᵀ 𝒥_k z) on the latent values z_k = Π x_k observed at each
/// time step (docs/methods/state-space.md#gaussian-sites): exact Gaussian observations, or the pseudo-observations of CVI.
/// Sites add to the information form of the state: h ← h + Πᵀ j, J ← J + Πᵀ 𝒥 Π. A site with j = 0,
/// 𝒥 = 0 is a missing observation. Sites are unnormalised (`logNormaliser` of the smoothers accounts for
/// that), and 𝒥 may be singular.
///
/// Storage is flat: `first[k·n + i]` = (j_k)_i and `second[k·n² + i + l·n]` = (𝒥_k)_il for n = `dimension`.
/// - Complexity: O(T n²) memory.
public struct GaussianSites: Parameterised, Sendable, Equatable {
    /// T, the number of time steps.
    public let count: Int
    /// n, the dimension of z_k.
    public let dimension: Int
    /// j_k, the precision-weighted means (T × n).
    public var first: [Double]
    /// 𝒥_k, the precisions (T × n × n, column-major per step).
    public var second: [Double]

    /// `first` (j) and `second` (𝒥) as unconstrained parameters: what a CVI `Updater.sites` group updates.
    public var parameters: [Parameter] {
        get { [Parameter("first", first, .identity), Parameter("second", second, .identity)] }
        set {
            first = newValue[0].value
            second = newValue[1].value
        }
    }

    /// T empty sites of dimension n (no information).
    public init(count: Int, dimension: Int) {
        precondition(count >= 0 && dimension >= 1)
        self.count = count
        self.dimension = dimension
        self.first = [Double](repeating: 0, count: count * dimension)
        self.second = [Double](repeating: 0, count: count * dimension * dimension)
    }

    /// Exact sites of scalar Gaussian observations y_k ~ N(z_k, R): j = y/R, 𝒥 = 1/R; NaN is missing.
    public init(observations y: [Double], noiseVariance r: Double) {
        precondition(r > 0, "noise variance must be positive")
        self.init(count: y.count, dimension: 1)
        for k in y.indices where !y[k].isNaN {
            first[k] = y[k] / r
            second[k] = 1 / r
        }
    }

    /// j_k.
    public func firstParameter(at k: Int) -> [Double] { Array(first[(k * dimension)..<((k + 1) * dimension)]) }
    /// 𝒥_k.
    public func secondParameter(at k: Int) -> Matrix {
        let nn = dimension * dimension
        return Matrix(rows: dimension, cols: dimension, storage: Array(second[(k * nn)..<((k + 1) * nn)]))
    }

    /// Whether step k carries no information (j = 0 and 𝒥 = 0).
    public func isEmpty(at k: Int) -> Bool {
        let n = dimension, nn = n * n
        for i in 0..<n where first[k * n + i] != 0 { return false }
        for i in 0..<nn where second[k * nn + i] != 0 { return false }
        return true
    }

    /// E_q[log t_k(z)] = j_kᵀ m − ½(mᵀ 𝒥_k m + tr(𝒥_k V)) under q(z_k) = N(m, V).
    public func expectedLogSite(at k: Int, mean m: [Double], covariance v: Matrix) -> Double {
        let n = dimension, nn = n * n
        var s = 0.0
        for i in 0..<n {
            s += first[k * n + i] * m[i]
            for l in 0..<n { s -= 0.5 * second[k * nn + i + l * n] * (m[i] * m[l] + v[l, i]) }
        }
        return s
    }
}
