import GPLinearAlgebra

/// log p(y | f), ∂f, ∂²f and (for a likelihood with one parameter) ∂θ log p at eight abscissae f at once: what a
/// likelihood hands to `laneQuadratureExpectation`.
struct LaneTerms {
    var value: SIMD8<Double>, df: SIMD8<Double>, d2f: SIMD8<Double>
    var dParameter = SIMD8<Double>(repeating: 0)
}

/// A likelihood's pointwise terms eight abscissae at a time (a value type, so that `laneQuadratureExpectation` is
/// specialised for it and the call inlined into the node loop).
protocol LaneLogDensity {
    func callAsFunction(_ f: SIMD8<Double>) -> LaneTerms
}

/// A Gauss–Hermite rule in groups of eight nodes, weights divided by √π (the expectation is Σ w·g(μ + √(2v) x)),
/// padded with zero-weight nodes at 0 to a multiple of eight.
struct LaneRule: Sendable {
    let nodes: [SIMD8<Double>], weights: [SIMD8<Double>]

    /// `weights[i] / divisor` per node (the operation the scalar rule does per node, so the products agree).
    init(nodes: [Double], weights: [Double], divisor: Double) {
        var n: [SIMD8<Double>] = [], w: [SIMD8<Double>] = []
        for start in stride(from: 0, to: nodes.count, by: 8) {
            var a = SIMD8<Double>(repeating: 0), b = SIMD8<Double>(repeating: 0)
            for l in 0..<min(8, nodes.count - start) {
                a[l] = nodes[start + l]
                b[l] = weights[start + l] / divisor
            }
            n.append(a)
            w.append(b)
        }
        self.nodes = n
        self.weights = w
    }
}

/// The 20-point and wide rules (`defaultQuadrature`, `wideQuadrature`) in lanes: 3 and 11 groups.
let defaultLaneQuadrature = LaneRule(nodes: defaultQuadrature.nodes, weights: defaultQuadrature.weights, divisor: Double.pi.squareRoot())
let wideLaneQuadrature = LaneRule(nodes: wideQuadrature.nodes, weights: wideQuadrature.weights, divisor: 1)

extension ScalarLikelihood {
    /// `quadratureExpectation`'s rule (20-point Gauss–Hermite while √v ≤ `quadratureScale`, the wide rule while
    /// √v ≤ `wideQuadratureScale`, adaptive Gauss–Kronrod above) with the pointwise terms evaluated eight nodes at a
    /// time by `terms` (vector `Math.log`/`Math.exp` instead of one libm call per node), for a likelihood with at most
    /// one parameter (`parameterCount` 0 or 1). The adaptive rule reads lane 0 of `terms` at a broadcast abscissa.
    /// The sums are taken per lane and then across lanes: the same rule as the scalar path to round-off (tested).
    /// - Complexity: ⌈N/8⌉ calls of `terms` for an N-node Gauss–Hermite rule.
    @inline(__always)
    func laneQuadratureExpectation<Terms: LaneLogDensity>(_ y: Double, mean: Double, variance: Double, parameterCount np: Int,
                                                          _ terms: Terms)
        -> (value: Double, dMean: Double, dVariance: Double, dParameters: [Double]) {
        precondition(np <= 1, "lane quadrature covers likelihoods with at most one parameter")
        guard let regime = gaussHermiteRegime(variance: variance) else {
            return quadratureExpectation(y, mean: mean, variance: variance, parameterCount: np) { f, out in
                let t = terms(SIMD8(repeating: f))
                out[0] = t.value[0]
                out[1] = t.df[0]
                out[2] = t.d2f[0]
                if np == 1 { out[3] = t.dParameter[0] }
            }
        }
        let v = max(variance, 0)
        let rule = regime == .standard ? defaultLaneQuadrature : wideLaneQuadrature
        let s = SIMD8<Double>(repeating: (2 * v).squareRoot()), mu = SIMD8<Double>(repeating: mean)
        var value = SIMD8<Double>(repeating: 0), dm = value, curvature = value, dp = value
        rule.nodes.withUnsafeBufferPointer { nodes in
            rule.weights.withUnsafeBufferPointer { weights in
                for g in 0..<nodes.count {
                    let w = weights[g], t = terms(mu + s * nodes[g])
                    value += w * t.value
                    dm += w * t.df
                    curvature += w * t.d2f
                    dp += w * t.dParameter
                }
            }
        }
        return (value.sum(), dm.sum(), 0.5 * curvature.sum(), np == 1 ? [dp.sum()] : [])
    }
}
