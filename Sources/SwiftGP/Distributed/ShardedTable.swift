import Foundation
import GPLinearAlgebra

/// The rows of a data file that one process of a distributed fit holds (`RowShard`). From a column file
/// (`ColumnFile`, recognised by its magic bytes) only those rows are read: one seek, one contiguous read. A CSV
/// file is streamed twice in blocks of 4 MiB: once to count its records (line breaks outside quotes, blank lines
/// not counted), once to cut out the bytes of the shard's records, which alone are parsed (with the header).
/// Either way memory is O(n_r c), so the data set is bounded by disk, not by one process's memory.
/// - Complexity: column file O(n_r c) I/O; CSV O(file bytes) I/O, O(n_r c) parsing and memory.
public enum ShardedTable {
    /// The shard of `path` for process `rank` of `size`.
    /// - Throws: `ColumnFileError` or `DataError` naming the file; `ReductionError` for a bad rank.
    public static func read(_ path: String, rank: Int, of size: Int) throws -> (table: DataTable, rows: RowShard) {
        if isColumnFile(path) {
            let file = try ColumnFile(path: path)
            let rows = try RowShard(rank: rank, of: size, population: file.rows)
            return (try file.read(rows: rows.range), rows)
        }
        guard path != "-", FileManager.default.isReadableFile(atPath: path),
              (try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular else {
            // Standard input, FIFOs, missing or unreadable files: read whole (DataTable names the problem).
            let table = try DataTable.read(csv: path)
            let rows = try RowShard(rank: rank, of: size, population: table.rowCount)
            return (DataTable(source: table.source, columns: table.columns, values: table.values.selectingRows(Array(rows.range))), rows)
        }
        var records = CSVRecords()
        try records.scan(path) { _, _, _ in }
        guard records.count > 0 else { return (try DataTable.read(csv: path), try RowShard(rank: 0, of: 1, population: 0)) }
        let rows = try RowShard(rank: rank, of: size, population: records.count)
        guard rows.count > 0 else {
            throw TrainingError.invalidData("\(path): \(records.count) rows cannot be split over \(size) processes")
        }
        var bytes = records.header
        var shard = CSVRecords()
        var firstLine = 2
        try shard.scan(path) { index, line, record in
            if index == rows.start { firstLine = line }
            if rows.contains(index) { bytes.append(contentsOf: record) }
        }
        let table: DataTable
        do { table = try DataTable.parse(csv: bytes, source: path) } catch let error as DataError {
            throw error.shiftingLines(by: firstLine - 2)
        }
        guard table.rowCount == rows.count else {
            throw DataError.unreadable(path: path, reason: "the file changed while it was read (\(table.rowCount) rows where \(rows.count) were counted)")
        }
        return (table, rows)
    }

    /// Whether `path` starts with the column file's magic bytes.
    public static func isColumnFile(_ path: String) -> Bool {
        guard path != "-", let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: 8)).map { [UInt8]($0) == ColumnFile.magic } ?? false
    }
}

/// A streaming pass over a CSV file's records: line breaks outside double quotes end a record (LF, CRLF or a
/// lone CR). Blank records at the end are not counted (DataTable ignores them); a blank record followed by data
/// is refused as DataTable refuses it.
/// - Complexity: O(bytes) time, O(4 MiB + record) memory.
struct CSVRecords {
    /// The header record's bytes, with its line break.
    private(set) var header: [UInt8] = []
    /// Data records seen.
    private(set) var count = 0

    /// Calls `body(index, line, bytes)` for each data record: its 0-based index, the file's line it starts on,
    /// its bytes (line break included).
    /// - Throws: `DataError` for an unreadable file or a blank line before data.
    mutating func scan(_ path: String, _ body: (Int, Int, ArraySlice<UInt8>) throws -> Void) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw DataError.fileNotFound(path: path) }
        defer { try? handle.close() }
        var record: [UInt8] = []
        var inQuote = false, sawHeader = false, blank = true, pendingCR = false
        var line = 1, recordLine = 1, blankLine: Int? = nil, width = 1
        func finish() throws {
            if !sawHeader {
                header = record
                sawHeader = true
                var quoted = false
                width = 1 + record.reduce(0) { n, b in
                    if b == 0x22 { quoted.toggle() }
                    return n + (b == 0x2C && !quoted ? 1 : 0)
                }
            } else if blank {
                if blankLine == nil { blankLine = recordLine }
            } else {
                if let b = blankLine { throw DataError.raggedRow(path: path, line: b, expected: width, found: 0) }
                try body(count, recordLine, record[...])
                count += 1
            }
            record.removeAll(keepingCapacity: true)
            blank = true
            recordLine = line
        }
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 1 << 22) ?? Data() } catch {
                throw DataError.unreadable(path: path, reason: error.localizedDescription)
            }
            if chunk.isEmpty { break }
            for b in chunk {
                if pendingCR {
                    pendingCR = false
                    line += 1                     // a CR, alone or before an LF, ended a line
                    if b == 0x0A { record.append(b); try finish(); continue }
                    try finish()
                }
                record.append(b)
                if b == 0x22 { inQuote.toggle() }
                if inQuote {
                    if b == 0x0A { line += 1 }
                    blank = false
                    continue
                }
                if b == 0x0A { line += 1; try finish() }
                else if b == 0x0D { pendingCR = true }
                else if b != 0x20 && b != 0x09 { blank = false }
            }
        }
        if pendingCR || !record.isEmpty { try finish() }
    }
}

extension DataError {
    /// The error with every data line number moved by `offset` (a shard parsed after the header alone).
    func shiftingLines(by offset: Int) -> DataError {
        switch self {
        case let .raggedRow(p, l, e, f): return .raggedRow(path: p, line: l + offset, expected: e, found: f)
        case let .missingValue(p, l, c): return .missingValue(path: p, line: l + offset, column: c)
        case let .nonNumeric(p, l, c, v): return .nonNumeric(path: p, line: l + offset, column: c, value: v)
        case let .nonFinite(p, l, c, v): return .nonFinite(path: p, line: l + offset, column: c, value: v)
        case let .unterminatedQuote(p, l): return .unterminatedQuote(path: p, line: l > 1 ? l + offset : l)
        case let .textAfterQuote(p, l, f): return .textAfterQuote(path: p, line: l > 1 ? l + offset : l, field: f)
        default: return self
        }
    }
}
