import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// `--model sgpr` and `--model svgp` through the same commands and model files.
@Suite struct SparseModelTests {
    static let breastTrain = TestData.repositoryRoot.appendingPathComponent("datasets/breast_cancer/breast_cancer_train.csv").path
    static let breastTest = TestData.repositoryRoot.appendingPathComponent("datasets/breast_cancer/breast_cancer_test.csv").path

    func metrics(_ json: String) throws -> [String: Double] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Double])
    }

    @Test func svgpClassifiesBreastCancerAndReloadsBitIdentically() throws {
        try Scratch.with { dir in
            let model = dir.appendingPathComponent("bc.json").path
            let fit = try CLI.run(["fit", "--data", Self.breastTrain, "--target", "malignant", "--model", "svgp",
                                   "--likelihood", "bernoulli", "--inducing", "30", "--batch-size", "128", "--epochs", "100",
                                   "--learning-rate", "0.02", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let eval = try CLI.run(["evaluate", "--model", model, "--data", Self.breastTest, "--format", "json"])
            let m = try metrics(eval.stdout)
            #expect(Set(m.keys) == ["n", "accuracy", "nlpd", "brier"])
            #expect(m["accuracy"]! >= 0.95, "accuracy \(m["accuracy"]!)")
            let predict = try CLI.run(["predict", "--model", model, "--data", Self.breastTest])
            #expect(predict.stdout.hasPrefix("p1,label\n"))
            // In-process fit, save, load: identical predictions.
            let train = try Dataset.training(try DataTable.read(csv: Self.breastTrain), target: "malignant")
            var settings = FitSettings(model: "svgp", kernel: try KernelExpression(parsing: "rbf"), likelihood: "bernoulli",
                                       options: FitOptions(maxIterations: 20, seed: 3))
            settings.inducing = 15
            settings.batchSize = 64
            let fitted = try TrainedModel.fit(train, settings: settings)
            let test = try Dataset.inputs(try DataTable.read(csv: Self.breastTest), features: train.features, target: "malignant")
            let path = dir.appendingPathComponent("inprocess.json").path
            try fitted.save(to: path)
            #expect(try TrainedModel.load(from: path).predict(test.x) == (try fitted.predict(test.x)))
        }
    }

    /// `--inference ep-like` trains svgp by CVI site rounds on the EP-like estimate: it classifies breast
    /// cancer, `info` names the objective, and the options it cannot honour are refused before any work.
    @Test func svgpEPLikeClassifiesBreastCancer() throws {
        try Scratch.with { dir in
            let model = dir.appendingPathComponent("ep.json").path
            let fit = try CLI.run(["fit", "--data", Self.breastTrain, "--target", "malignant", "--model", "svgp",
                                   "--likelihood", "bernoulli", "--inducing", "30", "--inference", "ep-like", "--iterations", "30",
                                   "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let m = try metrics(try CLI.run(["evaluate", "--model", model, "--data", Self.breastTest, "--format", "json"]).stdout)
            // The full GP's EP-like fit (--model gpc) reaches NLPD 0.088 and accuracy 0.956 on this split.
            #expect(m["accuracy"]! >= 0.93 && m["nlpd"]! < 0.1, "\(m)")
            let info = try CLI.run(["info", "--model", model])
            #expect(info.stdout.contains("EP-like"), "\(info.stdout)")
            for (extra, message) in [(["--inference", "laplace"], "vi or ep-like"), (["--inference", "ep-like", "--batch-size", "64"], "drop --batch-size"),
                                     (["--inference", "ep-like", "--natural-gradients"], "drop --natural-gradients")] {
                let bad = dir.appendingPathComponent("bad.json").path
                let run = try CLI.run(["fit", "--data", Self.breastTrain, "--target", "malignant", "--model", "svgp",
                                       "--likelihood", "bernoulli", "--quiet", "--output", bad] + extra)
                #expect(run.status != 0 && run.stderr.contains(message), "\(extra): \(run.stderr)")
                #expect(!FileManager.default.fileExists(atPath: bad))
            }
        }
    }

    @Test func sgprAndSvgpRegressOnDiabetes() throws {
        try Scratch.with { dir in
            for args in [["--model", "sgpr", "--inducing", "40"],
                         ["--model", "svgp", "--inducing", "40", "--natural-gradients", "--iterations", "200", "--learning-rate", "0.03"]] {
                let model = dir.appendingPathComponent("d.json").path
                let fit = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--kernel", "matern52",
                                       "--quiet", "--output", model] + args)
                #expect(fit.status == 0, "\(args): \(fit.stderr)")
                let m = try metrics(try CLI.run(["evaluate", "--model", model, "--data", Diabetes.test, "--format", "json"]).stdout)
                #expect(m["rmse"]! < 60, "\(args): rmse \(m["rmse"]!)")
                let info = try CLI.run(["info", "--model", model, "--format", "json"])
                let object = try #require(try JSONSerialization.jsonObject(with: Data(info.stdout.utf8)) as? [String: Any])
                #expect(object["model"] as? String == args[1])
                #expect(object["state"] as? String == "40 inducing points", "\(object["state"] ?? "none")")
            }
        }
    }

    /// Natural gradients are svgp's default for a Gaussian likelihood (issue 4): the default fit predicts
    /// bit for bit like the `--natural-gradients` fit, and differently from `--no-natural-gradients`.
    @Test func naturalGradientsAreTheGaussianDefault() throws {
        try Scratch.with { dir in
            var files: [String: String] = [:]
            for (name, extra) in [("default", [String]()), ("on", ["--natural-gradients"]), ("off", ["--no-natural-gradients"])] {
                let model = dir.appendingPathComponent("\(name).json").path
                let fit = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--kernel", "matern52",
                                       "--model", "svgp", "--inducing", "20", "--batch-size", "64", "--iterations", "30",
                                       "--quiet", "--output", model] + extra)
                #expect(fit.status == 0, "\(name): \(fit.stderr)")
                // Predictions, not the model file (which records the training time).
                let predictions = dir.appendingPathComponent("\(name).csv").path
                let predict = try CLI.run(["predict", "--model", model, "--data", Diabetes.test, "--output", predictions])
                #expect(predict.status == 0, "\(name): \(predict.stderr)")
                files[name] = try String(contentsOfFile: predictions, encoding: .utf8)
            }
            #expect(files["default"] == files["on"])
            #expect(files["default"] != files["off"])
        }
    }

    @Test func svgpSoftmaxClassifiesThreeClasses() throws {
        try Scratch.with { dir in
            var g = SeededGenerator(seed: 5)
            func rows(_ n: Int) -> String {
                let centres = [(-2.0, 0.0), (2.0, 0.0), (0.0, 2.5)]
                return "a,b,cls\n" + (0..<n).map { i in
                    let c = i % 3
                    return "\(centres[c].0 + 0.7 * g.normal()),\(centres[c].1 + 0.7 * g.normal()),\(c + 1)"
                }.joined(separator: "\n")
            }
            let train = try Scratch.write(rows(150), "train.csv", in: dir)
            let test = try Scratch.write(rows(90), "test.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            let fit = try CLI.run(["fit", "--data", train, "--target", "cls", "--model", "svgp", "--likelihood", "softmax",
                                   "--inducing", "12", "--iterations", "250", "--learning-rate", "0.05", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let predict = try CLI.run(["predict", "--model", model, "--data", test])
            #expect(predict.stdout.hasPrefix("p_1,p_2,p_3,label\n"), "\(predict.stdout.prefix(40))")
            let m = try metrics(try CLI.run(["evaluate", "--model", model, "--data", test, "--format", "json"]).stdout)
            #expect(m["accuracy"]! >= 0.9)
        }
    }

    @Test func poissonNeedsCountsAndFitsThem() throws {
        try Scratch.with { dir in
            var g = SeededGenerator(seed: 6)
            let text = "t,y\n" + (0..<120).map { i -> String in
                let t = Double(i) / 20
                let rate = Math.exp(1 + Math.sin(t))
                // Poisson draw by inversion.
                var k = 0.0, p = Math.exp(-rate), s = p
                let u = g.uniform()
                while u > s { k += 1; p *= rate / k; s += p }
                return "\(t),\(Int(k))"
            }.joined(separator: "\n")
            let data = try Scratch.write(text, "counts.csv", in: dir)
            let model = dir.appendingPathComponent("p.json").path
            let fit = try CLI.run(["fit", "--data", data, "--target", "y", "--model", "svgp", "--likelihood", "poisson",
                                   "--inducing", "15", "--iterations", "300", "--learning-rate", "0.05", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let columns = parsePredictions(try CLI.run(["predict", "--model", model, "--data", data]).stdout).columns
            // The predicted mean rate follows e^{1 + sin t} (between e⁰ and e²).
            #expect(columns[0].allSatisfy { $0 > 0.5 && $0 < 10 })
            let bad = try Scratch.write("t,y\n0,1\n1,2.5\n2,3\n", "bad.csv", in: dir)
            let failure = try CLI.run(["fit", "--data", bad, "--target", "y", "--model", "svgp", "--likelihood", "poisson",
                                       "--output", dir.appendingPathComponent("never.json").path])
            #expect(failure.status == 3)
            #expect(failure.stderr.contains("line 3") && failure.stderr.contains("not a count"), "\(failure.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("never.json").path))
        }
    }

    @Test func badClassificationLabelsExitThreeWithoutOutput() throws {
        try Scratch.with { dir in
            let three = try Scratch.write("a,b,y\n0.1,0.2,0\n0.3,0.1,1\n0.5,0.9,2\n0.7,0.4,1\n", "three.csv", in: dir)
            let one = try Scratch.write("a,b,y\n0.1,0.2,1\n0.3,0.1,1\n0.5,0.9,1\n", "one.csv", in: dir)
            let output = dir.appendingPathComponent("never.json").path
            for (file, expected) in [(three, ["three.csv, line 4, column 'y'", "third distinct value"]),
                                     (one, ["one.csv, column 'y'", "constant"])] {
                let r = try CLI.run(["fit", "--data", file, "--target", "y", "--model", "svgp", "--likelihood", "bernoulli",
                                     "--inducing", "2", "--iterations", "3", "--output", output])
                #expect(r.status == 3)
                for text in expected { #expect(r.stderr.contains(text), "\(r.stderr)") }
                #expect(!FileManager.default.fileExists(atPath: output))
            }
        }
    }

    @Test func sparseOptionsAreValidated() throws {
        let r = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--natural-gradients", "--output", "/tmp/x.json"])
        #expect(r.status == 2 && r.stderr.contains("--natural-gradients / --no-natural-gradients apply to --model svgp only"))
        let l = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "sgpr", "--likelihood", "poisson",
                             "--output", "/tmp/x.json"])
        #expect(l.status == 2 && l.stderr.contains("sgpr supports: gaussian"))
    }
}
