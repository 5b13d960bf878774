import GPLinearAlgebra

/// One observed series of a GP state-space model (docs/methods/gpssm.md#model): outputs y₀…y_T (rows of a
/// `(T+1) × D_y` matrix) and optional controls c₀…c_T (`(T+1) × D_c`, zero columns without controls). The
/// transition into x_t reads (x_{t−1}, c_{t−1}).
/// - Complexity: O(T (D_y + D_c)) to validate.
public struct GPSSMSeries: Sendable, Equatable {
    public let outputs: Matrix
    public let controls: Matrix

    /// - Throws: `TrainingError.invalidData` when the series has fewer than 3 steps, the control rows differ
    ///   from the output rows, or a value is not finite.
    public init(outputs: Matrix, controls: Matrix? = nil) throws {
        let c = controls ?? Matrix(rows: outputs.rows, cols: 0)
        guard outputs.rows >= 3 else {
            throw TrainingError.invalidData("a state-space series needs at least 3 time steps, got \(outputs.rows)")
        }
        guard outputs.cols >= 1 else { throw TrainingError.invalidData("the series has no output column") }
        guard c.rows == outputs.rows else {
            throw TrainingError.invalidData("\(c.rows) control rows but \(outputs.rows) output rows")
        }
        if let i = outputs.storage.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.invalidData("output at row \(i % outputs.rows), column \(i / outputs.rows) is not finite")
        }
        if let i = c.storage.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.invalidData("control at row \(i % c.rows), column \(i / c.rows) is not finite")
        }
        self.outputs = outputs
        self.controls = c
    }

    /// T: the number of transitions (rows − 1).
    public var steps: Int { outputs.rows - 1 }
    public var outputDimension: Int { outputs.cols }
    public var controlDimension: Int { controls.cols }
}
