import Foundation
import Testing
import GPLinearAlgebra
@testable import SwiftGP

/// The data-parallel objectives with R simulated shards in one process (`SerialReducer`): the reduction seam
/// must give the unsharded ELBO, bound, gradient, natural-gradient step and fit, to rounding.
@Suite struct DistributedObjectiveTests {
    /// Seeded 2-D inputs and a smooth target with noise; `labels` maps it to {0, 1}.
    static func data(n: Int, seed: UInt64, labels: Bool = false) -> (Matrix, [Double]) {
        var g = SeededGenerator(seed: seed)
        let x = Matrix(rows: n, cols: 2, storage: (0..<(2 * n)).map { _ in 4 * g.uniform() - 2 })
        let y = (0..<n).map { i in Math.sin(2 * x[i, 0]) + 0.5 * x[i, 1] + 0.2 * g.normal() }
        return (x, labels ? y.map { $0 > 0 ? 1 : 0 } : y)
    }

    static func close(_ a: Double, _ b: Double, _ tol: Double = 1e-10) -> Bool {
        abs(a - b) <= tol * max(1, abs(a), abs(b))
    }

    static func close(_ a: [Parameter], _ b: [Parameter], _ tol: Double) -> Bool {
        zip(a, b).allSatisfy { p, q in p.name == q.name && zip(p.value, q.value).allSatisfy { close($0, $1, tol) } }
    }

    static func svgp(_ likelihood: any Likelihood, _ x: Matrix) throws -> SVGP {
        try SVGP(kernel: RBF(lengthscale: [0.8, 1.2]), likelihood: likelihood,
                 inducing: x.selectingRows(Array(stride(from: 0, to: x.rows, by: x.rows / 8))))
    }

    @Test func shardsCoverEveryRowOnce() throws {
        for (n, r) in [(10, 3), (7, 7), (1000, 4), (5, 1)] {
            let shards = try RowShard.all(of: r, population: n)
            #expect(shards.flatMap { Array($0.range) } == Array(0..<n))
            let counts = shards.map(\.count)
            #expect(counts.max()! - counts.min()! <= 1)
            let batch = [n - 1, 0, n / 2]
            #expect(shards.flatMap { s in s.localRows(of: batch).map { $0 + s.start } }.sorted() == batch.sorted())
        }
        #expect(throws: ReductionError.self) { try RowShard(rank: 3, of: 3, population: 10) }
    }

    @Test(arguments: [1, 3, 5])
    func svgpEvaluationEqualsUnsharded(shards r: Int) throws {
        let (x, y) = Self.data(n: 60, seed: 3)
        let model = try Self.svgp(GaussianLikelihood(variance: 0.1), x)
        let whole = model.elbo(x, y)
        let split = try DistributedSVGPObjective(model: model, shards: DataShard.split(x: x, y: y, into: r), reducer: SerialReducer())
        for batch in [nil, [59, 3, 17, 40, 41, 0, 22]] as [[Int]?] {
            let a = try whole.evaluate(batch: batch), b = try split.evaluate(batch: batch)
            #expect(Self.close(a.value, b.value))
            #expect(zip(a.gradient.flatMap { $0 }, b.gradient.flatMap { $0 }).allSatisfy { Self.close($0, $1, 1e-9) })
        }
        #expect(Self.close(try whole.fullValue(), try split.fullValue()))
    }

    @Test(arguments: [2, 4])
    func svgpGaussianFitWithNaturalGradientsEqualsUnsharded(shards r: Int) throws {
        let (x, y) = Self.data(n: 80, seed: 5)
        let model = try Self.svgp(GaussianLikelihood(variance: 0.1), x)
        var options = FitOptions(optimizer: .adam(learningRate: 0.02), maxIterations: 30, batchSize: 16, seed: 11)
        options.screen = nil
        options.groups = [ParameterGroup("q", updater: .naturalGradient(NaturalGradientSchedule(stepSize: 0.5)))]
        var whole = model.elbo(x, y)
        let a = try Trainer.fit(&whole, options: options)
        var split = try DistributedSVGPObjective(model: model, shards: DataShard.split(x: x, y: y, into: r), reducer: SerialReducer())
        let b = try Trainer.fit(&split, options: options)
        #expect(a.iterations == 30 && b.iterations == 30)
        #expect(Self.close(a.objective, b.objective, 1e-9))
        #expect(Self.close(whole.parameters, split.parameters, 1e-8))
        // The fit moved: equality is not that of two untouched models.
        #expect(!Self.close(model.parameters, split.parameters, 1e-3))
    }

