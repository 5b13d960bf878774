/// A binary column file (`ColumnFile`) that cannot be read: each case names the file and what is wrong.
public enum ColumnFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    /// The first 8 bytes are not `SWGPCOL1`.
    case notAColumnFile(path: String)
    case unsupportedVersion(path: String, version: UInt32)
    /// The file ends inside its header.
    case truncatedHeader(path: String)
    /// The header's CRC-32 does not match its bytes.
    case headerChecksum(path: String, stored: UInt32, computed: UInt32)
    /// Column names that are not UTF-8, empty, repeated, or a count that disagrees with the names.
    case invalidHeader(path: String, detail: String)
    /// The file's length is not header + rows × columns × 8 bytes.
    case sizeMismatch(path: String, expected: UInt64, actual: UInt64)
    case rowRange(path: String, start: Int, end: Int, rows: Int)
    /// A NaN or infinity in the data (the writer stores finite values only).
    case nonFinite(path: String, row: Int, column: String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): return "cannot read column file \(p): \(r)"
        case let .notAColumnFile(p): return "\(p) is not a SwiftGP column file (no SWGPCOL1 magic; write one with 'swiftgp convert')"
        case let .unsupportedVersion(p, v): return "\(p): column file version \(v) is not supported (this build reads version \(ColumnFile.version))"
        case let .truncatedHeader(p): return "\(p): the column file ends inside its header (truncated)"
        case let .headerChecksum(p, s, c):
            return "\(p): the column file's header is corrupt (CRC-32 \(String(s, radix: 16)) stored, \(String(c, radix: 16)) computed)"
        case let .invalidHeader(p, d): return "\(p): invalid column file header: \(d)"
        case let .sizeMismatch(p, e, a):
            return "\(p): the column file holds \(a) bytes but its header describes \(e) (truncated or padded)"
        case let .rowRange(p, s, e, n): return "\(p): rows \(s)..<\(e) are outside the file's \(n) rows"
        case let .nonFinite(p, r, c): return "\(p): row \(r), column '\(c)' is not a finite number (corrupt data)"
        }
    }
}
