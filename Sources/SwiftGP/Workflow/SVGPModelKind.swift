import Foundation
import GPLinearAlgebra

/// `--model svgp`: the sparse variational GP with minibatches (Adam, optionally natural gradients on
/// q(u)) for any likelihood: gaussian, studentt, poisson (counts), bernoulli / bernoulli-logit (binary),
/// softmax (multi-class). `--inference vi | ep-like` (scalar likelihoods) trains instead by rounds of CVI site
/// updates and L-BFGS steps on the ELBO or the EP-like estimate (`SVGP.fit(_:_:siteEnergy:)`, all rows per
/// round, O(n M²) each). The model file's `state` holds Z and q(u) (`InducingPointState`).
/// - Complexity: O(|B| M² + M³) per iteration, O(n d + M²) memory.
public struct SVGPModelKind: ModelKind {
    public init() {}
    public var name: String { "svgp" }
    public var summary: String { "sparse variational GP, minibatches, any likelihood (O(B M²) per step; --inducing M --batch-size B)" }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var objectiveName: String { "ELBO / EP-like estimate (--inference ep-like)" }
    public var acceptsNoise: Bool { true }
    public func task(for likelihood: String) -> ModelTask { LikelihoodCatalogue.task(of: likelihood) }

    /// Above this many rows an svgp fit without a batch size uses `defaultBatchSize` rows per step.
    public static let fullBatchLimit = 10_000
    public static let defaultBatchSize = 1024

    /// The minibatch size for `n` rows when none is given: nil (full batch) up to `fullBatchLimit` rows.
    public static func defaultBatchSize(rows n: Int) -> Int? { n > fullBatchLimit ? defaultBatchSize : nil }

    /// The data, a B × M cross-covariance and its adjoint, M × M blocks; per step ≈ 4 B M² + M³.
    public func estimate(rows n: Int, columns d: Int, settings: FitSettings) -> ResourceEstimate? {
        let n = Double(n), d = Double(d), m = Double(min(settings.inducing, Int(n)))
        let b = Double(min(settings.batchSize ?? Int(n), Int(n)))
        return ResourceEstimate(bytes: 8 * (2 * b * m + 8 * m * m + 4 * n * (d + 1)), flopsPerEvaluation: 4 * b * m * m + m * m * m)
    }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        let name = settings.likelihood ?? likelihoods[0]
        guard let entry = LikelihoodCatalogue.entry(named: name), entry.isAccepted(by: self.name) else {
            throw ConfigurationError.unsupportedLikelihood(model: self.name, likelihood: name, supported: likelihoods)
        }
        let likelihood = entry.make(classCount: data.classes?.count, noiseFloor: settings.noiseFloor)
        let m = min(settings.inducing, data.x.rows)
        settings.status?("choosing \(m) inducing points (k-means++ on \(data.x.rows) rows)")
        var model = try SVGP(kernel: settings.kernel.makeKernel(dimension: data.x.cols), likelihood: likelihood,
                             inducing: InducingPoints.kMeans(of: data.x, count: m, seed: settings.options.seed))
        if let energy = settings.inference?.energy {
            // Rounds of CVI site updates and L-BFGS steps on the ELBO or the EP-like estimate, all rows.
            settings.status?("svgp: \(settings.inference!.rawValue) by CVI site rounds, \(m) inducing points")
            let report = try model.fit(data.x, data.y, siteEnergy: energy, options: settings.options)
            return try trainedState(model, report: report, likelihood: name, data: data)
        }
        var options = settings.options
        options.optimizer = .adam(learningRate: settings.learningRate)
        options.batchSize = settings.batchSize
        options.relativeTolerance = 0   // minibatch objectives are noisy: run the iteration budget
        // Every SVGP optimisation runs the whole budget: the screen (ELBO after q(u) adapts) picks one start.
        options.screen?.keep = 1
        // Natural gradients are the default for a Gaussian likelihood (conjugate: q(u) moves to the batch
        // optimum direction exactly), selectable for the others (with a ramped step size).
        let useNatural = settings.naturalGradients ?? (name == "gaussian")
        let report = try model.fit(data.x, data.y, noise: data.noise, options: options,
                                   naturalGradients: useNatural ? NaturalGradientSchedule(
                                       stepSize: name == "gaussian" && settings.batchSize == nil ? 1 : 0.1,
                                       initialStepSize: name == "gaussian" ? nil : 1e-3, rampIterations: name == "gaussian" ? 0 : 50) : nil)
        return try trainedState(model, report: report, likelihood: name, data: data)
    }

    private func trainedState(_ model: SVGP, report: FitReport, likelihood name: String, data: TrainingSet) throws -> TrainedState {
        let posterior = try model.posterior()
        return TrainedState(
            kernel: KernelSpec(model.kernel), likelihood: ComponentSpec(kind: name, parameters: model.likelihood.parameters),
            mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: model.jitter, report: report,
            state: .inducingPoints(InducingPointState(posterior)),
            predictor: InducingPredictor(posterior: posterior, task: LikelihoodCatalogue.task(of: name), classes: data.classes))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        try InducingPredictor(file: file, likelihood: try file.likelihood.likelihood(classCount: file.classes?.count))
    }
}
