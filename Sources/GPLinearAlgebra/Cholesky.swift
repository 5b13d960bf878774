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
        let n = a.rows
        guard a.isFinite else { throw LinearAlgebraError.nonFinite(size: n) }
        if n == 0 { self.lower = a; self.jitter = 0; return }
        let meanDiagonal = a.trace / Double(n)
        let scale = meanDiagonal > 0 ? meanDiagonal : 1
        let base = isLatentPrior ? policy.priorRelativeJitter * scale : 0
        var ladder = [base]
        for k in 0..<policy.retries {
            var eps = policy.firstRelativeJitter * scale
            for _ in 0..<k { eps *= policy.growth }
            ladder.append(base + eps)
        }
        var lastPivot = 0
        for eps in ladder {
            var l = a
            if eps > 0 { l.addToDiagonal(eps) }
            let info = LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, Triangle.lower.lapack, Int32(n), &l.storage, Int32(n))
            if info == 0 {
                l.zeroUpperTriangle()
                self.lower = l
                self.jitter = eps
                return
            }
            if info < 0 { throw LinearAlgebraError.lapack(routine: "dpotrf", info: Int(info)) }
            lastPivot = Int(info)
        }
        throw LinearAlgebraError.notPositiveDefinite(size: n, lastJitter: ladder.last ?? 0, failedPivot: lastPivot)
    }

    /// Wraps an existing lower-triangular factor (e.g. one updated in place by an algorithm).
    public init(lower: Matrix, jitter: Double = 0) {
        precondition(lower.isSquare)
        self.lower = lower
        self.jitter = jitter
    }

    /// log |A| = 2 Σ log L_ii. - Complexity: O(n).
    public var logDeterminant: Double {
        var s = 0.0
        for i in 0..<size { s += _log(lower[i, i]) }
        return 2 * s
    }

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
        trsv(.lower, .none, lower, &x)
        trsv(.lower, .transposed, lower, &x)
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

    /// L⁻¹ as a lower-triangular matrix (dtrtri). - Complexity: O(n³/3).
    public func lowerInverse() -> Matrix {
        var inv = lower
        let info = LAPACKE_dtrtri_work(LAPACK_COL_MAJOR, Triangle.lower.lapack, CChar(UInt8(ascii: "N")),
                                       Int32(size), &inv.storage, Int32(size))
        precondition(info == 0, "dtrtri failed on a valid Cholesky factor (info \(info))")
        return inv
    }
}
