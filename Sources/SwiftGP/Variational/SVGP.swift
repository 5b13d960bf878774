import GPLinearAlgebra

/// A sparse variational GP (Hensman et al. 2013, 2015; docs/methods/sparse-variational.md#svgp): M inducing inputs Z (learnable),
/// q(u) = N(m, S) per latent function, whitened (default) or unwhitened, any `Likelihood`.
///
/// ELBO = (N/|B|) Σ_{n∈B} E_{q(fₙ)}[log p(yₙ | fₙ)] − Σ_latents KL[q(u) ‖ p(u)], with
/// q(fₙ) = N(aₙᵀm, kₙₙ − ‖L⁻¹kᵤₙ‖² + ‖L_Sᵀaₙ‖²) (aₙ = L⁻¹kᵤₙ whitened, K_uu⁻¹kᵤₙ unwhitened).
/// - Complexity: O(|B| M² + M³) per minibatch evaluation, O(M² + N d) memory (never O(N²)).
public struct SVGP: Parameterised, Sendable {
    public var kernel: any Kernel
    public var likelihood: any Likelihood
    /// Z, column-major `M × d`.
    public var inducingInputs: Parameter
    public let inputDimension: Int
    public var variational: VariationalDistribution
    public let parametrisation: InducingParametrisation
    public var jitter: JitterPolicy

    /// A model whose q(u) equals the prior.
    public init(kernel: any Kernel, likelihood: any Likelihood, inducing z: Matrix,
                parametrisation: InducingParametrisation = .whitened, covariance: VariationalCovariance = .full,
                jitter: JitterPolicy = .standard) throws {
        self.kernel = kernel
        self.likelihood = likelihood
        self.inducingInputs = Parameter("inducing", z.storage, .identity)
        self.inputDimension = z.cols
        self.variational = VariationalDistribution(inducingCount: z.rows, latentCount: likelihood.latentCount,
                                                   covariance: covariance)
        self.parametrisation = parametrisation
        self.jitter = jitter
        // q(u) = p(u): m = 0 and the strategy's prior square root (N(0, I) is the family's default).
        if let l = try parametrisation.strategy.priorSquareRoot(kernel: kernel, inducing: z, jitter: jitter) {
            for c in 0..<likelihood.latentCount { variational.set(latent: c, mean: [Double](repeating: 0, count: z.rows), sqrt: l) }
        }
    }

    public var inducingCount: Int { variational.inducingCount }
    /// How q(u) becomes q(f): the strategy `parametrisation` names.
    public var strategy: any VariationalStrategy { parametrisation.strategy }
    /// Z as an `M × d` matrix.
    public var z: Matrix { Matrix(rows: inducingCount, cols: inputDimension, storage: inducingInputs.value) }

    /// `kernel.*`, `likelihood.*`, `inducing`, `q.mean`, `q.sqrt`.
    public var parameters: [Parameter] {
        get {
            kernel.parameters.map { $0.prefixed("kernel") } + likelihood.parameters.map { $0.prefixed("likelihood") }
                + [inducingInputs] + variational.parameters.map { $0.prefixed("q") }
        }
        set {
            let g = splitParameters(newValue, counts: [kernel.parameters.count, likelihood.parameters.count, 1, 2])
            kernel.parameters = g[0]
            likelihood.parameters = g[1]
            inducingInputs.assign(from: g[2][0])
            variational.parameters = g[3]
        }
    }

    /// The ELBO on data (x, y) as a trainable objective; `noise`: known per-point noise variances of a
    /// Gaussian likelihood, added to its σ².
    public func elbo(_ x: Matrix, _ y: [Double], noise: [Double]? = nil) -> SVGPObjective {
        SVGPObjective(model: self, x: x, y: y, noise: noise)
    }

