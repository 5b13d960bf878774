import Foundation
import GPLinearAlgebra

/// The data-parallel fit of `swiftgp-mpi fit` (docs/methods/distributed.md), independent of the transport:
/// every process calls it with the rows it holds and the same settings, and every process returns the same
/// trained model (rank 0 writes it). What a one-process fit computes from the whole data it computes with
/// allreduces: the standardisation (global means and population standard deviations, two reductions), the
/// binary classes, the inducing inputs (the M global rows a seeded sample picks, gathered by a sum), the
/// training itself (`DistributedSVGPObjective`, `DistributedSGPRBound` through the one `Trainer`) and the SGPR
/// posterior. So its result does not depend on the number of processes, up to the order of additions.
///
/// Differences from `swiftgp fit`: inducing inputs are a seeded sample of rows instead of k-means++ (which
/// would need the data in one place), and there is no start screen; svgp (every likelihood) and sgpr only;
/// sgpr without per-point noise variances.
/// - Complexity: that of the objective per iteration, plus O(n_r d) and a few reductions of O(M d) doubles.
public enum DistributedFit {
    /// Fits `settings.model` ("svgp" or "sgpr") to the data of which `shard` holds the rows `rows` (in memory).
    /// - Throws: as `fit(_:features:target:noiseColumn:source:settings:reducer:)`.
    public static func fit(_ shard: Dataset, rows: RowShard, settings: FitSettings, reducer: any Reducer) throws -> TrainedModel {
        guard shard.count == rows.count else {
            throw TrainingError.invalidData("the shard holds \(shard.count) rows but \(rows) was assigned")
        }
        return try fit(try DataShard(x: shard.x, y: shard.y, noise: shard.noise, rows: rows), features: shard.features,
                       target: shard.target ?? "y", noiseColumn: shard.noiseColumn, source: shard.source, settings: settings,
                       reducer: reducer)
    }

