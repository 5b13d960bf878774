// # Notebook 4 — Vecchia GPs on a 2-D spatial field (Heaton et al. 2019, small simulated data)
//
// Run it with `swift run -c release VecchiaNotebook [output-directory]`.
// It prints what it finds and writes `vecchia_truth.svg`, `vecchia_prediction.svg`, `vecchia_uncertainty.svg`
// and `vecchia_kl.svg` into the output directory (default `Notebooks/output`).
//
// The data are the small simulated set of the Heaton et al. (2019) spatial competition: temperatures on a
// 100 × 100 grid over [0, 1]², 7,100 training cells and a random 29 % (2,900 cells) held out. The files have no
// licence, so they are read in place from `<root>/../shared/datasets/heaton_simulated/` and never copied into
// the repository; without them the notebook says so and exits.
//
// A Vecchia GP orders the points coarse to fine (maximin) and conditions each on its m nearest previous points
// only: the likelihood costs O(n m³) instead of O(n³). See docs/methods/vecchia.md.

import Foundation
import GPLinearAlgebra
import GPPlot
import SwiftGP

let arguments = CommandLine.arguments.dropFirst()
let outputDirectory = arguments.first ?? "Notebooks/output"
let root = ProcessInfo.processInfo.environment["SWIFTGP_ROOT"] ?? FileManager.default.currentDirectoryPath
let dataDirectory = root + "/../shared/datasets/heaton_simulated"
let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

// ## 1. Load the data
let trainPath = dataDirectory + "/heaton_smalltest_train.csv", testPath = dataDirectory + "/heaton_smalltest_test.csv"
guard FileManager.default.fileExists(atPath: trainPath), FileManager.default.fileExists(atPath: testPath) else {
    print("data not found: \(trainPath) and \(testPath) (the Heaton data live outside the repository, in ../shared);")
    print("skipping the Vecchia notebook, no plots written")
    exit(0)
}
let train = try DataTable.read(csv: trainPath), test = try DataTable.read(csv: testPath)
// Matrices are column-major: the first two columns (lon, lat) are the inputs.
let x = Matrix(rows: train.rowCount, cols: 2, storage: Array(train.values.storage[0..<(2 * train.rowCount)]))
let xt = Matrix(rows: test.rowCount, cols: 2, storage: Array(test.values.storage[0..<(2 * test.rowCount)]))
let temp = train.values.column(2), tempTest = test.values.column(2)
print("data: \(x.rows) training cells, \(xt.rows) test cells")

// Standardise the target on the training set; the model has a zero mean.
let mean = temp.reduce(0, +) / Double(temp.count)
let sd = (temp.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(temp.count - 1)).squareRoot()
let y = temp.map { ($0 - mean) / sd }
let testMean = tempTest.reduce(0, +) / Double(tempTest.count)
let testSD = (tempTest.reduce(0) { $0 + ($1 - testMean) * ($1 - testMean) } / Double(tempTest.count - 1)).squareRoot()
print(String(format: "training temperature: mean %.4f, sd %.4f; test sd %.4f", mean, sd, testSD))

// ## 2. Fit a Vecchia GP
// Matérn-1/2 (exponential) kernel with one lengthscale, m = 20 nearest previous neighbours. `fit` maximises the
// Vecchia log-likelihood with L-BFGS (the shared engine: data-driven start, start screen).
var model = VecchiaGP(kernel: Matern12(lengthscale: [1]), likelihood: GaussianLikelihood(variance: 0.1), neighbours: 20)
let fitStart = clock.now
let report = try model.fit(x, y, options: FitOptions(seed: 0))
print(String(format: "fit: Vecchia log-likelihood %.4f after %d iterations (%@) in %.2f s", report.objective,
             report.iterations, report.stopReason, seconds(clock.now - fitStart)))
for p in model.parameters { print(String(format: "  %@ = %.6f", p.name, p.scalar)) }
let lengthscale = model.kernel.parameters[0].scalar
let signal = model.kernel.parameters[1].scalar, noise = model.likelihood.variance.scalar
print(String(format: "on the original scale: lengthscale %.4f, signal variance %.4f, noise variance %.4f",
             lengthscale, signal * sd * sd, noise * sd * sd))

// ## 3. Predict the test cells
// Each test cell is conditioned on its m nearest training cells. The test truth includes the nugget, so it is
// scored against y = f + noise (`predictObserved`), on the original scale.
let posterior = model.posterior(x, y)
let observed = try posterior.predictObserved(at: xt)
var se = 0.0, crps = 0.0
for i in 0..<xt.rows {
    let mu = mean + sd * observed.mean[i], s = sd * observed.variance[i].squareRoot()
    let r = tempTest[i] - mu, u = r / s
    se += r * r
    // CRPS of N(μ, s²) at t: s [u(2Φ(u) − 1) + 2φ(u) − 1/√π].
    crps += s * (u * (2 * Math.normalCDF(u) - 1) + 2 * Math.exp(Math.logNormalPDF(u)) - 1 / Double.pi.squareRoot())
}
let rmse = (se / Double(xt.rows)).squareRoot()
print(String(format: "test RMSE: %.4f", rmse))
print(String(format: "test mean CRPS: %.4f", crps / Double(xt.rows)))

