import Foundation

/// A dense real matrix stored column-major, with value semantics.
///
/// Element `(i, j)` lives at `storage[i + j * rows]`, the layout BLAS and LAPACK expect, so every
/// operation in this module hands `storage` to them without copying. A column vector is an `n × 1`
/// matrix; a scalar on the gradient tape is `1 × 1`.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public var storage: [Double]

    /// A `rows × cols` matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.cols = cols
        self.storage = [Double](repeating: value, count: rows * cols)
    }

    /// A matrix over column-major `storage` (`storage.count == rows * cols`).
    public init(rows: Int, cols: Int, storage: [Double]) {
        precondition(storage.count == rows * cols, "storage has \(storage.count) entries, expected \(rows * cols)")
        self.rows = rows
        self.cols = cols
        self.storage = storage
    }

    /// A matrix from row arrays (`rowArrays[i][j]` is element `(i, j)`); convenient in tests.
    public init(_ rowArrays: [[Double]]) {
        let r = rowArrays.count
        let c = rowArrays.first?.count ?? 0
        self.init(rows: r, cols: c)
        for i in 0..<r {
            precondition(rowArrays[i].count == c, "ragged row \(i)")
            for j in 0..<c { storage[i + j * r] = rowArrays[i][j] }
        }
    }

    /// A matrix from user data given as rows (`rows[i][j]` is element `(i, j)`: one data point per row).
    /// - Throws: `LinearAlgebraError.dimensionMismatch` naming the first row whose length differs from the first's.
    /// - Complexity: O(rows × cols).
    public init(checkingRows rows: [[Double]]) throws {
        let c = rows.first?.count ?? 0
        if let bad = rows.firstIndex(where: { $0.count != c }) {
            throw LinearAlgebraError.dimensionMismatch("row \(bad) has \(rows[bad].count) values, row 0 has \(c)")
        }
        self.init(rows)
    }

    /// A column vector.
    public init(column: [Double]) {
        self.init(rows: column.count, cols: 1, storage: column)
    }

    /// A `1 × 1` matrix.
    public init(scalar: Double) {
        self.init(rows: 1, cols: 1, storage: [scalar])
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.storage[i + i * n] = 1 }
        return m
    }

    /// A diagonal matrix with `diagonal` on its diagonal.
    public init(diagonal: [Double]) {
        let n = diagonal.count
        self.init(rows: n, cols: n)
        for i in 0..<n { storage[i + i * n] = diagonal[i] }
    }

    @inlinable public subscript(i: Int, j: Int) -> Double {
        get { storage[i + j * rows] }
        set { storage[i + j * rows] = newValue }
    }

    public var count: Int { rows * cols }
    public var isSquare: Bool { rows == cols }
    /// The single entry of a `1 × 1` matrix.
    public var scalar: Double {
        precondition(rows == 1 && cols == 1, "scalar of a \(rows)×\(cols) matrix")
        return storage[0]
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Double] { Array(storage[(j * rows)..<((j + 1) * rows)]) }
    /// Multiplies column j by `factors[j]` (A diag(f)). - Complexity: O(rows · cols).
    public mutating func scaleColumns(_ factors: [Double]) {
        precondition(factors.count == cols, "\(factors.count) factors for \(cols) columns")
        let m = rows
        storage.withUnsafeMutableBufferPointer { a in
            for j in 0..<cols {
                let f = factors[j], col = a.baseAddress! + j * m
                for i in 0..<m { col[i] *= f }
            }
        }
    }
    /// Σᵢ A_ij² for every column j. - Complexity: O(rows · cols).
    public var columnSumsOfSquares: [Double] {
        let m = rows
        return storage.withUnsafeBufferPointer { a in
            (0..<cols).map { j in
                let col = a.baseAddress! + j * m
                var acc = SIMD8<Double>(repeating: 0)
                var i = 0
                while i + 8 <= m {
                    let v = UnsafeRawPointer(col + i).loadUnaligned(as: SIMD8<Double>.self)
                    acc += v * v
                    i += 8
                }
                var s = acc.sum()
                while i < m { s += col[i] * col[i]; i += 1 }
                return s
            }
        }
    }
    /// Row `i` as an array.
    public func row(_ i: Int) -> [Double] { (0..<cols).map { self[i, $0] } }
    /// The main diagonal.
    public var diagonal: [Double] { (0..<min(rows, cols)).map { self[$0, $0] } }
    /// The sum of the diagonal.
    public var trace: Double { diagonal.reduce(0, +) }

    /// The transpose (a copy). - Complexity: O(rows · cols).
    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        storage.withUnsafeBufferPointer { s in
            t.storage.withUnsafeMutableBufferPointer { d in
                for j in 0..<cols { for i in 0..<rows { d[j + i * cols] = s[i + j * rows] } }
            }
        }
        return t
    }

    /// Rows `indices` of this matrix, in that order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var m = Matrix(rows: indices.count, cols: cols)
        for j in 0..<cols {
            for (r, i) in indices.enumerated() { m.storage[r + j * indices.count] = storage[i + j * rows] }
        }
        return m
    }

    /// Columns `range` of this matrix.
    public func columns(_ range: Range<Int>) -> Matrix {
        Matrix(rows: rows, cols: range.count, storage: Array(storage[(range.lowerBound * rows)..<(range.upperBound * rows)]))
    }

    /// Copies the lower triangle onto the upper one (blocked, cache-friendly). - Complexity: O(n²).
    public mutating func symmetrizeFromLower() {
        precondition(isSquare)
        let n = rows
        storage.withUnsafeMutableBufferPointer { a in
            forEachLowerTriangleRun(size: n) { j, i0, m in
                for i in i0..<(i0 + m) { a[j + i * n] = a[i + j * n] }
            }
        }
    }

    /// Copies the strict upper triangle onto the strict lower one and sets the diagonal: undoes a failed
    /// in-place factorisation of a symmetric matrix whose upper triangle kept A.
    public mutating func restoreLowerFromUpper(diagonal: [Double]) {
        precondition(isSquare && diagonal.count == rows)
        let n = rows
        storage.withUnsafeMutableBufferPointer { a in
            forEachLowerTriangleRun(size: n) { j, i0, m in
                for i in i0..<(i0 + m) { a[i + j * n] = a[j + i * n] }
            }
            for i in 0..<n { a[i + i * n] = diagonal[i] }
        }
    }

    /// Replaces the matrix by (A + Aᵀ)/2.
    public mutating func symmetrize() {
        precondition(isSquare)
        let n = rows
        storage.withUnsafeMutableBufferPointer { a in
            for j in 0..<n {
                for i in (j + 1)..<max(j + 1, n) {
                    let v = 0.5 * (a[i + j * n] + a[j + i * n])
                    a[i + j * n] = v
                    a[j + i * n] = v
                }
            }
        }
    }

    /// Zeroes the strictly upper triangle.
    public mutating func zeroUpperTriangle() {
        let n = rows
        for j in 1..<max(1, cols) { for i in 0..<min(j, n) { storage[i + j * n] = 0 } }
    }

    /// Adds `value` to every diagonal entry.
    public mutating func addToDiagonal(_ value: Double) {
        for i in 0..<min(rows, cols) { storage[i + i * rows] += value }
    }

    /// Adds `values[i]` to the diagonal entry (i, i); `values` has min(rows, cols) entries.
    public mutating func addToDiagonal(_ values: [Double]) {
        precondition(values.count == min(rows, cols), "\(values.count) diagonal values for a \(rows)×\(cols) matrix")
        for i in values.indices { storage[i + i * rows] += values[i] }
    }

    /// True when every entry is finite.
    public var isFinite: Bool { storage.allSatisfy { $0.isFinite } }

    /// Σ A_ij², the squared Frobenius norm.
    public var frobeniusNormSquared: Double { storage.reduce(0) { $0 + $1 * $1 } }

    /// Σ_ij A_ij B_ij.
    public func inner(_ other: Matrix) -> Double {
        precondition(rows == other.rows && cols == other.cols)
        return dot(storage, other.storage)
    }

    /// Elementwise map.
    public func map(_ f: (Double) -> Double) -> Matrix {
        Matrix(rows: rows, cols: cols, storage: storage.map(f))
    }
}

