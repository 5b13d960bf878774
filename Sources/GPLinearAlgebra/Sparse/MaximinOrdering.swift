/// The maximin ordering of points (docs/methods/vecchia.md#maximin-ordering), coarse to fine: the first point is the
/// one nearest the centroid; each next point is the unselected one farthest from all selected points, and that
/// distance is its length scale ℓ (ℓ₁ = +∞; ℓ is non-increasing). Ties go to the smaller index.
///
/// `exact` keeps every unselected point's distance to the selected set in an indexed max-heap and, after each
/// selection, lowers only the points within the current ℓ of the new point (a k-d tree radius query): a point
/// farther away cannot get closer to the set than the distance it already has, which is at most ℓ.
/// - Complexity: exact O(n log n · c_d) on well-spread data in low dimension d (c_d: the points within ℓ of a new
///   point, a packing constant), O(n²) at worst; from 8 dimensions on a brute-force scan (`scanned`), O(n² d) in
///   dgemv; O(n) memory.
public struct MaximinOrdering: Sendable, Equatable {
    /// `order[k]` is the index of the k-th point.
    public var order: [Int]
    /// ℓ_k, the distance of the k-th point to the points before it (`+∞` for the first).
    public var lengths: [Double]

    public init(order: [Int], lengths: [Double]) {
        self.order = order
        self.lengths = lengths
    }

    /// The position of each point in the order (the inverse permutation).
    public var ranks: [Int] {
        var r = [Int](repeating: 0, count: order.count)
        for (k, i) in order.enumerated() { r[i] = k }
        return r
    }

    /// The index of the point nearest the centroid of the rows of `x` (ties: the smaller index).
    public static func centralPoint(_ x: Matrix) -> Int {
        let n = x.rows, d = x.cols
        guard n > 0 else { return 0 }
        var centroid = [Double](repeating: 0, count: d)
        for j in 0..<d { for i in 0..<n { centroid[j] += x[i, j] } }
        for j in 0..<d { centroid[j] /= Double(n) }
        var best = 0, bestDistance = Double.infinity
        for i in 0..<n {
            var s = 0.0
            for j in 0..<d { s += (x[i, j] - centroid[j]) * (x[i, j] - centroid[j]) }
            if s < bestDistance { best = i; bestDistance = s }
        }
        return best
    }

    /// The exact maximin ordering of the rows of `x` (already scaled, e.g. by lengthscales).
    public static func exact(_ x: Matrix) -> MaximinOrdering {
        let n = x.rows
        guard n > 0 else { return MaximinOrdering(order: [], lengths: []) }
        if PreviousPointScan.preferred(dimension: x.cols) { return scanned(x) }
        let tree = KDTree(x)
        var heap = IndexedMaxHeap(count: n)
        let first = centralPoint(x)
        var order = [first], lengths = [Double.infinity]
        order.reserveCapacity(n)
        lengths.reserveCapacity(n)
        var selected = [Bool](repeating: false, count: n)
        selected[first] = true
        let q0 = tree.point(first)
        for i in 0..<n where i != first { heap.insert(i, key: tree.squaredDistance(i, q0)) }
        while let (next, d2) = heap.popMax() {
            selected[next] = true
            order.append(next)
            lengths.append(d2.squareRoot())
            let q = tree.point(next)
            for (j, e) in tree.within(q, squaredRadius: d2) where !selected[j] && e < heap.key(j) {
                heap.decrease(j, to: e)
            }
        }
        return MaximinOrdering(order: order, lengths: lengths)
    }
}

/// A binary max-heap over the integers 0..<count with keys that only decrease (ties: the smaller integer
/// first). - Complexity: O(log n) per operation.
struct IndexedMaxHeap {
    private var heap: [Int] = []
    private var position: [Int]
    private var keys: [Double]

    init(count: Int) {
        position = [Int](repeating: -1, count: count)
        keys = [Double](repeating: -.infinity, count: count)
        heap.reserveCapacity(count)
    }

    func key(_ i: Int) -> Double { keys[i] }

    @inline(__always) private func above(_ a: Int, _ b: Int) -> Bool {
        keys[a] > keys[b] || (keys[a] == keys[b] && a < b)
    }

    mutating func insert(_ i: Int, key: Double) {
        keys[i] = key
        heap.append(i)
        position[i] = heap.count - 1
        siftUp(heap.count - 1)
    }

    mutating func popMax() -> (Int, Double)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        position[top] = -1
        if !heap.isEmpty {
            heap[0] = last
            position[last] = 0
            siftDown(0)
        }
        return (top, keys[top])
    }

    mutating func decrease(_ i: Int, to key: Double) {
        guard position[i] >= 0 else { return }
        keys[i] = key
        siftDown(position[i])
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        position[heap[a]] = a
        position[heap[b]] = b
    }

    private mutating func siftUp(_ start: Int) {
        var k = start
        while k > 0 {
            let parent = (k - 1) / 2
            guard above(heap[k], heap[parent]) else { return }
            swap(k, parent)
            k = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var k = start
        while true {
            let l = 2 * k + 1, r = l + 1
            var top = k
            if l < heap.count && above(heap[l], heap[top]) { top = l }
            if r < heap.count && above(heap[r], heap[top]) { top = r }
            guard top != k else { return }
            swap(k, top)
            k = top
        }
    }
}
