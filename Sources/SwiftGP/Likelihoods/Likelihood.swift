import GPLinearAlgebra

/// The data term of a variational objective: Σₙ E_{q(fₙ)}[log p(yₙ | fₙ)] and its adjoints.
public struct VariationalExpectations: Sendable {
    public var value: Double
    /// ∂/∂μ, `n × latentCount`.
    public var dMean: Matrix
    /// ∂/∂v, `n × latentCount`.
    public var dVariance: Matrix
    /// ∂/∂θ for the likelihood's parameters (constrained, flattened).
    public var dParameters: [Double]
}

/// An observation model p(y | f) (docs/methods/likelihoods.md#variational-expectations): variational expectations under
/// q(f) = N(μ, v) and predictive moments, by Gauss–Hermite quadrature by default and in closed form
/// where one exists. Multi-latent likelihoods (softmax) see one column per latent function.
public protocol Likelihood: Parameterised, Sendable {
    var kind: String { get }
    /// Latent functions per observation (1, or C for a C-class softmax).
    var latentCount: Int { get }
    /// Σₙ E_q[log p(yₙ | fₙ)] with its adjoints. `mean`, `variance` are `n × latentCount`.
    func variationalExpectations(_ y: [Double], mean: Matrix, variance: Matrix) -> VariationalExpectations
    /// Mean and variance of yₙ under ∫ p(y | f) q(f) df.
    func predictiveMoments(mean: Matrix, variance: Matrix) -> GaussianPrediction
    /// log ∫ p(yₙ | f) q(f) df for each n.
    func logPredictiveDensity(_ y: [Double], mean: Matrix, variance: Matrix) -> [Double]
    /// Checks that targets are valid for this likelihood (e.g. labels in {0, 1}); returns the index of
    /// the first invalid value, if any.
    func firstInvalidTarget(_ y: [Double]) -> Int?
}

extension Likelihood {
    public func firstInvalidTarget(_ y: [Double]) -> Int? { y.firstIndex { !$0.isFinite } }
}

/// A likelihood with one latent function per observation, written as a pointwise log density
/// (docs/methods/likelihoods.md#quadrature).
///
/// Expectations E_{N(μ,v)}[log p(y | f)] default to quadrature accurate to about 1e-6 nats per point:
/// 20-point Gauss–Hermite while √v ≤ `quadratureScale` (the width in f over which log p changes shape),
/// adaptive Gauss–Kronrod on μ ± 12√v with the likelihood's `featurePoint` and μ as breakpoints above it
/// (panel errors below 1e-8).
/// Derivatives: ∂E/∂μ = E[∂ log p/∂f] and ∂E/∂v = ½ E[∂² log p/∂f²] (Bonnet–Price), finite at v = 0.
/// Closed forms override `expectation(_:mean:variance:)`.
public protocol ScalarLikelihood: Likelihood {
    /// log p(y | f), ∂/∂f log p(y | f), and ∂/∂θ log p(y | f) (constrained, flattened).
    func logDensity(_ y: Double, _ f: Double) -> (value: Double, df: Double, dParameters: [Double])
    /// ∂²/∂f² log p(y | f).
    func logDensityCurvature(_ y: Double, _ f: Double) -> Double
    /// `logDensity` and `logDensityCurvature` at once (a likelihood can share work between them; the
    /// default calls both).
    func logDensityAndCurvature(_ y: Double, _ f: Double) -> (value: Double, df: Double, d2f: Double, dParameters: [Double])
    /// E[y | f] and Var[y | f].
    func conditionalMoments(_ f: Double) -> (mean: Double, variance: Double)
    /// E_{N(μ,v)}[log p(y | f)] with ∂/∂μ, ∂/∂v and ∂/∂θ.
    func expectation(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double])
    /// Mean and variance of y under N(f; μ, v).
    func predictive(mean: Double, variance: Double) -> (mean: Double, variance: Double)
    /// log ∫ p(y | f) N(f; μ, v) df.
    func logPredictive(_ y: Double, mean: Double, variance: Double) -> Double
    /// A data-driven latent value for target y when no posterior exists yet — where CVI's first sites
    /// linearise the likelihood, and what a data-driven start reads the latent scale from — or nil (binary
    /// and categorical targets say nothing about it: the prior marginal is used). Poisson: log((y + ½)/b);
    /// Gaussian and Student-t: y.
    func linearisationPoint(for y: Double) -> Double?
    /// The tilted normaliser log Z = log ∫ p(y | f) N(f; μ, v) df with ∂/∂μ and ∂/∂v: EP's moment-matching
    /// quantity, here the data term of the EP-like marginal likelihood (docs/methods/classification.md).
    /// Default: 20-point Gauss–Hermite in log space (∂μ log Z = E_t[∂f log p], ∂v log Z = ½E_t[(∂f log p)² + ∂²f log p]
    /// under the tilted distribution t); closed forms override it.
    func tiltedNormaliser(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double)
    /// ∂³/∂f³ log p(y | f) (the Laplace approximation's gradient needs it), or nil when not available (default).
    func logDensityThirdDerivative(_ y: Double, _ f: Double) -> Double?
    /// The largest √v for which 20-point Gauss–Hermite is accurate to ~1e-6 (default 1).
    var quadratureScale: Double { get }
    /// The largest √v (above `quadratureScale`) for which the wide Gauss–Hermite rule (`wideQuadrature`) is at
    /// least as accurate as the 20-point rule below `quadratureScale`; above it, adaptive quadrature. Default 0: none.
    var wideQuadratureScale: Double { get }
    /// Where in f log p(y | f) changes character (a breakpoint for adaptive quadrature), or nil.
    func featurePoint(for y: Double) -> Double?
}

