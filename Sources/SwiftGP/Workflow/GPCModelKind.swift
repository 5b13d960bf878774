import Foundation
import GPLinearAlgebra

/// `--model gpc`: full (non-sparse) GP binary classification (`GPClassifier`), Bernoulli probit
/// (`bernoulli`) or logit (`bernoulli-logit`), with `--inference laplace | vi | ep-like` (default ep-like;
/// docs/methods/classification.md). The model file embeds the standardised training data and the posterior's
/// Gaussian sites (`SiteState`), from which loading rebuilds the posterior.
/// - Complexity: O(n³) per training evaluation and to load; O(n²) memory.
public struct GPCModelKind: ModelKind {
    public init() {}
    public var name: String { "gpc" }
    public var summary: String { "full GP classification, Laplace / VI / EP-like hyperparameters (O(n³); --inference)" }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var objectiveName: String { "Laplace log marginal likelihood / ELBO / EP-like estimate" }
    public func task(for likelihood: String) -> ModelTask { .binaryClassification }

    static func likelihood(_ name: String) throws -> Bernoulli {
        guard let entry = LikelihoodCatalogue.entry(named: name), entry.isAccepted(by: "gpc"),
              let b = entry.make() as? Bernoulli else {
            throw ConfigurationError.unsupportedLikelihood(model: "gpc", likelihood: name,
                                                           supported: LikelihoodCatalogue.names(acceptedBy: "gpc"))
        }
        return b
    }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        let name = settings.likelihood ?? likelihoods[0]
        let likelihood = try Self.likelihood(name)
        let inference = settings.inference ?? .epLike
        var model = GPClassifier(kernel: settings.kernel.makeKernel(dimension: data.x.cols), likelihood: likelihood,
                                 inference: inference)
        let (posterior, report) = try model.fit(data.x, data.y, options: settings.options)
        return TrainedState(
            kernel: KernelSpec(model.kernel), likelihood: ComponentSpec(kind: name, parameters: []),
            mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: model.jitter, report: report,
            data: TrainingData(x: (0..<data.x.rows).map { data.x.row($0) }, y: data.y),
            state: .sites(SiteState(inference: inference, sites: posterior.sites)),
            predictor: GPCPredictor(posterior: posterior, likelihood: likelihood, classes: data.classes))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        guard let data = file.data else { throw ModelFileError.invalid(detail: "a gpc model needs its training 'data'") }
        guard case let .sites(state)? = file.state else {
            throw ModelFileError.invalid(detail: "a gpc model needs 'state' with inference, site_first and site_precisions")
        }
        let likelihood: Bernoulli
        do { likelihood = try Self.likelihood(file.likelihood.kind) } catch {
            throw ModelFileError.invalid(detail: "\(error)")
        }
        let x = Matrix(data.x)
        let posterior = try SitePosterior(kernel: try file.kernel.makeKernel(inputDimension: file.features.count), x: x,
                                          sites: try state.sites(rows: x.rows), policy: file.jitterPolicy.policy)
        return GPCPredictor(posterior: posterior, likelihood: likelihood, classes: file.classes)
    }
}

/// Class probabilities p(y = 1) = ∫ p(y = 1 | f) q(f) df from a site posterior (probit: Φ(μ/√(1 + v)); logit:
/// Gauss–Hermite).
struct GPCPredictor: ModelPredictor {
    let posterior: SitePosterior
    let likelihood: Bernoulli
    let classes: [Double]?

    func predict(_ x: Matrix) throws -> Prediction {
        let f = try posterior.predict(at: x)
        return try Prediction(task: .binaryClassification, likelihood: likelihood, latentMean: Matrix(column: f.mean),
                              latentVariance: Matrix(column: f.variance), classes: classes)
    }
}
