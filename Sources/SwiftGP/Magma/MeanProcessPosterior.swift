import GPLinearAlgebra

/// q(μ) = N(m̂, K̂) of one mean process on a grid (the union 𝒯, or 𝒯 ∪ a prediction grid): the Magma
/// hyper-posterior / the MagmaClust cluster posterior (docs/methods/magmaclust.md#e-step).
public struct MeanProcessPosterior: Sendable {
    /// m̂ on the grid.
    public var mean: [Double]
    /// K̂ on the grid.
    public var covariance: Matrix
    /// log |K̂|.
    public var logDeterminant: Double
    /// The mean process's part of the bound, log N(m̂; m, C) − ½ tr(C⁻¹K̂) + ½ log|K̂| + (N/2)(1 + log 2π),
    /// computed in whitened form (no C⁻¹).
    public var boundTerm: Double
}

/// Ψ_i = c_θi(t_i, t_i) + σ_i² I of one task, factorised: Ψ⁻¹, Ψ⁻¹ y, log |Ψ|.
/// - Complexity: O(n_i³).
struct TaskPrecision: Sendable {
    var inverse: Matrix
    var alpha: [Double]
    var logDeterminant: Double
    var jitter: Double

    init(kernel: any Kernel, noise: Double, x: Matrix, y: [Double], policy: JitterPolicy) throws {
        var psi = kernel.gram(x)
        psi.addToDiagonal(noise)
        let c = try Cholesky(psi, policy: policy)
        inverse = c.inverse()
        alpha = c.solve(y)
        logDeterminant = c.logDeterminant
        jitter = c.jitter
    }

    /// log N(y; P m̂, Ψ) − ½ tr(Ψ⁻¹ P K̂ Pᵀ) for the task's rows `rows` of the grid. - Complexity: O(n_i²).
    func expectedLogDensity(y: [Double], rows: [Int], posterior q: MeanProcessPosterior) -> Double {
        let n = rows.count
        let r = (0..<n).map { y[$0] - q.mean[rows[$0]] }
        var quad = 0.0, tr = 0.0
        for b in 0..<n {
            var s = 0.0
            for a in 0..<n {
                let w = inverse[a, b]
                s += w * r[a]
                tr += w * q.covariance[rows[a], rows[b]]
            }
            quad += r[b] * s
        }
        return -0.5 * quad - 0.5 * tr - 0.5 * logDeterminant - 0.5 * Double(n) * Math.logTwoPi
    }
}

/// The E-step of one mean process (docs/methods/magmaclust.md#e-step):
/// K̂ = (C⁻¹ + A)⁻¹, m̂ = K̂ (C⁻¹ m + b) with A = Σ_i w_i P_iᵀ Ψ_i⁻¹ P_i and b = Σ_i w_i P_iᵀ Ψ_i⁻¹ y_i (Ψ_i⁻¹
/// scatter-added into the rows and columns of each task's grid points), computed in whitened form so that the
/// ill-conditioned C⁻¹ never appears: with C = L Lᵀ and B = I + Lᵀ A L (eigenvalues ≥ 1),
/// K̂ = L B⁻¹ Lᵀ, m̂ = m + K̂ (b − A m), log|K̂| = log|C| − log|B|, tr(C⁻¹K̂) = tr B⁻¹ and
/// (m̂ − m)ᵀ C⁻¹ (m̂ − m) = ‖B⁻¹ Lᵀ (b − A m)‖². With one precision for all tasks on the whole grid (the
/// common-grid trick) A = (Σ w_i) Ψ⁻¹ and b = Ψ⁻¹ Σ w_i y_i: O(N²) instead of O(Σ n_i²).
/// - Complexity: O(N³) (two Cholesky factorisations, one inverse, four N × N products) + O(Σ_i n_i²).
enum MeanProcessEStep {
    static func posterior(priorCovariance: Matrix, priorMean: [Double], weights: [Double], precisions: [TaskPrecision],
                          sharedPrecision: TaskPrecision?, targets: [[Double]], rows: [[Int]],
                          policy: JitterPolicy) throws -> (MeanProcessPosterior, Double) {
        let n = priorCovariance.rows
        let c = try Cholesky(priorCovariance, policy: policy, isLatentPrior: true)
        var a = Matrix(rows: n, cols: n)
        var b = [Double](repeating: 0, count: n)
        if let p = sharedPrecision {
            // Common grid: every task has rows 0..<N and the same Ψ.
            let total = weights.reduce(0, +)
            var s = [Double](repeating: 0, count: n)
            for (i, w) in weights.enumerated() where w != 0 { axpy(w, targets[i], &s) }
            a = total * p.inverse
            b = matvec(p.inverse, s)
        } else {
            for (i, w) in weights.enumerated() where w != 0 {
                let idx = rows[i], p = precisions[i]
                for (bb, col) in idx.enumerated() {
                    b[col] += w * p.alpha[bb]
                    for (aa, row) in idx.enumerated() { a[row, col] += w * p.inverse[aa, bb] }
                }
            }
        }
        // B = I + Lᵀ A L.
        var al = a
        trmm(.right, .lower, .none, c.lower, &al)        // A L
        trmm(.left, .lower, .transposed, c.lower, &al)   // Lᵀ A L
        al.symmetrize()
        al.addToDiagonal(1)
        let bChol = try Cholesky(al, policy: policy)
        var bInv = bChol.inverse()
        bInv.symmetrize()
        // K̂ = L B⁻¹ Lᵀ.
        var kHat = bInv
        trmm(.left, .lower, .none, c.lower, &kHat)
        trmm(.right, .lower, .transposed, c.lower, &kHat)
        kHat.symmetrize()
        // r̃ = b − A m; u = B⁻¹ Lᵀ r̃; m̂ = m + L u.
        let am = matvec(a, priorMean)
        var u = (0..<n).map { b[$0] - am[$0] }
        u = matvec(c.lower, u, .transposed)
        u = bChol.solve(u)
        let lu = matvec(c.lower, u)
        let mHat = (0..<n).map { priorMean[$0] + lu[$0] }
        let logDetK = c.logDeterminant - bChol.logDeterminant
        let bound = -0.5 * dot(u, u) - 0.5 * c.logDeterminant - 0.5 * Double(n) * Math.logTwoPi - 0.5 * bInv.trace
            + 0.5 * logDetK + 0.5 * Double(n) * (1 + Math.logTwoPi)
        return (MeanProcessPosterior(mean: mHat, covariance: kHat, logDeterminant: logDetK, boundTerm: bound),
                max(c.jitter, bChol.jitter))
    }
}
