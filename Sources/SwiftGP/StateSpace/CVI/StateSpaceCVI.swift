import GPLinearAlgebra

/// Conjugate-computation variational inference (Khan & Lin 2017; Chang et al. 2020) for a state-space GP
/// with a non-Gaussian scalar likelihood p(y_k | f_k), e.g. Poisson (exp link) or Bernoulli
/// (docs/methods/state-space.md#cvi).
///
/// The approximate posterior is the prior times Gaussian sites on f_k = H x_k,
/// q(f) ∝ p(f) Πₖ exp(j_k f_k − ½ 𝒥_k f_k²), so every inference step is one smoother pass. One
/// iteration, with step β ∈ (0, 1]:
///
///     1. (m_k, v_k) = smoothed marginals of f_k under the current sites;
///     2. g_k = ∂E_k/∂m, G_k = ∂E_k/∂v with E_k(m, v) = E_{N(m,v)}[log p(y_k | f)] (`ScalarLikelihood.expectation`);
///     3. 𝒥_k ← (1 − β)𝒥_k + β(−2G_k),   j_k ← (1 − β)j_k + β(g_k − 2G_k m_k),
///
/// a natural-gradient step on the ELBO in q's natural parameters. −2G_k is clipped at 0 (BayesNewton's
/// PSD safeguard; Poisson-exp and Bernoulli never need it). With a Gaussian likelihood and β = 1 the
/// sites equal the exact likelihood after one iteration. The initial sites are one β = 1 step from the
/// likelihood's linearisation point (Poisson: log(y + ½), variance 0), or from the prior marginals
/// (m = 0, v = k(0)) for likelihoods without one. A step whose result is not finite is retried with β halved.
///
/// The ELBO comes from the sites (exact when q is the smoothed posterior under them):
/// L = log Z_sites − Σₖ E_q[log t_k] + Σₖ E_q[log p(y_k | f_k)].
/// Missing targets (NaN) carry no site. `fit` learns the kernel's hyperparameters by variational EM:
/// CVI to convergence, then a few L-BFGS steps of the shared engine on log Z_sites(θ) with the sites
/// frozen (`SiteMarginalLikelihood`, whose gradient equals the ELBO's at a CVI fixed point).
/// - Complexity: O(T d³) per iteration (one smoother pass plus O(T) expectations).
public struct StateSpaceCVI: Sendable {
    /// The prior; changed only by `fit`, which re-smooths (so `states` never goes stale).
    public private(set) var kernel: any StateSpaceKernel
    public var likelihood: any ScalarLikelihood
    /// β, the damping of the site update.
    public var stepSize: Double
    public var smoother: StateSpaceSmoother.Method
    public var jitter: JitterPolicy
    /// Sorted times and targets in that order.
    public let times: [Double]
    public let y: [Double]
    public private(set) var sites: GaussianSites
    /// The smoothed states under the current sites.
    public private(set) var states: SmoothedStates
    /// Completed iterations.
    public private(set) var iterations = 0
    let order: [Int]

