import Foundation
import Testing
import GPLinearAlgebra
import SwiftGP

/// The typed `state` of sparse model files: the version-1 JSON (keys and number arrays) is read and
/// written unchanged, and tampered shapes are model-file errors (exit 4), never crashes or huge allocations.
@Suite struct ModelStateTests {
    /// A quick sgpr fit on the diabetes training split, in process.
    static func fitSGPR() throws -> TrainedModel {
        let train = try Dataset.training(try DataTable.read(csv: Diabetes.train), target: "progression")
        var settings = FitSettings(model: "sgpr", kernel: try KernelExpression(parsing: "rbf"), options: FitOptions(maxIterations: 3))
        settings.inducing = 6
        return try TrainedModel.fit(train, settings: settings)
    }

    @Test func stateKeepsTheVersionOneKeysAndArrays() throws {
        let model = try Self.fitSGPR()
        guard case let .inducingPoints(state)? = model.file.state else { Issue.record("no inducing state"); return }
        #expect(state.inducingCount == 6 && state.dimension == 10 && state.latentCount == 1)
        let bytes = try model.file.encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        let stored = try #require(object["state"] as? [String: [Double]])
        #expect(Set(stored.keys) == ["inducing", "inducing_shape", "projected_mean", "projected_sqrt"])
        #expect(stored["inducing_shape"] == [6, 10])
        #expect(stored["inducing"]?.count == 60 && stored["projected_mean"]?.count == 6 && stored["projected_sqrt"]?.count == 36)
        // Bit-exact through JSONDecoder (JSONSerialization may round the last digit).
        #expect(try ModelFile.decode(bytes, source: "model.json") == model.file)
        // Shapes written as JSON doubles (as `[String: [Double]]` could) read the same.
        let text = String(decoding: bytes, as: UTF8.self)
        let legacy = text.replacingOccurrences(of: "\"inducing_shape\":[6,10]", with: "\"inducing_shape\":[6.0,10.0]")
        #expect(legacy != text)
        #expect(try ModelFile.decode(Data(legacy.utf8), source: "legacy.json") == model.file)
    }

    @Test func tamperedStateExitsFour() throws {
        try Scratch.with { dir in
            let model = try Self.fitSGPR()
            let object = try #require(try JSONSerialization.jsonObject(with: try model.file.encoded()) as? [String: Any])
            let state = try #require(object["state"] as? [String: [Double]])
            func with(_ change: (inout [String: Any]) -> Void) throws -> String {
                var o = object
                var s: [String: Any] = state
                change(&s)
                o["state"] = s
                return String(decoding: try JSONSerialization.data(withJSONObject: o), as: UTF8.self)
            }
            let cases: [(String, String, [String])] = [
                ("huge shape", try with { $0["inducing_shape"] = [1e20, 10.0] }, ["'state.inducing_shape' is [1e+20, 10]"]),
                ("huge product", try with { $0["inducing_shape"] = [4.0e9, 4.0e9] }, ["'state.inducing_shape'"]),
                ("fractional shape", try with { $0["inducing_shape"] = [6.5, 10.0] }, ["'state.inducing_shape'"]),
                ("three dimensions", try with { $0["inducing_shape"] = [6.0, 10.0, 1.0] }, ["'state.inducing_shape'"]),
                ("swapped shape", try with { $0["inducing_shape"] = [10.0, 6.0] }, ["'state.projected_mean'"]),
                ("short sqrt", try with { $0["projected_sqrt"] = Array(state["projected_sqrt"]!.dropLast()) },
                 ["'state.projected_sqrt' has 35 values"]),
                ("missing mean", try with { $0.removeValue(forKey: "projected_mean") }, ["missing key 'projected_mean'"]),
                ("unknown state", try with { $0 = ["weights": [1.0]] }, ["'state' holds 'weights'"]),
                ("no state", try with { _ in }.replacingOccurrences(of: "\"state\"", with: "\"unused\""),
                 ["a sgpr model needs 'state'"]),
            ]
            for (name, contents, expected) in cases {
                let path = dir.appendingPathComponent("\(name).json").path
                try contents.write(toFile: path, atomically: false, encoding: .utf8)
                for command in [["info", "--model", path], ["evaluate", "--model", path, "--data", Diabetes.test]] {
                    let result = try CLI.run(command)
                    #expect(result.status == 4, "\(name) \(command[0]): exit \(result.status) \(result.stderr)")
                    for s in expected + ["\(name).json: invalid model file"] {
                        #expect(result.stderr.contains(s), "\(name): '\(s)' not in \(result.stderr)")
                    }
                    #expect(result.stdout.isEmpty)
                }
            }
        }
    }
}
