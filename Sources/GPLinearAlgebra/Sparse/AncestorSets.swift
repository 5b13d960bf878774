/// The ancestor sets of a sparse upper-triangular pattern (docs/methods/dklgp.md#ancestor-sets): for column j, A(j)
/// ⊆ {0, …, j} holds every position the back-substitution x = V⁻¹b touches when b is supported on a seed set (the
/// column's prior set s(j)), so that (V⁻¹b)_A = (V_AA)⁻¹ b_A exactly. Returned as `ConditioningSets` (the same
/// layout: column j's positions in increasing order, j last).
///
/// Two rules:
/// * `closure`: the exact closure of the seeds under "k ∈ s_V(l) for l in the set" (the test-grade reference;
///   it can grow to O(j) positions).
/// * `reduced`: the DKLGP approximation — the seeds plus every earlier point i within ρ·ℓᵢ of the point
///   (ℓ the maximin length scales, the coarser point's scale), at most `cap` positions (the seeds first, then
///   by increasing distance / ℓᵢ). Polylogarithmic in n for fixed ρ on well-spread inputs.
/// - Complexity: `closure` O(Σⱼ |A(j)| · m) time, `reduced` O(n log² n · c) (k-d tree queries per length-scale
///   level), or O(n² d) by `PreviousPointScan` from 8 input dimensions on; O(Σⱼ |A(j)|) memory; columns in parallel.
public enum AncestorSets {
    /// The exact closure of each column's `seeds` set under the pattern `factor` (the sparsity of V).
    public static func closure(seeds: ConditioningSets, factor: ConditioningSets) -> ConditioningSets {
        let n = seeds.count
        let perChunk = ParallelChunks(count: n).map { range in
            var marker = [Int](repeating: -1, count: n)
            return range.map { j in closure(of: Array(seeds.column(j)), factor: factor, marker: &marker, stamp: j) }
        }
        return ConditioningSets(chunks: perChunk)
    }

    /// The closure of the positions `seeds` under `factor`, in increasing order. `marker` (size n) is scratch: an
    /// entry equal to `stamp` means "already in the set"; pass a stamp not used before with this marker.
    /// - Complexity: O(|A| · m + |A| log |A|).
    public static func closure(of seeds: [Int], factor: ConditioningSets, marker: inout [Int], stamp: Int) -> [Int] {
        var set: [Int] = []
        var stack: [Int] = []
        for s in seeds where marker[s] != stamp {
            marker[s] = stamp
            set.append(s)
            stack.append(s)
        }
        while let l = stack.popLast() {
            for k in factor.column(l) where marker[k] != stamp {
                marker[k] = stamp
                set.append(k)
                stack.append(k)
            }
        }
        return set.sorted()
    }

    /// Reduced ancestor sets of the ordered points `x` (rows in the caller's indexing, already scaled): column j
    /// holds `seeds.column(j)` and the earlier positions i with ‖x̃ᵢ − x̃ⱼ‖ ≤ ρ·ℓᵢ, at most `cap` earlier
    /// positions in all (the seeds always).
    public static func reduced(_ x: Matrix, ordering: MaximinOrdering, seeds: ConditioningSets, rho: Double,
                               cap: Int) -> ConditioningSets {
        if PreviousPointScan.preferred(dimension: x.cols) {
            let lengths = ordering.lengths, room = max(1, cap)
            let sets = PreviousPointScan(x, order: ordering.order).map { j, distances in
                reduced(distances, lengths: lengths, rho: rho, cap: room, seeds: seeds.column(j).dropLast()) + [j]
            }
            return ConditioningSets(chunks: [sets])
        }
        let search = ReducedAncestorSearch(x, ordering: ordering, rho: rho, cap: cap)
        let n = seeds.count
        let perChunk = ParallelChunks(count: n).map { range in
            range.map { j in
                search.ancestors(of: search.tree.point(ordering.order[j]), rankBelow: j, seeds: Array(seeds.column(j).dropLast())) + [j]
            }
        }
        return ConditioningSets(chunks: perChunk)
    }

