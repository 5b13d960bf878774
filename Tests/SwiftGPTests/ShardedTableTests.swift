import Foundation
import Testing
import GPLinearAlgebra
@testable import SwiftGP

/// A rank's rows of a CSV file, streamed: the shards of R ranks are the file's rows in order, whatever the line
/// endings and quoting, and errors name the file's own line numbers.
@Suite struct ShardedTableTests {
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("shard-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func csvShardsAreTheRowsInOrder() throws {
        var g = SeededGenerator(seed: 4)
        // LF, CRLF and lone CR endings, a quoted field holding a line break, trailing blank lines.
        var text = "\"a\",\"b\nc\",y\r\n"
        for i in 0..<23 {
            let sep = ["\n", "\r\n", "\r"][i % 3]
            text += (i == 5 ? "\"\(g.normal())\"" : "\(g.normal())") + ",\(i),\(g.uniform())" + sep
        }
        text += "\n  \n"
        let path = try Self.file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let whole = try DataTable.read(csv: path)
        #expect(whole.rowCount == 23)
        for r in 1...5 {
            var rows: [Double] = []
            for rank in 0..<r {
                let (t, shard) = try ShardedTable.read(path, rank: rank, of: r)
                #expect(shard.population == 23 && t.rowCount == shard.count && t.columns == whole.columns)
                rows += (0..<t.rowCount).map { t.values[$0, 1] }
                #expect(t.values == whole.values.selectingRows(Array(shard.range)))
            }
            #expect(rows == (0..<23).map(Double.init))
        }
    }

    @Test func errorsNameTheFilesLines() throws {
        let lines = ["x,y"] + (0..<10).map { "\($0),\($0 * 2)" }
        var bad = lines
        bad[8] = "7,oops"                                        // line 9 of the file
        let path = try Self.file(bad.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Rows 7..<10 belong to rank 2 of 3 (4, 3, 3 rows): line 9 is its first row.
        #expect(throws: DataError.nonNumeric(path: path, line: 9, column: "y", value: "oops")) {
            try ShardedTable.read(path, rank: 2, of: 3)
        }
        var blank = lines
        blank[3] = ""
        let gap = try Self.file(blank.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: gap) }
        #expect(throws: DataError.raggedRow(path: gap, line: 4, expected: 2, found: 0)) { try ShardedTable.read(gap, rank: 0, of: 2) }
        #expect(throws: TrainingError.self) { try ShardedTable.read(path, rank: 10, of: 11) }
    }
}
