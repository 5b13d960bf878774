import Foundation
import GPLinearAlgebra
import SwiftGP

// `svgp-fit`: the SwiftGP side of the `svgp` suite (issue 4 "Benchmark", issue 6).
//
// Model and algorithm, identical on every side of the suite (Benchmarks/README.md, suite `svgp`):
// Z = the first M rows of the (already shuffled) training file, zero mean, ARD Matérn-5/2 with lengthscales 1
// and signal variance 1, Gaussian noise variance 0.1 (floor 1e-6) or a probit Bernoulli likelihood, whitened
// q(u) = N(0, I) with a full Cholesky factor, Adam (β = 0.9, 0.999, ε = 1e-8) with one learning rate on every
// parameter (no natural gradients), N iterations on minibatches of B rows drawn without replacement and
// reshuffled every epoch (seeded).

/// `swiftgp-bench svgp-fit --train F --test G --inducing M --batch-size B --iterations N
///   --likelihood gaussian|bernoulli [--learning-rate 0.01] [--seed S] [--repeats R]`
///
/// Prints one JSON line: fit time (the training loop, from the `fit` call to the end of iteration N, including
/// the engine's check of the starting point), seconds per iteration (the median of the timed iterations
/// 2..N, from the engine's per-iteration progress clock), the final ELBO on the full training data (the
/// engine's chunked `fullValue()`, reported by `FitReport.objective`), test RMSE/NLPD or error/NLPD, predict
/// time (`posterior()` + `predictObserved(at:)`), peak RSS, and the FLOP floor of one iteration at (M, B)
/// converted to seconds with this process's measured single-thread dgemm rate.
func svgpFit(_ args: Arguments) throws {
    let trainPath = try args.require("train"), testPath = try args.require("test")
    let m = try args.int("inducing", default: 0)
    let batch = try args.int("batch-size", default: 0)
    let iterations = try args.int("iterations", default: 0)
    let likelihoodName = args.string("likelihood") ?? "gaussian"
    let learningRate = try args.double("learning-rate", default: 0.01)
    let seed = try args.int("seed", default: 0)
    let repeats = try args.int("repeats", default: 1)
    guard ["gaussian", "bernoulli"].contains(likelihoodName) else {
        throw BenchError("--likelihood must be gaussian or bernoulli, not '\(likelihoodName)'")
    }
    guard batch >= 1, iterations >= 1, repeats >= 1, seed >= 0, learningRate > 0 else {
        throw BenchError("--batch-size, --iterations and --repeats must be >= 1, --seed >= 0, --learning-rate > 0")
    }

    // The floor's rate first (before the data are resident), then the data, streamed from the CSV files.
    let rate = dgemmRate()
    let (train, loadSeconds) = try timed { try StreamedCSV(path: trainPath) }
    let test = try StreamedCSV(path: testPath)
    let rssAfterLoad = peakRSSMiB()
    guard train.d == test.d else { throw BenchError("train has \(train.d) inputs, test has \(test.d)") }
    guard m >= 1, m <= train.n else { throw BenchError("--inducing must be in 1...\(train.n)") }
    if likelihoodName == "bernoulli", let bad = (train.y + test.y).first(where: { $0 != 0 && $0 != 1 }) {
        throw BenchError("bernoulli targets must be 0 or 1, found \(bad)")
    }
    let effectiveBatch = min(batch, train.n)

    var fitTimes: [Double] = [], callTimes: [Double] = [], predictTimes: [Double] = [], perIteration: [Double] = []
    var firstIteration = 0.0
    var fitted: SVGP? = nil
    var fitReport: FitReport? = nil
    var lastMinibatch = Double.nan, initial = Double.nan, orderCheck = Double.nan
    for r in 0..<repeats {
        let kernel = Matern52(lengthscale: [Double](repeating: 1, count: train.d), variance: 1)
        let likelihood: any Likelihood = likelihoodName == "gaussian" ? GaussianLikelihood(variance: 0.1) : Bernoulli()
        var model = try SVGP(kernel: kernel, likelihood: likelihood, inducing: train.x.selectingRows(Array(0..<m)),
                             parametrisation: .whitened, covariance: .full)
        // The full-data ELBO at the starting point (skipped at N = 10⁶, where it would take ~10 s), and the value on
        // the engine's first minibatch (to check the batch order handed to the peers).
        let initialELBO = r == repeats - 1 && train.n <= 200_000
            ? try model.elbo(train.x, train.y).fullValue() : Double.nan
        let firstBatch = batch < train.n
            ? trainerBatches(n: train.n, batch: batch, count: 1, seed: UInt64(seed))[0] : nil
        let firstBatchValue = try model.elbo(train.x, train.y).evaluate(batch: firstBatch).value
        let clock = IterationClock()
        // No early stopping: exactly N iterations (gradient tolerance 0, relative tolerance never met), one run
        // from the peers' start (no start screen).
        var options = FitOptions(optimizer: .adam(learningRate: learningRate), maxIterations: iterations,
                                 gradientTolerance: 0, relativeTolerance: -1, patience: Int.max,
                                 batchSize: batch < train.n ? batch : nil, seed: UInt64(seed),
                                 progress: { p in clock.record(p.elapsedSeconds, p.objective); return .continue })
        options.screen = nil
        let (report, call) = try timed { try model.fit(train.x, train.y, options: options) }
        let elapsed = clock.elapsed
        guard elapsed.count == iterations else {
            throw BenchError("fit stopped after \(elapsed.count) of \(iterations) iterations: \(report.stopReason)")
        }
        let diffs = zip(elapsed.dropFirst(), elapsed).map { $0 - $1 }
        perIteration.append(diffs.isEmpty ? elapsed[0] : median(diffs))
        fitTimes.append(elapsed.last!)
        callTimes.append(call)
        if r == repeats - 1 {
            firstIteration = elapsed[0]
            lastMinibatch = clock.objectives.last ?? .nan
            initial = initialELBO
            // The engine's first minibatch value (at the starting point) against `trainerBatches`' first batch:
            // equal when the batch file handed to the peers is the order the engine drew.
            orderCheck = abs(clock.objectives[0] - firstBatchValue) / max(1, abs(firstBatchValue))
        }
        let (_, tp) = try timed { _ = try model.posterior().predictObserved(at: test.x) }
        predictTimes.append(tp)
        fitted = model
        fitReport = report
    }
    guard let model = fitted, let report = fitReport else { throw BenchError("no run") }

    // Scores (untimed) from the fitted model.
    let posterior = try model.posterior()
    let observed = try posterior.predictObserved(at: test.x)
    var metrics: [(String, JSON)]
    if likelihoodName == "gaussian" {
        let (rmse, nlpd) = scores(mean: observed.mean, variance: observed.variance, y: test.y)
        metrics = [("test_rmse", .number(rmse)), ("test_nlpd", .number(nlpd))]
    } else {
        let lpd = try posterior.logPredictiveDensity(test.y, at: test.x)
        let wrong = zip(observed.mean, test.y).filter { ($0.0 > 0.5) != ($0.1 > 0.5) }.count
        metrics = [("test_error", .number(Double(wrong) / Double(test.n))),
                   ("test_nlpd", .number(-lpd.reduce(0, +) / Double(test.n)))]
    }

    // Where one evaluation's time goes (the tape evaluation alone separates the engine's per-iteration overhead:
    // parameter transforms, Adam, minibatch gathering).
    let breakdown = try svgpBreakdown(model, x: train.x, y: train.y, batch: effectiveBatch, seed: UInt64(seed))

    let params = model.parameters
    func value(_ name: String) -> [Double] { params.first { $0.name == name }?.value ?? [] }
    let floor = svgpFlopFloor(inducing: m, batch: effectiveBatch)
    let perIterationMedian = median(perIteration)
    var hyper: [(String, JSON)] = [("lengthscales", .numbers(value("kernel.lengthscale"))),
                                   ("signal_variance", .number(value("kernel.variance").first ?? .nan))]
    if likelihoodName == "gaussian" {
        hyper.append(("noise_variance", .number(value("likelihood.variance").first ?? .nan)))
    }
    emit(header() + [
        ("benchmark", .string("svgp-fit")),
        ("n", .int(train.n)), ("d", .int(train.d)), ("n_test", .int(test.n)),
        ("likelihood", .string(likelihoodName)), ("inducing", .int(m)), ("batch_size", .int(batch)),
        ("iterations", .int(iterations)), ("learning_rate", .number(learningRate)), ("seed", .int(seed)),
        ("optimizer", .string("Adam (0.9, 0.999, eps 1e-8) on all parameters, whitened full-Cholesky q(u)")),
        ("fit_seconds_median", .number(median(fitTimes))), ("fit_seconds_all", .numbers(fitTimes)),
        ("fit_call_seconds_all", .numbers(callTimes)),
        ("seconds_per_iteration", .number(perIterationMedian)), ("seconds_per_iteration_all", .numbers(perIteration)),
        ("seconds_per_iteration_method", .string("median of the timed iterations 2..N (FitOptions.progress clock)")),
        ("first_iteration_seconds", .number(firstIteration)),
        ("evaluate_seconds_median", .number(breakdown.first { $0.0 == "evaluate" }!.1)),
        ("batch_order", .string("engine (FitOptions.seed); svgp-batches writes the same order for the peers")),
        ("batch_order_check", .number(orderCheck)),
        ("initial_elbo", .number(initial)),
        ("final_elbo", .number(report.objective)), ("minibatch_elbo", .number(lastMinibatch)),
        ("predict_seconds_median", .number(median(predictTimes))), ("predict_seconds_all", .numbers(predictTimes)),
    ] + metrics + hyper + [
        ("flop_floor", .object([
            ("flops", .number(floor)),
            ("formula", .string("5 M²B (forward: trsm L⁻¹K_uf + trmm L_SᵀA; backward ≈ 3 M²B)"
                + " + M³/3 (Cholesky) + M³ (its adjoint)")),
            ("dgemm_gflops", .number(rate.best / 1e9)),
            ("dgemm_gflops_median", .number(rate.median / 1e9)),
            ("seconds", .number(floor / rate.best)),
        ])),
        ("breakdown", .object(breakdown.map { ($0.0, .number($0.1)) })),
        ("flop_floor_seconds", .number(floor / rate.best)),
        ("floor_ratio", .number(perIterationMedian / (floor / rate.best))),
        ("load_seconds", .number(loadSeconds)),
        ("peak_rss_mib_after_load", .number(rssAfterLoad)),
        ("peak_rss_mib_self", .number(peakRSSMiB())),
    ])
}

