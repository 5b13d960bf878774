import Foundation
import GPLinearAlgebra

/// A regression model that `Standardized` can wrap: it fits on (x, y) with the shared engine and builds a
/// predictor from the training data. Models with parameters in input space (inducing inputs) move them
/// into the standardised space in `standardizeInputs(_:)`.
public protocol StandardizableRegression: SavableModel, Sendable {
    /// Fits on (x, y) and keeps the result.
    @discardableResult
    mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions) throws -> FitReport
    /// Latent and observed predictions given the training data.
    func regressionPredictor(_ x: Matrix, _ y: [Double]) throws -> RegressionPredictor
    /// Maps the model's input-space parameters by `scaling` (default: none to map).
    mutating func standardizeInputs(_ scaling: Standardization)
}

extension StandardizableRegression {
    public mutating func standardizeInputs(_ scaling: Standardization) {}
}

/// Latent f* and observed y* means and variances at new inputs, from a trained regression model.
public struct RegressionPredictor: Sendable {
    public let latent: @Sendable (Matrix) throws -> GaussianPrediction
    public let observed: @Sendable (Matrix) throws -> GaussianPrediction

    public init(latent: @escaping @Sendable (Matrix) throws -> GaussianPrediction,
                observed: @escaping @Sendable (Matrix) throws -> GaussianPrediction) {
        self.latent = latent
        self.observed = observed
    }
}

/// A regression model trained on standardised data and queried on the data's own scale (docs/methods/exact-gp.md#standardisation):
/// inputs z = (x − μₓ)/sₓ per column and targets (y − μ_y)/s_y, both fitted on the training data (scikit-learn's
/// `normalize_y` plus input scaling), each optional. Predictions map back: mean μ_y + s_y m, variance s_y² v. The
/// fitted transforms are saved with the model (`save(to:)`), so a reloaded model predicts identically.
///
/// ```swift
/// var model = Standardized(ExactGP(kernel: Matern52()))
/// try model.fit(x, y)
/// let prediction = try model.predictor(x, y).observed(xTest)   // on y's own scale
/// ```
/// - Complexity: O(n d) to fit and apply the transforms, on top of the wrapped model's cost.
public struct Standardized<Model: StandardizableRegression>: SavableModel, Sendable {
    public var model: Model
    /// Whether `fit` standardises the inputs, and the targets.
    public var scalesInputs: Bool
    public var scalesTargets: Bool
    /// The transforms fitted by the last `fit` (nil: not fitted, or that part not scaled).
    public private(set) var inputScaling: Standardization?
    public private(set) var targetScaling: Standardization?

    public init(_ model: Model, inputs: Bool = true, targets: Bool = true) {
        self.model = model
        scalesInputs = inputs
        scalesTargets = targets
    }

    /// The wrapped model's parameters (on the standardised scale).
    public var parameters: [Parameter] {
        get { model.parameters }
        set { model.parameters = newValue }
    }

    /// Fits the transforms on (x, y), moves the model's input-space parameters into the scaled space, and fits
    /// the model on the scaled data. The report's objective is on the data's scale (−n log s_y added).
    /// - Throws: `TrainingError.invalidData` for mismatched rows or non-finite values; the model's errors.
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions = FitOptions()) throws -> FitReport {
        try TrainingDataCheck.checkRows(x: x, y: y)
        if let i = y.firstIndex(where: { !$0.isFinite }) { throw TrainingError.invalidData("target \(i) is \(y[i])") }
        let xs = scalesInputs ? Standardization(fitting: x) : nil
        let ys = scalesTargets ? Standardization(fitting: y) : nil
        var fitted = model
        if let xs { fitted.standardizeInputs(xs) }
        var report = try fitted.fit(xs?.apply(x) ?? x, ys?.apply(y) ?? y, options: options)
        model = fitted
        inputScaling = xs
        targetScaling = ys
        report.objective -= Double(x.rows) * Math.log(ys?.scale[0] ?? 1)
        return report
    }

    /// Predictions on the data's scale given the (raw) training data.
    /// - Throws: `TrainingError.invalidData` for training data or prediction inputs whose columns differ from
    ///   the fitted transform's; the model's errors.
    public func predictor(_ x: Matrix, _ y: [Double]) throws -> RegressionPredictor {
        if let xs = inputScaling, x.cols != xs.mean.count {
            throw TrainingError.invalidData("inputs have \(x.cols) columns, the model was fitted on \(xs.mean.count)")
        }
        guard x.rows == y.count else { throw TrainingError.invalidData("\(x.rows) input rows but \(y.count) targets") }
        let inner = try model.regressionPredictor(inputScaling?.apply(x) ?? x, targetScaling?.apply(y) ?? y)
        let xs = inputScaling, ys = targetScaling
        @Sendable func mapped(_ f: @escaping @Sendable (Matrix) throws -> GaussianPrediction) -> @Sendable (Matrix) throws -> GaussianPrediction {
            { points in
                if let xs { try PredictionError.checkColumns(points, expected: xs.mean.count) }
                let p = try f(xs?.apply(points) ?? points)
                guard let ys else { return p }
                return GaussianPrediction(mean: ys.invert(p.mean), variance: ys.invertVariance(p.variance))
            }
        }
        return RegressionPredictor(latent: mapped(inner.latent), observed: mapped(inner.observed))
    }

    enum CodingKeys: String, CodingKey {
        case model, scalesInputs = "scales_inputs", scalesTargets = "scales_targets"
        case inputScaling = "input_scaling", targetScaling = "target_scaling"
    }
}

extension ExactGP: StandardizableRegression {
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions) throws -> FitReport {
        try fit(x, y, noise: nil, options: options)
    }

    public func regressionPredictor(_ x: Matrix, _ y: [Double]) throws -> RegressionPredictor {
        let posterior = try self.posterior(x, y)
        return RegressionPredictor(latent: { try posterior.predict(at: $0) }, observed: { try posterior.predictObserved(at: $0) })
    }
}

extension SGPR: StandardizableRegression {
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions) throws -> FitReport {
        try fit(x, y, noise: nil, options: options)
    }

    public func regressionPredictor(_ x: Matrix, _ y: [Double]) throws -> RegressionPredictor {
        let posterior = try self.posterior(x, y)
        return RegressionPredictor(latent: { try posterior.predict(at: $0) }, observed: { try posterior.predictObserved(at: $0) })
    }

    public mutating func standardizeInputs(_ scaling: Standardization) {
        inducingInputs.value = scaling.apply(z).storage
    }
}

extension SVGP: StandardizableRegression {
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions) throws -> FitReport {
        try fit(x, y, noise: nil, options: options, naturalGradients: nil, groups: [])
    }

    /// Uses the trained q(u); the training data are not needed.
    public func regressionPredictor(_ x: Matrix, _ y: [Double]) throws -> RegressionPredictor {
        let posterior = try self.posterior()
        return RegressionPredictor(latent: { try posterior.predict(at: $0) }, observed: { try posterior.predictObserved(at: $0) })
    }

    public mutating func standardizeInputs(_ scaling: Standardization) {
        inducingInputs.value = scaling.apply(z).storage
    }
}
