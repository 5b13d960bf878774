import GPLinearAlgebra

// The differentiable operations. Each records its value and its VJP (docs/methods/conventions.md#gradient-toolkit).

// MARK: - Linear operations

public func + (a: Var, b: Var) -> Var {
    a.tape.record(a.value + b.value) { g, t in t.accumulate(a, g); t.accumulate(b, g) }
}

public func - (a: Var, b: Var) -> Var {
    a.tape.record(a.value - b.value) { g, t in t.accumulate(a, g); t.accumulate(b, -g) }
}

public prefix func - (a: Var) -> Var {
    a.tape.record(-a.value) { g, t in t.accumulate(a, -g) }
}

/// c · A for a constant c.
public func * (c: Double, a: Var) -> Var {
    a.tape.record(c * a.value) { g, t in t.accumulate(a, c * g) }
}

/// s · A for a scalar node s.
public func * (s: Var, a: Var) -> Var {
    precondition(s.value.count == 1, "left operand of scalar * must be 1×1")
    return a.tape.record(s.scalar * a.value) { g, t in
        t.accumulate(s, Matrix(scalar: g.inner(a.value)))
        t.accumulate(a, s.scalar * g)
    }
}

extension Tape {
    /// A constant scalar node.
    public func constant(_ x: Double) -> Var { leaf(Matrix(scalar: x)) }
}

/// op(A) · op(B). Adjoints: Ā = Ḡ Bᵀ, B̄ = Aᵀ Ḡ (with the transposes folded in).
/// - Complexity: O(m n k) forward, twice that backward.
public func matmul(_ a: Var, _ b: Var, _ ta: Transpose = .none, _ tb: Transpose = .none) -> Var {
    let value = matmul(a.value, b.value, ta, tb)
    return a.tape.record(value) { g, t in
        let av = a.value, bv = b.value
        // C = op(A) op(B); dop(A) = G op(B)ᵀ, dop(B) = op(A)ᵀ G.
        let ga = ta == .none ? matmul(g, bv, .none, tb == .none ? .transposed : .none)
                             : matmul(bv, g, tb == .none ? .none : .transposed, .transposed)
        let gb = tb == .none ? matmul(av, g, ta == .none ? .transposed : .none, .none)
                             : matmul(g, av, .transposed, ta == .none ? .none : .transposed)
        t.accumulate(a, ga)
        t.accumulate(b, gb)
    }
}

/// A + s·I for a square A and a scalar node s. Adjoints: Ā = Ḡ, s̄ = tr Ḡ.
public func addingDiagonal(_ a: Var, _ s: Var) -> Var {
    var v = a.value
    v.addToDiagonal(s.scalar)
    return a.tape.record(v) { g, t in
        t.accumulate(a, g)
        t.accumulate(s, Matrix(scalar: g.trace))
    }
}

/// Σᵢⱼ Aᵢⱼ.
public func sum(_ a: Var) -> Var {
    a.tape.record(Matrix(scalar: a.value.storage.reduce(0, +))) { g, t in
        t.accumulate(a, Matrix(rows: a.rows, cols: a.cols, repeating: g.scalar))
    }
}

/// Σᵢⱼ Aᵢⱼ². Adjoint 2 Ḡ A.
public func sumOfSquares(_ a: Var) -> Var {
    a.tape.record(Matrix(scalar: a.value.frobeniusNormSquared)) { g, t in t.accumulate(a, (2 * g.scalar) * a.value) }
}

/// ⟨A, B⟩ = Σᵢⱼ Aᵢⱼ Bᵢⱼ.
public func inner(_ a: Var, _ b: Var) -> Var {
    a.tape.record(Matrix(scalar: a.value.inner(b.value))) { g, t in
        t.accumulate(a, g.scalar * b.value)
        t.accumulate(b, g.scalar * a.value)
    }
}

/// tr A.
public func trace(_ a: Var) -> Var {
    a.tape.record(Matrix(scalar: a.value.trace)) { g, t in
        t.accumulate(a, Matrix(diagonal: [Double](repeating: g.scalar, count: a.rows)))
    }
}

