import Foundation
import GPLinearAlgebra

/// `--model sgpr`: sparse GP regression with Titsias's collapsed bound (deterministic, L-BFGS).
/// The model file holds the hyperparameters and, as `state`, Z with the optimal q(u) (`InducingPointState`),
/// so prediction needs no data.
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
            state: .inducingPoints(InducingPointState(posterior)), predictor: InducingPredictor(posterior: posterior, task: .regression, classes: nil))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        try InducingPredictor(file: file, likelihood: try file.likelihood.gaussianLikelihood())
    }
}
