// # Notebook 5 — a GP state-space model learns the kink transition
//
// Run it with `swift run -c release GPSSMNotebook [output-directory]`.
// It prints what it finds and writes `gpssm_transition.svg` and `gpssm_free_run.svg` into the output directory
// (default `Notebooks/output`).
//
// The kink system of the GPSSM literature: x_{t+1} = f(x_t) + ε_t with f(x) = 0.8 + (x + 0.2)(1 − 5/(1 + e^{−2x})),
// process noise sd 0.05, and y_t = x_t + η_t with observation noise sd 0.2. The series is generated from a seed
// (`KinkSystem`); the reference grid of f is the one in ../shared/datasets/kink. A GPSSM with one latent state
// learns f from y alone: free-form VI with the inducing values marginalised (collapsed FFVD), i.e. SGHMC over the
// trajectory and Adam over the hyperparameters in one `Trainer.fit`. See docs/methods/gpssm.md.

import Foundation
import GPLinearAlgebra
import GPPlot
import SwiftGP

/// The mean Gaussian NLL of `y` under one N(mean, variance).
enum GPSSMForecastReference {
    static func nll(_ y: [Double], mean: Double, variance: Double) -> Double {
        y.map { 0.5 * (Math.logTwoPi + Math.log(variance) + ($0 - mean) * ($0 - mean) / variance) }.reduce(0, +) / Double(y.count)
    }
}

let outputDirectory = CommandLine.arguments.dropFirst().first ?? "Notebooks/output"
let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

// ## 1. Simulate the kink series
// 400 steps for training and 40 more for the free-run check, from seed 7.
let steps = 400, horizon = 40
let (states, observations) = KinkSystem.simulate(steps: steps + horizon, processSD: 0.05, observationSD: 0.2, seed: 7)
let series = try GPSSMSeries(outputs: Matrix(column: Array(observations.prefix(steps + 1))))
let truth = Array(states.prefix(steps + 1))
print(String(format: "data: %d transitions; true states in [%.3f, %.3f]", steps, truth.min()!, truth.max()!))

// ## 2. The model and the fit
// One latent state, SE kernel, 15 inducing points; the emission y = x + η is known (C = 1, d = 0 fixed), so the
// latent axis is the kink's own. The process and observation variances and the kernel are learned.
var model = try GPSSM.standard(for: series, latentDimension: 1, inducingCount: 15, seed: 7)
model.emissionOffset = Parameter("offset", [0], .identity, trainable: false)
let options = GPSSMFitOptions(form: .collapsed, iterations: 3000,
                              sampler: SGHMC(stepSize: 0.1, friction: 0.05, burnIn: 1500, thinning: 50), seed: 7)
let start = clock.now
let (posterior, report) = try model.fitFreeForm(series, options: options)
print(String(format: "fit: %d iterations in %.2f s, %d posterior draws kept", report.iterations, seconds(clock.now - start),
             posterior.trajectories.count))
print(String(format: "learned process sd %.4f (true 0.05), observation sd %.4f (true 0.2)",
             posterior.model.processVariance.value[0].squareRoot(), posterior.model.emissionVariance.value[0].squareRoot()))

// ## 3. The learned transition against the truth
// On the reference grid −3.15…1.15: the posterior mean of m(x) + f(x) and ±2 sd (the uncertainty of f).
// Outside the range the states visit, nothing identifies f and the band widens; the RMSE is reported inside it.
let grid = KinkSystem.grid
let (fMean, fVariance) = try posterior.transition(at: Matrix(column: grid))
let lo = truth.min()!, hi = truth.max()!
var se = 0.0, count = 0
for (i, x) in grid.enumerated() where x >= lo && x <= hi {
    se += (fMean[i, 0] - KinkSystem.transition(x)) * (fMean[i, 0] - KinkSystem.transition(x))
    count += 1
}
print(String(format: "RMSE of f on the %d grid points inside the visited range: %.4f", count, (se / Double(count)).squareRoot()))
try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
var transition = Figure(width: 640, height: 420, title: "Kink transition: learned (collapsed FFVD) vs truth")
transition.xLabel = "x(t)"
transition.yLabel = "x(t+1)"
transition.band(x: grid, lower: grid.indices.map { fMean[$0, 0] - 2 * fVariance[$0, 0].squareRoot() },
                upper: grid.indices.map { fMean[$0, 0] + 2 * fVariance[$0, 0].squareRoot() }, label: "±2 sd of f")
transition.line(x: grid, y: grid.map(KinkSystem.transition), label: "true f", style: .dashed)
transition.line(x: grid, y: grid.indices.map { fMean[$0, 0] }, label: "posterior mean")
transition.scatter(x: Array(truth.dropLast()), y: Array(truth.dropFirst()), label: "true (x(t), x(t+1))", radius: 1.5)
try transition.write(to: outputDirectory + "/gpssm_transition.svg")

// ## 4. Free-run samples after the series
// Each posterior draw starts from its x_T and simulates 40 steps; the band is the moment-matched 95 % interval
// of y, the lines a few sampled paths.
let forecast = try posterior.freeRun(steps: horizon, pathsPerDraw: 5, seed: 7)
let future = Matrix(column: Array(observations.suffix(horizon)))
print(String(format: "free run over %d steps: RMSE %.4f, mean NLL %.4f", horizon, try forecast.rmse(future),
             try forecast.meanNegativeLogLikelihood(future)))
print(String(format: "free run over the first 10 steps: RMSE %.4f, mean NLL %.4f", try forecast.rmse(future, horizon: 10),
             try forecast.meanNegativeLogLikelihood(future, horizon: 10)))
// The reference: the training outputs' own Gaussian (mean and variance of y), which knows nothing of the dynamics.
let yTrain = Array(observations.prefix(steps + 1))
let yMean = yTrain.reduce(0, +) / Double(yTrain.count)
let yVariance = yTrain.reduce(0) { $0 + ($1 - yMean) * ($1 - yMean) } / Double(yTrain.count)
let climatology = GPSSMForecastReference.nll(Array(observations.suffix(horizon).prefix(10)), mean: yMean, variance: yVariance)
print(String(format: "the outputs' marginal Gaussian over the same 10 steps: mean NLL %.4f", climatology))
let t = (1...horizon).map { Double(steps + $0) }
var freeRun = Figure(width: 640, height: 420, title: "Free-run samples after the training series")
freeRun.xLabel = "time step"
freeRun.yLabel = "y"
freeRun.band(x: t, lower: (0..<horizon).map { forecast.mean[$0, 0] - 1.96 * forecast.variance[$0, 0].squareRoot() },
             upper: (0..<horizon).map { forecast.mean[$0, 0] + 1.96 * forecast.variance[$0, 0].squareRoot() }, label: "95 % interval")
for path in forecast.components.prefix(5) { freeRun.line(x: t, y: path.column(0), width: 0.8) }
freeRun.scatter(x: t, y: Array(observations.suffix(horizon)), label: "observed y", radius: 2)
try freeRun.write(to: outputDirectory + "/gpssm_free_run.svg")
print("wrote gpssm_transition.svg and gpssm_free_run.svg")
