import Foundation
import GPLinearAlgebra

/// A kind of model the command line can fit, save and load (`exact`, `sgpr`, `svgp`, `statespace`, `gpc`).
/// Adding a kind is one conformance plus one entry in `ModelKinds.all`: the commands, the
/// model file, standardisation and metrics are shared.
///
/// A kind sees standardised data and reports on that scale; `TrainedModel` does the rest.
public protocol ModelKind: Sendable {
    /// The `--model` name and the model file's `model` field.
    var name: String { get }
    /// One line for `--help`.
    var summary: String { get }
    /// The `--likelihood` names this kind supports; the first is the default.
    var likelihoods: [String] { get }
    /// Whether the kind takes known per-point noise variances (`TrainingSet.noise`) with a Gaussian
    /// likelihood (default false).
    var acceptsNoise: Bool { get }
    /// The kernel family this kind accepts: the `KernelCatalogue` kinds whose `models` contain it
    /// (default: `.dense`, every kind).
    var acceptedKernels: KernelCatalogue.Models { get }
    /// What `objective` means for this kind ("log marginal likelihood", "ELBO", …).
    var objectiveName: String { get }
    /// Regression or classification, by likelihood.
    func task(for likelihood: String) -> ModelTask
    /// Trains on `data` and returns what goes into the model file plus an in-process predictor.
    func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState
    /// The memory and work of fitting `n` rows of `d` columns with `settings`; nil when the kind keeps no
    /// estimate.
    func estimate(rows n: Int, columns d: Int, settings: FitSettings) -> ResourceEstimate?
    /// Rebuilds a predictor from a loaded file (already checked by `ModelFile.validate`).
    /// - Throws: `ModelFileError` for contents this kind cannot use.
    func predictor(for file: ModelFile) throws -> any ModelPredictor
    /// Whether a prediction's rows are consecutive steps of one sequence (gpssm), so `TrainedModel` must
    /// hand them to the predictor in one block. Default: false.
    var predictsWholeSequence: Bool { get }
}

extension ModelKind {
    public var acceptsNoise: Bool { false }
    public var acceptedKernels: KernelCatalogue.Models { .dense }
    public func estimate(rows n: Int, columns d: Int, settings: FitSettings) -> ResourceEstimate? { nil }
    public var predictsWholeSequence: Bool { false }
}

/// Predicts at standardised inputs, on the scale the model was trained on.
public protocol ModelPredictor: Sendable {
    /// - Throws: a numerical error (`LinearAlgebraError`, …) when the stored posterior cannot predict.
    func predict(_ x: Matrix) throws -> Prediction
}

/// The data a `ModelKind` trains on: standardised inputs and (for regression) standardised targets,
/// or class indices 0/1 for classification.
public struct TrainingSet: Sendable {
    public var x: Matrix
    public var y: [Double]
    /// The original label values of the classes (classification), in encoded order.
    public var classes: [Double]? = nil
    /// Known per-point noise variances on the standardised scale (nil: none); only for kinds that accept them.
    public var noise: [Double]? = nil
    /// The task of every row (multi-task models: `--task COL`), nil otherwise.
    public var tasks: [Double]? = nil
}

/// The parts of a model file a kind fills in after training, and a predictor built from the live model.
public struct TrainedState: Sendable {
    public var kernel: KernelSpec
    public var likelihood: ComponentSpec
    public var mean: ComponentSpec
    public var jitterPolicy: JitterPolicy
    public var report: FitReport
    public var data: TrainingData?
    /// The kind's typed state for the model file (nil for kinds that keep none).
    public var state: ModelState?
    public var predictor: any ModelPredictor

    public init(kernel: KernelSpec, likelihood: ComponentSpec, mean: ComponentSpec, jitterPolicy: JitterPolicy,
                report: FitReport, data: TrainingData? = nil, state: ModelState? = nil,
                predictor: any ModelPredictor) {
        self.kernel = kernel
        self.likelihood = likelihood
        self.mean = mean
        self.jitterPolicy = jitterPolicy
        self.report = report
        self.data = data
        self.state = state
        self.predictor = predictor
    }
}

