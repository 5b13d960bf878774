import GPLinearAlgebra

/// Heavy-tailed regression noise: y = f + ε, ε ~ Student-t(ν, scale σ). σ is trainable; the degrees
/// of freedom ν are fixed (their gradient needs the digamma function). Expectations by quadrature.
public struct StudentT: ScalarLikelihood {
    public var scale: Parameter
    public let degreesOfFreedom: Double

    public init(scale: Double = 1, degreesOfFreedom: Double = 3) {
        precondition(degreesOfFreedom > 0, "degrees of freedom must be positive")
        self.scale = Parameter("scale", scale, .positive(lowerBound: 1e-6))
        self.degreesOfFreedom = degreesOfFreedom
    }

    public var kind: String { "studentt" }
    public var parameters: [Parameter] {
        get { [scale] }
        set { scale.assign(from: newValue[0]) }
    }

    public func logDensity(_ y: Double, _ f: Double) -> (value: Double, df: Double, dParameters: [Double]) {
        let nu = degreesOfFreedom, s = scale.scalar
        let u = (y - f) * (y - f)
        let value = Math.lgamma((nu + 1) / 2) - Math.lgamma(nu / 2) - 0.5 * Math.log(nu * Double.pi) - Math.log(s)
            - (nu + 1) / 2 * Math.log1p(u / (nu * s * s))
        let df = (nu + 1) * (y - f) / (nu * s * s + u)
        let ds = -1 / s + (nu + 1) * u / (s * (nu * s * s + u))
        return (value, df, [ds])
    }

    /// The default quadrature rule (`quadratureExpectation`) with the pointwise terms written without allocating
    /// and the log-gamma constant computed once per expectation: the same operations, in the same order, as
    /// `logDensity` and `logDensityCurvature`.
    public func expectation(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        let nu = degreesOfFreedom, s = scale.scalar
        let constant = Math.lgamma((nu + 1) / 2) - Math.lgamma(nu / 2) - 0.5 * Math.log(nu * Double.pi) - Math.log(s)
        let nus2 = nu * s * s, s2 = s * s
        return quadratureExpectation(y, mean: mean, variance: variance, parameterCount: 1) { f, out in
            let u = (y - f) * (y - f)
            out[0] = constant - (nu + 1) / 2 * Math.log1p(u / nus2)
            out[1] = (nu + 1) * (y - f) / (nus2 + u)
            let q = nu * s2 + u
            out[2] = (nu + 1) * (u - nu * s2) / (q * q)
            out[3] = -1 / s + (nu + 1) * u / (s * (nus2 + u))
        }
    }

    /// ∂²/∂f² log p = (ν + 1)(r² − νσ²)/(νσ² + r²)², r = y − f.
    public func logDensityCurvature(_ y: Double, _ f: Double) -> Double {
        let nu = degreesOfFreedom, s2 = scale.scalar * scale.scalar, r2 = (y - f) * (y - f)
        let q = nu * s2 + r2
        return (nu + 1) * (r2 - nu * s2) / (q * q)
    }

    /// Gauss–Hermite (value and both derivatives) is accurate to ~1e-7 while √v ≤ σ/2; beyond, the peak at
    /// f = y needs the wide rule or adaptive quadrature.
    public var quadratureScale: Double { 0.5 * scale.scalar }
    /// The wide Gauss–Hermite rule (88 nodes) up to √v = 1.3 √ν σ: log p's poles in f sit at y ± i√ν σ, and up to
    /// there the rule is within 1e-8 of a tight adaptive integral in value, ∂μ·σ, ∂v·σ² and ∂σ·σ (ν from 0.5 to 100,
    /// tested): more accurate than the 20-point rule at σ/2.
    public var wideQuadratureScale: Double { 1.3 * degreesOfFreedom.squareRoot() * scale.scalar }
    public func featurePoint(for y: Double) -> Double? { y }
    /// The target itself: the mode of p(y | f) in f.
    public func linearisationPoint(for y: Double) -> Double? { y }

    public func conditionalMoments(_ f: Double) -> (mean: Double, variance: Double) {
        let nu = degreesOfFreedom
        return (f, nu > 2 ? scale.scalar * scale.scalar * nu / (nu - 2) : .infinity)
    }
}
