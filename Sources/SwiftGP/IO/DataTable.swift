import Foundation
import GPLinearAlgebra

/// Why a data file was rejected. Every case names the file and, where it applies, the line (1-based,
/// counting the header) and the column, so a user can go straight to the cell.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotFound(path: String)
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case headerOnly(path: String)
    case raggedRow(path: String, line: Int, expected: Int, found: Int)
    case missingValue(path: String, line: Int, column: String)
    case nonNumeric(path: String, line: Int, column: String, value: String)
    case nonFinite(path: String, line: Int, column: String, value: String)
    case duplicateColumn(path: String, name: String)
    case unknownColumn(path: String, name: String, available: [String])

    public var description: String {
        switch self {
        case let .fileNotFound(p): return "\(p): file not found"
        case let .unreadable(p, r): return "\(p): cannot read file (\(r))"
        case let .empty(p): return "\(p): file is empty"
        case let .headerOnly(p): return "\(p): file has a header but no data rows"
        case let .raggedRow(p, l, e, f): return "\(p), line \(l): expected \(e) fields, found \(f)"
        case let .missingValue(p, l, c): return "\(p), line \(l), column '\(c)': empty cell (missing value)"
        case let .nonNumeric(p, l, c, v): return "\(p), line \(l), column '\(c)': '\(v)' is not a number"
        case let .nonFinite(p, l, c, v): return "\(p), line \(l), column '\(c)': '\(v)' is not a finite number"
        case let .duplicateColumn(p, n): return "\(p), line 1 (header): column name '\(n)' appears more than once"
        case let .unknownColumn(p, n, a): return "\(p): no column named '\(n)' (columns: \(a.joined(separator: ", ")))"
        }
    }
}

/// A numeric table read from a CSV file with a header row, validated once at the boundary: every
/// cell present, numeric and finite, every row the same width, column names unique.
/// - Complexity: O(rows × columns) to read.
public struct DataTable: Sendable {
    public let source: String
    public let columns: [String]
    /// One row per record, one column per field.
    public let values: Matrix

    public var rowCount: Int { values.rows }

    /// Reads and validates a comma-separated file with a header row.
    /// - Throws: `DataError` naming the file, line and column of the first problem.
    public static func read(csv path: String) throws -> DataTable {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError.fileNotFound(path: path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DataError.unreadable(path: path, reason: error.localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError.unreadable(path: path, reason: "not UTF-8 text")
        }
        return try parse(csv: text, source: path)
    }

    /// Parses CSV text with a header row. `source` names the text in errors.
    public static func parse(csv text: String, source: String) throws -> DataTable {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let headerLine = lines.first, !headerLine.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DataError.empty(path: source)
        }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        var seen = Set<String>()
        for name in header {
            if !seen.insert(name).inserted { throw DataError.duplicateColumn(path: source, name: name) }
        }
        let dataLines = lines.dropFirst()
        guard !dataLines.isEmpty else { throw DataError.headerOnly(path: source) }
        let width = header.count
        var storage = [Double](repeating: 0, count: dataLines.count * width)
        let n = dataLines.count
        for (r, line) in dataLines.enumerated() {
            let lineNumber = r + 2
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == width else {
                throw DataError.raggedRow(path: source, line: lineNumber, expected: width, found: fields.count)
            }
            for (c, raw) in fields.enumerated() {
                let cell = raw.trimmingCharacters(in: .whitespaces)
                if cell.isEmpty { throw DataError.missingValue(path: source, line: lineNumber, column: header[c]) }
                guard let v = Double(cell) else {
                    throw DataError.nonNumeric(path: source, line: lineNumber, column: header[c], value: cell)
                }
                guard v.isFinite else {
                    throw DataError.nonFinite(path: source, line: lineNumber, column: header[c], value: cell)
                }
                storage[r + c * n] = v
            }
        }
        return DataTable(source: source, columns: header, values: Matrix(rows: n, cols: width, storage: storage))
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