/// Everything `swiftgp fit` can set. Kinds read what applies to them.
public struct FitSettings: Sendable {
    public var model: String
    public var kernel: KernelExpression
    /// nil: the kind's default likelihood.
    public var likelihood: String?
    /// Standardise X (per column) and regression y.
    public var standardize: Bool
    /// Lower bound of the Gaussian noise variance (on the standardised scale).
    public var noiseFloor: Double
    /// Iterations, restarts, seed, progress callback (objective reported on the data scale).
    public var options: FitOptions
    /// Inducing points for sparse models (capped at the number of rows).
    public var inducing: Int = 100
    /// Minibatch size for stochastic models (nil: the whole data set every iteration).
    public var batchSize: Int? = nil
    /// Natural-gradient steps on q(u) alternating with Adam (sparse variational models); nil: the model's
    /// default (svgp: on for a Gaussian likelihood, off for the others).
    public var naturalGradients: Bool? = nil
    /// Adam learning rate for stochastic models.
    public var learningRate: Double = 0.01
    /// Conditioning-set size of Vecchia models (m ≥ n − 1: every previous point; the exact GP).
    public var neighbours: Int = 30
    /// Told what a kind does before its first iteration (e.g. choosing inducing points), so progress starts
    /// at once; nil: silent.
    public var status: (@Sendable (String) -> Void)? = nil
    /// gpc: the inference method (nil: EP-like); svgp: vi or ep-like trains by CVI site rounds (nil: Adam on the ELBO).
    public var inference: ClassificationInference? = nil
    /// magmaclust: the number of clusters (nil: chosen by VBIC) and which hyperparameters are shared.
    public var clusters: Int? = nil
    public var hypotheses = MagmaHypotheses()
    /// gpssm: the number of latent states D (at least the one output).
    public var latentDimension: Int = 4
    /// gpssm: the inference method.
    public var gpssmMethod: GPSSMMethod = .collapsed

    public init(model: String = "exact", kernel: KernelExpression = .base("rbf"), likelihood: String? = nil,
                standardize: Bool = true, noiseFloor: Double = 1e-6, options: FitOptions = FitOptions()) {
        self.model = model
        self.kernel = kernel
        self.likelihood = likelihood
        self.standardize = standardize
        self.noiseFloor = noiseFloor
        self.options = options
    }
}

/// A model name that does not exist, or a likelihood or kernel the model does not accept (a usage error).
public enum ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownModel(String, valid: [String])
    case unsupportedLikelihood(model: String, likelihood: String, supported: [String])
    /// `kernel` is the offending part of the expression; `supported` the base kernels and `operators` the
    /// operators the model accepts.
    case unsupportedKernel(model: String, kernel: String, supported: [String], operators: [String])
    /// Known per-point noise variances for a kind or likelihood that cannot take them.
    case noiseUnsupported(model: String, likelihood: String, supported: [String])

    public var description: String {
        switch self {
        case let .unknownModel(m, v): return "unknown model '\(m)' (valid models: \(v.joined(separator: ", ")))"
        case let .unsupportedLikelihood(m, l, s):
            return "likelihood '\(l)' is not available for model '\(m)' (\(m) supports: \(s.joined(separator: ", ")))"
        case let .unsupportedKernel(m, k, s, o):
            let combined = o.isEmpty ? "" : ", combined with \(o.joined(separator: " and "))"
            return "kernel '\(k)' is not available for model '\(m)' (\(m) supports: \(s.joined(separator: ", "))\(combined))"
        case let .noiseUnsupported(m, l, s):
            return "--noise-column needs a Gaussian likelihood and one of the models \(s.joined(separator: ", ")) (got model '\(m)', likelihood '\(l)')"
        }
    }
}

/// The registry of model kinds.
public enum ModelKinds {
    public static let all: [any ModelKind] = [ExactModelKind(), SGPRModelKind(), SVGPModelKind(), StateSpaceModelKind(), VecchiaModelKind(),
                                              GPCModelKind(), MagmaClustModelKind(), GPSSMModelKind(), DKLGPModelKind()]

    public static var names: [String] { all.map(\.name) }

    /// The kind called `name`. - Throws: `ConfigurationError.unknownModel` listing the valid names.
    public static func named(_ name: String) throws -> any ModelKind {
        guard let kind = all.first(where: { $0.name == name }) else {
            throw ConfigurationError.unknownModel(name, valid: names)
        }
        return kind
    }

    /// Known per-point noise variances need a kind that accepts them and the Gaussian likelihood.
    /// - Throws: `ConfigurationError.noiseUnsupported` naming the kinds that do.
    public static func checkNoiseSupport(_ kind: any ModelKind, likelihood: String) throws {
        guard kind.acceptsNoise && likelihood == "gaussian" else {
            throw ConfigurationError.noiseUnsupported(model: kind.name, likelihood: likelihood,
                                                      supported: all.filter(\.acceptsNoise).map(\.name))
        }
    }

    /// The kind and likelihood for `model`/`likelihood` (nil: the kind's default), after checking that the
    /// kind accepts `kernel` (when given) by the kernel catalogue.
    /// - Throws: `ConfigurationError`.
    public static func resolve(model: String, likelihood: String?, kernel: KernelExpression? = nil) throws -> (any ModelKind, String) {
        let kind = try named(model)
        let l = likelihood ?? kind.likelihoods[0]
        guard kind.likelihoods.contains(l) else {
            throw ConfigurationError.unsupportedLikelihood(model: model, likelihood: l, supported: kind.likelihoods)
        }
        if let part = kernel?.firstPart(notAcceptedBy: kind.acceptedKernels) {
            throw ConfigurationError.unsupportedKernel(
                model: model, kernel: part, supported: KernelCatalogue.baseNames(acceptedBy: kind.acceptedKernels),
                operators: KernelExpression.operators(acceptedBy: kind.acceptedKernels))
        }
        return (kind, l)
    }
}
