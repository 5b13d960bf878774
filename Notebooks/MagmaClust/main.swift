// # Notebook 5 — MagmaClust on French swimmers' 100 m freestyle times
//
// Run it with `swift run -c release MagmaClustNotebook [output-directory]`.
// It prints what it finds and writes `magmaclust_means.svg` (the cluster mean processes with some training
// swimmers) and `magmaclust_prediction.svg` (a new swimmer's forecast with its 95 % band) into the output
// directory (default `Notebooks/output`).
//
// Data: `datasets/magmaclust_swimmers/swimmers.csv` (from the MagmaClustR package, MIT; see its PROVENANCE.md):
// one row per race, `ID,Age,Performance,Gender`. Each swimmer is a task observed at irregular ages. We take the
// women (Gender 2), as the MagmaClust paper fits women and men separately.
//
// MagmaClust learns K mean processes shared by clusters of swimmers and each swimmer's memberships; a new
// swimmer seen at a few races is forecast from her own times *and* the cluster means (docs/methods/magmaclust.md).

import Foundation
import GPLinearAlgebra
import GPPlot
import SwiftGP

// MagmaClust factorises many small matrices (one per swimmer): one BLAS thread is fastest, and on a busy machine
// OpenBLAS's thread pool makes it 20 times slower.
BLASThreads.set(1)
let arguments = CommandLine.arguments.dropFirst()
let outputDirectory = arguments.first ?? "Notebooks/output"
let root = ProcessInfo.processInfo.environment["SWIFTGP_ROOT"] ?? FileManager.default.currentDirectoryPath
let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

// ## 1. Load the women's races, one task per swimmer
// Ages are rounded to 0.1 year: the union grid of all swimmers' ages then has at most 100 points, so the
// mean processes cost O(100³) per evaluation (docs/methods/magmaclust.md#cost).
let table = try DataTable.read(csv: root + "/datasets/magmaclust_swimmers/swimmers.csv")
let id = try table.column("ID"), age = try table.column("Age"), time = try table.column("Performance")
let gender = try table.column("Gender")
let races: [Double: [(Double, Double)]] = {
    var races: [Double: [(Double, Double)]] = [:]
    for r in 0..<table.rowCount where gender[r] == 2 { races[id[r], default: []].append(((age[r] * 10).rounded() / 10, time[r])) }
    return races
}()
// Swimmers with at least 8 races, in a seeded random order: 120 for training, 20 new swimmers for testing.
var swimmers = races.keys.filter { races[$0]!.count >= 8 }.sorted()
var generator = SeededGenerator(seed: 2)
swimmers.shuffle(using: &generator)
let trainIDs = Array(swimmers.prefix(120)), testIDs = Array(swimmers.dropFirst(120).prefix(20))
func task(_ s: Double) -> (x: Matrix, y: [Double]) {
    let r = races[s]!.sorted { $0.0 < $1.0 }
    return (Matrix(column: r.map(\.0)), r.map(\.1))
}
let data = try MultiTaskData(taskIDs: trainIDs.map { String(Int($0)) }, inputs: trainIDs.map { task($0).x },
                             targets: trainIDs.map { task($0).y })
let all = data.targets.flatMap { $0 }
let mean = all.reduce(0, +) / Double(all.count)
print("data: \(races.count) women; \(swimmers.count) with ≥ 8 races; \(data.taskCount) training swimmers, "
      + "\(all.count) races, \(data.union.rows) distinct ages; \(testIDs.count) test swimmers")

// ## 2. Fit MagmaClust with K = 3 clusters
// Squared-exponential kernels for the mean processes and the swimmers, both shared (hypothesis H00); the
// prior means are the average time. Variational EM on the shared engine; the ELBO never decreases.
var model = try MagmaClust(data: data, clusters: 3, meanKernel: RBF(lengthscale: [3], variance: 40),
                           taskKernel: RBF(lengthscale: [2], variance: 5), noise: 2, priorMean: mean, seed: 1)
