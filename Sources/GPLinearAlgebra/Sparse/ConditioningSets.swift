
/// The conditioning sets of an ordered point set (docs/methods/vecchia.md#neighbour-sets): for the point at
/// position i, c(i) ⊆ {0, …, i−1} — its m nearest previous points, or all previous points within ρ·ℓᵢ — stored as
/// the column pattern of a sparse upper-triangular factor: column i holds s(i) = c(i) ∪ {i}, the previous points in
/// increasing position and i last. Positions refer to the ordering, not to the caller's indices.
/// - Complexity: O(n (log n + m) · c) with a k-d tree (c: nodes visited per query), columns in parallel; from 8
///   input dimensions on O(n² d) by `PreviousPointScan` (nearest-previous sets).
public struct ConditioningSets: Sendable, Equatable {
    /// Column i's entries are `rows[starts[i]..<starts[i + 1]]`, ending with i.
    public let starts: [Int]
    public let rows: [Int]

    public init(starts: [Int], rows: [Int]) {
        self.starts = starts
        self.rows = rows
    }

    public var count: Int { starts.count - 1 }
    public var nonZeroCount: Int { rows.count }
    /// s(i): the previous points of column i, then i.
    public func column(_ i: Int) -> ArraySlice<Int> { rows[starts[i]..<starts[i + 1]] }

    /// The m nearest previous neighbours of every point of `x` (rows in the caller's indexing) under the ordering
    /// `order` (`order[k]` = the caller's index of position k). Distances are Euclidean on the rows as given; ties go
    /// to the smaller index. k-d tree queries, or for many columns (`PreviousPointScan.preferred`) a brute-force scan.
    public static func nearestPrevious(_ x: Matrix, order: [Int], neighbours m: Int) -> ConditioningSets {
        if PreviousPointScan.preferred(dimension: x.cols) {
            let sets = PreviousPointScan(x, order: order).map { q, distances in
                nearest(m, of: distances, order: order) + [q]
            }
            return ConditioningSets(chunks: [sets])
        }
        return build(x, order: order) { tree, q, i in
            tree.nearest(q, k: m, rankBelow: i).map(\.index)
        }
    }

    /// The positions of the k smallest `distances` (ties: the smaller index `order[i]`), in increasing position.
    public static func nearest(_ k: Int, of distances: UnsafeBufferPointer<Double>, order: [Int]) -> [Int] {
        guard k > 0 else { return [] }
        // A sorted list of the best k so far (k is small: insertion is cheaper than a heap).
        var best: [(position: Int, distance: Double)] = []
        best.reserveCapacity(k + 1)
        func worse(_ a: (position: Int, distance: Double), _ b: (position: Int, distance: Double)) -> Bool {
            a.distance > b.distance || (a.distance == b.distance && order[a.position] > order[b.position])
        }
        for i in distances.indices {
            let candidate = (position: i, distance: distances[i])
            if best.count == k && !worse(best[k - 1], candidate) { continue }
            var at = best.count
            while at > 0 && worse(best[at - 1], candidate) { at -= 1 }
            best.insert(candidate, at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.position).sorted()
    }

    /// Every previous point within ρ·ℓᵢ of point i (ℓ from the maximin ordering; the first point has none).
    public static func radius(_ x: Matrix, ordering: MaximinOrdering, rho: Double) -> ConditioningSets {
        build(x, order: ordering.order) { tree, q, i in
            let l = ordering.lengths[i]
            guard l.isFinite else { return i == 0 ? [] : Array(0..<i).map { ordering.order[$0] } }
            return tree.within(q, squaredRadius: rho * rho * l * l, rankBelow: i).map(\.index)
        }
    }

    /// Complete sets c(i) = {0, …, i−1}: the exact inverse Cholesky factor's pattern.
    public static func complete(count n: Int) -> ConditioningSets {
        var starts = [0], rows: [Int] = []
        for i in 0..<n {
            rows.append(contentsOf: 0...i)
            starts.append(rows.count)
        }
        return ConditioningSets(starts: starts, rows: rows)
    }

    /// Runs `query` for every position in parallel chunks; the query returns the caller's indices of c(i).
    private static func build(_ x: Matrix, order: [Int], query: @Sendable (KDTree, [Double], Int) -> [Int]) -> ConditioningSets {
        let n = order.count
        let ranks = MaximinOrdering(order: order, lengths: []).ranks
        let tree = KDTree(x, ranks: ranks)
        let perChunk = ParallelChunks(count: n).map { range in
            range.map { i in query(tree, tree.point(order[i]), i).map { ranks[$0] }.sorted() + [i] }
        }
        return ConditioningSets(chunks: perChunk)
    }

    /// The sets of consecutive chunks of columns (each column's positions in increasing order, itself last), in order.
    init(chunks: [[[Int]]]) {
        var starts = [0], rows: [Int] = []
        rows.reserveCapacity(chunks.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } })
        for sets in chunks {
            for s in sets {
                rows.append(contentsOf: s)
                starts.append(rows.count)
            }
        }
        self.init(starts: starts, rows: rows)
    }
}
