import Foundation
import GPLinearAlgebra
import SwiftGP

// `gpssm-kink` and `gpssm-sysid`: the SwiftGP side of the `gpssm` suite (issue 16).
//
// Dispatch (Benchmarks/Swift/main.swift):
//     case "gpssm-kink": try gpssmKink(args)
//     case "gpssm-sysid": try gpssmSysid(args)

/// Fits a GPSSM by `method` (free-form, collapsed, particle-gibbs, gaussian-vi) with `iterations` and the bench's
/// sampler (particle Gibbs: `particles` per conditional-SMC sweep).
func gpssmFit(_ model: GPSSM, _ series: GPSSMSeries, method: String, iterations: Int, stepSize: Double?,
              particles: Int = 30, seed: UInt64) throws -> (GPSSMPosterior, FitReport) {
    switch method {
    case "particle-gibbs":
        let pg = ParticleGibbs(particles: particles, burnIn: iterations / 2, thinning: max(1, iterations / 40))
        return try model.fitFreeForm(series, options: GPSSMFitOptions(form: .collapsed, iterations: iterations, seed: seed, particleGibbs: pg))
    case "free-form", "collapsed":
        let form: GPSSMEnergy.Form = method == "free-form" ? .freeForm : .collapsed
        let sampler = SGHMC(stepSize: stepSize ?? (form == .freeForm ? 0.05 : 0.1), friction: 0.05, burnIn: iterations / 2,
                            thinning: max(1, iterations / 40))
        return try model.fitFreeForm(series, options: GPSSMFitOptions(form: form, iterations: iterations, sampler: sampler, seed: seed))
    case "gaussian-vi":
        return try model.fitGaussianVI(series, options: GaussianVIOptions(iterations: iterations, window: min(50, series.outputs.rows),
                                                                        trajectories: 10, learningRate: 0.01, draws: 20, seed: seed))
    default: throw BenchError("--method must be free-form, collapsed, particle-gibbs or gaussian-vi, not '\(method)'")
    }
}

/// `swiftgp-bench gpssm-kink --variance R [--steps 600] [--seed S] [--method M] [--iterations N] [--inducing 15]`
///
/// The kink series (process sd 0.05, observation variance R, T steps, seeded), C = 1 and d = 0 known, one latent
/// state, SE kernel. Reports the RMSE of the learned f on the reference grid points inside the range of the true
/// states (and on the whole grid), and the test MNLL: free simulation over the 30 steps after the series from
/// every draw (10 paths each), moment-matched Gaussian per step.
func gpssmKink(_ args: Arguments) throws {
    let r = try args.double("variance", default: 0.08)
    let steps = try args.int("steps", default: 600)
    let seed = UInt64(try args.int("seed", default: 0))
    let method = args.string("method") ?? "free-form"
    let iterations = try args.int("iterations", default: 3000)
    let m = try args.int("inducing", default: 15)
    let particles = try args.int("particles", default: 30)
    let stepSize = try args.string("step-size").map { s -> Double in
        guard let v = Double(s) else { throw BenchError("--step-size must be a number") }
        return v
    }
    let horizon = 30
    let (states, y) = KinkSystem.simulate(steps: steps + horizon, processSD: 0.05, observationSD: r.squareRoot(), seed: seed)
    let series = try GPSSMSeries(outputs: Matrix(column: Array(y.prefix(steps + 1))))
    var model = try GPSSM.standard(for: series, latentDimension: 1, inducingCount: m, seed: seed)
    model.emissionOffset = Parameter("offset", [0], .identity, trainable: false)
    let ((posterior, report), seconds) = try timed { try gpssmFit(model, series, method: method, iterations: iterations, stepSize: stepSize,
                                                               particles: particles, seed: seed) }
    let truth = Array(states.prefix(steps + 1))
    func rmse(_ grid: [Double]) throws -> Double {
        let f = try posterior.transition(at: Matrix(column: grid)).mean
        return (grid.indices.map { i in pow(f[i, 0] - KinkSystem.transition(grid[i]), 2) }.reduce(0, +) / Double(grid.count)).squareRoot()
    }
    let inRange = KinkSystem.grid.filter { $0 >= truth.min()! && $0 <= truth.max()! }
    let forecast = try posterior.freeRun(steps: horizon, pathsPerDraw: 10, seed: seed)
    let test = Matrix(column: Array(y.suffix(horizon)))
    emit(header() + [
        ("benchmark", .string("gpssm-kink")), ("method", .string(method)), ("variance", .number(r)), ("seed", .int(Int(seed))),
        ("steps", .int(steps)), ("iterations", .int(iterations)), ("draws", .int(posterior.trajectories.count)),
        ("rmse_f", .number(try rmse(inRange))), ("rmse_f_grid", .number(try rmse(KinkSystem.grid))),
        ("test_mnll", .number(try forecast.meanNegativeLogLikelihood(test))), ("test_rmse", .number(try forecast.rmse(test))),
        ("process_variance", .number(posterior.model.processVariance.value[0])),
        ("emission_variance", .number(posterior.model.emissionVariance.value[0])),
        ("fit_seconds", .number(seconds)), ("seconds_per_1000", .number(1000 * report.seconds / Double(max(1, report.iterations)))),
    ])
}

