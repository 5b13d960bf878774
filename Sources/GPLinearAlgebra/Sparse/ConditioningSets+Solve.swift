extension ConditioningSets {
    /// Solves V_AA x = b in place for the upper-triangular factor V with this pattern (`values` in its layout, the
    /// diagonal last in each column) restricted to the positions `set` (increasing; `local[p]` is p's index in `set`,
    /// −1 outside it; entries of V in rows outside the set are skipped). Column-oriented back substitution over the
    /// pattern: for the last position down, xₜ /= V_ll, then x_r −= V_kl xₜ for the entries k of column l in the set.
    /// `x` holds b on entry (indexed like `set`). docs/methods/dklgp.md#ancestor-sets.
    /// - Complexity: O(Σ_{l∈set} |s(l)|), no dense |set|² block.
    public func solveUpper(values: [Double], set: ArraySlice<Int>, local: [Int], _ x: inout [Double]) {
        precondition(x.count == set.count && values.count == rows.count, "\(x.count) values for a set of \(set.count)")
        starts.withUnsafeBufferPointer { st in
            rows.withUnsafeBufferPointer { rw in
                values.withUnsafeBufferPointer { v in
                    local.withUnsafeBufferPointer { lc in
                        x.withUnsafeMutableBufferPointer { xb in
                            var t = xb.count - 1
                            for l in set.reversed() {
                                let last = st[l + 1] - 1
                                let xt = xb[t] / v[last]
                                xb[t] = xt
                                if xt != 0 {
                                    for e in st[l]..<last {
                                        let r = lc[rw[e]]
                                        if r >= 0 { xb[r] -= v[e] * xt }
                                    }
                                }
                                t -= 1
                            }
                        }
                    }
                }
            }
        }
    }

    /// Solves V_AAᵀ y = c in place (the transpose of `solveUpper`'s system): forward substitution, yₜ =
    /// (cₜ − Σ_{k∈s(l)∩set, k<l} V_kl y_k) / V_ll for the positions l of `set` in increasing order.
    /// - Complexity: O(Σ_{l∈set} |s(l)|).
    public func solveUpperTransposed(values: [Double], set: ArraySlice<Int>, local: [Int], _ y: inout [Double]) {
        precondition(y.count == set.count && values.count == rows.count, "\(y.count) values for a set of \(set.count)")
        starts.withUnsafeBufferPointer { st in
            rows.withUnsafeBufferPointer { rw in
                values.withUnsafeBufferPointer { v in
                    local.withUnsafeBufferPointer { lc in
                        y.withUnsafeMutableBufferPointer { yb in
                            var t = 0
                            for l in set {
                                let last = st[l + 1] - 1
                                var s = yb[t]
                                for e in st[l]..<last {
                                    let r = lc[rw[e]]
                                    if r >= 0 { s -= v[e] * yb[r] }
                                }
                                yb[t] = s / v[last]
                                t += 1
                            }
                        }
                    }
                }
            }
        }
    }
}