/// The elementwise product A ∘ B.
public func hadamard(_ a: Var, _ b: Var) -> Var {
    a.tape.record(a.value.hadamard(b.value)) { g, t in
        t.accumulate(a, g.hadamard(b.value))
        t.accumulate(b, g.hadamard(a.value))
    }
}

/// An elementwise map f with derivative f′.
public func elementwise(_ a: Var, _ f: (Double) -> Double, derivative: @escaping (Double) -> Double) -> Var {
    a.tape.record(a.value.map(f)) { g, t in
        var d = a.value.map(derivative)
        for i in 0..<d.count { d.storage[i] *= g.storage[i] }
        t.accumulate(a, d)
    }
}

public func exp(_ a: Var) -> Var { elementwise(a, Math.exp, derivative: Math.exp) }
public func log(_ a: Var) -> Var { elementwise(a, Math.log, derivative: { 1 / $0 }) }

// MARK: - Factorisations

/// L = chol(A), through the one factorisation entry point (`Cholesky`, with its jitter ladder).
/// Adjoint (Murray 2016): P = Φ(Lᵀ L̄) (lower triangle, halved diagonal), Ā = ½ L⁻ᵀ (P + Pᵀ) L⁻¹.
/// - Complexity: O(n³) forward and backward.
public func cholesky(_ a: Var, policy: JitterPolicy = .standard, isLatentPrior: Bool = false) throws -> Var {
    let c = try Cholesky(a.value, policy: policy, isLatentPrior: isLatentPrior)
    a.tape.maxJitter = max(a.tape.maxJitter, c.jitter)
    let l = c.lower
    // The jitter is ε = r · tr(A)/n (relative to the mean diagonal), so it depends on A:
    // ∂ε/∂A = (ε / tr A) I, and the adjoint of A gains (ε / tr A) tr(Ā_factored) I.
    let trace = a.value.trace
    let jitterSlope = c.jitter > 0 && trace > 0 ? c.jitter / trace : 0
    return a.tape.record(l) { g, t in
        var p = matmul(l, g, .transposed, .none)
        let n = l.rows
        for j in 0..<n {
            p[j, j] *= 0.5
            for i in 0..<j { p[i, j] = 0 }
        }
        // S = L⁻ᵀ P L⁻¹, then symmetrise.
        trsm(.left, .lower, .transposed, l, &p)
        trsm(.right, .lower, .none, l, &p)
        p.symmetrize()
        if jitterSlope > 0 { p.addToDiagonal(jitterSlope * p.trace) }
        t.accumulate(a, p)
    }
}

/// X = L⁻¹ B (or L⁻ᵀ B with `.transposed`) for lower-triangular L.
/// Adjoints: B̄ = L⁻ᵀ X̄, L̄ = −tril(B̄ Xᵀ) (resp. B̄ = L⁻¹ X̄, L̄ = −tril(X B̄ᵀ)).
/// - Complexity: O(n² m).
public func triangularSolve(_ l: Var, _ b: Var, _ trans: Transpose = .none) -> Var {
    var x = b.value
    trsm(.left, .lower, trans, l.value, &x)
    return l.tape.record(x) { g, t in
        var gb = g
        trsm(.left, .lower, trans == .none ? .transposed : .none, l.value, &gb)
        var gl = trans == .none ? matmul(gb, x, .none, .transposed) : matmul(x, gb, .none, .transposed)
        gl = -gl
        gl.zeroUpperTriangle()
        t.accumulate(b, gb)
        t.accumulate(l, gl)
    }
}

/// log|A| = 2 Σ log Lᵢᵢ from a Cholesky factor node. Adjoint L̄ᵢᵢ = 2/Lᵢᵢ.
public func logDeterminant(cholesky l: Var) -> Var {
    let lv = l.value
    let value = (0..<lv.rows).reduce(0.0) { $0 + 2 * Math.log(lv[$1, $1]) }
    return l.tape.record(Matrix(scalar: value)) { g, t in
        t.accumulate(l, Matrix(diagonal: (0..<lv.rows).map { 2 * g.scalar / lv[$0, $0] }))
    }
}

// MARK: - Fused Gaussian log density

