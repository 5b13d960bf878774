import Foundation
import GPLinearAlgebra
import SwiftGP

// `spatial-vecchia`: the SwiftGP side of the `spatial` suite (issue 14): a Vecchia GP on the Heaton et al. (2019)
// simulated temperatures, scored as the competition scores.

/// `swiftgp-bench spatial-vecchia --train F.csv --test G.csv [--neighbors 30] [--fit-neighbors M]
///  [--fit-subsample S] [--iterations N] [--seed S]`
///
/// Inputs as given (flat coordinates), targets standardised on the training set. A Matérn-1/2 (exponential)
/// kernel with one lengthscale, data-driven start, L-BFGS on the Vecchia log-likelihood with `--fit-neighbors` m
/// (default `--neighbors`), on all training points or a seeded subsample of S (hyperparameters only), then
/// prediction of every test cell from its `--neighbors` nearest training points (all training points). Scores on
/// the original scale: MAE, RMSE, CRPS (Gaussian closed form), the 95 % interval score and coverage, and the
/// wall time of fit and prediction.
func spatialVecchia(_ args: Arguments) throws {
    let train = try Dataset(csv: try args.require("train"))
    let test = try Dataset(csv: try args.require("test"))
    let neighbours = try args.int("neighbors", default: 30)
    let fitNeighbours = try args.int("fit-neighbors", default: neighbours)
    let subsample = try args.int("fit-subsample", default: 0)
    let iterations = try args.int("iterations", default: 200)
    let seed = try args.int("seed", default: 0)
    guard train.d == test.d else { throw BenchError("train has \(train.d) inputs, test has \(test.d)") }
    BLASThreads.set(1)
    let mean = train.y.reduce(0, +) / Double(train.n)
    let sd = (train.y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(train.n - 1)).squareRoot()
    let y = train.y.map { ($0 - mean) / sd }
    var fitRows = Array(0..<train.n)
    if subsample > 0 && subsample < train.n {
        var g = SeededGenerator(seed: UInt64(seed))
        fitRows.shuffle(using: &g)
        fitRows = Array(fitRows.prefix(subsample)).sorted()
    }
    let xFit = train.x.selectingRows(fitRows), yFit = fitRows.map { y[$0] }
    var model = VecchiaGP(kernel: Matern12(lengthscale: [1]), likelihood: GaussianLikelihood(variance: 0.1),
                          neighbours: fitNeighbours)
    let options = FitOptions(maxIterations: iterations, seed: UInt64(seed))
    let (report, fitSeconds) = try timed { try model.fit(xFit, yFit, options: options) }
    model.neighbours = neighbours
    let (prediction, predictSeconds) = try timed { try model.posterior(train.x, y).predictObserved(at: test.x) }
    var mae = 0.0, se = 0.0, crps = 0.0, interval = 0.0, covered = 0
    let z = 1.959963984540054, alpha = 0.05
    for i in 0..<test.n {
        let mu = mean + sd * prediction.mean[i], s = sd * prediction.variance[i].squareRoot()
        let t = test.y[i], r = t - mu
        mae += abs(r)
        se += r * r
        let u = r / s
        // CRPS of N(μ, s²) at t: s [u(2Φ(u) − 1) + 2φ(u) − 1/√π].
        crps += s * (u * (2 * Math.normalCDF(u) - 1) + 2 * Math.exp(Math.logNormalPDF(u)) - 1 / Double.pi.squareRoot())
        let lo = mu - z * s, hi = mu + z * s
        interval += (hi - lo) + (2 / alpha) * max(0, lo - t) + (2 / alpha) * max(0, t - hi)
        if t >= lo && t <= hi { covered += 1 }
    }
    let m = Double(test.n)
    let params = model.parameters
    func value(_ name: String) -> Double { params.first { $0.name == name }?.value.first ?? .nan }
    emit(header() + [
        ("benchmark", .string("spatial-vecchia")),
        ("n", .int(train.n)), ("n_test", .int(test.n)), ("n_fit", .int(fitRows.count)),
        ("neighbors", .int(neighbours)), ("fit_neighbors", .int(fitNeighbours)),
        ("kernel", .string("matern12 (exponential), one lengthscale")),
        ("iterations", .int(report.iterations)), ("evaluations", .int(report.evaluations)),
        ("stop_reason", .string(report.stopReason)),
        ("fit_seconds", .number(fitSeconds)), ("predict_seconds", .number(predictSeconds)),
        ("total_seconds", .number(fitSeconds + predictSeconds)),
        ("mae", .number(mae / m)), ("rmse", .number((se / m).squareRoot())), ("crps", .number(crps / m)),
        ("interval_score", .number(interval / m)), ("coverage", .number(Double(covered) / m)),
        ("lengthscale", .number(value("kernel.lengthscale"))),
        ("signal_variance", .number(value("kernel.variance") * sd * sd)),
        ("noise_variance", .number(value("likelihood.variance") * sd * sd)),
        ("peak_rss_mib_self", .number(peakRSSMiB())),
    ])
}
