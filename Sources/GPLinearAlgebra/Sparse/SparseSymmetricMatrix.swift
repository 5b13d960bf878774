import CCHOLMOD

/// The nonzero pattern of a symmetric sparse matrix in compressed-column form (lower triangle, sorted,
/// duplicates merged), together with the map from each input triplet to its stored entry.
///
/// Shared between matrices built with `SparseSymmetricMatrix.replacingValues(_:)`, so a factor can check
/// cheaply that a matrix has the pattern it analysed.
final class SparsePattern {
    let size: Int
    /// Column pointers, `size + 1` entries.
    let columnPointers: [Int32]
    /// Row index of each stored entry, sorted within each column.
    let rowIndices: [Int32]
    /// `slots[k]` is the stored entry that triplet `k` accumulates into.
    let slots: [Int32]

    var nonZeroCount: Int { rowIndices.count }

    /// Builds the pattern of the triplets `(rows[k], cols[k])`, mirrored into the lower triangle.
    /// - Complexity: O(t + n) for t triplets (two counting sorts, no comparisons).
    init(rows: [Int], cols: [Int], size n: Int) throws {
        let t = rows.count
        guard cols.count == t else {
            throw LinearAlgebraError.dimensionMismatch("\(rows.count) row indices but \(cols.count) column indices")
        }
        guard n >= 0, n < Int(Int32.max), t < Int(Int32.max) else {
            throw LinearAlgebraError.dimensionMismatch("size \(n) with \(t) triplets exceeds CHOLMOD's Int32 indices")
        }
        // Lower-triangle coordinates of every triplet.
        var lowRow = [Int32](repeating: 0, count: t)
        var lowCol = [Int32](repeating: 0, count: t)
        for k in 0..<t {
            let r = rows[k], c = cols[k]
            guard r >= 0, r < n, c >= 0, c < n else {
                throw LinearAlgebraError.dimensionMismatch("triplet \(k) at (\(r), \(c)) lies outside a \(n)×\(n) matrix")
            }
            lowRow[k] = Int32(max(r, c))
            lowCol[k] = Int32(min(r, c))
        }
        // Counting sort by row, then a stable counting sort by column: order is sorted by (column, row).
        func countingSort(_ keys: [Int32], _ input: [Int32]) -> [Int32] {
            var start = [Int](repeating: 0, count: n + 1)
            var output = [Int32](repeating: 0, count: input.count)
            keys.withUnsafeBufferPointer { key in
                input.withUnsafeBufferPointer { inp in
                    output.withUnsafeMutableBufferPointer { out in
                        start.withUnsafeMutableBufferPointer { s in
                            for k in inp { s[Int(key[Int(k)]) + 1] += 1 }
                            for j in 0..<n { s[j + 1] += s[j] }
                            for k in inp {
                                let j = Int(key[Int(k)])
                                out[s[j]] = k
                                s[j] += 1
                            }
                        }
                    }
                }
            }
            return output
        }
        let identity = (0..<t).map { Int32($0) }
        let order = countingSort(lowCol, countingSort(lowRow, identity))

        // Merge duplicates and build the compressed columns.
        var colPtr = [Int32](repeating: 0, count: n + 1)
        var rowIdx = [Int32]()
        rowIdx.reserveCapacity(t)
        var slots = [Int32](repeating: 0, count: t)
        lowRow.withUnsafeBufferPointer { lr in
            lowCol.withUnsafeBufferPointer { lc in
                slots.withUnsafeMutableBufferPointer { slot in
                    colPtr.withUnsafeMutableBufferPointer { cp in
                        var lastRow: Int32 = -1, lastCol: Int32 = -1
                        for k in order {
                            let r = lr[Int(k)], c = lc[Int(k)]
                            if r != lastRow || c != lastCol {
                                rowIdx.append(r)
                                cp[Int(c) + 1] += 1
                                lastRow = r
                                lastCol = c
                            }
                            slot[Int(k)] = Int32(rowIdx.count - 1)
                        }
                        for j in 0..<n { cp[j + 1] += cp[j] }
                    }
                }
            }
        }
        self.size = n
        self.columnPointers = colPtr
        self.rowIndices = rowIdx
        self.slots = slots
    }

    /// The stored values for triplet values `values` (duplicates summed).
    /// - Throws: `.dimensionMismatch` for a wrong count, `.nonFinite` for NaN/∞.
    func accumulate(_ values: [Double]) throws -> [Double] {
        guard values.count == slots.count else {
            throw LinearAlgebraError.dimensionMismatch("\(values.count) values for \(slots.count) triplets")
        }
        var x = [Double](repeating: 0, count: nonZeroCount)
        try values.withUnsafeBufferPointer { v in
            try slots.withUnsafeBufferPointer { s in
                try x.withUnsafeMutableBufferPointer { xs in
                    for k in 0..<v.count {
                        guard v[k].isFinite else { throw LinearAlgebraError.nonFinite(size: size) }
                        xs[Int(s[k])] += v[k]
                    }
                }
            }
        }
        return x
    }

    /// Same size and same stored pattern (the triplet order may differ).
    func hasSameStructure(as other: SparsePattern) -> Bool {
        self === other
            || (size == other.size && columnPointers == other.columnPointers && rowIndices == other.rowIndices)
    }
}