/// The Gauss–Hermite rule every likelihood uses for small variances (20 points, as GPflow and GPyTorch).
let defaultQuadrature = GaussHermite(points: 20)

/// Which Gauss–Hermite rule a scalar likelihood's expectation takes (`ScalarLikelihood.gaussHermiteRegime`): the
/// 20-point rule (`defaultQuadrature`) or the wide one (`wideQuadrature`).
enum GaussHermiteRegime {
    case standard, wide
}

/// The wide Gauss–Hermite rule (`ScalarLikelihood.wideQuadratureScale`): the 256-point rule's nodes whose weight
/// w/√π exceeds 1e-18 (88 of them; the dropped weights sum to less than 1e-17), weights divided by √π. A table: the
/// values `GaussHermite(points: 256)` gives, written with round-trip digits (the rule is the same bit for bit;
/// building it takes an O(N³) eigendecomposition, about 5 ms inside a fit's first epoch). The test
/// `QuadratureAccuracyTests.studentTWideRuleMatchesATightAdaptiveIntegral` rebuilds it and compares.
let wideQuadrature: (nodes: [Double], weights: [Double]) = (
    nodes: [
        -6.108530762869309, -5.9646205988113055, -5.820968716098431, -5.67756711590298, -5.5344079606405,
        -5.391483566785315, -5.2487863980060245, -5.106309058601251, -4.964044287217173, -4.8219849508296795,
        -4.680124038975066, -4.538454658214253, -4.3969700268164145, -4.2556634696488755, -4.114528413260839,
        -3.9735583811493673, -3.8327469891966377, -3.692087941268213, -3.5515750249625877, -3.411202107502894,
        -3.2709631317620955, -3.130852112413499, -2.9908631321988293, -2.8509903383065547, -2.7112279388534337,
        -2.5715701994627174, -2.432011439932645, -2.2925460309892336, -2.153168391117599, -2.0138729834663263,
        -1.8746543128195754, -1.735506922631896, -1.596425392120859, -1.4574043334128053, -1.3184383887371762,
        -1.1795222276650483, -1.0406505443875835, -0.9018180550302737, -0.7630194949989317, -0.6242496163534821,
        -0.4855031852056832, -0.34677497913699573, -0.2080597846328386, -0.06935239452955841, 0.0693523945295558,
        0.20805978463283778, 0.3467749791369934, 0.4855031852056808, 0.6242496163534796, 0.7630194949989307,
        0.9018180550302722, 1.0406505443875822, 1.1795222276650468, 1.3184383887371751, 1.457404333412804,
        1.5964253921208587, 1.7355069226318942, 1.8746543128195732, 2.013872983466325, 2.1531683911175983,
        2.292546030989232, 2.4320114399326447, 2.5715701994627165, 2.711227938853432, 2.8509903383065534,
        2.990863132198829, 3.1308521124134967, 3.270963131762095, 3.4112021075028927, 3.551575024962585,
        3.6920879412682117, 3.832746989196636, 3.9735583811493647, 4.114528413260838, 4.255663469648873,
        4.396970026816414, 4.538454658214253, 4.680124038975066, 4.821984950829679, 4.964044287217173,
        5.106309058601251, 5.248786398006024, 5.391483566785313, 5.5344079606404994, 5.6775671159029795,
        5.82096871609843, 5.9646205988113055, 6.108530762869309
    ],
    weights: [
        5.065072145112022e-18, 2.8731516917463765e-17, 1.559049981638564e-16, 8.095167497320409e-16,
        4.023340589927209e-15, 1.9145600625918807e-14, 8.725571655542716e-14, 3.8095919233119013e-13,
        1.5938054963804011e-12, 6.391059556813352e-12, 2.456944568296738e-11, 9.057389811968428e-11,
        3.2025234569528037e-10, 1.0863147662326877e-09, 3.5357534962428536e-09, 1.1044763292462157e-08,
        3.311773628664304e-08, 9.53395000767148e-08, 2.6355296294458864e-07, 6.997086375244965e-07,
        1.784387244715702e-06, 4.371682225813032e-06, 1.0291000375452006e-05, 2.327957228633541e-05,
        5.061236603453586e-05, 0.00010576827089812402, 0.0002124815623643895, 0.00041039424914329406,
        0.0007621486837415471, 0.0013610623554228872, 0.002337517771922223, 0.0038610584455446417, 0.00613430922635532,
        0.00937483001714928, 0.013782486012401127, 0.0194932160568922, 0.026524913163345563, 0.03472635239182825,
        0.043743820721247564, 0.05302023957297304, 0.061836746879648435, 0.06939714174914917, 0.07494351291941485,
        0.07788055311284878, 0.0778805531128489, 0.07494351291941474, 0.06939714174914914, 0.06183674687964822,
        0.053020239572973867, 0.04374382072124721, 0.03472635239182912, 0.02652491316334533, 0.01949321605689189,
        0.013782486012401271, 0.009374830017149297, 0.006134309226355415, 0.003861058445544685, 0.0023375177719222786,
        0.0013610623554229121, 0.0007621486837415321, 0.000410394249143289, 0.00021248156236438592,
        0.00010576827089812519, 5.061236603453794e-05, 2.327957228633599e-05, 1.0291000375452602e-05,
        4.371682225813127e-06, 1.7843872447155145e-06, 6.99708637524357e-07, 2.6355296294458404e-07,
        9.53395000767278e-08, 3.311773628663928e-08, 1.1044763292459223e-08, 3.5357534962472534e-09,
        1.086314766236965e-09, 3.202523456968059e-10, 9.057389811979813e-11, 2.456944568291214e-11,
        6.39105955680584e-12, 1.593805496301026e-12, 3.809591922443883e-13, 8.7255716522977e-14, 1.914560062133373e-14,
        4.023340588934078e-15, 8.0951674827106665e-16, 1.5590499726809044e-16, 2.8731516718950825e-17,
        5.065072150804493e-18
    ])

