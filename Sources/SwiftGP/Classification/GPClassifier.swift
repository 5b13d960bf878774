import GPLinearAlgebra

/// Full (non-sparse) GP classification, y ∈ {0, 1} with a Bernoulli (probit or logit) likelihood, or any
/// scalar likelihood, by Laplace, CVI + ELBO or CVI + the EP-like objective (docs/methods/classification.md).
///
/// ```swift
/// var model = GPClassifier(kernel: Matern52(lengthscale: [1]), likelihood: Bernoulli(link: .probit), inference: .epLike)
/// let posterior = try model.fit(x, y)              // hyperparameters and the posterior at them
/// let f = try posterior.predict(at: xTest)             // latent mean and variance
/// let p = f.mean.indices.map { model.likelihood.predictive(mean: f.mean[$0], variance: f.variance[$0]).mean }
/// ```
/// - Complexity: O(n³) per objective evaluation and per site update, O(n²) memory.
public struct GPClassifier: Parameterised, Sendable {
    public var kernel: any Kernel
    public var likelihood: any ScalarLikelihood
    public var inference: ClassificationInference
    public var siteTraining: SiteTrainingSettings
    public var jitter: JitterPolicy

    public init(kernel: any Kernel, likelihood: any ScalarLikelihood = Bernoulli(), inference: ClassificationInference = .epLike,
                siteTraining: SiteTrainingSettings = SiteTrainingSettings(), jitter: JitterPolicy = .standard) {
        self.kernel = kernel
        self.likelihood = likelihood
        self.inference = inference
        self.siteTraining = siteTraining
        self.jitter = jitter
    }

    /// `kernel.*`.
    public var parameters: [Parameter] {
        get { kernel.parameters.map { $0.prefixed("kernel") } }
        set { kernel.parameters = newValue }
    }

    /// Learns the kernel's hyperparameters with the shared engine and returns the posterior at them with the
    /// report. Laplace: `Trainer.fit` on `LaplaceMarginalLikelihood`. VI / EP-like: `Trainer.alternate` over
    /// rounds of site updates and optimiser steps (`options.maxIterations` rounds, `siteTraining` inside each).
    /// With `options.screen` (the default) the kernel starts from the best of a start screen around the inputs'
    /// scales (`DataSummary(x:y:latentOf:)`; labels give no latent scale, so the kernel variance starts at 1), and
    /// the report warns of a degenerate end (`FitReport.warnings`; docs/methods/classification.md#starting-points).
    /// - Throws: `TrainingError.invalidData` for unusable data (shapes, non-finite inputs, labels outside the
    ///   likelihood's support); numerical failures at the starting point.
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions = FitOptions()) throws -> (posterior: SitePosterior, report: FitReport) {
        try TrainingDataCheck.check(x: x, y: y, kernel: kernel, likelihood: likelihood)
        guard let energy = inference.energy else {
            var objective = LaplaceMarginalLikelihood(kernel: kernel, likelihood: likelihood, x: x, y: y, jitter: jitter)
            let report = try Trainer.fit(&objective, options: options)
            kernel = objective.kernel
            return (try objective.posterior(), report)
        }
        var objective = SiteObjective(kernel: kernel, likelihood: likelihood, x: x, y: y, energy: energy, jitter: jitter)
        let report = try siteTraining.trainRounds(&objective, options: options, screenData: DataSummary(x: x, y: y, latentOf: likelihood))
        kernel = objective.kernel
        return (try objective.posterior(), report)
    }

    /// The posterior at the current hyperparameters: the Laplace mode, or CVI run until the sites settle
    /// (at most `maxSiteUpdates` updates of damping `siteTraining.stepSize`), from `sites` when given.
    /// - Throws: as `fit`.
    public func posterior(_ x: Matrix, _ y: [Double], sites: GaussianSites? = nil, maxSiteUpdates: Int = 500) throws -> SitePosterior {
        try TrainingDataCheck.check(x: x, y: y, kernel: kernel, likelihood: likelihood)
        guard let energy = inference.energy else {
            return try LaplaceMarginalLikelihood(kernel: kernel, likelihood: likelihood, x: x, y: y, jitter: jitter).posterior()
        }
        var objective = SiteObjective(kernel: kernel, likelihood: likelihood, x: x, y: y, energy: energy, sites: sites, jitter: jitter)
        var options = FitOptions(maxIterations: maxSiteUpdates, relativeTolerance: 1e-13, patience: 2,
                                 groups: [ParameterGroup("sites", updater: .sites(stepSize: siteTraining.stepSize)),
                                          ParameterGroup("kernel", updater: .fixed)])
        options.screen = nil
        try Trainer.fit(&objective, options: options)
        return try objective.posterior()
    }

    /// The objective the hyperparameters maximise, at the current kernel: the Laplace log marginal
    /// likelihood, or the energy (ELBO, EP-like) at `sites`.
    public func objective(_ x: Matrix, _ y: [Double], sites: GaussianSites) -> any Objective {
        guard let energy = inference.energy else {
            return LaplaceMarginalLikelihood(kernel: kernel, likelihood: likelihood, x: x, y: y, jitter: jitter)
        }
        return SiteObjective(kernel: kernel, likelihood: likelihood, x: x, y: y, energy: energy, sites: sites, jitter: jitter)
    }
}
