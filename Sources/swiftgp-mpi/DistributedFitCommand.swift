import ArgumentParser
import Foundation
import GPCommandOptions
import GPMPI
import SwiftGP

/// `swiftgp-mpi fit`: the data-parallel fit (`DistributedFit`). Every rank reads its shard of the data
/// (`ShardedTable`: only its rows of a column file), trains through the one `Trainer` with allreduced
/// objective, gradient and statistics, and rank 0 writes the model file and prints progress.
struct DistributedFitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit svgp or sgpr with the data split over MPI ranks; rank 0 writes the model file.",
        discussion: """
            Rank r of R holds the rows [r N/R, (r+1) N/R) of the data (the first N mod R ranks one row more). \
            Every rank draws the same global minibatches from the seed, evaluates the rows it holds, and an \
            allreduce sums objective, gradient and natural-gradient statistics: the result equals a one-process \
            run on the same minibatches, up to rounding. Inducing inputs are a seeded sample of rows. The model \
            file is the one `swiftgp predict` and `evaluate` read. From a column file (swiftgp convert) each rank \
            reads only the rows of each minibatch (memory-mapped), so N is bounded by disk; from a CSV each rank \
            streams the file and keeps its rows in memory.

            Examples:
              mpirun -n 2 swiftgp-mpi fit --data train.gpcol --target y --model svgp \\
                  --inducing 200 --batch-size 1024 --iterations 2000 --output model.json
              mpirun -n 4 --hostfile hosts swiftgp-mpi fit --data /shared/train.gpcol --target y \\
                  --model sgpr --inducing 300 --output model.json
            """)

    @Option(help: ArgumentHelp("Training data: a column file (swiftgp convert) or a CSV with a header row.", valueName: "TRAIN"))
    var data: String

    @Option(help: ArgumentHelp("The column to predict.", valueName: "COL"))
    var target: String

    @Option(help: ArgumentHelp("Comma-separated feature columns (default: every column but the target).", valueName: "a,b,c"))
    var features: String?

    @Option(help: ArgumentHelp("svgp with a Gaussian likelihood: a column of known noise variances per row.", valueName: "COL"))
    var noiseColumn: String?

    @Option(help: "Model kind: svgp or sgpr.")
    var model: String = "svgp"

    @Option(help: ArgumentHelp("Kernel expression, e.g. matern52 or \"matern52+periodic\".", valueName: "EXPR"))
    var kernel: String = "rbf"

    @Option(help: ArgumentHelp("Likelihood of svgp: gaussian, studentt, poisson, bernoulli (default gaussian).", valueName: "NAME"))
    var likelihood: String?

    @Option(help: "Maximum optimiser iterations.")
    var iterations: Int = 1000

    /// `--inducing`, `--batch-size` (global: rows over all ranks), `--[no-]natural-gradients`, `--learning-rate`:
    /// the declarations of `swiftgp fit`.
    @OptionGroup var sparse: SparseFitOptions

    @Option(help: "Random seed (inducing inputs, minibatches).")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Lower bound of the noise variance, on the standardised scale.", valueName: "VARIANCE"))
    var noiseFloor: Double = 1e-6

    @Flag(help: "Fit on the data as given, without standardising inputs and targets.")
    var noStandardize = false

    @Flag(help: "Print nothing on standard error unless there is an error.")
    var quiet = false

    @Option(help: ArgumentHelp("Rank 0 writes a JSON timing record here: seconds of fit, of allreduce, iterations.", valueName: "FILE"))
    var timing: String?

    @Option(help: ArgumentHelp("Where rank 0 writes the model file (atomically).", valueName: "MODEL.json"))
    var output: String

    func validate() throws {
        guard model == "svgp" || model == "sgpr" else { throw ValidationError("--model must be svgp or sgpr (got '\(model)')") }
        guard (0...1_000_000_000).contains(iterations) else { throw ValidationError("--iterations must be between 0 and 1000000000") }
        if model == "sgpr" && (sparse.batchSize != nil || sparse.naturalGradients != nil) {
            throw ValidationError("--batch-size and --natural-gradients apply to --model svgp only")
        }
        guard noiseFloor >= 0, noiseFloor.isFinite else { throw ValidationError("--noise-floor must be a finite number ≥ 0") }
        _ = try KernelExpression(parsing: kernel)
    }

    func run() throws {
        try withWorld { world in
            let timed = TimedReducer(world.reducer)
            let talk = world.rank == 0 && !quiet
            // Rank 0 proves the output writable before any work.
            let out = world.rank == 0 ? try AtomicFile(try OutputDestination(output, inputs: [data])) : nil
            let clock = ContinuousClock(), started = clock.now
            let list = features.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            // A column file is read per minibatch (memory-mapped); a CSV's shard is streamed into memory.
            let source: any ShardSource, names: [String]
            if ShardedTable.isColumnFile(data) {
                let shard = try ColumnFileShard(try ColumnFile(path: data), rank: world.rank, of: world.size, target: target,
                                                features: list, noiseColumn: noiseColumn)
                (source, names) = (shard, shard.features)
            } else {
                let (table, rows) = try ShardedTable.read(data, rank: world.rank, of: world.size)
                let shard = try Dataset.training(table, target: target, features: list, noiseColumn: noiseColumn, requireVaryingTarget: false)
                (source, names) = (try DataShard(x: shard.x, y: shard.y, noise: shard.noise, rows: rows), shard.features)
            }
            let rows = source.rows
            if talk { Console.error("fit: \(world.size) rank(s); rank 0 holds \(rows)") }
            var options = FitOptions(maxIterations: iterations, seed: seed)
            let loop = LoopClock()
            if world.rank == 0 {
                let quiet = self.quiet
                options.progress = { p in
                    loop.record(p.elapsedSeconds)
                    if !quiet && (p.iteration == 1 || p.iteration % max(1, p.maxIterations / 10) == 0 || p.iteration == p.maxIterations) {
                        Console.error("fit: iteration \(p.iteration)/\(p.maxIterations)  objective \(String(format: "%.6g", p.objective))"
                                      + "  elapsed \(String(format: "%.1fs", p.elapsedSeconds))")
                    }
                    return .continue
                }
            }
            var settings = FitSettings(model: model, kernel: try KernelExpression(parsing: kernel), likelihood: likelihood,
                                       standardize: !noStandardize, noiseFloor: noiseFloor, options: options)
            settings.inducing = sparse.inducing
            settings.batchSize = sparse.batchSize
            settings.naturalGradients = sparse.naturalGradients
            settings.learningRate = sparse.learningRate
            if talk { settings.status = { Console.error("fit: \($0)") } }
            let fitStart = clock.now
            let fitted = try DistributedFit.fit(source, features: names, target: target, noiseColumn: noiseColumn, source: data,
                                                settings: settings, reducer: timed)
            let fitSeconds = (clock.now - fitStart).seconds
            // The slowest rank's times: the job waits for it.
            var times = [Double](repeating: 0, count: 2 * world.size)
            times[2 * world.rank] = fitSeconds
            times[2 * world.rank + 1] = timed.seconds
            try world.reducer.sum(&times)
            if let out {
                try fitted.save(to: out)
                let t = fitted.file.training
                if talk {
                    Console.error("fit: stopped (\(t.stopReason)) after \(t.iterations) iterations; \(t.objectiveName) "
                                  + "\(String(format: "%.6g", t.objective)); wrote \(fitted.file.model) model (\(t.points) points) to \(out.destination.display)")
                }
                if let timing {
                    let fits = stride(from: 0, to: times.count, by: 2).map { times[$0] }
                    let reduces = stride(from: 1, to: times.count, by: 2).map { times[$0] }
                    let record = """
                        {"ranks": \(world.size), "rows": \(rows.population), "iterations": \(t.iterations), \
                        "fit_seconds": \(fits.max() ?? 0), "allreduce_seconds": \(reduces.max() ?? 0), \
                        "allreduce_seconds_min": \(reduces.min() ?? 0), "allreduce_calls": \(timed.calls), \
                        "allreduce_doubles": \(timed.doubles), "loop_seconds": \(loop.seconds), \
                        "total_seconds": \((clock.now - started).seconds), \
                        "objective": \(t.objective)}

                        """
                    try AtomicFile.write(record, to: timing)
                }
            }
        }
    }
}

/// The training loop's elapsed seconds at the last iteration (rank 0's progress callback): the fit's time
/// without set-up and the final full-data objective.
final class LoopClock: @unchecked Sendable {
    private let lock = NSLock()
    private var last = 0.0
    func record(_ s: Double) { lock.lock(); last = s; lock.unlock() }
    var seconds: Double { lock.lock(); defer { lock.unlock() }; return last }
}

/// A reducer that also counts its calls, doubles and seconds (the time in the allreduce, which includes
/// waiting for the slowest rank).
final class TimedReducer: Reducer, @unchecked Sendable {
    private let base: MPIReducer
    private(set) var seconds = 0.0
    private(set) var calls = 0
    private(set) var doubles = 0

    init(_ base: MPIReducer) { self.base = base }
    var rank: Int { base.rank }
    var size: Int { base.size }

    func sum(_ values: inout [Double]) throws {
        let t0 = MPIWorld.time()
        try base.sum(&values)
        seconds += MPIWorld.time() - t0
        calls += 1
        doubles += values.count
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
