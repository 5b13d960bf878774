import Foundation
import GPLinearAlgebra

/// `--model magmaclust`: multi-task GP regression with K cluster mean processes (`MagmaClust`; K = 1 is Magma)
/// on long-format data — one row per observation, the task in `--task COL`, inputs in the feature columns
/// (docs/methods/magmaclust.md#command-line). `--clusters K` fixes K; `--clusters auto` fits K = 1 … 6
/// (at most the number of tasks) and keeps the largest VBIC. The same `--kernel` serves the mean processes
/// and the tasks. The model file embeds the standardised training data, the task of every row, all kernels,
/// τ and π (`MagmaClustState`); prediction recomputes the hyper-posteriors from them.
/// - Complexity: per EM iteration O(Σ n_i³ + K N³) (N distinct inputs); × up to 6 fits with `auto`.
public struct MagmaClustModelKind: ModelKind {
    public init() {}
    public var name: String { "magmaclust" }
    public var summary: String {
        "multi-task GP with K cluster mean processes (Magma for K = 1; --task COL --clusters K|auto; long-format CSV)"
    }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var objectiveName: String { "ELBO" }
    public func task(for likelihood: String) -> ModelTask { .regression }

    /// The largest K `--clusters auto` tries.
    public static let maxAutoClusters = 6

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        guard let tasks = data.tasks else { throw MagmaError.noTasks }
        let multi = try Self.multiTaskData(x: data.x, y: data.y, tasks: tasks)
        guard multi.taskCount >= 2 else { throw MagmaError.tooFewTasks(multi.taskCount) }
        let kernel = settings.kernel.makeKernel(dimension: data.x.cols)
        let candidates = settings.clusters.map { [$0] } ?? Array(1...min(Self.maxAutoClusters, multi.taskCount))
        var best: (model: MagmaClust, report: FitReport)? = nil
        var firstError: Error? = nil
        for k in candidates {
            if candidates.count > 1 { settings.status?("fitting K = \(k) clusters") }
            do {
                var model = try MagmaClust(data: multi, clusters: k, meanKernel: kernel, taskKernel: kernel, noise: 0.1,
                                           hypotheses: settings.hypotheses, seed: settings.options.seed)
                model.taskNoise = model.taskNoise.map { _ in GaussianLikelihood(variance: 0.1, floor: settings.noiseFloor) }
                var options = settings.options
                options.maxIterations = min(options.maxIterations, 30)
                options.relativeTolerance = 1e-3
                options.patience = 1
                let report = try model.fit(options: options)
                if candidates.count > 1 { settings.status?(String(format: "K = %d: ELBO %.6g, VBIC %.6g", k, model.elbo, model.vbic)) }
                if best == nil || model.vbic > best!.model.vbic { best = (model, report) }
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        guard let (model, report) = best else { throw firstError ?? MagmaError.noTasks }
        let state = MagmaClustState(model, tasks: tasks)
        return TrainedState(
            kernel: KernelSpec(model.taskKernels[0]), likelihood: ComponentSpec(kind: "gaussian", parameters: model.taskNoise[0].parameters),
            mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: model.jitter, report: report,
            data: TrainingData(x: (0..<data.x.rows).map { data.x.row($0) }, y: data.y), state: .magmaclust(state),
            predictor: MagmaClustPredictor(model: model))
    }

    /// Groups long-format rows by task (tasks in order of first appearance; ids printed as numbers).
    /// - Throws: `MagmaError` for unusable data.
    static func multiTaskData(x: Matrix, y: [Double], tasks: [Double]) throws -> MultiTaskData {
        var order: [Double] = [], rows: [Double: [Int]] = [:]
        for (r, t) in tasks.enumerated() {
            if rows[t] == nil { order.append(t) }
            rows[t, default: []].append(r)
        }
        return try MultiTaskData(taskIDs: order.map(Self.taskName), inputs: order.map { x.selectingRows(rows[$0]!) },
                                 targets: order.map { rows[$0]!.map { y[$0] } })
    }

    static func taskName(_ t: Double) -> String { t == t.rounded() && abs(t) < 1e15 ? String(Int64(t)) : "\(t)" }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        guard let data = file.data else { throw ModelFileError.invalid(detail: "a magmaclust model needs its training 'data'") }
        guard case let .magmaclust(state) = file.state else {
            throw ModelFileError.invalid(detail: "a magmaclust model needs its 'state' (tasks, memberships, kernels)")
        }
        return MagmaClustPredictor(model: try state.model(x: Matrix(data.x), y: data.y, dimension: file.features.count,
                                                          jitter: file.jitterPolicy.policy))
    }
}

