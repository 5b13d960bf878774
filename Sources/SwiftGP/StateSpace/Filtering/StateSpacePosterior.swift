import GPLinearAlgebra

/// The posterior of a `StateSpaceGP` given data: the RTS-smoothed states at the (sorted) training times,
/// f_k | y ~ N(H m^s_k + m(t_k), H P^s_k Hᵀ) (docs/methods/state-space.md#posterior-and-prediction). It equals `ExactPosterior` at every time.
///
/// Prediction at new times inserts them into the time grid as missing observations and smooths again
/// (exact, linear in the total number of times), so nothing beyond the data and the model is cached.
/// - Complexity: O(T d³) to build; `predict(at:)` O((T + m) d³ + m log m) for m new times.
public struct StateSpacePosterior: Sendable {
    public let model: StateSpaceGP
    /// Sorted training times and targets in that order.
    public let times: [Double]
    public let y: [Double]
    /// Smoothed states at `times`.
    public let states: SmoothedStates
    /// The training order: `times[k]` is the caller's `order[k]`-th time.
    let order: [Int]

    public init(model: StateSpaceGP, times: [Double], y: [Double]) throws {
        let s = sortedByTime(times, y)
        self.model = model
        self.times = s.times
        self.y = s.values
        self.order = s.order
        let prior = model.mean.value(Matrix(column: s.times))
        let residual = zip(s.values, prior).map { $0 - $1 }
        let sites = GaussianSites(observations: residual, noiseVariance: model.likelihood.variance.scalar)
        self.states = try StateSpaceSmoother.smooth(kernel: model.kernel, times: s.times, sites: sites, policy: model.jitter)
    }

    /// The noise variance σ².
    public var noiseVariance: Double { model.likelihood.variance.scalar }

    /// Latent f mean and variance at the training times, in the caller's original order.
    public var training: GaussianPrediction {
        let h = model.kernel.measurementVector
        let prior = model.mean.value(Matrix(column: times))
        var mean = [Double](repeating: 0, count: times.count), variance = mean
        for k in times.indices {
            let (mk, vk) = Self.latent(states, k, h)
            mean[order[k]] = mk + prior[k]
            variance[order[k]] = vk
        }
        return GaussianPrediction(mean: mean, variance: variance)
    }

    /// H m and H P Hᵀ (clamped at 0) at step k.
    static func latent(_ s: SmoothedStates, _ k: Int, _ h: [Double]) -> (Double, Double) {
        let d = s.dimension, dd = d * d
        var m = 0.0, v = 0.0
        for i in 0..<d {
            m += h[i] * s.means[k * d + i]
            for j in 0..<d { v += h[i] * s.covariances[k * dd + i + j * d] * h[j] }
        }
        return (m, max(0, v))
    }

    /// Latent f* mean and variance at `newTimes` (any order).
    /// - Throws: `LinearAlgebraError` when a predicted covariance cannot be factorised.
    public func predict(at newTimes: [Double]) throws -> GaussianPrediction {
        let h = model.kernel.measurementVector
        // Merge: training residuals, then the new times as missing values; a stable sort keeps both.
        let prior = model.mean.value(Matrix(column: times))
        let residual = zip(y, prior).map { $0 - $1 }
        let all = times + newTimes
        let values = residual + [Double](repeating: .nan, count: newTimes.count)
        let merged = sortedByTime(all, values)
        let sites = GaussianSites(observations: merged.values, noiseVariance: noiseVariance)
        let s = try StateSpaceSmoother.smooth(kernel: model.kernel, times: merged.times, sites: sites, policy: model.jitter)
        let newPrior = model.mean.value(Matrix(column: newTimes))
        var mean = [Double](repeating: 0, count: newTimes.count), variance = mean
        for (k, source) in merged.order.enumerated() where source >= times.count {
            let i = source - times.count
            let (mk, vk) = Self.latent(s, k, h)
            mean[i] = mk + newPrior[i]
            variance[i] = vk
        }
        return GaussianPrediction(mean: mean, variance: variance)
    }

    /// Observed y* mean and variance (latent variance + σ²).
    public func predictObserved(at newTimes: [Double]) throws -> GaussianPrediction {
        var p = try predict(at: newTimes)
        p.variance = p.variance.map { $0 + noiseVariance }
        return p
    }
}