    /// Trains with the shared engine. With `naturalGradients`, q(u) (the group `q`) is updated by
    /// natural-gradient steps (Salimbeni et al. 2018) on each minibatch, alternating with the optimiser
    /// (use Adam) on the hyperparameters and Z. `groups` (appended to `options.groups`) can name further
    /// parameter groups; they are matched before the natural-gradient group. `noise`: known per-point noise
    /// variances sₙ ≥ 0 (Gaussian likelihood only), added to the learned σ².
    /// - Throws: `TrainingError` for unusable data (shapes, targets outside the likelihood's support, e.g. ±1
    ///   labels for `Bernoulli`), L-BFGS on minibatches, natural gradients on a mean-field q(u); numerical failures.
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], noise: [Double]? = nil, options: FitOptions = FitOptions(optimizer: .adam()),
                             naturalGradients: NaturalGradientSchedule? = nil, groups: [ParameterGroup] = []) throws -> FitReport {
        var start = self
        start.kernel = kernel.sizedToData(DataSummary(x: x, y: y).inputScales)
        try TrainingDataCheck.check(x: x, y: y, noise: noise, kernel: start.kernel, likelihood: likelihood, inputDimension: inputDimension)
        var objective = start.elbo(x, y, noise: noise)
        var options = options
        options.groups += groups
        if let schedule = naturalGradients {
            // A mean-field q(u) is refused by the objective's `update`, before any optimiser step.
            options.groups.append(ParameterGroup("q", updater: .naturalGradient(schedule)))
        }
        let report = try Trainer.fit(&objective, options: options)
        self = objective.model
        return report
    }

    /// The posterior: caches K_uu's factor and the projected q(u) for repeated prediction.
    public func posterior() throws -> InducingPosterior {
        let z = self.z
        let lz = try Cholesky(kernel.gram(z), policy: jitter, isLatentPrior: true)
        var means = Matrix(rows: inducingCount, cols: variational.latentCount)
        var sqrts: [Matrix] = []
        for l in 0..<variational.latentCount {
            let m = Matrix(column: variational.mean(latent: l))
            let s = variational.sqrtMatrix(latent: l)
            // K_uu⁻¹ m_u and K_uu⁻¹ L_Su: whitened m_u = L m, L_Su = L L_S ⇒ L⁻ᵀ m, L⁻ᵀ L_S.
            let pm = strategy.projectToPrior(factor: lz, m)
            let ps = strategy.projectToPrior(factor: lz, s)
            for i in 0..<inducingCount { means[i, l] = pm.storage[i] }
            sqrts.append(ps)
        }
        return InducingPosterior(kernel: kernel, likelihood: likelihood, z: z, factor: lz, projectedMean: means,
                                 projectedSqrt: sqrts)
    }

    /// q(f) at the rows of `x`: means and variances `n × latentCount`, and the projection columns aₙ.
    func marginals(_ x: Matrix) throws -> (mean: Matrix, variance: Matrix, projection: Matrix, kuu: Cholesky) {
        let lz = try Cholesky(kernel.gram(z), policy: jitter, isLatentPrior: true)
        let a = lz.solveLower(kernel.cross(z, x))
        let proj = strategy.projection(factor: lz, whitenedCross: a)
        let kdiag = kernel.diagonal(x)
        let n = x.rows, lc = variational.latentCount
        var mean = Matrix(rows: n, cols: lc), variance = Matrix(rows: n, cols: lc)
        let priorPart = a.columnSumsOfSquares                         // ‖L⁻¹k_un‖²
        for l in 0..<lc {
            let mu = matvec(proj, variational.mean(latent: l), .transposed)
            var ls = proj
            trmm(.left, .lower, .transposed, variational.sqrtMatrix(latent: l), &ls)   // L_Sᵀ aₙ (triangular: M²B flops)
            let qPart = ls.columnSumsOfSquares
            for i in 0..<n {
                mean[i, l] = mu[i]
                variance[i, l] = max(0, kdiag[i] - priorPart[i] + qPart[i])
            }
        }
        return (mean, variance, proj, lz)
    }

    /// One natural-gradient step on q(u) for every latent (docs/methods/sparse-variational.md#natural-gradients), taken in the natural
    /// parameters ϑ = (S⁻¹m, −½S⁻¹) with step γ on the rows `batch` (nil: all data):
    /// Λ ← (1−γ)Λ + γ(P⁻¹ − 2c Σ g_v aaᵀ), S⁻¹m ← (1−γ)S⁻¹m + γ c Σ (g_μ − 2g_v μ) a, c = N/|B|,
    /// P⁻¹ = I (whitened) or K_uu⁻¹. If the new precision is not positive definite, γ is halved.
    /// - Complexity: O(|B| M² + M³).
    public mutating func naturalGradientStep(_ x: Matrix, _ y: [Double], noise: [Double]? = nil, batch: [Int]?, stepSize: Double) throws {
        let rows = batch?.count ?? x.rows
        let (statistics, lz) = try naturalGradientStatisticsAndFactor(x, y, noise: noise, batch: batch, scale: Double(x.rows) / Double(rows))
        try applyNaturalGradient(statistics, stepSize: stepSize, factor: lz)
    }

    /// The data part of a natural-gradient step's target on the rows `batch` of (x, y) (nil: all), per latent:
    /// the precision term −2c Σ g_v a aᵀ and the shift c Σ (g_μ − 2g_v μ) a, with c = `scale` (N/|B| for a
    /// minibatch of the whole data). Both are sums over rows: a data-parallel fit sums them over shards
    /// (`DistributedSVGPObjective`) before `applyNaturalGradient`.
    /// - Complexity: O(|B| M² + M³).
    func naturalGradientStatistics(_ x: Matrix, _ y: [Double], noise: [Double]?, batch: [Int]?,
                                   scale c: Double) throws -> [NaturalGradientStatistics] {
        try naturalGradientStatisticsAndFactor(x, y, noise: noise, batch: batch, scale: c).statistics
    }

    /// `naturalGradientStatistics` and the factor of K_uu it used (so a one-process step factorises K_uu once).
    private func naturalGradientStatisticsAndFactor(_ x: Matrix, _ y: [Double], noise: [Double]?, batch: [Int]?,
                                                    scale c: Double) throws -> (statistics: [NaturalGradientStatistics], factor: Cholesky) {
        let xb = batch.map { x.selectingRows($0) } ?? x
        let yb = rows(batch, of: y)
        let sb = noise.map { rows(batch, of: $0) }
        let (mean, variance, proj, lz) = try marginals(xb)
        let e = likelihood.variationalExpectations(yb, fixedNoise: sb, mean: mean, variance: variance)
        let statistics = (0..<variational.latentCount).map { l in
            var weights = [Double](repeating: 0, count: xb.rows)
            var curvature = [Double](repeating: 0, count: xb.rows)
            for n in 0..<xb.rows {
                let gv = e.dVariance[n, l], gm = e.dMean[n, l]
                curvature[n] = -2 * c * gv
                weights[n] = c * (gm - 2 * gv * mean[n, l])
            }
            // −2c Σ g_v a aᵀ as a weighted Gram (dsyrk over each sign: M²B flops, half a gemm).
            return NaturalGradientStatistics(precision: weightedGram(proj, weights: curvature), shift: matvec(proj, weights))
        }
        return (statistics, lz)
    }

    /// Moves q(u) a step γ towards the target P⁻¹ + Σ precision, Σ shift (`naturalGradientStatistics`, summed
    /// over the data's parts), halving γ while the new precision is not positive definite. `factor`: K_uu's
    /// factor when the caller has it (nil: factorised here).
    /// - Complexity: O(M³) per latent.
    mutating func applyNaturalGradient(_ statistics: [NaturalGradientStatistics], stepSize: Double, factor: Cholesky? = nil) throws {
        let lz = try factor ?? Cholesky(kernel.gram(z), policy: jitter, isLatentPrior: true)
        let priorPrecision = strategy.priorPrecision(factor: lz)
        for l in 0..<variational.latentCount {
            var targetPrecision = priorPrecision
            targetPrecision += statistics[l].precision
            let targetShift = statistics[l].shift
            // Current natural parameters from (m, L_S).
            let sqrtS = Cholesky(lower: variational.sqrtMatrix(latent: l).map { $0 })
            let currentPrecision = sqrtS.inverse()
            let currentShift = matvec(currentPrecision, variational.mean(latent: l))
            var gamma = stepSize
            while true {
                var precision = (1 - gamma) * currentPrecision + gamma * targetPrecision
                precision.symmetrize()
                let shift = zip(currentShift, targetShift).map { (1 - gamma) * $0 + gamma * $1 }
                do {
                    let lp = try Cholesky(precision, policy: jitter)
                    let newMean = lp.solve(shift)
                    let s = lp.inverse()
                    let ls = try Cholesky(s, policy: jitter)
                    variational.set(latent: l, mean: newMean, sqrt: ls.lower)
                    break
                } catch {
                    gamma *= 0.5
                    if gamma < 1e-8 { throw error }
                }
            }
        }
    }
}

