import GPLinearAlgebra

/// A full GP with Gaussian sites as one engine objective (docs/methods/classification.md#cvi): the group
/// `sites` (`sites.first` = ν̃, `sites.second` = τ̃) is moved by CVI site updates (`Updater.sites(stepSize: β)`),
/// the kernel by the optimiser on `energy` — the ELBO or the EP-like estimate — with the sites of that
/// iteration frozen. The sites carry no gradient (zero), so they belong in a closed-form or fixed group.
///
///     var objective = SiteObjective(kernel: k, likelihood: Bernoulli(), x: x, y: y, energy: .epLike)
///     try Trainer.fit(&objective, options: FitOptions(groups: [ParameterGroup("sites", updater: .sites(stepSize: 0.5)),
///                                                                ParameterGroup("kernel", updater: .fixed)]))
///
/// - Complexity: O(n³) per evaluation and per site update (one `SitePosterior`), O(n²) memory.
public struct SiteObjective: Objective, Sendable {
    public var kernel: any Kernel
    public let likelihood: any ScalarLikelihood
    public let x: Matrix
    public let y: [Double]
    public var sites: GaussianSites
    public var energy: SiteEnergy
    public let jitter: JitterPolicy
    /// The posterior at the last (kernel values, sites) asked for: an E-step's update and the value after it, and
    /// an M-step's last evaluation and the next update, share one O(n³) build.
    private let posteriors = LastResultCache<[Double], SitePosterior>()

    /// Starts from empty sites (q = the prior) unless `sites` are given.
    public init(kernel: any Kernel, likelihood: any ScalarLikelihood, x: Matrix, y: [Double], energy: SiteEnergy,
                sites: GaussianSites? = nil, jitter: JitterPolicy = .standard) {
        precondition(x.rows == y.count, "\(x.rows) input rows but \(y.count) targets")
        self.kernel = kernel
        self.likelihood = likelihood
        self.x = x
        self.y = y
        self.sites = sites ?? GaussianSites(count: y.count, dimension: 1)
        self.energy = energy
        self.jitter = jitter
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

    /// The posterior under the current kernel and sites.
    public func posterior() throws -> SitePosterior {
        try posteriors.value(for: kernel.parameters.flatMap(\.value) + sites.first + sites.second) {
            try SitePosterior(kernel: kernel, x: x, sites: sites, policy: jitter)
        }
    }

    public func evaluate(batch: [Int]?) throws -> Evaluation {
        let q = try posterior()
        let t = try energy.terms(likelihood, y, sites: sites, mean: q.mean, variance: q.variance)
        let adjoint = q.gramAdjoint(meanAdjoint: t.meanAdjoint, varianceAdjoint: t.varianceAdjoint)
        let zeros = [Double](repeating: 0, count: y.count)
        return Evaluation(value: q.logNormaliser + t.value,
                          gradient: splitGradient(kernel.gramGradient(x, adjoint: adjoint), kernel.parameters) + [zeros, zeros],
                          jitter: q.factor.jitter)
    }

    public func value(batch: [Int]?) throws -> Double {
        let q = try posterior()
        return try q.logNormaliser + energy.terms(likelihood, y, sites: sites, mean: q.mean, variance: q.variance).value
    }

    /// One CVI site update with damping β from the marginals under the current kernel and sites; a step
    /// whose sites are not finite is retried with β halved (down to β/2¹⁰).
    public mutating func update(_ update: ClosedFormUpdate, parameters names: [String], batch: [Int]?) throws {
        guard case let .sites(beta) = update, Set(names) == ["sites.first", "sites.second"] else {
            throw TrainingError.unsupportedUpdate(updater: "\(update) of \(names)", objective: "full-GP site objective")
        }
        let q = try posterior()
        try StateSpaceCVI.dampedUpdate(&sites, likelihood: likelihood, y: y, means: q.mean, variances: q.variance, step: beta)
    }
}
