import Foundation
import CLAPACK
import GPLinearAlgebra
import SwiftGP

// `exact-lml` and `exact-fit`: the SwiftGP side of the `exact` suite (issue 2 §8, issue 6).
//
// Model, identical on every side of the suite: zero mean, ARD Matérn-5/2 with lengthscales 1 and signal
// variance 1, Gaussian noise variance 0.1 (floor 1e-6), on data that is already z-scored.

/// The benchmark's model at its fixed initial hyperparameters.
func initialModel(dimension d: Int) -> ExactGP {
    ExactGP(kernel: Matern52(lengthscale: [Double](repeating: 1, count: d), variance: 1),
            likelihood: GaussianLikelihood(variance: 0.1))
}

/// `swiftgp-bench exact-lml --data F.csv [--repeats R] [--warmup W]`
///
/// Times the log marginal likelihood and its gradient with respect to every hyperparameter
/// (`ExactMarginalLikelihood.evaluate(batch: nil)`: Gram matrix, Cholesky, α, the fused adjoint
/// ½(ααᵀ − K⁻¹) and the kernel's gradient contraction), and the LAPACK floor at the same n: dpotrf
/// then dpotri called directly on a preallocated copy of the same K + σ²I (the copy is not timed): the
/// O(n³) work any exact LML gradient needs, with nothing else. Timed runs alternate objective / floor /
/// stage breakdown, R of each after W untimed warm-ups.
func exactLML(_ args: Arguments) throws {
    let data = try Dataset(csv: try args.require("data"))
    let repeats = try args.int("repeats", default: 3)
    let warmup = try args.int("warmup", default: 1)
    guard repeats >= 1 else { throw BenchError("--repeats must be >= 1") }
    let model = initialModel(dimension: data.d)
    let objective = model.marginalLikelihood(data.x, data.y)
    let kernel = model.kernel
    let noise = model.likelihood.variance.scalar

    var ky = kernel.gram(data.x)
    ky.addToDiagonal(noise)
    var work = ky
    let workspace = kernel.workspaceGram(data.x)

    var lml = 0.0
    var gradient: [Double] = []
    var total: [Double] = [], floor: [Double] = [], dpotrf: [Double] = [], dpotri: [Double] = []
    var gram: [Double] = [], factor: [Double] = [], backward: [Double] = [], kgrad: [Double] = []

    for r in 0..<(warmup + repeats) {
        let keep = r >= warmup
        // 1. The objective as users call it.
        let (e, t) = try timed { try objective.evaluate(batch: nil) }
        lml = e.value
        gradient = e.gradient.flatMap { $0 }
        // 2. The LAPACK floor: dpotrf + dpotri on a preallocated copy of K + σ²I.
        work.storage.withUnsafeMutableBufferPointer { w in
            ky.storage.withUnsafeBufferPointer { k in w.baseAddress!.update(from: k.baseAddress!, count: k.count) }
        }
        let n32 = Int32(data.n), lower = CChar(UInt8(ascii: "L"))
        let (infoF, tf) = timed { LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, lower, n32, &work.storage, n32) }
        let (infoI, ti) = timed { LAPACKE_dpotri_work(LAPACK_COL_MAJOR, lower, n32, &work.storage, n32) }
        guard infoF == 0, infoI == 0 else { throw BenchError("floor: dpotrf/dpotri info \(infoF)/\(infoI)") }
        // 3. Stage breakdown: the Gram matrix alone, the fused node's forward (Gram, + σ²I, dpotrf in
        //    place, α) and backward (dpotri in place, ½(ααᵀ − K⁻¹), kernel gradient).
        let (_, tg) = timed { kernel.workspaceGram(data.x) }
        let tape = Tape()
        let leaves = objective.parameters.map { tape.leaf($0.value) }
        let nk = kernel.parameters.count
        let t1 = now()
        let out = try exactLogMarginal(kernel: kernel, x: data.x, kernelParameters: Array(leaves[0..<nk]),
                                       noise: leaves[nk], residual: tape.leaf(data.y), policy: model.jitter)
        let t2 = now()
        _ = tape.gradients(of: out, withRespectTo: leaves)
        let t3 = now()
        // The kernel's share of the backward pass, timed alone: its workspace with an adjoint of the same size
        // (K⁻¹ from the floor run) in the lower triangle, as the objective hands it over.
        var adjointOverWorkspace = workspace
        adjointOverWorkspace.storage.withUnsafeMutableBufferPointer { b in
            work.storage.withUnsafeBufferPointer { w in
                for j in 0..<data.n { for i in j..<data.n { b[i + j * data.n] = w[i + j * data.n] } }
            }
        }
        let (_, tk) = timed { kernel.workspaceGramGradient(data.x, lowerAdjoint: &adjointOverWorkspace) }
        if keep {
            total.append(t)
            floor.append(tf + ti)
            dpotrf.append(tf)
            dpotri.append(ti)
            gram.append(tg)
            factor.append(max(0, t2 - t1 - tg))
            backward.append(t3 - t2)
            kgrad.append(tk)
        }
    }
    let tMed = median(total), fMed = median(floor)
    let bwd = median(backward), kg = median(kgrad)
    emit(header() + [
        ("benchmark", .string("exact-lml")),
        ("n", .int(data.n)), ("d", .int(data.d)),
        ("lml", .number(lml)),
        ("gradient", .numbers(gradient)),
        ("seconds_median", .number(tMed)),
        ("seconds_all", .numbers(total)),
        ("floor_seconds_median", .number(fMed)),
        ("floor_seconds_all", .numbers(floor)),
        ("floor_ratio", .number(tMed / fMed)),
        ("breakdown", .object([
            ("kernel_gram", .number(median(gram))),
            ("factorisation", .number(median(factor))),
            ("gradient_solve", .number(max(0, bwd - kg))),
            ("kernel_gradient", .number(kg)),
            ("backward_total", .number(bwd)),
            ("dpotrf", .number(median(dpotrf))),
            ("dpotri", .number(median(dpotri))),
        ])),
        ("peak_rss_mib_self", .number(peakRSSMiB())),
    ])
}

