/// Failures of dense and sparse factorisations, typed so callers can report them precisely.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The matrix stayed non-positive-definite after the whole jitter ladder.
    /// `size` is its order, `lastJitter` the largest absolute jitter tried, `failedPivot` the
    /// 1-based column where LAPACK stopped on the last attempt.
    case notPositiveDefinite(size: Int, lastJitter: Double, failedPivot: Int)
    /// The matrix holds NaN or ±∞; it is never jittered.
    case nonFinite(size: Int)
    /// A LAPACK routine returned an error code.
    case lapack(routine: String, info: Int)
    /// Operands whose shapes do not fit.
    case dimensionMismatch(String)

    public var description: String {
        switch self {
        case let .notPositiveDefinite(size, jitter, pivot):
            return "matrix of size \(size) is not positive definite (failed at pivot \(pivot) even with jitter \(jitter))"
        case let .nonFinite(size):
            return "matrix of size \(size) contains NaN or infinite entries"
        case let .lapack(routine, info):
            return "LAPACK \(routine) failed with info = \(info)"
        case let .dimensionMismatch(what):
            return "dimension mismatch: \(what)"
        }
    }
}
