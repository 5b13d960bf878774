import GPLinearAlgebra

/// CVI inference and hyperparameter learning in ONE engine loop (docs/methods/state-space.md#cvi): the
/// group `sites` (`sites.first` = j, `sites.second` = 𝒥) is moved by CVI site updates
/// (`Updater.sites(stepSize: β)`), the kernel by the optimiser on log Z_sites(θ) with the sites of that
/// iteration (`SiteMarginalLikelihood`, whose gradient equals the ELBO's at a CVI fixed point).
///
///     var objective = StateSpaceCVIObjective(cvi)
///     try Trainer.fit(&objective, options: FitOptions(groups: [ParameterGroup("sites", updater: .sites(stepSize: 1))]))
///
/// The sites carry no gradient (zero), so they belong in a closed-form group. `fullValue` is the ELBO.
/// - Complexity: O(T d³) per evaluation and per site update (one smoother pass).
public struct StateSpaceCVIObjective: Objective, Sendable {
    public var kernel: any StateSpaceKernel
    public let likelihood: any ScalarLikelihood
    /// Sorted times and targets.
    public let times: [Double]
    public let y: [Double]
    public var sites: GaussianSites
    public let smoother: StateSpaceSmoother.Method
    public let jitter: JitterPolicy

    /// Starts from the current kernel and sites of `cvi`.
    public init(_ cvi: StateSpaceCVI) {
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
        var e = try SiteMarginalLikelihood(kernel: kernel, times: times, sites: sites).evaluate(batch: nil)
        e.gradient += [[Double](repeating: 0, count: sites.first.count), [Double](repeating: 0, count: sites.second.count)]
        return e
    }

    /// The ELBO under the smoothed posterior of the current sites.
    public func fullValue() throws -> Double { try state().elbo }

    /// One CVI site update with damping β from the smoothed marginals under the current kernel and sites.
    public mutating func update(_ update: ClosedFormUpdate, parameters names: [String], batch: [Int]?) throws {
        guard case let .sites(beta) = update, Set(names) == ["sites.first", "sites.second"] else {
            throw TrainingError.unsupportedUpdate(updater: "\(update) of \(names)", objective: "state-space CVI")
        }
        let s = try state()
        let (m, v) = s.sortedMarginals
        StateSpaceCVI.update(&sites, likelihood: likelihood, y: y, means: m, variances: v, step: beta)
    }

    /// The CVI state (smoothed) at the current kernel and sites.
    public func state() throws -> StateSpaceCVI {
        try StateSpaceCVI(kernel: kernel, likelihood: likelihood, times: times, y: y, smoother: smoother, jitter: jitter,
                          initialSites: sites)
    }
}
