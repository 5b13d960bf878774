import GPLinearAlgebra

/// The smoothed marginals p(x_k | all sites) of a state-space model at its time steps, and the log
/// normaliser of the sites, log Z = log ∫ p(x_{1:T}) Πₖ t_k(Π x_k) dx (docs/methods/state-space.md#site-absorption).
///
/// Flat storage: `means[k·d + i]`, `covariances[k·d² + i + j·d]` for state dimension d;
/// `lagOneCovariances[k·d² + …]` = Cov(x_{k+1}, x_k | sites) for k < T − 1 (RTS only).
/// - Complexity: O(T d²) memory.
public struct SmoothedStates: Sendable {
    public let times: [Double]
    /// d, the state dimension.
    public let dimension: Int
    public let means: [Double]
    public let covariances: [Double]
    /// Cov(x_{k+1}, x_k | sites) = P^s_{k+1} J_kᵀ, when the smoother provides it (RTS).
    public let lagOneCovariances: [Double]?
    /// log Z of the sites, accumulated by the forward filter.
    public let logNormaliser: Double
    /// The largest jitter any factorisation added.
    public let jitter: Double

    public var count: Int { times.count }

    /// m^s_k.
    public func mean(at k: Int) -> [Double] { Array(means[(k * dimension)..<((k + 1) * dimension)]) }

    /// P^s_k.
    public func covariance(at k: Int) -> Matrix {
        let dd = dimension * dimension
        return Matrix(rows: dimension, cols: dimension, storage: Array(covariances[(k * dd)..<((k + 1) * dd)]))
    }

    /// Cov(x_{k+1}, x_k | sites), k < T − 1.
    public func lagOneCovariance(at k: Int) -> Matrix? {
        guard let c = lagOneCovariances else { return nil }
        let dd = dimension * dimension
        return Matrix(rows: dimension, cols: dimension, storage: Array(c[(k * dd)..<((k + 1) * dd)]))
    }

    /// The marginals of z_k = Π x_k: means (T × n, flat) and covariances (T × n × n, flat).
    public func projected(_ projection: Matrix) -> (means: [Double], covariances: [Double]) {
        precondition(projection.cols == dimension, "projection has \(projection.cols) columns for a state of \(dimension)")
        let n = projection.rows, d = dimension, dd = d * d
        var zm = [Double](repeating: 0, count: count * n)
        var zc = [Double](repeating: 0, count: count * n * n)
        var pv = [Double](repeating: 0, count: n * d)   // Π P
        for k in 0..<count {
            for i in 0..<n {
                var s = 0.0
                for l in 0..<d { s += projection[i, l] * means[k * d + l] }
                zm[k * n + i] = s
                for j in 0..<d {
                    var t = 0.0
                    for l in 0..<d { t += projection[i, l] * covariances[k * dd + l + j * d] }
                    pv[i + j * n] = t
                }
            }
            for j in 0..<n {
                for i in 0..<n {
                    var s = 0.0
                    for l in 0..<d { s += pv[i + l * n] * projection[j, l] }
                    zc[k * n * n + i + j * n] = s
                }
            }
        }
        return (zm, zc)
    }
}
