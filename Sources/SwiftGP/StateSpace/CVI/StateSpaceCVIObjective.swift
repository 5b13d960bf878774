import GPLinearAlgebra

/// CVI inference and hyperparameter learning in ONE engine loop (docs/methods/state-space.md#cvi): the
/// group `sites` (`sites.first` = j, `sites.second` = 𝒥) is moved by CVI site updates
/// (`Updater.sites(stepSize: β)`), the kernel by the optimiser with the sites of that iteration frozen, on
///
/// - `energy == nil`: log Z_sites(θ) (`SiteMarginalLikelihood`), whose gradient equals the ELBO's at a CVI fixed
///   point — the cheap M-step of variational EM;
/// - `energy == .elbo` or `.epLike`: log Z_sites(θ) + Σₖ hₖ(mₖ(θ), vₖ(θ)) over the smoothed marginals (`SiteEnergy`):
///   the ELBO, or the EP-like estimate of Li, John & Solin (2023), exact for any sites, with its gradient from
///   the smoother's tangents (`SmootherTangents`).
///
///     var objective = StateSpaceCVIObjective(cvi)
///     try Trainer.fit(&objective, options: FitOptions(groups: [ParameterGroup("sites", updater: .sites(stepSize: 1))]))
///
/// The sites carry no gradient (zero), so they belong in a closed-form group. `fullValue` is the ELBO, or the
/// energy when one is set.
/// - Complexity: O(T d³) per evaluation and per site update (one smoother pass); with an energy,
///   O(T d³ (p + 1)) per evaluation for p kernel parameter values.
public struct StateSpaceCVIObjective: Objective, Sendable {
    public var kernel: any StateSpaceKernel
    public let likelihood: any ScalarLikelihood
    /// Sorted times and targets.
    public let times: [Double]
    public let y: [Double]
    public var sites: GaussianSites
    public let smoother: StateSpaceSmoother.Method
    public let jitter: JitterPolicy
    /// What the kernel maximises with the sites frozen; nil: log Z_sites.
    public var energy: SiteEnergy?

    /// Starts from the current kernel and sites of `cvi`.
    public init(_ cvi: StateSpaceCVI, energy: SiteEnergy? = nil) {
        self.energy = energy
        kernel = cvi.kernel
        likelihood = cvi.likelihood
        times = cvi.times
        y = cvi.y
        sites = cvi.sites
        smoother = cvi.smoother
        jitter = cvi.jitter
    }

    /// `kernel.*`, `sites.first`, `sites.second`.
    public var parameters: [Parameter] {
        get { kernel.parameters.map { $0.prefixed("kernel") } + sites.parameters.map { $0.prefixed("sites") } }
        set {
            let g = splitParameters(newValue, counts: [kernel.parameters.count, 2])
            kernel.parameters = g[0]
            sites.parameters = g[1]
        }
    }

    public func evaluate(batch: [Int]?) throws -> Evaluation {
        let zeros = [[Double](repeating: 0, count: sites.first.count), [Double](repeating: 0, count: sites.second.count)]
        guard let energy else {
            var e = try SiteMarginalLikelihood(kernel: kernel, times: times, sites: sites).evaluate(batch: nil)
            e.gradient += zeros
            return e
        }
        let t = try SmootherTangents(kernel: kernel, times: times, sites: sites, policy: jitter)
        let (value, meanAdjoint, varianceAdjoint) = try terms(energy, mean: t.mean, variance: t.variance, logNormaliser: t.logNormaliser)
        let gradient = t.gradient(meanAdjoint: meanAdjoint, varianceAdjoint: varianceAdjoint)
        guard gradient.allSatisfy(\.isFinite) else { throw LinearAlgebraError.nonFinite(size: times.count) }
        return Evaluation(value: value, gradient: splitGradient(gradient, kernel.parameters) + zeros, jitter: t.jitter)
    }

    public func value(batch: [Int]?) throws -> Double {
        guard let energy else { return try SiteMarginalLikelihood(kernel: kernel, times: times, sites: sites).value(batch: nil) }
        let s = try StateSpaceSmoother.smooth(kernel: kernel, times: times, sites: sites, method: .rts, policy: jitter)
        let h = kernel.measurementVector
        var m = [Double](repeating: 0, count: times.count), v = m
        for k in times.indices { (m[k], v[k]) = StateSpacePosterior.latent(s, k, h) }
        return try terms(energy, mean: m, variance: v, logNormaliser: s.logNormaliser).value
    }

    /// log Z + Σₖ hₖ over the observed times, and hₖ's adjoints (zero at missing targets).
    private func terms(_ energy: SiteEnergy, mean: [Double], variance: [Double], logNormaliser: Double) throws
        -> (value: Double, meanAdjoint: [Double], varianceAdjoint: [Double]) {
        let observed = y.indices.filter { !y[$0].isNaN }
        var observedSites = GaussianSites(count: observed.count, dimension: 1)
        for (i, k) in observed.enumerated() {
            observedSites.first[i] = sites.first[k]
            observedSites.second[i] = sites.second[k]
        }
        let t = try energy.terms(likelihood, observed.map { y[$0] }, sites: observedSites, mean: observed.map { mean[$0] },
                                 variance: observed.map { variance[$0] })
        var meanAdjoint = [Double](repeating: 0, count: y.count), varianceAdjoint = meanAdjoint
        for (i, k) in observed.enumerated() {
            meanAdjoint[k] = t.meanAdjoint[i]
            varianceAdjoint[k] = t.varianceAdjoint[i]
        }
        return (logNormaliser + t.value, meanAdjoint, varianceAdjoint)
    }

    /// The ELBO under the smoothed posterior of the current sites, or the energy when one is set.
    public func fullValue() throws -> Double {
        energy == nil ? try state().elbo : try value(batch: nil)
    }

    /// One CVI site update with damping β from the smoothed marginals under the current kernel and sites.
    public mutating func update(_ update: ClosedFormUpdate, parameters names: [String], batch: [Int]?) throws {
        guard case let .sites(beta) = update, Set(names) == ["sites.first", "sites.second"] else {
            throw TrainingError.unsupportedUpdate(updater: "\(update) of \(names)", objective: "state-space CVI")
        }
        let (m, v) = try state().sortedMarginals
        try StateSpaceCVI.dampedUpdate(&sites, likelihood: likelihood, y: y, means: m, variances: v, step: beta)
    }

    /// The CVI state (smoothed) at the current kernel and sites.
    public func state() throws -> StateSpaceCVI {
        try StateSpaceCVI(kernel: kernel, likelihood: likelihood, times: times, y: y, smoother: smoother, jitter: jitter,
                          initialSites: sites)
    }
}