    /// Fits `settings.model` ("svgp" or "sgpr") to the data of which `data` holds this process's rows: in memory,
    /// or a `ColumnFileShard` whose rows are read per minibatch (svgp; sgpr, which needs every row at every
    /// evaluation, reads the shard into memory). `source` names the data in messages.
    /// - Throws: `ConfigurationError` for another model or likelihood, `DatasetError` for unusable targets,
    ///   `TrainingError` / `ReductionError` / numerical failures, the source's read errors.
    public static func fit(_ data: any ShardSource, features: [String], target: String, noiseColumn: String?, source: String,
                           settings: FitSettings, reducer: any Reducer) throws -> TrainedModel {
        let (kind, likelihoodName) = try ModelKinds.resolve(model: settings.model, likelihood: settings.likelihood, kernel: settings.kernel)
        guard kind.name == "svgp" || kind.name == "sgpr" else {
            throw ConfigurationError.unknownModel(kind.name, valid: ["svgp", "sgpr"])
        }
        let task = kind.task(for: likelihoodName)
        if noiseColumn != nil { try ModelKinds.checkNoiseSupport(kind, likelihood: likelihoodName) }
        if kind.name == "sgpr" && noiseColumn != nil {
            throw ConfigurationError.noiseUnsupported(model: "distributed sgpr", likelihood: likelihoodName, supported: ["svgp"])
        }
        let rows = data.rows
        guard rows.count > 0 else {
            throw TrainingError.invalidData("\(source): \(rows.population) rows cannot be split over \(rows.size) processes")
        }
        let labels = try checkTargets(data, task: task, source: source, target: target, noiseColumn: noiseColumn)
        let classes = task == .binaryClassification || task == .multiclassClassification
            ? try globalClasses(labels, binary: task == .binaryClassification, rows: rows, source: source, column: target, reducer: reducer)
            : nil
        let (xScale, yScale, spread) = try globalMoments(data, reducer: reducer)
        if task == .regression && spread == 0 {
            throw DatasetError.constantTarget(path: source, column: target, value: try data.fetch([0]).y[0])
        }
        let useX = settings.standardize ? xScale : nil
        let useY = settings.standardize && task == .regression ? yScale : nil
        if let useX, !(useX.mean + useX.scale).allSatisfy(\.isFinite) {
            throw TrainingError.invalidData("\(source): a column's mean or spread overflows: it cannot be standardised")
        }
        let shard = TransformedShard(base: data, xScale: useX, yScale: useY, classes: classes,
                                     noiseScale: useY.map { 1 / ($0.scale[0] * $0.scale[0]) } ?? 1)
        var options = settings.options
        options.screen = nil
        if let progress = options.progress {
            let shift = -Double(rows.population) * Math.log(useY?.scale[0] ?? 1)
            options.progress = { p in
                var q = p
                q.objective += shift
                return progress(q)
            }
        }
        let m = min(settings.inducing, rows.population)
        settings.status?("choosing \(m) inducing points (a seeded sample of the \(rows.population) rows)")
        let z = try gatherRows(InducingPointSample.rows(m, of: rows.population, seed: settings.options.seed), from: shard,
                               reducer: reducer)
        let kernel = settings.kernel.makeKernel(dimension: data.inputDimension)
        let state: TrainedState
        if kind.name == "svgp" {
            guard let entry = LikelihoodCatalogue.entry(named: likelihoodName) else {
                throw ConfigurationError.unsupportedLikelihood(model: kind.name, likelihood: likelihoodName, supported: kind.likelihoods)
            }
            let model = try SVGP(kernel: kernel, likelihood: entry.make(classCount: classes?.count, noiseFloor: settings.noiseFloor), inducing: z)
            options.optimizer = .adam(learningRate: settings.learningRate)
            options.batchSize = settings.batchSize
            options.relativeTolerance = 0
            if settings.naturalGradients ?? (likelihoodName == "gaussian") {
                let gaussian = likelihoodName == "gaussian"
                options.groups.append(ParameterGroup("q", updater: .naturalGradient(NaturalGradientSchedule(
                    stepSize: gaussian && settings.batchSize == nil ? 1 : 0.1, initialStepSize: gaussian ? nil : 1e-3,
                    rampIterations: gaussian ? 0 : 50))))
            }
            var objective = try DistributedSVGPObjective(model: model, shards: [shard], reducer: reducer)
            let report = try Trainer.fit(&objective, options: options)
            let posterior = try objective.model.posterior()
            state = TrainedState(
                kernel: KernelSpec(objective.model.kernel),
                likelihood: ComponentSpec(kind: likelihoodName, parameters: objective.model.likelihood.parameters),
                mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: objective.model.jitter, report: report,
                state: .inducingPoints(InducingPointState(posterior)),
                predictor: InducingPredictor(posterior: posterior, task: task, classes: classes))
        } else {
            let all = try shard.fetch(Array(0..<rows.count))
            let model = SGPR(kernel: kernel, likelihood: GaussianLikelihood(variance: 1, floor: settings.noiseFloor), inducing: z)
            var objective = try DistributedSGPRBound(model: model, shards: [try DataShard(x: all.x, y: all.y, rows: rows)], reducer: reducer)
            let report = try Trainer.fit(&objective, options: options)
            let posterior = try objective.posterior()
            state = TrainedState(
                kernel: KernelSpec(objective.model.kernel),
                likelihood: ComponentSpec(kind: "gaussian", parameters: objective.model.likelihood.parameters),
                mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: objective.model.jitter, report: report,
                state: .inducingPoints(InducingPointState(posterior)),
                predictor: InducingPredictor(posterior: posterior, task: .regression, classes: nil))
        }
        return try TrainedModel.assemble(state, kind: kind, task: task, settings: settings, points: rows.population,
                                         features: features, target: target, noiseColumn: noiseColumn,
                                         classes: classes, xScale: useX, yScale: useY)
    }

    /// One pass over this process's rows: counts must be whole and ≥ 0, noise variances ≥ 0, binary labels at
    /// most two distinct values (returned). Line numbers are the global row + 2 (a CSV's line of that row).
    /// - Throws: `DatasetError`.
    static func checkTargets(_ data: any ShardSource, task: ModelTask, source: String, target: String,
                             noiseColumn: String?) throws -> [Double] {
        var labels: [Double] = []
        var offset = data.rows.start
        try data.forEachBlock { b in
            for (r, v) in b.y.enumerated() {
                switch task {
                case .countRegression where v < 0 || v != v.rounded():
                    throw DatasetError.notCount(path: source, line: offset + r + 2, column: target, value: v)
                case .binaryClassification where !labels.contains(v):
                    guard labels.count < 2 else {
                        throw DatasetError.notBinary(path: source, line: offset + r + 2, column: target, value: v, seen: labels)
                    }
                    labels.append(v)
                case .multiclassClassification where !labels.contains(v):
                    labels.append(v)
                default: break
                }
            }
            if let noise = b.noise, let r = noise.firstIndex(where: { $0 < 0 }) {
                throw DatasetError.badNoiseVariance(path: source, line: offset + r + 2, column: noiseColumn ?? "noise", value: noise[r])
            }
            offset += b.y.count
        }
        return labels
    }

