import Foundation
import Testing

/// Unknown names (exit 2), unwritable outputs (exit 6) and numerical failures (exit 5).
@Suite struct UsageAndOutputTests {
    static let data = "x,y\n0,0.1\n1,0.9\n2,0.2\n3,0.8\n"

    @Test(arguments: [
        (["--kernel", "gaussian"], ["unknown kernel 'gaussian'", "rbf, matern12, matern32, matern52, rq, periodic, linear"]),
        (["--kernel", "matern52 + "], ["kernel expression", "expected a kernel name"]),
        (["--kernel", "rbf * (linear"], ["expected ')'"]),
        (["--model", "no-such-model"], ["unknown model 'no-such-model'", "valid models: exact, sgpr, svgp, statespace"]),
        (["--likelihood", "bernoulli"], ["likelihood 'bernoulli'", "exact supports: gaussian"]),
        (["--likelihood", "cauchy"], ["likelihood 'cauchy'", "exact supports: gaussian"]),
        (["--features", "x,x"], ["'x' more than once"]),
        (["--features", "x,y"], ["includes the target"]),
        (["--iterations", "-3"], ["--iterations"]),
        (["--seed", "minus one"], ["--seed"]),
    ])
    func usageErrorsExitTwo(arguments: [String], expected: [String]) throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "train.csv", in: dir)
            let output = dir.appendingPathComponent("m.json").path
            let result = try CLI.run(["fit", "--data", train, "--target", "y", "--output", output] + arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            for s in expected { #expect(result.stderr.contains(s), "'\(s)' not in \(result.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test func badFormatIsAUsageError() throws {
        let result = try CLI.run(["evaluate", "--model", "m.json", "--data", "d.csv", "--format", "xml"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("'text'") && result.stderr.contains("'json'"))
    }

    @Test func unwritableOutputsExitSix() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "train.csv", in: dir)
            let missingDir = dir.appendingPathComponent("no/such/dir/m.json").path
            let fileAsDir = try Scratch.write("x", "plainfile", in: dir) + "/m.json"
            for output in [missingDir, dir.path, fileAsDir] {
                let result = try CLI.run(["fit", "--data", train, "--target", "y", "--quiet", "--output", output])
                #expect(result.status == 6, "\(output): \(result.stderr)")
                #expect(result.stderr.contains(output) && result.stderr.contains("cannot write"), "\(result.stderr)")
            }
            let model = dir.appendingPathComponent("m.json").path
            #expect(try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "3", "--quiet",
                                 "--output", model]).status == 0)
            let result = try CLI.run(["predict", "--model", model, "--data", train, "--output", missingDir])
            #expect(result.status == 6)
            #expect(result.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: missingDir))
        }
    }

    @Test func overflowingKernelIsANumericalFailure() throws {
        try Scratch.with { dir in
            // x² overflows in the linear kernel when the data is not standardised.
            let train = try Scratch.write("x,y\n1.4e154,1\n1.5e154,2\n1.6e154,5\n", "huge.csv", in: dir)
            let output = dir.appendingPathComponent("m.json").path
            let result = try CLI.run(["fit", "--data", train, "--target", "y", "--kernel", "linear", "--no-standardize",
                                      "--quiet", "--output", output])
            #expect(result.status == 5, "\(result.stderr)")
            #expect(result.stderr.contains("numerical failure") && result.stderr.contains("--no-standardize"))
            #expect(!FileManager.default.fileExists(atPath: output))
            // Standardised, the same data fits.
            let ok = try CLI.run(["fit", "--data", train, "--target", "y", "--kernel", "linear", "--iterations", "5",
                                  "--quiet", "--output", output])
            #expect(ok.status == 0, "\(ok.stderr)")
        }
    }
}
