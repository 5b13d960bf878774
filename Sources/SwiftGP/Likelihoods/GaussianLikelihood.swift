import GPLinearAlgebra

/// Additive Gaussian observation noise y = f + ε, ε ~ N(0, σ²), with σ² ≥ `floor` (default 1e−6, as
/// GPflow) enforced by the constraint `positive(lowerBound: floor)`.
/// Variational expectation in closed form: E = −½ log 2πσ² − ((y − μ)² + v)/(2σ²).
public struct GaussianLikelihood: ScalarLikelihood {
    public var variance: Parameter

    public init(variance: Double = 1, floor: Double = 1e-6) {
        self.variance = Parameter("variance", max(variance, floor * (1 + 1e-9)), .positive(lowerBound: floor))
    }

    public var parameters: [Parameter] {
        get { [variance] }
        set { variance.assign(from: newValue[0]) }
    }

    public var kind: String { "gaussian" }

    public func logDensity(_ y: Double, _ f: Double) -> (value: Double, df: Double, dParameters: [Double]) {
        let s2 = variance.scalar, r = y - f
        return (-0.5 * Math.log(2 * Double.pi * s2) - 0.5 * r * r / s2, r / s2, [-0.5 / s2 + 0.5 * r * r / (s2 * s2)])
    }

    public func logDensityCurvature(_ y: Double, _ f: Double) -> Double { -1 / variance.scalar }

    /// The target itself: the mode of p(y | f) in f.
    public func linearisationPoint(for y: Double) -> Double? { y }

    public func conditionalMoments(_ f: Double) -> (mean: Double, variance: Double) { (f, variance.scalar) }

    public func expectation(_ y: Double, mean: Double, variance v: Double) -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        let s2 = variance.scalar, r = y - mean
        let q = r * r + v
        return (-0.5 * Math.log(2 * Double.pi * s2) - 0.5 * q / s2, r / s2, -0.5 / s2, [-0.5 / s2 + 0.5 * q / (s2 * s2)])
    }

    public func predictive(mean: Double, variance v: Double) -> (mean: Double, variance: Double) { (mean, v + variance.scalar) }

    /// Σₙ E_{N(μₙ, vₙ)}[log N(yₙ; f, σ² + sₙ)] with known per-point noise variances s (one per row; a single
    /// latent): the closed form of `expectation` with λₙ = σ² + sₙ in place of σ². - Complexity: O(n).
    public func variationalExpectations(_ y: [Double], mean: Matrix, variance: Matrix, fixedNoise s: [Double]) -> VariationalExpectations {
        precondition(mean.cols == 1 && mean.rows == y.count && variance.rows == y.count && s.count == y.count)
        var value = 0.0, dSigma2 = 0.0
        var dm = Matrix(rows: y.count, cols: 1), dv = Matrix(rows: y.count, cols: 1)
        for n in y.indices {
            let lambda = self.variance.scalar + s[n], r = y[n] - mean.storage[n]
            let q = r * r + variance.storage[n]
            value += -0.5 * Math.log(2 * Double.pi * lambda) - 0.5 * q / lambda
            dm.storage[n] = r / lambda
            dv.storage[n] = -0.5 / lambda
            dSigma2 += -0.5 / lambda + 0.5 * q / (lambda * lambda)
        }
        return VariationalExpectations(value: value, dMean: dm, dVariance: dv, dParameters: [dSigma2])
    }

    /// log N(y; μ, v + σ²) with ∂μ = r/t, ∂v = −½/t + ½r²/t² (t = v + σ², r = y − μ).
    public func tiltedNormaliser(_ y: Double, mean: Double, variance v: Double) -> (value: Double, dMean: Double, dVariance: Double) {
        let t = v + variance.scalar, r = y - mean
        return (logPredictive(y, mean: mean, variance: v), r / t, -0.5 / t + 0.5 * r * r / (t * t))
    }

    public func logDensityThirdDerivative(_ y: Double, _ f: Double) -> Double? { 0 }

    public func logPredictive(_ y: Double, mean: Double, variance v: Double) -> Double {
        let t = v + variance.scalar
        return -0.5 * Math.log(2 * Double.pi * t) - 0.5 * (y - mean) * (y - mean) / t
    }
}
