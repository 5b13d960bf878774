import GPLinearAlgebra

/// The checks every model's `fit` runs on its training data before any work, so that bad data from the
/// library API is a `TrainingError.invalidData` naming the problem, never a trap
/// (docs/methods/training.md#invalid-training-data).
/// - Complexity: O(n d).
enum TrainingDataCheck {
    /// Rows of `x` against `y`, at least one row, finite inputs: what any model needs before it looks at the data.
    static func checkRows(x: Matrix, y: [Double]) throws {
        guard x.rows == y.count else { throw TrainingError.invalidData("\(x.rows) input rows but \(y.count) targets") }
        guard x.rows > 0 else { throw TrainingError.invalidData("no training rows") }
        if let i = x.storage.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.invalidData("input row \(i % x.rows), column \(i / x.rows) is \(x.storage[i])")
        }
    }

    /// Rows of `x` against `y`, at least one row, finite inputs, the columns against `inputDimension` (the
    /// inducing inputs' dimension, when the model has one) and against `kernel` (the model-file check of
    /// `KernelSpec`: per-dimension parameters, active dimensions, one-column kernels), and `y` against the
    /// likelihood's support.
    /// Known per-point noise variances `noise` (nil: none): one per target, finite and ≥ 0, and only with a
    /// Gaussian likelihood.
    static func check(x: Matrix, y: [Double], noise: [Double]? = nil, kernel: any Kernel, likelihood: (any Likelihood)?,
                      inputDimension: Int? = nil) throws {
        try checkRows(x: x, y: y)
        if let noise {
            guard noise.count == y.count else { throw TrainingError.invalidData("\(noise.count) noise variances but \(y.count) targets") }
            if let i = noise.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
                throw TrainingError.invalidData("noise variance \(noise[i]) at row \(i) is not a finite value ≥ 0")
            }
            if let likelihood, !(likelihood is GaussianLikelihood) {
                throw TrainingError.invalidData("per-point noise variances need a Gaussian likelihood, not \(likelihood.kind)")
            }
        }
        if let d = inputDimension, x.cols != d {
            throw TrainingError.invalidData("inputs have \(x.cols) columns, the inducing inputs \(d)")
        }
        do {
            try KernelSpec(kernel).validate(dimension: x.cols, at: "kernel")
        } catch let ModelFileError.invalid(detail) {
            throw TrainingError.invalidData(detail)
        }
        if let likelihood, let i = likelihood.firstInvalidTarget(y) {
            throw TrainingError.invalidData("target \(y[i]) at row \(i) is outside the support of the \(likelihood.kind) likelihood"
                                            + (likelihood.kind == "bernoulli" ? " (labels must be 0 or 1)" : ""))
        }
    }

}
