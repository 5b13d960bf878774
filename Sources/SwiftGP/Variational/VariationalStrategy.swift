import GPLinearAlgebra

/// How q(u) becomes q(f(x)) and what KL it pays: the *strategy* half of the variational split
/// (docs/methods/sparse-variational.md#variational-strategies); how q(u) is parametrised is the
/// *family* (`VariationalFamily`). The SVGP ELBO, (N/|B|) Σ E_q[log p(yₙ | fₙ)] − Σ_latents KL, is written
/// once over this protocol (`SVGPObjective.terms`); natural-gradient steps and the posterior use its
/// off-tape half. Conformers: `WhitenedInducingPoints`, `UnwhitenedInducingPoints`; a nearest-neighbour
/// (Vecchia) strategy is the next one.
public protocol VariationalStrategy: Sendable {
    /// Per-minibatch work shared by every latent function (e.g. chol K_uu, K_uf, diag K_ff).
    associatedtype Prepared

    /// The shared work on the tape, from the kernel's leaves, the inducing inputs' leaf and the rows `xb`.
    func prepare(kernel: any Kernel, kernelParameters: [Var], inducing z: Var, inputDimension d: Int, inputs xb: Matrix,
                 jitter: JitterPolicy) throws -> Prepared
    /// q(fₙ) for one latent function: mean and variance columns (|B| × 1).
    func marginals(_ prepared: Prepared, mean: Var, sqrt: Var) -> (mean: Var, variance: Var)
    /// KL[q(u) ‖ p(u)] for one latent function with M inducing values.
    func kl(_ prepared: Prepared, mean: Var, sqrt: Var, inducingCount m: Int) -> Var

    /// Off the tape: the projection A (M × B) with E_q[fₙ] = aₙᵀm, from K_uu's factor L and L⁻¹K_uf.
    func projection(factor lz: Cholesky, whitenedCross a: Matrix) -> Matrix
    /// The prior precision of the variational variable (I whitened, K_uu⁻¹ unwhitened).
    func priorPrecision(factor lz: Cholesky) -> Matrix
    /// K_uu⁻¹ applied to the variational mean or square root as stored (L⁻ᵀ· whitened, K_uu⁻¹· unwhitened).
    func projectToPrior(factor lz: Cholesky, _ v: Matrix) -> Matrix
    /// The square root of the prior covariance of the variational variable, or nil when it is I (so a new
    /// model's q(u) equals the prior without factorising K_uu).
    func priorSquareRoot(kernel: any Kernel, inducing z: Matrix, jitter: JitterPolicy) throws -> Matrix?
}

/// The shared per-minibatch work of an inducing-point strategy, on the tape.
public struct InducingBatch {
    /// chol(K_uu).
    let factor: Var
    /// K_uf.
    let cross: Var
    /// diag K_ff.
    let diagonal: Var

    init(kernel: any Kernel, kernelParameters kp: [Var], inducing z: Var, inputDimension d: Int, inputs xb: Matrix,
         jitter: JitterPolicy) throws {
        factor = try cholesky(kernel.gram(inputs: z, dimension: d, on: kp), policy: jitter, isLatentPrior: true)
        cross = kernel.cross(inputs: z, dimension: d, xb, on: kp)
        diagonal = kernel.diagonal(xb, on: kp)
    }
}

/// The unwhitened strategy's batch: the inducing batch plus L⁻¹K_uf and K_uu⁻¹K_uf.
public struct UnwhitenedInducingBatch {
    let base: InducingBatch
    let whitenedCross: Var
    let projection: Var
}

/// Whitened inducing points (the default): u = L w with K_uu = L Lᵀ, q(w) = N(m, L_S L_Sᵀ), p(w) = N(0, I).
/// q(fₙ) = N(aₙᵀm, kₙₙ − ‖aₙ‖² + ‖L_Sᵀaₙ‖²) with aₙ = L⁻¹kᵤₙ — one fused node (`whitenedMarginals`, 5 M²B
/// flops); KL = ½(‖L_S‖²_F + ‖m‖² − M − log|L_S L_Sᵀ|).
/// - Complexity: O(|B| M² + M³) per minibatch.
public struct WhitenedInducingPoints: VariationalStrategy {
    public init() {}

