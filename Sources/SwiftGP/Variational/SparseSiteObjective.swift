import GPLinearAlgebra

/// A sparse GP with one Gaussian site per datum on the projection gₙ = aₙᵀu, aₙ = K_uu⁻¹kᵤₙ (the dual,
/// "t-SVGP" form of Adam et al. 2021; docs/methods/sparse-variational.md#sites-and-the-ep-like-objective):
///
///     q(u) ∝ p(u) Πₙ tₙ(aₙᵀu),   tₙ(g) = exp(ν̃ₙg − ½τ̃ₙg²),
///
/// as ONE engine objective, like the full GP's `SiteObjective`: the group `sites` (`sites.first` = ν̃,
/// `sites.second` = τ̃) is moved by CVI updates (`Updater.sites(stepSize: β)`) from q's marginals, and the kernel
/// (and Z) by the optimiser on `energy` with the sites frozen:
///
///     log Z_sites + Σₙ hₙ(m̂ₙ, v̂ₙ, rₙ)      (`SiteEnergy.terms`, rₙ = kₙₙ − qₙₙ the Nyström residual).
///
/// Whitened (u = Lw, K_uu = LLᵀ, A = L⁻¹K_uf): q(w) = N(P⁻¹b, P⁻¹) with P = I + A T̃ Aᵀ = L_P L_Pᵀ, b = Aν̃;
/// log Z_sites = ½‖L_P⁻¹b‖² − Σ log (L_P)ᵢᵢ, m̂ = DᵀL_P⁻¹b and v̂ₙ = ‖Dₙ‖² with D = L_P⁻¹A.
///
/// - `elbo`: the SVGP model, fₙ = gₙ + N(0, rₙ): CVI from q(fₙ) = N(m̂ₙ, v̂ₙ + rₙ) (Adam et al. 2021), and the
///   energy is the SVGP ELBO of that q(u); its CVI fixed point is the SVGP optimum.
/// - `epLike`: the EP-like estimate of Li, John & Solin (2023, power 1) for the projected-process (DTC)
///   model fₙ = gₙ = aₙᵀu: CVI and the energy use (m̂ₙ, v̂ₙ) alone (`usesResidual`), so this is the full
///   GP's method under the Nyström prior K_fu K_uu⁻¹ K_uf.
///
/// With Z = X both are the full GP's `SiteObjective` exactly.
/// - Complexity: O(n M² + M³) per evaluation and per site update, O(n M) memory (all rows: the sites
///   couple every datum through P).
public struct SparseSiteObjective: TapeObjective, Sendable {
    public var kernel: any Kernel
    public let likelihood: any ScalarLikelihood
    /// Z, column-major `M × d`.
    public var inducingInputs: Parameter
    public let x: Matrix
    public let y: [Double]
    public var sites: GaussianSites
    public var energy: SiteEnergy
    public let jitter: JitterPolicy

    /// Starts from empty sites (q(u) = p(u)) unless `sites` are given.
    public init(kernel: any Kernel, likelihood: any ScalarLikelihood, inducing z: Matrix, x: Matrix, y: [Double],
                energy: SiteEnergy, sites: GaussianSites? = nil, jitter: JitterPolicy = .standard) {
        precondition(x.rows == y.count && x.cols == z.cols, "\(x.rows)×\(x.cols) inputs, \(y.count) targets, \(z.cols)-column Z")
        self.kernel = kernel
        self.likelihood = likelihood
        self.inducingInputs = Parameter("inducing", z.storage, .identity)
        self.x = x
        self.y = y
        self.sites = sites ?? GaussianSites(count: y.count, dimension: 1)
        self.energy = energy
        self.jitter = jitter
    }

    public var inducingCount: Int { z.rows }

    /// Whether the likelihood sees fₙ = gₙ + N(0, rₙ) (the SVGP model; the ELBO) or gₙ itself (the projected
    /// process, DTC; the EP-like estimate). EP's site-under-cavity term sees only gₙ, so with the residual in
    /// the tilted term a point whose site disagrees with q earns an unbounded reward as rₙ grows (measured:
    /// on breast cancer the estimate rose from −42 past +200, kernel variance 218, rₙ up to 104).
    public var usesResidual: Bool { energy == .elbo }
    /// Z as an `M × d` matrix.
    public var z: Matrix { Matrix(rows: inducingInputs.value.count / x.cols, cols: x.cols, storage: inducingInputs.value) }

    /// `kernel.*`, `inducing`, `sites.first`, `sites.second`.
    public var parameters: [Parameter] {
        get { kernel.parameters.map { $0.prefixed("kernel") } + [inducingInputs] + sites.parameters.map { $0.prefixed("sites") } }
        set {
            let g = splitParameters(newValue, counts: [kernel.parameters.count, 1, 2])
            kernel.parameters = g[0]
            inducingInputs.assign(from: g[1][0])
            sites.parameters = g[2]
        }
    }

    /// The pieces of q shared by the objective and the site update, on `tape`.
    private struct Pieces {
        /// chol(K_uu), A = L⁻¹K_uf, L_P, c = L_P⁻¹b, D = L_P⁻¹A.
        let factor: Var, a: Var, precisionFactor: Var, c: Var, d: Var
        /// m̂, v̂ and rₙ (columns).
        let mean: Var, variance: Var, residual: Var
    }

