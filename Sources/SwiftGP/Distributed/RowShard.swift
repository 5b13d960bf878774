/// The contiguous rows [start, end) of a global data set of `population` rows that process `rank` of
/// `size` holds: the rows are cut into `size` blocks whose lengths differ by at most one, the first
/// `population mod size` blocks one row longer. A global row index i belongs to exactly one shard.
/// - Complexity: O(1).
public struct RowShard: Sendable, Equatable, CustomStringConvertible {
    public let rank: Int
    public let size: Int
    public let population: Int
    public let start: Int
    public let end: Int

    /// - Throws: `ReductionError` unless 0 ≤ rank < size and population ≥ 0.
    public init(rank: Int, of size: Int, population: Int) throws {
        guard size >= 1, rank >= 0, rank < size, population >= 0 else {
            throw ReductionError("no shard \(rank) of \(size) over \(population) rows")
        }
        self.rank = rank
        self.size = size
        self.population = population
        let base = population / size, extra = population % size
        start = rank * base + min(rank, extra)
        end = start + base + (rank < extra ? 1 : 0)
    }

    public var count: Int { end - start }
    public var range: Range<Int> { start..<end }
    public func contains(_ row: Int) -> Bool { row >= start && row < end }

    /// The rows of a global minibatch that lie in this shard, as local indices (row − start), in batch order.
    /// - Complexity: O(|batch|).
    public func localRows(of batch: [Int]) -> [Int] { batch.compactMap { contains($0) ? $0 - start : nil } }

    /// Every shard of `population` rows over `size` processes.
    public static func all(of size: Int, population: Int) throws -> [RowShard] {
        try (0..<size).map { try RowShard(rank: $0, of: size, population: population) }
    }

    public var description: String { "rows \(start)..<\(end) of \(population) (shard \(rank) of \(size))" }
}
