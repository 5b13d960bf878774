import GPLinearAlgebra

/// Binary classification, y ∈ {0, 1}, p(y = 1 | f) = Φ(f) (probit) or σ(f) (logit).
/// E_q[log p(y | f)] has no closed form for either link: 20-point Gauss–Hermite on the stable
/// log Φ / log σ. The probit predictive is closed form: p(y = 1) = Φ(μ/√(1 + v)).
public struct Bernoulli: ScalarLikelihood {
    public enum Link: String, Sendable, Codable { case probit, logit }
    public let link: Link

    public init(link: Link = .probit) { self.link = link }

    public var kind: String { "bernoulli" }
    public var parameters: [Parameter] { get { [] } set {} }

    public func firstInvalidTarget(_ y: [Double]) -> Int? { y.firstIndex { $0 != 0 && $0 != 1 } }

    public func logDensity(_ y: Double, _ f: Double) -> (value: Double, df: Double, dParameters: [Double]) {
        let s = 2 * y - 1
        switch link {
        case .probit: return (Math.logNormalCDF(s * f), s * Math.inverseMillsRatio(s * f), [])
        case .logit: return (Math.logSigmoid(s * f), s * Math.sigmoid(-s * f), [])
        }
    }

    public func conditionalMoments(_ f: Double) -> (mean: Double, variance: Double) {
        let p = link == .probit ? Math.normalCDF(f) : Math.sigmoid(f)
        return (p, p * (1 - p))
    }

    public func predictive(mean: Double, variance: Double) -> (mean: Double, variance: Double) {
        guard link == .probit else {
            let gh = defaultQuadrature
            let s = (2 * max(variance, 0)).squareRoot()
            var p = 0.0
            for i in 0..<gh.nodes.count { p += gh.weights[i] / Double.pi.squareRoot() * Math.sigmoid(mean + s * gh.nodes[i]) }
            return (p, p * (1 - p))
        }
        let p = Math.normalCDF(mean / (1 + variance).squareRoot())
        return (p, p * (1 - p))
    }

    public func logPredictive(_ y: Double, mean: Double, variance: Double) -> Double {
        if link == .probit { return Math.logNormalCDF((2 * y - 1) * mean / (1 + variance).squareRoot()) }
        let p = predictive(mean: mean, variance: variance).mean
        return Math.log(y == 1 ? p : 1 - p)
    }
}

/// Counts with an exponential link: y ~ Poisson(b·e^f) with exposure b > 0 (bin size).
/// Closed forms: E = y(μ + log b) − b e^{μ+v/2} − log y!, ∂E/∂μ = y − b e^{μ+v/2}, ∂E/∂v = −½ b e^{μ+v/2};
/// predictive mean b e^{μ+v/2}, variance b e^{μ+v/2} + b² e^{2μ+v}(e^v − 1).
public struct Poisson: ScalarLikelihood {
    public let exposure: Double

    public init(exposure: Double = 1) {
        precondition(exposure > 0, "Poisson exposure must be positive")
        self.exposure = exposure
    }

    public var kind: String { "poisson" }
    public var parameters: [Parameter] { get { [] } set {} }

    public func firstInvalidTarget(_ y: [Double]) -> Int? { y.firstIndex { $0 < 0 || $0 != $0.rounded() || !$0.isFinite } }

    public func logDensity(_ y: Double, _ f: Double) -> (value: Double, df: Double, dParameters: [Double]) {
        let rate = exposure * Math.exp(f)
        return (y * (f + Math.log(exposure)) - rate - Math.logFactorial(y), y - rate, [])
    }

    public func conditionalMoments(_ f: Double) -> (mean: Double, variance: Double) {
        let r = exposure * Math.exp(f)
        return (r, r)
    }

    public func expectation(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        let r = exposure * Math.exp(mean + 0.5 * variance)
        return (y * (mean + Math.log(exposure)) - r - Math.logFactorial(y), y - r, -0.5 * r, [])
    }

    public func predictive(mean: Double, variance: Double) -> (mean: Double, variance: Double) {
        let m = exposure * Math.exp(mean + 0.5 * variance)
        return (m, m + m * m * Math.expm1(variance))
    }
}

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

    public func conditionalMoments(_ f: Double) -> (mean: Double, variance: Double) {
        let nu = degreesOfFreedom
        return (f, nu > 2 ? scale.scalar * scale.scalar * nu / (nu - 2) : .infinity)
    }
}
