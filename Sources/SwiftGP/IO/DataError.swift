import Foundation

/// Why a data file was rejected. Every case names the file and, where it applies, the line (1-based,
/// counting the header and every line break, including those inside quoted fields) and the column, so a
/// user can go straight to the cell. Echoed names and cells are shortened and escaped (`Echo`).
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotFound(path: String)
    case isDirectory(path: String)
    case unreadable(path: String, reason: String)
    case empty(path: String)
    case headerOnly(path: String)
    case raggedRow(path: String, line: Int, expected: Int, found: Int)
    case missingValue(path: String, line: Int, column: String)
    case nonNumeric(path: String, line: Int, column: String, value: String)
    case nonFinite(path: String, line: Int, column: String, value: String)
    case duplicateColumn(path: String, name: String)
    case unknownColumn(path: String, name: String, available: [String])
    /// A quoted field that is never closed; `line` is where it opens.
    case unterminatedQuote(path: String, line: Int)
    /// Characters between a closing quote and the next separator, e.g. `"1.5"x`.
    case textAfterQuote(path: String, line: Int, field: Int)

    public var description: String {
        let e = { (s: String) in Echo.text(s) }, file = { (s: String) in Echo.path(s) }
        switch self {
        case let .fileNotFound(p): return "\(file(p)): file not found"
        case let .isDirectory(p): return "\(file(p)): is a directory, not a CSV file"
        case let .unreadable(p, r): return "\(file(p)): cannot read file (\(r))"
        case let .empty(p): return "\(file(p)): file is empty"
        case let .headerOnly(p): return "\(file(p)): file has a header but no data rows"
        case let .raggedRow(p, l, x, f): return "\(file(p)), line \(l): expected \(x) fields, found \(f)"
        case let .missingValue(p, l, c): return "\(file(p)), line \(l), column '\(e(c))': empty cell (missing value)"
        case let .nonNumeric(p, l, c, v): return "\(file(p)), line \(l), column '\(e(c))': '\(e(v))' is not a number"
        case let .nonFinite(p, l, c, v): return "\(file(p)), line \(l), column '\(e(c))': '\(e(v))' is not a finite number"
        case let .duplicateColumn(p, n): return "\(file(p)), line 1 (header): column name '\(e(n))' appears more than once"
        case let .unknownColumn(p, n, a):
            return "\(file(p)): no column named '\(e(n))' (columns: \(Echo.text(a.joined(separator: ", "), limit: 200)))"
        case let .unterminatedQuote(p, l): return "\(file(p)), line \(l): a quoted field is never closed"
        case let .textAfterQuote(p, l, f): return "\(file(p)), line \(l), field \(f): text after the closing quote"
        }
    }
}