/// `swiftgp-bench exact-fit --train F.csv --test G.csv --iterations N [--repeats R]`
///
/// L-BFGS (memory 10, strong-Wolfe line search) from the fixed initial hyperparameters for at most N
/// iterations, stopping earlier on ‖∇‖∞ ≤ 1e-5 or a relative objective change ≤ 2.2e-9 (scipy's
/// L-BFGS-B defaults pgtol = 1e-5, factr = 1e7). Then predicts the test targets: posterior (Cholesky
/// of K + σ²I, α) + predictive mean and variance of y* (latent variance + σ²).
func exactFit(_ args: Arguments) throws {
    let train = try Dataset(csv: try args.require("train"))
    let test = try Dataset(csv: try args.require("test"))
    let iterations = try args.int("iterations", default: 100)
    let repeats = try args.int("repeats", default: 1)
    guard train.d == test.d else { throw BenchError("train has \(train.d) inputs, test has \(test.d)") }
    guard repeats >= 1 else { throw BenchError("--repeats must be >= 1") }
    // One L-BFGS run from the peers' start (no start screen): the same algorithm on every side.
    var options = FitOptions(optimizer: .lbfgs(memory: 10), maxIterations: iterations, gradientTolerance: 1e-5,
                             relativeTolerance: 1e7 * Double.ulpOfOne, patience: 1)
    options.screen = nil
    var fitTimes: [Double] = [], predictTimes: [Double] = []
    var report: FitReport? = nil
    var fitted = initialModel(dimension: train.d)
    var prediction: GaussianPrediction? = nil
    for _ in 0..<repeats {
        var model = initialModel(dimension: train.d)
        let (r, tf) = try timed { try model.fit(train.x, train.y, options: options) }
        let (p, tp) = try timed { try model.posterior(train.x, train.y).predictObserved(at: test.x) }
        fitTimes.append(tf)
        predictTimes.append(tp)
        report = r
        fitted = model
        prediction = p
    }
    guard let report, let prediction else { throw BenchError("no run") }
    let (rmse, nlpd) = scores(mean: prediction.mean, variance: prediction.variance, y: test.y)
    let fitMed = median(fitTimes)
    let params = fitted.parameters
    func value(_ name: String) -> [Double] { params.first { $0.name == name }?.value ?? [] }
    emit(header() + [
        ("benchmark", .string("exact-fit")),
        ("n", .int(train.n)), ("d", .int(train.d)), ("n_test", .int(test.n)),
        ("optimizer", .string("L-BFGS (m=10, strong Wolfe), softplus parameters")),
        ("iteration_cap", .int(iterations)),
        ("iterations", .int(report.iterations)),
        ("evaluations", .int(report.evaluations)),
        ("stop_reason", .string(report.stopReason)),
        ("fit_seconds_median", .number(fitMed)),
        ("fit_seconds_all", .numbers(fitTimes)),
        ("seconds_per_iteration", .number(fitMed / Double(max(1, report.iterations)))),
        ("final_lml", .number(report.objective)),
        ("predict_seconds_median", .number(median(predictTimes))),
        ("predict_seconds_all", .numbers(predictTimes)),
        ("test_rmse", .number(rmse)),
        ("test_nlpd", .number(nlpd)),
        ("lengthscales", .numbers(value("kernel.lengthscale"))),
        ("signal_variance", .number(value("kernel.variance").first ?? .nan)),
        ("noise_variance", .number(value("likelihood.variance").first ?? .nan)),
        ("peak_rss_mib_self", .number(peakRSSMiB())),
    ])
}

/// Test RMSE of the predictive mean, and the mean negative log predictive density
/// −(1/m) Σ log N(y*ᵢ; μᵢ, vᵢ) of the observed targets (v = latent variance + noise), in standardised units.
func scores(mean: [Double], variance: [Double], y: [Double]) -> (rmse: Double, nlpd: Double) {
    var se = 0.0, nl = 0.0
    for i in y.indices {
        let r = y[i] - mean[i]
        se += r * r
        nl += 0.5 * (Math.logTwoPi + Math.log(variance[i]) + r * r / variance[i])
    }
    let m = Double(y.count)
    return ((se / m).squareRoot(), nl / m)
}