extension ScalarLikelihood {
    public var latentCount: Int { 1 }
    public func linearisationPoint(for y: Double) -> Double? { nil }
    public var quadratureScale: Double { 1 }
    public var wideQuadratureScale: Double { 0 }
    public func featurePoint(for y: Double) -> Double? { nil }
    public func logDensityThirdDerivative(_ y: Double, _ f: Double) -> Double? { nil }

    public func tiltedNormaliser(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double) {
        quadratureTiltedNormaliser(y, mean: mean, variance: variance)
    }

    /// `tiltedNormaliser` by quadrature (the default, and the fallback of closed forms that cover only some links), in
    /// the regime `gaussHermiteRegime` picks for the expectation: the 20-point or the wide Gauss–Hermite rule in log
    /// space, and above them adaptive Gauss–Kronrod of p(y | f) N(f; μ, v) e⁻ᶜ on μ ± 12√v (`adaptiveTiltedNormaliser`;
    /// breakpoints at μ, the feature and the linearisation point). The 20-point rule alone is off by
    /// up to 0.4 nats at √v ≥ 3 for a probit or logit, whose step falls between its nodes
    /// (docs/methods/likelihoods.md#tilted-normaliser). - Complexity: 20 (or 88) log-density evaluations; adaptive:
    /// a few hundred.
    public func quadratureTiltedNormaliser(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double) {
        let v = max(variance, 0)
        let s = (2 * v).squareRoot()
        // A Gauss–Hermite rule in log space, weights already divided by √π.
        func gaussHermite(_ nodes: [Double], _ weights: [Double]) -> (value: Double, dMean: Double, dVariance: Double) {
            tiltedSum(y, points: nodes.map { mean + s * $0 }, logWeights: weights.map { Math.log($0) })
        }
        switch gaussHermiteRegime(variance: v) {
        case .standard?: return gaussHermite(defaultQuadrature.nodes, defaultQuadrature.weights.map { $0 / Double.pi.squareRoot() })
        case .wide?: return gaussHermite(wideQuadrature.nodes, wideQuadrature.weights)
        case nil: break
        }
        let sd = v.squareRoot()
        let breaks = [mean] + [featurePoint(for: y), linearisationPoint(for: y)].compactMap { $0 }
        return adaptiveTiltedNormaliser(y, mean: mean, variance: v, from: mean - 12 * sd, to: mean + 12 * sd, breakpoints: breaks)
            ?? gaussHermite(defaultQuadrature.nodes, defaultQuadrature.weights.map { $0 / Double.pi.squareRoot() })
    }