/// Dense flops of one SVGP iteration's minimal algorithm at (M, B): forward L⁻¹K_uf (M²B) and L_SᵀA (M²B),
/// backward about 3 M²B more, plus the Cholesky of K_uu (M³/3) and its adjoint (about M³).
func svgpFlopFloor(inducing m: Int, batch b: Int) -> Double {
    let mm = Double(m), bb = Double(b)
    return 5 * mm * mm * bb + mm * mm * mm / 3 + mm * mm * mm
}

/// Single-thread dgemm rate in flop/s: C = AB with 1024 × 1024 operands, 2 n³ flops, one warm-up and five
/// timed calls; the best (the floor is a lower bound) and the median.
func dgemmRate(size n: Int = 1024) -> (best: Double, median: Double) {
    var g = SeededGenerator(seed: 1024)
    let a = Matrix(rows: n, cols: n, storage: (0..<(n * n)).map { _ in g.uniform() - 0.5 })
    let b = Matrix(rows: n, cols: n, storage: (0..<(n * n)).map { _ in g.uniform() - 0.5 })
    var c = Matrix(rows: n, cols: n)
    gemm(.none, .none, a, b, into: &c)
    var times: [Double] = []
    for _ in 0..<5 {
        let t0 = now()
        gemm(.none, .none, a, b, into: &c)
        times.append(now() - t0)
    }
    let flops = 2 * Double(n) * Double(n) * Double(n)
    return (flops / times.min()!, flops / median(times))
}

