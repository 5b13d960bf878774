import Foundation
import Testing
import GPLinearAlgebra
@testable import swiftgp
import GPCommandOptions
import SwiftGP

/// Dataset preparation, label validation, metrics, atomic writes, exit-code mapping.
@Suite struct DatasetAndMetricTests {
    @Test func binaryLabelsAcceptZeroOneOrTwoValues() throws {
        let a = try BinaryLabels([0, 1, 1, 0], path: "f.csv", column: "c")
        #expect(a.classes == [0, 1] && a.encoded == [0, 1, 1, 0])
        let b = try BinaryLabels([1, -1, -1], path: "f.csv", column: "c")
        #expect(b.classes == [-1, 1] && b.encoded == [1, 0, 0])
        let c = try BinaryLabels([7, 3, 7], path: "f.csv", column: "c")
        #expect(c.classes == [3, 7] && c.encoded == [1, 0, 1])
    }

    @Test func binaryLabelsRejectAThirdValueWithItsLine() throws {
        #expect(throws: DatasetError.notBinary(path: "f.csv", line: 5, column: "label", value: 2, seen: [0, 1])) {
            try BinaryLabels([0, 1, 1, 2, 0], path: "f.csv", column: "label")
        }
        let message = DatasetError.notBinary(path: "f.csv", line: 5, column: "label", value: 2, seen: [0, 1]).description
        #expect(message.contains("f.csv, line 5, column 'label'") && message.contains("label 2"))
        #expect(throws: DatasetError.singleClass(path: "f.csv", column: "label", value: 1)) {
            try BinaryLabels([1, 1], path: "f.csv", column: "label")
        }
    }

    @Test func trainingDataDefaultsToEveryOtherColumn() throws {
        let table = try DataTable.parse(csv: "a,y,b\n1,2,3\n4,5,6\n", source: "t.csv")
        let d = try Dataset.training(table, target: "y")
        #expect(d.features == ["a", "b"] && d.y == [2, 5] && d.x == Matrix([[1, 3], [4, 6]]))
        let chosen = try Dataset.training(table, target: "y", features: ["b"])
        #expect(chosen.x == Matrix([[3], [6]]))
    }

    @Test func regressionMetricsMatchHandComputation() {
        let m = MetricSet.regression(y: [1, 2, 4], mean: [1, 3, 4], variance: [1, 0.25, 4])
        #expect(m["n"] == 3)
        #expect(abs(m["rmse"]! - (1.0 / 3).squareRoot()) < 1e-15)
        #expect(abs(m["mae"]! - 1.0 / 3) < 1e-15)
        let nlpd = (0.5 * log(2 * Double.pi) + (0.5 * log(2 * Double.pi * 0.25) + 0.5 / 0.25) + 0.5 * log(2 * Double.pi * 4)) / 3
        #expect(abs(m["nlpd"]! - nlpd) < 1e-14)
        #expect(abs(m["coverage95"]! - 2.0 / 3) < 1e-15)   // |2 − 3| = 1 > 1.96 · 0.5
        #expect(m.json.hasPrefix("{\"n\":3,\"rmse\":") && m.json.contains("\"coverage95\":0.6666666666666666}"))
    }

    @Test func classificationMetricsAndCSV() throws {
        let p = Prediction.classification(classes: [0, 1], probabilities: [[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
        let m = try p.metrics(against: [0, 1, 1], source: "t.csv", column: "y")
        #expect(m.entries.map(\.name) == ["n", "accuracy", "nlpd", "brier"])
        #expect(abs(m["accuracy"]! - 2.0 / 3) < 1e-15)
        #expect(abs(m["nlpd"]! - -(log(0.8) + log(0.7) + log(0.4)) / 3) < 1e-14)
        #expect(abs(m["brier"]! - (0.04 + 0.09 + 0.36) / 3) < 1e-14)
        #expect(p.csv == "p1,label\n0.2,0\n0.7,1\n0.4,0\n")
        #expect(throws: DatasetError.self) { try p.metrics(against: [0, 2, 1], source: "t.csv", column: "y") }
        let three = Prediction.classification(classes: [1, 2, 3], probabilities: [[0.2, 0.5, 0.3]])
        #expect(three.csv == "p_1,p_2,p_3,label\n0.2,0.5,0.3,2\n")
    }

    @Test func atomicWritesReplaceWholeFilesAndLeaveNoTemporaries() throws {
        try Scratch.with { dir in
            let path = dir.appendingPathComponent("out.txt").path
            try AtomicFile.write("first\n", to: path)
            try AtomicFile.write("second\n", to: path)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "second\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.txt"])
            #expect(throws: OutputError.isDirectory(path: dir.path)) { try AtomicFile.write("x", to: dir.path) }
            let nested = dir.appendingPathComponent("missing/out.txt").path
            #expect(throws: OutputError.self) { try AtomicFile.write("x", to: nested) }
        }
    }

    @Test func exitStatusesFollowTheErrorKind() {
        #expect(Failure(DataError.empty(path: "a")).status == .inputData)
        #expect(Failure(DatasetError.tooFewRows(path: "a", found: 1, needed: 2)).status == .inputData)
        #expect(Failure(ModelFileError.fileNotFound(path: "m")).status == .modelFile)
        #expect(Failure(OutputError.isDirectory(path: "o")).status == .output)
        #expect(Failure(ConfigurationError.unknownModel("x", valid: ["exact"])).status == .usage)
        let npd = Failure(LinearAlgebraError.notPositiveDefinite(size: 3, lastJitter: 1e-6, failedPivot: 2))
        #expect(npd.status == .numerical && npd.message.contains("--noise-floor") && npd.message.contains("duplicate"))
        // Every error type the library throws at a user maps to a documented code other than 1.
        let library: [(any Error, GPCommandOptions.ExitStatus)] = [
            (DataError.isDirectory(path: "d"), .inputData), (OutputError.sameAsInput(path: "a", input: "a"), .output),
            (OutputError.standardOutput(reason: "full"), .output), (KernelExpressionError.tooLarge(expression: "e", message: "m"), .usage),
            (StateSpaceError.notOneDimensional(columns: 2), .usage), (ParameterError.unknownName("a", known: []), .usage),
            (TrainingError.invalidData("x"), .usage), (PredictionError.nonFinite(row: 0), .numerical),
            (PredictionError.inputColumns(given: 1, expected: 2), .inputData),
            (CholmodError.notFactorized, .numerical), (LinearAlgebraError.nonFinite(size: 2), .numerical),
        ]
        for (error, status) in library { #expect(Failure(error).status == status, "\(error)") }
        struct Odd: Error {}
        #expect(Failure(Odd()).status == .internalError)
        #expect(ExitStatus.allCases.map(\.rawValue) == Array(0...6))
    }
}
