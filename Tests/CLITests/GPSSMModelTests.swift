import Foundation
import Testing
import GPLinearAlgebra
import SwiftGP

/// `--model gpssm` end to end: fit on a control/output series, predict its continuation through the model
/// file (bit-identical after loading), and refuse bad options, bad series and tampered state cleanly.
@Suite struct GPSSMModelTests {
    /// x_{t+1} = 0.8 x_t + 0.6 tanh(u_t) + 0.05 ε, y_t = x_t + 0.1 η, u a seeded random walk: `n` rows of u,y.
    static func series(_ n: Int, seed: UInt64) -> (u: [Double], y: [Double]) {
        var g = SeededGenerator(seed: seed)
        var x = 0.0, u = 0.0
        var us: [Double] = [], ys: [Double] = []
        for _ in 0..<n {
            us.append(u)
            ys.append(x + 0.1 * g.normal())
            x = 0.8 * x + 0.6 * tanh(u) + 0.05 * g.normal()
            u = 0.9 * u + 0.5 * g.normal()
        }
        return (us, ys)
    }

    static func csv(_ u: [Double], _ y: [Double]?) -> String {
        (y == nil ? "u\n" : "u,y\n") + u.indices.map { i in y.map { "\(u[i]),\($0[i])" } ?? "\(u[i])" }.joined(separator: "\n") + "\n"
    }

