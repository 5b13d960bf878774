import GPLinearAlgebra

/// Exact GP regression: y = f(X) + ε, f ~ GP(m, k), ε ~ N(0, σ²I + diag(s)) with optional known per-point
/// noise variances s (`noise:`, like GPyTorch's `FixedNoiseGaussianLikelihood` plus the learned σ²)
/// (docs/methods/exact-gp.md#model). The reference every
/// approximation in SwiftGP is tested against.
///
/// ```swift
/// var model = ExactGP(kernel: Matern52(lengthscale: [1, 1]), likelihood: GaussianLikelihood(variance: 0.1))
/// try model.fit(x, y)
/// let posterior = try model.posterior(x, y)
/// let prediction = try posterior.predict(at: xTest)   // latent mean and variance
/// ```
/// - Complexity: O(n³) per objective evaluation and per posterior, O(n²) memory.
public struct ExactGP: Parameterised, Sendable {
    public var kernel: any Kernel
    public var likelihood: GaussianLikelihood
    public var mean: any MeanFunction
    public var jitter: JitterPolicy

    public init(kernel: any Kernel, likelihood: GaussianLikelihood = GaussianLikelihood(),
                mean: any MeanFunction = ZeroMean(), jitter: JitterPolicy = .standard) {
        self.kernel = kernel
        self.likelihood = likelihood
        self.mean = mean
        self.jitter = jitter
    }

    /// `kernel.*`, then `likelihood.variance`, then `mean.*`.
    public var parameters: [Parameter] {
        get {
            kernel.parameters.map { $0.prefixed("kernel") } + likelihood.parameters.map { $0.prefixed("likelihood") }
                + mean.parameters.map { $0.prefixed("mean") }
        }
        set {
            let g = splitParameters(newValue, counts: [kernel.parameters.count, 1, mean.parameters.count])
            kernel.parameters = g[0]
            likelihood.parameters = g[1]
            mean.parameters = g[2]
        }
    }

    /// The log marginal likelihood log p(y | X, θ) as a trainable objective.
    public func marginalLikelihood(_ x: Matrix, _ y: [Double], noise: [Double]? = nil) -> ExactMarginalLikelihood {
        ExactMarginalLikelihood(model: self, x: x, y: y, noise: noise)
    }

    /// log p(y | X, θ) = −½ rᵀα − Σ log Lᵢᵢ − (n/2) log 2π, r = y − m(X).
    /// - Throws: `TrainingError.invalidData` for unusable data, as `fit` does.
    public func logMarginalLikelihood(_ x: Matrix, _ y: [Double], noise: [Double]? = nil) throws -> Double {
        try TrainingDataCheck.check(x: x, y: y, noise: noise, kernel: kernel, likelihood: likelihood)
        return try marginalLikelihood(x, y, noise: noise).value()
    }

    /// Maximises the log marginal likelihood over the trainable parameters with the shared engine
    /// (L-BFGS by default) and keeps the result. `noise`: known per-point noise variances sₙ ≥ 0 of the rows,
    /// added to the learned σ² (to use sₙ alone, fix σ² at its floor: `setTrainable(false, matching: "likelihood.variance")`).
    /// - Throws: `TrainingError.invalidData` for unusable data (shapes, non-finite values, a kernel whose ARD
    ///   parameters do not match the columns); numerical failures at the starting point.
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], noise: [Double]? = nil, options: FitOptions = FitOptions()) throws -> FitReport {
        var start = self
        start.kernel = kernel.sizedToData(DataSummary(x: x, y: y).inputScales)
        try TrainingDataCheck.check(x: x, y: y, noise: noise, kernel: start.kernel, likelihood: likelihood)
        let (model, report) = try start.marginalLikelihood(x, y, noise: noise).trained(options: options)
        self = model
        return report
    }

    /// The posterior given training data: factorises K + σ²I once for cheap repeated prediction.
    /// - Throws: `LinearAlgebraError` when K + σ²I cannot be factorised.
    /// - Throws: `TrainingError.invalidData` for unusable data, as `fit` does.
    public func posterior(_ x: Matrix, _ y: [Double], noise: [Double]? = nil) throws -> ExactPosterior {
        try TrainingDataCheck.check(x: x, y: y, noise: noise, kernel: kernel, likelihood: likelihood)
        return try ExactPosterior(model: self, x: x, y: y, noise: noise)
    }
}