/// log N(r; 0, K) = −½ rᵀK⁻¹r − ½ log|K| − (n/2) log 2π, fused with its adjoints
/// K̄ = ½(ααᵀ − K⁻¹), r̄ = −α, α = K⁻¹r (docs/methods/exact-gp.md#gradient). K holds a noise variance, so it is
/// factorised without the latent-prior base jitter.
///
/// The backward pass forms K̄ in place over the K⁻¹ that dpotri returns, in one pass:
/// K̄_ij = ½ s (α_i α_j − K⁻¹_ij). α_i α_j = α_j α_i exactly and K⁻¹ is returned symmetric, so K̄ is
/// exactly symmetric.
/// - Complexity: O(n³/3) forward (dpotrf), O(2n³/3) backward (dpotri) + one O(n²) pass.
public func gaussianLogDensity(residual r: Var, covariance k: Var, policy: JitterPolicy = .standard) throws -> Var {
    precondition(r.cols == 1 && r.rows == k.rows, "residual and covariance sizes differ")
    let c = try Cholesky(k.value, policy: policy)
    k.tape.maxJitter = max(k.tape.maxJitter, c.jitter)
    let alpha = c.solve(r.value.storage)
    let n = Double(r.rows)
    let value = -0.5 * dot(r.value.storage, alpha) - 0.5 * c.logDeterminant - 0.5 * n * Math.logTwoPi
    return k.tape.record(Matrix(scalar: value)) { g, t in
        let s = g.scalar
        var kbar = c.inverse()
        gaussianAdjoint(overInverse: &kbar, alpha: alpha, scale: s, lowerOnly: false)
        t.accumulate(k, kbar)
        t.accumulate(r, Matrix(column: alpha.map { -s * $0 }))
    }
}

/// K̄ = ½ s (ααᵀ − K⁻¹) written over K⁻¹'s own storage, column by column (the whole matrix, or only the
/// lower triangle and diagonal when `lowerOnly`): the adjoint of log N(r | 0, K) scaled by s. Returns its
/// trace (σ̄² for a noise variance on the diagonal). - Complexity: O(n²).
@discardableResult
func gaussianAdjoint(overInverse inverse: inout Matrix, alpha: [Double], scale s: Double, lowerOnly: Bool) -> Double {
    let n = alpha.count, h = 0.5 * s
    var trace = 0.0
    inverse.storage.withUnsafeMutableBufferPointer { kb in
        alpha.withUnsafeBufferPointer { a in
            guard let out = kb.baseAddress, let av = a.baseAddress else { return }
            for j in 0..<n {
                let aj = av[j]
                let col = out + j * n
                for i in (lowerOnly ? j : 0)..<n { col[i] = h * (av[i] * aj - col[i]) }
                trace += col[j]
            }
        }
    }
    return trace
}

// MARK: - Kernels

extension Kernel {
    /// K(X, X) on the tape; `parameters` are the leaves holding this kernel's parameter values, in order.
    public func gram(_ x: Matrix, on parameters: [Var]) -> Var {
        let tape = parameters[0].tape
        return tape.record(gram(x)) { g, t in
            distribute(self.gramGradient(x, adjoint: g), to: parameters, on: t)
        }
    }

    /// K(X, Z) on the tape.
    public func cross(_ x: Matrix, _ z: Matrix, on parameters: [Var]) -> Var {
        let tape = parameters[0].tape
        return tape.record(cross(x, z)) { g, t in
            distribute(self.crossGradient(x, z, adjoint: g), to: parameters, on: t)
        }
    }

    /// diag K(X, X) on the tape, as a column.
    public func diagonal(_ x: Matrix, on parameters: [Var]) -> Var {
        let tape = parameters[0].tape
        return tape.record(Matrix(column: diagonal(x))) { g, t in
            distribute(self.diagonalGradient(x, adjoint: g.storage), to: parameters, on: t)
        }
    }
}

/// Splits a flattened gradient over parameter leaves (each a column of its parameter's size).
func distribute(_ flat: [Double], to leaves: [Var], on tape: Tape) {
    var start = 0
    for v in leaves {
        let n = v.value.count
        tape.accumulate(v, Matrix(rows: v.rows, cols: v.cols, storage: Array(flat[start..<(start + n)])))
        start += n
    }
    precondition(start == flat.count, "gradient has \(flat.count) entries for \(start) parameter values")
}