    private func pieces(on tape: Tape, parameters p: ParameterLeaves) throws -> Pieces {
        let batch = try InducingBatch(kernel: kernel, kernelParameters: p.scoped("kernel"), inducing: p["inducing"],
                                      inputDimension: x.cols, inputs: x, jitter: jitter)
        let a = triangularSolve(batch.factor, batch.cross)                      // M × n
        let n = y.count, m = a.rows
        // A T̃^{1/2}: the columns scaled by √τ̃ₙ (a constant of this evaluation).
        var scale = Matrix(rows: m, cols: n)
        for j in 0..<n {
            let s = max(sites.second[j], 0).squareRoot()
            for i in 0..<m { scale[i, j] = s }
        }
        let scaled = hadamard(a, tape.leaf(scale))
        let precision = addingDiagonal(matmul(scaled, scaled, .none, .transposed), tape.constant(1))
        let lp = try cholesky(precision, policy: jitter)
        let c = triangularSolve(lp, matmul(a, tape.leaf(sites.first)))
        let d = triangularSolve(lp, a)
        return Pieces(factor: batch.factor, a: a, precisionFactor: lp, c: c, d: d, mean: matmul(d, c, .transposed),
                      variance: columnSumsOfSquares(d), residual: batch.diagonal - columnSumsOfSquares(a))
    }

    public func objective(on tape: Tape, parameters p: ParameterLeaves, batch: [Int]?) throws -> Var {
        let q = try pieces(on: tape, parameters: p)
        let logZ = 0.5 * (sumOfSquares(q.c) - logDeterminant(cholesky: q.precisionFactor))
        let residual = usesResidual ? q.residual : tape.leaf([Double](repeating: 0, count: y.count))
        return try logZ + siteEnergyTerms(energy, likelihood, y, sites: sites, mean: q.mean, variance: q.variance, residual: residual)
    }

    /// q's marginals at the training inputs: of gₙ (m̂, v̂) and the residual rₙ, so q(fₙ) = N(m̂ₙ, v̂ₙ + rₙ).
    public func marginals() throws -> (mean: [Double], variance: [Double], residual: [Double]) {
        let tape = Tape()
        let q = try pieces(on: tape, parameters: ParameterLeaves(parameters, on: tape))
        return (q.mean.value.storage, q.variance.value.storage, q.residual.value.storage.map { max($0, 0) })
    }

    /// One CVI site update with damping β from q(fₙ) = N(m̂ₙ, v̂ₙ + rₙ) (Adam et al. 2021's natural-gradient
    /// step in the dual parameters); a step whose sites are not finite is retried with β halved.
    public mutating func update(_ update: ClosedFormUpdate, parameters names: [String], batch: [Int]?) throws {
        guard case let .sites(beta) = update, Set(names) == ["sites.first", "sites.second"] else {
            throw TrainingError.unsupportedUpdate(updater: "\(update) of \(names)", objective: "sparse site objective")
        }
        let q = try marginals()
        let variance = usesResidual ? zip(q.variance, q.residual).map { $0 + $1 } : q.variance
        try StateSpaceCVI.dampedUpdate(&sites, likelihood: likelihood, y: y, means: q.mean, variances: variance, step: beta)
    }

    /// q(w) of the whitened inducing values, w = L⁻¹u: mean P⁻¹b and the lower Cholesky factor of P⁻¹, with
    /// K_uu's factor L (for unwhitened use: u = Lw).
    /// - Complexity: O(n M² + M³).
    public func whitenedPosterior() throws -> (mean: [Double], sqrt: Matrix, factor: Matrix) {
        let tape = Tape()
        let q = try pieces(on: tape, parameters: ParameterLeaves(parameters, on: tape))
        let lp = Cholesky(lower: q.precisionFactor.value)
        let covariance = lp.inverse()
        let sqrt = try Cholesky(covariance, policy: jitter)
        return (lp.solveUpper(q.c.value).storage, sqrt.lower, q.factor.value)
    }
}

/// `SiteEnergy.terms` on the tape: Σₙ hₙ(m̂ₙ, v̂ₙ, rₙ) with the sites constant, one fused node.
/// - Complexity: O(n) likelihood evaluations.
func siteEnergyTerms(_ energy: SiteEnergy, _ likelihood: any ScalarLikelihood, _ y: [Double], sites: GaussianSites,
                     mean: Var, variance: Var, residual: Var) throws -> Var {
    let t = try energy.terms(likelihood, y, sites: sites, mean: mean.value.storage, variance: variance.value.storage,
                             residual: residual.value.storage.map { max($0, 0) })
    return mean.tape.record(Matrix(scalar: t.value)) { g, tape in
        tape.accumulate(mean, Matrix(column: t.meanAdjoint.map { g.scalar * $0 }))
        tape.accumulate(variance, Matrix(column: t.varianceAdjoint.map { g.scalar * $0 }))
        tape.accumulate(residual, Matrix(column: t.residualAdjoint.map { g.scalar * $0 }))
    }
}
