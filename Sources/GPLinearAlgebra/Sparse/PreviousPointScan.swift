import CLAPACK

/// Squared Euclidean distances from every position of an ordering to all earlier positions, computed a block of
/// positions at a time through BLAS (docs/methods/dklgp.md#neighbour-search-in-many-dimensions): with the points
/// in order as the rows of X, the block D = ‖xᵢ‖² + ‖x_q‖² − 2 X_{0..<b} X_{block}ᵀ (one dgemm per block, negative
/// rounding clamped to 0). The brute-force alternative to `KDTree` queries for many input dimensions, where a k-d
/// tree visits nearly every node (`preferred(dimension:)`).
/// - Complexity: n²d flops (half of them useful) in dgemm and O(n²/2) for the callers' scans, blocks on all cores;
///   O(n d) memory plus O(n · blockSize) per running block.
public struct PreviousPointScan: Sendable {
    /// The points in order, n × d (row k: the point at position k).
    let ordered: Matrix
    let norms: [Double]
    static let blockSize = 128

    /// The rows of `x` (the caller's indexing) in the order `order` (`order[k]`: the caller's index of position k).
    public init(_ x: Matrix, order: [Int]) {
        let n = order.count, d = x.cols
        var ordered = Matrix(rows: n, cols: d)
        var norms = [Double](repeating: 0, count: n)
        for j in 0..<d {
            for k in 0..<n {
                let v = x[order[k], j]
                ordered[k, j] = v
                norms[k] += v * v
            }
        }
        self.ordered = ordered
        self.norms = norms
    }

    /// Whether the scan should replace k-d tree queries for inputs of `dimension` columns: from 8 columns on
    /// (elevators, d = 18: neighbour and ancestor sets 2.4 s against 135 s with the tree; simulation 1, d = 5,
    /// keeps the tree).
    public static func preferred(dimension: Int) -> Bool { dimension >= 8 }

    /// `body(q, distances)` for every position q (increasing within a chunk; chunks on all cores), where
    /// `distances[i]` is the squared distance from position q to position i < q; the results in position order.
    public func map<T>(_ body: @Sendable (Int, UnsafeBufferPointer<Double>) -> T) -> [T] {
        blocks(queries: ordered, queryNorms: norms, previousOnly: true, body)
    }

    /// `body(t, distances)` for every row t of `queries` (other points, d columns), where `distances[i]` is the
    /// squared distance from that row to position i (all n positions); the results in row order.
    public func map<T>(queries: Matrix, _ body: @Sendable (Int, UnsafeBufferPointer<Double>) -> T) -> [T] {
        precondition(queries.cols == ordered.cols, "queries with \(queries.cols) columns for points with \(ordered.cols)")
        var queryNorms = [Double](repeating: 0, count: queries.rows)
        for j in 0..<queries.cols { for t in 0..<queries.rows { queryNorms[t] += queries[t, j] * queries[t, j] } }
        return blocks(queries: queries, queryNorms: queryNorms, previousOnly: false, body)
    }

    /// Per block of query rows, C = −2 X Q_blockᵀ (dgemm, against the positions below the block's end when
    /// `previousOnly`), + ‖xᵢ‖² + ‖q‖², then `body` on each query's column.
    private func blocks<T>(queries: Matrix, queryNorms: [Double], previousOnly: Bool,
                           _ body: @Sendable (Int, UnsafeBufferPointer<Double>) -> T) -> [T] {
        let n = ordered.rows, d = ordered.cols, b = Self.blockSize, count = queries.rows
        let blockCount = (count + b - 1) / b
        let perChunk = ParallelChunks(count: blockCount).map { range in
            var out: [T] = []
            var buffer: [Double] = []
            for block in range {
                let lo = block * b, hi = min(count, lo + b), width = hi - lo
                let rows = previousOnly ? hi : n
                buffer.removeAll(keepingCapacity: true)
                buffer.append(contentsOf: repeatElement(0, count: rows * width))
                buffer.withUnsafeMutableBufferPointer { c in
                    ordered.storage.withUnsafeBufferPointer { x in
                        queries.storage.withUnsafeBufferPointer { q in
                            if d > 0 && rows > 0 {
                                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(width), Int32(d), -2,
                                            x.baseAddress, Int32(n), q.baseAddress! + lo, Int32(count), 0, c.baseAddress, Int32(rows))
                            }
                        }
                    }
                    for t in 0..<width {
                        let query = lo + t, column = c.baseAddress! + t * rows
                        let limit = previousOnly ? query : n
                        for i in 0..<limit { column[i] = max(0, column[i] + norms[i] + queryNorms[query]) }
                        out.append(body(query, UnsafeBufferPointer(start: column, count: limit)))
                    }
                }
            }
            return out
        }
        return perChunk.flatMap { $0 }
    }
}