    /// Means and population standard deviations of the inputs' columns and of the targets over every process
    /// (two passes, two reductions: the sums, then the squared deviations from the global means); a column without
    /// spread keeps scale 1. Also Σ (y − ȳ)² (0 for a constant target).
    /// - Throws: `ReductionError`, the source's read errors.
    static func globalMoments(_ data: any ShardSource, reducer: any Reducer) throws -> (x: Standardization, y: Standardization, spread: Double) {
        let d = data.inputDimension
        var sums = [Double](repeating: 0, count: d + 2)
        try data.forEachBlock { b in
            for c in 0..<d { sums[c] += b.x.column(c).reduce(0, +) }
            sums[d] += b.y.reduce(0, +)
            sums[d + 1] += Double(b.y.count)
        }
        try reducer.sum(&sums)
        let n = sums[d + 1]
        let mean = sums[0...d].map { $0 / n }
        var squares = [Double](repeating: 0, count: d + 1)
        try data.forEachBlock { b in
            for c in 0..<d { squares[c] += b.x.column(c).reduce(0) { $0 + ($1 - mean[c]) * ($1 - mean[c]) } }
            squares[d] += b.y.reduce(0) { $0 + ($1 - mean[d]) * ($1 - mean[d]) }
        }
        try reducer.sum(&squares)
        let scale = squares.map { $0 / n > 0 ? ($0 / n).squareRoot() : 1 }
        return (Standardization(mean: Array(mean[0..<d]), scale: Array(scale[0..<d])),
                Standardization(mean: [mean[d]], scale: [scale[d]]), squares[d])
    }

    /// The two classes of binary labels over every process: each process contributes its (at most two)
    /// distinct values in its own slots of one reduction.
    /// - Throws: `DatasetError.notBinary` / `.singleClass`.
    static func globalClasses(_ local: [Double], binary: Bool, rows: RowShard, source: String, column: String,
                              reducer: any Reducer) throws -> [Double] {
        // How many labels each process saw (one reduction), then the labels themselves in per-process slots.
        var counts = [Double](repeating: 0, count: rows.size)
        counts[rows.rank] = Double(local.count)
        try reducer.sum(&counts)
        let offsets = counts.reduce(into: [0]) { $0.append($0.last! + Int($1)) }
        var slots = [Double](repeating: 0, count: offsets.last!)
        for (i, v) in local.enumerated() { slots[offsets[rows.rank] + i] = v }
        try reducer.sum(&slots)
        var seen: [Double] = []
        for v in slots where !seen.contains(v) { seen.append(v) }
        if binary && seen.count > 2 {
            throw DatasetError.notBinary(path: source, line: 0, column: column, value: seen[2], seen: Array(seen.prefix(2)))
        }
        guard seen.count >= 2 else { throw DatasetError.singleClass(path: source, column: column, value: seen.first ?? 0) }
        return seen.sorted()
    }

    /// The global rows `indices` of the data whose rows `rows` this process holds in `x`: each process writes
    /// the rows it holds, one reduction sums them (every other entry is 0).
    /// - Complexity: O(|indices| d) and one reduction of as many doubles.
    static func gatherRows(_ indices: [Int], from data: any ShardSource, reducer: any Reducer) throws -> Matrix {
        let rows = data.rows, d = data.inputDimension
        let mine = indices.enumerated().filter { rows.contains($0.element) }
        let b = try data.fetch(mine.map { $0.element - rows.start })
        var out = [Double](repeating: 0, count: indices.count * d)
        for (k, (i, _)) in mine.enumerated() {
            for c in 0..<d { out[i + c * indices.count] = b.x[k, c] }
        }
        try reducer.sum(&out)
        return Matrix(rows: indices.count, cols: d, storage: out)
    }
}

/// The inducing inputs of a distributed fit: M distinct global row indices from a generator seeded with the
/// fit's seed, sorted; the same on every process and for every number of processes.
/// - Complexity: O(M) expected.
public enum InducingPointSample {
    public static func rows(_ m: Int, of population: Int, seed: UInt64) -> [Int] {
        var generator = SeededGenerator(seed: seed ^ 0x1D_C0DE)
        return generator.sample(m, from: population)
    }
}