/// The per-iteration clock of a fit: `FitOptions.progress` is called synchronously after every iteration.
final class IterationClock: @unchecked Sendable {
    private(set) var elapsed: [Double] = []
    private(set) var objectives: [Double] = []
    func record(_ seconds: Double, _ objective: Double) {
        elapsed.append(seconds)
        objectives.append(objective)
    }
}

/// A benchmark CSV (`x1..xd,y`, header, already standardised) read line by line with `getline`/`strtod`, so a
/// 10⁶-row file never sits in memory as text: the peak is the n × d inputs plus one row-major copy.
struct StreamedCSV {
    let x: Matrix
    let y: [Double]
    var n: Int { x.rows }
    var d: Int { x.cols }

    init(path: String) throws {
        guard let file = fopen(path, "r") else { throw BenchError("\(path): cannot open") }
        defer { fclose(file) }
        var line: UnsafeMutablePointer<CChar>? = nil
        var capacity = 0
        defer { free(line) }
        guard getline(&line, &capacity, file) > 0, let headerLine = line else { throw BenchError("\(path): empty") }
        let header = String(cString: headerLine).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let width = header.count
        guard width >= 2 else { throw BenchError("\(path): need at least one input column and y") }
        let yIndex = header.firstIndex(of: "y") ?? width - 1
        var rows: [Double] = []  // row-major, all columns
        var lineNumber = 1
        while getline(&line, &capacity, file) > 0, let text = line {
            lineNumber += 1
            var p = UnsafePointer<CChar>(text)
            if p.pointee == 10 || p.pointee == 13 || p.pointee == 0 { continue }  // blank line
            for c in 0..<width {
                var end: UnsafeMutablePointer<CChar>? = nil
                let v = strtod(p, &end)
                guard let e = end, UnsafePointer(e) != p else {
                    throw BenchError("\(path):\(lineNumber): column \(c + 1) is not a number")
                }
                rows.append(v)
                p = UnsafePointer(e)
                if c < width - 1 {
                    guard p.pointee == 44 else { throw BenchError("\(path):\(lineNumber): expected \(width) columns") }
                    p += 1
                }
            }
        }
        let n = rows.count / width
        guard n >= 1 else { throw BenchError("\(path): no data rows") }
        let d = width - 1
        var storage = [Double](repeating: 0, count: n * d)
        var targets = [Double](repeating: 0, count: n)
        var j = 0
        for c in 0..<width {
            if c == yIndex {
                for i in 0..<n { targets[i] = rows[i * width + c] }
                continue
            }
            for i in 0..<n { storage[j * n + i] = rows[i * width + c] }
            j += 1
        }
        x = Matrix(rows: n, cols: d, storage: storage)
        y = targets
    }
}