    @Test func fitPredictAndReload() throws {
        try Scratch.with { dir in
            let (u, y) = Self.series(130, seed: 4)
            let train = try Scratch.write(Self.csv(Array(u.prefix(100)), Array(y.prefix(100))), "train.csv", in: dir)
            let future = try Scratch.write(Self.csv(Array(u.suffix(30)), nil), "future.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            let fit = try CLI.run(["fit", "--data", train, "--model", "gpssm", "--input", "u", "--target", "y", "--latent-dims", "2",
                                   "--inducing", "10", "--iterations", "300", "--seed", "3", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            #expect(fit.stderr.contains("gpssm: collapsed inference, 2 latent states, 10 inducing points"))
            let predict = try CLI.run(["predict", "--model", model, "--data", future])
            #expect(predict.status == 0, "\(predict.stderr)")
            let rows = predict.stdout.split(separator: "\n")
            #expect(rows.count == 31 && rows[0] == "mean,variance,lower95,upper95")
            // The first predicted steps follow the truth (the system forgets its state in a few steps).
            let means = rows.dropFirst().map { Double($0.split(separator: ",")[0])! }
            let rmse = (zip(means.prefix(10), y.suffix(30).prefix(10)).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 10).squareRoot()
            let spread = (y.map { $0 * $0 }.reduce(0, +) / Double(y.count)).squareRoot()
            #expect(rmse < 0.5 * spread, "free-run RMSE \(rmse) vs signal RMS \(spread)")
            // Loaded in process: the same predictions, bit for bit.
            let loaded = try TrainedModel.load(from: model)
            let again = try loaded.predict(Matrix(column: Array(u.suffix(30))))
            guard case let .regression(mean, _) = again else { Issue.record("not a regression"); return }
            #expect(mean.map { "\($0)" }.joined(separator: ",") == means.map { "\($0)" }.joined(separator: ","))
            // Evaluate scores the continuation.
            let test = try Scratch.write(Self.csv(Array(u.suffix(30)), Array(y.suffix(30))), "test.csv", in: dir)
            let evaluate = try CLI.run(["evaluate", "--model", model, "--data", test])
            #expect(evaluate.status == 0, "\(evaluate.stderr)")
        }
    }

    /// `predict --sequence new`: a new series of the same system from the initial state. The filtered
    /// one-step-ahead predictions (targets given) track y more closely than the free run; without the target
    /// column only the free run is written; `--sequence` is refused for other models and values.
    @Test func predictANewSeries() throws {
        try Scratch.with { dir in
            let (u, y) = Self.series(100, seed: 4)
            let (nu, ny) = Self.series(60, seed: 9)
            let train = try Scratch.write(Self.csv(u, y), "train.csv", in: dir)
            let fresh = try Scratch.write(Self.csv(nu, ny), "fresh.csv", in: dir)
            let controls = try Scratch.write(Self.csv(nu, nil), "controls.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            let fit = try CLI.run(["fit", "--data", train, "--model", "gpssm", "--input", "u", "--target", "y", "--latent-dims", "2",
                                   "--inducing", "10", "--iterations", "300", "--seed", "3", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let both = try CLI.run(["predict", "--model", model, "--data", fresh, "--sequence", "new"])
            #expect(both.status == 0, "\(both.stderr)")
            let rows = both.stdout.split(separator: "\n")
            #expect(rows.count == 61 && rows[0] == "mean,variance,lower95,upper95,one_step_mean,one_step_variance")
            let cells = rows.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
            func rmse(_ column: Int) -> Double {
                (zip(cells, ny).map { ($0[column] - $1) * ($0[column] - $1) }.reduce(0, +) / Double(ny.count)).squareRoot()
            }
            let spread = (ny.map { $0 * $0 }.reduce(0, +) / Double(ny.count)).squareRoot()
            #expect(rmse(4) < rmse(0) && rmse(4) < 0.5 * spread, "one-step \(rmse(4)), free run \(rmse(0)), RMS \(spread)")
            let free = try CLI.run(["predict", "--model", model, "--data", controls, "--sequence", "new"])
            #expect(free.status == 0 && free.stdout.split(separator: "\n").first == "mean,variance,lower95,upper95")
            #expect(free.stdout.split(separator: "\n").dropFirst().map { $0 } == rows.dropFirst().map { $0.split(separator: ",").prefix(4).joined(separator: ",")[...] })
            let bad = try CLI.run(["predict", "--model", model, "--data", fresh, "--sequence", "sideways"])
            #expect(bad.status == 2 && bad.stderr.contains("--sequence must be continue or new"), "\(bad.stderr)")
            let exact = dir.appendingPathComponent("e.json").path
            #expect(try CLI.run(["fit", "--data", train, "--target", "y", "--quiet", "--output", exact]).status == 0)
            let wrong = try CLI.run(["predict", "--model", exact, "--data", fresh, "--sequence", "new"])
            #expect(wrong.status != 0 && wrong.stderr.contains("--sequence applies to gpssm models only"), "\(wrong.stderr)")
        }
    }

    @Test func badOptionsAndSeriesAreRefused() throws {
        try Scratch.with { dir in
            let (u, y) = Self.series(40, seed: 1)
            let train = try Scratch.write(Self.csv(u, y), "train.csv", in: dir)
            let out = dir.appendingPathComponent("m.json").path
            let base = ["fit", "--data", train, "--input", "u", "--target", "y", "--quiet", "--output", out]
            let zero = try CLI.run(base + ["--model", "gpssm", "--latent-dims", "0"])
            #expect(zero.status == 2 && zero.stderr.contains("--latent-dims must be between 1 and 64"), "\(zero.stderr)")
            let wrongModel = try CLI.run(base + ["--latent-dims", "2"])
            #expect(wrongModel.status == 2 && wrongModel.stderr.contains("--latent-dims applies to --model gpssm only"))
            let method = try CLI.run(base + ["--model", "gpssm", "--inference", "laplace"])
            #expect(method.status == 2 && method.stderr.contains("--inference for gpssm must be one of free-form, collapsed, gaussian-vi"))
            let short = try Scratch.write("u,y\n0,1\n1,2\n", "short.csv", in: dir)
            let tooShort = try CLI.run(["fit", "--data", short, "--model", "gpssm", "--input", "u", "--target", "y", "--quiet", "--output", out])
            #expect(tooShort.status == 2 && tooShort.stderr.contains("at least 3 time steps"), "\(tooShort.status) \(tooShort.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["short.csv", "train.csv"])
        }
    }

    @Test func tamperedStateIsAModelFileError() throws {
        try Scratch.with { dir in
            let (u, y) = Self.series(40, seed: 2)
            let train = try Scratch.write(Self.csv(u, y), "train.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            let fit = try CLI.run(["fit", "--data", train, "--model", "gpssm", "--input", "u", "--target", "y", "--latent-dims", "1",
                                   "--inducing", "5", "--iterations", "40", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model))) as! [String: Any]
            var state = json["state"] as! [String: Any]
            var trajectories = state["trajectories"] as! [[Double]]
            trajectories[0].removeLast()
            state["trajectories"] = trajectories
            json["state"] = state
            let tampered = dir.appendingPathComponent("t.json").path
            try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: tampered))
            let future = try Scratch.write(Self.csv([0.1, 0.2], nil), "future.csv", in: dir)
            let load = try CLI.run(["predict", "--model", tampered, "--data", future])
            #expect(load.status == 4 && load.stderr.contains("trajectories"), "\(load.status) \(load.stderr)")
        }
    }
}
