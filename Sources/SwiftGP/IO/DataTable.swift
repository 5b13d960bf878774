import Foundation
import GPLinearAlgebra

/// A numeric table read from a CSV file with a header row, validated once at the boundary: every
/// cell present, numeric and finite, every row the same width, column names unique.
/// - Complexity: O(rows × columns) to read.
public struct DataTable: Sendable {
    public let source: String
    public let columns: [String]
    /// One row per record, one column per field.
    public let values: Matrix

    public var rowCount: Int { values.rows }

    /// Reads and validates a comma-separated file with a header row; `-` reads standard input, and FIFOs
    /// and devices are read to their end.
    /// Blank cells in the columns `blankAllowedIn` read as NaN (a new task's rows to predict); elsewhere they
    /// are an error.
    /// - Throws: `DataError` naming the file, line and column of the first problem.
    public static func read(csv path: String, blankAllowedIn: Set<String> = []) throws -> DataTable {
        let bytes: [UInt8]
        do { bytes = try InputFile.read(path) } catch {
            switch error {
            case .notFound: throw DataError.fileNotFound(path: path)
            case .isDirectory: throw DataError.isDirectory(path: path)
            case let .unreadable(reason): throw DataError.unreadable(path: path, reason: reason)
            }
        }
        return try parse(csv: bytes, source: path == "-" ? "standard input" : path, blankAllowedIn: blankAllowedIn)
    }

    /// Parses CSV text with a header row. `source` names the text in errors.
    public static func parse(csv text: String, source: String) throws -> DataTable {
        try parse(csv: Array(text.utf8), source: source)
    }

    /// Parses CSV bytes (RFC 4180: quoted fields, LF, CRLF or CR line endings) with a header row; blank
    /// lines at the end are ignored. `source` names the bytes in errors.
    /// - Complexity: O(bytes); one `strtod` per cell.
    public static func parse(csv input: [UInt8], source: String, blankAllowedIn: Set<String> = []) throws -> DataTable {
        // A NUL after the last byte stops `strtod` at the end of a final unquoted cell.
        var bytes = input
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { all in
            try parse(UnsafeBufferPointer(rebasing: all[0..<(all.count - 1)]), source: source, blankAllowedIn: blankAllowedIn)
        }
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, source: String, blankAllowedIn: Set<String>) throws -> DataTable {
        var scanner = CSVScanner(bytes)
        var fields: [CSVScanner.Field] = []
        func next() throws {
            do { try scanner.nextRecord(into: &fields) } catch {
                switch error {
                case let .unterminatedQuote(line): throw DataError.unterminatedQuote(path: source, line: line)
                case let .textAfterQuote(line, field): throw DataError.textAfterQuote(path: source, line: line, field: field)
                }
            }
        }
        /// A record of one blank field: an empty line.
        func blank() -> Bool { fields.count == 1 && !fields[0].quoted && scanner.isBlank(fields[0]) }
        guard !scanner.atEnd else { throw DataError.empty(path: source) }
        try next()
        guard !blank() else { throw DataError.empty(path: source) }
        for f in fields where f.end > f.start || f.escaped >= 0 {
            let raw = f.escaped >= 0 ? scanner.unescaped[f.escaped] : Array(bytes[f.start..<f.end])
            if String(validating: raw, as: UTF8.self) == nil {
                throw DataError.unreadable(path: source, reason: "the header is not UTF-8 text")
            }
        }
        let header = fields.map { scanner.text($0) }
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted { throw DataError.duplicateColumn(path: source, name: name) }
        let width = header.count
        let blankAllowed = header.map { blankAllowedIn.contains($0) }
        var rowMajor: [Double] = []
        rowMajor.reserveCapacity(width * max(16, bytes.count / max(1, 4 * width)))
        var rows = 0
        var blankLines: [Int] = []   // blank lines not yet known to be trailing
        while !scanner.atEnd {
            let recordLine = scanner.line
            try next()
            if blank() { blankLines.append(recordLine); continue }
            if let first = blankLines.first {
                throw DataError.raggedRow(path: source, line: first, expected: width, found: 0)
            }
            guard fields.count == width else {
                throw DataError.raggedRow(path: source, line: recordLine, expected: width, found: fields.count)
            }
            for (c, f) in fields.enumerated() {
                if blankAllowed[c] && scanner.isBlank(f) { rowMajor.append(.nan); continue }
                rowMajor.append(try number(f, scanner: scanner, column: header[c], source: source))
            }
            rows += 1
        }
        guard rows > 0 else { throw DataError.headerOnly(path: source) }
        var values = Matrix(rows: rows, cols: width)
        values.storage.withUnsafeMutableBufferPointer { out in
            for r in 0..<rows {
                for c in 0..<width { out[r + c * rows] = rowMajor[r * width + c] }
            }
        }
        return DataTable(source: source, columns: header, values: values)
    }