/// One latent's data part of a natural-gradient target (`SVGP.naturalGradientStatistics`): the M × M
/// precision term −2c Σ g_v a aᵀ and the M-vector shift c Σ (g_μ − 2g_v μ) a. Sums over rows, so the
/// statistics of disjoint row sets add.
/// - Complexity: O(M²) memory.
struct NaturalGradientStatistics: Sendable {
    var precision: Matrix
    var shift: [Double]
}

/// Step sizes for natural-gradient updates of q(u): γ rises log-linearly from `initialStepSize` to
/// `stepSize` over `rampIterations` (Salimbeni et al. recommend 1e−4 → 0.1 for non-conjugate
/// likelihoods), then stays. For a Gaussian likelihood γ = 1 is the exact full-batch optimum.
public struct NaturalGradientSchedule: Sendable {
    public var stepSize: Double
    public var initialStepSize: Double
    public var rampIterations: Int

    public init(stepSize: Double = 0.1, initialStepSize: Double? = nil, rampIterations: Int = 0) {
        self.stepSize = stepSize
        self.initialStepSize = initialStepSize ?? stepSize
        self.rampIterations = rampIterations
    }

    /// γ at iteration t (0-based).
    public func step(at t: Int) -> Double {
        guard rampIterations > 0, t < rampIterations else { return stepSize }
        let f = Double(t) / Double(rampIterations)
        return Math.exp(Math.log(initialStepSize) * (1 - f) + Math.log(stepSize) * f)
    }
}

