import Foundation
import Testing

/// Tampered model files: every field is checked on load, exit 4 naming the field, quickly, with nothing
/// written; a stored model whose predictions are not finite exits 5 instead of writing NaN (issue 12).
@Suite struct TamperedModelFileTests {
    static let data = "x,y\n0,0.1\n1,0.9\n2,0.2\n3,0.8\n4,0.3\n5,0.6\n"

    /// A fitted model file's JSON object.
    static func fitted(_ arguments: [String], data: String = data, in dir: URL) throws -> [String: Any] {
        let train = try Scratch.write(data, "train-\(UUID().uuidString).csv", in: dir)
        let r = try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "3", "--quiet", "--output", "-"] + arguments)
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    static func nested(_ depth: Int) -> [String: Any] {
        let leaf: [String: Any] = ["kind": "white", "parameters": [["name": "variance", "value": [1.0],
                                                                    "constraint": ["type": "positive", "lower": 0], "trainable": true]]]
        return (0..<depth - 1).reduce(leaf) { inner, _ in ["kind": "sum", "parameters": [], "children": [inner]] }
    }

    @Test func everyTamperedFieldExitsFourNamingIt() throws {
        try Scratch.with { dir in
            let exact = try Self.fitted([], in: dir)
            let svgp = try Self.fitted(["--model", "svgp", "--inducing", "3"], in: dir)
            let statespace = try Self.fitted(["--model", "statespace", "--kernel", "matern32"], in: dir)
            var ten = "a,b,c,d,e,f,g,h,i,j,y\n"
            for r in 0..<12 { ten += (0..<11).map { c in "\(Double((r * 7 + c * 3) % 11) / 10)" }.joined(separator: ",") + "\n" }
            let wide = try Self.fitted([], data: ten, in: dir)
            func with(_ o: [String: Any], _ change: (inout [String: Any]) -> Void) -> [String: Any] {
                var copy = o
                change(&copy)
                return copy
            }
            func jitter(_ key: String, _ value: Any) -> [String: Any] {
                with(exact) { var j = $0["jitter_policy"] as! [String: Any]; j[key] = value; $0["jitter_policy"] = j }
            }
            let cases: [(String, [String: Any], [String])] = [
                ("retries -1", jitter("retries", -1), ["'jitter_policy.retries' must be between 0 and 20 (found -1)"]),
                ("retries 1e6", jitter("retries", 1_000_000), ["'jitter_policy.retries'", "found 1000000"]),
                ("growth 0", jitter("growth", 0), ["'jitter_policy.growth' must be in (1, 1000]"]),
                ("first 0", jitter("first_relative", 0), ["'jitter_policy.first_relative'"]),
                ("svgp says classification", with(svgp) { $0["task"] = "binary-classification"; $0["classes"] = [0, 1] },
                 ["'task' is 'binary-classification', but a svgp model with likelihood 'gaussian' does regression"]),
                ("inducing_shape 1e20", with(svgp) { var s = $0["state"] as! [String: Any]; s["inducing_shape"] = [1e20, 1]; $0["state"] = s },
                 ["'state.inducing_shape'"]),
                ("hidamatern32 on 10 features", with(wide) { $0["kernel"] = ["kind": "hidamatern32", "parameters": [
                    ["name": "lengthscale", "value": [1.0], "constraint": ["type": "positive", "lower": 0], "trainable": true],
                    ["name": "variance", "value": [1.0], "constraint": ["type": "positive", "lower": 0], "trainable": true],
                    ["name": "frequency", "value": [1.0], "constraint": ["type": "positive", "lower": 0], "trainable": true]]] },
                 ["kernel (hidamatern32) is defined on 1 input column (time) but sees 10"]),
                ("statespace rbf", with(statespace) { $0["kernel"] = (exact["kernel"]!) },
                 ["'kernel': kernel 'rbf' is not available for model 'statespace'"]),
                ("likelihood of another model", with(exact) { var l = $0["likelihood"] as! [String: Any]; l["kind"] = "bernoulli"; $0["likelihood"] = l },
                 ["'likelihood.kind': 'bernoulli' is not a likelihood of model 'exact'"]),
                ("kernel 100 deep", with(exact) { $0["kernel"] = Self.nested(100) }, ["'kernel' is nested 100 levels deep (at most 32)"]),
                ("unsorted classes", with(svgp) { $0["classes"] = [1, 0] }, ["'classes' must be distinct and increasing"]),
                ("a row removed from data", with(exact) {
                    var data = $0["data"] as! [String: Any]
                    data["x"] = Array((data["x"] as! [Any]).dropLast())
                    data["y"] = Array((data["y"] as! [Any]).dropLast())
                    $0["data"] = data
                }, ["'training.points' is"]),
            ]
            let test = try Scratch.write(Self.data, "test.csv", in: dir)
            let output = dir.appendingPathComponent("pred.csv").path
            for (name, object, expected) in cases {
                let path = dir.appendingPathComponent("\(name).json").path
                try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
                for command in [["info", "--model", path], ["predict", "--model", path, "--data", test, "--output", output],
                                ["evaluate", "--model", path, "--data", test]] {
                    let start = Date()
                    let r = try CLI.run(command)
                    #expect(Date().timeIntervalSince(start) < 10, "\(name): \(command[0]) took too long")
                    #expect(r.status == 4, "\(name) \(command[0]): exit \(r.status) \(r.stderr)")
                    for s in expected { #expect(r.stderr.contains(s), "\(name): '\(s)' not in \(r.stderr)") }
                    #expect(r.stdout.isEmpty)
                }
                #expect(!FileManager.default.fileExists(atPath: output))
            }
            // A number beyond the range of a Double is a corrupt file.
            let huge = dir.appendingPathComponent("huge.json").path
            let text = String(decoding: try JSONSerialization.data(withJSONObject: exact), as: UTF8.self)
            try (String(text.dropLast()) + ",\"extra\":1e999}").write(toFile: huge, atomically: false, encoding: .utf8)
            let r = try CLI.run(["info", "--model", huge])
            #expect(r.status == 4 && r.stderr.contains("1e999"), "\(r.stderr)")
        }
    }

    @Test func nonFinitePredictionsExitFiveAndWriteNoNaN() throws {
        try Scratch.with { dir in
            let exact = try Self.fitted([], in: dir)
            var broken = exact
            var stored = broken["data"] as! [String: Any]
            var y = stored["y"] as! [Double]
            y[0] = 1e308
            stored["y"] = y
            broken["data"] = stored
            var scaling = broken["standardization"] as! [String: Any]
            scaling["y"] = ["mean": [0.0], "scale": [1e10]]
            broken["standardization"] = scaling
            let path = dir.appendingPathComponent("y308.json").path
            try JSONSerialization.data(withJSONObject: broken).write(to: URL(fileURLWithPath: path))
            let test = try Scratch.write(Self.data, "test.csv", in: dir)
            for command in [["predict", "--model", path, "--data", test], ["evaluate", "--model", path, "--data", test]] {
                let r = try CLI.run(command)
                #expect(r.status == 5, "\(command[0]): exit \(r.status) \(r.stderr)")
                #expect(r.stderr.contains("is not a finite number"), "\(r.stderr)")
                #expect(!r.stdout.lowercased().contains("nan") && !r.stdout.contains("inf"), "\(r.stdout)")
            }
        }
    }

    /// The state-space case of the issue: a stored series with y = 1e308 overflows the smoother; prediction
    /// exits 5 and writes no NaN rows (it used to write NaN rows with exit 0).
    @Test func stateSpacePredictionFailuresExitFive() throws {
        try Scratch.with { dir in
            var series = "t,y\n"
            for i in 0..<60 { series += "\(Double(i) / 10),\(sin(Double(i) / 10) + Double(i % 5 - 2) / 10)\n" }
            var broken = try Self.fitted(["--model", "statespace", "--kernel", "matern32"], data: series, in: dir)
            var stored = broken["data"] as! [String: Any]
            var y = stored["y"] as! [Double]
            y[0] = 1e308
            stored["y"] = y
            broken["data"] = stored
            let path = dir.appendingPathComponent("series308.json").path
            try JSONSerialization.data(withJSONObject: broken).write(to: URL(fileURLWithPath: path))
            let test = try Scratch.write("t\n0.05\n1.55\n", "test.csv", in: dir)
            let r = try CLI.run(["predict", "--model", path, "--data", test])
            #expect(r.status == 5, "exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("is not a finite number"), "\(r.stderr)")
            #expect(!r.stdout.lowercased().contains("nan") && !r.stdout.contains("inf"), "\(r.stdout)")
        }
    }
}
