import GPLinearAlgebra

// Tape operations for the GPSSM energy (docs/methods/gpssm.md#gradients): kernels whose inputs are both
// tape nodes (the trajectory enters the transition GP's inputs), reshapes, and a fused diagonal-Gaussian
// log density.

extension Kernel {
    /// K(Z, X̃) (`m × n`) with both Z (m × d) and X̃ (n × d) tape nodes holding their column-major values.
    /// Adjoints: θ̄ and Z̄ from `crossVJP(Z, X̃)`, X̄ = ∂⟨Ā, K(Z, X̃)⟩/∂X̃ = `crossInputGradient(Z, X̃, Ā)`.
    /// - Complexity: O(m n d) forward and backward.
    public func cross(inputs z: Var, inputs x: Var, dimension d: Int, on parameters: [Var]) -> Var {
        let zm = Matrix(rows: z.rows * z.cols / d, cols: d, storage: z.value.storage)
        let xm = Matrix(rows: x.rows * x.cols / d, cols: d, storage: x.value.storage)
        return z.tape.record(cross(zm, xm)) { g, t in
            let (dp, dz) = self.crossVJP(zm, xm, adjoint: g)
            distribute(dp, to: parameters, on: t)
            t.accumulate(z, Matrix(rows: z.rows, cols: z.cols, storage: dz.storage))
            t.accumulate(x, Matrix(rows: x.rows, cols: x.cols, storage: self.crossInputGradient(zm, xm, adjoint: g).storage))
        }
    }

    /// diag K(X̃, X̃) as a column, with X̃ (n × d) a tape node. ∂k(x, x)/∂x = 2 ∂k(x, z)/∂z at z = x (k is
    /// symmetric), taken row by row; zero for stationary kernels, whose diagonal is constant.
    /// - Complexity: O(n d).
    public func diagonal(inputs x: Var, dimension d: Int, on parameters: [Var]) -> Var {
        let xm = Matrix(rows: x.rows * x.cols / d, cols: d, storage: x.value.storage)
        let constant = self is any StationaryDiagonal
        return x.tape.record(Matrix(column: diagonal(xm))) { g, t in
            distribute(self.diagonalGradient(xm, adjoint: g.storage), to: parameters, on: t)
            guard !constant else { return }
            var dx = Matrix(rows: xm.rows, cols: d)
            for i in 0..<xm.rows where g.storage[i] != 0 {
                let row = Matrix(rows: 1, cols: d, storage: xm.row(i))
                let gi = self.crossInputGradient(row, row, adjoint: Matrix(scalar: 2 * g.storage[i]))
                for c in 0..<d { dx[i, c] = gi.storage[c] }
            }
            t.accumulate(x, Matrix(rows: x.rows, cols: x.cols, storage: dx.storage))
        }
    }
}

/// Kernels whose diagonal k(x, x) does not depend on x.
protocol StationaryDiagonal {}
extension StationaryKernel: StationaryDiagonal {}

/// The same values read as a `rows × cols` matrix (column-major). Adjoint: the reverse reshape.
public func reshaped(_ a: Var, rows: Int, cols: Int) -> Var {
    precondition(rows * cols == a.rows * a.cols, "cannot reshape \(a.rows)×\(a.cols) to \(rows)×\(cols)")
    let (r0, c0) = (a.rows, a.cols)
    return a.tape.record(Matrix(rows: rows, cols: cols, storage: a.value.storage)) { g, t in
        t.accumulate(a, Matrix(rows: r0, cols: c0, storage: g.storage))
    }
}

/// The transition inputs x̃_{t} = (x_t, c_t) for t = 0…T−1: rows 0…T−1 of the `(T+1) × D` states node beside
/// the constant controls' rows 0…T−1. Adjoint: the first D columns go back to rows 0…T−1 of the states.
/// - Complexity: O(T (D + D_c)).
func transitionInputs(states x: Var, controls c: Matrix) -> Var {
    let xv = x.value
    let n = xv.rows - 1, dx = xv.cols, dc = c.cols
    var v = Matrix(rows: n, cols: dx + dc)
    for j in 0..<dx { for i in 0..<n { v[i, j] = xv[i, j] } }
    for j in 0..<dc { for i in 0..<n { v[i, dx + j] = c[i, j] } }
    return x.tape.record(v) { g, t in
        var gx = Matrix(rows: n + 1, cols: dx)
        for j in 0..<dx { for i in 0..<n { gx[i, j] = g[i, j] } }
        t.accumulate(x, gx)
    }
}

/// Σ_j Σ_i log N(E_ij; 0, v_j) for a residual E (n × k) and a column of variances v (k × 1).
/// Adjoints: Ē_ij = −E_ij/v_j, v̄_j = −n/(2v_j) + ‖E_·j‖²/(2v_j²).
/// - Complexity: O(n k).
public func diagonalGaussianLogDensity(residual e: Var, variances v: Var) -> Var {
    let ev = e.value, vv = v.value.storage
    precondition(vv.count == ev.cols, "one variance per residual column")
    let n = Double(ev.rows)
    let squares = ev.columnSumsOfSquares
    var value = 0.0
    for j in 0..<ev.cols { value += -0.5 * n * (Math.logTwoPi + Math.log(vv[j])) - 0.5 * squares[j] / vv[j] }
    return e.tape.record(Matrix(scalar: value)) { g, t in
        let s = g.scalar
        var ge = ev
        ge.scaleColumns(vv.map { -s / $0 })
        t.accumulate(e, ge)
        t.accumulate(v, Matrix(column: (0..<ev.cols).map { s * (-0.5 * n / vv[$0] + 0.5 * squares[$0] / (vv[$0] * vv[$0])) }))
    }
}