/// The SVGP evidence lower bound as a tape objective; minibatches are drawn by the engine.
public struct SVGPObjective: TapeObjective, ModelObjective, Sendable {
    public var model: SVGP
    public let x: Matrix
    public let y: [Double]
    /// Known per-point noise variances of a Gaussian likelihood, added to its σ² (nil: none).
    public let noise: [Double]?
    /// Rows per chunk when the full-data ELBO is accumulated.
    public var chunkSize = 4096

    public init(model: SVGP, x: Matrix, y: [Double], noise: [Double]? = nil) {
        precondition(x.rows == y.count, "\(x.rows) input rows but \(y.count) targets")
        precondition(x.cols == model.inputDimension, "inputs have \(x.cols) columns, inducing inputs \(model.inputDimension)")
        precondition(noise.map { $0.count == y.count } ?? true, "\(noise?.count ?? 0) noise variances for \(y.count) targets")
        self.model = model
        self.x = x
        self.y = y
        self.noise = noise
    }

    /// The rows `batch` of the per-point noise (nil batch: all).
    private func noise(rows batch: [Int]?) -> [Double]? { noise.map { rows(batch, of: $0) } }

    public var minibatchPopulation: Int? { x.rows }

    /// The inputs' scales, and the variance of the targets on the latent scale: the likelihood's
    /// `linearisationPoint`s (Gaussian and Student-t: y; Poisson: log(y + ½)), or 1 for binary and
    /// categorical targets, which say nothing about it (a unit latent variance, as a probit's scale).
    public var dataSummary: DataSummary? {
        let latent = (model.likelihood as? any ScalarLikelihood).map { l in y.compactMap { l.linearisationPoint(for: $0) } } ?? []
        return DataSummary(x: x, y: latent.count == y.count ? latent : [])
    }

    /// Rows the start screen evaluates on: all up to `screeningRowLimit`, else a fixed-seed sample of that many.
    public var screeningRowLimit = 2048

    /// The ELBO at a screened candidate once q(u) has adapted to it (docs/methods/training.md#starting-points):
    /// on the screening rows, one natural-gradient step of size 1 for a Gaussian likelihood (then q(u) is the
    /// optimum and the ELBO is the collapsed SGPR bound of those rows), four of size ½ for the others
    /// (Newton-like steps on a concave data term); a mean-field q(u) is not adapted. q(u) keeps the adapted
    /// value, so the fit starts from it.
    /// - Complexity: O(s M² + M³) per step, s = min(n, `screeningRowLimit`).
    public mutating func screeningValue() throws -> Double {
        var generator = SeededGenerator(seed: 0x5C_EE4)
        let rows = x.rows > screeningRowLimit ? generator.sample(screeningRowLimit, from: x.rows) : nil
        if model.variational.covariance == .full {
            let conjugate = model.likelihood is GaussianLikelihood
            for _ in 0..<(conjugate ? 1 : 4) { try model.naturalGradientStep(x, y, noise: noise, batch: rows, stepSize: conjugate ? 1 : 0.5) }
        }
        return try value(batch: rows)
    }

