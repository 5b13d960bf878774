import Foundation
import GPLinearAlgebra
import SwiftGP

// `statespace-lml` and `statespace-spikes`: the SwiftGP side of the `statespace` suite (issue 5).
//
// Model, identical on every side of the suite: zero mean, Matérn-5/2 on time with lengthscale 1 and
// signal variance 1, Gaussian noise variance 0.1, irregular times.
//
// Dispatch (Benchmarks/Swift/main.swift):
//     case "statespace-lml": try stateSpaceLML(args)
//     case "statespace-spikes": try stateSpaceSpikes(args)

/// Irregular times t_k = t_{k−1} + 0.01·(0.5 + U_k) and y = sin t + 0.3 ε, seeded (the Python peers read
/// the same series from `--data` when the harness writes it to CSV).
func stateSpaceSeries(count n: Int, seed: UInt64) -> (times: [Double], y: [Double]) {
    var g = SeededGenerator(seed: seed)
    var t = [Double](repeating: 0, count: n)
    for i in 1..<max(1, n) { t[i] = t[i - 1] + 0.01 * (0.5 + g.uniform()) }
    return (t, t.map { Math.sin($0) + 0.3 * g.normal() })
}

/// `swiftgp-bench statespace-lml (--n T | --data F.csv) [--repeats R] [--warmup W] [--exact-limit N]`
///
/// Times the Kalman log marginal likelihood and its gradient with respect to every hyperparameter
/// (`StateSpaceMarginalLikelihood.evaluate(batch: nil)`: forward filter + reverse sweep), the forward
/// filter alone (`value()`), and — when T ≤ `--exact-limit` (default 20000) — the dense `ExactGP`
/// objective on the same data, which must agree to ~1e-8 relative. `--data` reads a CSV with one input
/// column (time) and `y`.
func stateSpaceLML(_ args: Arguments) throws {
    let times: [Double], y: [Double]
    if let path = args.string("data") {
        let data = try Dataset(csv: path)
        guard data.d == 1 else { throw BenchError("\(path): a time series needs exactly one input column, got \(data.d)") }
        (times, y) = (data.x.storage, data.y)
    } else {
        let n = try args.int("n", default: 100_000)
        guard n >= 2 else { throw BenchError("--n must be at least 2") }
        (times, y) = stateSpaceSeries(count: n, seed: UInt64(try args.int("seed", default: 0)))
    }
    let repeats = try args.int("repeats", default: 3)
    let warmup = try args.int("warmup", default: 1)
    let exactLimit = try args.int("exact-limit", default: 20_000)
    guard repeats >= 1 else { throw BenchError("--repeats must be >= 1") }
    let model = StateSpaceGP(kernel: Matern52(lengthscale: [1], variance: 1), likelihood: GaussianLikelihood(variance: 0.1))
    let objective = model.marginalLikelihood(times, y)
    var total: [Double] = [], forward: [Double] = []
    var lml = 0.0
    var gradient: [Double] = []
    for r in 0..<(warmup + repeats) {
        let (e, t) = try timed { try objective.evaluate(batch: nil) }
        let (_, tf) = try timed { try objective.value() }
        lml = e.value
        gradient = e.gradient.flatMap { $0 }
        if r >= warmup {
            total.append(t)
            forward.append(tf)
        }
    }
    var fields: [(String, JSON)] = header() + [
        ("benchmark", .string("statespace-lml")),
        ("n", .int(times.count)), ("state_dimension", .int(3)),
        ("lml", .number(lml)), ("gradient", .numbers(gradient)),
        ("seconds", .number(median(total))), ("seconds_all", .numbers(total)),
        ("forward_seconds", .number(median(forward))),
        ("ns_per_step", .number(1e9 * median(total) / Double(times.count))),
    ]
    if times.count <= exactLimit {
        let exact = ExactGP(kernel: model.kernel, likelihood: model.likelihood)
        let dense = exact.marginalLikelihood(Matrix(column: times), y)
        var exactTimes: [Double] = []
        var exactLML = 0.0
        for r in 0..<(warmup + repeats) {
            let (e, t) = try timed { try dense.evaluate(batch: nil) }
            exactLML = e.value
            if r >= warmup { exactTimes.append(t) }
        }
        fields += [("exact_seconds", .number(median(exactTimes))), ("exact_seconds_all", .numbers(exactTimes)),
                   ("exact_lml", .number(exactLML)),
                   ("relative_difference", .number(abs(exactLML - lml) / abs(exactLML)))]
    }
    fields.append(("peak_rss_mib", .number(peakRSSMiB())))
    emit(fields)
}

