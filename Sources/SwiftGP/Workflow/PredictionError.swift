import GPLinearAlgebra

/// Why predictions were not written: a prediction that is not a finite number (a corrupted or
/// numerically degenerate model). The command line never writes NaN.
/// - Complexity: O(1).
public enum PredictionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `row` is 0-based among the predicted rows (data line `row + 2`).
    case nonFinite(row: Int)
    /// The inputs have `given` columns; the model was trained on `expected` features.
    case inputColumns(given: Int, expected: Int)
    /// A latent function index outside the model's `count` latents.
    case unknownLatent(index: Int, count: Int)

    /// Throws `.inputColumns` unless `xs` has `expected` columns: every posterior checks its inputs with it.
    public static func checkColumns(_ xs: Matrix, expected: Int) throws {
        guard xs.cols == expected else { throw PredictionError.inputColumns(given: xs.cols, expected: expected) }
    }

    public var description: String {
        switch self {
        case let .inputColumns(given, expected):
            return "the inputs have \(given) columns; the model was trained on \(expected) features"
        case let .unknownLatent(index, count):
            return "latent function \(index) does not exist; the model has \(count) (0 to \(count - 1))"
        case let .nonFinite(row):
            return "the prediction for data row \(row + 1) (line \(row + 2)) is not a finite number; the model is numerically "
                + "degenerate (refit it, or check the model file's 'data' and parameters)"
        }
    }
}
