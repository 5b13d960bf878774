import Foundation
import Testing

/// A training file that `fit` must reject with exit 3, a message naming the file (and line and column
/// where they apply), and no model file written.
struct BadTrainingFile: CustomTestStringConvertible, Sendable {
    let name: String
    let contents: String?          // nil: the file does not exist
    var arguments: [String] = []
    let expected: [String]         // substrings of the message
    var testDescription: String { name }
}

@Suite struct BadDataTests {
    static let cases: [BadTrainingFile] = [
        BadTrainingFile(name: "missing file", contents: nil, expected: ["missing.csv", "not found"]),
        BadTrainingFile(name: "empty file", contents: "", expected: ["empty file.csv", "file is empty"]),
        BadTrainingFile(name: "header only", contents: "x,y\n", expected: ["header only.csv", "no data rows"]),
        BadTrainingFile(name: "non-numeric cell", contents: "x,y\n1,2\n3,abc\n4,5\n",
                        expected: ["non-numeric cell.csv", "line 3", "column 'y'", "'abc' is not a number"]),
        BadTrainingFile(name: "empty cell", contents: "x,y\n1,2\n,4\n",
                        expected: ["line 3", "column 'x'", "empty cell"]),
        BadTrainingFile(name: "NaN", contents: "x,y\n1,2\n3,4\n5,NaN\n",
                        expected: ["line 4", "column 'y'", "'NaN' is not a finite number"]),
        BadTrainingFile(name: "Inf", contents: "x,y\n1,2\ninf,4\n",
                        expected: ["line 3", "column 'x'", "'inf' is not a finite number"]),
        BadTrainingFile(name: "ragged row", contents: "x,y\n1,2\n3,4,5\n",
                        expected: ["ragged row.csv", "line 3", "expected 2 fields, found 3"]),
        BadTrainingFile(name: "unknown target", contents: "x,y\n1,2\n3,4\n", arguments: ["--target", "z"],
                        expected: ["no column named 'z'", "columns: x, y"]),
        BadTrainingFile(name: "unknown feature", contents: "x,y\n1,2\n3,4\n", arguments: ["--features", "x,w"],
                        expected: ["no column named 'w'"]),
        BadTrainingFile(name: "duplicate columns", contents: "x,x,y\n1,2,3\n4,5,6\n",
                        expected: ["duplicate columns.csv, line 1 (header)", "column name 'x' appears more than once"]),
        BadTrainingFile(name: "single row", contents: "x,y\n1,2\n", expected: ["single row.csv", "only 1 data row", "at least 2"]),
        BadTrainingFile(name: "huge values", contents: "x,y\n1e200,1\n-1e200,2\n3,4\n",
                        expected: ["huge values.csv", "column 'x'", "too large to standardise"]),
        BadTrainingFile(name: "constant target", contents: "x,y\n1,7\n2,7\n3,7\n",
                        expected: ["constant target.csv", "column 'y'", "constant"]),
    ]

    @Test(arguments: cases)
    func fitRejectsBadTrainingData(_ c: BadTrainingFile) throws {
        try Scratch.with { dir in
            let path = dir.appendingPathComponent(c.contents == nil ? "missing.csv" : "\(c.name).csv").path
            if let contents = c.contents { try contents.write(toFile: path, atomically: false, encoding: .utf8) }
            let output = dir.appendingPathComponent("model.json").path
            var args = ["fit", "--data", path, "--target", "y", "--quiet", "--output", output]
            args += c.arguments
            if c.arguments.contains("--target") { args.removeSubrange(3...4) }
            let result = try CLI.run(args)
            #expect(result.status == 3, "\(c.name): exit \(result.status), \(result.stderr)")
            for s in c.expected { #expect(result.stderr.contains(s), "\(c.name): '\(s)' not in \(result.stderr)") }
            #expect(!FileManager.default.fileExists(atPath: output), "\(c.name): a model file was written")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains(".swiftgp-") })
        }
    }

    @Test func failedFitLeavesAnExistingOutputUntouched() throws {
        try Scratch.with { dir in
            let bad = try Scratch.write("x,y\n1,2\n3,oops\n", "bad.csv", in: dir)
            let output = try Scratch.write("previous contents\n", "model.json", in: dir)
            let result = try CLI.run(["fit", "--data", bad, "--target", "y", "--output", output])
            #expect(result.status == 3)
            #expect(try String(contentsOfFile: output, encoding: .utf8) == "previous contents\n")
        }
    }

    @Test func predictionDataMustHoldTheModelsFeatures() throws {
        try Scratch.with { dir in
            let train = try Scratch.write("x1,x2,y\n0,1,0.5\n1,0,1.5\n2,1,0.2\n3,0,2.5\n", "train.csv", in: dir)
            let model = dir.appendingPathComponent("m.json").path
            #expect(try CLI.run(["fit", "--data", train, "--target", "y", "--iterations", "3", "--quiet",
                                 "--output", model]).status == 0)
            let test = try Scratch.write("x1,y\n0.5,1\n", "test.csv", in: dir)
            let output = dir.appendingPathComponent("pred.csv").path
            for command in [["predict", "--output", output], ["evaluate"]] {
                let result = try CLI.run([command[0], "--model", model, "--data", test] + command.dropFirst())
                #expect(result.status == 3, "\(command[0]): \(result.stderr)")
                #expect(result.stderr.contains("test.csv") && result.stderr.contains("feature column 'x2'"), "\(result.stderr)")
            }
            #expect(!FileManager.default.fileExists(atPath: output))
            // evaluate needs the target column too.
            let noTarget = try Scratch.write("x1,x2\n0.5,1\n", "notarget.csv", in: dir)
            let result = try CLI.run(["evaluate", "--model", model, "--data", noTarget])
            #expect(result.status == 3)
            #expect(result.stderr.contains("notarget.csv") && result.stderr.contains("no column named 'y'"))
            let other = try CLI.run(["evaluate", "--model", model, "--data", test, "--target", "x1"])
            #expect(other.status == 3, "the features are still checked")
            // Bad cells in prediction data name the line and column.
            let badCell = try Scratch.write("x1,x2\n0.5,1\n0.7,?\n", "badcell.csv", in: dir)
            let bad = try CLI.run(["predict", "--model", model, "--data", badCell])
            #expect(bad.status == 3)
            #expect(bad.stderr.contains("badcell.csv, line 3, column 'x2'"))
            #expect(bad.stdout.isEmpty)
        }
    }
}
