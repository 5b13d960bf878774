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
/// would need the data in one place), and there is no start screen; svgp and sgpr only; binary and
/// regression likelihoods (not softmax); sgpr without per-point noise variances.
/// - Complexity: that of the objective per iteration, plus O(n_r d) and a few reductions of O(M d) doubles.
public enum DistributedFit {
    /// Fits `settings.model` ("svgp" or "sgpr") to the data of which `shard` holds the rows `rows`.
    /// - Throws: `ConfigurationError` for another model or likelihood, `DatasetError` for unusable targets,
    ///   `TrainingError` / `ReductionError` / numerical failures.
    public static func fit(_ shard: Dataset, rows: RowShard, settings: FitSettings, reducer: any Reducer) throws -> TrainedModel {
        let (kind, likelihoodName) = try ModelKinds.resolve(model: settings.model, likelihood: settings.likelihood, kernel: settings.kernel)
        guard kind.name == "svgp" || kind.name == "sgpr" else {
            throw ConfigurationError.unknownModel(kind.name, valid: ["svgp", "sgpr"])
        }
        let task = kind.task(for: likelihoodName)
        guard task != .multiclassClassification else {
            throw ConfigurationError.unsupportedLikelihood(model: "distributed \(kind.name)", likelihood: likelihoodName,
                                                           supported: kind.likelihoods.filter { kind.task(for: $0) != .multiclassClassification })
        }
        if kind.name == "sgpr" && shard.noise != nil {
            throw ConfigurationError.noiseUnsupported(model: "distributed sgpr", likelihood: likelihoodName, supported: ["svgp"])
        }
        guard shard.count == rows.count else {
            throw TrainingError.invalidData("the shard holds \(shard.count) rows but \(rows) was assigned")
        }
        let target = shard.target ?? "y"
        var y = shard.y
        var classes: [Double]? = nil
        switch task {
        case .regression: break
        case .countRegression:
            for (r, v) in y.enumerated() where v < 0 || v != v.rounded() {
                throw DatasetError.notCount(path: shard.source, line: rows.start + r + 2, column: target, value: v)
            }
        case .binaryClassification:
            classes = try globalClasses(y, rows: rows, source: shard.source, column: target, reducer: reducer)
            y = y.map { $0 == classes![1] ? 1 : 0 }
        case .multiclassClassification: break
        }
        let xScale = settings.standardize ? try globalStandardization(shard.x, reducer: reducer) : nil
        let yScale = settings.standardize && task == .regression ? try globalStandardization(Matrix(column: y), reducer: reducer) : nil
        if task == .regression, try globalSpread(y, reducer: reducer) == 0 {
            throw DatasetError.constantTarget(path: shard.source, column: target, value: y.first ?? 0)
        }
        let x = xScale?.apply(shard.x) ?? shard.x
        let ys = yScale?.apply(y) ?? y
        let noiseScale = yScale.map { 1 / ($0.scale[0] * $0.scale[0]) } ?? 1
        let data = try DataShard(x: x, y: ys, noise: shard.noise?.map { $0 * noiseScale }, rows: rows)
        var options = settings.options
        options.screen = nil
        if let progress = options.progress {
            let shift = -Double(rows.population) * Math.log(yScale?.scale[0] ?? 1)
            options.progress = { p in
                var q = p
                q.objective += shift
                return progress(q)
            }
        }
        let m = min(settings.inducing, rows.population)
        settings.status?("choosing \(m) inducing points (a seeded sample of the \(rows.population) rows)")
        let z = try gatherRows(InducingPointSample.rows(m, of: rows.population, seed: settings.options.seed), from: x,
                               rows: rows, reducer: reducer)
        let kernel = settings.kernel.makeKernel(dimension: x.cols)
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
            var objective = try DistributedSVGPObjective(model: model, shards: [data], reducer: reducer)
            let report = try Trainer.fit(&objective, options: options)
            let posterior = try objective.model.posterior()
            state = TrainedState(
                kernel: KernelSpec(objective.model.kernel),
                likelihood: ComponentSpec(kind: likelihoodName, parameters: objective.model.likelihood.parameters),
                mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: objective.model.jitter, report: report,
                state: .inducingPoints(InducingPointState(posterior)),
                predictor: InducingPredictor(posterior: posterior, task: task, classes: classes))
        } else {
            let model = SGPR(kernel: kernel, likelihood: GaussianLikelihood(variance: 1, floor: settings.noiseFloor), inducing: z)
            var objective = try DistributedSGPRBound(model: model, shards: [data], reducer: reducer)
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
                                         features: shard.features, target: target, noiseColumn: shard.noiseColumn,
                                         classes: classes, xScale: xScale, yScale: yScale)
    }

    /// Means and population standard deviations of the columns of the global data (two reductions: the
    /// sums, then the squared deviations from the global mean); a column without spread keeps scale 1.
    /// - Throws: `ReductionError`; `TrainingError.invalidData` when a column overflows.
    static func globalStandardization(_ x: Matrix, reducer: any Reducer) throws -> Standardization {
        var sums = (0..<x.cols).map { x.column($0).reduce(0, +) } + [Double(x.rows)]
        try reducer.sum(&sums)
        let n = sums[x.cols]
        let mean = (0..<x.cols).map { sums[$0] / n }
        var squares = (0..<x.cols).map { c in x.column(c).reduce(0) { $0 + ($1 - mean[c]) * ($1 - mean[c]) } }
        try reducer.sum(&squares)
        let scale = squares.map { $0 / n > 0 ? ($0 / n).squareRoot() : 1 }
        guard mean.allSatisfy(\.isFinite), scale.allSatisfy(\.isFinite) else {
            throw TrainingError.invalidData("a column's mean or spread overflows: it cannot be standardised")
        }
        return Standardization(mean: mean, scale: scale)
    }

    /// Σ (y − ȳ)² over every process (0 for a constant target).
    static func globalSpread(_ y: [Double], reducer: any Reducer) throws -> Double {
        var s = [y.reduce(0, +), Double(y.count)]
        try reducer.sum(&s)
        let mean = s[0] / s[1]
        var d = [y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }]
        try reducer.sum(&d)
        return d[0]
    }

    /// The two classes of binary labels over every process: each process contributes its (at most two)
    /// distinct values in its own slots of one reduction.
    /// - Throws: `DatasetError.notBinary` / `.singleClass`.
    static func globalClasses(_ y: [Double], rows: RowShard, source: String, column: String, reducer: any Reducer) throws -> [Double] {
        var local: [Double] = []
        for (r, v) in y.enumerated() where !local.contains(v) {
            guard local.count < 2 else {
                throw DatasetError.notBinary(path: source, line: rows.start + r + 2, column: column, value: v, seen: local)
            }
            local.append(v)
        }
        var slots = [Double](repeating: 0, count: 3 * rows.size)
        slots[3 * rows.rank] = Double(local.count)
        for (i, v) in local.enumerated() { slots[3 * rows.rank + 1 + i] = v }
        try reducer.sum(&slots)
        var seen: [Double] = []
        for r in 0..<rows.size {
            for i in 0..<Int(slots[3 * r]) where !seen.contains(slots[3 * r + 1 + i]) { seen.append(slots[3 * r + 1 + i]) }
        }
        guard seen.count <= 2 else {
            throw DatasetError.notBinary(path: source, line: 0, column: column, value: seen[2], seen: Array(seen.prefix(2)))
        }
        guard seen.count == 2 else { throw DatasetError.singleClass(path: source, column: column, value: seen.first ?? 0) }
        return seen.sorted()
    }

    /// The global rows `indices` of the data whose rows `rows` this process holds in `x`: each process writes
    /// the rows it holds, one reduction sums them (every other entry is 0).
    /// - Complexity: O(|indices| d) and one reduction of as many doubles.
    static func gatherRows(_ indices: [Int], from x: Matrix, rows: RowShard, reducer: any Reducer) throws -> Matrix {
        var out = [Double](repeating: 0, count: indices.count * x.cols)
        for (i, g) in indices.enumerated() where rows.contains(g) {
            for c in 0..<x.cols { out[i + c * indices.count] = x[g - rows.start, c] }
        }
        try reducer.sum(&out)
        return Matrix(rows: indices.count, cols: x.cols, storage: out)
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
