import Foundation
import GPLinearAlgebra

/// `--model dklgp`: a latent GP with sparse inverse-Cholesky prior and posterior (`DKLGP`; docs/methods/dklgp.md),
/// any one-latent likelihood (gaussian, studentt, poisson, bernoulli, bernoulli-logit), trained by Adam on
/// minibatches of columns. The model file embeds the standardised training data and keeps m, the ancestor rule,
/// the ordering's scales and q(f) (`DKLGPState`); loading rebuilds the ordering and sets from them.
/// - Complexity: O(B (m³ + m² d + |A| m)) per iteration on all cores, O(n (m + d) + Σ|A(j)| m) memory.
public struct DKLGPModelKind: ModelKind {
    public init() {}
    public var name: String { "dklgp" }
    public var summary: String { "sparse inverse-Cholesky variational GP, any likelihood (O(B m³) per step; --neighbors M --batch-size B)" }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var objectiveName: String { "ELBO" }
    public func task(for likelihood: String) -> ModelTask { LikelihoodCatalogue.task(of: likelihood) }

    /// Memory: data, prior and posterior patterns, ancestor sets and q, O(n (m + d + |A|)), and the block patterns
    /// of V on the ancestor sets, about |A| m / 2 entries of 8 bytes per column (cap 64: 816 on simulation 1,
    /// 529 on elevators; cap 48: 524 on simulation 1); work per iteration: one
    /// Cholesky of (m + 1)² and four CXSparse solves with V_AA (O(|A| m)) per column of the batch.
    public func estimate(rows n: Int, columns d: Int, settings: FitSettings) -> ResourceEstimate? {
        let k = Double(min(settings.neighbours, max(0, n - 1)) + 1), a = min(Double(n), k + 48)
        let b = Double(min(settings.batchSize ?? n, n)), n = Double(n), d = Double(d)
        return ResourceEstimate(bytes: 8 * n * (4 * k + 3 * d + a + 6 + a * k / 2),
                                flopsPerEvaluation: b * (k * k * k / 3 + 3 * k * k * (d + 2) + 2 * a * k))
    }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        let name = settings.likelihood ?? likelihoods[0]
        guard let entry = LikelihoodCatalogue.entry(named: name), entry.isAccepted(by: self.name),
              let likelihood = entry.make(classCount: data.classes?.count, noiseFloor: settings.noiseFloor) as? any ScalarLikelihood else {
            throw ConfigurationError.unsupportedLikelihood(model: self.name, likelihood: name, supported: likelihoods)
        }
        var model = DKLGP(kernel: settings.kernel.makeKernel(dimension: data.x.cols), likelihood: likelihood,
                          neighbours: settings.neighbours)
        var options = settings.options
        let n = data.x.rows
        let batch = settings.batchSize.flatMap { $0 < n ? $0 : nil }
        // Adam; the learning rate falls by 0.9 per ten-th of the run (0.9¹⁰ ≈ 0.35 in all, the reference schedule).
        options.optimizer = .adam(learningRate: settings.learningRate,
                                  decay: Math.pow(0.9, 10 / Double(max(1, options.maxIterations))))
        options.batchSize = batch
        options.relativeTolerance = 0   // the minibatch estimate is noisy: run the iteration budget
        options.gradientTolerance = 0
        options.screen = nil
        settings.status?("ordering \(n) points (maximin) and finding \(settings.neighbours) neighbours each")
        let report = try model.fit(data.x, data.y, options: options)
        let posterior = try model.posterior(data.x)
        return TrainedState(
            kernel: KernelSpec(model.kernel), likelihood: ComponentSpec(kind: name, parameters: model.likelihood.parameters),
            mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: model.jitter, report: report,
            data: TrainingData(x: (0..<n).map { data.x.row($0) }, y: data.y),
            state: .dklgp(DKLGPState(model)),
            predictor: DKLGPPredictor(posterior: posterior, task: entry.task, classes: data.classes))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        guard let data = file.data else { throw ModelFileError.invalid(detail: "a dklgp model needs its training 'data'") }
        guard case let .dklgp(state) = file.state else {
            throw ModelFileError.invalid(detail: "a dklgp model needs its 'state' (neighbours, scales, variational_mean, variational_factor)")
        }
        guard let likelihood = try file.likelihood.likelihood(classCount: file.classes?.count) as? any ScalarLikelihood else {
            throw ModelFileError.invalid(detail: "a dklgp model needs a one-latent likelihood, not '\(file.likelihood.kind)'")
        }
        let x = Matrix(data.x)
        guard state.scales.count == x.cols else {
            throw ModelFileError.invalid(detail: "state.scales has \(state.scales.count) values for \(x.cols) features")
        }
        var model = DKLGP(kernel: try file.kernel.makeKernel(inputDimension: file.features.count), likelihood: likelihood,
                          neighbours: state.neighbours, ancestors: state.rule, nugget: state.nugget, jitter: file.jitterPolicy.policy)
        model.ordering = state.ordering
        let structure = DKLGPStructure(x, scales: state.scales, neighbours: state.neighbours, rule: state.rule,
                                       ordering: state.ordering)
        guard state.mean.count == x.rows, state.factor.count == structure.posterior.nonZeroCount else {
            throw ModelFileError.invalid(detail: "state holds \(state.mean.count) means and \(state.factor.count) factor values; "
                                         + "the \(x.rows) training rows need \(x.rows) and \(structure.posterior.nonZeroCount)")
        }
        model.variational = DKLGPVariational(structure: structure, mean: state.mean, factor: state.factor)
        return DKLGPPredictor(posterior: try model.posterior(x), task: file.task, classes: file.classes)
    }
}

