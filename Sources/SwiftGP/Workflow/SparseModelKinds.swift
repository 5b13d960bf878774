import Foundation
import GPLinearAlgebra

/// `--model sgpr`: sparse GP regression with Titsias's collapsed bound (deterministic, L-BFGS).
/// The model file holds Z and the hyperparameters; the optimal q(u) is stored so prediction needs no data.
/// - Complexity: O(n M² + M³) per iteration, O(n M) memory.
public struct SGPRModelKind: ModelKind {
    public init() {}
    public var name: String { "sgpr" }
    public var summary: String { "sparse GP regression, collapsed bound (O(n M²); --inducing M)" }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var objectiveName: String { "collapsed ELBO (SGPR)" }
    public func task(for likelihood: String) -> ModelTask { .regression }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        let kernel = settings.kernel.makeKernel(dimension: data.x.cols)
        let m = min(settings.inducing, data.x.rows)
        var model = SGPR(kernel: kernel, likelihood: GaussianLikelihood(variance: 1, floor: settings.noiseFloor),
                         inducing: InducingPoints.kMeans(of: data.x, count: m, seed: settings.options.seed))
        let report = try model.fit(data.x, data.y, options: settings.options)
        let posterior = try model.posterior(data.x, data.y)
        return TrainedState(
            kernel: KernelSpec(model.kernel), likelihood: ComponentSpec(kind: "gaussian", parameters: model.likelihood.parameters),
            mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: model.jitter, report: report,
            state: InducingState(posterior).record, predictor: InducingPredictor(posterior: posterior, task: .regression, classes: nil))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        try InducingState.predictor(for: file, likelihood: try file.likelihood.gaussianLikelihood())
    }
}

/// `--model svgp`: the sparse variational GP with minibatches (Adam, optionally natural gradients on
/// q(u)) for any likelihood: gaussian, studentt, poisson (counts), bernoulli / bernoulli-logit (binary),
/// softmax (multi-class).
/// - Complexity: O(|B| M² + M³) per iteration, O(n d + M²) memory.
public struct SVGPModelKind: ModelKind {
    public init() {}
    public var name: String { "svgp" }
    public var summary: String { "sparse variational GP, minibatches, any likelihood (O(B M²) per step; --inducing M --batch-size B)" }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var objectiveName: String { "ELBO" }
    public func task(for likelihood: String) -> ModelTask { LikelihoodCatalogue.task(of: likelihood) }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        let name = settings.likelihood ?? likelihoods[0]
        guard let entry = LikelihoodCatalogue.entry(named: name), entry.isAccepted(by: self.name) else {
            throw ConfigurationError.unsupportedLikelihood(model: self.name, likelihood: name, supported: likelihoods)
        }
        let likelihood = entry.make(classCount: data.classes?.count, noiseFloor: settings.noiseFloor)
        let m = min(settings.inducing, data.x.rows)
        var model = try SVGP(kernel: settings.kernel.makeKernel(dimension: data.x.cols), likelihood: likelihood,
                             inducing: InducingPoints.kMeans(of: data.x, count: m, seed: settings.options.seed))
        var options = settings.options
        options.optimizer = .adam(learningRate: settings.learningRate)
        options.batchSize = settings.batchSize
        options.relativeTolerance = 0   // minibatch objectives are noisy: run the iteration budget
        // Natural gradients are the default for a Gaussian likelihood (conjugate: q(u) moves to the batch
        // optimum direction exactly), selectable for the others (with a ramped step size).
        let useNatural = settings.naturalGradients ?? (name == "gaussian")
        let report = try model.fit(data.x, data.y, options: options,
                                   naturalGradients: useNatural ? NaturalGradientSchedule(
                                       stepSize: name == "gaussian" && settings.batchSize == nil ? 1 : 0.1,
                                       initialStepSize: name == "gaussian" ? nil : 1e-3, rampIterations: name == "gaussian" ? 0 : 50) : nil)
        let posterior = try model.posterior()
        let task = entry.task
        return TrainedState(
            kernel: KernelSpec(model.kernel), likelihood: ComponentSpec(kind: name, parameters: model.likelihood.parameters),
            mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: model.jitter, report: report,
            state: InducingState(posterior).record, predictor: InducingPredictor(posterior: posterior, task: task, classes: data.classes))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        try InducingState.predictor(for: file, likelihood: try file.likelihood.likelihood(classCount: file.classes?.count))
    }
}

/// What an inducing-point posterior needs in a model file: Z, K_uu⁻¹m_u and K_uu⁻¹L_Su per latent
/// (`state` entries `inducing`, `projected_mean`, `projected_sqrt`).
struct InducingState {
    let z: Matrix
    let projectedMean: Matrix
    let projectedSqrt: [Matrix]

    init(_ posterior: InducingPosterior) {
        z = posterior.z
        projectedMean = posterior.projectedMean
        projectedSqrt = posterior.projectedSqrt
    }

    var record: [String: [Double]] {
        ["inducing": z.storage, "inducing_shape": [Double(z.rows), Double(z.cols)],
         "projected_mean": projectedMean.storage, "projected_sqrt": projectedSqrt.flatMap(\.storage)]
    }

    /// Rebuilds the posterior (refactorising K_uu) and its predictor from a model file.
    static func predictor(for file: ModelFile, likelihood: any Likelihood) throws -> any ModelPredictor {
        guard let state = file.state, let z = state["inducing"], let shape = state["inducing_shape"], shape.count == 2,
              let mean = state["projected_mean"], let sqrt = state["projected_sqrt"] else {
            throw ModelFileError.invalid(detail: "a \(file.model) model needs 'state' with inducing, inducing_shape, projected_mean and projected_sqrt")
        }
        let m = Int(shape[0]), d = Int(shape[1]), l = likelihood.latentCount
        guard m > 0, d == file.features.count, z.count == m * d, mean.count == m * l, sqrt.count == m * m * l else {
            throw ModelFileError.invalid(detail: "'state' arrays do not fit \(m) inducing points in \(file.features.count) dimensions with \(l) latent functions")
        }
        let kernel = try file.kernel.makeKernel(inputDimension: d)
        let zm = Matrix(rows: m, cols: d, storage: z)
        let factor = try Cholesky(kernel.gram(zm), policy: file.jitterPolicy.policy, isLatentPrior: true)
        let sqrts = (0..<l).map { Matrix(rows: m, cols: m, storage: Array(sqrt[(($0) * m * m)..<(($0 + 1) * m * m)])) }
        let posterior = InducingPosterior(kernel: kernel, likelihood: likelihood, z: zm, factor: factor,
                                          projectedMean: Matrix(rows: m, cols: l, storage: mean), projectedSqrt: sqrts)
        return InducingPredictor(posterior: posterior, task: file.task, classes: file.classes)
    }
}

/// Predictions from an inducing-point posterior: y's predictive moments for regression tasks, class
/// probabilities for classification.
struct InducingPredictor: ModelPredictor {
    let posterior: InducingPosterior
    let task: ModelTask
    let classes: [Double]?

    func predict(_ x: Matrix) -> Prediction {
        switch task {
        case .regression, .countRegression:
            let p = posterior.predictObserved(at: x)
            return .regression(mean: p.mean, variance: p.variance)
        case .binaryClassification, .multiclassClassification:
            let p = posterior.predictProbabilities(at: x)!
            return .classification(classes: classes ?? (0..<p.cols).map(Double.init),
                                   probabilities: (0..<p.rows).map { p.row($0) })
        }
    }
}
