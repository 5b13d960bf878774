import GPLinearAlgebra

/// The periodic kernel k(x, x′) = σ² exp(−2 Σ_d sin²(π Δ_d / p_d) / ℓ_d²) (MacKay; R&W eq. 4.31;
/// scikit-learn `ExpSineSquared`). GPflow's `Periodic(SquaredExponential)` uses ℓ_GPflow = ℓ/2 and
/// GPyTorch divides by ℓ rather than ℓ²: convert lengthscales when comparing.
///
/// Gradients: ∂k/∂ℓ_d = 4k s_d²/ℓ_d³, ∂k/∂p_d = 4k π Δ_d s_d c_d/(ℓ_d² p_d²), s = sin, c = cos.
/// - Complexity: O(n² d) for the Gram matrix and its gradient.
public struct Periodic: Kernel {
    public var lengthscale: Parameter
    public var period: Parameter
    public var variance: Parameter

    public init(lengthscale: [Double] = [1], period: [Double] = [1], variance: Double = 1) {
        self.lengthscale = Parameter("lengthscale", lengthscale)
        self.period = Parameter("period", period)
        self.variance = Parameter("variance", variance)
    }

    public var kind: String { "periodic" }

    public var parameters: [Parameter] {
        get { [lengthscale, period, variance] }
        set {
            lengthscale.assign(from: newValue[0])
            period.assign(from: newValue[1])
            variance.assign(from: newValue[2])
        }
    }

    private func value(_ a: UnsafeBufferPointer<Double>, _ ai: Int, _ b: UnsafeBufferPointer<Double>, _ bj: Int,
                       _ d: Int, _ invL2: [Double], _ freq: [Double]) -> Double {
        var e = 0.0
        for c in 0..<d {
            let s = Math.sin(freq[c] * (a[ai + c] - b[bj + c]))
            e += s * s * invL2[c]
        }
        return variance.scalar * Math.exp(-2 * e)
    }

    private func expanded(_ p: Parameter, _ d: Int) -> [Double] {
        checkARD(p, dimension: d, kernel: kind)
        return p.count == 1 ? [Double](repeating: p.scalar, count: d) : p.value
    }

    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix {
        precondition(x.cols == z.cols, "periodic: inputs have \(x.cols) and \(z.cols) columns")
        let d = x.cols
        let invL2 = expanded(lengthscale, d).map { 1 / ($0 * $0) }
        let freq = expanded(period, d).map { Double.pi / $0 }
        let px = PointRows(x), pz = PointRows(z)
        var k = Matrix(rows: x.rows, cols: z.rows)
        let n = x.rows
        px.data.withUnsafeBufferPointer { a in
            pz.data.withUnsafeBufferPointer { b in
                for j in 0..<z.rows {
                    for i in 0..<n { k.storage[i + j * n] = value(a, i * d, b, j * d, d, invL2, freq) }
                }
            }
        }
        return k
    }

    public func gram(_ x: Matrix) -> Matrix {
        let d = x.cols, n = x.rows
        let invL2 = expanded(lengthscale, d).map { 1 / ($0 * $0) }
        let freq = expanded(period, d).map { Double.pi / $0 }
        let p = PointRows(x)
        var k = Matrix(rows: n, cols: n)
        p.data.withUnsafeBufferPointer { a in
            for j in 0..<n {
                k.storage[j + j * n] = variance.scalar
                for i in (j + 1)..<max(j + 1, n) { k.storage[i + j * n] = value(a, i * d, a, j * d, d, invL2, freq) }
            }
        }
        k.symmetrizeFromLower()
        return k
    }

    public func diagonal(_ x: Matrix) -> [Double] { [Double](repeating: variance.scalar, count: x.rows) }

    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        let d = x.cols, n = x.rows
        let ls = expanded(lengthscale, d), ps = expanded(period, d)
        let invL2 = ls.map { 1 / ($0 * $0) }
        let freq = ps.map { Double.pi / $0 }
        let px = PointRows(x), pz = PointRows(z)
        var gl = [Double](repeating: 0, count: d), gp = [Double](repeating: 0, count: d)
        var gv = 0.0
        px.data.withUnsafeBufferPointer { a in
            pz.data.withUnsafeBufferPointer { b in
                for j in 0..<z.rows {
                    for i in 0..<n {
                        let w = adjoint.storage[i + j * n]
                        if w == 0 { continue }
                        let k = value(a, i * d, b, j * d, d, invL2, freq)
                        gv += w * k / variance.scalar
                        for c in 0..<d {
                            let delta = a[i * d + c] - b[j * d + c]
                            let s = Math.sin(freq[c] * delta), co = Math.cos(freq[c] * delta)
                            gl[c] += w * 4 * k * s * s * invL2[c] / ls[c]
                            gp[c] += w * 4 * k * Double.pi * delta * s * co * invL2[c] / (ps[c] * ps[c])
                        }
                    }
                }
            }
        }
        let dl = lengthscale.count == 1 ? [gl.reduce(0, +)] : gl
        let dp = period.count == 1 ? [gp.reduce(0, +)] : gp
        return dl + dp + [gv]
    }

    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        [Double](repeating: 0, count: lengthscale.count + period.count) + [adjoint.reduce(0, +)]
    }
}