/// What a magmaclust model keeps in a model file's `state`: the task of every training row, the hypotheses,
/// the mean kernels and prior means, the task kernels and noises, τ (M × K) and π.
public struct MagmaClustState: Codable, Sendable, Equatable {
    public var tasks: [Double]
    public var sharedMeanKernel: Bool
    public var sharedTaskKernel: Bool
    public var meanKernels: [KernelSpec]
    public var priorMeans: [Double]
    public var taskKernels: [KernelSpec]
    public var taskNoise: [ComponentSpec]
    public var memberships: [[Double]]
    public var mixingWeights: [Double]
    /// The task ids in model order (the order of first appearance in the training data).
    public var taskIDs: [String]

    enum CodingKeys: String, CodingKey {
        case tasks, memberships
        case sharedMeanKernel = "shared_mean_kernel", sharedTaskKernel = "shared_task_kernel"
        case meanKernels = "mean_kernels", priorMeans = "prior_means", taskKernels = "task_kernels"
        case taskNoise = "task_noise", mixingWeights = "mixing_weights", taskIDs = "task_ids"
    }

    init(_ model: MagmaClust, tasks: [Double]) {
        self.tasks = tasks
        sharedMeanKernel = model.hypotheses.sharedMeanKernel
        sharedTaskKernel = model.hypotheses.sharedTaskKernel
        meanKernels = model.meanKernels.map(KernelSpec.init)
        priorMeans = model.priorMeans
        taskKernels = model.taskKernels.map(KernelSpec.init)
        taskNoise = model.taskNoise.map { ComponentSpec(kind: "gaussian", parameters: $0.parameters) }
        memberships = model.memberships
        mixingWeights = model.mixingWeights
        taskIDs = model.data.taskIDs
    }

    /// The clusters K.
    public var clusterCount: Int { mixingWeights.count }

    /// Rebuilds the fitted model (and its E-step state) from the file.
    /// - Throws: `ModelFileError.invalid` for inconsistent contents.
    func model(x: Matrix, y: [Double], dimension d: Int, jitter: JitterPolicy) throws -> MagmaClust {
        func invalid(_ s: String) -> ModelFileError { .invalid(detail: "'state': " + s) }
        guard tasks.count == x.rows else { throw invalid("'tasks' has \(tasks.count) entries for \(x.rows) training rows") }
        let data: MultiTaskData
        do { data = try MagmaClustModelKind.multiTaskData(x: x, y: y, tasks: tasks) } catch { throw invalid("\(error)") }
        let m = data.taskCount, k = mixingWeights.count
        guard k >= 1, k <= m else { throw invalid("\(k) clusters for \(m) tasks") }
        guard meanKernels.count == (sharedMeanKernel ? 1 : k) else { throw invalid("'mean_kernels' has \(meanKernels.count) kernels") }
        guard taskKernels.count == (sharedTaskKernel ? 1 : m), taskNoise.count == taskKernels.count else {
            throw invalid("'task_kernels' / 'task_noise' have \(taskKernels.count) / \(taskNoise.count) entries for \(m) tasks")
        }
        guard priorMeans.count == k, priorMeans.allSatisfy(\.isFinite) else { throw invalid("'prior_means' needs \(k) finite values") }
        guard memberships.count == m, memberships.allSatisfy({ $0.count == k && $0.allSatisfy { $0 >= 0 && $0 <= 1 } }),
              mixingWeights.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw invalid("'memberships' must be \(m) × \(k) probabilities and 'mixing_weights' \(k) probabilities")
        }
        var model = try MagmaClust(data: data, clusters: k, meanKernel: try meanKernels[0].makeKernel(inputDimension: d),
                                   taskKernel: try taskKernels[0].makeKernel(inputDimension: d),
                                   hypotheses: MagmaHypotheses(sharedMeanKernel: sharedMeanKernel, sharedTaskKernel: sharedTaskKernel),
                                   memberships: memberships, jitter: jitter)
        model.meanKernels = try meanKernels.map { try $0.makeKernel(inputDimension: d) }
        model.taskKernels = try taskKernels.map { try $0.makeKernel(inputDimension: d) }
        model.taskNoise = try taskNoise.map { try $0.gaussianLikelihood() }
        model.priorMeans = priorMeans
        model.memberships = memberships
        model.mixingWeights = mixingWeights
        return model
    }
}