    public func prepare(kernel: any Kernel, kernelParameters: [Var], inducing z: Var, inputDimension d: Int, inputs xb: Matrix,
                        jitter: JitterPolicy) throws -> InducingBatch {
        try InducingBatch(kernel: kernel, kernelParameters: kernelParameters, inducing: z, inputDimension: d, inputs: xb, jitter: jitter)
    }

    public func marginals(_ p: InducingBatch, mean: Var, sqrt: Var) -> (mean: Var, variance: Var) {
        let marginals = whitenedMarginals(cholesky: p.factor, crossCovariance: p.cross, mean: mean, sqrt: sqrt)
        return (selectingColumn(marginals, 0), p.diagonal + selectingColumn(marginals, 1))
    }

    public func kl(_ p: InducingBatch, mean: Var, sqrt: Var, inducingCount m: Int) -> Var {
        0.5 * (sumOfSquares(sqrt) + sumOfSquares(mean) - mean.tape.constant(Double(m)) - logDiagonalSquares(sqrt))
    }

    public func projection(factor lz: Cholesky, whitenedCross a: Matrix) -> Matrix { a }
    public func priorPrecision(factor lz: Cholesky) -> Matrix { Matrix.identity(lz.lower.rows) }
    public func projectToPrior(factor lz: Cholesky, _ v: Matrix) -> Matrix { lz.solveUpper(v) }
    public func priorSquareRoot(kernel: any Kernel, inducing z: Matrix, jitter: JitterPolicy) throws -> Matrix? { nil }
}

/// Unwhitened inducing points: q(u) = N(m, L_S L_Sᵀ) directly. q(fₙ) = N(aₙᵀm, kₙₙ − ‖L⁻¹kᵤₙ‖² + ‖L_Sᵀaₙ‖²)
/// with aₙ = K_uu⁻¹kᵤₙ (fused node `variationalMarginals`); KL = ½(‖L⁻¹L_S‖²_F + ‖L⁻¹m‖² − M + log|K_uu| −
/// log|L_S L_Sᵀ|).
/// - Complexity: O(|B| M² + M³) per minibatch.
public struct UnwhitenedInducingPoints: VariationalStrategy {
    public init() {}

    public func prepare(kernel: any Kernel, kernelParameters kp: [Var], inducing z: Var, inputDimension d: Int, inputs xb: Matrix,
                        jitter: JitterPolicy) throws -> UnwhitenedInducingBatch {
        let base = try InducingBatch(kernel: kernel, kernelParameters: kp, inducing: z, inputDimension: d, inputs: xb, jitter: jitter)
        let a = triangularSolve(base.factor, base.cross)
        return UnwhitenedInducingBatch(base: base, whitenedCross: a, projection: triangularSolve(base.factor, a, .transposed))
    }

    public func marginals(_ p: UnwhitenedInducingBatch, mean: Var, sqrt: Var) -> (mean: Var, variance: Var) {
        let marginals = variationalMarginals(projection: p.projection, mean: mean, sqrt: sqrt)
        return (selectingColumn(marginals, 0), p.base.diagonal - columnSumsOfSquares(p.whitenedCross) + selectingColumn(marginals, 1))
    }

    public func kl(_ p: UnwhitenedInducingBatch, mean: Var, sqrt: Var, inducingCount m: Int) -> Var {
        let l = p.base.factor
        return 0.5 * (sumOfSquares(triangularSolve(l, sqrt)) + sumOfSquares(triangularSolve(l, mean))
            - mean.tape.constant(Double(m)) + logDeterminant(cholesky: l) - logDiagonalSquares(sqrt))
    }

    public func projection(factor lz: Cholesky, whitenedCross a: Matrix) -> Matrix { lz.solveUpper(a) }
    public func priorPrecision(factor lz: Cholesky) -> Matrix { lz.inverse() }
    public func projectToPrior(factor lz: Cholesky, _ v: Matrix) -> Matrix { lz.solve(v) }
    public func priorSquareRoot(kernel: any Kernel, inducing z: Matrix, jitter: JitterPolicy) throws -> Matrix? {
        try Cholesky(kernel.gram(z), policy: jitter, isLatentPrior: true).lower
    }
}

extension InducingParametrisation {
    /// The strategy this choice names.
    public var strategy: any VariationalStrategy {
        switch self {
        case .whitened: return WhitenedInducingPoints()
        case .unwhitened: return UnwhitenedInducingPoints()
        }
    }
}