    /// Sets up the sites and smooths once.
    /// - Parameters:
    ///   - initialSites: sites in the sorted-time order; nil takes one full step from the prior marginals.
    /// - Throws: `LinearAlgebraError` from the smoother.
    public init(kernel: any StateSpaceKernel, likelihood: any ScalarLikelihood, times: [Double], y: [Double],
                stepSize: Double = 1, smoother: StateSpaceSmoother.Method = .rts, jitter: JitterPolicy = .standard,
                initialSites: GaussianSites? = nil) throws {
        precondition(stepSize > 0 && stepSize <= 1, "the CVI step size must lie in (0, 1]")
        let s = sortedByTime(times, y)
        if let bad = likelihood.firstInvalidTarget(s.values.filter { !$0.isNaN }) {
            preconditionFailure("target \(bad) is invalid for the \(likelihood.kind) likelihood")
        }
        self.kernel = kernel
        self.likelihood = likelihood
        self.stepSize = stepSize
        self.smoother = smoother
        self.jitter = jitter
        self.times = s.times
        self.y = s.values
        self.order = s.order
        var sites = GaussianSites(count: s.times.count, dimension: 1)
        if let given = initialSites {
            precondition(given.count == s.times.count && given.dimension == 1, "initial sites must be \(s.times.count) scalar sites")
            sites = given
        } else {
            // One full step from a linearisation point per target: the likelihood's data-driven one (Poisson:
            // log(y + ½), variance 0), else the prior marginal (m = 0, v = k(0)).
            let k0 = kernel.diagonal(Matrix(column: [0])).first ?? 1
            let points = s.values.map { $0.isNaN ? nil : likelihood.linearisationPoint(for: $0) }
            Self.update(&sites, likelihood: likelihood, y: s.values, means: points.map { $0 ?? 0 },
                        variances: points.map { $0 == nil ? k0 : 0 }, step: 1)
        }
        self.sites = sites
        self.states = try StateSpaceSmoother.smooth(kernel: kernel, times: s.times, sites: sites, method: smoother, policy: jitter)
    }

    /// The site update 3. at marginals (m, v).
    static func update(_ sites: inout GaussianSites, likelihood: any ScalarLikelihood, y: [Double], means: [Double],
                       variances: [Double], step beta: Double) {
        for k in y.indices where !y[k].isNaN {
            let e = likelihood.expectation(y[k], mean: means[k], variance: variances[k])
            let precision = max(-2 * e.dVariance, 0)
            let first = e.dMean + precision * means[k]
            sites.second[k] = (1 - beta) * sites.second[k] + beta * precision
            sites.first[k] = (1 - beta) * sites.first[k] + beta * first
        }
    }

    /// The site update 3. with damping β, retried with β halved (down to β/2¹⁰) while the new sites are not
    /// finite: the full and sparse site objectives' `Updater.sites` step.
    /// - Throws: `LinearAlgebraError.nonFinite` when no step gives finite sites.
    static func dampedUpdate(_ sites: inout GaussianSites, likelihood: any ScalarLikelihood, y: [Double], means: [Double],
                             variances: [Double], step beta: Double) throws {
        var step = beta
        while step >= beta / 1024 {
            var trial = sites
            update(&trial, likelihood: likelihood, y: y, means: means, variances: variances, step: step)
            if trial.first.allSatisfy(\.isFinite) && trial.second.allSatisfy(\.isFinite) {
                sites = trial
                return
            }
            step *= 0.5
        }
        throw LinearAlgebraError.nonFinite(size: y.count)
    }

    /// Smoothed latent means and variances of f_k at the sorted times.
    public var sortedMarginals: (mean: [Double], variance: [Double]) {
        let h = kernel.measurementVector
        var m = [Double](repeating: 0, count: times.count), v = m
        for k in times.indices { (m[k], v[k]) = StateSpacePosterior.latent(states, k, h) }
        return (m, v)
    }

    /// Latent f mean and variance at the training times, in the caller's original order.
    public var training: GaussianPrediction {
        let (m, v) = sortedMarginals
        var mean = m, variance = v
        for k in times.indices {
            mean[order[k]] = m[k]
            variance[order[k]] = v[k]
        }
        return GaussianPrediction(mean: mean, variance: variance)
    }

