import CLAPACK

// Thin, typed wrappers over CBLAS. Every dense product in SwiftGP goes through these.

/// Whether an operand enters a product as is or transposed.
public enum Transpose: Sendable {
    case none, transposed
    @usableFromInline var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// Which triangle of a matrix an operation reads.
public enum Triangle: Sendable {
    case lower, upper
    @usableFromInline var cblas: CBLAS_UPLO { self == .lower ? CblasLower : CblasUpper }
    @usableFromInline var lapack: CChar { CChar(UInt8(ascii: self == .lower ? "L" : "U")) }
}

/// Which side a triangular factor multiplies from.
public enum Side: Sendable {
    case left, right
    @usableFromInline var cblas: CBLAS_SIDE { self == .left ? CblasLeft : CblasRight }
}

/// x · y. - Complexity: O(n).
public func dot(_ x: [Double], _ y: [Double]) -> Double {
    precondition(x.count == y.count, "dot of lengths \(x.count) and \(y.count)")
    return cblas_ddot(Int32(x.count), x, 1, y, 1)
}

/// y ← a·x + y. - Complexity: O(n).
public func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
    precondition(x.count == y.count)
    cblas_daxpy(Int32(x.count), a, x, 1, &y, 1)
}

/// x ← a·x. - Complexity: O(n).
public func scal(_ a: Double, _ x: inout [Double]) {
    cblas_dscal(Int32(x.count), a, &x, 1)
}

/// C ← α·op(A)·op(B) + β·C (dgemm). - Complexity: O(m n k).
public func gemm(_ transA: Transpose = .none, _ transB: Transpose = .none,
                 alpha: Double = 1, _ a: Matrix, _ b: Matrix, beta: Double = 0, into c: inout Matrix) {
    let m = transA == .none ? a.rows : a.cols
    let k = transA == .none ? a.cols : a.rows
    let kb = transB == .none ? b.rows : b.cols
    let n = transB == .none ? b.cols : b.rows
    precondition(k == kb, "gemm inner dimensions \(k) and \(kb) differ")
    precondition(c.rows == m && c.cols == n, "gemm output is \(c.rows)×\(c.cols), expected \(m)×\(n)")
    if m == 0 || n == 0 { return }
    if k == 0 { scal(beta, &c.storage); return }
    cblas_dgemm(CblasColMajor, transA.cblas, transB.cblas, Int32(m), Int32(n), Int32(k), alpha,
                a.storage, Int32(max(1, a.rows)), b.storage, Int32(max(1, b.rows)), beta,
                &c.storage, Int32(max(1, c.rows)))
}

/// α·op(A)·op(B) as a new matrix (dgemm). - Complexity: O(m n k).
public func matmul(_ a: Matrix, _ b: Matrix, _ transA: Transpose = .none, _ transB: Transpose = .none,
                   alpha: Double = 1) -> Matrix {
    let m = transA == .none ? a.rows : a.cols
    let n = transB == .none ? b.cols : b.rows
    var c = Matrix(rows: m, cols: n)
    gemm(transA, transB, alpha: alpha, a, b, into: &c)
    return c
}

/// y ← α·op(A)·x + β·y (dgemv). - Complexity: O(m n).
public func gemv(_ trans: Transpose = .none, alpha: Double = 1, _ a: Matrix, _ x: [Double],
                 beta: Double = 0, into y: inout [Double]) {
    let (m, n) = (a.rows, a.cols)
    precondition(x.count == (trans == .none ? n : m), "gemv input length \(x.count)")
    precondition(y.count == (trans == .none ? m : n), "gemv output length \(y.count)")
    if m == 0 || n == 0 { if beta != 1 { scal(beta, &y) }; return }
    cblas_dgemv(CblasColMajor, trans.cblas, Int32(m), Int32(n), alpha, a.storage, Int32(max(1, m)),
                x, 1, beta, &y, 1)
}

/// op(A)·x as a new array (dgemv).
public func matvec(_ a: Matrix, _ x: [Double], _ trans: Transpose = .none) -> [Double] {
    var y = [Double](repeating: 0, count: trans == .none ? a.rows : a.cols)
    gemv(trans, a, x, into: &y)
    return y
}

