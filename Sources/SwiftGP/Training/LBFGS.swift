import GPLinearAlgebra

/// Limited-memory BFGS with a strong-Wolfe line search (Nocedal & Wright, Alg. 7.4 and 3.5–3.6).
///
/// Two-loop recursion with H₀ = (sᵀy / yᵀy) I; curvature pairs with sᵀy ≤ 1e−10 ‖s‖‖y‖ are skipped;
/// a non-finite trial value (a failed evaluation) halves the step. c₁ = 1e−4, c₂ = 0.9.
/// - Complexity: O(m p) per iteration plus the evaluations of the line search.
public struct LBFGS: Optimizer {
    public var memory: Int
    public var c1 = 1e-4, c2 = 0.9
    public var maxLineSearchEvaluations = 25
    private var pairs: [(s: [Double], y: [Double], rho: Double)] = []
    private var iteration = 0

    public init(memory: Int = 10) { self.memory = memory }

    public var name: String { "lbfgs" }
    public var reevaluatesEachIteration: Bool { false }

    /// The search direction −H g by the two-loop recursion.
    private func direction(_ g: [Double]) -> [Double] {
        var q = g
        var alphas = [Double](repeating: 0, count: pairs.count)
        for k in stride(from: pairs.count - 1, through: 0, by: -1) {
            alphas[k] = pairs[k].rho * dot(pairs[k].s, q)
            axpy(-alphas[k], pairs[k].y, &q)
        }
        if let last = pairs.last { scal(dot(last.s, last.y) / dot(last.y, last.y), &q) }
        for k in 0..<pairs.count {
            let beta = pairs[k].rho * dot(pairs[k].y, q)
            axpy(alphas[k] - beta, pairs[k].s, &q)
        }
        scal(-1, &q)
        return q
    }

    public mutating func step(_ x: inout [Double], current: inout OptimizerSample?,
                              evaluate: ([Double]) -> OptimizerSample) -> StepOutcome {
        let start = current ?? evaluate(x)
        guard start.isFinite else { return .stalled }
        // Pairs carried from a fit over another vector do not apply.
        if let first = pairs.first, first.s.count != x.count { pairs.removeAll() }
        var p = direction(start.gradient)
        var slope = dot(p, start.gradient)
        if !(slope < 0) {
            pairs.removeAll()
            p = start.gradient.map { -$0 }
            slope = dot(p, start.gradient)
        }
        if slope == 0 { current = start; return .stalled }
        let gInf = start.gradient.map(abs).max() ?? 0
        var alpha0 = 1.0
        if pairs.isEmpty { alpha0 = min(1, 1 / max(gInf, 1e-12)) }
        guard let (alpha, sample) = lineSearch(x, p, start, slope, alpha0, evaluate) else {
            current = start
            pairs.removeAll()
            return .stalled
        }
        var s = p
        scal(alpha, &s)
        var y = sample.gradient
        axpy(-1, start.gradient, &y)
        let sy = dot(s, y)
        if sy > 1e-10 * dot(s, s).squareRoot() * dot(y, y).squareRoot() {
            pairs.append((s, y, 1 / sy))
            if pairs.count > memory { pairs.removeFirst() }
        }
        axpy(1, s, &x)
        current = sample
        iteration += 1
        return .moved
    }

    /// Strong-Wolfe line search along p from x: returns the step and the sample there.
    private func lineSearch(_ x: [Double], _ p: [Double], _ start: OptimizerSample, _ slope0: Double,
                            _ alpha1: Double, _ evaluate: ([Double]) -> OptimizerSample)
        -> (Double, OptimizerSample)? {
        let f0 = start.value
        var evaluations = 0
        func phi(_ a: Double) -> (Double, Double, OptimizerSample) {
            evaluations += 1
            var xt = x
            axpy(a, p, &xt)
            let s = evaluate(xt)
            return s.isFinite ? (s.value, dot(s.gradient, p), s) : (.infinity, .nan, s)
        }
        var best: (Double, OptimizerSample)? = nil
        func consider(_ a: Double, _ f: Double, _ s: OptimizerSample) {
            if f < f0 + c1 * a * slope0, f < (best?.1.value ?? .infinity) { best = (a, s) }
        }

        func zoom(_ lo0: (a: Double, f: Double, d: Double), _ hi0: (a: Double, f: Double, d: Double))
            -> (Double, OptimizerSample)? {
            var lo = lo0, hi = hi0
            while evaluations < maxLineSearchEvaluations {
                let a = interpolate(lo, hi)
                let (f, d, s) = phi(a)
                consider(a, f, s)
                if !(f <= f0 + c1 * a * slope0) || f >= lo.f {
                    hi = (a, f, d)
                } else {
                    if abs(d) <= -c2 * slope0 { return (a, s) }
                    if d * (hi.a - lo.a) >= 0 { hi = lo }
                    lo = (a, f, d)
                }
                if abs(hi.a - lo.a) < 1e-16 * max(1, abs(lo.a)) { break }
            }
            return best
        }

        var prev = (a: 0.0, f: f0, d: slope0)
        var a = alpha1
        while evaluations < maxLineSearchEvaluations {
            let (f, d, s) = phi(a)
            if !f.isFinite {
                // Back off from a failed evaluation.
                a = 0.5 * (prev.a + a)
                continue
            }
            consider(a, f, s)
            if f > f0 + c1 * a * slope0 || (prev.a > 0 && f >= prev.f) {
                return zoom(prev, (a, f, d))
            }
            if abs(d) <= -c2 * slope0 { return (a, s) }
            if d >= 0 { return zoom((a, f, d), prev) }
            prev = (a, f, d)
            a *= 2
        }
        return best
    }

    /// The minimiser of the cubic through two points with slopes, safeguarded into the inner 80 %.
    private func interpolate(_ lo: (a: Double, f: Double, d: Double), _ hi: (a: Double, f: Double, d: Double)) -> Double {
        let left = min(lo.a, hi.a), right = max(lo.a, hi.a), width = right - left
        var a = 0.5 * (lo.a + hi.a)
        if lo.f.isFinite, hi.f.isFinite, lo.d.isFinite, hi.d.isFinite {
            let d1 = lo.d + hi.d - 3 * (lo.f - hi.f) / (lo.a - hi.a)
            let disc = d1 * d1 - lo.d * hi.d
            if disc >= 0 {
                let d2 = (hi.a > lo.a ? 1.0 : -1.0) * disc.squareRoot()
                let c = hi.a - (hi.a - lo.a) * (hi.d + d2 - d1) / (hi.d - lo.d + 2 * d2)
                if c.isFinite { a = c }
            }
        }
        return min(max(a, left + 0.1 * width), right - 0.1 * width)
    }
}
