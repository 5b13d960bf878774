import Foundation
import GPLinearAlgebra

/// A fitted or loaded model of any kind: its model file plus a predictor. Handles what every kind
/// shares: likelihood and label checks, standardisation (applied before the kind sees the data and undone
/// on its predictions), the data-scale objective, and the model file.
///
/// ```swift
/// let data = try Dataset.training(try DataTable.read(csv: "train.csv"), target: "y")
/// let model = try TrainedModel.fit(data, settings: FitSettings(kernel: try KernelExpression(parsing: "matern52")))
/// try model.save(to: "model.json")
/// let again = try TrainedModel.load(from: "model.json")   // predicts bit-identically
/// ```
public struct TrainedModel: Sendable {
    public let file: ModelFile
    let predictor: any ModelPredictor

    /// Fits `settings.model` to `data`.
    /// - Throws: `ConfigurationError`, `DatasetError` (constant target, labels that are not binary),
    ///   `LinearAlgebraError` when training fails numerically.
    public static func fit(_ data: Dataset, settings: FitSettings) throws -> TrainedModel {
        let (kind, likelihood) = try ModelKinds.resolve(model: settings.model, likelihood: settings.likelihood, kernel: settings.kernel)
        let task = kind.task(for: likelihood)
        if data.noise != nil { try ModelKinds.checkNoiseSupport(kind, likelihood: likelihood) }
        let target = data.target ?? "y"
        var y = data.y
        var classes: [Double]? = nil
        switch task {
        case .regression:
            if let first = y.first, y.allSatisfy({ $0 == first }) {
                throw DatasetError.constantTarget(path: data.source, column: target, value: first)
            }
        case .countRegression:
            for (r, v) in y.enumerated() where v < 0 || v != v.rounded() {
                throw DatasetError.notCount(path: data.source, line: r + 2, column: target, value: v)
            }
        case .binaryClassification:
            let labels = try BinaryLabels(y, path: data.source, column: target)
            y = labels.encoded
            classes = labels.classes
        case .multiclassClassification:
            let labels = try ClassLabels(y, path: data.source, column: target)
            y = labels.encoded
            classes = labels.classes
        }
        let xScale = settings.standardize ? Standardization(fitting: data.x) : nil
        let yScale = settings.standardize && task == .regression ? Standardization(fitting: y) : nil
        // Standardisation overflows for values beyond ~1e154: say which column.
        for (c, name) in data.features.enumerated() where xScale.map({ !$0.mean[c].isFinite || !$0.scale[c].isFinite }) ?? false {
            throw DatasetError.cannotStandardize(path: data.source, column: name)
        }
        if let yScale, !yScale.mean[0].isFinite || !yScale.scale[0].isFinite {
            throw DatasetError.cannotStandardize(path: data.source, column: target)
        }
        // log p(y) = log p(z) − n log s for z = (y − m)/s: the objective on the data scale.
        let shift = -Double(data.count) * log(yScale?.scale[0] ?? 1)
        var kindSettings = settings
        kindSettings.likelihood = likelihood
        if let progress = settings.options.progress {
            kindSettings.options.progress = { p in
                var q = p
                q.objective += shift
                return progress(q)
            }
        }
        // Noise variances scale with y²: s/σ_y² on the standardised scale.
        let noiseScale = yScale.map { 1 / ($0.scale[0] * $0.scale[0]) } ?? 1
        let set = TrainingSet(x: xScale?.apply(data.x) ?? data.x, y: yScale?.apply(y) ?? y, classes: classes,
                              noise: data.noise?.map { $0 * noiseScale }, tasks: data.tasks)
        let s = try kind.train(set, settings: kindSettings)
        return try assemble(s, kind: kind, task: task, settings: settings, points: data.count, features: data.features,
                            target: target, noiseColumn: data.noiseColumn, classes: classes, xScale: xScale, yScale: yScale)
    }

