import Foundation
import GPLinearAlgebra
import SwiftGP

// `dklgp-data`, `dklgp-fit`: the SwiftGP side of the `dklgp` suite (issue 14, DKLGP simulation 1 and elevators).

/// `swiftgp-bench dklgp-data --seed S --output-prefix P [--n-train 2000] [--n-test 500] [--dimension 5]`
///
/// DKLGP simulation 1 (Cao et al. 2023): inputs uniform on [0, 1]^d, latent f ~ N(0, K + 10⁻⁴ I) with a Matérn-3/2
/// ARD kernel (variance 1, lengthscales 0.25, 0.5, …, 0.25 d), drawn through one LAPACK Cholesky with SeededGenerator
/// normals. Writes P_test.csv (x, y = the latent f) and one training file per likelihood: P_gaussian.csv
/// (y = f + 0.1 ε), P_studentt.csv (y = f + 0.1 t₂), P_logit.csv (y ~ Bernoulli(σ(f))).
func dklgpData(_ args: Arguments) throws {
    let seed = try args.int("seed", default: 0)
    let nTrain = try args.int("n-train", default: 2000), nTest = try args.int("n-test", default: 500)
    let d = try args.int("dimension", default: 5)
    let prefix = try args.require("output-prefix")
    let n = nTrain + nTest
    var g = SeededGenerator(seed: UInt64(seed))
    var x = Matrix(rows: n, cols: d)
    for i in 0..<n { for j in 0..<d { x[i, j] = g.uniform() } }
    let kernel = Matern32(lengthscale: (1...d).map { 0.25 * Double($0) }, variance: 1)
    var k = kernel.gram(x)
    for i in 0..<n { k[i, i] += 1e-4 }
    let l = try Cholesky(k)
    let f = matvec(l.lower, (0..<n).map { _ in g.normal() })
    func write(_ name: String, rows: Range<Int>, y: (Int) -> Double) throws {
        var text = (1...d).map { "x\($0)" }.joined(separator: ",") + ",y\n"
        for i in rows { text += (0..<d).map { "\(x[i, $0])" }.joined(separator: ",") + ",\(y(i))\n" }
        try text.write(toFile: "\(prefix)_\(name).csv", atomically: true, encoding: .utf8)
    }
    var noise = SeededGenerator(seed: UInt64(seed) &+ 1000)
    let eps = (0..<nTrain).map { _ in noise.normal() }
    // t₂ = z / √(χ²₂ / 2), χ²₂ = −2 log U.
    let t2 = (0..<nTrain).map { _ in noise.normal() / (-Math.log(max(noise.uniform(), 1e-300))).squareRoot() }
    let u = (0..<nTrain).map { _ in noise.uniform() }
    try write("gaussian", rows: 0..<nTrain) { f[$0] + 0.1 * eps[$0] }
    try write("studentt", rows: 0..<nTrain) { f[$0] + 0.1 * t2[$0] }
    try write("logit", rows: 0..<nTrain) { u[$0] < Math.sigmoid(f[$0]) ? 1 : 0 }
    try write("test", rows: nTrain..<n) { f[$0] }
    emit(header() + [("benchmark", .string("dklgp-data")), ("n_train", .int(nTrain)), ("n_test", .int(nTest)), ("seed", .int(seed))])
}

