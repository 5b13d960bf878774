import CLAPACK

/// The eigendecomposition A = V diag(λ) Vᵀ of a symmetric matrix (dsyevd), eigenvalues ascending.
/// - Complexity: O(n³).
public struct SymmetricEigen: Sendable {
    /// Eigenvalues in ascending order.
    public let values: [Double]
    /// Orthonormal eigenvectors, one per column, in the order of `values`.
    public let vectors: Matrix

    /// Decomposes `a` (its lower triangle is read).
    /// - Throws: `LinearAlgebraError.nonFinite` or `.lapack` when LAPACK does not converge.
    public init(_ a: Matrix) throws {
        precondition(a.isSquare, "eigendecomposition of a non-square matrix")
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(size: a.rows) }
        let n = a.rows
        var v = a
        var w = [Double](repeating: 0, count: n)
        if n > 0 {
            let info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), Triangle.lower.lapack,
                                      Int32(n), &v.storage, Int32(n), &w)
            if info != 0 { throw LinearAlgebraError.lapack(routine: "dsyevd", info: Int(info)) }
        }
        self.values = w
        self.vectors = v
    }
}

/// Solves A X = B for a general square A by LU with partial pivoting (dgesv).
/// - Throws: `LinearAlgebraError.lapack` when A is singular.
/// - Complexity: O(n³ + n² m).
public func solveGeneral(_ a: Matrix, _ b: Matrix) throws -> Matrix {
    precondition(a.isSquare && b.rows == a.rows, "solveGeneral shape mismatch")
    var lu = a
    var x = b
    var pivots = [Int32](repeating: 0, count: a.rows)
    if a.rows == 0 { return x }
    let info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, Int32(a.rows), Int32(b.cols), &lu.storage, Int32(a.rows),
                                  &pivots, &x.storage, Int32(a.rows))
    if info != 0 { throw LinearAlgebraError.lapack(routine: "dgesv", info: Int(info)) }
    return x
}
