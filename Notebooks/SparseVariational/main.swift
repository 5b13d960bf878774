// # Notebook 2 — Sparse variational GPs: regression and classification with inducing points
//
// Run it with `swift run -c release SparseVariationalNotebook [output-directory]`.
// It prints what it finds and writes `svgp_regression.svg` and `svgp_banana.svg` into the output
// directory (default `Notebooks/output`).
//
// An exact GP costs O(n³). A sparse variational GP summarises the function by M inducing values
// u = f(Z) with q(u) = N(m, S) and maximises the evidence lower bound (ELBO)
//   L = Σₙ E_q[log p(yₙ | fₙ)] − KL[q(u) ‖ p(u)]   ≤   log p(y),
// which costs O(n M²) — or O(|B| M²) per minibatch. Z is learned with the hyperparameters.

import Foundation
import GPLinearAlgebra
import GPPlot
import SwiftGP

let outputDirectory = CommandLine.arguments.dropFirst().first ?? "Notebooks/output"
let root = ProcessInfo.processInfo.environment["SWIFTGP_ROOT"] ?? FileManager.default.currentDirectoryPath
try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
func load(_ path: String) throws -> Matrix { try DataTable.read(whitespaceSeparated: root + "/datasets/" + path).values }

// ## Part 1: regression on the Snelson data with M = 15 inducing points
let x = try load("snelson1d/snelson_train_inputs.dat")
let y = try load("snelson1d/snelson_train_outputs.dat").column(0)
let xs = try load("snelson1d/snelson_test_inputs.dat")
let z0 = InducingPoints.kMeans(of: x, count: 15, seed: 0)

// The collapsed bound (SGPR, Titsias 2009) integrates q(u) out: a deterministic objective for L-BFGS.
var sgpr = SGPR(kernel: RBF(lengthscale: [1], variance: 1), likelihood: GaussianLikelihood(variance: 0.5), inducing: z0)
try sgpr.fit(x, y)
let sgprBound = try sgpr.bound(x, y).value()

// SVGP with natural gradients on q(u) (γ = 1 is exact for a Gaussian likelihood on the full batch)
// alternating with Adam on the kernel, the noise and Z.
var svgp = try SVGP(kernel: RBF(lengthscale: [1], variance: 1), likelihood: GaussianLikelihood(variance: 0.5), inducing: z0)
let report = try svgp.fit(x, y, options: FitOptions(optimizer: .adam(learningRate: 0.03), maxIterations: 400, relativeTolerance: 0, seed: 0),
                          naturalGradients: NaturalGradientSchedule(stepSize: 1))

// The exact GP with SGPR's hyperparameters, for comparison: the bounds sit below its log marginal likelihood.
let exact = ExactGP(kernel: sgpr.kernel, likelihood: sgpr.likelihood)
let exactLML = try exact.logMarginalLikelihood(x, y)
let upper = try sgpr.upperBound(x, y)
print(String(format: "SGPR bound: %.4f   exact LML at SGPR's hyperparameters: %.4f   upper bound: %.4f", sgprBound, exactLML, upper))
print(String(format: "SVGP ELBO: %.4f  (%d iterations)", report.objective, report.iterations))
var fittedExact = ExactGP(kernel: RBF(lengthscale: [1], variance: 1), likelihood: GaussianLikelihood(variance: 0.5))
let exactReport = try fittedExact.fit(x, y)
print(String(format: "optimised exact LML: %.4f", exactReport.objective))

let posterior = try svgp.posterior()
let latent = try posterior.predict(at: xs)
let sd = latent.variance.map { $0.squareRoot() }
var figure = Figure(width: 760, height: 420, title: "SVGP on the Snelson data (M = 15)")
figure.xLabel = "x"
figure.yLabel = "y"
figure.legend = .outsideRight     // beside the plot: never over the data
let observed = try posterior.predictObserved(at: xs)
figure.band(x: xs.storage, lower: zip(observed.mean, observed.variance).map { $0 - 2 * $1.squareRoot() },
            upper: zip(observed.mean, observed.variance).map { $0 + 2 * $1.squareRoot() },
            label: "±2σ (y): f + noise", color: .orange, opacity: 0.18)
