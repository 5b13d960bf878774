import Foundation
import Testing
import SwiftGP

/// `--model vecchia` end to end: with conditioning sets covering every previous point it is the exact GP (same
/// optimum, same predictions through the model file); a tampered neighbour count is a model-file error.
@Suite struct VecchiaModelTests {
    /// On the first 80 rows of the diabetes training split (complete sets cost O(n⁴)): the optimum's objective
    /// agrees to 1e-6; at the same hyperparameters (`--iterations 0`: the screen's best start, identical for both)
    /// the predictions through the model files agree to 1e-8.
    @Test func completeNeighbourSetsFitAndPredictLikeTheExactModel() throws {
        try Scratch.with { dir in
            let lines = try String(contentsOfFile: Diabetes.train, encoding: .utf8).split(separator: "\n")
            let train = dir.appendingPathComponent("train80.csv").path
            try (lines.prefix(81).joined(separator: "\n") + "\n").write(toFile: train, atomically: true, encoding: .utf8)
            var objectives: [String: Double] = [:], predictions: [String: String] = [:]
            for (kind, extra) in [("exact", [String]()), ("vecchia", ["--neighbors", "10000"])] {
                let optimum = dir.appendingPathComponent("\(kind)-optimum.json").path
                let fitted = try CLI.run(["fit", "--data", train, "--target", "progression", "--model", kind,
                                          "--kernel", "matern52", "--quiet", "--output", optimum] + extra)
                #expect(fitted.status == 0, "\(fitted.stderr)")
                objectives[kind] = try ModelFile.load(from: optimum).training.objective
                let model = dir.appendingPathComponent("\(kind).json").path
                let fit = try CLI.run(["fit", "--data", train, "--target", "progression", "--model", kind,
                                       "--kernel", "matern52", "--iterations", "0", "--quiet", "--output", model] + extra)
                #expect(fit.status == 0, "\(fit.stderr)")
                let predict = try CLI.run(["predict", "--model", model, "--data", Diabetes.test])
                #expect(predict.status == 0, "\(predict.stderr)")
                predictions[kind] = predict.stdout
            }
            let exact = try #require(objectives["exact"]), vecchia = try #require(objectives["vecchia"])
            #expect(abs(exact - vecchia) < 1e-6 * abs(exact), "objective: exact \(exact), vecchia \(vecchia)")
            let e = parsePredictions(predictions["exact"] ?? ""), v = parsePredictions(predictions["vecchia"] ?? "")
            try #require(e.columns.count == 4 && v.columns.count == 4 && e.columns[0].count == 88)
            for c in 0..<4 {
                for i in 0..<88 {
                    #expect(abs(e.columns[c][i] - v.columns[c][i]) < 1e-8 * max(1, abs(e.columns[c][i])), "column \(c), row \(i)")
                }
            }
        }
    }

    @Test func neighbourCountIsValidated() throws {
        try Scratch.with { dir in
            let model = dir.appendingPathComponent("v.json").path
            let bad = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "vecchia",
                                   "--neighbors", "0", "--output", model])
            #expect(bad.status == 2 && bad.stderr.contains("--neighbors"), "\(bad.stderr)")
            let fit = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "vecchia",
                                   "--neighbors", "8", "--iterations", "3", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let text = try String(contentsOfFile: model, encoding: .utf8)
            #expect(text.contains("\"neighbours\":8") || text.contains("\"neighbours\" : 8"))
            let tampered = dir.appendingPathComponent("t.json").path
            try text.replacingOccurrences(of: "\"neighbours\":8", with: "\"neighbours\":-3")
                .replacingOccurrences(of: "\"neighbours\" : 8", with: "\"neighbours\" : -3")
                .write(toFile: tampered, atomically: true, encoding: .utf8)
            let load = try CLI.run(["predict", "--model", tampered, "--data", Diabetes.test])
            #expect(load.status == 4 && load.stderr.contains("neighbours"), "\(load.status) \(load.stderr)")
        }
    }
}
