import GPLinearAlgebra

/// The checks every model's `fit` runs on its training data before any work, so that bad data from the
/// library API is a `TrainingError.invalidData` naming the problem, never a trap
/// (docs/methods/training.md#invalid-training-data).
/// - Complexity: O(n d).
enum TrainingDataCheck {
    /// Rows of `x` against `y`, at least one row, finite inputs, `kernel`'s per-dimension parameters against
    /// the columns, and `y` against the likelihood's support.
    static func check(x: Matrix, y: [Double], kernel: any Kernel, likelihood: (any Likelihood)?) throws {
        guard x.rows == y.count else { throw TrainingError.invalidData("\(x.rows) input rows but \(y.count) targets") }
        guard x.rows > 0 else { throw TrainingError.invalidData("no training rows") }
        if let i = x.storage.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.invalidData("input row \(i % x.rows), column \(i / x.rows) is \(x.storage[i])")
        }
        try checkDimension(kernel, x.cols)
        if let likelihood, let i = likelihood.firstInvalidTarget(y) {
            throw TrainingError.invalidData("target \(y[i]) at row \(i) is outside the support of the \(likelihood.kind) likelihood"
                                            + (likelihood.kind == "bernoulli" ? " (labels must be 0 or 1)" : ""))
        }
    }

    /// Every multi-valued parameter of `kernel` (ARD lengthscales, periods, linear variances) has one value per
    /// input column; an active-dimensions kernel's columns exist, and its child sees that many.
    static func checkDimension(_ kernel: any Kernel, _ d: Int, path: String = "kernel") throws {
        if let active = kernel as? ActiveDimensionsKernel {
            if let bad = active.activeDimensions.first(where: { $0 < 0 || $0 >= d }) {
                throw TrainingError.invalidData("\(path) uses input column \(bad), but the inputs have \(d) columns")
            }
            try checkDimension(active.base, active.activeDimensions.count, path: "\(path).0")
            return
        }
        let children = kernel.children
        let own = kernel.parameters.count - children.reduce(0) { $0 + $1.parameters.count }
        for p in kernel.parameters.prefix(max(0, own)) where p.count > 1 && p.count != d {
            throw TrainingError.invalidData("\(path).\(p.name) has \(p.count) values but the inputs have \(d) columns")
        }
        for (i, child) in children.enumerated() { try checkDimension(child, d, path: "\(path).\(i)") }
    }
}
