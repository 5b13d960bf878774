import Foundation
import GPLinearAlgebra

/// Predictions from an inducing-point posterior (`sgpr`, `svgp`): y's predictive moments for
/// regression tasks, class probabilities for classification.
/// - Complexity: O(n M (d + M L)) for n inputs.
struct InducingPredictor: ModelPredictor {
    let posterior: InducingPosterior
    let task: ModelTask
    let classes: [Double]?

    init(posterior: InducingPosterior, task: ModelTask, classes: [Double]?) {
        self.posterior = posterior
        self.task = task
        self.classes = classes
    }

    /// Rebuilds the posterior of a loaded `sgpr` / `svgp` file from its `.inducingPoints` state
    /// (refactorising K_uu, O(M³)).
    /// - Throws: `ModelFileError.invalid` when the state is missing or does not fit the features or the
    ///   likelihood, or a classifier's likelihood gives no class probabilities;
    ///   `LinearAlgebraError` when K_uu cannot be factorised.
    init(file: ModelFile, likelihood: any Likelihood) throws {
        guard case let .inducingPoints(state)? = file.state else {
            throw ModelFileError.invalid(detail: "a \(file.model) model needs 'state' with inducing, inducing_shape, projected_mean and projected_sqrt")
        }
        try state.validate(featureCount: file.features.count)
        if file.task == .binaryClassification || file.task == .multiclassClassification, !(likelihood is any ClassProbabilities) {
            throw ModelFileError.invalid(detail: "a \(file.task.rawValue) model needs a likelihood with class probabilities, not '\(file.likelihood.kind)'")
        }
        let kernel = try file.kernel.makeKernel(inputDimension: state.dimension)
        self.init(posterior: try state.posterior(kernel: kernel, likelihood: likelihood, jitter: file.jitterPolicy.policy),
                  task: file.task, classes: file.classes)
    }

    func predict(_ x: Matrix) throws -> Prediction {
        let (mean, variance) = try posterior.predictLatent(at: x)
        return try Prediction(task: task, likelihood: posterior.likelihood, latentMean: mean, latentVariance: variance, classes: classes)
    }
}