/// `swiftgp-bench gpssm-sysid --data F.csv [--method M] [--iterations N] [--seed S] [--latent 4] [--inducing 100]`
///
/// The PR-SSM / FFVD protocol on a `u,y` series: first half for training, second for testing; y standardised
/// with the training half's statistics, u with the whole series'; 4 latent states, 100 inducing points, SE
/// kernel, identity mean. Free simulation from the end of training with 10 posterior draws (one path each);
/// RMSE in original units and moment-matched NLL (standardised units) over the first 30 test steps.
func gpssmSysid(_ args: Arguments) throws {
    let path = try args.require("data")
    let table = try DataTable.read(csv: path)
    let u = try table.column("u"), y = try table.column("y")
    let method = args.string("method") ?? "free-form"
    let iterations = try args.int("iterations", default: 2000)
    let seed = UInt64(try args.int("seed", default: 0))
    let dx = try args.int("latent", default: 4), m = try args.int("inducing", default: 100)
    let particles = try args.int("particles", default: 30)
    let horizon = 30
    let n = u.count, train = n / 2
    func stats(_ v: ArraySlice<Double>) -> (Double, Double) {
        let mean = v.reduce(0, +) / Double(v.count)
        return (mean, (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)).squareRoot())
    }
    let (um, us) = stats(u[...]), (ym, ys) = stats(y[0..<train])
    let un = u.map { ($0 - um) / us }, yn = y.map { ($0 - ym) / ys }
    let series = try GPSSMSeries(outputs: Matrix(column: Array(yn[0..<train])), controls: Matrix(column: Array(un[0..<train])))
    let model = try GPSSM.standard(for: series, latentDimension: dx, inducingCount: min(m, series.steps), seed: seed)
    let ((posterior, report), seconds) = try timed { try gpssmFit(model, series, method: method, iterations: iterations, stepSize: nil,
                                                               particles: particles, seed: seed) }
    var draws = posterior
    let keep = Array(draws.trajectories.indices.suffix(10))
    draws.trajectories = keep.map { posterior.trajectories[$0] }
    draws.whitened = keep.map { posterior.whitened[$0] }
    let forecast = try draws.freeRun(steps: horizon, futureControls: Matrix(column: Array(un[train..<(train + horizon)])),
                                     pathsPerDraw: 1, seed: seed)
    let test = Matrix(column: Array(yn[train..<(train + horizon)]))
    emit(header() + [
        ("benchmark", .string("gpssm-sysid")), ("data", .string(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent)),
        ("method", .string(method)), ("seed", .int(Int(seed))), ("steps", .int(series.steps)), ("iterations", .int(iterations)),
        ("rmse", .number(try forecast.rmse(test, scale: [ys]))), ("nll", .number(try forecast.meanNegativeLogLikelihood(test))),
        ("fit_seconds", .number(seconds)), ("seconds_per_1000", .number(1000 * report.seconds / Double(max(1, report.iterations)))),
    ])
}
