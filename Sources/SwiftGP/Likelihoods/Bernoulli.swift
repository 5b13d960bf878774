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

    /// Probit: −λ(z)(z + λ(z)) with z = s f and λ = φ/Φ; logit: −σ(f)σ(−f).
    public func logDensityCurvature(_ y: Double, _ f: Double) -> Double { logDensityAndCurvature(y, f).d2f }

    /// log p, ∂f, ∂²f sharing one log Φ and one λ (probit) or one σ (logit) per node.
    public func logDensityAndCurvature(_ y: Double, _ f: Double) -> (value: Double, df: Double, d2f: Double, dParameters: [Double]) {
        let s = 2 * y - 1, z = s * f
        switch link {
        case .probit:
            let logCDF = Math.logNormalCDF(z)
            let lambda = Math.exp(Math.logNormalPDF(z) - logCDF)
            return (logCDF, s * lambda, -lambda * (z + lambda), [])
        case .logit:
            let p = Math.sigmoid(z), q = Math.sigmoid(-z)
            return (Math.logSigmoid(z), s * q, -p * q, [])
        }
    }

    /// Probit: the default quadrature. Logit: the same rule eight nodes at a time (`laneQuadratureExpectation`) with
    /// one vector exp and one vector log per eight nodes: e = exp(−|z|), z = s f, gives σ(|z|) = 1/(1 + e),
    /// σ(−|z|) = e/(1 + e) and log σ(z) = −max(−z, 0) − log1p(e), log1p(e) = log w + (e − (w − 1))/w with w = 1 + e
    /// (the scalar `Math.sigmoid`/`logSigmoid` forms, to round-off).
    public func expectation(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        guard link == .logit else { return pointwiseQuadratureExpectation(y, mean: mean, variance: variance) }
        return laneQuadratureExpectation(y, mean: mean, variance: variance, parameterCount: 0, LogitLaneDensity(y: y))
    }

    /// The logit's log σ(z), s σ(−z), −σ(z)σ(−z) (z = s f) on eight nodes, from one exp(−|z|) and one log.
    private struct LogitLaneDensity: LaneLogDensity {
        let sign: SIMD8<Double>
        init(y: Double) { sign = SIMD8(repeating: 2 * y - 1) }
        @inline(__always) func callAsFunction(_ f: SIMD8<Double>) -> LaneTerms {
            let zero = SIMD8<Double>(repeating: 0), one = SIMD8<Double>(repeating: 1)
            let z = sign * f
            // z ≥ 0 by its sign bit (an ordered SIMD comparison would compile lane by lane); −0 counts as negative,
            // which gives the same values.
            let positive = (unsafeBitCast(z, to: SIMD8<Int64>.self) &>> 63) .== SIMD8<Int64>(repeating: 0)
            let e = Math.exp(z.replacing(with: -z, where: positive)), w = one + e
            let a = 1 / w, b = e * a
            let p = b.replacing(with: a, where: positive), q = a.replacing(with: b, where: positive)
            let log1pE = Math.log(w) + (e - (w - one)) / w
            let logSigmoid = -(zero - z).replacing(with: zero, where: positive) - log1pE
            return LaneTerms(value: logSigmoid, df: sign * q, d2f: -(p * q))
        }
    }

    /// Gauss–Hermite (value and both derivatives) stays within ~1e-8 up to √v = 1 (log Φ and log σ are nearly
    /// quadratic or linear beyond their transition at f = 0).
    public var quadratureScale: Double { 1 }
    public func featurePoint(for y: Double) -> Double? { 0 }

    /// Probit: s λ((z + λ)(z + 2λ) − 1) with z = s f; logit: −π(1 − π)(1 − 2π), π = σ(f).
    public func logDensityThirdDerivative(_ y: Double, _ f: Double) -> Double? {
        let s = 2 * y - 1, z = s * f
        switch link {
        case .probit:
            let lambda = Math.exp(Math.logNormalPDF(z) - Math.logNormalCDF(z))
            return s * lambda * ((z + lambda) * (z + 2 * lambda) - 1)
        case .logit:
            let p = Math.sigmoid(f), q = Math.sigmoid(-f)
            return -p * q * (q - p)
        }
    }

    /// Probit in closed form: log Z = log Φ(z), z = s μ/√(1 + v); ∂μ = λ s/√(1 + v), ∂v = −λ z/(2(1 + v)).
    /// Logit: the default quadrature.
    public func tiltedNormaliser(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double) {
        guard link == .probit else { return quadratureTiltedNormaliser(y, mean: mean, variance: variance) }
        let s = 2 * y - 1, c = (1 + variance).squareRoot(), z = s * mean / c
        let logCDF = Math.logNormalCDF(z)
        let lambda = Math.exp(Math.logNormalPDF(z) - logCDF)
        return (logCDF, lambda * s / c, -lambda * z / (2 * (1 + variance)))
    }

    public func conditionalMoments(_ f: Double) -> (mean: Double, variance: Double) {
        let p = link == .probit ? Math.normalCDF(f) : Math.sigmoid(f)
        return (p, p * (1 - p))
    }

    public func predictive(mean: Double, variance: Double) -> (mean: Double, variance: Double) {
        guard link == .probit else {
            let p = quadraturePredictive(mean: mean, variance: variance).mean
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
