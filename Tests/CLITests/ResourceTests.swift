import Foundation
import Testing
import GPLinearAlgebra
import SwiftGP

/// Memory and time before work: the estimate is printed, an exact fit beyond the available memory is
/// refused with a suggestion, progress starts at once, svgp picks minibatches for large n, and
/// prediction streams in blocks (issue 12).
@Suite struct ResourceTests {
    static func rows(_ n: Int, columns d: Int) -> String {
        var text = (1...d).map { "x\($0)" }.joined(separator: ",") + ",y\n"
        var g = SystemRandomNumberGenerator()
        for i in 0..<n {
            let xs = (0..<d).map { _ in Double.random(in: 0..<1, using: &g) }
            text += xs.map { String(format: "%.5f", $0) }.joined(separator: ",") + ",\(sin(Double(i) * 0.01) + xs[0])\n"
        }
        return text
    }

    @Test func anExactFitBeyondTheAvailableMemoryIsRefusedWithASuggestion() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.rows(20_000, columns: 2), "big.csv", in: dir)
            let output = dir.appendingPathComponent("m.json").path
            let start = Date()
            // 2 GB of address space: the 3.2 GB n × n buffer cannot fit.
            let command = "ulimit -v 2000000; exec '\(CLI.binary.path)' fit --data '\(train)' --target y --output '\(output)'"
            let r = try CLI.run(["-c", command], executable: "/bin/sh")
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains("fit: exact on 20000 × 2: about 3.2 GB of memory"), "\(r.stderr)")
            #expect(r.stderr.contains("needs about 3.2 GB of memory, but only") && r.stderr.contains("--model sgpr --inducing 500")
                    && r.stderr.contains("--force"), "\(r.stderr)")
            #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Backtrac"))
            #expect(Date().timeIntervalSince(start) < 30)
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["big.csv"])
        }
    }

    @Test func progressStartsAtOnceAndSvgpPicksMinibatches() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.rows(12_000, columns: 1), "t.csv", in: dir)
            let output = dir.appendingPathComponent("m.json").path
            let r = try CLI.run(["fit", "--data", train, "--target", "y", "--model", "svgp", "--inducing", "10",
                                 "--iterations", "2", "--output", output])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stderr.split(separator: "\n").map(String.init)
            #expect(lines.count > 4 && lines[0] == "fit: reading \(train)" && lines[1].hasPrefix("fit: read 12000 rows × 1 feature in"),
                    "\(r.stderr)")
            #expect(r.stderr.contains("fit: svgp on 12000 rows: minibatches of 1024 rows"), "\(r.stderr)")
            #expect(r.stderr.contains("fit: choosing 10 inducing points (k-means++ on 12000 rows)"), "\(r.stderr)")
            #expect(r.stderr.contains("fit: svgp on 12000 × 1: about"), "\(r.stderr)")
            // Below the limit, svgp stays full-batch and says nothing about minibatches.
            let small = try Scratch.write(Self.rows(200, columns: 1), "s.csv", in: dir)
            let s = try CLI.run(["fit", "--data", small, "--target", "y", "--model", "svgp", "--inducing", "5", "--iterations", "2",
                                 "--output", output])
            #expect(s.status == 0 && !s.stderr.contains("minibatches"), "\(s.stderr)")
        }
    }

    @Test func predictionsInBlocksEqualOnePass() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.rows(300, columns: 2), "t.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            #expect(try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "5", "--quiet", "--output", model]).status == 0)
            let test = try Scratch.write(Self.rows(10_000, columns: 2), "test.csv", in: dir)
            let loaded = try TrainedModel.load(from: model)
            let table = try DataTable.read(csv: test)
            let x = try Dataset.inputs(table, features: loaded.file.features).x
            guard case let .regression(mean, variance) = try loaded.predict(x) else { Issue.record("regression"); return }
            var blocks: [Int] = []
            try loaded.predict(x, chunkRows: 999) { p, start in blocks.append(start); #expect(p.count == min(999, 10_000 - start)) }
            #expect(blocks == Array(stride(from: 0, to: 10_000, by: 999)))
            let r = try CLI.run(["predict", "--model", model, "--data", test])
            #expect(r.status == 0)
            let columns = parsePredictions(r.stdout).columns
            #expect(columns[0] == mean && columns[1] == variance)
        }
    }
}