/// A real symmetric sparse matrix held by CHOLMOD as its lower triangle (`stype = -1`, compressed
/// columns, sorted, Int32 indices), the input of `SparseCholesky`.
///
/// Built from triplets `(rows[k], cols[k], values[k])`: an entry may be given in either triangle and is
/// stored at `(max, min)`, and entries landing on the same position are summed. Hence give each
/// off-diagonal pair once: supplying both `(i, j)` and `(j, i)` adds them, which doubles a symmetric
/// entry. Entries whose value is zero are kept in the pattern.
///
/// The matrix keeps its `CholmodContext` alive and frees its CHOLMOD storage in `deinit`. Not `Sendable`:
/// use it on the thread that owns the context.
/// - Complexity: O(t + n) to build from t triplets; storage O(nnz) for nnz stored (lower) entries.
public final class SparseSymmetricMatrix {
    /// The context that owns the CHOLMOD storage.
    public let context: CholmodContext
    let pattern: SparsePattern
    let sparse: UnsafeMutablePointer<cholmod_sparse>

    /// The order n of the n × n matrix.
    public var size: Int { pattern.size }
    /// The number of stored entries: the nonzeros of the lower triangle, diagonal included.
    public var nonZeroCount: Int { pattern.nonZeroCount }

    /// A symmetric matrix from triplets (see the type's documentation for how they combine).
    /// - Parameters:
    ///   - rows, cols: 0-based indices in `0..<size`, either triangle.
    ///   - values: the entries; duplicates are summed.
    ///   - size: the order n.
    ///   - context: the CHOLMOD context that will own the matrix.
    /// - Throws: `LinearAlgebraError.nonFinite` for NaN/∞ values; `.dimensionMismatch` for indices outside
    ///   `0..<size` or arrays of different lengths; `CholmodError.failed` if CHOLMOD cannot allocate.
    /// - Complexity: O(t + n).
    public convenience init(rows: [Int], cols: [Int], values: [Double], size: Int, context: CholmodContext) throws {
        guard values.count == rows.count else {
            throw LinearAlgebraError.dimensionMismatch("\(values.count) values for \(rows.count) row indices")
        }
        let pattern = try SparsePattern(rows: rows, cols: cols, size: size)
        try self.init(pattern: pattern, storedValues: try pattern.accumulate(values), context: context)
    }

    init(pattern: SparsePattern, storedValues: [Double], context: CholmodContext) throws {
        precondition(storedValues.count == pattern.nonZeroCount)
        let n = pattern.size
        guard let a = cholmod_allocate_sparse(n, n, max(pattern.nonZeroCount, 1), 1, 1,
                                              CholmodConstant.lowerStype, CholmodConstant.real, context.common)
        else { throw CholmodError.failed(function: "cholmod_allocate_sparse", status: Int(context.status)) }
        let p = a.pointee.p.assumingMemoryBound(to: Int32.self)
        let i = a.pointee.i.assumingMemoryBound(to: Int32.self)
        let x = a.pointee.x.assumingMemoryBound(to: Double.self)
        pattern.columnPointers.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: n + 1) }
        if pattern.nonZeroCount > 0 {
            pattern.rowIndices.withUnsafeBufferPointer { i.update(from: $0.baseAddress!, count: $0.count) }
            storedValues.withUnsafeBufferPointer { x.update(from: $0.baseAddress!, count: $0.count) }
        }
        self.context = context
        self.pattern = pattern
        self.sparse = a
    }

    deinit {
        var a: UnsafeMutablePointer<cholmod_sparse>? = sparse
        _ = cholmod_free_sparse(&a, context.common)
    }

    /// A matrix with the same pattern and new values, given in the order of the triplets this pattern was
    /// built from (same count; duplicates summed as before). A `SparseCholesky` that analysed this matrix
    /// can factorise the result without a new analysis.
    /// - Throws: `.dimensionMismatch` for a wrong count, `.nonFinite` for NaN/∞.
    /// - Complexity: O(t + nnz).
    public func replacingValues(_ values: [Double]) throws -> SparseSymmetricMatrix {
        try SparseSymmetricMatrix(pattern: pattern, storedValues: try pattern.accumulate(values), context: context)
    }

    /// True when `other` has the same order and the same stored pattern (so one analysis serves both).
    public func hasSamePattern(as other: SparseSymmetricMatrix) -> Bool {
        pattern.hasSameStructure(as: other.pattern)
    }

    /// The stored lower-triangle values in compressed-column order (for inspection and tests).
    public var storedValues: [Double] {
        let x = sparse.pointee.x.assumingMemoryBound(to: Double.self)
        return Array(UnsafeBufferPointer(start: x, count: nonZeroCount))
    }

    /// A x, using both triangles of the symmetric matrix (`cholmod_sdmult`); meant for residual checks.
    /// - Complexity: O(nnz + n).
    public func multiply(_ x: [Double]) -> [Double] {
        let n = size
        precondition(x.count == n, "multiply: vector of length \(x.count) for a \(n)×\(n) matrix")
        if n == 0 { return [] }
        var input = x
        var y = [Double](repeating: 0, count: n)
        var alpha: [Double] = [1, 0]
        var beta: [Double] = [0, 0]
        let ok = input.withUnsafeMutableBufferPointer { xb in
            y.withUnsafeMutableBufferPointer { yb in
                var xd = denseView(xb.baseAddress!, rows: n, cols: 1)
                var yd = denseView(yb.baseAddress!, rows: n, cols: 1)
                return cholmod_sdmult(sparse, 0, &alpha, &beta, &xd, &yd, context.common)
            }
        }
        precondition(ok != 0, "cholmod_sdmult failed with status \(context.status)")
        return y
    }
}

/// A `cholmod_dense` header over caller-owned column-major storage (no allocation, never freed by CHOLMOD).
func denseView(_ base: UnsafeMutablePointer<Double>, rows: Int, cols: Int) -> cholmod_dense {
    cholmod_dense(nrow: rows, ncol: cols, nzmax: rows * cols, d: rows, x: UnsafeMutableRawPointer(base),
                  z: nil, xtype: CholmodConstant.real, dtype: CholmodConstant.double)
}