    /// The model file and predictor of a trained kind's state `s`: the training record with the objective on
    /// the data scale (log p(y) = log p(z) − n log s for z = (y − m)/s), the stored transforms. `TrainedModel.fit`
    /// and the data-parallel `DistributedFit` (whose `points` is the global row count) share it.
    /// - Throws: `ModelFileError` when the file could not be read back.
    static func assemble(_ s: TrainedState, kind: any ModelKind, task: ModelTask, settings: FitSettings, points: Int,
                         features: [String], target: String, noiseColumn: String?, classes: [Double]?,
                         xScale: Standardization?, yScale: Standardization?) throws -> TrainedModel {
        let shift = -Double(points) * log(yScale?.scale[0] ?? 1)
        let r = s.report
        let training = TrainingRecord(
            objective: r.objective + shift, objectiveStandardized: r.objective, objectiveName: kind.objectiveName,
            points: points, iterations: r.iterations, evaluations: r.evaluations, seconds: r.seconds,
            jitter: r.maxJitter, stopReason: r.stopReason, converged: r.converged, restarts: settings.options.restarts,
            restartObjectives: r.restartObjectives.map { $0 + shift }, seed: settings.options.seed,
            maxIterations: settings.options.maxIterations, screenStarts: r.screen?.evaluated, screenSeconds: r.screen?.seconds,
            warnings: r.warnings.isEmpty ? nil : r.warnings.map(\.description))
        let file = ModelFile(
            model: kind.name, task: task, kernel: s.kernel, likelihood: s.likelihood, mean: s.mean,
            features: features, target: target, classes: classes,
            standardization: StoredStandardization(x: xScale, y: yScale), training: training,
            jitterPolicy: JitterRecord(s.jitterPolicy), data: s.data, state: s.state, noiseColumn: noiseColumn)
        // Never produce a file that cannot be read back.
        _ = try file.kernel.makeKernel(inputDimension: features.count)
        return TrainedModel(file: file, predictor: s.predictor)
    }

    /// Reads a model file and rebuilds its predictor.
    /// - Throws: `ModelFileError`; `LinearAlgebraError` if the stored posterior cannot be factorised.
    public static func load(from path: String) throws -> TrainedModel {
        try load(ModelFile.load(from: path), source: path)
    }

    /// Checks model-file bytes and rebuilds their predictor; `source` names them in errors.
    /// - Throws: as `load(from:)`.
    public static func load(decoding bytes: Data, source: String) throws -> TrainedModel {
        try load(ModelFile.decode(bytes, source: source), source: source)
    }

    private static func load(_ file: ModelFile, source path: String) throws -> TrainedModel {
        do {
            let kind = try consistentKind(of: file)
            return TrainedModel(file: file, predictor: try kind.predictor(for: file))
        } catch let error as ModelFileError {
            throw error.naming(path)
        } catch let error as ConfigurationError {
            throw ModelFileError.invalidFile(path: path, detail: error.description)
        } catch let error as StateSpaceError {
            throw ModelFileError.invalidFile(path: path, detail: error.description)
        } catch let error as ParameterError {
            throw ModelFileError.invalidFile(path: path, detail: error.description)
        }
    }

    /// The file's model kind, after checking that the kind accepts its likelihood and every kernel node, and
    /// that `task` is the one the kind gives that likelihood.
    /// - Throws: `ModelFileError.invalid` naming the field.
    static func consistentKind(of file: ModelFile) throws -> any ModelKind {
        guard let kind = ModelKinds.all.first(where: { $0.name == file.model }) else {
            throw ModelFileError.invalid(detail: "'model': unknown model '\(Echo.text(file.model))' (known: \(ModelKinds.names.joined(separator: ", ")))")
        }
        guard kind.likelihoods.contains(file.likelihood.kind) else {
            throw ModelFileError.invalid(detail: "'likelihood.kind': '\(Echo.text(file.likelihood.kind))' is not a likelihood of model "
                                         + "'\(kind.name)' (\(kind.likelihoods.joined(separator: ", ")))")
        }
        let task = kind.task(for: file.likelihood.kind)
        guard task == file.task else {
            throw ModelFileError.invalid(detail: "'task' is '\(file.task.rawValue)', but a \(kind.name) model with likelihood "
                                         + "'\(file.likelihood.kind)' does \(task.rawValue)")
        }
        func check(_ spec: KernelSpec, at path: String) throws {
            if let entry = KernelCatalogue.entry(named: spec.kind), !entry.isAccepted(by: kind.acceptedKernels) {
                throw ModelFileError.invalid(detail: "'\(path)': kernel '\(spec.kind)' is not available for model '\(kind.name)'")
            }
            for (i, child) in spec.children.enumerated() { try check(child, at: "\(path).children[\(i)]") }
        }
        try check(file.kernel, at: "kernel")
        return kind
    }