// MARK: - Arithmetic

extension Matrix {
    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch \(a.rows)×\(a.cols) + \(b.rows)×\(b.cols)")
        var c = a
        axpy(1, b.storage, &c.storage)
        return c
    }

    public static func - (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch \(a.rows)×\(a.cols) - \(b.rows)×\(b.cols)")
        var c = a
        axpy(-1, b.storage, &c.storage)
        return c
    }

    public static func += (a: inout Matrix, b: Matrix) {
        precondition(a.rows == b.rows && a.cols == b.cols, "shape mismatch in +=")
        axpy(1, b.storage, &a.storage)
    }

    public static func * (s: Double, a: Matrix) -> Matrix {
        var c = a
        scal(s, &c.storage)
        return c
    }

    public static prefix func - (a: Matrix) -> Matrix { -1 * a }

    /// Elementwise (Hadamard) product.
    public func hadamard(_ b: Matrix) -> Matrix {
        precondition(rows == b.rows && cols == b.cols)
        var c = self
        for i in 0..<count { c.storage[i] *= b.storage[i] }
        return c
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        var s = "Matrix \(rows)×\(cols)\n"
        for i in 0..<min(rows, 8) {
            s += (0..<min(cols, 8)).map { String(format: "%12.5g", self[i, $0]) }.joined(separator: " ")
            s += cols > 8 ? " …\n" : "\n"
        }
        if rows > 8 { s += "…\n" }
        return s
    }
}

/// Visits the strict lower triangle of an n × n matrix as runs (column j, rows i0 ..< i0 + m) in 64 × 64
/// tiles, so that code touching entry (i, j) and its mirror (j, i) keeps both tiles in cache: the one
/// traversal behind mirroring, restoring and the kernels' symmetric pair sweeps. - Complexity: O(n²) runs.
@inlinable @inline(__always)
public func forEachLowerTriangleRun(size n: Int, tile: Int = 64, _ body: (_ j: Int, _ i0: Int, _ m: Int) -> Void) {
    for jb in stride(from: 0, to: n, by: tile) {
        let jEnd = min(jb + tile, n)
        for ib in stride(from: jb, to: n, by: tile) {
            let iEnd = min(ib + tile, n)
            for j in jb..<jEnd {
                let i0 = max(ib, j + 1)
                if iEnd > i0 { body(j, i0, iEnd - i0) }
            }
        }
    }
}
