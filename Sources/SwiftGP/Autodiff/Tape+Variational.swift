import GPLinearAlgebra

// Tape operations for inducing-point and variational objectives: kernel nodes with learnable inputs,
// triangular packing, diagonal and column reductions.

extension Kernel {
    /// K(Z, Z) where the inputs Z (`m × d`) are themselves a tape node holding Z's column-major
    /// values as an `(m·d) × 1` column (learnable inducing inputs).
    public func gram(inputs z: Var, dimension d: Int, on parameters: [Var]) -> Var {
        let zm = Matrix(rows: z.rows / d, cols: d, storage: z.value.storage)
        return z.tape.record(gram(zm)) { g, t in
            distribute(self.gramGradient(zm, adjoint: g), to: parameters, on: t)
            t.accumulate(z, Matrix(column: self.gramInputGradient(zm, adjoint: g).storage))
        }
    }

    /// K(Z, X), `m × n`, with Z a tape node as in `gram(inputs:dimension:on:)` and X data.
    public func cross(inputs z: Var, dimension d: Int, _ x: Matrix, on parameters: [Var]) -> Var {
        let zm = Matrix(rows: z.rows / d, cols: d, storage: z.value.storage)
        return z.tape.record(cross(zm, x)) { g, t in
            let (dp, dz) = self.crossVJP(zm, x, adjoint: g)
            distribute(dp, to: parameters, on: t)
            t.accumulate(z, Matrix(column: dz.storage))
        }
    }
}

// MARK: - Shapes and reductions used by variational objectives

/// The column sums of A ∘ A, as a column (one entry per column of A). Adjoint 2 A diag(ḡ).
public func columnSumsOfSquares(_ a: Var) -> Var {
    let v = a.value
    return a.tape.record(Matrix(column: v.columnSumsOfSquares)) { g, t in
        var d = v
        d.scaleColumns(g.storage.map { 2 * $0 })
        t.accumulate(a, d)
    }
}

/// A lower-triangular `n × n` matrix from its packed column-major lower triangle (n(n+1)/2 × 1).
public func lowerTriangular(packed p: Var, size n: Int) -> Var {
    precondition(p.value.count == n * (n + 1) / 2, "packed triangle has \(p.value.count) entries for size \(n)")
    var l = Matrix(rows: n, cols: n)
    let packedValues = p.value.storage   // read once: `Var.value` is a tape lookup
    var k = 0
    for j in 0..<n { for i in j..<n { l[i, j] = packedValues[k]; k += 1 } }
    return p.tape.record(l) { g, t in
        var packed = [Double](repeating: 0, count: n * (n + 1) / 2)
        var k = 0
        for j in 0..<n { for i in j..<n { packed[k] = g[i, j]; k += 1 } }
        t.accumulate(p, Matrix(column: packed))
    }
}

/// A diagonal `n × n` matrix from a column of n values.
public func diagonalMatrix(_ d: Var) -> Var {
    d.tape.record(Matrix(diagonal: d.value.storage)) { g, t in t.accumulate(d, Matrix(column: g.diagonal)) }
}

/// Σᵢ log(Aᵢᵢ²), insensitive to the sign of the diagonal (the log-determinant of L Lᵀ for triangular L).
public func logDiagonalSquares(_ a: Var) -> Var {
    let v = a.value
    let value = (0..<min(v.rows, v.cols)).reduce(0.0) { $0 + Math.log(v[$1, $1] * v[$1, $1]) }
    return a.tape.record(Matrix(scalar: value)) { g, t in
        var d = Matrix(rows: v.rows, cols: v.cols)
        for i in 0..<min(v.rows, v.cols) { d[i, i] = 2 * g.scalar / v[i, i] }
        t.accumulate(a, d)
    }
}

/// Rows `indices` of A (a minibatch of a data-sized node).
public func selectingRows(_ a: Var, _ indices: [Int]) -> Var {
    let v = a.value
    return a.tape.record(v.selectingRows(indices)) { g, t in
        var d = Matrix(rows: v.rows, cols: v.cols)
        let n = v.rows, m = indices.count
        d.storage.withUnsafeMutableBufferPointer { dp in
            g.storage.withUnsafeBufferPointer { gp in
                for j in 0..<v.cols { for (r, i) in indices.enumerated() { dp[i + j * n] += gp[r + j * m] } }
            }
        }
        t.accumulate(a, d)
    }
}

/// 1/x elementwise.
public func reciprocal(_ a: Var) -> Var { elementwise(a, { 1 / $0 }, derivative: { -1 / ($0 * $0) }) }

/// √x elementwise.
public func squareRoot(_ a: Var) -> Var { elementwise(a, { $0.squareRoot() }, derivative: { 0.5 / $0.squareRoot() }) }


/// [A₁ A₂ …], columns side by side (all with the same number of rows).
public func concatenatingColumns(_ parts: [Var]) -> Var {
    precondition(!parts.isEmpty)
    if parts.count == 1 { return parts[0] }
    let rows = parts[0].rows
    var storage: [Double] = []
    for p in parts {
        precondition(p.rows == rows, "column blocks have different heights")
        storage += p.value.storage
    }
    let total = parts.reduce(0) { $0 + $1.cols }
    return parts[0].tape.record(Matrix(rows: rows, cols: total, storage: storage)) { g, t in
        var start = 0
        for p in parts {
            let n = p.rows * p.cols
            t.accumulate(p, Matrix(rows: p.rows, cols: p.cols, storage: Array(g.storage[start..<(start + n)])))
            start += n
        }
    }
}

/// Column j of A, as a column node.
public func selectingColumn(_ a: Var, _ j: Int) -> Var {
    let v = a.value
    return a.tape.record(Matrix(column: v.column(j))) { g, t in
        var d = Matrix(rows: v.rows, cols: v.cols)
        for i in 0..<v.rows { d[i, j] = g.storage[i] }
        t.accumulate(a, d)
    }
}
