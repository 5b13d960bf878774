import Foundation
import Testing
import SwiftGP

/// End-to-end: fit → predict → evaluate → info with the binary on the shipped diabetes split.
@Suite struct RoundTripTests {
    @Test func fitPredictEvaluateInfoOnDiabetes() throws {
        try Scratch.with { dir in
            let model = dir.appendingPathComponent("diabetes.json").path
            let fit = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "exact",
                                   "--kernel", "matern52", "--seed", "0", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            #expect(fit.stderr.contains("iteration 1/1000"), "progress on stderr: \(fit.stderr)")
            #expect(fit.stderr.contains("objective") && fit.stderr.contains("elapsed") && fit.stderr.contains("left"))
            #expect(fit.stdout.isEmpty)

            // predict: 88 rows of mean,variance,lower95,upper95 on the original scale.
            let predicted = dir.appendingPathComponent("pred.csv").path
            let predict = try CLI.run(["predict", "--model", model, "--data", Diabetes.test, "--output", predicted])
            #expect(predict.status == 0, "\(predict.stderr)")
            let (header, columns) = parsePredictions(try String(contentsOfFile: predicted, encoding: .utf8))
            #expect(header == "mean,variance,lower95,upper95")
            try #require(columns.count == 4)
            #expect(columns[0].count == 88)
            let meanOfMeans = columns[0].reduce(0, +) / 88
            #expect(meanOfMeans > 100 && meanOfMeans < 200, "means on the original scale (y ≈ 150)")
            #expect(columns[1].allSatisfy { $0 > 500 && $0 < 10_000 }, "variances on the original scale")
            for i in 0..<88 { #expect(columns[2][i] < columns[0][i] && columns[0][i] < columns[3][i]) }
            // Without --output the same CSV goes to stdout.
            let toStdout = try CLI.run(["predict", "--model", model, "--data", Diabetes.test])
            #expect(toStdout.stdout == (try String(contentsOfFile: predicted, encoding: .utf8)))

            // evaluate, text and JSON.
            let text = try CLI.run(["evaluate", "--model", model, "--data", Diabetes.test])
            #expect(text.status == 0)
            for key in ["n", "rmse", "mae", "nlpd", "coverage95"] { #expect(text.stdout.contains(key)) }
            let json = try CLI.run(["evaluate", "--model", model, "--data", Diabetes.test, "--format", "json"])
            #expect(json.status == 0)
            #expect(json.stdout.hasSuffix("}\n") && json.stdout.filter { $0 == "\n" }.count == 1, "one line")
            let metrics = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(Set(metrics.keys) == ["n", "rmse", "mae", "nlpd", "coverage95"])
            #expect(metrics["n"] as? Int == 88)
            let rmse = try #require(metrics["rmse"] as? Double)
            #expect(rmse > 40 && rmse < 70, "RMSE \(rmse) on the original scale (scikit-learn: 52.9)")
            let nlpd = try #require(metrics["nlpd"] as? Double)
            #expect(nlpd > 4.5 && nlpd < 6, "NLPD \(nlpd)")
            let coverage = try #require(metrics["coverage95"] as? Double)
            #expect(coverage > 0.85 && coverage <= 1)
            // The metrics agree with the predictions file.
            let y = try DataTable.read(csv: Diabetes.test).column("progression")
            let direct = MetricSet.regression(y: y, mean: columns[0], variance: columns[1])
            #expect(abs(direct["rmse"]! - rmse) < 1e-9)

            // info, JSON.
            let info = try CLI.run(["info", "--model", model, "--format", "json"])
            #expect(info.status == 0, "\(info.stderr)")
            #expect(info.stdout.filter { $0 == "\n" }.count == 1, "one line")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            for key in ["model", "kernel", "objective", "iterations", "training_seconds", "jitter"] {
                #expect(object[key] != nil, "info JSON lacks \(key)")
            }
            #expect(object["model"] as? String == "exact")
            let kernel = try #require(object["kernel"] as? [String: Any])
            #expect(kernel["kind"] as? String == "matern52")
            let parameters = try #require(kernel["parameters"] as? [String: Any])
            #expect((parameters["lengthscale"] as? [Double])?.count == 10)
            // The data-scale log marginal likelihood: scikit-learn's −386.370 on standardised y, minus n log s_y.
            let objective = try #require(object["objective"] as? Double)
            let standardized = try #require(object["objective_standardized"] as? Double)
            #expect(abs(standardized - -386.370) < 0.01, "\(standardized)")
            let file = try ModelFile.load(from: model)
            let sy = try #require(file.standardization.y?.scale[0])
            #expect(abs(objective - (standardized - 354 * log(sy))) < 1e-9)

            let infoText = try CLI.run(["info", "--model", model])
            #expect(infoText.status == 0)
            #expect(infoText.stdout.contains("matern52") && infoText.stdout.contains("lengthscale"))
            #expect(infoText.stdout.contains("log marginal likelihood"))
        }
    }

    @Test func predictionDataMayHaveExtraAndReorderedColumns() throws {
        try Scratch.with { dir in
            let train = try Scratch.write("a,b,y\n0,1,0.5\n1,0,1.5\n2,1,0.2\n3,0,2.5\n4,1,1.0\n", "train.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            let fit = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "5", "--quiet",
                                   "--output", model])
            #expect(fit.status == 0)
            #expect(fit.stderr.isEmpty && fit.stdout.isEmpty, "--quiet prints nothing")
            let plain = try Scratch.write("a,b\n0.5,1\n2.5,0\n", "plain.csv", in: dir)
            let shuffled = try Scratch.write("extra,b,y,a\n9,1,3,0.5\n9,0,3,2.5\n", "shuffled.csv", in: dir)
            let p1 = try CLI.run(["predict", "--model", model, "--data", plain])
            let p2 = try CLI.run(["predict", "--model", model, "--data", shuffled])
            #expect(p1.status == 0 && p2.status == 0, "\(p1.stderr)\(p2.stderr)")
            #expect(p1.stdout == p2.stdout)
        }
    }

    @Test(arguments: [[String](), ["fit"], ["predict"], ["evaluate"], ["info"]])
    func helpDocumentsExamplesAndExitCodes(command: [String]) throws {
        let result = try CLI.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("EXIT CODES"))
        for code in 0...6 { #expect(result.stdout.contains("  \(code)  "), "exit code \(code) in help") }
        #expect(result.stdout.contains("swiftgp \(command.first ?? "fit") --"), "an example")
    }

    @Test func noSubcommandPrintsHelp() throws {
        let result = try CLI.run([])
        #expect(result.status == 0)
        #expect(result.stdout.contains("SUBCOMMANDS"))
    }
}