    /// One CVI iteration: site update from the current marginals, then a smoother pass under the new sites.
    /// Returns the largest change of any site parameter (relative to 1 + |value|).
    @discardableResult
    public mutating func step() throws -> Double {
        let (m, v) = sortedMarginals
        let old = sites
        // Damping: a step whose sites or smoothed states are not finite (an overshoot into exp overflow, a
        // covariance that lost definiteness) is retried with β halved, down to β/2¹⁰.
        var beta = stepSize
        while true {
            var trial = old
            Self.update(&trial, likelihood: likelihood, y: y, means: m, variances: v, step: beta)
            let finiteSites = trial.first.allSatisfy(\.isFinite) && trial.second.allSatisfy(\.isFinite)
            if finiteSites, let s = try? StateSpaceSmoother.smooth(kernel: kernel, times: times, sites: trial, method: smoother,
                                                                   policy: jitter),
               s.logNormaliser.isFinite, s.means.allSatisfy(\.isFinite) {
                sites = trial
                states = s
                break
            }
            beta *= 0.5
            if beta < stepSize / 1024 {
                // Even the smallest step fails: surface the smoother's own error, or the non-finite result.
                _ = try StateSpaceSmoother.smooth(kernel: kernel, times: times, sites: trial, method: smoother, policy: jitter)
                throw LinearAlgebraError.nonFinite(size: times.count)
            }
        }
        iterations += 1
        var change = 0.0
        for i in sites.first.indices {
            change = max(change, abs(sites.first[i] - old.first[i]) / (1 + abs(old.first[i])),
                         abs(sites.second[i] - old.second[i]) / (1 + abs(old.second[i])))
        }
        return change
    }

    /// Runs `step()` until the site change falls below `tolerance` or `maxIterations` is reached.
    /// Returns the number of iterations run.
    @discardableResult
    public mutating func run(maxIterations: Int = 100, tolerance: Double = 1e-8) throws -> Int {
        for i in 0..<maxIterations {
            if try step() < tolerance { return i + 1 }
        }
        return maxIterations
    }

    /// Variational EM over the kernel's trainable parameters, on the engine's alternating driver
    /// (`Trainer.alternate`): repeat { CVI until the sites settle (E-step); `mStepIterations` L-BFGS
    /// iterations of `SiteMarginalLikelihood` with the sites frozen (M-step) } until the ELBO changes by
    /// less than `tolerance` (relative). Returns the ELBO history in a `FitReport`. `priors` (on `kernel.*`)
    /// join the M-step's objective (MAP). The start `screen` (default on) ranks the data-driven design of kernel
    /// starts (lengthscales from the times' spacing and span, the variance from the linearisation points'
    /// variance) by the ELBO after one E-step, and runs EM from the best `keep`.
    /// - Throws: `LinearAlgebraError` from the smoother or at the M-step's starting point; `TrainingError`
    ///   for a prior that names no kernel parameter.
    @discardableResult
    public mutating func fit(iterations: Int = 30, cviIterations: Int = 100, mStepIterations: Int = 10,
                             tolerance: Double = 1e-8, priors: [ParameterPrior] = [],
                             screen: StartScreen? = StartScreen()) throws -> FitReport {
        var em = CVIExpectationMaximization(cvi: self, cviIterations: cviIterations, mStepIterations: mStepIterations,
                                            priors: priors)
        var options = FitOptions(maxIterations: iterations, relativeTolerance: tolerance, patience: 1)
        options.screen = screen
        let report = try Trainer.alternate(&em, options: options)
        self = em.cvi
        return report
    }

    /// Trains by rounds of CVI site updates, then `siteTraining.mStepIterations` optimiser iterations on `energy` with
    /// the sites frozen, until a round changes the energy by less than `siteTraining.roundTolerance` or lowers it
    /// (then the previous round is restored): the scheme of Li, John & Solin (2023), with `.epLike` learning the
    /// kernel on the EP-like estimate of log p(y | θ) (docs/methods/state-space.md#ep-like-objective). The energy's
    /// gradient comes from the smoother's tangents (`SmootherTangents`), exact for any sites. `options.maxIterations`
    /// bounds the rounds; `options.screen` (default on) picks the kernel's start as `fit` does, by the energy after
    /// one round's site updates.
    /// - Throws: `LinearAlgebraError` from the smoother; `TrainingError.invalidGroups` for unusable settings.
    /// - Complexity: per round, (cviIterations + M-step evaluations × (p + 1)) × O(T d³) for p kernel parameter values.
    @discardableResult
    public mutating func fit(siteEnergy energy: SiteEnergy, siteTraining: SiteTrainingSettings = SiteTrainingSettings(),
                             options: FitOptions = FitOptions()) throws -> FitReport {
        var objective = StateSpaceCVIObjective(self, energy: energy)
        let report = try siteTraining.trainRounds(&objective, options: options, screenData: dataSummary)
        sites = objective.sites
        try setKernel(objective.kernel)
        return report
    }