    /// The cell's value. - Throws: `DataError` for an empty, non-numeric or non-finite cell.
    private static func number(_ f: CSVScanner.Field, scanner: CSVScanner, column: String, source: String) throws -> Double {
        if scanner.isBlank(f) { throw DataError.missingValue(path: source, line: f.line, column: column) }
        var value = 0.0
        var parsed = false
        if f.escaped < 0 {
            // Trim blanks inside quotes. Most cells take the exact fast path; otherwise the byte after the cell
            // (separator, quote, line break or the final NUL) stops strtod, which must consume exactly the
            // cell, and must not skip white space of its own at the start.
            var start = f.start, end = f.end
            while start < end, scanner.bytes[start] == 0x20 || scanner.bytes[start] == 0x09 { start += 1 }
            while end > start, scanner.bytes[end - 1] == 0x20 || scanner.bytes[end - 1] == 0x09 { end -= 1 }
            let base = scanner.bytes.baseAddress!
            var stop: UnsafeMutablePointer<CChar>? = nil
            let first = scanner.bytes[start]
            if let v = DecimalText.value(scanner.bytes, start, end) {
                value = v
                parsed = true
            } else if first != 0x0A && first != 0x0D && first != 0x0B && first != 0x0C {
                let v = UnsafeRawPointer(base + start).withMemoryRebound(to: CChar.self, capacity: 1) { p in
                    strtod(p, &stop)
                }
                if Int(bitPattern: stop) == Int(bitPattern: base + end) { value = v; parsed = true }
            }
        }
        let cell = { scanner.text(f).trimmingCharacters(in: .whitespaces) }
        guard parsed else { throw DataError.nonNumeric(path: source, line: f.line, column: column, value: cell()) }
        guard value.isFinite else { throw DataError.nonFinite(path: source, line: f.line, column: column, value: cell()) }
        return value
    }

    /// Reads a numeric file without a header, fields separated by whitespace or commas (e.g. the
    /// Snelson `.dat` and banana `.txt` files), naming its columns `x1, x2, …`.
    public static func read(whitespaceSeparated path: String) throws -> DataTable {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError.fileNotFound(path: path) }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw DataError.unreadable(path: path, reason: "not UTF-8 text")
        }
        let rows = text.split(separator: "\n").map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" }) }
            .filter { !$0.isEmpty }
        guard let first = rows.first else { throw DataError.empty(path: path) }
        let names = (1...first.count).map { "x\($0)" }
        let csv = ([names.joined(separator: ",")] + rows.map { $0.joined(separator: ",") }).joined(separator: "\n")
        return try parse(csv: csv, source: path)
    }

    /// The index of column `name`.
    public func index(of name: String) throws -> Int {
        guard let i = columns.firstIndex(of: name) else {
            throw DataError.unknownColumn(path: source, name: name, available: columns)
        }
        return i
    }

    /// The values of column `name`.
    public func column(_ name: String) throws -> [Double] { values.column(try index(of: name)) }

    /// The `rows × names.count` matrix of the named columns, in that order.
    public func matrix(columns names: [String]) throws -> Matrix {
        let idx = try names.map { try index(of: $0) }
        var m = Matrix(rows: rowCount, cols: idx.count)
        for (c, i) in idx.enumerated() {
            for r in 0..<rowCount { m[r, c] = values[r, i] }
        }
        return m
    }
}
