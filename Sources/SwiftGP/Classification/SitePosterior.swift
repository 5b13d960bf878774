import GPLinearAlgebra

/// The Gaussian posterior of a full GP with one scalar Gaussian site per datum,
/// q(f) ∝ N(f; 0, K) Πₙ exp(ν̃ₙ fₙ − ½ τ̃ₙ fₙ²) (docs/methods/classification.md#sites): the one posterior of
/// Laplace (τ̃ = W, ν̃ = W f̂ + ∇log p), CVI and the EP-like objective.
///
/// With W = diag(√τ̃), B = I + W K W = L Lᵀ: Σ = (K⁻¹ + T̃)⁻¹ = K − VᵀV with V = L⁻¹ W K,
/// ϱ = (I + T̃K)⁻¹ ν̃ = ν̃ − W L⁻ᵀ L⁻¹ W K ν̃, m = K ϱ, and log Z_sites = ½ ν̃ᵀ m − Σ log Lᵢᵢ.
///
/// The marginal variances come from L⁻¹ (docs/methods/classification.md#sites): Σ = W⁻¹(I − B⁻¹)W⁻¹ where τ̃ₙ > 0,
/// so vₙ = (1 − (B⁻¹)ₙₙ)/τ̃ₙ with (B⁻¹)ₙₙ the squared norm of L⁻¹'s column n, for the sites with τ̃ₙKₙₙ ≥ 10⁻²
/// (relative error ≲ ε/(τ̃ₙvₙ)); the others take Kₙₙ − ‖V₍:,ₙ₎‖² from their own columns of V.
/// - Complexity: O(n³/3 + n³/3 + n² s) to build (dpotrf, dtrtri, and a triangular solve on the s sites below the
///   threshold); O(n m d + n² m) to predict at m points.
public struct SitePosterior: Sendable {
    public let kernel: any Kernel
    public let x: Matrix
    /// ν̃ (`first`) and τ̃ ≥ 0 (`second`), one scalar site per row of x.
    public let sites: GaussianSites
    /// K = k(X, X).
    public let gram: Matrix
    /// The Cholesky factor of B = I + W K W.
    public let factor: Cholesky
    /// √τ̃.
    public let root: [Double]
    /// ϱ = K⁻¹ m.
    public let rho: [Double]
    /// The marginal means mₙ and variances vₙ = Σₙₙ (clamped at 0; empty when built without them).
    public let mean: [Double]
    public let variance: [Double]
    /// L⁻¹, kept from the variances for `precisionProjection` (empty when built without them).
    let lowerInverse: Matrix
    /// log ∫ N(f; 0, K) Πₙ tₙ(fₙ) df.
    public let logNormaliser: Double

    /// - Parameters:
    ///   - gram: K when the caller has it.
    ///   - withVariances: false skips the marginal variances (L⁻¹): Newton's steps need only m.
    /// - Throws: `TrainingError.invalidData` for sites that are not one scalar per row, negative or non-finite;
    ///   `LinearAlgebraError` when B cannot be factorised.
    public init(kernel: any Kernel, x: Matrix, sites: GaussianSites, gram: Matrix? = nil, policy: JitterPolicy = .standard,
                withVariances: Bool = true) throws {
        guard sites.dimension == 1 && sites.count == x.rows else {
            throw TrainingError.invalidData("\(sites.count) sites of dimension \(sites.dimension) for \(x.rows) input rows (one scalar site per row)")
        }
        guard sites.second.allSatisfy({ $0 >= 0 && $0.isFinite }), sites.first.allSatisfy(\.isFinite) else {
            throw TrainingError.invalidData("site precisions must be finite and non-negative")
        }
        let n = x.rows
        let k = gram ?? kernel.gram(x)
        let w = sites.second.map { $0.squareRoot() }
        // B = I + W K W.
        var b = k
        for j in 0..<n { for i in 0..<n { b[i, j] *= w[i] * w[j] } }
        b.addToDiagonal(1)
        let factor = try Cholesky(b, policy: policy)
        var variance: [Double] = []
        var lowerInverse = Matrix(rows: 0, cols: 0)
        if withVariances {
            lowerInverse = factor.lowerInverse()
            variance = Self.marginalVariances(k, sites.second, w, factor, lowerInverse)
        }
        // ϱ = ν̃ − W B⁻¹ W K ν̃, m = K ϱ.
        let kn = matvec(k, sites.first)
        var c = zip(w, kn).map { $0 * $1 }
        c = factor.solve(c)
        let rho = (0..<n).map { sites.first[$0] - w[$0] * c[$0] }
        let mean = matvec(k, rho)
        self.kernel = kernel
        self.x = x
        self.sites = sites
        self.gram = k
        self.factor = factor
        self.root = w
        self.rho = rho
        self.mean = mean
        self.variance = variance
        self.lowerInverse = lowerInverse
        self.logNormaliser = 0.5 * dot(sites.first, mean) - 0.5 * factor.logDeterminant
    }

    /// P = W B⁻¹ W = T̃ (I + K T̃)⁻¹ (symmetric), B⁻¹ from the kept L⁻¹ (dlauum) or from the factor (dpotri).
    /// - Complexity: O(n³/3) with the variances, O(2n³/3) without.
    public func precisionProjection() -> Matrix {
        var p = lowerInverse.rows == x.rows ? Cholesky.inverse(fromLowerInverse: lowerInverse) : factor.inverse()
        let n = x.rows
        for j in 0..<n { for i in 0..<n { p[i, j] *= root[i] * root[j] } }
        return p
    }

