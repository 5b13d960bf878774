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

    /// The default quadrature rule with the pointwise terms taken eight nodes at a time (`laneQuadratureExpectation`)
    /// and allocating nothing per node: log p = c − (ν+1)/2 · log(νσ² + r²) with the constant
    /// c = log Γ((ν+1)/2) − log Γ(ν/2) − ½ log νπ − log σ + (ν+1)/2 · log νσ² computed once per expectation (the same
    /// value as `logDensity`'s log1p(r²/νσ²) form to round-off), and 1/(νσ² + r²) shared by the derivatives.
    public func expectation(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        let nu = degreesOfFreedom, s = scale.scalar
        let nus2 = nu * s * s
        let constant = Math.lgamma((nu + 1) / 2) - Math.lgamma(nu / 2) - 0.5 * Math.log(nu * Double.pi) - Math.log(s)
            + (nu + 1) / 2 * Math.log(nus2)
        return laneQuadratureExpectation(y, mean: mean, variance: variance, parameterCount: 1,
                                         LaneDensity(constant: constant, y: y, nus2: nus2, nu: nu, scale: s))
    }

    /// log p = c − (ν+1)/2 · log q, ∂f = (ν+1) r/q, ∂²f = (ν+1)(r² − νσ²)/q², ∂σ = (ν+1) r²/(qσ) − 1/σ with r = y − f,
    /// q = νσ² + r², on eight nodes.
    private struct LaneDensity: LaneLogDensity {
        let c: SIMD8<Double>, target: SIMD8<Double>, floor: SIMD8<Double>, nu1: SIMD8<Double>, half: SIMD8<Double>
        let inverseScale: SIMD8<Double>
        init(constant: Double, y: Double, nus2: Double, nu: Double, scale: Double) {
            c = SIMD8(repeating: constant)
            target = SIMD8(repeating: y)
            floor = SIMD8(repeating: nus2)
            nu1 = SIMD8(repeating: nu + 1)
            half = SIMD8(repeating: (nu + 1) / 2)
            inverseScale = SIMD8(repeating: 1 / scale)
        }
        @inline(__always) func callAsFunction(_ f: SIMD8<Double>) -> LaneTerms {
            let r = target - f, u = r * r, q = floor + u
            let rq = 1 / q
            return LaneTerms(value: c - half * Math.log(q), df: nu1 * r * rq, d2f: nu1 * (u - floor) * (rq * rq),
                             dParameter: nu1 * u * rq * inverseScale - inverseScale)
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
