import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// `--model gpc --inference laplace|vi|ep-like` through the same commands and model files.
@Suite struct GPCModelTests {
    /// The first 150 rows of the breast-cancer training set (a full GP fit per inference stays quick in debug).
    static func smallTrainingSet(in dir: URL) throws -> String {
        let lines = try String(contentsOfFile: SparseModelTests.breastTrain, encoding: .utf8).split(separator: "\n")
        let path = dir.appendingPathComponent("bc150.csv").path
        try (lines.prefix(151).joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: ClassificationInference.allCases)
    func gpcClassifiesAndReloadsBitIdentically(inference: ClassificationInference) throws {
        try Scratch.with { dir in
            let train = try Self.smallTrainingSet(in: dir)
            let model = dir.appendingPathComponent("gpc.json").path
            let fit = try CLI.run(["fit", "--data", train, "--target", "malignant", "--model", "gpc", "--inference", inference.rawValue,
                                   "--kernel", "matern52", "--likelihood", "bernoulli", "--iterations", "4", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let eval = try CLI.run(["evaluate", "--model", model, "--data", SparseModelTests.breastTest, "--format", "json"])
            let m = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Double])
            #expect(m["accuracy"]! >= 0.9, "\(inference): accuracy \(m["accuracy"]!)")
            let info = try CLI.run(["info", "--model", model, "--format", "json"])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
            #expect(object["model"] as? String == "gpc")
            #expect(object["state"] as? String == "inference \(inference.rawValue), 150 Gaussian sites", "\(object["state"] ?? "none")")
            let text = try CLI.run(["info", "--model", model]).stdout
            #expect(text.contains("method        inference \(inference.rawValue)"), "\(text)")
            // In-process fit, save, load: identical predictions.
            let data = try Dataset.training(try DataTable.read(csv: train), target: "malignant")
            var settings = FitSettings(model: "gpc", kernel: try KernelExpression(parsing: "matern52"), likelihood: "bernoulli-logit",
                                       options: FitOptions(maxIterations: 2))
            settings.inference = inference
            let fitted = try TrainedModel.fit(data, settings: settings)
            let test = try Dataset.inputs(try DataTable.read(csv: SparseModelTests.breastTest), features: data.features, target: "malignant")
            let path = dir.appendingPathComponent("inprocess.json").path
            try fitted.save(to: path)
            #expect(try TrainedModel.load(from: path).predict(test.x) == fitted.predict(test.x))
        }
    }

    @Test func inferenceIsAGPCOptionWithKnownNames() throws {
        let other = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--inference", "vi", "--output", "/tmp/x.json"])
        #expect(other.status == 2 && other.stderr.contains("--inference applies to --model gpc, svgp, statespace and gpssm only"))
        let bad = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "gpc", "--inference", "ep",
                               "--output", "/tmp/x.json"])
        #expect(bad.status == 2 && bad.stderr.contains("--inference must be one of laplace, vi, ep-like"))
        let regression = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "gpc",
                                      "--likelihood", "gaussian", "--output", "/tmp/x.json"])
        #expect(regression.status == 2 && regression.stderr.contains("gpc supports: bernoulli, bernoulli-logit"))
    }

    /// A tampered site state is a model-file error naming the key.
    @Test func tamperedSitesAreRejected() throws {
        try Scratch.with { dir in
            let train = try Self.smallTrainingSet(in: dir)
            let model = dir.appendingPathComponent("gpc.json").path
            let fit = try CLI.run(["fit", "--data", train, "--target", "malignant", "--model", "gpc", "--inference", "laplace",
                                   "--kernel", "matern52", "--iterations", "3", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model))) as? [String: Any])
            var state = try #require(object["state"] as? [String: Any])
            var precisions = try #require(state["site_precisions"] as? [Double])
            precisions[3] = -1
            state["site_precisions"] = precisions
            object["state"] = state
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: model))
            let predict = try CLI.run(["predict", "--model", model, "--data", SparseModelTests.breastTest])
            #expect(predict.status != 0 && predict.stderr.contains("site_precisions"), "\(predict.stderr)")
        }
    }
}
