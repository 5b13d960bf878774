/// A static k-d tree over n points in d dimensions (docs/methods/vecchia.md#neighbour-sets): k-nearest-neighbour
/// queries restricted to points of rank below a limit (the "previous" points of an ordering) and radius queries.
/// Every node keeps its bounding box and the smallest rank below it, so a restricted query prunes subtrees
/// that are too far or hold only later points.
/// - Complexity: O(n log n) to build (median splits on the widest box side); a query visits O(log n + k) nodes
///   on well-spread low-dimensional data.
public struct KDTree: Sendable {
    /// Points row-major (`dimension` values each), in the caller's indexing.
    let points: [Double]
    public let count: Int
    public let dimension: Int
    /// The rank of each point (its position in an ordering; default: its index).
    let ranks: [Int]
    /// Point indices, permuted so that every node owns a contiguous range.
    var permutation: [Int]
    var nodes: [Node] = []
    static let leafSize = 8

    struct Node: Sendable {
        var start: Int, end: Int
        var left = -1, right = -1
        var minRank = Int.max
    }
    /// Per node its bounding box: `dimension` lower then `dimension` upper bounds, from `2 · dimension · node`.
    var boxes: [Double] = []

    /// The tree over the rows of `x` (`n × d`). `ranks` (a permutation of 0..<n, or any integers) restricts
    /// queries to `rank < limit`; default: the row index.
    public init(_ x: Matrix, ranks: [Int]? = nil) {
        count = x.rows
        dimension = x.cols
        var p = [Double](repeating: 0, count: count * dimension)
        for j in 0..<dimension { for i in 0..<count { p[i * dimension + j] = x[i, j] } }
        points = p
        self.ranks = ranks ?? Array(0..<count)
        permutation = Array(0..<count)
        if count > 0 { _ = build(0, count) }
    }

    /// The point `i` as a slice of the row-major store.
    @inline(__always) func coordinate(_ i: Int, _ j: Int) -> Double { points[i * dimension + j] }

    /// Squared Euclidean distance between point `i` and the query `q`.
    @inline(__always) func squaredDistance(_ i: Int, _ q: [Double]) -> Double {
        var s = 0.0
        let base = i * dimension
        for j in 0..<dimension {
            let t = points[base + j] - q[j]
            s += t * t
        }
        return s
    }

    /// The coordinates of point `i`.
    public func point(_ i: Int) -> [Double] { Array(points[(i * dimension)..<((i + 1) * dimension)]) }

    private mutating func build(_ start: Int, _ end: Int) -> Int {
        let id = nodes.count
        nodes.append(Node(start: start, end: end))
        var box = [Double](repeating: .infinity, count: dimension) + [Double](repeating: -.infinity, count: dimension)
        var minRank = Int.max
        for k in start..<end {
            let i = permutation[k]
            minRank = min(minRank, ranks[i])
            for j in 0..<dimension {
                let v = coordinate(i, j)
                box[j] = min(box[j], v)
                box[dimension + j] = max(box[dimension + j], v)
            }
        }
        boxes.append(contentsOf: box)
        nodes[id].minRank = minRank
        guard end - start > Self.leafSize else { return id }
        var axis = 0, widest = -1.0
        for j in 0..<dimension where box[dimension + j] - box[j] > widest {
            widest = box[dimension + j] - box[j]
            axis = j
        }
        guard widest > 0 else { return id }   // all points coincide: one leaf
        let mid = (start + end) / 2
        // Median split on `axis` (quickselect); ties are broken by the index so the tree is deterministic.
        select(start, end, mid, axis)
        let left = build(start, mid)
        let right = build(mid, end)
        nodes[id].left = left
        nodes[id].right = right
        return id
    }

    /// Partially sorts `permutation[start..<end]` so that position `k` holds the element of rank k − start by
    /// (coordinate on `axis`, index).
    private mutating func select(_ start: Int, _ end: Int, _ k: Int, _ axis: Int) {
        var lo = start, hi = end - 1
        func less(_ a: Int, _ b: Int) -> Bool {
            let va = coordinate(a, axis), vb = coordinate(b, axis)
            return va < vb || (va == vb && a < b)
        }
        while lo < hi {
            let pivot = permutation[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while less(permutation[i], pivot) { i += 1 }
                while less(pivot, permutation[j]) { j -= 1 }
                if i <= j {
                    permutation.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return }
        }
    }

    /// Squared distance from `q` to node `id`'s bounding box.
    @inline(__always) func boxDistance(_ id: Int, _ q: [Double]) -> Double {
        var s = 0.0
        let base = 2 * dimension * id
        for j in 0..<dimension {
            let lo = boxes[base + j], hi = boxes[base + dimension + j]
            let t = q[j] < lo ? lo - q[j] : (q[j] > hi ? q[j] - hi : 0)
            s += t * t
        }
        return s
    }

    /// The `k` points nearest to `q` among those with rank < `limit` (all when fewer), nearest first, as
    /// (index, squared distance). Ties in distance go to the smaller index.
    public func nearest(_ q: [Double], k: Int, rankBelow limit: Int = .max) -> [(index: Int, squaredDistance: Double)] {
        guard k > 0, count > 0 else { return [] }
        // A sorted list of the best k so far (k is small: insertion is cheaper than a heap).
        var best: [(index: Int, squaredDistance: Double)] = []
        best.reserveCapacity(k + 1)
        func worse(_ a: (index: Int, squaredDistance: Double), _ b: (index: Int, squaredDistance: Double)) -> Bool {
            a.squaredDistance > b.squaredDistance || (a.squaredDistance == b.squaredDistance && a.index > b.index)
        }
        func visit(_ id: Int) {
            let node = nodes[id]
            guard node.minRank < limit else { return }
            if best.count == k, boxDistance(id, q) > best[k - 1].squaredDistance { return }
            if node.left < 0 {
                for t in node.start..<node.end {
                    let i = permutation[t]
                    guard ranks[i] < limit else { continue }
                    let candidate = (index: i, squaredDistance: squaredDistance(i, q))
                    if best.count == k && !worse(best[k - 1], candidate) { continue }
                    var at = best.count
                    while at > 0 && worse(best[at - 1], candidate) { at -= 1 }
                    best.insert(candidate, at: at)
                    if best.count > k { best.removeLast() }
                }
                return
            }
            // Nearer child first.
            let dl = boxDistance(node.left, q), dr = boxDistance(node.right, q)
            if dl <= dr {
                visit(node.left)
                visit(node.right)
            } else {
                visit(node.right)
                visit(node.left)
            }
        }
        visit(0)
        return best
    }

    /// Every point within squared distance `r2` of `q` (inclusive), as (index, squared distance), unordered.
    public func within(_ q: [Double], squaredRadius r2: Double, rankBelow limit: Int = .max) -> [(index: Int, squaredDistance: Double)] {
        var out: [(index: Int, squaredDistance: Double)] = []
        guard count > 0 else { return out }
        var stack = [0]
        while let id = stack.popLast() {
            let node = nodes[id]
            guard node.minRank < limit, boxDistance(id, q) <= r2 else { continue }
            if node.left < 0 {
                for t in node.start..<node.end {
                    let i = permutation[t]
                    guard ranks[i] < limit else { continue }
                    let d = squaredDistance(i, q)
                    if d <= r2 { out.append((i, d)) }
                }
            } else {
                stack.append(node.left)
                stack.append(node.right)
            }
        }
        return out
    }
}
