/// Adaptive Gauss–Kronrod (7, 15) quadrature of a vector-valued function on a finite interval
/// (docs/methods/conventions.md#gaussian-expectations): the interval is cut at the given breakpoints, and the
/// panel with the largest error estimate |K₁₅ − G₇| is bisected until the summed estimate falls below
/// `absoluteTolerance + relativeTolerance · |∫|` (componentwise maximum) or `maxPanels` is reached.
/// - Complexity: 15 evaluations per panel; O(panels log panels) bookkeeping.
public enum AdaptiveQuadrature {
    /// Kronrod nodes on [−1, 1] (the positive half; node 0 is the centre) and weights; Gauss weights of the
    /// 7-point rule at the odd-indexed Kronrod nodes.
    static let kronrodNodes: [Double] = [
        0.000000000000000000000000000000000, 0.207784955007898467600689403773245, 0.405845151377397166906606412076961,
        0.586087235467691130294144845693013, 0.741531185599394439863864773280788, 0.864864423359769072789712788640926,
        0.949107912342758524526189684047851, 0.991455371120812639206854697526329,
    ]
    static let kronrodWeights: [Double] = [
        0.209482141084727828012999174891714, 0.204432940075298892414161999234649, 0.190350578064785409913256402421014,
        0.169004726639267902826583426598550, 0.140653259715525918745189590510238, 0.104790010322250183839876322541518,
        0.063092092629978553290700663189204, 0.022935322010529224963732008058970,
    ]
    static let gaussWeights: [Double] = [
        0.417959183673469387755102040816327, 0.381830050505118944950369775488975, 0.279705391489276667901467771423780,
        0.129484966168869693270611432679082,
    ]

    /// ∫ₐᵇ f(x) dx for f with `components` outputs, written by `f(x, out)` into `out[0 ..< components]`. Panels
    /// live in flat arrays: nothing is allocated per panel or per evaluation (the likelihoods' expectations call
    /// this in their hot loops).
    /// - Parameters:
    ///   - breakpoints: points inside (a, b) where f changes character (cut there first); others are ignored.
    /// - Returns: the integrals and whether the tolerance was met.
    public static func integrate(from a: Double, to b: Double, breakpoints: [Double] = [], components: Int,
                                 absoluteTolerance: Double = 1e-12, relativeTolerance: Double = 1e-10, maxPanels: Int = 400,
                                 _ f: (Double, UnsafeMutablePointer<Double>) -> Void) -> (value: [Double], converged: Bool) {
        var cuts = [a] + breakpoints.filter { $0 > a && $0 < b }.sorted() + [b]
        cuts = cuts.enumerated().filter { $0.offset == 0 || $0.element > cuts[$0.offset - 1] }.map(\.element)
        var panels = Panels(components: components, capacity: min(maxPanels, 64) + cuts.count)
        var work = [Double](repeating: 0, count: 3 * components)
        var total = [Double](repeating: 0, count: components)
        var converged = true
        work.withUnsafeMutableBufferPointer { w in
            let scratch = w.baseAddress!
            for i in 0..<(cuts.count - 1) { panels.append(cuts[i], cuts[i + 1], scratch: scratch, f) }
            while true {
                for c in 0..<components { total[c] = 0 }
                var error = 0.0
                var worst = 0
                for p in 0..<panels.count {
                    panels.values.withUnsafeBufferPointer { v in
                        for c in 0..<components { total[c] += v[p * components + c] }
                    }
                    error += panels.errors[p]
                    // The first panel with the largest error estimate.
                    if panels.errors[p] > panels.errors[worst] { worst = p }
                }
                var scale = 0.0
                for c in 0..<components { scale = max(scale, abs(total[c])) }
                if error <= absoluteTolerance + relativeTolerance * scale { return }
                if panels.count >= maxPanels { converged = false; return }
                // Bisect the worst panel.
                let (pa, pb) = (panels.lower[worst], panels.upper[worst])
                let mid = 0.5 * (pa + pb)
                guard mid > pa && mid < pb else { converged = false; return }
                panels.replace(worst, pa, mid, scratch: scratch, f)
                panels.append(mid, pb, scratch: scratch, f)
            }
        }
        return (total, converged)
    }

    /// The panels of one integration in flat arrays: bounds, K₁₅ integrals (`components` per panel) and error estimates.
    private struct Panels {
        let components: Int
        var lower: [Double] = [], upper: [Double] = [], errors: [Double] = [], values: [Double] = []
        var count: Int { lower.count }

        init(components: Int, capacity: Int) {
            self.components = components
            lower.reserveCapacity(capacity)
            upper.reserveCapacity(capacity)
            errors.reserveCapacity(capacity)
            values.reserveCapacity(capacity * components)
        }

        mutating func append(_ a: Double, _ b: Double, scratch: UnsafeMutablePointer<Double>,
                             _ f: (Double, UnsafeMutablePointer<Double>) -> Void) {
            lower.append(a)
            upper.append(b)
            values.append(contentsOf: repeatElement(0, count: components))
            errors.append(0)
            replace(count - 1, a, b, scratch: scratch, f)
        }

        /// Panel `p` becomes [a, b] with its K₁₅ integral and error estimate max_c |K₁₅ − G₇|.
        mutating func replace(_ p: Int, _ a: Double, _ b: Double, scratch: UnsafeMutablePointer<Double>,
                              _ f: (Double, UnsafeMutablePointer<Double>) -> Void) {
            let components = self.components
            lower[p] = a
            upper[p] = b
            let out = scratch, kronrod = scratch + components, gauss = scratch + 2 * components
            let centre = 0.5 * (a + b), half = 0.5 * (b - a)
            for c in 0..<components {
                kronrod[c] = 0
                gauss[c] = 0
            }
            f(centre, out)
            for c in 0..<components {
                kronrod[c] += kronrodWeights[0] * out[c]
                gauss[c] += gaussWeights[0] * out[c]
            }
            for k in 1..<8 {
                for side in 0..<2 {
                    f(side == 0 ? centre - half * kronrodNodes[k] : centre + half * kronrodNodes[k], out)
                    for c in 0..<components {
                        kronrod[c] += kronrodWeights[k] * out[c]
                        if k % 2 == 0 { gauss[c] += gaussWeights[k / 2] * out[c] }
                    }
                }
            }
            var error = 0.0
            values.withUnsafeMutableBufferPointer { v in
                for c in 0..<components {
                    kronrod[c] *= half
                    gauss[c] *= half
                    error = max(error, abs(kronrod[c] - gauss[c]))
                    v[p * components + c] = kronrod[c]
                }
            }
            errors[p] = error
        }
    }
}
