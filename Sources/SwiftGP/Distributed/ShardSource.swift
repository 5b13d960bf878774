import GPLinearAlgebra

/// Where a process's rows come from in a distributed fit: in memory (`DataShard`), read on demand from a
/// memory-mapped column file (`ColumnFileShard`), or either with the fit's transforms applied on the way
/// (`TransformedShard`). The distributed objectives fetch only the rows of each minibatch, so a shard read from
/// a file never has to fit in memory.
/// - Complexity: an implementation's `fetch`, O(|local| d) for the sources here.
public protocol ShardSource: Sendable {
    /// The global rows this source holds.
    var rows: RowShard { get }
    /// The number of input columns.
    var inputDimension: Int { get }
    /// The local rows `local` (0 ..< rows.count), in that order.
    /// - Throws: the source's read errors (`ColumnFileError`).
    func fetch(_ local: [Int]) throws -> DataBatch
}

/// Rows of a data set: inputs (one row per point), targets and optional known noise variances.
public struct DataBatch: Sendable {
    public var x: Matrix
    public var y: [Double]
    public var noise: [Double]?

    public init(x: Matrix, y: [Double], noise: [Double]? = nil) {
        self.x = x
        self.y = y
        self.noise = noise
    }
}

extension ShardSource {
    /// Calls `body` with consecutive blocks of at most `size` rows covering the shard, in order.
    /// - Complexity: O(rows.count d) reads, O(size d) memory.
    func forEachBlock(of size: Int = 1 << 16, _ body: (DataBatch) throws -> Void) throws {
        var start = 0
        while start < rows.count {
            try body(try fetch(Array(start..<min(start + size, rows.count))))
            start += size
        }
    }
}

extension DataShard: ShardSource {
    public var inputDimension: Int { x.cols }

    public func fetch(_ local: [Int]) throws -> DataBatch {
        DataBatch(x: x.selectingRows(local), y: local.map { y[$0] }, noise: noise.map { n in local.map { n[$0] } })
    }
}

/// A source with the fit's transforms applied to every fetched row: inputs standardised, targets standardised
/// (regression) or encoded as class indices (classification: `classes[k]` ↦ k, so binary labels become 0/1),
/// noise variances scaled by `noiseScale`.
/// - Complexity: O(|local| d) on top of the base's fetch.
public struct TransformedShard: ShardSource {
    public let base: any ShardSource
    public let xScale: Standardization?
    public let yScale: Standardization?
    /// The sorted class labels (classification), nil otherwise.
    public let classes: [Double]?
    public let noiseScale: Double

    public var rows: RowShard { base.rows }
    public var inputDimension: Int { base.inputDimension }

    public func fetch(_ local: [Int]) throws -> DataBatch {
        var b = try base.fetch(local)
        if let xScale { b.x = xScale.apply(b.x) }
        if let classes {
            let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Double($0)) })
            b.y = b.y.map { index[$0] ?? .nan }
        } else if let yScale { b.y = yScale.apply(b.y) }
        if noiseScale != 1 { b.noise = b.noise?.map { $0 * noiseScale } }
        return b
    }
}
