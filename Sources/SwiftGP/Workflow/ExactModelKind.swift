import Foundation
import GPLinearAlgebra

/// `--model exact`: exact GP regression with a Gaussian likelihood and zero mean (on standardised y).
/// The model file embeds the standardised training data, which the posterior needs.
/// - Complexity: O(n³) per training iteration and to load; O(n²) memory.
public struct ExactModelKind: ModelKind {
    public init() {}
    public var name: String { "exact" }
    public var summary: String { "exact GP regression (O(n³); up to a few thousand points)" }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var objectiveName: String { "log marginal likelihood" }
    public var acceptsNoise: Bool { true }
    public func task(for likelihood: String) -> ModelTask { .regression }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        let kernel = settings.kernel.makeKernel(dimension: data.x.cols)
        var gp = ExactGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 1, floor: settings.noiseFloor))
        let report = try gp.fit(data.x, data.y, noise: data.noise, options: settings.options)
        let posterior = try gp.posterior(data.x, data.y, noise: data.noise)
        return TrainedState(
            kernel: KernelSpec(gp.kernel), likelihood: ComponentSpec(kind: "gaussian", parameters: gp.likelihood.parameters),
            mean: ComponentSpec(kind: gp.mean.kind, parameters: gp.mean.parameters), jitterPolicy: gp.jitter,
            report: report, data: TrainingData(x: (0..<data.x.rows).map { data.x.row($0) }, y: data.y, noise: data.noise),
            predictor: ExactPredictor(posterior: posterior))
    }

    /// One n × n buffer (Gram, factor and adjoint in place) plus the data; per evaluation the Cholesky
    /// (n³/3), the inverse (2n³/3) and the Gram and its gradient (≈ 4 n² d).
    public func estimate(rows n: Int, columns d: Int, settings: FitSettings) -> ResourceEstimate? {
        let n = Double(n), d = Double(d)
        return ResourceEstimate(bytes: 8 * (n * n + 4 * n * (d + 1)), flopsPerEvaluation: n * n * n + 4 * n * n * (d + 1))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        guard let data = file.data else { throw ModelFileError.invalid(detail: "an exact model needs its training 'data'") }
        let d = file.features.count
        let gp = ExactGP(kernel: try file.kernel.makeKernel(inputDimension: d),
                         likelihood: try file.likelihood.gaussianLikelihood(),
                         mean: try file.mean.meanFunction(inputDimension: d), jitter: file.jitterPolicy.policy)
        return ExactPredictor(posterior: try gp.posterior(Matrix(data.x), data.y, noise: data.noise))
    }
}

/// Predictive mean and variance of y (latent variance plus noise) from an exact posterior.
struct ExactPredictor: ModelPredictor {
    let posterior: ExactPosterior
    func predict(_ x: Matrix) throws -> Prediction {
        let p = try posterior.predictObserved(at: x)
        return .regression(mean: p.mean, variance: p.variance)
    }
}
