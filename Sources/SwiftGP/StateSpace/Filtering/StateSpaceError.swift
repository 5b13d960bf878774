/// Why a data set or kernel cannot be modelled in state-space form (thrown by `StateSpaceModelKind`).
/// - Complexity: O(1).
public enum StateSpaceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The inputs have more than one column; a state-space GP models one input (time).
    case notOneDimensional(columns: Int)
    /// The kernel has no state-space form (only Matérn ½, 3/2, 5/2, Hida–Matérn and sums of them do).
    case noStateSpaceForm(kernel: String)

    public var description: String {
        switch self {
        case let .notOneDimensional(c):
            return "--model statespace models one input column (time), but the data has \(c)"
        case let .noStateSpaceForm(k):
            return "kernel \(k) has no state-space form (use matern12, matern32, matern52, hidamatern or sums of them)"
        }
    }
}
