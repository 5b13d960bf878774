/// Why a Magma / MagmaClust model could not be built, fitted or used for prediction (docs/methods/magmaclust.md).
public enum MagmaError: Error, Equatable, Sendable, CustomStringConvertible {
    case noTasks
    case tooFewTasks(Int)
    case emptyTask(String)
    case sizeMismatch(task: String, inputs: Int, targets: Int)
    case inputDimension(task: String, expected: Int, got: Int)
    case nonFinite(task: String)
    case duplicateTask(String)
    case clusterCount(requested: Int, tasks: Int)
    case parameterCount(String, expected: Int, got: Int)
    case noObservations
    case notOnGrid

    public var description: String {
        switch self {
        case .noTasks: return "no tasks: Magma needs at least one task with observations"
        case let .tooFewTasks(n): return "\(n) task\(n == 1 ? "" : "s"): MagmaClust needs at least 2 tasks to learn shared mean processes"
        case let .emptyTask(t): return "task '\(t)' has no observations"
        case let .sizeMismatch(t, n, m): return "task '\(t)' has \(n) input rows but \(m) targets"
        case let .inputDimension(t, e, g): return "task '\(t)' has \(g) input column\(g == 1 ? "" : "s"), expected \(e)"
        case let .nonFinite(t): return "task '\(t)' has a non-finite input or target"
        case let .duplicateTask(t): return "task '\(t)' appears twice"
        case let .clusterCount(k, m): return "\(k) clusters for \(m) tasks: need 1 ≤ K ≤ number of tasks"
        case let .parameterCount(what, e, g): return "\(what): expected \(e), got \(g)"
        case .noObservations: return "the new task has no observed rows to condition on"
        case .notOnGrid: return "an input of the new task is not on the prediction grid"
        }
    }
}