/// What a dklgp model keeps in a model file's `state`: m, the ancestor rule, the nugget, the scales its ordering was
/// built on, and q(f) — ν and V's stored nonzeros (ζ on the diagonal), in the positions of that ordering.
public struct DKLGPState: Codable, Sendable, Equatable {
    public var neighbours: Int
    public var rule: AncestorRule
    public var nugget: Double
    public var scales: [Double]
    /// The maximin ordering's method (files without it: exact).
    public var ordering: MaximinMethod
    public var mean: [Double]
    public var factor: [Double]

    enum CodingKeys: String, CodingKey {
        case neighbours, nugget, scales, ordering
        case rule = "ancestors"
        case mean = "variational_mean"
        case factor = "variational_factor"
    }

    init(_ model: DKLGP) {
        let q = model.variational!
        neighbours = model.neighbours
        rule = model.ancestors
        nugget = model.nugget
        scales = q.structure.scales
        ordering = model.ordering
        mean = q.mean.value
        factor = q.factor.value
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        neighbours = try c.decode(Int.self, forKey: .neighbours)
        rule = try c.decode(AncestorRule.self, forKey: .rule)
        nugget = try c.decode(Double.self, forKey: .nugget)
        scales = try c.decode([Double].self, forKey: .scales)
        ordering = try c.decodeIfPresent(MaximinMethod.self, forKey: .ordering) ?? .exact
        mean = try c.decode([Double].self, forKey: .mean)
        factor = try c.decode([Double].self, forKey: .factor)
    }

    func validate(featureCount d: Int) throws {
        guard neighbours >= 1, neighbours <= 10_000 else {
            throw ModelFileError.invalid(detail: "state.neighbours is \(neighbours); expected 1 … 10000")
        }
        if case let .reduced(rho, cap) = rule, !(rho > 0 && rho.isFinite && cap >= 1 && cap <= 1_000_000) {
            throw ModelFileError.invalid(detail: "state.ancestors has radius factor \(rho) and cap \(cap); expected ρ > 0 and 1 ≤ cap ≤ 10⁶")
        }
        guard nugget >= 0, nugget.isFinite else { throw ModelFileError.invalid(detail: "state.nugget is \(nugget); expected a finite value ≥ 0") }
        guard scales.count == d, scales.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw ModelFileError.invalid(detail: "state.scales must hold \(d) finite positive values")
        }
        guard mean.allSatisfy(\.isFinite), factor.allSatisfy(\.isFinite) else {
            throw ModelFileError.invalid(detail: "state.variational_mean and state.variational_factor must be finite")
        }
    }
}

/// Predictions from a DKLGP posterior: y's predictive moments for regression and counts, class probabilities for
/// binary classification; a failed neighbour factorisation predicts NaN (caught by `PredictionError`).
struct DKLGPPredictor: ModelPredictor {
    let posterior: DKLGPPosterior
    let task: ModelTask
    let classes: [Double]?

    func predict(_ x: Matrix) throws -> Prediction {
        let latent = try posterior.predict(at: x)
        return try Prediction(task: task, likelihood: posterior.model.likelihood, latentMean: Matrix(column: latent.mean),
                              latentVariance: Matrix(column: latent.variance), classes: classes)
    }
}
