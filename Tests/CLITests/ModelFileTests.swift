import Foundation
import Testing
import GPLinearAlgebra
import SwiftGP

/// Model files: bit-identical reloads, and precise errors (exit 4) for broken ones.
@Suite struct ModelFileTests {
    /// A quick fit on the diabetes training split, in process.
    static func fitDiabetes(kernel: String = "matern52", iterations: Int = 15) throws -> (TrainedModel, Dataset) {
        let train = try Dataset.training(try DataTable.read(csv: Diabetes.train), target: "progression")
        let settings = FitSettings(kernel: try KernelExpression(parsing: kernel),
                                   options: FitOptions(maxIterations: iterations))
        let test = try Dataset.inputs(try DataTable.read(csv: Diabetes.test), features: train.features, target: "progression")
        return (try TrainedModel.fit(train, settings: settings), test)
    }

    /// Inputs of another width are a typed error from the library, not a trap.
    @Test func predictingWithTheWrongColumnCountThrows() throws {
        let (model, test) = try Self.fitDiabetes(iterations: 2)
        let narrow = Matrix(rows: test.x.rows, cols: test.x.cols - 1)
        #expect(throws: PredictionError.inputColumns(given: test.x.cols - 1, expected: test.x.cols)) { try model.predict(narrow) }
    }

    @Test(arguments: ["matern52", "rbf + linear * periodic"])
    func reloadedModelPredictsBitIdentically(kernel: String) throws {
        let (model, test) = try Self.fitDiabetes(kernel: kernel, iterations: kernel == "matern52" ? 15 : 5)
        let before = try model.predict(test.x)
        try Scratch.with { dir in
            let path = dir.appendingPathComponent("model.json").path
            try model.save(to: path)
            let loaded = try TrainedModel.load(from: path)
            #expect(loaded.file == model.file)
            #expect(try loaded.predict(test.x) == before, "predictions after a save/load round trip differ")
            // The binary's CSV holds the same Doubles.
            let result = try CLI.run(["predict", "--model", path, "--data", Diabetes.test])
            #expect(result.status == 0, "\(result.stderr)")
            guard case let .regression(mean, variance) = before else { Issue.record("not regression"); return }
            let columns = parsePredictions(result.stdout).columns
            #expect(columns[0] == mean)
            #expect(columns[1] == variance)
        }
    }

