import Foundation
import GPLinearAlgebra

/// `--model vecchia`: GP regression with the Vecchia likelihood (`VecchiaGP`, Gaussian, zero mean on standardised
/// y): each point conditions on its `--neighbors` m nearest previous points in maximin order. The model file
/// embeds the standardised training data (prediction conditions on the m nearest of it) and m (`VecchiaState`).
/// - Complexity: O(n m³) per training iteration on all cores, O(n m) memory; O(n log n) to load.
public struct VecchiaModelKind: ModelKind {
    public init() {}
    public var name: String { "vecchia" }
    public var summary: String { "Vecchia GP regression, m nearest previous neighbours (O(n m³); --neighbors M; 10⁵+ points)" }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var objectiveName: String { "Vecchia log-likelihood" }
    public func task(for likelihood: String) -> ModelTask { .regression }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        let kernel = settings.kernel.makeKernel(dimension: data.x.cols)
        var gp = VecchiaGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 1, floor: settings.noiseFloor),
                           neighbours: settings.neighbours)
        let report = try gp.fit(data.x, data.y, options: settings.options)
        return TrainedState(
            kernel: KernelSpec(gp.kernel), likelihood: ComponentSpec(kind: "gaussian", parameters: gp.likelihood.parameters),
            mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: gp.jitter,
            report: report, data: TrainingData(x: (0..<data.x.rows).map { data.x.row($0) }, y: data.y),
            state: .vecchia(VecchiaState(neighbours: gp.neighbours)),
            predictor: VecchiaPredictor(posterior: gp.posterior(data.x, data.y)))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        guard let data = file.data else { throw ModelFileError.invalid(detail: "a vecchia model needs its training 'data'") }
        guard case let .vecchia(state) = file.state else {
            throw ModelFileError.invalid(detail: "a vecchia model needs its 'state' (neighbours)")
        }
        let gp = VecchiaGP(kernel: try file.kernel.makeKernel(inputDimension: file.features.count),
                           likelihood: try file.likelihood.gaussianLikelihood(), neighbours: state.neighbours,
                           jitter: file.jitterPolicy.policy)
        return VecchiaPredictor(posterior: gp.posterior(Matrix(data.x), data.y))
    }
}

/// What a vecchia model keeps in a model file's `state`: the neighbour count m prediction conditions on.
public struct VecchiaState: Codable, Sendable, Equatable {
    public var neighbours: Int

    enum CodingKeys: String, CodingKey { case neighbours }

    public init(neighbours: Int) { self.neighbours = neighbours }

    func validate(featureCount d: Int) throws {
        guard neighbours >= 1, neighbours <= 10_000 else {
            throw ModelFileError.invalid(detail: "state.neighbours is \(neighbours); expected 1 … 10000")
        }
    }
}

/// Predictive mean and variance of y from a Vecchia posterior; a failed neighbour factorisation predicts NaN.
struct VecchiaPredictor: ModelPredictor {
    let posterior: VecchiaPosterior
    func predict(_ x: Matrix) -> Prediction {
        guard let p = try? posterior.predictObserved(at: x) else {
            let nan = [Double](repeating: .nan, count: x.rows)
            return .regression(mean: nan, variance: nan)
        }
        return .regression(mean: p.mean, variance: p.variance)
    }
}
