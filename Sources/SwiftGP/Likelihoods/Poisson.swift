import GPLinearAlgebra

/// Counts with an exponential link: y ~ Poisson(b·e^f) with exposure b > 0 (bin size).
/// Closed forms: E = y(μ + log b) − b e^{μ+v/2} − log y!, ∂E/∂μ = y − b e^{μ+v/2}, ∂E/∂v = −½ b e^{μ+v/2};
/// predictive mean b e^{μ+v/2}, variance b e^{μ+v/2} + b² e^{2μ+v}(e^v − 1).
///
/// The log-rate clamp (docs/methods/likelihoods.md#poisson): in the log density and the expectation, e^a of the
/// log-rate a (f, or μ + v/2) is continued along its tangent above `logRateCap` (`Math.expLinearAbove`), so a
/// wild iterate (a CVI or natural-gradient step far past the data) gives a finite, concave objective whose
/// gradient points back, instead of −∞ and NaN sites. Below the cap nothing changes.
public struct Poisson: ScalarLikelihood {
    /// log 2⁵³ ≈ 36.7: above 2⁵³ counts are no longer exact integers in a double, so no data set asks for a
    /// larger log-rate (cvhmax clamps at 7, which would cut off counts above ~1100).
    public static let logRateCap = 53 * Math.log(2)

    public let exposure: Double

    public init(exposure: Double = 1) {
        precondition(exposure > 0, "Poisson exposure must be positive")
        self.exposure = exposure
    }

    public var kind: String { "poisson" }
    public var parameters: [Parameter] { get { [] } set {} }

    public func firstInvalidTarget(_ y: [Double]) -> Int? { y.firstIndex { $0 < 0 || $0 != $0.rounded() || !$0.isFinite } }

    public func logDensity(_ y: Double, _ f: Double) -> (value: Double, df: Double, dParameters: [Double]) {
        let e = Math.expLinearAbove(f, cap: Self.logRateCap)
        return (y * (f + Math.log(exposure)) - exposure * e.value - Math.logFactorial(y), y - exposure * e.derivative, [])
    }

    /// −b e^f below the cap, 0 on the linear continuation above it.
    public func logDensityCurvature(_ y: Double, _ f: Double) -> Double { f > Self.logRateCap ? 0 : -exposure * Math.exp(f) }

    public func conditionalMoments(_ f: Double) -> (mean: Double, variance: Double) {
        let r = exposure * Math.exp(f)
        return (r, r)
    }

    public func expectation(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        let e = Math.expLinearAbove(mean + 0.5 * variance, cap: Self.logRateCap)
        let r = exposure * e.derivative
        return (y * (mean + Math.log(exposure)) - exposure * e.value - Math.logFactorial(y), y - r, -0.5 * r, [])
    }

    /// log((y + ½)/b): the log-rate the count itself suggests (finite at y = 0).
    public func linearisationPoint(for y: Double) -> Double? { Math.log((y + 0.5) / exposure) }

    /// log ∫ p(y | f) N(f; μ, v) df (docs/methods/likelihoods.md#tilted-normaliser). The tilted density
    /// p(y | f) N(f; μ, v) peaks at f* with width σ* = (b e^{f*} + 1/v)^{−½}, narrower than √v and off N's centre
    /// for large counts, so a rule centred on N can miss it (20 points: log Z off by 0.3 nats at y = 40, v = 1).
    /// f* solves y − b e^f − (f − μ)/v = 0, a decreasing concave function: Newton from max(μ, log(y/b)), right of
    /// the root, converges monotonically. Where √v ≤ 1 and the 20-point rule centred on N and the 20-point rule
    /// centred on f* with width σ* agree to 1e-9 (value and derivatives), that value; otherwise adaptive
    /// Gauss–Kronrod over μ ± 12√v and f* ± 12σ*, cut at μ and f*. v ≤ 1e-10: the 20-point rule.
    /// - Complexity: about 50 log-density evaluations where the two rules agree, a few hundred otherwise.
    public func tiltedNormaliser(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double) {
        let v = max(variance, 0)
        guard v > 1e-10 else { return quadratureTiltedNormaliser(y, mean: mean, variance: v) }
        var mode = y > 0 ? max(mean, Math.log(y / exposure)) : mean
        for _ in 0..<100 {
            let rate = exposure * Math.exp(min(mode, Self.logRateCap))
            let step = (y - rate - (mode - mean) / v) / (rate + 1 / v)
            mode += step
            if abs(step) <= 1e-12 * (1 + abs(mode)) { break }
        }
        let width = 1 / (exposure * Math.exp(min(mode, Self.logRateCap)) + 1 / v).squareRoot(), sd = v.squareRoot()
        if sd <= quadratureScale {
            let centred = quadratureTiltedNormaliser(y, mean: mean, variance: v)
            let atMode = modeCentredTiltedNormaliser(y, mean: mean, variance: v, mode: mode, width: width)
            let agree = zip([centred.value, centred.dMean, centred.dVariance], [atMode.value, atMode.dMean, atMode.dVariance])
                .allSatisfy { abs($0 - $1) <= 1e-9 * (1 + abs($1)) }
            if agree { return atMode }
        }
        return adaptiveTiltedNormaliser(y, mean: mean, variance: v, from: min(mean - 12 * sd, mode - 12 * width),
                                        to: max(mean + 12 * sd, mode + 12 * width), breakpoints: [mean, mode])
            ?? quadratureTiltedNormaliser(y, mean: mean, variance: v)
    }

    /// The 20-point Gauss–Hermite rule for log ∫ p(y | f) N(f; μ, v) df centred on `mode` with width `width`:
    /// f_i = f* + √2 σ* tᵢ, log Z = log Σ wᵢ e^{tᵢ²} p(y | fᵢ) N(fᵢ; μ, v) + log √2σ*.
    private func modeCentredTiltedNormaliser(_ y: Double, mean: Double, variance v: Double, mode: Double, width: Double)
        -> (value: Double, dMean: Double, dVariance: Double) {
        let gh = defaultQuadrature, s = 2.squareRoot() * width
        let points = gh.nodes.map { mode + s * $0 }
        let logWeights = gh.nodes.indices.map { i in
            Math.log(gh.weights[i]) + gh.nodes[i] * gh.nodes[i] - 0.5 * (points[i] - mean) * (points[i] - mean) / v
        }
        let t = tiltedSum(y, points: points, logWeights: logWeights)
        return (t.value + Math.log(s) - 0.5 * Math.log(2 * Double.pi * v), t.dMean, t.dVariance)
    }

    public func predictive(mean: Double, variance: Double) -> (mean: Double, variance: Double) {
        let m = exposure * Math.exp(mean + 0.5 * variance)
        return (m, m + m * m * Math.expm1(variance))
    }
}
