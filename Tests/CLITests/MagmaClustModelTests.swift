import Foundation
import Testing
import GPLinearAlgebra
import SwiftGP

/// `--model magmaclust` end to end (issue 15): fit on long-format CSV, `info` shows the clusters, `predict`
/// conditions on a new task's observed rows (empty target cells are predicted), the model file round-trips
/// to bit-identical predictions, and bad input is a clear error with no output file.
@Suite struct MagmaClustModelTests {
    /// Six tasks in two groups of curves on irregular ages, long format: id,age,y.
    static func csv() -> String {
        var g = SeededGenerator(seed: 5)
        var out = "id,age,y\n"
        for task in 0..<6 {
            let offset = task % 2 == 0 ? 0.0 : 4.0
            for _ in 0..<8 {
                let t = (10 * g.uniform() * 20).rounded() / 20
                let y = offset + 2 * sin(0.7 * t + offset) + 0.1 * g.normal()
                out += "\(task + 1),\(t),\(y)\n"
            }
        }
        return out
    }

    @Test func fitInfoPredictAndRoundTrip() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.csv(), "train.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            let fit = try CLI.run(["fit", "--data", train, "--target", "y", "--task", "id", "--model", "magmaclust",
                                   "--clusters", "2", "--iterations", "6", "--quiet", "--output", model])
            try #require(fit.status == 0, "\(fit.stderr)")
            let info = try CLI.run(["info", "--model", model])
            #expect(info.status == 0 && info.stdout.contains("clusters      2") && info.stdout.contains("cluster 1:"), "\(info.stdout)")
            let json = try CLI.run(["info", "--model", model, "--format", "json"])
            #expect(json.stdout.contains("\"memberships\""))
            // A new task: three observed rows, two to predict (empty target cells).
            let newTask = try Scratch.write("id,age,y\n99,1.0,4.5\n99,2.5,\n99,3.0,3.9\n99,7.5,\n99,5.0,2.1\n", "new.csv", in: dir)
            let p1 = try CLI.run(["predict", "--model", model, "--data", newTask])
            try #require(p1.status == 0, "\(p1.stderr)")
            let rows = p1.stdout.split(separator: "\n")
            #expect(rows.first == "mean,variance,lower95,upper95,tau_1,tau_2")
            #expect(rows.count == 6)
            for row in rows.dropFirst() {
                let v = row.split(separator: ",").compactMap { Double($0) }
                try #require(v.count == 6)
                #expect(v[2] < v[0] && v[0] < v[3] && v[1] > 0 && abs(v[4] + v[5] - 1) < 1e-12)
            }
            // Round trip: the loaded model predicts bit-identically, in process and through the file.
            let loaded = try TrainedModel.load(from: model)
            let again = try TrainedModel.load(decoding: try loaded.file.encoded(), source: "memory")
            let xo = Matrix(column: [1, 3]), yo = [4.5, 3.9], xp = Matrix(column: [2.5, 7.5])
            let a = try loaded.predictTask(observed: xo, yo, at: xp), b = try again.predictTask(observed: xo, yo, at: xp)
            #expect(a.mean == b.mean && a.variance == b.variance && a.memberships == b.memberships)
            let p2 = try CLI.run(["predict", "--model", model, "--data", newTask])
            #expect(p2.stdout == p1.stdout)
        }
    }

    @Test func badInputIsAClearErrorWithoutOutput() throws {
        try Scratch.with { dir in
            let train = try Scratch.write(Self.csv(), "train.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            let cases: [([String], Int32, String)] = [
                (["--target", "y"], 2, "--task"),                                   // no task column
                (["--target", "y", "--task", "nope"], 3, "nope"),                   // unknown task column
                (["--target", "y", "--task", "id", "--clusters", "zero"], 2, "--clusters"),
                (["--target", "y", "--task", "id", "--hypothesis", "H11"], 2, "--hypothesis"),
                (["--target", "y", "--task", "id", "--clusters", "7"], 3, "clusters for 6 tasks"),
            ]
            for (args, status, message) in cases {
                let r = try CLI.run(["fit", "--data", train, "--model", "magmaclust", "--quiet", "--output", model] + args)
                #expect(r.status == status && r.stderr.contains(message), "\(args): \(r.status) \(r.stderr)")
                #expect(!FileManager.default.fileExists(atPath: model))
            }
            let single = try Scratch.write("id,age,y\n1,1,2\n1,2,3\n1,3,5\n", "single.csv", in: dir)
            let one = try CLI.run(["fit", "--data", single, "--target", "y", "--task", "id", "--model", "magmaclust",
                                   "--quiet", "--output", model])
            #expect(one.status == 3 && one.stderr.contains("at least 2 tasks"), "\(one.stderr)")
            let text = try Scratch.write("id,age,y\nA,1,2\nB,2,3\n", "text.csv", in: dir)
            let nonNumeric = try CLI.run(["fit", "--data", text, "--target", "y", "--task", "id", "--model", "magmaclust",
                                          "--quiet", "--output", model])
            #expect(nonNumeric.status == 3 && nonNumeric.stderr.contains("id"), "\(nonNumeric.stderr)")
            #expect(!FileManager.default.fileExists(atPath: model))
        }
    }
}