/// The minibatches `Trainer.fit` draws for a stochastic objective with `FitOptions(batchSize: b, seed: seed)`
/// (no restarts): its `MinibatchStream` with the same seeded generator, whose first batch goes to the
/// engine's check of the starting point before the epoch restarts. `svgp-fit` verifies the first batch
/// against the engine's first minibatch value (`batch_order_check`).
func trainerBatches(n: Int, batch b: Int, count: Int, seed: UInt64) -> [[Int]] {
    var generator = SeededGenerator(seed: seed)
    var stream = MinibatchStream(population: n, batchSize: b)
    _ = stream.next(using: &generator)
    stream.restartEpoch()
    return (0..<count).map { _ in stream.next(using: &generator) }
}

/// `swiftgp-bench svgp-batches --n N --batch-size B --iterations K [--seed S] --output F`
///
/// Writes the K minibatches SwiftGP's engine draws (one line of B space-separated 0-based row indices per
/// iteration), so the peers (`--batches F`) train on exactly the same sequence of minibatches.
func svgpBatches(_ args: Arguments) throws {
    let n = try args.int("n", default: 0), b = try args.int("batch-size", default: 0)
    let k = try args.int("iterations", default: 0), seed = try args.int("seed", default: 0)
    let output = try args.require("output")
    guard b >= 1, b < n, k >= 1, seed >= 0 else { throw BenchError("need 1 <= --batch-size < --n, --iterations >= 1") }
    var text = ""
    text.reserveCapacity(k * b * 7)
    for row in trainerBatches(n: n, batch: b, count: k, seed: UInt64(seed)) {
        text += row.map(String.init).joined(separator: " ")
        text += "\n"
    }
    let tmp = output + ".tmp"
    try text.write(toFile: tmp, atomically: false, encoding: .utf8)
    guard rename(tmp, output) == 0 else { throw BenchError("cannot move \(tmp) to \(output)") }
    emit([("batches", .string(output)), ("n", .int(n)), ("batch_size", .int(b)), ("iterations", .int(k)),
          ("seed", .int(seed))])
}