let start = clock.now
let report = try model.fit()
let trainSeconds = seconds(clock.now - start)
print(String(format: "fit: ELBO %.2f after %d EM iterations (%@) in %.1f s", report.objective, report.iterations,
             report.stopReason, trainSeconds))
let increasing = zip(report.history, report.history.dropFirst()).allSatisfy { $1 >= $0 - 1e-9 * abs($0) }
print("ELBO never decreased: \(increasing)")
print("mixing weights: " + model.mixingWeights.map { String(format: "%.3f", $0) }.joined(separator: ", "))
for p in model.parameters { print(String(format: "  %@ = %.4f", p.name, p.scalar)) }

// ## 3. Forecast new swimmers
// Each test swimmer's first 70 % of races (by age) are observed; her later races are predicted by the mixture
// of the cluster predictives. Mean squared error and the share of true times inside the 95 % band (WCIC95).
let grid = Matrix(column: (100...200).map { Double($0) / 10 })
let hyper = try model.predictionGrid(grid)
var se = 0.0, inside = 0, count = 0
var example: (x: Matrix, y: [Double], observed: Int, p: MagmaPrediction)? = nil
for s in testIDs {
    let (x, y) = task(s)
    let n = max(1, Int(0.7 * Double(y.count)))
    let xo = x.selectingRows(Array(0..<n)), yo = Array(y[0..<n])
    let xp = x.selectingRows(Array(n..<y.count))
    let p = try model.predict(observed: xo, yo, at: xp, grid: hyper)
    for j in 0..<xp.rows {
        let r = y[n + j] - p.mean[j]
        se += r * r
        if y[n + j] >= p.lower[j] && y[n + j] <= p.upper[j] { inside += 1 }
        count += 1
    }
    if example == nil { example = (x, y, n, try model.predict(observed: xo, yo, at: grid, grid: hyper)) }
}
print(String(format: "test MSE: %.3f over %d forecast races", se / Double(count), count))
print(String(format: "test WCIC95: %.1f %%", 100 * Double(inside) / Double(count)))

// ## 4. Plots
try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
let ages = grid.storage
var means = Figure(width: 720, height: 440, title: "MagmaClust (K = 3): cluster mean processes, 120 women")
means.xLabel = "age (years)"
means.yLabel = "100 m freestyle time (s)"
for (k, q) in try hyper.marginals(at: grid).enumerated() {
    let m = q.mean, sd = q.variance.map { $0.squareRoot() }
    let color = Color.palette[k % Color.palette.count]
    means.band(x: ages, lower: zip(m, sd).map { $0 - 2 * $1 }, upper: zip(m, sd).map { $0 + 2 * $1 }, color: color)
    means.line(x: ages, y: m, label: String(format: "cluster %d (π = %.2f)", k + 1, model.mixingWeights[k]), color: color)
}
for i in 0..<12 {
    let k = model.labels[i]
    means.scatter(x: data.inputs[i].storage, y: data.targets[i], color: Color.palette[k % Color.palette.count].withAlpha(0.5), radius: 2)
}
try means.write(to: outputDirectory + "/magmaclust_means.svg")

if let e = example {
    var figure = Figure(width: 720, height: 440, title: "A new swimmer: forecast from her first races")
    figure.xLabel = "age (years)"
    figure.yLabel = "100 m freestyle time (s)"
    figure.band(x: ages, lower: e.p.lower, upper: e.p.upper, label: "95 % band (mixture)")
    figure.line(x: ages, y: e.p.mean, label: "mixture mean")
    figure.scatter(x: Array(e.x.storage[0..<e.observed]), y: Array(e.y[0..<e.observed]), label: "observed races")
    figure.scatter(x: Array(e.x.storage[e.observed...]), y: Array(e.y[e.observed...]), label: "later races (held out)", marker: .cross)
    try figure.write(to: outputDirectory + "/magmaclust_prediction.svg")
    print("example memberships: " + e.p.memberships.map { String(format: "%.3f", $0) }.joined(separator: ", "))
}
print("wrote magmaclust_means.svg and magmaclust_prediction.svg to \(outputDirectory)")