    /// Writes the model file atomically. - Throws: `OutputError`.
    public func save(to path: String) throws { try file.save(to: path) }

    /// Writes the model file to an opened output and commits it. - Throws: `OutputError`.
    public func save(to out: AtomicFile) throws { try file.save(to: out) }

    /// Rows per block in `predict(_:chunkRows:_:)`: at most 4096, and fewer for models that keep many
    /// training points, so a block's cross-covariance (rows × stored points) stays within 64 MB however
    /// many rows are predicted.
    public var predictionChunk: Int {
        // A sequence model's rows are consecutive steps: one block.
        if ModelKinds.all.first(where: { $0.name == file.model })?.predictsWholeSequence == true { return 1 << 40 }
        return max(64, min(4096, (1 << 23) / max(1, file.data?.x.count ?? 1)))
    }

    /// Predictions at raw inputs whose columns are `file.features` in order, on the original scale.
    /// `noise`: the rows' known noise variances (regression), added to the predictive variance of y.
    /// - Throws: `PredictionError.inputColumns` for inputs of another width; `PredictionError.nonFinite` rather
    ///   than return a NaN or infinite prediction; numerical errors of the predictor.
    public func predict(_ x: Matrix, noise: [Double]? = nil) throws -> Prediction {
        try PredictionError.checkColumns(x, expected: file.features.count)
        var p = try predictor.predict(file.standardization.x?.apply(x) ?? x)
        if case let .regression(mean, variance) = p, let ys = file.standardization.y {
            p = .regression(mean: ys.invert(mean), variance: ys.invertVariance(variance))
        }
        if case let .regression(mean, variance) = p, let noise {
            p = .regression(mean: mean, variance: zip(variance, noise).map { $0 + $1 })
        }
        if let row = p.firstNonFinite { throw PredictionError.nonFinite(row: row) }
        return p
    }

    /// Predicts block by block (`chunkRows` rows each), handing each block and its first row's index to
    /// `body`, so memory stays bounded by one block's work. - Throws: as `predict(_:)`, or `body`'s error.
    public func predict(_ x: Matrix, noise: [Double]? = nil, chunkRows: Int? = nil, _ body: (Prediction, Int) throws -> Void) throws {
        let chunkRows = chunkRows ?? predictionChunk
        var start = 0
        while start < x.rows {
            let end = min(x.rows, start + max(1, chunkRows))
            var block = Matrix(rows: end - start, cols: x.cols)
            for c in 0..<x.cols {
                for r in start..<end { block[r - start, c] = x[r, c] }
            }
            do { try body(try predict(block, noise: noise.map { Array($0[start..<end]) }), start) } catch let PredictionError.nonFinite(row) {
                throw PredictionError.nonFinite(row: start + row)
            }
            start = end
        }
    }

    /// Predicts at `data` (in blocks) and scores against its targets.
    /// - Throws: `DatasetError` for unknown labels; as `predict(_:)`.
    public func evaluate(_ data: Dataset) throws -> MetricSet {
        var parts: [Prediction] = []
        try predict(data.x, noise: data.noise) { p, _ in parts.append(p) }
        return try Prediction(concatenating: parts).metrics(against: data.y, source: data.source, column: data.target ?? file.target)
    }
}
