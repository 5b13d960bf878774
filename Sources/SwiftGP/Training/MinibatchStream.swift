import GPLinearAlgebra

/// Seeded minibatches of the rows 0 ..< population: a fresh permutation per epoch (`Array.shuffle` with the
/// caller's `SeededGenerator`), cut into consecutive slices of `batchSize`, the remainder dropped. The order
/// `Trainer.fit` draws; the benchmarks replay it so peers train on the same minibatches.
/// - Complexity: O(batchSize) per batch, O(population) per epoch.
public struct MinibatchStream: Sendable {
    public let population: Int
    public let batchSize: Int
    private var order: [Int] = []
    private var cursor = 0

    public init(population: Int, batchSize: Int) {
        precondition(batchSize >= 1 && batchSize < population, "minibatches need 1 <= B < n")
        self.population = population
        self.batchSize = batchSize
    }

    /// The next minibatch; starts a new epoch (a new permutation) when the current one has fewer rows left.
    public mutating func next(using generator: inout SeededGenerator) -> [Int] {
        if cursor + batchSize > order.count || order.isEmpty {
            order = Array(0..<population)
            order.shuffle(using: &generator)
            cursor = 0
        }
        defer { cursor += batchSize }
        return Array(order[cursor..<(cursor + batchSize)])
    }

    /// Drops the current permutation: the next batch starts a new epoch.
    public mutating func restartEpoch() {
        order = []
        cursor = 0
    }
}
