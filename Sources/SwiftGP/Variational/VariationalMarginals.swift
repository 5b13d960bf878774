import GPLinearAlgebra

/// The q(u)-dependent part of the marginals q(fₙ) as one fused tape node (docs/methods/sparse-variational.md#fused-marginal-nodes):
/// μₙ = aₙᵀm and wₙ = ‖L_Sᵀaₙ‖² for the columns aₙ of `projection` (`M × B`), returned as a `B × 2`
/// matrix [μ, w]. The variance is then vₙ = kₙₙ − ‖L⁻¹kᵤₙ‖² + wₙ.
///
/// Adjoints, with P = L_SᵀA and W = A diag(w̄) Aᵀ:
/// Ā = m μ̄ᵀ + 2 L_S P diag(w̄),  m̄ = A μ̄,  L̄_S = 2 W L_S (lower triangle used).
/// W comes from two rank-k updates (dsyrk) over the columns with w̄ > 0 and w̄ < 0, so the node costs
/// 3 M²B flops (one trmm forward; one trmm and the syrks backward) instead of the 6 M²B of the
/// generic gemm graph.
/// - Complexity: O(M² B + M³).
func variationalMarginals(projection a: Var, mean m: Var, sqrt ls: Var) -> Var {
    let av = a.value, lv = ls.value
    let mdim = av.rows, b = av.cols
    var p = av
    trmm(.left, .lower, .transposed, lv, &p)                  // P = L_Sᵀ A
    let mu = matvec(av, m.value.storage, .transposed)
    var out = Matrix(rows: b, cols: 2)
    let sumsOfSquares = p.columnSumsOfSquares
    for n in 0..<b {
        out[n, 0] = mu[n]
        out[n, 1] = sumsOfSquares[n]
    }
    return a.tape.record(out) { g, t in
        let muBar = g.column(0), wBar = g.column(1)
        // Ā = m μ̄ᵀ + 2 L_S P diag(w̄)
        var q = p
        q.scaleColumns(wBar.map { 2 * $0 })
        trmm(.left, .lower, .none, lv, &q)
        let mv = m.value.storage
        for n in 0..<b { let s = muBar[n]; if s != 0 { for k in 0..<mdim { q[k, n] += mv[k] * s } } }
        t.accumulate(a, q)
        t.accumulate(m, Matrix(column: matvec(av, muBar)))
        // L̄_S = 2 W L_S, W = A diag(w̄) Aᵀ.
        var w = weightedGram(av, weights: wBar)
        trmm(.right, .lower, .none, alpha: 2, lv, &w)
        t.accumulate(ls, w)
    }
}

