// # Notebook 1 — Exact GP regression on the Snelson 1-D data
//
// Run it with `swift run -c release ExactRegressionNotebook [output-directory]`.
// It prints what it finds and writes `exact_regression.svg` (data, posterior mean, ±2σ band)
// into the output directory (default `Notebooks/output`).
//
// The Snelson data set (Snelson & Ghahramani 2005; see datasets/snelson1d/PROVENANCE.md) has 200
// noisy observations of a smooth function on x ∈ [0, 6]; it is the classic picture of a GP
// interpolating between clusters of data and widening its error bars where data are missing.

import Foundation
import GPLinearAlgebra
import GPPlot
import SwiftGP

let arguments = CommandLine.arguments.dropFirst()
let outputDirectory = arguments.first ?? "Notebooks/output"
let root = ProcessInfo.processInfo.environment["SWIFTGP_ROOT"] ?? FileManager.default.currentDirectoryPath

// ## 1. Load the data
// The `.dat` files hold one value per line; `DataTable` validates every cell.
let xTable = try DataTable.read(whitespaceSeparated: root + "/datasets/snelson1d/snelson_train_inputs.dat")
let yTable = try DataTable.read(whitespaceSeparated: root + "/datasets/snelson1d/snelson_train_outputs.dat")
let x = xTable.values                       // 200 × 1
let y = yTable.values.column(0)             // 200 targets
print("data: n = \(x.rows), x in [\(x.storage.min()!), \(x.storage.max()!)]")

// ## 2. Build a model
// A squared-exponential kernel with a learnable lengthscale and variance, and Gaussian noise.
// Every hyperparameter is positive, stored through softplus; the noise variance has a floor of 1e-6.
var model = ExactGP(kernel: RBF(lengthscale: [1], variance: 1), likelihood: GaussianLikelihood(variance: 1))
print(String(format: "initial log marginal likelihood: %.6f", try model.logMarginalLikelihood(x, y)))

// ## 3. Fit the hyperparameters
// `fit` maximises log p(y | X, θ) with L-BFGS on the unconstrained parameters; gradients come from
// the tape (the fused Gaussian node's adjoint ½(ααᵀ − K⁻¹) flows into the kernel's VJP).
// Two restarts from perturbed starting points guard against a poor local optimum.
let report = try model.fit(x, y, options: FitOptions(seed: 0, restarts: 2))
print(String(format: "optimised log marginal likelihood: %.6f", report.objective))
print("iterations: \(report.iterations), stop: \(report.stopReason), jitter: \(report.maxJitter)")
for p in model.parameters {
    print(String(format: "  %@ = %.6f", p.name, p.scalar))
}

// ## 4. Predict
// The posterior holds the Cholesky factor of K + σ²I and α; prediction at 301 test inputs on
// [−3, 10] (beyond the data on both sides) is then cheap.
let xsTable = try DataTable.read(whitespaceSeparated: root + "/datasets/snelson1d/snelson_test_inputs.dat")
let xs = xsTable.values
let posterior = try model.posterior(x, y)
let latent = try posterior.predict(at: xs)
let observed = try posterior.predictObserved(at: xs)
let sd = latent.variance.map { $0.squareRoot() }
// Far from the data the posterior returns to the prior: mean 0, variance σ²_f.
print(String(format: "prediction at x = 10: mean %.4f, sd %.4f (prior sd %.4f)",
             latent.mean.last!, sd.last!, model.kernel.parameters[1].scalar.squareRoot()))
let inside = zip(xs.storage, sd).filter { $0.0 > 1 && $0.0 < 5 }.map(\.1)
print(String(format: "mean latent sd inside the data (1 < x < 5): %.4f", inside.reduce(0, +) / Double(inside.count)))

// ## 5. Plot
var figure = Figure(width: 760, height: 420, title: "Exact GP regression on the Snelson data")
figure.xLabel = "x"
figure.yLabel = "y"
figure.legend = .outsideRight     // beside the plot: never over the data
let xsv = xs.storage
figure.band(x: xsv, lower: zip(observed.mean, observed.variance).map { $0 - 2 * $1.squareRoot() },
            upper: zip(observed.mean, observed.variance).map { $0 + 2 * $1.squareRoot() },
            label: "±2σ (y): f + noise", color: .orange, opacity: 0.18)
figure.band(x: xsv, lower: zip(latent.mean, sd).map { $0 - 2 * $1 }, upper: zip(latent.mean, sd).map { $0 + 2 * $1 },
            label: "±2σ (f): latent", color: .blue, opacity: 0.3)
figure.line(x: xsv, y: latent.mean, label: "posterior mean", color: .blue)
figure.scatter(x: x.storage, y: y, label: "data", color: .black, radius: 2)
try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
let path = outputDirectory + "/exact_regression.svg"
try figure.write(to: path)
print("wrote \(path)")