    /// log Σᵢ exp(aᵢ + log p(y | fᵢ)) with E[∂f log p] and ½E[(∂f log p)² + ∂²f log p] under the weights
    /// ∝ exp(aᵢ + log p(y | fᵢ)): a quadrature rule's tilted normaliser and its μ and v derivatives.
    func tiltedSum(_ y: Double, points: [Double], logWeights: [Double]) -> (value: Double, dMean: Double, dVariance: Double) {
        var logs = logWeights, d1 = [Double](repeating: 0, count: points.count), d2 = d1
        for i in points.indices {
            let l = logDensityAndCurvature(y, points[i])
            logs[i] += l.value
            d1[i] = l.df
            d2[i] = l.d2f
        }
        let value = Math.logSumExp(logs)
        var dm = 0.0, dv = 0.0
        for i in logs.indices {
            let p = Math.exp(logs[i] - value)
            dm += p * d1[i]
            dv += 0.5 * p * (d1[i] * d1[i] + d2[i])
        }
        return (value, dm, dv)
    }

    /// log ∫ₐᵇ p(y | f) N(f; μ, v) df with ∂μ = E_t[∂f log p] and ∂v = ½E_t[(∂f log p)² + ∂²f log p] by adaptive
    /// Gauss–Kronrod (relative tolerance 1e-10), the integrand scaled by e⁻ᶜ, c the largest log p + log N at the 20
    /// Gauss–Hermite points and the breakpoints; nil when v = 0 or the integral underflows.
    func adaptiveTiltedNormaliser(_ y: Double, mean: Double, variance v: Double, from a: Double, to b: Double,
                                  breakpoints: [Double]) -> (value: Double, dMean: Double, dVariance: Double)? {
        guard v > 0 else { return nil }
        let sd = v.squareRoot(), norm = 1 / (2 * Double.pi * v).squareRoot()
        let probes = defaultQuadrature.nodes.map { mean + 2.squareRoot() * sd * $0 } + breakpoints
        let shift = probes.map { f in logDensity(y, f).value - 0.5 * (f - mean) * (f - mean) / v }.max()!
        let r = AdaptiveQuadrature.integrate(from: a, to: b, breakpoints: breakpoints, components: 3,
                                             absoluteTolerance: 0, relativeTolerance: 1e-10) { f, out in
            let z = (f - mean) / sd
            let l = logDensityAndCurvature(y, f)
            let w = norm * Math.exp(l.value - shift - 0.5 * z * z)
            out[0] = w
            out[1] = w * l.df
            out[2] = w * (l.df * l.df + l.d2f)
        }
        let z = r.value[0]
        guard z > 0, z.isFinite, shift.isFinite, r.value[1].isFinite, r.value[2].isFinite else { return nil }
        return (shift + Math.log(z), r.value[1] / z, 0.5 * r.value[2] / z)
    }

