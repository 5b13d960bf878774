extension MaximinOrdering {
    /// A fast approximate maximin ordering (docs/methods/dklgp.md#approximate-maximin) of the rows of `x` (already
    /// scaled): a nested sequence of r-nets with halving radii. Start at the point nearest the centroid, R its largest
    /// distance to another point; at level k (r = R/2^(k+1)) scan the unselected points in index order and select each
    /// whose distance to the selected set is still ≥ r, lowering the distances of the unselected points within r of
    /// it (a k-d tree radius query; a farther point cannot fall below r through it). After level k every point lies
    /// within r of the selected set, so the points of level k + 1 have ℓ ∈ [r/2, r): the lengths are non-increasing up
    /// to a factor 2, ℓⱼ ≤ 2 ℓᵢ for i < j (the exact ordering has ℓⱼ ≤ ℓᵢ). No heap, and each radius query uses r ≤ ℓ
    /// of the point just selected. The lengths returned are the exact distances to the previous points (a k-d tree
    /// nearest query restricted to earlier ranks). Exact duplicates (distance 0) come last, in index order.
    /// - Complexity: O(n log(R / δ) + Σ radius-query output) with δ the smallest nonzero spacing: O(n log n · c_d) on
    ///   well-spread data, with a smaller constant c_d than `exact`; O(n) memory.
    public static func approximate(_ x: Matrix) -> MaximinOrdering {
        let n = x.rows
        guard n > 1 else { return MaximinOrdering(order: Array(0..<n), lengths: n == 1 ? [.infinity] : []) }
        let tree = KDTree(x)
        let first = centralPoint(x)
        let q0 = tree.point(first)
        var distance = (0..<n).map { tree.squaredDistance($0, q0) }   // squared distance to the selected set
        var selected = [Bool](repeating: false, count: n)
        selected[first] = true
        var order = [first]
        order.reserveCapacity(n)
        let top = distance.max() ?? 0
        var remaining = (0..<n).filter { $0 != first }
        var r2 = top / 4
        while !remaining.isEmpty && r2 > top * 1e-30 && r2 > 0 {
            for p in remaining where !selected[p] && distance[p] >= r2 {
                selected[p] = true
                order.append(p)
                for (j, e) in tree.within(tree.point(p), squaredRadius: r2) where !selected[j] && e < distance[j] {
                    distance[j] = e
                }
            }
            remaining.removeAll { selected[$0] }
            r2 /= 4
        }
        order.append(contentsOf: remaining)
        return MaximinOrdering(order: order, lengths: previousDistances(x, order: order))
    }

    /// ℓ for a given order: each point's distance to the points before it (`+∞` for the first).
    /// - Complexity: O(n log n · c) k-d tree queries, in parallel.
    public static func previousDistances(_ x: Matrix, order: [Int]) -> [Double] {
        let ranks = MaximinOrdering(order: order, lengths: []).ranks
        let tree = KDTree(x, ranks: ranks)
        return ParallelChunks(count: order.count).map { range in
            range.map { i in
                i == 0 ? Double.infinity : (tree.nearest(tree.point(order[i]), k: 1, rankBelow: i).first?.squaredDistance ?? .infinity).squareRoot()
            }
        }.flatMap { $0 }
    }
}