    @Test func svgpBernoulliFitEqualsUnsharded() throws {
        let (x, y) = Self.data(n: 72, seed: 7, labels: true)
        let model = try Self.svgp(Bernoulli(), x)
        var options = FitOptions(optimizer: .adam(learningRate: 0.03), maxIterations: 25, batchSize: 24, seed: 2)
        options.screen = nil
        var whole = model.elbo(x, y)
        let a = try Trainer.fit(&whole, options: options)
        var split = try DistributedSVGPObjective(model: model, shards: DataShard.split(x: x, y: y, into: 3), reducer: SerialReducer())
        let b = try Trainer.fit(&split, options: options)
        #expect(Self.close(a.objective, b.objective, 1e-9))
        #expect(Self.close(whole.parameters, split.parameters, 1e-8))
        #expect(!Self.close(model.parameters, split.parameters, 1e-3))
    }

    @Test(arguments: [1, 2, 4])
    func sgprBoundAndFitEqualUnsharded(shards r: Int) throws {
        let (x, y) = Self.data(n: 50, seed: 9)
        let model = SGPR(kernel: RBF(lengthscale: [0.8, 1.2]), likelihood: GaussianLikelihood(variance: 0.2),
                         inducing: x.selectingRows(Array(stride(from: 0, to: 50, by: 7))))
        var whole = model.bound(x, y)
        var split = try DistributedSGPRBound(model: model, shards: DataShard.split(x: x, y: y, into: r), reducer: SerialReducer())
        let a = try whole.evaluate(batch: nil), b = try split.evaluate(batch: nil)
        #expect(Self.close(a.value, b.value))
        #expect(zip(a.gradient.flatMap { $0 }, b.gradient.flatMap { $0 }).allSatisfy { Self.close($0, $1, 1e-8) })
        var options = FitOptions(maxIterations: 15, seed: 1)
        options.screen = nil
        let fa = try Trainer.fit(&whole, options: options)
        let fb = try Trainer.fit(&split, options: options)
        #expect(Self.close(fa.objective, fb.objective, 1e-8))
        #expect(Self.close(whole.parameters, split.parameters, 1e-6))
        #expect(!Self.close(model.parameters, split.parameters, 1e-3))
    }

    @Test func sgprPosteriorEqualsUnsharded() throws {
        let (x, y) = Self.data(n: 40, seed: 4)
        let model = SGPR(kernel: RBF(lengthscale: [0.7, 1.0]), likelihood: GaussianLikelihood(variance: 0.05),
                         inducing: x.selectingRows(Array(stride(from: 0, to: 40, by: 5))))
        let split = try DistributedSGPRBound(model: model, shards: DataShard.split(x: x, y: y, into: 3), reducer: SerialReducer())
        let probe = Matrix(rows: 3, cols: 2, storage: [-1, 0, 1.5, 0.3, -0.2, 0.9])
        let a = try model.posterior(x, y).predict(at: probe), b = try split.posterior().predict(at: probe)
        #expect(zip(a.mean, b.mean).allSatisfy { Self.close($0, $1, 1e-9) })
        #expect(zip(a.variance, b.variance).allSatisfy { Self.close($0, $1, 1e-9) })
    }