    public func logDensityAndCurvature(_ y: Double, _ f: Double) -> (value: Double, df: Double, d2f: Double, dParameters: [Double]) {
        let l = logDensity(y, f)
        return (l.value, l.df, logDensityCurvature(y, f), l.dParameters)
    }

    public func expectation(_ y: Double, mean: Double, variance: Double) -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        pointwiseQuadratureExpectation(y, mean: mean, variance: variance)
    }

    /// `quadratureExpectation` on `logDensityAndCurvature`, one node at a time: the default `expectation` (and the
    /// path of a likelihood whose faster rule covers only some of its cases).
    func pointwiseQuadratureExpectation(_ y: Double, mean: Double, variance: Double)
        -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        quadratureExpectation(y, mean: mean, variance: variance, parameterCount: parameterValueCount) { f, out in
            let (lp, df, d2f, dth) = logDensityAndCurvature(y, f)
            out[0] = lp
            out[1] = df
            out[2] = d2f
            for k in dth.indices { out[3 + k] = dth[k] }
        }
    }

    /// The Gauss–Hermite rule `expectation` takes at variance v (clamped at 0): the 20-point rule while
    /// √v ≤ `quadratureScale`, the wide rule while √v ≤ `wideQuadratureScale`; nil above, where adaptive
    /// Gauss–Kronrod integrates. The one regime test of `quadratureExpectation` and `laneQuadratureExpectation`.
    func gaussHermiteRegime(variance: Double) -> GaussHermiteRegime? {
        let sd = max(variance, 0).squareRoot()
        if sd <= quadratureScale { return .standard }
        if sd <= wideQuadratureScale { return .wide }
        return nil
    }

    /// The quadrature rule of `expectation` (20-point Gauss–Hermite while √v ≤ `quadratureScale`, the wide
    /// Gauss–Hermite rule while √v ≤ `wideQuadratureScale`, adaptive Gauss–Kronrod above) for a log density given
    /// pointwise: `terms(f, out)` writes log p(y | f), ∂f, ∂²f and the `parameterCount` entries of ∂θ log p at f into
    /// `out[0 ..< 3 + parameterCount]`. A likelihood can hand in terms that allocate nothing and keep exactly this
    /// rule (`laneQuadratureExpectation`'s adaptive regime does).
    func quadratureExpectation(_ y: Double, mean: Double, variance: Double, parameterCount np: Int,
                               _ terms: (Double, UnsafeMutablePointer<Double>) -> Void)
        -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        let v = max(variance, 0)
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 + np) { buffer in
            let out = buffer.baseAddress!
            // A Gauss–Hermite rule: Σ (wᵢ / divisor) · terms(μ + √(2v) xᵢ).
            func gaussHermite(_ nodes: [Double], _ weights: [Double], divisor: Double)
                -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
                let s = (2 * v).squareRoot()
                var value = 0.0, dm = 0.0, curvature = 0.0
                var dp = [Double](repeating: 0, count: np)
                nodes.withUnsafeBufferPointer { nodes in
                    weights.withUnsafeBufferPointer { weights in
                        for i in 0..<nodes.count {
                            let w = weights[i] / divisor
                            terms(mean + s * nodes[i], out)
                            value += w * out[0]
                            dm += w * out[1]
                            curvature += w * out[2]
                            for k in 0..<np { dp[k] += w * out[3 + k] }
                        }
                    }
                }
                return (value, dm, 0.5 * curvature, dp)
            }
            switch gaussHermiteRegime(variance: v) {
            case .standard?:
                return gaussHermite(defaultQuadrature.nodes, defaultQuadrature.weights, divisor: Double.pi.squareRoot())
            case .wide?:
                // The wide rule: 88 nodes of the 256-point Gauss–Hermite rule, weights already divided by √π (÷ 1 is
                // exact), no error estimate.
                return gaussHermite(wideQuadrature.nodes, wideQuadrature.weights, divisor: 1)
            case nil:
                break
            }
            // Adaptive Gauss–Kronrod of N(f; μ, v) · (log p, ∂log p, ½∂²log p, ∂θ log p) over μ ± 12√v.
            let sd = v.squareRoot()
            let norm = 1 / (2 * Double.pi * v).squareRoot()
            let breaks = [mean] + (featurePoint(for: y).map { [$0] } ?? [])
            let r = AdaptiveQuadrature.integrate(from: mean - 12 * sd, to: mean + 12 * sd, breakpoints: breaks, components: 3 + np,
                                                 absoluteTolerance: 1e-8, relativeTolerance: 1e-8) { f, integrand in
                let z = (f - mean) / sd
                let w = norm * Math.exp(-0.5 * z * z)
                terms(f, out)
                integrand[0] = w * out[0]
                integrand[1] = w * out[1]
                integrand[2] = 0.5 * w * out[2]
                for k in 0..<np { integrand[3 + k] = w * out[3 + k] }
            }
            return (r.value[0], r.value[1], r.value[2], Array(r.value[3...]))
        }
    }

    public func predictive(mean: Double, variance: Double) -> (mean: Double, variance: Double) {
        quadraturePredictive(mean: mean, variance: variance)
    }

    /// Mean and variance of y under N(f; μ, v) from E[E[y | f]], E[E[y | f]²] and E[Var[y | f]], in the regime
    /// `gaussHermiteRegime` picks: the 20-point or the wide Gauss–Hermite rule, adaptive Gauss–Kronrod on μ ± 12√v
    /// above them (20 points alone misplace a probit's or logit's step at √v ≥ 3: p off by up to 0.1).
    /// - Complexity: 20 (or 88) conditional-moment evaluations; adaptive: a few hundred.
    func quadraturePredictive(mean: Double, variance: Double) -> (mean: Double, variance: Double) {
        let v = max(variance, 0)
        var m = 0.0, second = 0.0, conditionalVariance = 0.0
        func gaussHermite(_ nodes: [Double], _ weights: [Double], divisor: Double) {
            let s = (2 * v).squareRoot()
            for i in nodes.indices {
                let w = weights[i] / divisor
                let (cm, cv) = conditionalMoments(mean + s * nodes[i])
                m += w * cm
                second += w * cm * cm
                conditionalVariance += w * cv
            }
        }
        switch gaussHermiteRegime(variance: v) {
        case .standard?: gaussHermite(defaultQuadrature.nodes, defaultQuadrature.weights, divisor: Double.pi.squareRoot())
        case .wide?: gaussHermite(wideQuadrature.nodes, wideQuadrature.weights, divisor: 1)
        case nil:
            let sd = v.squareRoot(), norm = 1 / (2 * Double.pi * v).squareRoot()
            let r = AdaptiveQuadrature.integrate(from: mean - 12 * sd, to: mean + 12 * sd, breakpoints: [mean], components: 3,
                                                 absoluteTolerance: 1e-12, relativeTolerance: 1e-10) { f, out in
                let z = (f - mean) / sd
                let w = norm * Math.exp(-0.5 * z * z)
                let (cm, cv) = conditionalMoments(f)
                out[0] = w * cm
                out[1] = w * cm * cm
                out[2] = w * cv
            }
            (m, second, conditionalVariance) = (r.value[0], r.value[1], r.value[2])
        }
        return (m, max(0, conditionalVariance + second - m * m))
    }

    /// log ∫ p(y | f) N(f; μ, v) df: the tilted normaliser's value.
    public func logPredictive(_ y: Double, mean: Double, variance: Double) -> Double {
        tiltedNormaliser(y, mean: mean, variance: variance).value
    }

    public func variationalExpectations(_ y: [Double], mean: Matrix, variance: Matrix) -> VariationalExpectations {
        precondition(mean.cols == 1 && mean.rows == y.count && variance.rows == y.count)
        var value = 0.0
        var dm = Matrix(rows: y.count, cols: 1), dv = Matrix(rows: y.count, cols: 1)
        var dp = [Double](repeating: 0, count: parameterValueCount)
        for n in y.indices {
            let e = expectation(y[n], mean: mean.storage[n], variance: variance.storage[n])
            value += e.value
            dm.storage[n] = e.dMean
            dv.storage[n] = e.dVariance
            for k in dp.indices { dp[k] += e.dParameters[k] }
        }
        return VariationalExpectations(value: value, dMean: dm, dVariance: dv, dParameters: dp)
    }

    public func predictiveMoments(mean: Matrix, variance: Matrix) -> GaussianPrediction {
        var m = [Double](repeating: 0, count: mean.rows), v = m
        for n in 0..<mean.rows { (m[n], v[n]) = predictive(mean: mean.storage[n], variance: variance.storage[n]) }
        return GaussianPrediction(mean: m, variance: v)
    }

    public func logPredictiveDensity(_ y: [Double], mean: Matrix, variance: Matrix) -> [Double] {
        y.indices.map { logPredictive(y[$0], mean: mean.storage[$0], variance: variance.storage[$0]) }
    }
}

