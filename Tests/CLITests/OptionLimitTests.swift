import Foundation
import Testing

/// Option values out of range, overflowing arithmetic and pathological kernel expressions are usage
/// errors (exit 2) with a range message, before any data is read (issue 12).
@Suite struct OptionLimitTests {
    static let data = "x,y\n0,0.1\n1,0.9\n2,0.2\n3,0.8\n4,0.3\n"

    static func fit(_ arguments: [String]) throws -> (CLIResult, Bool) {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "t.csv", in: dir)
            let output = dir.appendingPathComponent("m.json").path
            let r = try CLI.run(["fit", "--data", train, "--target", "y", "--quiet", "--output", output] + arguments)
            return (r, FileManager.default.fileExists(atPath: output))
        }
    }

    static let deepParentheses = String(repeating: "(", count: 60_000) + "rbf" + String(repeating: ")", count: 60_000)
    /// A tree `depth` levels deep: rbf + (rbf * (rbf + …)).
    static func alternating(_ depth: Int) -> String {
        (1..<depth).reduce("rbf") { inner, level in "rbf \(level % 2 == 0 ? "+" : "*") (\(inner))" }
    }

    static let cases: [([String], String)] = [
        (["--inducing", "-5"], "--inducing must be between 1 and 100000 (got -5)"),
        (["--iterations", "-3"], "--iterations must be between 0 and 1000000000 (got -3)"),
        (["--restarts", "9223372036854775807"], "--restarts must be between 0 and 10000 (got 9223372036854775807)"),
        (["--model", "svgp", "--batch-size", "-1"], "--batch-size must be at least 1 (got -1)"),
        (["--model", "svgp", "--epochs", "600000000", "--batch-size", "1"], "--epochs 600000000 × 5 minibatches per epoch exceeds 1000000000 iterations"),
        (["--learning-rate", "-0.5", "--model", "svgp"], "--learning-rate must be a finite number > 0 (got -0.5)"),
        (["--noise-floor", "-1e-3"], "--noise-floor must be a finite number ≥ 0 (got -0.001)"),
        (["--kernel", deepParentheses], "parentheses nested more than 16 deep"),
        (["--kernel", alternating(256)], "parentheses nested more than 16 deep"),
        (["--kernel", alternating(17)], "nested 17 levels deep; at most 16 are allowed"),
        (["--kernel", Array(repeating: "rbf", count: 65).joined(separator: "+")], "65 kernels; at most 64 are allowed"),
    ]

    @Test(arguments: cases)
    func outOfRangeOptionsExitTwo(arguments: [String], message: String) throws {
        let start = Date()
        let (r, written) = try Self.fit(arguments)
        #expect(r.status == 2, "\(arguments.prefix(4)): exit \(r.status) \(r.stderr.prefix(300))")
        #expect(r.stderr.contains(message), "'\(message)' not in \(r.stderr.prefix(300))")
        #expect(r.stderr.count < 1000)
        #expect(!written)
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test func hugeButLegalValuesAreClampedNotOverflowed() throws {
        // A batch larger than the data is the whole data: one minibatch per epoch.
        let (r, written) = try Self.fit(["--model", "svgp", "--inducing", "3", "--batch-size", "9223372036854775807", "--epochs", "1"])
        #expect(r.status == 0 && written, "\(r.stderr)")
    }

    @Test func theDeepestAllowedKernelFitsAndReloads() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.data, "t.csv", in: dir)
            let output = dir.appendingPathComponent("m.json").path
            let r = try CLI.run(["fit", "--data", train, "--target", "y", "--kernel", Self.alternating(16), "--iterations", "1",
                                 "--quiet", "--output", output])
            #expect(r.status == 0, "\(r.stderr.prefix(500))")
            let info = try CLI.run(["info", "--model", output])
            #expect(info.status == 0, "\(info.stderr.prefix(500))")
        }
    }

    @Test func unsupportedStateSpaceChoicesAreUsageErrors() throws {
        let rbf = try Self.fit(["--model", "statespace"]).0
        #expect(rbf.status == 2 && rbf.stderr.contains("kernel 'rbf' is not available for model 'statespace'"), "\(rbf.stderr)")
        try Scratch.with { dir in
            var ten = "a,b,c,d,e,f,g,h,i,j,y\n"
            for r in 0..<12 { ten += (0..<11).map { c in "\(Double((r * 7 + c * 3) % 11) / 10)" }.joined(separator: ",") + "\n" }
            let train = try Scratch.write(ten, "ten.csv", in: dir)
            let r = try CLI.run(["fit", "--data", train, "--target", "y", "--model", "statespace", "--kernel", "matern32",
                                 "--quiet", "--output", dir.appendingPathComponent("m.json").path])
            #expect(r.status == 2 && r.stderr.contains("models one input column (time), but the data has 10"), "\(r.stderr)")
        }
    }
}