/// The whitened SVGP marginals fused with the projection A = L⁻¹K_uf (docs/methods/sparse-variational.md#fused-marginal-nodes): returns the
/// `B × 2` matrix [μ, δ] with μₙ = aₙᵀm and δₙ = ‖L_Sᵀaₙ‖² − ‖aₙ‖², so vₙ = kₙₙ + δₙ.
///
/// With P = L_SᵀA, S = L_S L_Sᵀ and W = A diag(δ̄) Aᵀ:
/// Ā = m μ̄ᵀ + 2(L_S P − A) diag(δ̄), K̄_uf = L⁻ᵀĀ, m̄ = Aμ̄, L̄_S = 2 W L_S, and
/// L̄ = −tril(L⁻ᵀ Ā Aᵀ) with Ā Aᵀ = m (Aμ̄)ᵀ + 2(S − I)W — an M × M product, so the O(M² B) gemm of
/// the generic triangular-solve adjoint disappears. Total 5 M²B flops (trsm + trmm forward; trmm,
/// trsm and two syrk halves backward).
/// - Complexity: O(M² B + M³).
func whitenedMarginals(cholesky l: Var, crossCovariance kuf: Var, mean m: Var, sqrt ls: Var) -> Var {
    let lv = l.value, lsv = ls.value
    var a = kuf.value
    trsm(.left, .lower, .none, lv, &a)                       // A = L⁻¹ K_uf
    var p = a
    trmm(.left, .lower, .transposed, lsv, &p)                // P = L_Sᵀ A
    let mdim = a.rows, b = a.cols
    let mu = matvec(a, m.value.storage, .transposed)
    var out = Matrix(rows: b, cols: 2)
    let pp = p.columnSumsOfSquares, aa = a.columnSumsOfSquares
    for n in 0..<b {
        out[n, 0] = mu[n]
        out[n, 1] = pp[n] - aa[n]
    }
    return l.tape.record(out) { g, t in
        let muBar = g.column(0), dBar = g.column(1)
        let mv = m.value.storage
        // Ā = m μ̄ᵀ + 2(L_S P − A) diag(δ̄)
        var abar = p
        abar.scaleColumns(dBar.map { 2 * $0 })
        trmm(.left, .lower, .none, lsv, &abar)
        abar.storage.withUnsafeMutableBufferPointer { ab in
            a.storage.withUnsafeBufferPointer { ap in
                mv.withUnsafeBufferPointer { mp in
                    for n in 0..<b {
                        let s = -2 * dBar[n], u = muBar[n]
                        let col = ab.baseAddress! + n * mdim, acol = ap.baseAddress! + n * mdim
                        for k in 0..<mdim { col[k] += s * acol[k] + mp[k] * u }
                    }
                }
            }
        }
        // K̄_uf = L⁻ᵀ Ā
        trsm(.left, .lower, .transposed, lv, &abar)
        t.accumulate(kuf, abar)
        let amu = matvec(a, muBar)
        t.accumulate(m, Matrix(column: amu))
        let w = weightedGram(a, weights: dBar)
        // L̄_S = 2 W L_S
        var lsBar = w
        trmm(.right, .lower, .none, alpha: 2, lsv, &lsBar)
        t.accumulate(ls, lsBar)
        // Ā Aᵀ = m (Aμ̄)ᵀ + 2 (S − I) W;  L̄ = −tril(L⁻ᵀ Ā Aᵀ)
        var sw = w
        trmm(.left, .lower, .transposed, lsv, &sw)           // L_Sᵀ W
        trmm(.left, .lower, .none, lsv, &sw)                 // S W
        var aat = Matrix(rows: mdim, cols: mdim)
        for j in 0..<mdim {
            for i in 0..<mdim { aat[i, j] = 2 * (sw[i, j] - w[i, j]) + mv[i] * amu[j] }
        }
        trsm(.left, .lower, .transposed, lv, &aat)
        var lbar = -aat
        lbar.zeroUpperTriangle()
        t.accumulate(l, lbar)
    }
}

/// W = A diag(w) Aᵀ (symmetric, `M × M`) by two rank-k updates (dsyrk) over the columns with positive
/// and with negative weight: M²B flops, half a gemm. - Complexity: O(M² B).
func weightedGram(_ a: Matrix, weights: [Double]) -> Matrix {
    precondition(weights.count == a.cols)
    var w = Matrix(rows: a.rows, cols: a.rows)
    let m = a.rows
    for sign in [1.0, -1.0] {
        let cols = weights.indices.filter { sign * weights[$0] > 0 }
        if cols.isEmpty { continue }
        // Columns √|wₙ| aₙ of one sign (every entry written, so no zero fill first).
        let storage = [Double](unsafeUninitializedCapacity: m * cols.count) { pp, initialized in
            a.storage.withUnsafeBufferPointer { ap in
                for (c, n) in cols.enumerated() {
                    let s = (sign * weights[n]).squareRoot()
                    let dst = pp.baseAddress! + c * m, src = ap.baseAddress! + n * m
                    for k in 0..<m { dst[k] = src[k] * s }
                }
            }
            initialized = m * cols.count
        }
        syrk(.none, .lower, alpha: sign, Matrix(rows: m, cols: cols.count, storage: storage), beta: 1, into: &w)
    }
    w.symmetrizeFromLower()
    return w
}

