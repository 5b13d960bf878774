import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// `fit --noise-column COL`: known per-row noise variances for exact, sgpr and svgp, kept in the model file
/// and added to the variance of y by predict and evaluate when their data has the column.
@Suite struct NoiseColumnTests {
    /// y = sin x + noise of known variance s (every third row noisy), with columns x, s, y.
    static func write(rows n: Int, seed: UInt64, to path: String) throws {
        var g = SeededGenerator(seed: seed)
        var text = "x,s,y\n"
        for i in 0..<n {
            let x = 6 * g.uniform(), s = i % 3 == 0 ? 0.5 : 0.01
            text += "\(x),\(s),\(Math.sin(x) + s.squareRoot() * g.normal())\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func exactFitKeepsTheNoiseAndPredictionsAddIt() throws {
        try Scratch.with { dir in
            let train = dir.appendingPathComponent("train.csv").path, test = dir.appendingPathComponent("test.csv").path
            try Self.write(rows: 60, seed: 1, to: train)
            try Self.write(rows: 30, seed: 2, to: test)
            let model = dir.appendingPathComponent("m.json").path
            let fit = try CLI.run(["fit", "--data", train, "--target", "y", "--noise-column", "s", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let file = try ModelFile.load(from: model)
            #expect(file.features == ["x"] && file.noiseColumn == "s")
            #expect(file.data?.noise?.count == 60)
            // predict: the variance of y includes the row's known noise; without the column it does not.
            let with = try CLI.run(["predict", "--model", model, "--data", test])
            let table = try DataTable.read(csv: test)
            let withoutPath = dir.appendingPathComponent("nos.csv").path
            let xs = try table.column("x")
            try (["x"] + xs.map { "\($0)" }).joined(separator: "\n").appending("\n")
                .write(toFile: withoutPath, atomically: true, encoding: .utf8)
            let without = try CLI.run(["predict", "--model", model, "--data", withoutPath])
            #expect(with.status == 0 && without.status == 0, "\(with.stderr) \(without.stderr)")
            func variances(_ csv: String) -> [Double] {
                csv.split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[1])! }
            }
            let s = try table.column("s")
            let difference = zip(variances(with.stdout), variances(without.stdout)).map { $0 - $1 }
            #expect(FiniteDifferences.maxRelativeError(difference, s) < 1e-6, "\(difference.prefix(4)) vs \(s.prefix(4))")
            // In process: the loaded model predicts bit-identically, with and without the noise.
            let data = try Dataset.training(try DataTable.read(csv: train), target: "y", noiseColumn: "s")
            let fitted = try TrainedModel.fit(data, settings: FitSettings(model: "exact", kernel: try KernelExpression(parsing: "matern52"),
                                                                          options: FitOptions(maxIterations: 20)))
            let saved = dir.appendingPathComponent("p.json").path
            try fitted.save(to: saved)
            let inputs = try Dataset.inputs(table, features: ["x"], target: "y", noiseColumn: "s")
            #expect(try TrainedModel.load(from: saved).predict(inputs.x, noise: inputs.noise) == fitted.predict(inputs.x, noise: inputs.noise))
            // Told the noise, the fit scores better on held-out rows than a fit that is not.
            let blind = dir.appendingPathComponent("b.json").path
            #expect(try CLI.run(["fit", "--data", train, "--target", "y", "--features", "x", "--quiet", "--output", blind]).status == 0)
            func nlpd(_ m: String) throws -> Double {
                let r = try CLI.run(["evaluate", "--model", m, "--data", test, "--format", "json"])
                return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Double])["nlpd"]!
            }
            let told = try nlpd(model), notTold = try nlpd(blind)
            #expect(told < notTold, "NLPD told \(told), blind \(notTold)")
        }
    }

    @Test(arguments: [["--model", "sgpr", "--inducing", "20"], ["--model", "svgp", "--inducing", "20", "--iterations", "100"]])
    func sparseModelsTakeTheNoiseColumn(args: [String]) throws {
        try Scratch.with { dir in
            let train = dir.appendingPathComponent("train.csv").path
            try Self.write(rows: 60, seed: 3, to: train)
            let model = dir.appendingPathComponent("m.json").path
            let fit = try CLI.run(["fit", "--data", train, "--target", "y", "--noise-column", "s", "--quiet", "--output", model] + args)
            #expect(fit.status == 0, "\(args): \(fit.stderr)")
            #expect(try ModelFile.load(from: model).noiseColumn == "s")
            let eval = try CLI.run(["evaluate", "--model", model, "--data", train, "--format", "json"])
            #expect(eval.status == 0, "\(eval.stderr)")
        }
    }

    @Test func badNoiseColumnsAreRefusedWithoutOutput() throws {
        try Scratch.with { dir in
            let train = dir.appendingPathComponent("train.csv").path
            try Self.write(rows: 30, seed: 4, to: train)
            let model = dir.appendingPathComponent("m.json").path
            let cases: [([String], Int32, String)] = [
                (["--noise-column", "s", "--model", "vecchia"], 2, "--noise-column needs a Gaussian likelihood and one of the models exact, sgpr, svgp"),
                (["--noise-column", "s", "--model", "svgp", "--likelihood", "studentt"], 2, "likelihood 'studentt'"),
                (["--noise-column", "y"], 2, "--noise-column is the target 'y'"),
                (["--noise-column", "s", "--features", "x,s"], 2, "--features includes the noise column 's'"),
                (["--noise-column", "t"], 3, "'t'"),
            ]
            for (args, status, message) in cases {
                let r = try CLI.run(["fit", "--data", train, "--target", "y", "--quiet", "--output", model] + args)
                #expect(r.status == status && r.stderr.contains(message), "\(args): \(r.status) \(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: model))
            }
            let negative = dir.appendingPathComponent("neg.csv").path
            try "x,s,y\n1,0.1,0.5\n2,-0.2,0.7\n3,0.1,0.1\n".write(toFile: negative, atomically: true, encoding: .utf8)
            let r = try CLI.run(["fit", "--data", negative, "--target", "y", "--noise-column", "s", "--quiet", "--output", model])
            #expect(r.status == 3 && r.stderr.contains("line 3, column 's': noise variance -0.2 is negative"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: model))
        }
    }
}