/// `swiftgp-bench dklgp-fit --train F.csv --test G.csv --model dklgp|svgp --likelihood gaussian|studentt|logit
///  [--neighbors 20] [--inducing M] [--epochs 10] [--batch-size 128] [--learning-rate 0.1] [--decay 0.9]
///  [--seed S] [--test-target latent|observed] [--ancestor-rho 2] [--ancestor-cap 48]`
///
/// DKLGP (m neighbours, reduced ancestor sets, local-posterior start) or SVGP (M inducing points by k-means++,
/// whitened, full-covariance q(u); default M = m + 1, the DKLGP's nonzeros per column) trained by the shared engine:
/// Adam, `--learning-rate` decayed by `--decay` per epoch, minibatches of `--batch-size` (columns for DKLGP, rows
/// for SVGP), `--epochs` passes. Start: Matérn-3/2 ARD, lengthscales 0.5, variance 1; Gaussian variance 0.1,
/// Student-t (2 degrees of freedom) scale 0.5. Scores: with `latent` test targets, the RMSE and mean negative log
/// density of the latent f under N(μ, v); with `observed`, of y under the predictive distribution (Gaussian
/// likelihood). Time per epoch: the training loop's time (from the progress callback) over the epochs.
func dklgpFit(_ args: Arguments) throws {
    let train = try Dataset(csv: try args.require("train"))
    let test = try Dataset(csv: try args.require("test"))
    let modelName = try args.require("model")
    let likelihoodName = try args.require("likelihood")
    let neighbours = try args.int("neighbors", default: 20)
    let inducing = try args.int("inducing", default: neighbours + 1)
    let epochs = try args.int("epochs", default: 10)
    let batch = try args.int("batch-size", default: 128)
    let learningRate = try args.double("learning-rate", default: 0.1)
    let decay = try args.double("decay", default: 0.9)
    let seed = try args.int("seed", default: 0)
    let observed = args.string("test-target") == "observed"
    let rho = try args.double("ancestor-rho", default: 2), cap = try args.int("ancestor-cap", default: 48)
    guard train.d == test.d else { throw BenchError("train has \(train.d) inputs, test has \(test.d)") }
    BLASThreads.set(1)
    let likelihood: any ScalarLikelihood
    switch likelihoodName {
    case "gaussian": likelihood = GaussianLikelihood(variance: 0.1)
    case "studentt": likelihood = StudentT(scale: 0.5, degreesOfFreedom: 2)
    case "logit": likelihood = Bernoulli(link: .logit)
    default: throw BenchError("--likelihood must be gaussian, studentt or logit")
    }
    let kernel = Matern32(lengthscale: [Double](repeating: 0.5, count: train.d), variance: 1)
    var options = DKLGP.trainingOptions(rows: train.n, epochs: epochs, batchSize: batch, learningRate: learningRate,
                                        decayPerEpoch: decay, seed: UInt64(seed))
    let loop = LoopClock()
    options.progress = { p in loop.record(p.elapsedSeconds); return .continue }
    let mean: [Double], variance: [Double], objective: Double
    let t0 = now()
    switch modelName {
    case "dklgp":
        var model = DKLGP(kernel: kernel, likelihood: likelihood, neighbours: neighbours, ancestors: .reduced(rho: rho, cap: cap))
        let report = try model.fit(train.x, train.y, options: options)
        objective = report.objective
        let p = try model.posterior(train.x).predict(at: test.x)
        (mean, variance) = (p.mean, p.variance)
    case "svgp":
        var model = try SVGP(kernel: kernel, likelihood: likelihood,
                             inducing: InducingPoints.kMeans(of: train.x, count: min(inducing, train.n), seed: UInt64(seed)))
        let report = try model.fit(train.x, train.y, options: options)
        objective = report.objective
        let p = try model.posterior().predictLatent(at: test.x)
        (mean, variance) = (p.mean.storage, p.variance.storage)
    default: throw BenchError("--model must be dklgp or svgp")
    }
    let total = now() - t0
    var se = 0.0, nll = 0.0
    let noise = (likelihood as? GaussianLikelihood)?.variance.scalar ?? 0
    for i in 0..<test.n {
        let v = max(variance[i] + (observed ? noise : 0), 1e-12), r = test.y[i] - mean[i]
        se += r * r
        nll += 0.5 * (Math.logTwoPi + Math.log(v) + r * r / v)
    }
    let m = Double(test.n)
    emit(header() + [
        ("benchmark", .string("dklgp-fit")), ("model", .string(modelName)), ("likelihood", .string(likelihoodName)),
        ("n", .int(train.n)), ("n_test", .int(test.n)), ("d", .int(train.d)),
        ("neighbors", .int(neighbours)), ("ancestor_rho", .number(rho)), ("ancestor_cap", .int(cap)), ("inducing", .int(modelName == "svgp" ? inducing : 0)),
        ("epochs", .int(epochs)), ("batch_size", .int(batch)), ("iterations", .int(options.maxIterations)),
        ("fit_seconds", .number(total)), ("loop_seconds", .number(loop.last)),
        ("seconds_per_epoch", .number(loop.last / Double(max(1, epochs)))),
        ("elbo", .number(objective)), ("rmse", .number((se / m).squareRoot())), ("nll", .number(nll / m)),
        ("target", .string(observed ? "observed" : "latent")), ("peak_rss_mib_self", .number(peakRSSMiB())),
    ])
}