    @Test func fileIsVersionedJSONWithTheDocumentedFields() throws {
        let (model, _) = try Self.fitDiabetes(iterations: 3)
        let object = try #require(try JSONSerialization.jsonObject(with: try model.file.encoded()) as? [String: Any])
        #expect(object["format"] as? String == "swiftgp-model")
        #expect(object["version"] as? Int == 1)
        #expect(object["model"] as? String == "exact")
        for key in ["kernel", "likelihood", "mean", "features", "target", "standardization", "training", "data",
                    "jitter_policy"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let training = try #require(object["training"] as? [String: Any])
        for key in ["objective", "iterations", "seconds", "jitter", "stop_reason", "restarts"] {
            #expect(training[key] != nil, "training lacks \(key)")
        }
        let data = try #require(object["data"] as? [String: Any])
        #expect((data["x"] as? [[Double]])?.count == 354)
        #expect((data["y"] as? [Double])?.count == 354)
    }

    /// Broken model files: what `info`, `predict` and `evaluate` say (exit 4, nothing written).
    @Test func brokenModelFilesExitFour() throws {
        try Scratch.with { dir in
            let (model, _) = try Self.fitDiabetes(iterations: 2)
            let good = String(decoding: try model.file.encoded(), as: UTF8.self)
            var future = try #require(try JSONSerialization.jsonObject(with: Data(good.utf8)) as? [String: Any])
            future["version"] = 99
            var noKernel = future
            noKernel["version"] = 1
            noKernel.removeValue(forKey: "kernel")
            var badValue = noKernel
            badValue["kernel"] = ["kind": "matern52", "parameters": [
                ["name": "lengthscale", "value": [-1.0], "constraint": ["type": "positive", "lower": 0], "trainable": true],
                ["name": "variance", "value": [1.0], "constraint": ["type": "positive", "lower": 0], "trainable": true]]]
            var wrongKind = noKernel
            wrongKind["kernel"] = ["kind": "banana"]
            var wrongModel = future
            wrongModel["version"] = 1
            wrongModel["model"] = "no-such-model"
            func json(_ o: Any) throws -> String { String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self) }
            let cases: [(String, String?, [String])] = [
                ("missing", nil, ["missing.json", "model file not found"]),
                ("empty", "", ["empty.json", "truncated or corrupt", "empty"]),
                ("truncated", String(good.prefix(good.count / 2)), ["truncated.json", "truncated or corrupt"]),
                ("corrupt", "{\"format\": swiftgp", ["corrupt.json", "truncated or corrupt"]),
                ("not a model", "{\"name\": \"something else\"}", ["not a model.json", "not a SwiftGP model file"]),
                ("a CSV", "x,y\n1,2\n", ["a CSV.json", "truncated or corrupt"]),
                ("future", try json(future), ["future.json", "version 99 is newer", "upgrade"]),
                ("no kernel", try json(noKernel), ["no kernel.json", "missing key 'kernel'"]),
                ("bad value", try json(badValue), ["kernel.lengthscale", "outside its constraint"]),
                ("wrong kind", try json(wrongKind), ["unknown kernel kind 'banana'"]),
                ("wrong model", try json(wrongModel), ["unknown model 'no-such-model'"]),
            ]
            let output = dir.appendingPathComponent("pred.csv").path
            for (name, contents, expected) in cases {
                let path = dir.appendingPathComponent("\(name).json").path
                if let contents { try contents.write(toFile: path, atomically: false, encoding: .utf8) }
                let commands = [["info", "--model", path],
                                ["predict", "--model", path, "--data", Diabetes.test, "--output", output],
                                ["evaluate", "--model", path, "--data", Diabetes.test, "--format", "json"]]
                for command in commands {
                    let result = try CLI.run(command)
                    #expect(result.status == 4, "\(name) \(command[0]): exit \(result.status) \(result.stderr)")
                    for s in expected { #expect(result.stderr.contains(s), "\(name): '\(s)' not in \(result.stderr)") }
                    #expect(result.stdout.isEmpty)
                }
                #expect(!FileManager.default.fileExists(atPath: output))
            }
        }
    }

    /// A singular stored posterior (duplicate rows, no noise, no jitter) is a numerical failure: exit 5.
    @Test func singularStoredPosteriorExitsFive() throws {
        try Scratch.with { dir in
            let (model, _) = try Self.fitDiabetes(iterations: 1)
            var file = model.file
            file.features = ["x"]
            file.standardization = StoredStandardization(x: nil, y: nil)
            file.kernel = KernelSpec(RBF(lengthscale: [1]))
            var likelihood = GaussianLikelihood(variance: 1e-300, floor: 0)
            likelihood.variance.value = [1e-300]
            file.likelihood = ComponentSpec(kind: "gaussian", parameters: likelihood.parameters)
            file.jitterPolicy = JitterRecord(JitterPolicy(retries: 0))
            file.data = TrainingData(x: [[1], [1], [1]], y: [0, 1, 2])
            file.training.points = 3
            let path = dir.appendingPathComponent("singular.json").path
            try file.save(to: path)
            let data = try Scratch.write("x,y\n0.5,1\n", "test.csv", in: dir)
            let result = try CLI.run(["evaluate", "--model", path, "--data", data])
            #expect(result.status == 5, "\(result.stderr)")
            #expect(result.stderr.contains("not positive definite") && result.stderr.contains("--noise-floor"))
            #expect(result.stderr.contains("duplicate"))
        }
    }
}