    /// The reduced rule on one column from its squared `distances` to every earlier position: the `seeds`
    /// (increasing) and the earlier positions i with ‖x̃ᵢ − x̃ⱼ‖ ≤ ρ·ℓᵢ (the first point, ℓ = ∞, always), at most
    /// `cap` positions in all, the seeds first, then by increasing distance / ℓᵢ (ties: the smaller position) —
    /// `ReducedAncestorSearch.ancestors` from the distances. In increasing order.
    public static func reduced(_ distances: UnsafeBufferPointer<Double>, lengths: [Double], rho: Double, cap: Int,
                        seeds: ArraySlice<Int>) -> [Int] {
        let room = max(0, cap - seeds.count)
        var best: [(position: Int, ratio: Double)] = []
        best.reserveCapacity(room + 1)
        func worse(_ a: (position: Int, ratio: Double), _ b: (position: Int, ratio: Double)) -> Bool {
            a.ratio > b.ratio || (a.ratio == b.ratio && a.position > b.position)
        }
        var s = seeds.startIndex
        for i in distances.indices {
            // Skip the seeds (both increasing).
            while s < seeds.endIndex && seeds[s] < i { s += 1 }
            if s < seeds.endIndex && seeds[s] == i { continue }
            let l = lengths[i]
            let candidate: (position: Int, ratio: Double)
            if l.isFinite {
                // Most points fail the radius test: compare squares first (with a margin), the root only for the rest.
                let radius = rho * l
                guard distances[i] <= radius * radius * (1 + 1e-12) else { continue }
                let d = distances[i].squareRoot()
                guard d <= radius else { continue }
                candidate = (i, d / l)
            } else {
                candidate = (i, 0)
            }
            if best.count == room && (room == 0 || !worse(best[room - 1], candidate)) { continue }
            var at = best.count
            while at > 0 && worse(best[at - 1], candidate) { at -= 1 }
            best.insert(candidate, at: at)
            if best.count > room { best.removeLast() }
        }
        return (Array(seeds) + best.map(\.position)).sorted()
    }
}

/// The reduced-ancestor query (docs/methods/dklgp.md#ancestor-sets) for any point q: the earlier positions i (rank
/// below a limit) with ‖q − x̃ᵢ‖ ≤ ρ·ℓᵢ. Because ℓ is non-increasing along the ordering, the positions split into
/// levels on which ℓ varies by at most a factor 2; each level is one k-d tree radius query (radius ρ·max ℓ on the
/// level), filtered exactly.
/// - Complexity: O(log n) levels × one radius query each.
public struct ReducedAncestorSearch: Sendable {
    public let tree: KDTree
    let ranks: [Int]
    let ordering: MaximinOrdering
    let rho: Double
    let cap: Int
    /// Level boundaries: positions levels[k] ..< levels[k + 1].
    let levels: [Int]
    let levelTops: [Double]

    public init(_ x: Matrix, ordering: MaximinOrdering, rho: Double, cap: Int) {
        self.ordering = ordering
        self.rho = rho
        self.cap = max(1, cap)
        ranks = ordering.ranks
        tree = KDTree(x, ranks: ranks)
        var levels = [0]
        let n = ordering.order.count
        // Position 0 (ℓ = ∞) is its own level; then each level ends where ℓ falls below half its first value.
        if n > 1 { levels.append(1) }
        var k = 1
        while k < n {
            let top = ordering.lengths[k]
            var e = k + 1
            while e < n && ordering.lengths[e] > 0.5 * top { e += 1 }
            levels.append(e)
            k = e
        }
        self.levels = levels
        // The largest ℓ on each level (ℓ is non-increasing for exact maximin, within a factor 2 for the approximate one).
        levelTops = (0..<(levels.count - 1)).map { k in ordering.lengths[levels[k]..<levels[k + 1]].max() ?? 0 }
    }

    /// The seeds (positions, all below `rankBelow`) plus the earlier positions within ρ·ℓᵢ of `q`, capped: the
    /// seeds first, then by increasing distance / ℓᵢ. Returned in increasing order.
    public func ancestors(of q: [Double], rankBelow limit: Int, seeds: [Int]) -> [Int] {
        var candidates: [(position: Int, ratio: Double)] = []
        let seedSet = Set(seeds)
        for k in 0..<(levels.count - 1) {
            let lo = levels[k], hi = min(levels[k + 1], limit)
            guard lo < hi else { break }
            let top = levelTops[k]
            if !top.isFinite {
                // The first point (ℓ = ∞) is everyone's ancestor.
                if !seedSet.contains(lo) { candidates.append((lo, 0)) }
                continue
            }
            let r = rho * top
            for (i, d2) in tree.within(q, squaredRadius: r * r, rankBelow: hi) {
                let p = ranks[i]
                guard p >= lo, !seedSet.contains(p) else { continue }
                let l = ordering.lengths[p]
                let d = d2.squareRoot()
                if d <= rho * l { candidates.append((p, d / l)) }
            }
        }
        let room = max(0, cap - seeds.count)
        if candidates.count > room {
            candidates.sort { $0.ratio < $1.ratio || ($0.ratio == $1.ratio && $0.position < $1.position) }
            candidates.removeLast(candidates.count - room)
        }
        return (seeds + candidates.map(\.position)).sorted()
    }
}
