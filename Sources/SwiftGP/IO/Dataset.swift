import Foundation
import GPLinearAlgebra

/// Training or test data taken from a `DataTable`: the feature matrix (columns in `features` order) and,
/// when a target is named, its values. Preparation checks what `DataTable` cannot: that named columns
/// exist, that there are enough rows and that the target varies.
public struct Dataset: Sendable {
    /// The file the data came from (for messages).
    public let source: String
    public let features: [String]
    public let target: String?
    /// `n × features.count`.
    public let x: Matrix
    /// The target values (empty when `target` is nil).
    public let y: [Double]
    /// The column of known per-row noise variances of the target (`--noise-column`), and its values
    /// (≥ 0, on the target's scale squared); nil when there is none.
    public let noiseColumn: String?
    public let noise: [Double]?
    /// The task of every row (multi-task data read with a task column), nil otherwise.
    public var tasks: [Double]? = nil

    public var count: Int { x.rows }

    public init(source: String, features: [String], target: String?, x: Matrix, y: [Double],
                noiseColumn: String? = nil, noise: [Double]? = nil) {
        self.source = source
        self.features = features
        self.target = target
        self.x = x
        self.y = y
        self.noiseColumn = noiseColumn
        self.noise = noise
    }

    /// Training data: `target` plus `features` (default: every other column but the noise and task columns),
    /// the known noise variances in `noiseColumn` and the task of every row in `task` when they are named.
    /// - Throws: `DataError.unknownColumn` for an unknown target, feature, noise or task column, `DatasetError.tooFewRows`
    ///   below two rows, `DatasetError.constantTarget` when `requireVaryingTarget` and y is constant,
    ///   `DatasetError.badNoiseVariance` for a negative variance, `.noiseColumnConflict` when the noise column
    ///   is the target or a feature.
    public static func training(_ table: DataTable, target: String, features: [String]? = nil, noiseColumn: String? = nil,
                                requireVaryingTarget: Bool = true, task: String? = nil) throws -> Dataset {
        let y = try table.column(target)
        if let noiseColumn, noiseColumn == target || (features?.contains(noiseColumn) ?? false) {
            throw DatasetError.noiseColumnConflict(path: table.source, column: noiseColumn, role: noiseColumn == target ? "target" : "a feature")
        }
        let noise = try noiseColumn.map { try noiseVariances(table, column: $0) }
        let tasks = try task.map { try table.column($0) }
        let names = features ?? table.columns.filter { $0 != target && $0 != noiseColumn && $0 != task }
        let x = try table.matrix(columns: names)
        guard table.rowCount >= 2 else { throw DatasetError.tooFewRows(path: table.source, found: table.rowCount, needed: 2) }
        if requireVaryingTarget, let first = y.first, y.allSatisfy({ $0 == first }) {
            throw DatasetError.constantTarget(path: table.source, column: target, value: first)
        }
        var data = Dataset(source: table.source, features: names, target: target, x: x, y: y, noiseColumn: noiseColumn, noise: noise)
        data.tasks = tasks
        return data
    }

    /// The known noise variances in `column`. - Throws: `DatasetError.badNoiseVariance` at the first negative one.
    static func noiseVariances(_ table: DataTable, column: String) throws -> [Double] {
        let s = try table.column(column)
        if let r = s.firstIndex(where: { $0 < 0 }) {
            throw DatasetError.badNoiseVariance(path: table.source, line: r + 2, column: column, value: s[r])
        }
        return s
    }

    /// Data to predict at: the model's `features` in the model's order (extra columns are ignored),
    /// `target` when given (for evaluation), and the known noise variances of `noiseColumn` when the table has
    /// that column (predictions of y then include them).
    /// - Throws: `DatasetError.missingFeature` naming the first absent feature; `DataError.unknownColumn`
    ///   for an absent target; `DatasetError.badNoiseVariance`.
    public static func inputs(_ table: DataTable, features: [String], target: String? = nil, noiseColumn: String? = nil) throws -> Dataset {
        for name in features where !table.columns.contains(name) {
            throw DatasetError.missingFeature(path: table.source, name: name, available: table.columns)
        }
        let y = try target.map { try table.column($0) } ?? []
        let present = noiseColumn.flatMap { table.columns.contains($0) ? $0 : nil }
        return Dataset(source: table.source, features: features, target: target,
                       x: try table.matrix(columns: features), y: y, noiseColumn: present,
                       noise: try present.map { try noiseVariances(table, column: $0) })
    }
}

/// Binary class labels: 0/1, or exactly two distinct values mapped in increasing order to 0 and 1.
/// For classification models; validated at the boundary like every other input.
public struct BinaryLabels: Sendable, Equatable {
    /// The original label values of class 0 and class 1.
    public let classes: [Double]
    /// 0 or 1 per row.
    public let encoded: [Double]

    /// Validates `values`, read from column `column` of `path` (row r is on line r + 2).
    /// - Throws: `DatasetError.notBinary` at the first third distinct value, `.singleClass` when every
    ///   label is the same.
    public init(_ values: [Double], path: String, column: String) throws {
        var seen: [Double] = []
        for (r, v) in values.enumerated() where !seen.contains(v) {
            guard seen.count < 2 else {
                throw DatasetError.notBinary(path: path, line: r + 2, column: column, value: v, seen: seen)
            }
            seen.append(v)
        }
        guard seen.count == 2 else { throw DatasetError.singleClass(path: path, column: column, value: values.first ?? 0) }
        classes = seen.sorted()
        let one = classes[1]
        encoded = values.map { $0 == one ? 1 : 0 }
    }
}

/// Class labels for multi-class models: the distinct values, sorted, encoded as 0 … C−1.
public struct ClassLabels: Sendable, Equatable {
    public let classes: [Double]
    public let encoded: [Double]

    /// - Throws: `DatasetError.singleClass` when every label is the same.
    public init(_ values: [Double], path: String, column: String) throws {
        classes = Array(Set(values)).sorted()
        guard classes.count >= 2 else { throw DatasetError.singleClass(path: path, column: column, value: values.first ?? 0) }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, Double($0)) })
        encoded = values.map { index[$0]! }
    }
}
