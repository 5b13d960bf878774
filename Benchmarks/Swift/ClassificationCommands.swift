import Foundation
import GPLinearAlgebra
import SwiftGP

/// `classification-uci`: the protocol of Li, John & Solin (2023) on one UCI set with its given folds
/// (Benchmarks/README.md, suite `classification`): X z-scored over the whole set, (X − mean)/(1e-6 + std);
/// isotropic Matérn-5/2 from variance 1 and lengthscale 1; probit; per fold the test log-likelihood (mean of
/// log p(y*), probabilities clipped at 1e-12), accuracy and fit seconds, for each method.
func classificationUCI(_ args: Arguments) throws {
    let table = try DataTable.read(csv: try args.require("data"))
    let features = table.columns.filter { $0 != "y" }
    var x = try table.matrix(columns: features)
    let y = try table.column("y")
    // z-score over the whole set, population std + 1e-6 (the paper's pipeline).
    for c in 0..<x.cols {
        let col = (0..<x.rows).map { x[$0, c] }
        let mean = col.reduce(0, +) / Double(x.rows)
        let sd = (col.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(x.rows)).squareRoot()
        for r in 0..<x.rows { x[r, c] = (x[r, c] - mean) / (1e-6 + sd) }
    }
    let foldsData = try Data(contentsOf: URL(fileURLWithPath: try args.require("folds")))
    guard let folds = try JSONSerialization.jsonObject(with: foldsData) as? [String: Any],
          let seeds = folds["cv_seeds"] as? [String: [[String: [Int]]]] else { throw BenchError("unreadable folds file") }
    let order = ["42", "1", "2", "3", "4", "5", "6", "7", "8", "9"].filter { seeds[$0] != nil }
    let seedCount = try args.int("seeds", default: order.count)
    let methods = (args.string("methods") ?? "ep-like,vi,laplace").split(separator: ",").map(String.init)
    let rounds = try args.int("rounds", default: 100)
    // The rounds stop when the bound's relative change falls below this (variational EM creeps; 1e-6 of a bound
    // of −10…−500 nats moves no test metric).
    let tolerance = try args.double("tolerance", default: 1e-6)
    // The rounds' settings (default: SiteTrainingSettings(), L-BFGS); the paper's: --step-size 0.1 --adam 0.01.
    var siteTraining = SiteTrainingSettings()
    siteTraining.stepSize = try args.double("step-size", default: siteTraining.stepSize)
    siteTraining.cviIterations = try args.int("cvi-iterations", default: siteTraining.cviIterations)
    siteTraining.mStepIterations = try args.int("m-step-iterations", default: siteTraining.mStepIterations)
    siteTraining.roundTolerance = tolerance
    siteTraining.extrapolation = try args.int("extrapolation", default: 1) != 0
    let adam = try args.double("adam", default: 0)
    var results: [(String, JSON)] = []
    for name in methods {
        guard let inference = ClassificationInference(rawValue: name) else { throw BenchError("unknown method '\(name)'") }
        var loglik: [Double] = [], accuracy: [Double] = [], seconds: [Double] = [], iterations: [Int] = [], objective: [Double] = []
        var evaluations: [Int] = [], hyperparameters: [JSON] = []
        var failures = 0
        for seed in order.prefix(seedCount) {
            for fold in seeds[seed]! {
                let train = fold["train_rows"]!, test = fold["test_rows"]!
                let xt = x.selectingRows(train), yt = train.map { y[$0] }
                let xs = x.selectingRows(test), ys = test.map { y[$0] }
                var model = GPClassifier(kernel: Matern52(lengthscale: [1], variance: 1), likelihood: Bernoulli(link: .probit),
                                         inference: inference, siteTraining: siteTraining)
                var options = FitOptions(maxIterations: inference == .laplace ? 1000 : rounds)
                if inference != .laplace { options.relativeTolerance = tolerance }   // the M-steps' L-BFGS, as before
                if adam > 0 && inference != .laplace { options.optimizer = .adam(learningRate: adam) }
                options.screen = nil
                let t0 = now()
                guard let (posterior, report) = try? model.fit(xt, yt, options: options) else {
                    failures += 1
                    continue
                }
                let f = try posterior.predict(at: xs)
                seconds.append(now() - t0)
                var ll = 0.0, correct = 0
                for i in ys.indices {
                    let p1 = model.likelihood.predictive(mean: f.mean[i], variance: f.variance[i]).mean
                    ll += log(max(ys[i] == 1 ? p1 : 1 - p1, 1e-12))
                    if (p1 > 0.5 ? 1.0 : 0.0) == ys[i] { correct += 1 }
                }
                loglik.append(ll / Double(ys.count))
                accuracy.append(Double(correct) / Double(ys.count))
                iterations.append(report.iterations)
                evaluations.append(report.evaluations)
                objective.append(report.objective)
                hyperparameters.append(.object(model.parameters.map { ($0.name, .numbers($0.value)) }))
            }
        }
        results.append((name, .object([("loglik", .numbers(loglik)), ("accuracy", .numbers(accuracy)), ("seconds", .numbers(seconds)),
                                       ("iterations", .array(iterations.map { .int($0) })),
                                       ("evaluations", .array(evaluations.map { .int($0) })), ("objective", .numbers(objective)),
                                       ("hyperparameters", .array(hyperparameters)), ("failures", .int(failures))])))
    }
    emit([("library", .string("SwiftGP")), ("n", .int(x.rows)), ("d", .int(x.cols)),
          ("settings", .object([("step_size", .number(siteTraining.stepSize)), ("cvi_iterations", .int(siteTraining.cviIterations)),
                                ("m_step_iterations", .int(siteTraining.mStepIterations)), ("rounds", .int(rounds)), ("tolerance", .number(tolerance)),
                                ("extrapolation", .int(siteTraining.extrapolation ? 1 : 0)),
                                ("m_step_optimizer", .string(adam > 0 ? "adam(\(adam))" : "lbfgs"))])),
          ("methods", .object(results))])
}
