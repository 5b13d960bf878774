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
        let set = TrainingSet(x: xScale?.apply(data.x) ?? data.x, y: yScale?.apply(y) ?? y, classes: classes)
        let s = try kind.train(set, settings: kindSettings)
        let r = s.report
        let training = TrainingRecord(
            objective: r.objective + shift, objectiveStandardized: r.objective, objectiveName: kind.objectiveName,
            points: data.count, iterations: r.iterations, evaluations: r.evaluations, seconds: r.seconds,
            jitter: r.maxJitter, stopReason: r.stopReason, converged: r.converged, restarts: settings.options.restarts,
            restartObjectives: r.restartObjectives.map { $0 + shift }, seed: settings.options.seed,
            maxIterations: settings.options.maxIterations, screenStarts: r.screen?.evaluated, screenSeconds: r.screen?.seconds,
            warnings: r.warnings.isEmpty ? nil : r.warnings.map(\.description))
        let file = ModelFile(
            model: kind.name, task: task, kernel: s.kernel, likelihood: s.likelihood, mean: s.mean,
            features: data.features, target: target, classes: classes,
            standardization: StoredStandardization(x: xScale, y: yScale), training: training,
            jitterPolicy: JitterRecord(s.jitterPolicy), data: s.data, state: s.state)
        // Never produce a file that cannot be read back.
        _ = try file.kernel.makeKernel(inputDimension: data.features.count)
        return TrainedModel(file: file, predictor: s.predictor)
    }

    /// Reads a model file and rebuilds its predictor.
    /// - Throws: `ModelFileError`; `LinearAlgebraError` if the stored posterior cannot be factorised.
    public static func load(from path: String) throws -> TrainedModel {
        let file = try ModelFile.load(from: path)
        do {
            let kind = try ModelKinds.named(file.model)
            return TrainedModel(file: file, predictor: try kind.predictor(for: file))
        } catch let error as ModelFileError {
            throw error.naming(path)
        } catch let error as ConfigurationError {
            throw ModelFileError.invalidFile(path: path, detail: error.description)
        }
    }

    /// Writes the model file atomically. - Throws: `OutputError`.
    public func save(to path: String) throws { try file.save(to: path) }

    /// Predictions at raw inputs whose columns are `file.features` in order, on the original scale.
    public func predict(_ x: Matrix) -> Prediction {
        precondition(x.cols == file.features.count, "\(x.cols) input columns for \(file.features.count) features")
        let p = predictor.predict(file.standardization.x?.apply(x) ?? x)
        guard case let .regression(mean, variance) = p, let ys = file.standardization.y else { return p }
        return .regression(mean: ys.invert(mean), variance: ys.invertVariance(variance))
    }

    /// Predicts at `data` and scores against its targets. - Throws: `DatasetError` for unknown labels.
    public func evaluate(_ data: Dataset) throws -> MetricSet {
        try predict(data.x).metrics(against: data.y, source: data.source, column: data.target ?? file.target)
    }
}