/// `swiftgp-bench statespace-spikes [--trials 10] [--bins 500] [--neurons 50] [--repeats R]`
///
/// The cvhmax benchmark: Van der Pol latents (μ = 1, dt = 0.02, SDE noise 0.05), Poisson neurons with
/// unit-norm loadings and log-rate C x + log 5, two Hida–Matérn order-1 latents (ℓ = 1, ω = 0), C and d
/// learned by `LatentFactorModel.fit` with default options. Reports the fit time and the pooled R² after
/// an affine alignment (cvhmax reaches 0.972).
func stateSpaceSpikes(_ args: Arguments) throws {
    let trialCount = try args.int("trials", default: 10), bins = try args.int("bins", default: 500)
    let neurons = try args.int("neurons", default: 50), repeats = try args.int("repeats", default: 1)
    var g = SeededGenerator(seed: UInt64(try args.int("seed", default: 2024)))
    let dt = 0.02
    var raw: [[(Double, Double)]] = []
    for _ in 0..<trialCount {
        var x = 2 + 0.1 * g.normal(), v = 0.1 * g.normal()
        var path: [(Double, Double)] = []
        for _ in 0..<bins {
            path.append((x, v))
            let dx = v, dv = (1 - x * x) * v - x
            x += dx * dt + 0.05 * dt.squareRoot() * g.normal()
            v += dv * dt + 0.05 * dt.squareRoot() * g.normal()
        }
        raw.append(path)
    }
    let flat = raw.flatMap { $0 }, count = Double(flat.count)
    let m0 = flat.reduce(0) { $0 + $1.0 } / count, m1 = flat.reduce(0) { $0 + $1.1 } / count
    let s0 = (flat.reduce(0) { $0 + ($1.0 - m0) * ($1.0 - m0) } / count).squareRoot()
    let s1 = (flat.reduce(0) { $0 + ($1.1 - m1) * ($1.1 - m1) } / count).squareRoot()
    var c = Matrix(rows: neurons, cols: 2, storage: g.normals(2 * neurons))
    for a in 0..<2 {
        let norm = (0..<neurons).reduce(0.0) { $0 + c[$1, a] * c[$1, a] }.squareRoot()
        for o in 0..<neurons { c[o, a] /= norm }
    }
    var truth: [Matrix] = [], trials: [LatentTrial] = []
    for path in raw {
        var z = Matrix(rows: bins, cols: 2), y = Matrix(rows: bins, cols: neurons)
        for k in 0..<bins {
            z[k, 0] = (path[k].0 - m0) / s0
            z[k, 1] = (path[k].1 - m1) / s1
            for o in 0..<neurons {
                let rate = Math.exp(c[o, 0] * z[k, 0] + c[o, 1] * z[k, 1] + Math.log(5))
                var n = 0.0, p = g.uniform()
                while p > Math.exp(-rate) {
                    n += 1
                    p *= g.uniform()
                }
                y[k, o] = n
            }
        }
        truth.append(z)
        trials.append(LatentTrial(observations: y, binWidth: dt))
    }
    var seconds: [Double] = []
    var fit: LatentFactorFit? = nil
    for _ in 0..<max(1, repeats) {
        var model = LatentFactorModel(latents: [HidaMatern(order: 1), HidaMatern(order: 1)], outputs: neurons)
        let (f, t) = try timed { try model.fit(trials) }
        fit = f
        seconds.append(t)
    }
    // Pooled R² of the truth regressed on [m, 1].
    var gram = Matrix(rows: 3, cols: 3), rhs = Matrix(rows: 3, cols: 2)
    for (p, z) in zip(fit!.posteriors, truth) {
        for k in 0..<bins {
            let a = [p.means[k, 0], p.means[k, 1], 1]
            for i in 0..<3 {
                for j in 0..<3 { gram[i, j] += a[i] * a[j] }
                for j in 0..<2 { rhs[i, j] += a[i] * z[k, j] }
            }
        }
    }
    let w = try Cholesky(gram).solve(rhs)
    var res = 0.0, tot = 0.0
    for (p, z) in zip(fit!.posteriors, truth) {
        for k in 0..<bins {
            for j in 0..<2 {
                let e = p.means[k, 0] * w[0, j] + p.means[k, 1] * w[1, j] + w[2, j] - z[k, j]
                res += e * e
                tot += z[k, j] * z[k, j]
            }
        }
    }
    emit(header() + [
        ("benchmark", .string("statespace-spikes")),
        ("trials", .int(trialCount)), ("bins", .int(bins)), ("neurons", .int(neurons)),
        ("r2", .number(1 - res / tot)), ("em_iterations", .int(fit!.iterations)),
        ("seconds", .number(median(seconds))), ("seconds_all", .numbers(seconds)),
        ("peak_rss_mib", .number(peakRSSMiB())),
    ])
}