    /// `DistributedFit` run by R threads, each holding one shard and reducing through `ThreadReducers`,
    /// gives the model of the one-process distributed fit.
    @Test(arguments: [("svgp", "gaussian"), ("svgp", "bernoulli"), ("svgp", "softmax"), ("sgpr", "gaussian")])
    func distributedFitDoesNotDependOnTheProcessCount(model: String, likelihood: String) throws {
        let (x, y) = Self.data(n: 90, seed: 21, labels: likelihood == "bernoulli")
        // Classes are found globally: label values that are not 0…K−1, and (softmax) three of them.
        let labels = likelihood == "bernoulli" ? y.map { $0 == 1 ? 5.0 : -3.0 }
            : likelihood == "softmax" ? (0..<x.rows).map { x[$0, 0] < -0.4 ? 2.0 : (x[$0, 0] < 0.4 ? 7.0 : 9.0) } : y
        var settings = FitSettings(model: model, kernel: try KernelExpression(parsing: "rbf"), likelihood: likelihood,
                                   standardize: true, noiseFloor: 1e-6,
                                   options: FitOptions(maxIterations: model == "sgpr" ? 20 : 15, seed: 3))
        settings.inducing = 10
        settings.batchSize = model == "svgp" ? 30 : nil
        let fixed = settings
        func run(_ r: Int) throws -> [TrainedModel] {
            let shards = try DataShard.split(x: x, y: labels, into: r)
            return try ThreadReducers.run(r) { rank, reducer in
                let s = shards[rank]
                let data = Dataset(source: "test", features: ["a", "b"], target: "y", x: s.x, y: s.y)
                return try DistributedFit.fit(data, rows: s.rows, settings: fixed, reducer: reducer)
            }
        }
        let one = try run(1)[0].file
        if likelihood == "softmax" { #expect(one.classes == [2, 7, 9]) }
        for r in [2, 3] {
            let models = try run(r)
            for m in models {
                #expect(m.file.classes == one.classes)
                #expect(Self.close(m.file.training.objective, one.training.objective, 1e-9))
                let a = (m.file.kernel.parameters + m.file.likelihood.parameters).flatMap(\.value)
                let b = (one.kernel.parameters + one.likelihood.parameters).flatMap(\.value)
                #expect(a.count == b.count && zip(a, b).allSatisfy { Self.close($0, $1, 1e-7) })
            }
        }
        #expect(one.training.iterations > 0)
    }

    /// Rows read per minibatch from a memory-mapped column file give the model of the same rows in memory,
    /// bit for bit, at R = 1 and 2.
    @Test(arguments: [("svgp", "gaussian"), ("svgp", "poisson"), ("sgpr", "gaussian")])
    func columnFileShardsGiveTheInMemoryModel(model: String, likelihood: String) throws {
        let (x, y0) = Self.data(n: 70, seed: 8)
        let y = likelihood == "poisson" ? y0.map { Double(Int(2 * $0 * $0)) } : y0
        let path = try ColumnFileTests.written(DataTable(source: "t", columns: ["a", "y", "b"],
                                                         values: Matrix(rows: 70, cols: 3, storage: x.column(0) + y + x.column(1))))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var settings = FitSettings(model: model, kernel: try KernelExpression(parsing: "matern52"), likelihood: likelihood,
                                   standardize: true, noiseFloor: 1e-6, options: FitOptions(maxIterations: 12, seed: 4))
        settings.inducing = 9
        settings.batchSize = model == "svgp" ? 20 : nil
        let fixed = settings
        for r in [1, 2] {
            let fromFile = try ThreadReducers.run(r) { rank, reducer in
                let shard = try ColumnFileShard(try ColumnFile(path: path), rank: rank, of: r, target: "y")
                #expect(shard.features == ["a", "b"])
                return try DistributedFit.fit(shard, features: shard.features, target: "y", noiseColumn: nil, source: path,
                                              settings: fixed, reducer: reducer)
            }
            let shards = try DataShard.split(x: x, y: y, into: r)
            let inMemory = try ThreadReducers.run(r) { rank, reducer in
                let s = shards[rank]
                return try DistributedFit.fit(Dataset(source: "t", features: ["a", "b"], target: "y", x: s.x, y: s.y), rows: s.rows,
                                              settings: fixed, reducer: reducer)
            }
            for (a, b) in zip(fromFile, inMemory) {
                #expect(a.file.training.objective == b.file.training.objective)
                #expect(a.file.kernel == b.file.kernel && a.file.likelihood == b.file.likelihood && a.file.state == b.file.state)
            }
            #expect(fromFile[0].file.training.iterations == 12)
        }
        #expect(throws: DataError.self) { try ColumnFileShard(try ColumnFile(path: path), rank: 0, of: 1, target: "z") }
        #expect(throws: TrainingError.self) { try ColumnFileShard(try ColumnFile(path: path), rank: 70, of: 71, target: "y") }
    }

    /// A shard whose reads fail: the failure must reach every rank through the reduction (a rank that skipped it
    /// would leave the others waiting forever), as a `ReductionError` on all of them.
    struct FailingShard: ShardSource {
        let base: DataShard
        var rows: RowShard { base.rows }
        var inputDimension: Int { base.inputDimension }
        func fetch(_ local: [Int]) throws -> DataBatch { throw ColumnFileError.unreadable(path: "failing", reason: "test") }
    }

    @Test func aFailureOnOneRankReachesEveryRank() throws {
        let (x, y) = Self.data(n: 40, seed: 6)
        let model = try Self.svgp(GaussianLikelihood(variance: 0.1), x)
        let shards = try DataShard.split(x: x, y: y, into: 2)
        let outcomes = try ThreadReducers.run(2) { rank, reducer -> [String] in
            let shard: any ShardSource = rank == 1 ? FailingShard(base: shards[1]) : shards[0]
            var objective = try DistributedSVGPObjective(model: model, shards: [shard], reducer: reducer)
            func outcome(_ body: () throws -> Void) -> String {
                do { try body(); return "ok" } catch is ReductionError { return "reduction" } catch { return "\(error)" }
            }
            return [outcome { _ = try objective.evaluate(batch: nil) }, outcome { _ = try objective.fullValue() },
                    outcome { try objective.update(.naturalGradient(stepSize: 0.5), parameters: ["q.mean", "q.sqrt"], batch: [0, 39]) }]
        }
        #expect(outcomes == [["reduction", "reduction", "reduction"], ["reduction", "reduction", "reduction"]])
    }

    @Test func badShardsAreRefused() throws {
        let (x, y) = Self.data(n: 10, seed: 1)
        #expect(throws: TrainingError.self) { try DataShard(x: x, y: Array(y.prefix(9)), rows: RowShard(rank: 0, of: 1, population: 10)) }
        let model = try Self.svgp(GaussianLikelihood(), x)
        #expect(throws: TrainingError.self) { try DistributedSVGPObjective(model: model, shards: [], reducer: SerialReducer()) }
    }
}

/// R threads in one process acting as R ranks: `sum` waits for every rank, adds the R vectors in rank order
/// (so every rank receives the identical sum) and hands it back. A test double for an MPI allreduce.
final class ThreadReducers: @unchecked Sendable {
    private let size: Int
    private let condition = NSCondition()
    private var inputs: [[Double]?]
    private var result: [Double] = []
    private var generation = 0
    private var arrived = 0

