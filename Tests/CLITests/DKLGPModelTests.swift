import Foundation
import Testing
import GPLinearAlgebra
import SwiftGP

/// `--model dklgp` end to end: fit, predict, evaluate and info for regression and classification; the model file
/// round trip (save, load, identical predictions); bad options and tampered state are refused with clear messages.
@Suite struct DKLGPModelTests {
    @Test func regressionFitsPredictsAndReloadsIdentically() throws {
        try Scratch.with { dir in
            let model = dir.appendingPathComponent("dklgp.json").path
            let fit = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "dklgp",
                                   "--neighbors", "10", "--iterations", "60", "--learning-rate", "0.05", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let predict = try CLI.run(["predict", "--model", model, "--data", Diabetes.test])
            #expect(predict.status == 0, "\(predict.stderr)")
            let (header, columns) = parsePredictions(predict.stdout)
            #expect(header == "mean,variance,lower95,upper95")
            try #require(columns.count == 4 && columns[0].count == 88)
            #expect(columns[1].allSatisfy { $0 > 0 && $0.isFinite })
            let eval = try CLI.run(["evaluate", "--model", model, "--data", Diabetes.test, "--format", "json"])
            let metrics = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Double])
            // The exact GP reaches 52.9 (scikit-learn); the prior mean about 75.
            #expect(metrics["rmse"]! < 65, "RMSE \(metrics["rmse"]!)")
            let info = try CLI.run(["info", "--model", model, "--format", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            #expect(object["model"] as? String == "dklgp")
            // In-process fit, save, load: identical predictions.
            let data = try Dataset.training(try DataTable.read(csv: Diabetes.train), target: "progression")
            var settings = FitSettings(model: "dklgp", kernel: try KernelExpression(parsing: "matern32"), likelihood: "studentt",
                                       options: FitOptions(maxIterations: 5))
            settings.neighbours = 6
            settings.batchSize = 64
            let fitted = try TrainedModel.fit(data, settings: settings)
            let test = try Dataset.inputs(try DataTable.read(csv: Diabetes.test), features: data.features, target: "progression")
            let path = dir.appendingPathComponent("inprocess.json").path
            try fitted.save(to: path)
            #expect(try TrainedModel.load(from: path).predict(test.x) == fitted.predict(test.x))
        }
    }

    @Test func classifiesWithALogitLikelihood() throws {
        try Scratch.with { dir in
            let lines = try String(contentsOfFile: SparseModelTests.breastTrain, encoding: .utf8).split(separator: "\n")
            let train = dir.appendingPathComponent("bc200.csv").path
            try (lines.prefix(201).joined(separator: "\n") + "\n").write(toFile: train, atomically: true, encoding: .utf8)
            let model = dir.appendingPathComponent("dklgp.json").path
            let fit = try CLI.run(["fit", "--data", train, "--target", "malignant", "--model", "dklgp", "--likelihood", "bernoulli-logit",
                                   "--neighbors", "10", "--iterations", "40", "--learning-rate", "0.05", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let eval = try CLI.run(["evaluate", "--model", model, "--data", SparseModelTests.breastTest, "--format", "json"])
            let m = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Double])
            #expect(m["accuracy"]! >= 0.9, "accuracy \(m["accuracy"]!)")
        }
    }

    @Test func badOptionsAndTamperedStateAreRefused() throws {
        try Scratch.with { dir in
            let model = dir.appendingPathComponent("d.json").path
            let softmax = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "dklgp",
                                       "--likelihood", "softmax", "--output", model])
            #expect(softmax.status == 2 && softmax.stderr.contains("not available for model 'dklgp'"), "\(softmax.stderr)")
            #expect(!FileManager.default.fileExists(atPath: model), "no half-written model file")
            let zero = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "dklgp",
                                    "--neighbors", "0", "--output", model])
            #expect(zero.status == 2 && zero.stderr.contains("--neighbors"), "\(zero.stderr)")
            let fit = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "dklgp",
                                   "--neighbors", "5", "--iterations", "3", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model))) as? [String: Any])
            var state = try #require(object["state"] as? [String: Any])
            var factor = try #require(state["variational_factor"] as? [Double])
            factor.removeLast()
            state["variational_factor"] = factor
            object["state"] = state
            let tampered = dir.appendingPathComponent("t.json").path
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: tampered))
            let load = try CLI.run(["predict", "--model", tampered, "--data", Diabetes.test])
            #expect(load.status == 4 && load.stderr.contains("factor values"), "\(load.status) \(load.stderr)")
            state["scales"] = [1.0]
            object["state"] = state
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: tampered))
            let scales = try CLI.run(["predict", "--model", tampered, "--data", Diabetes.test])
            #expect(scales.status == 4 && scales.stderr.contains("scales"), "\(scales.status) \(scales.stderr)")
        }
    }
}
