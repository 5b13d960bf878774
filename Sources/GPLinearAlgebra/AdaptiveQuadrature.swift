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

    /// ∫ₐᵇ f(x) dx for f with `components` outputs, written by `f(x, &out)` into `out` (length `components`).
    /// - Parameters:
    ///   - breakpoints: points inside (a, b) where f changes character (cut there first); others are ignored.
    /// - Returns: the integrals and whether the tolerance was met.
    public static func integrate(from a: Double, to b: Double, breakpoints: [Double] = [], components: Int,
                                 absoluteTolerance: Double = 1e-12, relativeTolerance: Double = 1e-10, maxPanels: Int = 400,
                                 _ f: (Double, inout [Double]) -> Void) -> (value: [Double], converged: Bool) {
        var cuts = [a] + breakpoints.filter { $0 > a && $0 < b }.sorted() + [b]
        cuts = cuts.enumerated().filter { $0.offset == 0 || $0.element > cuts[$0.offset - 1] }.map(\.element)
        var panels: [(a: Double, b: Double, value: [Double], error: Double)] = []
        var scratch = [Double](repeating: 0, count: components)
        for i in 0..<(cuts.count - 1) {
            let (v, e) = panel(cuts[i], cuts[i + 1], components, &scratch, f)
            panels.append((cuts[i], cuts[i + 1], v, e))
        }
        while true {
            var total = [Double](repeating: 0, count: components)
            var error = 0.0
            for p in panels {
                for c in 0..<components { total[c] += p.value[c] }
                error += p.error
            }
            let scale = total.map(abs).max() ?? 0
            if error <= absoluteTolerance + relativeTolerance * scale { return (total, true) }
            if panels.count >= maxPanels { return (total, false) }
            // Bisect the worst panel.
            guard let worst = panels.indices.max(by: { panels[$0].error < panels[$1].error }) else { return (total, true) }
            let p = panels[worst]
            let mid = 0.5 * (p.a + p.b)
            guard mid > p.a && mid < p.b else { return (total, false) }
            let (lv, le) = panel(p.a, mid, components, &scratch, f)
            let (rv, re) = panel(mid, p.b, components, &scratch, f)
            panels[worst] = (p.a, mid, lv, le)
            panels.append((mid, p.b, rv, re))
        }
    }

    /// The K₁₅ integral of one panel and its error estimate max_c |K₁₅ − G₇|.
    private static func panel(_ a: Double, _ b: Double, _ components: Int, _ out: inout [Double],
                              _ f: (Double, inout [Double]) -> Void) -> ([Double], Double) {
        let centre = 0.5 * (a + b), half = 0.5 * (b - a)
        var kronrod = [Double](repeating: 0, count: components), gauss = kronrod
        f(centre, &out)
        for c in 0..<components {
            kronrod[c] += kronrodWeights[0] * out[c]
            gauss[c] += gaussWeights[0] * out[c]
        }
        for k in 1..<8 {
            for x in [centre - half * kronrodNodes[k], centre + half * kronrodNodes[k]] {
                f(x, &out)
                for c in 0..<components {
                    kronrod[c] += kronrodWeights[k] * out[c]
                    if k % 2 == 0 { gauss[c] += gaussWeights[k / 2] * out[c] }
                }
            }
        }
        var error = 0.0
        for c in 0..<components {
            kronrod[c] *= half
            gauss[c] *= half
            error = max(error, abs(kronrod[c] - gauss[c]))
        }
        return (kronrod, error)
    }
}