figure.band(x: xs.storage, lower: zip(latent.mean, sd).map { $0 - 2 * $1 }, upper: zip(latent.mean, sd).map { $0 + 2 * $1 },
            label: "±2σ (f): latent", color: .blue, opacity: 0.3)
figure.line(x: xs.storage, y: latent.mean, label: "SVGP mean", color: .blue)
figure.line(x: xs.storage, y: try exact.posterior(x, y).predict(at: xs).mean, label: "exact GP mean", color: .gray, style: .dashed)
figure.scatter(x: x.storage, y: y, label: "data", color: .black, radius: 1.5)
let yMin = (y.min() ?? 0) - 0.5
figure.scatter(x: z0.storage, y: [Double](repeating: yMin, count: 15), label: "Z initial", color: .gray, radius: 3, marker: .cross)
figure.scatter(x: svgp.z.storage, y: [Double](repeating: yMin - 0.15, count: 15), label: "Z learned", color: .red, radius: 3, marker: .diamond)
try figure.write(to: outputDirectory + "/svgp_regression.svg")

// ## Part 2: classification on the banana data (Bernoulli, probit link)
let xb = try load("banana/banana_train_x.txt")
let yb = try load("banana/banana_train_y.txt").column(0).map { $0 > 0 ? 1.0 : 0.0 }
let xt = try load("banana/banana_test_x.txt")
let yt = try load("banana/banana_test_y.txt").column(0).map { $0 > 0 ? 1.0 : 0.0 }
var classifier = try SVGP(kernel: RBF(lengthscale: [1, 1]), likelihood: Bernoulli(), inducing: InducingPoints.kMeans(of: xb, count: 20, seed: 1))
let classReport = try classifier.fit(xb, yb, options: FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: 600, relativeTolerance: 0, seed: 1))
let classPosterior = try classifier.posterior()
let p = try classPosterior.predictObserved(at: xt).mean
let errors = zip(p, yt).filter { ($0 > 0.5 ? 1.0 : 0.0) != $1 }.count
let nlpd = try -classPosterior.logPredictiveDensity(yt, at: xt).reduce(0, +) / Double(yt.count)
print(String(format: "banana: ELBO %.4f, test error %.4f, test NLPD %.4f (n_test = %d)",
             classReport.objective, Double(errors) / Double(yt.count), nlpd, yt.count))

// Decision contours on a grid.
let grid = (0..<60).map { -3.0 + 6.0 * Double($0) / 59 }
var gridPoints = Matrix(rows: 3600, cols: 2)
for i in 0..<60 { for j in 0..<60 { gridPoints[i * 60 + j, 0] = grid[j]; gridPoints[i * 60 + j, 1] = grid[i] } }
let pg = try classPosterior.predictObserved(at: gridPoints).mean
let zGrid = (0..<60).map { i in (0..<60).map { j in pg[i * 60 + j] } }
var banana = Figure(width: 760, height: 560, title: "SVGP classification (banana, M = 20)")
banana.xLabel = "x₁"
banana.yLabel = "x₂"
banana.legend = .outsideRight
banana.heatmap(x: grid, y: grid, z: zGrid, colorMap: .blueRed, range: 0...1, label: "p(y = 1)", opacity: 0.6)
banana.contour(x: grid, y: grid, z: zGrid, levels: [0.5], color: .black, label: "p = 0.5", width: 2)
let pos = (0..<xb.rows).filter { yb[$0] == 1 }, neg = (0..<xb.rows).filter { yb[$0] == 0 }
banana.scatter(x: pos.map { xb[$0, 0] }, y: pos.map { xb[$0, 1] }, label: "y = 1", color: .red, radius: 2)
banana.scatter(x: neg.map { xb[$0, 0] }, y: neg.map { xb[$0, 1] }, label: "y = 0", color: .blue, radius: 2)
let zc = classifier.z
banana.scatter(x: (0..<zc.rows).map { zc[$0, 0] }, y: (0..<zc.rows).map { zc[$0, 1] }, label: "inducing Z", color: .black, radius: 4, marker: .diamond)
banana.xRange = -3...3
banana.yRange = -3...3
try banana.write(to: outputDirectory + "/svgp_banana.svg")
print("wrote \(outputDirectory)/svgp_regression.svg and \(outputDirectory)/svgp_banana.svg")