/// The latest elapsed time the training loop reported (thread-safe: the callback may run on any thread).
final class LoopClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0.0
    func record(_ seconds: Double) { lock.lock(); value = seconds; lock.unlock() }
    var last: Double { lock.lock(); defer { lock.unlock() }; return value }
}

/// `swiftgp-bench dklgp-micro --train F.csv [--likelihood gaussian] [--neighbors 20] [--ancestor-cap 48]
///  [--batch-size 128] [--repeats 5] [--threads 1]`: the pieces of a DKLGP epoch timed alone, for profiling:
/// the structure (ordering, neighbour and ancestor sets), the exact and approximate maximin orderings alone (on the
/// unscaled inputs), the local-posterior start, and one epoch of minibatch
/// ELBO + gradient evaluations (the objective only, no optimiser), minimum and median over `--repeats`.
/// Minima are robust to a loaded machine.
func dklgpMicro(_ args: Arguments) throws {
    let train = try Dataset(csv: try args.require("train"))
    let neighbours = try args.int("neighbors", default: 20)
    let rho = try args.double("ancestor-rho", default: 2), cap = try args.int("ancestor-cap", default: 48)
    let batch = try args.int("batch-size", default: 128), repeats = try args.int("repeats", default: 5)
    BLASThreads.set(1)
    let likelihood: any ScalarLikelihood
    switch args.string("likelihood") ?? "gaussian" {
    case "gaussian": likelihood = GaussianLikelihood(variance: 0.1)
    case "studentt": likelihood = StudentT(scale: 0.5, degreesOfFreedom: 2)
    case "logit": likelihood = Bernoulli(link: .logit)
    default: throw BenchError("--likelihood must be gaussian, studentt or logit")
    }
    var model = DKLGP(kernel: Matern32(lengthscale: [Double](repeating: 0.5, count: train.d), variance: 1),
                      likelihood: likelihood, neighbours: neighbours, ancestors: .reduced(rho: rho, cap: cap))
    let (structure, tStructure) = timed { model.structure(train.x) }
    let (_, tExact) = timed { MaximinOrdering.exact(train.x) }
    let (_, tApproximate) = timed { MaximinOrdering.approximate(train.x) }
    let (_, tStart) = try timed { try model.initialiseLocalPosterior(train.x, train.y, structure: structure) }
    let objective = try model.elbo(train.x, train.y)
    var generator = SeededGenerator(seed: 0)
    var epochs: [Double] = []
    var check = 0.0
    for _ in 0..<repeats {
        let order = Array(0..<train.n).shuffled(using: &generator)
        let t0 = now()
        var start = 0
        while start + batch <= train.n {
            let e = try objective.evaluate(batch: Array(order[start..<(start + batch)]))
            check += e.value
            start += batch
        }
        epochs.append(now() - t0)
    }
    let ancestors = structure.ancestors
    emit(header() + [
        ("benchmark", .string("dklgp-micro")), ("n", .int(train.n)), ("d", .int(train.d)), ("neighbors", .int(neighbours)),
        ("ancestor_cap", .int(cap)), ("mean_ancestors", .number(Double(ancestors.nonZeroCount) / Double(train.n))),
        ("mean_block_nonzeros", .number(Double(structure.blocks.reduce(0) { $0 + $1.nonZeroCount }) / Double(train.n))),
        ("peak_rss_mib_self", .number(peakRSSMiB())),
        ("structure_seconds", .number(tStructure)), ("start_seconds", .number(tStart)),
        ("maximin_exact_seconds", .number(tExact)), ("maximin_approximate_seconds", .number(tApproximate)),
        ("epoch_min", .number(epochs.min() ?? 0)), ("epoch_median", .number(median(epochs))), ("check", .number(check)),
    ])
}
