import Foundation
import Testing
import GPTestSupport
import SwiftGP

/// `--model statespace`: linear-time GPs on one time column through the same commands.
@Suite struct StateSpaceModelTests {
    static let co2Train = TestData.repositoryRoot.appendingPathComponent("datasets/co2/co2_train.csv").path
    static let co2Test = TestData.repositoryRoot.appendingPathComponent("datasets/co2/co2_test.csv").path

    @Test func fitsTheCO2SeriesWithAHidaMaternComponentAndReloads() throws {
        try Scratch.with { dir in
            let model = dir.appendingPathComponent("co2.json").path
            let fit = try CLI.run(["fit", "--data", Self.co2Train, "--target", "co2", "--model", "statespace",
                                   "--kernel", "matern52 + hidamatern32", "--iterations", "60", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let eval = try CLI.run(["evaluate", "--model", model, "--data", Self.co2Test, "--format", "json"])
            #expect(eval.status == 0, "\(eval.stderr)")
            let m = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Double])
            #expect(m["n"] == 445 || m["n"]! > 0)
            let info = try CLI.run(["info", "--model", model, "--format", "json"])
            #expect(info.stdout.contains("hidamatern32"))
        }
    }

    /// `--likelihood poisson --inference ep-like`: CVI rounds with the kernel on the EP-like estimate. Train on every
    /// other bin of a count series, then predict the rest: the held-out mean rates follow e^{1 + sin t} as closely as
    /// the default (variational EM) does. `--inference` with a Gaussian likelihood or `laplace` is refused before work.
    @Test func poissonCountsFitWithTheEPLikeObjective() throws {
        try Scratch.with { dir in
            var g = SeededGenerator(seed: 8)
            var train = "t,y\n", test = "t,y\n"
            var truth: [Double] = []
            for i in 0..<300 {
                let t = Double(i) / 20, rate = Math.exp(1 + Math.sin(t))
                var k = 0.0, p = Math.exp(-rate), s = p
                let u = g.uniform()
                while u > s { k += 1; p *= rate / k; s += p }
                if i % 2 == 0 { train += "\(t),\(Int(k))\n" } else { test += "\(t),\(Int(k))\n"; truth.append(rate) }
            }
            let trainFile = try Scratch.write(train, "train.csv", in: dir), testFile = try Scratch.write(test, "test.csv", in: dir)
            var errors: [String: Double] = [:]
            for inference in ["ep-like", "vi"] {
                let model = dir.appendingPathComponent("\(inference).json").path
                let fit = try CLI.run(["fit", "--data", trainFile, "--target", "y", "--model", "statespace", "--likelihood", "poisson",
                                       "--kernel", "matern52", "--inference", inference, "--quiet", "--output", model])
                #expect(fit.status == 0, "\(fit.stderr)")
                let mean = parsePredictions(try CLI.run(["predict", "--model", model, "--data", testFile]).stdout).columns[0]
                errors[inference] = zip(mean, truth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(truth.count)
            }
            #expect(errors["ep-like"]! < 0.3 && errors["ep-like"]! < 1.5 * errors["vi"]!, "mean squared rate errors \(errors)")
            let output = dir.appendingPathComponent("never.json").path
            for (extra, message) in [(["--inference", "ep-like"], "needs a non-Gaussian likelihood"),
                                     (["--likelihood", "poisson", "--inference", "laplace"], "must be vi or ep-like")] {
                let r = try CLI.run(["fit", "--data", trainFile, "--target", "y", "--model", "statespace", "--kernel", "matern52",
                                     "--output", output] + extra)
                #expect(r.status == 2 && r.stderr.contains(message), "\(r.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test func oneDimensionalKernelsRejectSeveralFeatures() throws {
        let r = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--kernel", "hidamatern32",
                             "--output", "/tmp/never-\(UUID().uuidString).json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("kernel 'hidamatern32' needs exactly one feature column"), "\(r.stderr)")
    }
}
