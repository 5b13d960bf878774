import Foundation
import Testing
import GPTestSupport
import SwiftGP

/// `swiftgp convert`: a CSV becomes a column file with the same names and values; bad input exits 3 and
/// leaves no file.
@Suite struct ConvertTests {
    @Test func convertWritesTheCSVsValues() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("d.csv").path, out = dir.appendingPathComponent("d.gpcol").path
        try "a,b,y\n1,2.5,-3\n4e3,0.125,6\n7,8,9\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let r = try CLI.run(["convert", csv, "--output", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("3 rows × 3 columns"))
        let file = try ColumnFile(path: out)
        #expect(file.columns == ["a", "b", "y"])
        #expect(try file.read(rows: 0..<3).values == (try DataTable.read(csv: csv).values))
    }

    @Test func badInputExitsThreeWithoutOutput() throws {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let csv = dir.appendingPathComponent("bad.csv").path, out = dir.appendingPathComponent("bad.gpcol").path
        try "a,y\n1,2\n3,x\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let r = try CLI.run(["convert", csv, "--output", out])
        #expect(r.status == 3)
        #expect(r.stderr.contains("line 3") && r.stderr.contains("'x' is not a number"))
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["bad.csv"])
    }
}