    /// Natural-gradient steps on q(u) (the parameters `q.mean`, `q.sqrt`, which must be owned together).
    public mutating func update(_ update: ClosedFormUpdate, parameters names: [String], batch: [Int]?) throws {
        guard case let .naturalGradient(stepSize) = update, Set(names) == ["q.mean", "q.sqrt"] else {
            throw TrainingError.unsupportedUpdate(updater: "\(update) of \(names)", objective: "the SVGP ELBO")
        }
        guard model.variational.covariance == .full else {
            throw TrainingError.invalidGroups("natural gradients need a full-covariance q(u)")
        }
        try model.naturalGradientStep(x, y, noise: noise, batch: batch, stepSize: stepSize)
    }

    /// The data term Σ E_q[log p] over rows `xb` and the KL term, on the tape.
    func terms(on tape: Tape, parameters p: ParameterLeaves, xb: Matrix, yb: [Double], sb: [Double]?) throws -> (expectations: Var, kl: Var) {
        try terms(strategy: model.strategy, on: tape, parameters: p, xb: xb, yb: yb, sb: sb)
    }

    /// The ELBO's two terms, written once over the strategy: per latent, q(fₙ) from the strategy's marginals
    /// and its KL; then the likelihood's variational expectations over all latents.
    func terms<S: VariationalStrategy>(strategy: S, on tape: Tape, parameters p: ParameterLeaves, xb: Matrix,
                                       yb: [Double], sb: [Double]?) throws -> (expectations: Var, kl: Var) {
        let prepared = try strategy.prepare(kernel: model.kernel, kernelParameters: p.scoped("kernel"), inducing: p["inducing"],
                                            inputDimension: model.inputDimension, inputs: xb, jitter: model.jitter)
        let qMean = p["q.mean"], qSqrt = p["q.sqrt"]
        var means: [Var] = [], variances: [Var] = [], kls: [Var] = []
        for l in 0..<model.variational.latentCount {
            let mu = model.variational.meanNode(qMean, latent: l)
            let ls = model.variational.sqrtNode(qSqrt, latent: l)
            let q = strategy.marginals(prepared, mean: mu, sqrt: ls)
            means.append(q.mean)
            variances.append(q.variance)
            kls.append(strategy.kl(prepared, mean: mu, sqrt: ls, inducingCount: model.inducingCount))
        }
        let ve = variationalExpectations(model.likelihood, yb, fixedNoise: sb, mean: concatenatingColumns(means),
                                         variance: concatenatingColumns(variances), parameters: p.scoped("likelihood"))
        return (ve, kls.dropFirst().reduce(kls[0], +))
    }

    public func objective(on tape: Tape, parameters: ParameterLeaves, batch: [Int]?) throws -> Var {
        let xb = batch.map { x.selectingRows($0) } ?? x
        let yb = rows(batch, of: y)
        let (ve, kl) = try terms(on: tape, parameters: parameters, xb: xb, yb: yb, sb: noise(rows: batch))
        return (Double(x.rows) / Double(xb.rows)) * ve - kl
    }

    /// The full-data ELBO accumulated over chunks of `chunkSize` rows (memory O(chunk · M)).
    public func fullValue() throws -> Double {
        var total = 0.0, kl = 0.0
        var start = 0
        while start < x.rows {
            let rows = Array(start..<min(start + chunkSize, x.rows))
            let tape = Tape()
            let (ve, k) = try terms(on: tape, parameters: ParameterLeaves(parameters, on: tape),
                                    xb: x.selectingRows(rows), yb: rows.map { y[$0] }, sb: noise(rows: rows))
            total += ve.scalar
            kl = k.scalar
            start += chunkSize
        }
        return total - kl
    }
}

/// The entries `batch` of `values` (nil: all of them): a minibatch's targets or noise variances.
private func rows(_ batch: [Int]?, of values: [Double]) -> [Double] {
    batch.map { b in b.map { values[$0] } } ?? values
}