extension Likelihood {
    /// `variationalExpectations(_:mean:variance:)`, or with known per-point noise variances when `fixedNoise`
    /// is given (only a `GaussianLikelihood` has them; `TrainingDataCheck` refuses them for any other).
    public func variationalExpectations(_ y: [Double], fixedNoise: [Double]?, mean: Matrix, variance: Matrix) -> VariationalExpectations {
        if let fixedNoise, let gaussian = self as? GaussianLikelihood {
            return gaussian.variationalExpectations(y, mean: mean, variance: variance, fixedNoise: fixedNoise)
        }
        return variationalExpectations(y, mean: mean, variance: variance)
    }
}

// MARK: - The tape node

/// Σₙ E_q[log p(yₙ | fₙ)] on the tape, fused with its adjoints (docs/methods/likelihoods.md#tape-node).
/// `fixedNoise`: known per-point noise variances of a `GaussianLikelihood` (nil: none).
public func variationalExpectations(_ likelihood: any Likelihood, _ y: [Double], fixedNoise: [Double]? = nil, mean: Var, variance: Var,
                                    parameters: [Var]) -> Var {
    let e = likelihood.variationalExpectations(y, fixedNoise: fixedNoise, mean: mean.value, variance: variance.value)
    return mean.tape.record(Matrix(scalar: e.value)) { g, t in
        t.accumulate(mean, g.scalar * e.dMean)
        t.accumulate(variance, g.scalar * e.dVariance)
        if !parameters.isEmpty { distribute(e.dParameters.map { g.scalar * $0 }, to: parameters, on: t) }
    }
}
