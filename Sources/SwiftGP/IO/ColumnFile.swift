import Foundation
import GPLinearAlgebra

/// SwiftGP's binary column file (`.gpcol`, docs/methods/distributed.md#the-column-file): a numeric table a
/// process can read any row range of without reading the rest, so a data set is bounded by disk, not memory.
///
/// Layout, little-endian: the magic `SWGPCOL1` (8 bytes); version (UInt32, 1); columns c (UInt32); rows n
/// (UInt64); the byte length L of the names (UInt32); the c names, each a UInt32 length and UTF-8 bytes; a
/// CRC-32 (IEEE) of every header byte before it (UInt32). Then n rows of c float64 values, row-major: row i
/// starts at byte H + 8 c i, H = 32 + L. The file's length is exactly H + 8 n c.
/// - Complexity: reading the header O(H); a row range [s, e) one seek and 8 c (e − s) bytes.
public struct ColumnFile: Sendable, Equatable {
    public static let magic = Array("SWGPCOL1".utf8)
    public static let version: UInt32 = 1

    public let path: String
    public let columns: [String]
    public let rows: Int
    /// The byte offset of row 0.
    public let dataOffset: UInt64

    /// Reads and checks the header of `path` (magic, version, checksum, names, file length).
    /// - Throws: `ColumnFileError`.
    public init(path: String) throws {
        self.path = path
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) } catch {
            throw ColumnFileError.unreadable(path: path, reason: FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")
        }
        defer { try? handle.close() }
        func read(_ count: Int) throws -> [UInt8] {
            let d: Data
            do { d = try handle.read(upToCount: count) ?? Data() } catch {
                throw ColumnFileError.unreadable(path: path, reason: "\(error.localizedDescription)")
            }
            guard d.count == count else { throw ColumnFileError.truncatedHeader(path: path) }
            return [UInt8](d)
        }
        let fixed = try read(28)
        guard Array(fixed[0..<8]) == Self.magic else { throw ColumnFileError.notAColumnFile(path: path) }
        let version = Self.uint32(fixed, 8)
        guard version == Self.version else { throw ColumnFileError.unsupportedVersion(path: path, version: version) }
        let c = Int(Self.uint32(fixed, 12)), n = Self.uint64(fixed, 16), length = Int(Self.uint32(fixed, 24))
        guard length <= 1 << 26 else { throw ColumnFileError.invalidHeader(path: path, detail: "names of \(length) bytes") }
        let names = try read(length)
        let stored = Self.uint32(try read(4), 0)
        let computed = CRC32.checksum(fixed + names)
        guard stored == computed else { throw ColumnFileError.headerChecksum(path: path, stored: stored, computed: computed) }
        var columns: [String] = []
        var at = 0
        while at < names.count {
            guard at + 4 <= names.count else { throw ColumnFileError.invalidHeader(path: path, detail: "a name's length is cut off") }
            let k = Int(Self.uint32(names, at))
            guard k > 0, at + 4 + k <= names.count, let name = String(validating: names[(at + 4)..<(at + 4 + k)], as: UTF8.self) else {
                throw ColumnFileError.invalidHeader(path: path, detail: "column \(columns.count + 1)'s name is empty, cut off or not UTF-8")
            }
            columns.append(name)
            at += 4 + k
        }
        guard columns.count == c, c > 0 else {
            throw ColumnFileError.invalidHeader(path: path, detail: "\(c) columns declared, \(columns.count) names")
        }
        guard Set(columns).count == c else { throw ColumnFileError.invalidHeader(path: path, detail: "repeated column names") }
        guard n <= UInt64(Int.max) / UInt64(8 * c) else { throw ColumnFileError.invalidHeader(path: path, detail: "\(n) rows") }
        dataOffset = UInt64(32 + length)
        let expected = dataOffset + n * UInt64(8 * c)
        let actual: UInt64
        do { actual = try handle.seekToEnd() } catch { throw ColumnFileError.unreadable(path: path, reason: "cannot seek") }
        guard actual == expected else { throw ColumnFileError.sizeMismatch(path: path, expected: expected, actual: actual) }
        self.columns = columns
        rows = Int(n)
    }

    /// The rows [start, end) as a `DataTable` (one seek, one read of 8 c (end − start) bytes).
    /// - Throws: `ColumnFileError` for a range outside the file, a failed read, or a non-finite value.
    public func read(rows range: Range<Int>) throws -> DataTable {
        guard range.lowerBound >= 0, range.upperBound <= rows else {
            throw ColumnFileError.rowRange(path: path, start: range.lowerBound, end: range.upperBound, rows: rows)
        }
        let c = columns.count, count = range.count
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path)) } catch {
            throw ColumnFileError.unreadable(path: path, reason: "cannot open")
        }
        defer { try? handle.close() }
        var values = Matrix(rows: count, cols: c)
        // Blocks of at most 2¹⁶ rows: memory O(block · c) beyond the result.
        let block = 1 << 16
        var done = 0
        do {
            try handle.seek(toOffset: dataOffset + UInt64(range.lowerBound) * UInt64(8 * c))
            while done < count {
                let k = min(block, count - done)
                guard let data = try handle.read(upToCount: 8 * c * k), data.count == 8 * c * k else {
                    throw ColumnFileError.sizeMismatch(path: path, expected: dataOffset + UInt64(rows * 8 * c), actual: 0)
                }
                try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                    for r in 0..<k {
                        for j in 0..<c {
                            let v = Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * (r * c + j), as: UInt64.self)))
                            guard v.isFinite else {
                                throw ColumnFileError.nonFinite(path: path, row: range.lowerBound + done + r, column: columns[j])
                            }
                            values[done + r, j] = v
                        }
                    }
                }
                done += k
            }
        } catch let error as ColumnFileError {
            throw error
        } catch {
            throw ColumnFileError.unreadable(path: path, reason: "\(error.localizedDescription)")
        }
        return DataTable(source: path, columns: columns, values: values)
    }

    /// Writes `table` as a column file to `out` (commit it to make the file appear atomically).
    /// - Complexity: O(rows × columns); memory O(1 MiB) of buffer.
    public static func write(_ table: DataTable, to out: AtomicFile) {
        out.write(header(columns: table.columns, rows: table.rowCount))
        writeRows(table, to: out)
    }

    /// The rows of `table` as float64, row-major (the data part of a column file).
    static func writeRows(_ table: DataTable, to out: AtomicFile) {
        let c = table.columns.count
        var row = [UInt8](repeating: 0, count: 8 * c)
        for r in 0..<table.rowCount {
            for j in 0..<c { withUnsafeBytes(of: table.values[r, j].bitPattern.littleEndian) { row.replaceSubrange((8 * j)..<(8 * j + 8), with: $0) } }
            out.write(row)
        }
    }

    /// The header bytes for `columns` and `rows`, with its checksum.
    static func header(columns: [String], rows: Int) -> [UInt8] {
        var names: [UInt8] = []
        for name in columns {
            let bytes = Array(name.utf8)
            names += le(UInt32(bytes.count)) + bytes
        }
        let fixed = magic + le(version) + le(UInt32(columns.count)) + le(UInt64(rows)) + le(UInt32(names.count))
        return fixed + names + le(CRC32.checksum(fixed + names))
    }

    static func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    static func uint32(_ b: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * $1) } }
    static func uint64(_ b: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * $1) } }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as zlib's `crc32`.
/// - Complexity: O(bytes) with a 256-entry table.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i in
        (0..<8).reduce(UInt32(i)) { c, _ in c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { c, b in table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    }
}
