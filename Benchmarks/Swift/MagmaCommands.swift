import Foundation
import GPLinearAlgebra
import SwiftGP

// `magma-sim` and `magma-swimmers`: the SwiftGP side of the `magma` suite (issue 15): MagmaClust on the
// MagmaClust paper's simulation protocol and on the French swimmers data.

/// The hypotheses named H00, Hk0, H0i, Hki.
func magmaHypotheses(_ name: String) throws -> MagmaHypotheses {
    switch name {
    case "H00": return MagmaHypotheses(sharedMeanKernel: true, sharedTaskKernel: true)
    case "Hk0": return MagmaHypotheses(sharedMeanKernel: false, sharedTaskKernel: true)
    case "H0i": return MagmaHypotheses(sharedMeanKernel: true, sharedTaskKernel: false)
    case "Hki": return MagmaHypotheses(sharedMeanKernel: false, sharedTaskKernel: false)
    default: throw BenchError("--hypothesis must be H00, Hk0, H0i or Hki")
    }
}

/// The mean and sample standard deviation of `values` (the targets are standardised by them).
func meanAndDeviation(_ values: [Double]) -> (mean: Double, sd: Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    return (mean, (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot())
}

/// MagmaClust with SE kernels fitted on `data` (at most `--iterations` EM iterations, default 30); returns the
/// model, its report and the training seconds.
func fitMagmaClust(_ data: MultiTaskData, clusters k: Int, noise: Double, hypotheses: MagmaHypotheses, seed: Int,
                   _ args: Arguments) throws -> (MagmaClust, FitReport, Double) {
    var model = try MagmaClust(data: data, clusters: k, meanKernel: RBF(), taskKernel: RBF(), noise: noise,
                               hypotheses: hypotheses, seed: UInt64(seed))
    var options = MagmaClust.defaultFitOptions
    options.maxIterations = try args.int("iterations", default: 30)
    options.seed = UInt64(seed)
    let (report, seconds) = try timed { try model.fit(options: options) }
    return (model, report, seconds)
}

/// One draw of MagmaClustR's `simu_db` (common_input = FALSE, common_hp = TRUE within a cluster) in its own
/// parametrisation converted to ours: per cluster a mean process μ_k ~ GP(a t + b, SE) on seq(0, 10, 0.05) with
/// a ~ U(−5, 5), b ~ U(−50, 50), log-variance ~ U(4, 5), log ℓ² ~ U(0, 1); per cluster task hyperparameters
/// log-variance ~ U(1, 2), log ℓ² ~ U(0, 1), noise variance ~ U(0, 0.2); each task at N random grid points.
func simulateMagmaClust(tasks m: Int, points n: Int, clusters k: Int, generator g: inout SeededGenerator) throws
    -> (x: [Matrix], y: [[Double]], labels: [Int]) {
    let grid = (0...200).map { Double($0) * 0.05 }
    let gridX = Matrix(column: grid)
    func draw(_ lo: Double, _ hi: Double) -> Double { ((lo + (hi - lo) * g.uniform()) * 100).rounded() / 100 }
    func sample(_ mean: [Double], _ cov: Matrix) throws -> [Double] {
        let c = try Cholesky(cov, policy: .standard, isLatentPrior: true)
        let z = g.normals(mean.count)
        let lz = matvec(c.lower, z)
        return zip(mean, lz).map { $0 + $1 }
    }
    var means: [[Double]] = [], taskHP: [(v: Double, l: Double, s: Double)] = []
    for _ in 0..<k {
        let b = draw(-50, 50), a = draw(-5, 5)
        let v = Math.exp(draw(4, 5)), l = Math.exp(0.5 * draw(0, 1))
        means.append(try sample(grid.map { b + a * $0 }, RBF(lengthscale: [l], variance: v).gram(gridX)))
        taskHP.append((Math.exp(draw(1, 2)), Math.exp(0.5 * draw(0, 1)), draw(0, 0.2)))
    }
    var xs: [Matrix] = [], ys: [[Double]] = [], labels: [Int] = []
    for _ in 0..<m {
        let c = Int(g.next() % UInt64(k))
        let rows = g.sample(n, from: grid.count).sorted()
        let t = rows.map { grid[$0] }, x = Matrix(column: t)
        var cov = RBF(lengthscale: [taskHP[c].l], variance: taskHP[c].v).gram(x)
        cov.addToDiagonal(taskHP[c].s)
        ys.append(try sample(rows.map { means[c][$0] }, cov))
        xs.append(x)
        labels.append(c)
    }
    return (xs, ys, labels)
}

/// `swiftgp-bench magma-sim [--seed S] [--tasks 50] [--points 30] [--clusters 3] [--observed 20]
///  [--hypothesis Hk0] [--iterations 30]`
///
/// One repeat of the MagmaClust paper's simulation: M training tasks and one test task from K clusters (above),
/// MagmaClust with K clusters and SE kernels fitted on the training tasks (targets standardised by their global
/// mean and sd), then the test task's first `--observed` random points conditioned on and its other points
/// predicted, in two readings of the protocol: a random subset observed (`mse`, `wcic95`) and the first inputs
/// observed, the last forecast (`mse_last`, `wcic95_last`). Reports the test MSE, WCIC95 (% of held-out values inside the mixture's 95 % band), the ARI of
/// the training tasks' most probable clusters against the truth, and the training time.
func magmaSim(_ args: Arguments) throws {
    let seed = try args.int("seed", default: 0)
    let m = try args.int("tasks", default: 50), n = try args.int("points", default: 30)
    let k = try args.int("clusters", default: 3), observed = try args.int("observed", default: 20)
    let hypotheses = try magmaHypotheses(args.string("hypothesis") ?? "Hk0")
    var g = SeededGenerator(seed: UInt64(seed))
    let sim = try simulateMagmaClust(tasks: m + 1, points: n, clusters: k, generator: &g)
    let (mean, sd) = meanAndDeviation(sim.y.prefix(m).flatMap { $0 })
    let data = try MultiTaskData(taskIDs: (0..<m).map(String.init), inputs: Array(sim.x.prefix(m)),
                                 targets: sim.y.prefix(m).map { $0.map { ($0 - mean) / sd } })
    let (model, report, fitSeconds) = try fitMagmaClust(data, clusters: k, noise: 0.05, hypotheses: hypotheses, seed: seed, args)
    // The test task, both readings of the protocol from the same fit: `observed` random points conditioned on
    // and the rest interpolated; the first `observed` inputs conditioned on and the last forecast (sorted inputs).
    let tx = sim.x[m], ty = sim.y[m]
    var scores: [(String, JSON)] = []
    var predictSeconds = 0.0
    for (split, order) in [("random", g.sample(observed, from: ty.count).sorted()), ("last", Array(0..<observed))] {
        let rest = (0..<ty.count).filter { !order.contains($0) }
        let (p, seconds) = try timed {
            try model.predict(observed: tx.selectingRows(order), order.map { (ty[$0] - mean) / sd }, at: tx.selectingRows(rest))
        }
        predictSeconds += seconds
        var se = 0.0, inside = 0
        for (j, r) in rest.enumerated() {
            let mu = mean + sd * p.mean[j], lo = mean + sd * p.lower[j], hi = mean + sd * p.upper[j]
            se += (ty[r] - mu) * (ty[r] - mu)
            if ty[r] >= lo && ty[r] <= hi { inside += 1 }
        }
        let suffix = split == "random" ? "" : "_last"
        scores += [("mse" + suffix, .number(se / Double(rest.count))),
                   ("wcic95" + suffix, .number(100 * Double(inside) / Double(rest.count)))]
    }
    let ari = adjustedRandIndex(model.labels, Array(sim.labels.prefix(m)))
    emit(header() + [
        ("benchmark", .string("magma-sim")), ("seed", .int(seed)), ("tasks", .int(m)), ("points", .int(n)),
        ("clusters", .int(k)), ("hypothesis", .string(hypotheses.name)), ("union_points", .int(data.union.rows)),
        ("iterations", .int(report.iterations)), ("evaluations", .int(report.evaluations)),
        ("stop_reason", .string(report.stopReason)), ("elbo", .number(report.objective)),
    ] + scores + [
        ("ari", .number(ari)), ("fit_seconds", .number(fitSeconds)), ("predict_seconds", .number(predictSeconds)),
        ("peak_rss_mib_self", .number(peakRSSMiB())),
    ])
}

/// `swiftgp-bench magma-swimmers --data swimmers.csv --gender 1|2 [--seed S] [--clusters 5] [--hypothesis H00]
///  [--train-fraction 0.6] [--observed-fraction 0.8] [--round 0.1] [--iterations 30]`
///
/// The swimmers experiment: one gender; swimmers split at random (seeded) into training and test sets; ages
/// rounded to `--round` years (the union grid stays small); MagmaClust fitted on the training swimmers; each
/// test swimmer's first `--observed-fraction` of races (by age) conditioned on and the rest forecast (test
/// swimmers with fewer than 2 races are skipped). Reports the MSE and WCIC95 over all forecast races and the times.
func magmaSwimmers(_ args: Arguments) throws {
    let table = try DataTable.read(csv: try args.require("data"))
    let gender = Double(try args.int("gender", default: 2))
    let seed = try args.int("seed", default: 0), k = try args.int("clusters", default: 5)
    let trainFraction = try args.double("train-fraction", default: 0.6)
    let observedFraction = try args.double("observed-fraction", default: 0.8)
    let round = try args.double("round", default: 0.1)
    let hypotheses = try magmaHypotheses(args.string("hypothesis") ?? "H00")
    let id = try table.column("ID"), age = try table.column("Age"), time = try table.column("Performance")
    let sex = try table.column("Gender")
    var races: [Double: [(Double, Double)]] = [:]
    for r in 0..<table.rowCount where sex[r] == gender {
        races[id[r], default: []].append(((age[r] / round).rounded() * round, time[r]))
    }
    var swimmers = races.keys.sorted()
    var g = SeededGenerator(seed: UInt64(seed))
    swimmers.shuffle(using: &g)
    let nTrain = Int((trainFraction * Double(swimmers.count)).rounded())
    func task(_ s: Double) -> (x: Matrix, y: [Double]) {
        let r = races[s]!.sorted { $0.0 < $1.0 }
        return (Matrix(column: r.map(\.0)), r.map(\.1))
    }
    let train = Array(swimmers.prefix(nTrain)), test = Array(swimmers.dropFirst(nTrain))
    let (mean, sd) = meanAndDeviation(train.flatMap { races[$0]!.map(\.1) })
    let data = try MultiTaskData(taskIDs: train.map { String(Int($0)) }, inputs: train.map { task($0).x },
                                 targets: train.map { task($0).y.map { ($0 - mean) / sd } })
    let (model, report, fitSeconds) = try fitMagmaClust(data, clusters: k, noise: 0.1, hypotheses: hypotheses, seed: seed, args)
    let lo = data.union[0, 0], hi = data.union[data.union.rows - 1, 0]
    let gridValues = stride(from: min(lo, 10), through: max(hi, 20) + round / 2, by: round).map { ($0 / round).rounded() * round }
    let (hyper, gridSeconds) = try timed { try model.predictionGrid(Matrix(column: gridValues)) }
    var se = 0.0, inside = 0, count = 0, predicted = 0
    let (_, predictSeconds) = try timed {
        for s in test {
            let (x, y) = task(s)
            guard y.count >= 2 else { continue }
            let nObs = min(y.count - 1, max(1, Int((observedFraction * Double(y.count)).rounded())))
            let p = try model.predict(observed: x.selectingRows(Array(0..<nObs)), y[0..<nObs].map { ($0 - mean) / sd },
                                      at: x.selectingRows(Array(nObs..<y.count)), grid: hyper)
            for j in 0..<(y.count - nObs) {
                let mu = mean + sd * p.mean[j]
                se += (y[nObs + j] - mu) * (y[nObs + j] - mu)
                if y[nObs + j] >= mean + sd * p.lower[j] && y[nObs + j] <= mean + sd * p.upper[j] { inside += 1 }
                count += 1
            }
            predicted += 1
        }
    }
    emit(header() + [
        ("benchmark", .string("magma-swimmers")), ("gender", .string(gender == 1 ? "men" : "women")),
        ("seed", .int(seed)), ("clusters", .int(k)), ("hypothesis", .string(hypotheses.name)),
        ("train_swimmers", .int(train.count)), ("test_swimmers", .int(predicted)), ("forecast_races", .int(count)),
        ("union_points", .int(data.union.rows)), ("iterations", .int(report.iterations)),
        ("stop_reason", .string(report.stopReason)), ("elbo", .number(report.objective)),
        ("mse", .number(se / Double(max(1, count)))), ("wcic95", .number(100 * Double(inside) / Double(max(1, count)))),
        ("mixing_weights", .numbers(model.mixingWeights)),
        ("fit_seconds", .number(fitSeconds)), ("grid_seconds", .number(gridSeconds)),
        ("predict_seconds", .number(predictSeconds)), ("peak_rss_mib_self", .number(peakRSSMiB())),
    ])
}
