import Foundation
import Testing
import GPLinearAlgebra
@testable import SwiftGP

/// The binary column file: a round trip, row ranges read without the rest, and every kind of bad file
/// refused with a `ColumnFileError` that names it (never a trap).
@Suite struct ColumnFileTests {
    static func table(rows n: Int, seed: UInt64) -> DataTable {
        var g = SeededGenerator(seed: seed)
        return DataTable(source: "test", columns: ["x", "y z", "ω"], values: Matrix(rows: n, cols: 3, storage: (0..<(3 * n)).map { _ in g.normal() * 1e3 }))
    }

    /// Writes `table` to a fresh path and returns it.
    static func written(_ table: DataTable) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("colfile-\(UUID().uuidString).gpcol").path
        let out = try AtomicFile(try OutputDestination(path))
        ColumnFile.write(table, to: out)
        try out.commit()
        return path
    }

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }
    static func store(_ bytes: [UInt8], _ path: String) throws { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

    @Test func roundTripAndRowRanges() throws {
        let t = Self.table(rows: 70_001, seed: 1)
        let path = try Self.written(t)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ColumnFile(path: path)
        #expect(file.columns == t.columns && file.rows == t.rowCount)
        let all = try file.read(rows: 0..<file.rows)
        #expect(all.values.storage == t.values.storage)          // bit-identical
        for range in [0..<1, 5..<17, 65_530..<70_001, 70_001..<70_001] {
            let part = try file.read(rows: range)
            #expect(part.values.storage == t.values.selectingRows(Array(range)).storage)
        }
        // A shard read through ShardedTable is the same rows.
        let (shard, rows) = try ShardedTable.read(path, rank: 2, of: 3)
        #expect(rows == (try RowShard(rank: 2, of: 3, population: 70_001)))
        #expect(shard.values.storage == t.values.selectingRows(Array(rows.range)).storage)
        #expect(throws: ColumnFileError.rowRange(path: path, start: 69_999, end: 70_002, rows: 70_001)) { try file.read(rows: 69_999..<70_002) }
    }

    @Test func badFilesAreRefusedPrecisely() throws {
        let path = try Self.written(Self.table(rows: 10, seed: 2))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let good = try Self.bytes(path)
        func check(_ bytes: [UInt8], _ matches: (ColumnFileError) -> Bool) throws {
            try Self.store(bytes, path)
            do {
                _ = try ColumnFile(path: path).read(rows: 0..<10)
                Issue.record("accepted a bad file")
            } catch let e as ColumnFileError {
                #expect(matches(e), "\(e)")
                #expect(e.description.contains(path))
            }
        }
        var magic = good
        magic[0] = UInt8(ascii: "X")
        try check(magic) { if case .notAColumnFile = $0 { return true } else { return false } }
        var version = good
        version[8] = 9
        try check(version) { $0 == .unsupportedVersion(path: path, version: 9) }
        var name = good
        name[33] ^= 0x20                                           // a letter of the first name
        try check(name) { if case .headerChecksum = $0 { return true } else { return false } }
        try check(Array(good.prefix(20))) { $0 == .truncatedHeader(path: path) }
        try check(Array(good.dropLast(8))) { if case .sizeMismatch = $0 { return true } else { return false } }
        try check(good + [0]) { if case .sizeMismatch = $0 { return true } else { return false } }
        var nan = good
        let header = good.count - 10 * 3 * 8
        for (i, b) in withUnsafeBytes(of: Double.nan.bitPattern.littleEndian, Array.init).enumerated() { nan[header + 8 * (3 * 4 + 1) + i] = b }
        try check(nan) { $0 == .nonFinite(path: path, row: 4, column: "y z") }
        try check([]) { $0 == .truncatedHeader(path: path) }
        #expect(throws: ColumnFileError.self) { try ColumnFile(path: path + ".missing") }
        // A CSV is not taken for a column file.
        #expect(!ShardedTable.isColumnFile(path + ".missing"))
    }

    /// Streaming conversion, a block of rows at a time, gives the column file of the whole table, and names the
    /// file's own line of a bad cell in a later block.
    @Test func streamingConversionEqualsTheWholeTable() throws {
        var g = SeededGenerator(seed: 9)
        var rows = (0..<50).map { i in "\(g.normal()),\"\(i)\",\(g.uniform())" }
        // LF and CRLF line endings alternate (built from scalars: "\r\n" is one Character in Swift).
        func text() -> String {
            "a,\"b,c\",y\r\n" + rows.enumerated().map { $1 + ($0 % 2 == 0 ? "\n" : "\r\n") }.joined()
        }
        let text0 = text()
        let csv = FileManager.default.temporaryDirectory.appendingPathComponent("conv-\(UUID().uuidString).csv").path
        try text0.write(toFile: csv, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: csv) }
        let path = csv + ".gpcol"
        defer { try? FileManager.default.removeItem(atPath: path) }
        for block in [1, 7, 50, 1000] {
            let out = try AtomicFile(try OutputDestination(path))
            let (columns, rows) = try ColumnFile.convert(csv: csv, to: out, block: block)
            try out.commit()
            let whole = try DataTable.read(csv: csv)
            #expect(columns == whole.columns && rows == 50)
            #expect(try ColumnFile(path: path).read(rows: 0..<50).values == whole.values)
        }
        rows[29] = "1,2,x"                                        // line 31 of the file, in the 5th block of 7
        try text().write(toFile: csv, atomically: true, encoding: .utf8)
        let out = try AtomicFile(try OutputDestination(path))
        #expect(throws: DataError.nonNumeric(path: csv, line: 31, column: "y", value: "x")) {
            try ColumnFile.convert(csv: csv, to: out, block: 7)
        }
        out.abandon()
    }

    @Test func crcMatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    }
}
