/// Which maximin ordering a Vecchia or DKLGP structure is built on (docs/methods/dklgp.md#approximate-maximin).
/// `exact` is the default: it was faster than `approximate` on both benchmark data sets (simulation 1, n = 2,000,
/// d = 5: 12 ms against 39 ms; elevators, n = 14,940, d = 18: 0.7 s against 4.3 s), and its lengths are
/// non-increasing exactly.
/// - Complexity: as `MaximinOrdering.exact` / `.approximate`.
public enum MaximinMethod: String, Sendable, Equatable, Codable, CaseIterable {
    /// `MaximinOrdering.exact` (a heap and k-d tree radius queries; a dgemv scan from 8 dimensions on).
    case exact
    /// `MaximinOrdering.approximate` (nested r-nets: ℓ non-increasing up to a factor 2).
    case approximate

    /// The ordering of the rows of `x` (already scaled).
    public func order(_ x: Matrix) -> MaximinOrdering {
        switch self {
        case .exact: MaximinOrdering.exact(x)
        case .approximate: MaximinOrdering.approximate(x)
        }
    }
}
