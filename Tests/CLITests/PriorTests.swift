import Foundation
import Testing
import SwiftGP

/// `fit --prior NAME=prior(args)`: MAP training, priors saved in the model file and shown by `info`,
/// bad priors rejected as usage errors with nothing written.
@Suite struct PriorTests {
    @Test func priorIsSavedShownAndChangesTheFit() throws {
        try Scratch.with { dir in
            let plain = dir.appendingPathComponent("plain.json").path
            let withPrior = dir.appendingPathComponent("prior.json").path
            let base = ["fit", "--data", Diabetes.train, "--target", "progression", "--model", "exact", "--kernel", "rbf",
                        "--quiet"]
            #expect(try CLI.run(base + ["--output", plain]).status == 0)
            // A strong prior pulling every lengthscale towards e³ ≈ 20 (on the standardised scale).
            let fit = try CLI.run(base + ["--prior", "lengthscale=lognormal(3,0.1)", "--prior", "likelihood.variance=gamma(2,1)",
                                          "--output", withPrior])
            #expect(fit.status == 0, "\(fit.stderr)")
            let file = try ModelFile.load(from: withPrior)
            let lengthscale = try #require(file.kernel.parameters.first { $0.name == "lengthscale" })
            #expect(lengthscale.prior == "lognormal(3,0.1)")
            #expect(file.likelihood.parameters.first { $0.name == "variance" }?.prior == "gamma(2,1)")
            // The MAP lengthscales sit near the prior's mode, far from the maximum-likelihood ones.
            let mapMean = lengthscale.value.reduce(0, +) / Double(lengthscale.value.count)
            #expect(mapMean > 12, "MAP lengthscales \(lengthscale.value)")
            let plainFile = try ModelFile.load(from: plain)
            #expect(plainFile.kernel.parameters.allSatisfy { $0.prior == nil })
            // The reloaded model predicts, and info shows the priors (text and JSON).
            #expect(try CLI.run(["predict", "--model", withPrior, "--data", Diabetes.test]).status == 0)
            let info = try CLI.run(["info", "--model", withPrior])
            #expect(info.stdout.contains("prior lognormal(3,0.1)"), "\(info.stdout)")
            let json = try CLI.run(["info", "--model", withPrior, "--format", "json"])
            #expect(json.stdout.contains("\"priors\""), "\(json.stdout)")
        }
    }

    @Test(arguments: [["--prior", "lengthscale=wishart(1)"], ["--prior", "lengthscale"], ["--prior", "lengthscale=lognormal(0,-1)"],
                      ["--prior", "nosuchparameter=normal(0,1)"]])
    func badPriorsAreUsageErrors(arguments: [String]) throws {
        try Scratch.with { dir in
            let out = dir.appendingPathComponent("m.json").path
            let run = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "exact", "--quiet",
                                   "--output", out] + arguments)
            #expect(run.status == 2, "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.contains("prior"), "\(run.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test func corruptPriorInAModelFileIsAModelFileError() throws {
        try Scratch.with { dir in
            let model = dir.appendingPathComponent("m.json").path
            #expect(try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--model", "exact", "--quiet",
                                 "--prior", "lengthscale=lognormal(0,1)", "--output", model]).status == 0)
            let text = try String(contentsOfFile: model, encoding: .utf8).replacingOccurrences(of: "lognormal(0,1)", with: "lognormal(0,x)")
            try text.write(toFile: model, atomically: true, encoding: .utf8)
            let run = try CLI.run(["predict", "--model", model, "--data", Diabetes.test])
            #expect(run.status == 4, "\(run.stderr)")
            #expect(run.stderr.contains("prior"))
        }
    }
}

/// Issue 11: a degenerate fit says so on stderr (even with --quiet), in the model file and in `info`.
@Suite struct DegenerateFitWarningTests {
    @Test func noiseFreeDataWarnThatTheNoiseIsAtItsFloor() throws {
        try Scratch.with { dir in
            let rows = (0..<40).map { i -> String in
                let x = -2 + 4 * Double(i) / 39
                return "\(x),\(Foundation.sin(2 * x))"
            }
            let data = try Scratch.write("x,y\n" + rows.joined(separator: "\n") + "\n", "smooth.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            let fit = try CLI.run(["fit", "--data", data, "--target", "y", "--model", "exact", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            #expect(fit.stderr.contains("warning") && fit.stderr.contains("likelihood.variance"), "\(fit.stderr)")
            let file = try ModelFile.load(from: model)
            #expect(file.training.warnings?.contains { $0.contains("lower bound") } == true)
            let info = try CLI.run(["info", "--model", model])
            #expect(info.stdout.contains("warning"), "\(info.stdout)")
        }
    }
}
