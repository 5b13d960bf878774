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
    public var acceptsNoise: Bool { true }
    public func task(for likelihood: String) -> ModelTask { .regression }

    /// K_uf and its adjoint (2 n M) plus M × M blocks; per evaluation ≈ 4 n M² + 2 n M d.
    public func estimate(rows n: Int, columns d: Int, settings: FitSettings) -> ResourceEstimate? {
        let n = Double(n), d = Double(d), m = Double(min(settings.inducing, Int(n)))
        return ResourceEstimate(bytes: 8 * (2 * n * m + 6 * m * m + 4 * n * (d + 1)), flopsPerEvaluation: 4 * n * m * m + 2 * n * m * d)
    }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        let kernel = settings.kernel.makeKernel(dimension: data.x.cols)
        let m = min(settings.inducing, data.x.rows)
        settings.status?("choosing \(m) inducing points (k-means++ on \(data.x.rows) rows)")
        var model = SGPR(kernel: kernel, likelihood: GaussianLikelihood(variance: 1, floor: settings.noiseFloor),
                         inducing: InducingPoints.kMeans(of: data.x, count: m, seed: settings.options.seed))
        let report = try model.fit(data.x, data.y, noise: data.noise, options: settings.options)
        let posterior = try model.posterior(data.x, data.y, noise: data.noise)
        return TrainedState(
            kernel: KernelSpec(model.kernel), likelihood: ComponentSpec(kind: "gaussian", parameters: model.likelihood.parameters),
            mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: model.jitter, report: report,
            state: .inducingPoints(InducingPointState(posterior)), predictor: InducingPredictor(posterior: posterior, task: .regression, classes: nil))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        try InducingPredictor(file: file, likelihood: try file.likelihood.gaussianLikelihood())
    }
}