/// Where one evaluation's time goes (profiling aid; medians of 10 timed repetitions after 2 warm-ups, at the
/// fitted point, one B-row batch): the public pieces the objective is built from, timed alone —
/// `kernel_cross` K(Z, X_B), `kernel_gram_cholesky` K(Z, Z) + its Cholesky, `marginals_blas_forward` /
/// `marginals_blas_backward` the BLAS calls of the fused whitened-marginals node (trsm L⁻¹K_uf, trmm L_SᵀA;
/// trmm, trsm, syrk over M × B, then the M × M trmm/trsm of the L̄ adjoint), `kernel_cross_vjp` the
/// kernel's backward for K(Z, X_B) (hyperparameter and Z gradients), `kernel_gram_vjp` the same for K(Z, Z),
/// and `evaluate` the whole tape evaluation; `other` = evaluate − the stages (tape bookkeeping, likelihood,
/// KL, the Cholesky adjoint, copies).
func svgpBreakdown(_ model: SVGP, x: Matrix, y: [Double], batch b: Int, seed: UInt64) throws -> [(String, Double)] {
    var g = SeededGenerator(seed: seed &+ 11)
    let rows = b < x.rows ? Array((0..<x.rows).shuffled(using: &g).prefix(b)) : Array(0..<x.rows)
    let xb = x.selectingRows(rows)
    let z = model.z, kernel = model.kernel, m = model.inducingCount
    let ls = model.variational.sqrtMatrix(latent: 0)
    let objective = model.elbo(x, y)
    let kzz = kernel.gram(z)
    let chol = try Cholesky(kzz, policy: model.jitter, isLatentPrior: true)
    let l = chol.lower
    let kuf = kernel.cross(z, xb)
    var adjoint = Matrix(rows: m, cols: xb.rows)
    for i in 0..<adjoint.storage.count { adjoint.storage[i] = g.uniform() - 0.5 }
    var square = Matrix(rows: m, cols: m)
    for i in 0..<square.storage.count { square.storage[i] = g.uniform() - 0.5 }
    square.symmetrize()

    func stage(_ body: () throws -> Void) rethrows -> Double {
        var ts: [Double] = []
        for k in 0..<12 {
            let t0 = now()
            try body()
            if k >= 2 { ts.append(now() - t0) }
        }
        return median(ts)
    }
    let tCross = stage { _ = kernel.cross(z, xb) }
    let tGram = try stage { _ = try Cholesky(kernel.gram(z), policy: model.jitter, isLatentPrior: true) }
    let tForward = stage {
        var a = kuf
        trsm(.left, .lower, .none, l, &a)
        var p = a
        trmm(.left, .lower, .transposed, ls, &p)
    }
    var a = kuf
    trsm(.left, .lower, .none, l, &a)
    let tBackward = stage {
        var abar = a
        trmm(.left, .lower, .none, ls, &abar)
        trsm(.left, .lower, .transposed, l, &abar)
        var w = Matrix(rows: m, cols: m)
        syrk(.none, .lower, a, into: &w)
        var lsBar = w
        trmm(.right, .lower, .none, alpha: 2, ls, &lsBar)
        var sw = w
        trmm(.left, .lower, .transposed, ls, &sw)
        trmm(.left, .lower, .none, ls, &sw)
        trsm(.left, .lower, .transposed, l, &sw)
    }
    let tCrossVJP = stage { _ = kernel.crossVJP(z, xb, adjoint: adjoint) }
    let tGramVJP = stage {
        _ = kernel.gramGradient(z, adjoint: square)
        _ = kernel.gramInputGradient(z, adjoint: square)
    }
    let tEvaluate = try stage { _ = try objective.evaluate(batch: b < x.rows ? rows : nil) }
    let parts = [tCross, tGram, tForward, tBackward, tCrossVJP, tGramVJP]
    return [("kernel_cross", tCross), ("kernel_gram_cholesky", tGram), ("marginals_blas_forward", tForward),
            ("marginals_blas_backward", tBackward), ("kernel_cross_vjp", tCrossVJP), ("kernel_gram_vjp", tGramVJP),
            ("evaluate", tEvaluate), ("other", max(0, tEvaluate - parts.reduce(0, +)))]
}
