import Foundation
import GPLinearAlgebra
#if canImport(Glibc)
import Glibc
#endif

/// A process's rows of a column file, read on demand: the file is memory-mapped (read-only, shared), and
/// `fetch` copies out only the rows asked for, so a shard of any size costs address space and page cache, not
/// memory that must fit — N is bounded by disk. Feature, target and noise columns are chosen by name.
/// - Complexity: O(|local| c) per fetch (c columns), after an O(1) mapping.
public struct ColumnFileShard: ShardSource {
    public let rows: RowShard
    public let file: ColumnFile
    /// The feature columns' names, in input order.
    public let features: [String]
    public let target: String
    public let noiseColumn: String?
    private let featureIndices: [Int]
    private let targetIndex: Int
    private let noiseIndex: Int?
    private let mapping: MappedFile

    /// Process `rank` of `size`'s rows of `file`. Columns as `Dataset.training` resolves them: `features`
    /// defaults to every column but the target and the noise column.
    /// - Throws: `DataError.unknownColumn`, `DatasetError` for conflicting roles, `ColumnFileError` when the
    ///   file cannot be mapped, `TrainingError.invalidData` for an empty shard.
    public init(_ file: ColumnFile, rank: Int, of size: Int, target: String, features: [String]? = nil, noiseColumn: String? = nil) throws {
        // The names are resolved and checked by the same code as a CSV's, on a two-row stand-in of the header.
        let header = DataTable(source: file.path, columns: file.columns, values: Matrix(rows: 2, cols: file.columns.count))
        let resolved = try Dataset.training(header, target: target, features: features, noiseColumn: noiseColumn, requireVaryingTarget: false)
        rows = try RowShard(rank: rank, of: size, population: file.rows)
        guard rows.count > 0 else {
            throw TrainingError.invalidData("\(file.path): \(file.rows) rows cannot be split over \(size) processes")
        }
        self.file = file
        self.features = resolved.features
        self.target = target
        self.noiseColumn = noiseColumn
        func index(_ name: String) throws -> Int {
            guard let i = file.columns.firstIndex(of: name) else {
                throw DataError.unknownColumn(path: file.path, name: name, available: file.columns)
            }
            return i
        }
        featureIndices = try resolved.features.map(index)
        targetIndex = try index(target)
        noiseIndex = try noiseColumn.map(index)
        mapping = try MappedFile(file)
    }

    public var inputDimension: Int { featureIndices.count }

    public func fetch(_ local: [Int]) throws -> DataBatch {
        let n = local.count
        var x = Matrix(rows: n, cols: featureIndices.count)
        var y = [Double](repeating: 0, count: n)
        var noise = noiseIndex.map { _ in [Double](repeating: 0, count: n) }
        try mapping.withRows { (row: (Int, Int) -> Double) in
            for (i, l) in local.enumerated() {
                let g = rows.start + l
                func value(_ j: Int) throws -> Double {
                    let v = row(g, j)
                    guard v.isFinite else { throw ColumnFileError.nonFinite(path: file.path, row: g, column: file.columns[j]) }
                    return v
                }
                for (k, j) in featureIndices.enumerated() { x[i, k] = try value(j) }
                y[i] = try value(targetIndex)
                if let noiseIndex { noise![i] = try value(noiseIndex) }
            }
        }
        return DataBatch(x: x, y: y, noise: noise)
    }
}

/// A column file mapped read-only into memory (`mmap`, `MAP_SHARED`): pages are read from disk on first touch
/// and can be dropped by the kernel again. Unmapped when the last reference goes.
/// - Complexity: O(1) to map; O(1) per value.
final class MappedFile: @unchecked Sendable {
    private let base: UnsafeRawPointer
    private let length: Int
    private let dataOffset: Int
    private let columns: Int

    init(_ file: ColumnFile) throws {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ColumnFileError.unreadable(path: file.path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        length = Int(file.dataOffset) + file.rows * file.columns.count * 8
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) == length else {
            throw ColumnFileError.sizeMismatch(path: file.path, expected: UInt64(length), actual: UInt64(max(0, Int(info.st_size))))
        }
        guard let p = mmap(nil, max(length, 1), PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw ColumnFileError.unreadable(path: file.path, reason: "mmap: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p)
        dataOffset = Int(file.dataOffset)
        columns = file.columns.count
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), max(length, 1)) }

    /// Runs `body` with a reader of value (row, column) (little-endian float64).
    func withRows<T>(_ body: ((Int, Int) -> Double) throws -> T) rethrows -> T {
        let base = self.base, offset = dataOffset, c = columns
        return try body { r, j in
            Double(bitPattern: UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset + 8 * (r * c + j), as: UInt64.self)))
        }
    }
}
