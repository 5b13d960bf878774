import CLAPACK

/// The Cholesky factorisation A = L Lᵀ of a symmetric positive-definite matrix: THE factorisation entry
/// point of SwiftGP, and the only place that adds jitter (see `JitterPolicy`).
///
/// The factor is lower triangular with its strict upper triangle zeroed. `jitter` is the absolute amount
/// added to the diagonal before the successful attempt (0 when none was needed), so callers can log it.
/// - Complexity: O(n³/3) per attempt (dpotrf).
public struct Cholesky: Sendable {
    /// The lower-triangular factor L.
    public let lower: Matrix
    /// The absolute jitter added to the diagonal of the factorised matrix.
    public let jitter: Double

    public var size: Int { lower.rows }

    /// Factorises `a` (only its lower triangle is read).
    /// - Parameters:
    ///   - a: symmetric `n × n` matrix.
    ///   - policy: the jitter ladder.
    ///   - isLatentPrior: adds the policy's base jitter first (noise-free prior covariances).
    /// - Throws: `LinearAlgebraError.nonFinite` for NaN/∞ entries (never jittered);
    ///   `.notPositiveDefinite` when the ladder is exhausted.
    public init(_ a: Matrix, policy: JitterPolicy = .standard, isLatentPrior: Bool = false) throws {
        precondition(a.isSquare, "Cholesky of a non-square \(a.rows)×\(a.cols) matrix")
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(size: a.rows) }
        // The one ladder loop (`factorInPlace`) on a copy; a retry starts again from a fresh copy of A.
        var l = a
        self.jitter = try Cholesky.factorInPlace(&l, policy: policy, isLatentPrior: isLatentPrior) { $0 = a }
        l.zeroUpperTriangle()
        self.lower = l
    }

    /// The absolute jitters to try, in order: the base (latent priors only), then the relative ladder.
    private static func ladder(meanDiagonal: Double, policy: JitterPolicy, isLatentPrior: Bool) -> [Double] {
        let scale = meanDiagonal > 0 ? meanDiagonal : 1
        let base = isLatentPrior ? policy.priorRelativeJitter * scale : 0
        var ladder = [base]
        var eps = policy.firstRelativeJitter * scale
        for _ in 0..<max(0, policy.retries) {
            ladder.append(base + eps)
            eps *= policy.growth
        }
        return ladder
    }

    /// Factorises the symmetric matrix held in `a` (both triangles filled) in place, with the same jitter
    /// ladder as `init`: on return the lower triangle of `a` holds L and its strict upper triangle still
    /// holds A's entries (they are what a retry restores the lower triangle from, so no copy of A is made). Only the
    /// lower triangle and the diagonal are checked for non-finite values. Returns the jitter used.
    /// Use it where an n × n copy matters; read the factor with `Triangle.lower` routines only.
    /// - Complexity: O(n³/3) per attempt, O(n) extra memory.
    /// - Throws: as `init`; `a` then holds A again (lower triangle restored, no jitter).
    public static func factorInPlace(_ a: inout Matrix, policy: JitterPolicy = .standard,
                                     isLatentPrior: Bool = false) throws -> Double {
        let diagonal = a.diagonal
        return try factorInPlace(&a, policy: policy, isLatentPrior: isLatentPrior) { b in
            b.restoreLowerFromUpper(diagonal: diagonal)
        }
    }

    /// `factorInPlace` for a matrix whose strict upper triangle does NOT hold A (e.g. a kernel's
    /// workspace): before a retry, and before throwing, `refill` must write A's lower triangle and diagonal
    /// into its argument again (e.g. by recomputing it). Non-finite checks read the refilled lower triangle.
    public static func factorInPlace(_ a: inout Matrix, policy: JitterPolicy = .standard, isLatentPrior: Bool = false,
                                     refill: (inout Matrix) -> Void) throws -> Double {
        precondition(a.isSquare, "Cholesky of a non-square \(a.rows)×\(a.cols) matrix")
        let n = a.rows
        if n == 0 { return 0 }
        let diagonal = a.diagonal
        // Non-finite input is detected without an O(n²) scan on the success path: a NaN or ∞ in the lower
        // triangle reaches the factor's diagonal (NaN) or makes dpotrf fail, and both cases scan below.
        func throwIfNonFinite() throws {
            refill(&a)
            var finite = true
            a.storage.withUnsafeBufferPointer { s in
                for j in 0..<n { for i in j..<n where !s[i + j * n].isFinite { finite = false } }
            }
            if !finite { throw LinearAlgebraError.nonFinite(size: n) }
        }
        let ladder = Cholesky.ladder(meanDiagonal: diagonal.reduce(0, +) / Double(n), policy: policy,
                                     isLatentPrior: isLatentPrior)
        var lastPivot = 0
        for eps in ladder {
            if eps > 0 { a.addToDiagonal(eps) }
            let info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, Triangle.lower.lapack, Int32(n), &a.storage, Int32(n))
            if info == 0 {
                var diagonalSum = 0.0
                for i in 0..<n { diagonalSum += a.storage[i + i * n] }
                if diagonalSum.isFinite { return eps }
                try throwIfNonFinite()
                throw LinearAlgebraError.notPositiveDefinite(size: n, lastJitter: eps, failedPivot: 0)
            }
            if info < 0 { throw LinearAlgebraError.lapack(routine: "dpotrf", info: Int(info)) }
            try throwIfNonFinite()   // restores A (without jitter) for the next attempt
            lastPivot = Int(info)
        }
        throw LinearAlgebraError.notPositiveDefinite(size: n, lastJitter: ladder.last ?? 0, failedPivot: lastPivot)
    }

    /// A⁻¹ b for a factor held in the lower triangle of `factor` (as `factorInPlace` leaves it), in place
    /// (dpotrs). - Complexity: O(2n²).
    public static func solveInPlace(factor: Matrix, _ b: inout [Double]) {
        let n = factor.rows
        precondition(factor.isSquare && b.count == n, "solve: \(b.count) right-hand entries for a \(n)×\(n) factor")
        if n == 0 { return }
        let info = factor.storage.withUnsafeBufferPointer { f in
            LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, Triangle.lower.lapack, Int32(n), 1, f.baseAddress, Int32(n), &b, Int32(n))
        }
        precondition(info == 0, "dpotrs failed on a valid Cholesky factor (info \(info))")
    }

    /// Replaces the factor in the lower triangle of `factor` by the lower triangle of A⁻¹ (dpotri); the
    /// strict upper triangle is not touched. - Complexity: O(2n³/3).
    public static func invertInPlace(factor: inout Matrix) {
        let n = factor.rows
        precondition(factor.isSquare)
        if n == 0 { return }
        let info = LAPACKE_dpotri_work(LAPACK_COL_MAJOR, Triangle.lower.lapack, Int32(n), &factor.storage, Int32(n))
        precondition(info == 0, "dpotri failed on a valid Cholesky factor (info \(info))")
    }

    /// log |A| = 2 Σ log L_ii for a factor held in the lower triangle of `factor`. - Complexity: O(n).
    public static func logDeterminant(factor: Matrix) -> Double {
        var s = 0.0
        for i in 0..<factor.rows { s += _log(factor.storage[i + i * factor.rows]) }
        return 2 * s
    }

    /// Wraps an existing lower-triangular factor (e.g. one updated in place by an algorithm).
    public init(lower: Matrix, jitter: Double = 0) {
        precondition(lower.isSquare)
        self.lower = lower
        self.jitter = jitter
    }

    /// log |A| = 2 Σ log L_ii. - Complexity: O(n).
    public var logDeterminant: Double { Cholesky.logDeterminant(factor: lower) }

    /// L⁻¹ B. - Complexity: O(n² m).
    public func solveLower(_ b: Matrix) -> Matrix {
        var x = b
        trsm(.left, .lower, .none, lower, &x)
        return x
    }

    /// L⁻ᵀ B. - Complexity: O(n² m).
    public func solveUpper(_ b: Matrix) -> Matrix {
        var x = b
        trsm(.left, .lower, .transposed, lower, &x)
        return x
    }

    /// A⁻¹ B via two triangular solves. - Complexity: O(n² m).
    public func solve(_ b: Matrix) -> Matrix { solveUpper(solveLower(b)) }

    /// A⁻¹ b for a vector.
    public func solve(_ b: [Double]) -> [Double] {
        var x = b
        Cholesky.solveInPlace(factor: lower, &x)
        return x
    }

    /// L⁻¹ b for a vector.
    public func solveLower(_ b: [Double]) -> [Double] {
        var x = b
        trsv(.lower, .none, lower, &x)
        return x
    }

    /// A⁻¹ as a full symmetric matrix (dpotri). - Complexity: O(2n³/3).
    public func inverse() -> Matrix {
        var inv = lower
        let info = LAPACKE_dpotri_work(LAPACK_COL_MAJOR, Triangle.lower.lapack, Int32(size), &inv.storage, Int32(size))
        precondition(info == 0, "dpotri failed on a valid Cholesky factor (info \(info))")
        inv.symmetrizeFromLower()
        return inv
    }

    /// A⁻¹ = L⁻ᵀ L⁻¹ as a full symmetric matrix from L⁻¹ (`lowerInverse()`), by dlauum: the second half of
    /// dpotri, for a caller that already has L⁻¹. - Complexity: O(n³/3).
    public static func inverse(fromLowerInverse lowerInverse: Matrix) -> Matrix {
        precondition(lowerInverse.isSquare)
        var inv = lowerInverse
        let n = inv.rows
        if n == 0 { return inv }
        let info = LAPACKE_dlauum_work(LAPACK_COL_MAJOR, Triangle.lower.lapack, Int32(n), &inv.storage, Int32(n))
        precondition(info == 0, "dlauum failed on a triangular matrix (info \(info))")
        inv.symmetrizeFromLower()
        return inv
    }

    /// L⁻¹ as a lower-triangular matrix (dtrtri). - Complexity: O(n³/3).
    public func lowerInverse() -> Matrix {
        var inv = lower
        let info = LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, Triangle.lower.lapack, CChar(UInt8(ascii: "N")),
                                       Int32(size), &inv.storage, Int32(size))
        precondition(info == 0, "dtrtri failed on a valid Cholesky factor (info \(info))")
        return inv
    }
}