/// C ← α·A·Aᵀ + β·C (trans = .none) or α·Aᵀ·A + β·C (dsyrk); fills only `triangle` of C.
/// - Complexity: O(n² k), half a gemm.
public func syrk(_ trans: Transpose = .none, _ triangle: Triangle = .lower, alpha: Double = 1, _ a: Matrix,
                 beta: Double = 0, into c: inout Matrix) {
    let n = trans == .none ? a.rows : a.cols
    let k = trans == .none ? a.cols : a.rows
    precondition(c.rows == n && c.cols == n, "syrk output must be \(n)×\(n)")
    if n == 0 { return }
    cblas_dsyrk(CblasColMajor, triangle.cblas, trans.cblas, Int32(n), Int32(k), alpha, a.storage,
                Int32(max(1, a.rows)), beta, &c.storage, Int32(n))
}

/// C ← α·A·B + β·C for symmetric A of which only `triangle` is read (dsymm, A on the left).
/// - Complexity: O(n² m).
public func symm(_ triangle: Triangle = .lower, alpha: Double = 1, _ a: Matrix, _ b: Matrix,
                 beta: Double = 0, into c: inout Matrix) {
    precondition(a.isSquare && b.rows == a.rows && c.rows == a.rows && c.cols == b.cols, "symm shape mismatch")
    if b.rows == 0 || b.cols == 0 { return }
    cblas_dsymm(CblasColMajor, CblasLeft, triangle.cblas, Int32(b.rows), Int32(b.cols), alpha, a.storage,
                Int32(a.rows), b.storage, Int32(b.rows), beta, &c.storage, Int32(c.rows))
}

/// B ← α·op(T)⁻¹·B (side = .left) or α·B·op(T)⁻¹ (side = .right), T triangular (dtrsm).
/// - Complexity: O(n² m).
public func trsm(_ side: Side = .left, _ triangle: Triangle = .lower, _ trans: Transpose = .none,
                 alpha: Double = 1, _ t: Matrix, _ b: inout Matrix) {
    precondition(t.isSquare)
    let n = t.rows
    precondition(side == .left ? b.rows == n : b.cols == n, "trsm shape mismatch")
    if b.rows == 0 || b.cols == 0 { return }
    cblas_dtrsm(CblasColMajor, side.cblas, triangle.cblas, trans.cblas, CblasNonUnit, Int32(b.rows),
                Int32(b.cols), alpha, t.storage, Int32(max(1, n)), &b.storage, Int32(max(1, b.rows)))
}

/// B ← α·op(T)·B (side = .left) or α·B·op(T) (side = .right), T triangular (dtrmm).
/// - Complexity: O(n² m).
public func trmm(_ side: Side = .left, _ triangle: Triangle = .lower, _ trans: Transpose = .none,
                 alpha: Double = 1, _ t: Matrix, _ b: inout Matrix) {
    precondition(t.isSquare)
    if b.rows == 0 || b.cols == 0 { return }
    cblas_dtrmm(CblasColMajor, side.cblas, triangle.cblas, trans.cblas, CblasNonUnit, Int32(b.rows),
                Int32(b.cols), alpha, t.storage, Int32(max(1, t.rows)), &b.storage, Int32(max(1, b.rows)))
}

/// Solves op(T)·x = b for a vector (dtrsv). - Complexity: O(n²).
public func trsv(_ triangle: Triangle = .lower, _ trans: Transpose = .none, _ t: Matrix, _ x: inout [Double]) {
    precondition(t.isSquare && x.count == t.rows)
    if x.isEmpty { return }
    cblas_dtrsv(CblasColMajor, triangle.cblas, trans.cblas, CblasNonUnit, Int32(t.rows), t.storage,
                Int32(t.rows), &x, 1)
}

/// Sets the number of threads OpenBLAS uses for subsequent calls. OpenBLAS also reads
/// `OPENBLAS_NUM_THREADS` (and `OMP_NUM_THREADS`) at start-up; this overrides them.
public enum BLASThreads {
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }
    public static var current: Int { Int(openblas_get_num_threads()) }
}