    /// The times' scale (spacing and span) and the variance of the likelihood's linearisation points (Poisson:
    /// log(y + ½)) — the latent scale the kernel's variance starts from: what the start screen reads.
    var dataSummary: DataSummary { DataSummary(x: Matrix(column: times), y: y, latentOf: likelihood) }

    /// Re-smooths under the current sites with a new kernel (the M-step's result).
    mutating func setKernel(_ k: any StateSpaceKernel) throws {
        kernel = k
        states = try StateSpaceSmoother.smooth(kernel: kernel, times: times, sites: sites, method: smoother, policy: jitter)
    }

    /// The ELBO L = log Z_sites − Σₖ E_q[log t_k] + Σₖ E_q[log p(y_k | f_k)] under the current q.
    public var elbo: Double {
        let (m, v) = sortedMarginals
        var total = states.logNormaliser
        for k in times.indices where !y[k].isNaN {
            total -= sites.first[k] * m[k] - 0.5 * sites.second[k] * (m[k] * m[k] + v[k])
            total += likelihood.expectation(y[k], mean: m[k], variance: v[k]).value
        }
        return total
    }

    /// Latent mean and variance of f at new times (inserted as site-free steps).
    /// - Throws: `LinearAlgebraError` from the smoother.
    public func predict(at newTimes: [Double]) throws -> GaussianPrediction {
        let all = times + newTimes
        let merged = sortedByTime(all, Array(0..<all.count).map(Double.init))
        var s = GaussianSites(count: all.count, dimension: 1)
        for (k, source) in merged.order.enumerated() where source < times.count {
            s.first[k] = sites.first[source]
            s.second[k] = sites.second[source]
        }
        let st = try StateSpaceSmoother.smooth(kernel: kernel, times: merged.times, sites: s, method: smoother, policy: jitter)
        let h = kernel.measurementVector
        var mean = [Double](repeating: 0, count: newTimes.count), variance = mean
        for (k, source) in merged.order.enumerated() where source >= times.count {
            (mean[source - times.count], variance[source - times.count]) = StateSpacePosterior.latent(st, k, h)
        }
        return GaussianPrediction(mean: mean, variance: variance)
    }
}

/// Variational EM for `StateSpaceCVI` as an `AlternatingModel`: the E-step runs CVI until the sites settle;
/// the M-step fits the kernel on log Z_sites(θ) with the sites frozen.
struct CVIExpectationMaximization: AlternatingModel {
    var cvi: StateSpaceCVI
    let cviIterations: Int
    let mStepIterations: Int
    let priors: [ParameterPrior]

    mutating func expectationStep(_ context: inout AlternatingContext) throws -> Double {
        try cvi.run(maxIterations: cviIterations, tolerance: 1e-9)
        context.noteJitter(cvi.states.jitter)
        return cvi.elbo
    }

    mutating func maximizationStep(_ context: inout AlternatingContext) throws -> MaximizationOutcome {
        var objective = SiteMarginalLikelihood(kernel: cvi.kernel, times: cvi.times, sites: cvi.sites)
        var options = FitOptions(maxIterations: mStepIterations)
        options.priors = priors
        try context.fit(&objective, options: options)
        try cvi.setKernel(objective.kernel)
        context.noteJitter(cvi.states.jitter)
        return .undecided
    }

    mutating func finish(_ context: inout AlternatingContext) throws -> Double? { cvi.elbo }

    var dataSummary: DataSummary? { cvi.dataSummary }

    var screenedParameters: [Parameter] { cvi.kernel.parameters.map { $0.prefixed("kernel") } }

    mutating func setScreenedParameters(_ parameters: [Parameter]) throws {
        var kernel = cvi.kernel
        kernel.parameters = parameters
        try cvi.setKernel(kernel)
    }
}
