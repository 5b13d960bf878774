import GPLinearAlgebra

/// GP regression on one input (time) in linear time: y_k = f(t_k) + ε_k, f ~ GP(m, k) with k a
/// `StateSpaceKernel`, ε_k ~ N(0, σ²) (docs/methods/state-space.md#kalman-filter). The same model as `ExactGP` with the same
/// kernel value, computed by Kalman filtering and RTS smoothing instead of a dense Cholesky.
///
/// ```swift
/// var model = StateSpaceGP(kernel: Matern52(lengthscale: [1], variance: 1), likelihood: GaussianLikelihood(variance: 0.1))
/// try model.fit(times, y)                         // L-BFGS on the Kalman log-likelihood (Trainer.fit)
/// let posterior = try model.posterior(times, y)   // RTS-smoothed states
/// let prediction = try posterior.predict(at: newTimes)
/// ```
///
/// Times need not be sorted or distinct (they are sorted once, stably); NaN targets are missing.
/// Parameters are `kernel.*`, `likelihood.variance`, `mean.*`, as in `ExactGP`.
/// - Complexity: O(T d³) time per objective evaluation (value + gradient) and per posterior, O(T d²)
///   memory, for T observations and state dimension d.
public struct StateSpaceGP: Parameterised, Sendable {
    public var kernel: any StateSpaceKernel
    public var likelihood: GaussianLikelihood
    public var mean: any MeanFunction
    /// Used by the smoothers' factorisations of predicted covariances (never by the filter, which needs none).
    public var jitter: JitterPolicy

    public init(kernel: any StateSpaceKernel, likelihood: GaussianLikelihood = GaussianLikelihood(),
                mean: any MeanFunction = ZeroMean(), jitter: JitterPolicy = .standard) {
        self.kernel = kernel
        self.likelihood = likelihood
        self.mean = mean
        self.jitter = jitter
    }

    /// A model over any kernel with a state-space form (`stateSpaceForm(of:)`): Matérn ½, 3/2, 5/2 with one
    /// lengthscale, Hida–Matérn, and sums of them — `Matern52(lengthscale: [1]) + HidaMatern(order: 1)` is a
    /// `SumKernel`, which becomes a `StateSpaceSum` here.
    /// - Throws: `StateSpaceError.noStateSpaceForm` for any other kernel (RBF, periodic, ARD Matérn, products).
    public init(kernel: any Kernel, likelihood: GaussianLikelihood = GaussianLikelihood(),
                mean: any MeanFunction = ZeroMean(), jitter: JitterPolicy = .standard) throws {
        guard let k = stateSpaceForm(of: kernel) else { throw StateSpaceError.noStateSpaceForm(kernel: kernel.summary) }
        self.init(kernel: k, likelihood: likelihood, mean: mean, jitter: jitter)
    }

    /// The state-space form of an exact GP whose kernel has one (nil otherwise).
    public init?(_ exact: ExactGP) {
        guard let k = stateSpaceForm(of: exact.kernel) else { return nil }
        self.init(kernel: k, likelihood: exact.likelihood, mean: exact.mean, jitter: exact.jitter)
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

    /// The Kalman log marginal likelihood as a trainable objective.
    public func marginalLikelihood(_ times: [Double], _ y: [Double]) -> StateSpaceMarginalLikelihood {
        StateSpaceMarginalLikelihood(model: self, times: times, y: y)
    }

    /// log p(y | t, θ) = Σ_k log N(v_k; 0, s_k) by the Kalman filter. Equals `ExactGP.logMarginalLikelihood`.
    public func logMarginalLikelihood(_ times: [Double], _ y: [Double]) throws -> Double {
        try marginalLikelihood(times, y).value()
    }

    /// Maximises the Kalman log marginal likelihood with the shared engine (L-BFGS by default).
    @discardableResult
    public mutating func fit(_ times: [Double], _ y: [Double], options: FitOptions = FitOptions()) throws -> FitReport {
        // Targets may be missing (NaN): the filter skips them; times must be finite.
        try TrainingDataCheck.check(x: Matrix(column: times), y: y, kernel: kernel, likelihood: nil)
        var objective = marginalLikelihood(times, y)
        let report = try Trainer.fit(&objective, options: options)
        self = objective.model
        return report
    }

    /// The posterior given the data: RTS-smoothed states at the training times.
    /// - Throws: `LinearAlgebraError` when a predicted covariance cannot be factorised.
    /// - Throws: `TrainingError.invalidData` for unusable data, as `fit` does.
    public func posterior(_ times: [Double], _ y: [Double]) throws -> StateSpacePosterior {
        try TrainingDataCheck.check(x: Matrix(column: times), y: y, kernel: kernel, likelihood: nil)
        return try StateSpacePosterior(model: self, times: times, y: y)
    }
}

/// Sorts times (stably) and permutes values along; returns the permutation too.
func sortedByTime(_ times: [Double], _ values: [Double]) -> (times: [Double], values: [Double], order: [Int]) {
    precondition(times.count == values.count, "\(times.count) times but \(values.count) values")
    precondition(times.allSatisfy(\.isFinite), "times must be finite")
    let order = times.indices.sorted { times[$0] < times[$1] || (times[$0] == times[$1] && $0 < $1) }
    return (order.map { times[$0] }, order.map { values[$0] }, order)
}