    private init(size: Int) {
        self.size = size
        inputs = Array(repeating: nil, count: size)
    }

    struct Rank: Reducer {
        let group: ThreadReducers
        let rank: Int
        var size: Int { group.size }
        func sum(_ values: inout [Double]) throws { values = group.reduce(values, rank: rank) }
    }

    private func reduce(_ values: [Double], rank: Int) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        inputs[rank] = values
        arrived += 1
        if arrived == size {
            var total = inputs[0]!
            for r in 1..<size { for i in total.indices { total[i] += inputs[r]![i] } }
            result = total
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine { condition.wait() }
        }
        return result
    }

    /// Runs `body` on `size` threads, one per rank, and returns their results in rank order.
    static func run<T: Sendable>(_ size: Int, _ body: @escaping @Sendable (Int, any Reducer) throws -> T) throws -> [T] {
        let group = ThreadReducers(size: size)
        let results = Results<T>(size)
        let done = DispatchGroup()
        for rank in 0..<size {
            done.enter()
            Thread {
                results.set(rank, Result { try body(rank, Rank(group: group, rank: rank)) })
                done.leave()
            }.start()
        }
        done.wait()
        return try results.values.map { try $0!.get() }
    }

    private final class Results<T>: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var values: [Result<T, Error>?]
        init(_ n: Int) { values = Array(repeating: nil, count: n) }
        func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); values[i] = r; lock.unlock() }
    }
}