// ## 4. Maps on the 100 × 100 grid
// The grid coordinates are k / 99; cell (i, j) is at (lon, lat) = (j / 99, i / 99).
let side = 100
let axis = (0..<side).map { Double($0) / Double(side - 1) }
func cell(_ v: Double) -> Int { min(side - 1, max(0, Int((v * Double(side - 1)).rounded()))) }
func field(_ points: Matrix, _ values: [Double]) -> [[Double]] {
    var z = [[Double]](repeating: [Double](repeating: .nan, count: side), count: side)
    for k in 0..<points.rows { z[cell(points[k, 1])][cell(points[k, 0])] = values[k] }
    return z
}
var gridPoints = Matrix(rows: side * side, cols: 2)
for i in 0..<side { for j in 0..<side { gridPoints[i * side + j, 0] = axis[j]; gridPoints[i * side + j, 1] = axis[i] } }
let latent = try posterior.predict(at: gridPoints)
let gridMean = latent.mean.map { mean + sd * $0 }
let gridSD = latent.variance.map { sd * $0.squareRoot() }
let range = min(temp.min()!, tempTest.min()!)...max(temp.max()!, tempTest.max()!)
try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
func mapFigure(_ title: String, width: Double = 560) -> Figure {
    var figure = Figure(width: width, height: 480, title: title)
    figure.xLabel = "longitude (scaled)"
    figure.yLabel = "latitude (scaled)"
    figure.padding = 0
    figure.showGrid = false
    return figure
}

// Truth: the training cells (what the model sees; the held-out cells are blank) and the test truth beside them.
var trainPanel = mapFigure("training cells (7,100; blank = held out)")
trainPanel.heatmap(x: axis, y: axis, z: field(x, temp), range: range, label: "temperature")
var testPanel = mapFigure("test truth (2,900 held-out cells)")
testPanel.heatmap(x: axis, y: axis, z: field(xt, tempTest), range: range, label: "temperature")
let truth = FigureGrid(columns: 2, panels: [trainPanel, testPanel], title: "Heaton et al. (2019) simulated temperatures")
try truth.write(to: outputDirectory + "/vecchia_truth.svg")

var prediction = mapFigure("Vecchia GP (m = 20): posterior mean of f over the grid", width: 620)
prediction.heatmap(x: axis, y: axis, z: (0..<side).map { i in Array(gridMean[(i * side)..<((i + 1) * side)]) },
                   range: range, label: "temperature")
try prediction.write(to: outputDirectory + "/vecchia_prediction.svg")

// The latent sd is small at the training cells and larger at the held-out ones.
var uncertainty = mapFigure("Vecchia GP (m = 20): posterior sd of f (large at held-out cells)", width: 620)
uncertainty.heatmap(x: axis, y: axis, z: (0..<side).map { i in Array(gridSD[(i * side)..<((i + 1) * side)]) },
                    colorMap: .blues, label: "sd of f")
try uncertainty.write(to: outputDirectory + "/vecchia_uncertainty.svg")
let isTrain = Set((0..<x.rows).map { cell(x[$0, 1]) * side + cell(x[$0, 0]) })
let sdTrain = isTrain.reduce(0.0) { $0 + gridSD[$1] } / Double(isTrain.count)
let sdHeld = (0..<(side * side)).filter { !isTrain.contains($0) }.reduce(0.0) { $0 + gridSD[$1] } / Double(side * side - isTrain.count)
print(String(format: "mean posterior sd of f: %.4f at training cells, %.4f at held-out cells", sdTrain, sdHeld))

// ## 5. How good is the Vecchia approximation? KL to the exact prior versus m
// With the KL-optimal factor, 2 KL[N(0, Θ) ‖ Vecchia] = Σ log dᵢ − log|Θ| for Θ = K + σ²I (docs/methods/vecchia.md).
// On a seeded subsample of 1,000 training cells, at the fitted hyperparameters; log|Θ| from a dense Cholesky.
var generator = SeededGenerator(seed: 14)
var rows = Array(0..<x.rows)
rows.shuffle(using: &generator)
rows = Array(rows.prefix(1_000)).sorted()
let xs = x.selectingRows(rows), ys = rows.map { y[$0] }
var theta = model.kernel.gram(xs)
for i in 0..<xs.rows { theta[i, i] += noise }
let logDet = try Cholesky(theta).logDeterminant
let counts = [1, 2, 3, 5, 8, 12, 20, 30]
var kls: [Double] = []
for m in counts {
    var sub = model
    sub.neighbours = m
    let factor = try sub.marginalLikelihood(xs, ys).responseFactor()
    let kl = 0.5 * (factor.covarianceLogDeterminant - logDet)
    kls.append(kl)
    print(String(format: "KL(exact ‖ Vecchia), n = 1000, m = %2d: %.6g", m, kl))
}
var klFigure = Figure(width: 640, height: 420, title: "KL(exact prior ‖ Vecchia) versus m, n = 1,000 cells")
klFigure.xLabel = "neighbours m"
klFigure.yLabel = "KL (nats)"
klFigure.yScale = .log10
klFigure.legend = .hidden     // one curve: the title says what it is
let ms = counts.map(Double.init)
klFigure.line(x: ms, y: kls, color: .blue)
klFigure.scatter(x: ms, y: kls, color: .blue, radius: 3)
try klFigure.write(to: outputDirectory + "/vecchia_kl.svg")
print("wrote \(outputDirectory)/vecchia_truth.svg, vecchia_prediction.svg, vecchia_uncertainty.svg and vecchia_kl.svg")
