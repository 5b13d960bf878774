import GPLinearAlgebra

/// Tasks observed on their own (irregular) inputs, and the union 𝒯 of all their inputs with each task's
/// selection P_i as union-row indices (docs/methods/magmaclust.md#the-union-grid).
///
/// Inputs are matched with a tolerance, not by exact floating equality: two rows are one union point when
/// every coordinate differs by at most `tolerance · max(1, |a|, |b|)`. Rows are sorted lexicographically
/// and swept once, so in one dimension matching is exact up to the tolerance; in several dimensions only
/// rows adjacent in lexicographic order are merged.
/// - Complexity: O(n log n · d) to build, n = Σ n_i; O(n d) memory.
public struct MultiTaskData: Sendable {
    /// The task identifiers, in task order.
    public let taskIDs: [String]
    /// The inputs of task i, n_i × d.
    public let inputs: [Matrix]
    /// The targets of task i.
    public let targets: [[Double]]
    /// The union 𝒯 of all tasks' inputs, N × d, sorted lexicographically.
    public let union: Matrix
    /// For task i, the union row of each of its rows (P_i).
    public let indices: [[Int]]
    /// The matching tolerance (relative).
    public let tolerance: Double

    public var taskCount: Int { taskIDs.count }
    public var dimension: Int { union.cols }
    /// True when every task is observed on the whole union grid in the same order (§6.8's common grid).
    public var isCommonGrid: Bool {
        let all = Array(0..<union.rows)
        return indices.allSatisfy { $0 == all }
    }

    /// - Throws: `MagmaError` for no tasks, an empty task, shape mismatches, non-finite values or duplicate ids.
    public init(taskIDs: [String], inputs: [Matrix], targets: [[Double]], tolerance: Double = 1e-9) throws {
        guard !taskIDs.isEmpty else { throw MagmaError.noTasks }
        guard inputs.count == taskIDs.count, targets.count == taskIDs.count else {
            throw MagmaError.parameterCount("tasks", expected: taskIDs.count, got: min(inputs.count, targets.count))
        }
        var seen = Set<String>()
        let d = inputs[0].cols
        for (i, id) in taskIDs.enumerated() {
            guard seen.insert(id).inserted else { throw MagmaError.duplicateTask(id) }
            guard inputs[i].rows > 0 else { throw MagmaError.emptyTask(id) }
            guard inputs[i].rows == targets[i].count else {
                throw MagmaError.sizeMismatch(task: id, inputs: inputs[i].rows, targets: targets[i].count)
            }
            guard inputs[i].cols == d, d > 0 else { throw MagmaError.inputDimension(task: id, expected: d, got: inputs[i].cols) }
            guard inputs[i].isFinite, targets[i].allSatisfy(\.isFinite) else { throw MagmaError.nonFinite(task: id) }
        }
        self.taskIDs = taskIDs
        self.inputs = inputs
        self.targets = targets
        self.tolerance = tolerance
        let (union, indices) = InputUnion.build(inputs, tolerance: tolerance)
        self.union = union
        self.indices = indices
    }
}

/// Tolerance-aware union of row sets (docs/methods/magmaclust.md#the-union-grid).
/// - Complexity: O(n log n · d).
enum InputUnion {
    static func same(_ a: Double, _ b: Double, tolerance: Double) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    /// The sorted union of the rows of `sets` and, per set, the union row of each of its rows.
    static func build(_ sets: [Matrix], tolerance: Double) -> (union: Matrix, indices: [[Int]]) {
        let d = sets.first?.cols ?? 0
        var rows: [(set: Int, row: Int, x: [Double])] = []
        for (s, m) in sets.enumerated() { for r in 0..<m.rows { rows.append((s, r, m.row(r))) } }
        rows.sort { a, b in
            for j in 0..<d where a.x[j] != b.x[j] { return a.x[j] < b.x[j] }
            return false
        }
        var indices = sets.map { [Int](repeating: 0, count: $0.rows) }
        var union: [[Double]] = []
        for r in rows {
            if let last = union.last, (0..<d).allSatisfy({ same(last[$0], r.x[$0], tolerance: tolerance) }) {
                indices[r.set][r.row] = union.count - 1
            } else {
                union.append(r.x)
                indices[r.set][r.row] = union.count - 1
            }
        }
        var u = Matrix(rows: union.count, cols: d)
        for (i, x) in union.enumerated() { for j in 0..<d { u[i, j] = x[j] } }
        return (u, indices)
    }

    /// The union row matching each row of `x` (nil when a row is not in the union).
    static func locate(_ x: Matrix, in union: Matrix, tolerance: Double) -> [Int?] {
        (0..<x.rows).map { r in
            (0..<union.rows).first { u in (0..<x.cols).allSatisfy { same(union[u, $0], x[r, $0], tolerance: tolerance) } }
        }
    }
}