/// Predicts with a fitted MagmaClust model. `predict(x)` is a new task with no observations (the π-weighted
/// mixture of the mean processes plus the task kernel and noise); `predictTask` conditions on observed rows.
struct MagmaClustPredictor: ModelPredictor {
    let model: MagmaClust

    func predict(_ x: Matrix) throws -> Prediction {
        let p = try predictTask(observed: Matrix(rows: 0, cols: x.cols), [], at: x)
        return .regression(mean: p.mean, variance: p.variance)
    }

    func predictTask(observed xo: Matrix, _ yo: [Double], at xp: Matrix) throws -> MagmaPrediction {
        if xo.rows > 0 { return try model.predict(observed: xo, yo, at: xp, includeNoise: true) }
        // No observations: τ* = π, and each cluster's predictive is its hyper-posterior plus the task's prior.
        let grid = try model.predictionGrid(xp)
        let p = InputUnion.locate(xp, in: grid.union, tolerance: grid.tolerance).map { $0 ?? 0 }
        let kernel = model.taskKernel(0), s2 = model.noise(0)
        var means: [[Double]] = [], covs: [Matrix] = []
        for q in grid.posteriors {
            means.append(p.map { q.mean[$0] })
            var c = q.covariance.selecting(p, p) + kernel.gram(xp)
            c.addToDiagonal(s2)
            covs.append(c)
        }
        return MagmaPrediction(memberships: model.mixingWeights, clusterMeans: means, clusterCovariances: covs, includesNoise: true)
    }
}

extension TrainedModel {
    /// A magmaclust model's prediction for a new task at raw inputs `xp`, conditioned on its observed rows
    /// (`xo`, `yo`), on the original scale: the mixture mean and variance, the mixture's 95 % band and the
    /// task's memberships τ*.
    /// - Throws: `PredictionError.inputColumns` for inputs of another width; `MagmaError` for a model of another
    ///   kind or unusable rows; numerical errors of the predictor.
    public func predictTask(observed xo: Matrix, _ yo: [Double], at xp: Matrix) throws -> MagmaPrediction {
        guard let predictor = predictor as? MagmaClustPredictor else { throw MagmaError.noTasks }
        for x in [xo, xp] { try PredictionError.checkColumns(x, expected: file.features.count) }
        let sx = file.standardization.x, sy = file.standardization.y
        var p = try predictor.predictTask(observed: sx?.apply(xo) ?? xo, sy?.apply(yo) ?? yo, at: sx?.apply(xp) ?? xp)
        if let sy {
            p.mean = sy.invert(p.mean)
            p.variance = sy.invertVariance(p.variance)
            p.lower = sy.invert(p.lower)
            p.upper = sy.invert(p.upper)
            p.clusterMeans = p.clusterMeans.map { sy.invert($0) }
            p.clusterCovariances = p.clusterCovariances.map { Matrix(rows: $0.rows, cols: $0.cols, storage: sy.invertVariance($0.storage)) }
        }
        if let row = p.mean.indices.first(where: { !p.mean[$0].isFinite || !p.variance[$0].isFinite }) {
            throw PredictionError.nonFinite(row: row)
        }
        return p
    }
}