    /// vₙ = Σₙₙ: (1 − ‖L⁻¹₍:,ₙ₎‖²)/τ̃ₙ where τ̃ₙKₙₙ ≥ 10⁻², else Kₙₙ − ‖V₍:,ₙ₎‖² from V's column n (one
    /// triangular solve over those columns together); clamped at 0.
    private static func marginalVariances(_ k: Matrix, _ tau: [Double], _ w: [Double], _ factor: Cholesky,
                                          _ lowerInverse: Matrix) -> [Double] {
        let n = k.rows
        let diagonalOfInverse = lowerInverse.columnSumsOfSquares
        var variance = (0..<n).map { i in (1 - diagonalOfInverse[i]) / tau[i] }
        let direct = (0..<n).filter { tau[$0] * k[$0, $0] < 1e-2 }
        if !direct.isEmpty {
            var v = Matrix(rows: n, cols: direct.count)
            for (c, j) in direct.enumerated() { for i in 0..<n { v[i, c] = w[i] * k[i, j] } }
            trsm(.left, .lower, .none, factor.lower, &v)
            let ss = v.columnSumsOfSquares
            for (c, j) in direct.enumerated() { variance[j] = k[j, j] - ss[c] }
        }
        return variance.map { max(0, $0) }
    }

    /// V = L⁻¹ W K (one n × n triangular solve).
    private static func project(_ k: Matrix, _ w: [Double], _ factor: Cholesky) -> Matrix {
        var v = k
        let n = k.rows
        for j in 0..<n { for i in 0..<n { v[i, j] *= w[i] } }
        trsm(.left, .lower, .none, factor.lower, &v)
        return v
    }

    /// The symmetric adjoint K̄ of an objective s · log Z_sites + Σₙ hₙ(mₙ, vₙ) with respect to K, the sites held
    /// fixed, given m̄ = ∂h/∂m and v̄ = ∂h/∂v: with A = (I + K T̃)⁻¹ (so ∂m = A ∂K ϱ, ∂Σ = A ∂K Aᵀ),
    ///
    ///     K̄ = sym( s (½ ϱϱᵀ − ½ P) + Aᵀ m̄ ϱᵀ + Aᵀ diag(v̄) A ),   P = W B⁻¹ W,   Aᵀ = I − P K = I − W L⁻ᵀ V.
    ///
    /// Aᵀ comes from V (one triangular solve) by another; Aᵀ diag(v̄) A as two rank-k updates (dsyrk), over the
    /// columns with v̄ > 0 and those with v̄ < 0.
    /// - Complexity: O(n³): two triangular solves, P (dlauum from the kept L⁻¹, when s ≠ 0) and n³ for the rank
    ///   updates (≈ 3.3 n³ flops).
    public func gramAdjoint(meanAdjoint mbar: [Double], varianceAdjoint vbar: [Double], normaliserScale s: Double = 1) -> Matrix {
        let n = x.rows
        var at = Self.project(gram, root, factor)
        trsm(.left, .lower, .transposed, factor.lower, &at)
        for j in 0..<n {
            for i in 0..<n { at[i, j] *= -root[i] }
            at[j, j] += 1
        }
        let am = matvec(at, mbar)
        var adjoint = Matrix(rows: n, cols: n)
        for sign in [1.0, -1.0] {
            let columns = (0..<n).filter { sign * vbar[$0] > 0 }
            guard !columns.isEmpty else { continue }
            var scaled = Matrix(rows: n, cols: columns.count)
            for (c, j) in columns.enumerated() {
                let r = (sign * vbar[j]).squareRoot()
                for i in 0..<n { scaled[i, c] = at[i, j] * r }
            }
            syrk(.none, .lower, alpha: sign, scaled, beta: 1, into: &adjoint)
        }
        adjoint.symmetrizeFromLower()
        let p = s != 0 ? precisionProjection() : Matrix(rows: n, cols: n)
        for j in 0..<n {
            for i in 0..<n {
                adjoint[i, j] += s * (0.5 * rho[i] * rho[j] - 0.5 * p[i, j]) + 0.5 * (am[i] * rho[j] + am[j] * rho[i])
            }
        }
        adjoint.symmetrize()
        return adjoint
    }

    /// Latent mean k*ᵀ ϱ and variance k** − ‖L⁻¹ W k*‖² (clamped at 0) at new inputs.
    /// - Complexity: O(n m d + n² m).
    /// - Throws: `PredictionError.inputColumns` for inputs with another number of columns than the training data.
    public func predict(at xs: Matrix) throws -> GaussianPrediction {
        try PredictionError.checkColumns(xs, expected: x.cols)
        var kfs = kernel.cross(x, xs)
        let mean = matvec(kfs, rho, .transposed)
        for j in 0..<xs.rows { for i in 0..<x.rows { kfs[i, j] *= root[i] } }
        trsm(.left, .lower, .none, factor.lower, &kfs)
        let ss = kfs.columnSumsOfSquares
        let kss = kernel.diagonal(xs)
        return GaussianPrediction(mean: mean, variance: (0..<xs.rows).map { max(0, kss[$0] - ss[$0]) })
    }
}
