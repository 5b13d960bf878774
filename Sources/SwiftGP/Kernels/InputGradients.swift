import GPLinearAlgebra

// ∂⟨Ā, K(X, Z)⟩/∂Z for every kernel (docs/methods/kernels.md#input-gradients), kept apart from the value code.

extension Periodic {
    /// ∂k/∂z_d = 4k sin(πΔ_d/p_d) cos(πΔ_d/p_d) π/(p_d ℓ_d²), Δ = x − z.
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        let d = x.cols, n = x.rows
        let ls = lengthscale.count == 1 ? [Double](repeating: lengthscale.scalar, count: d) : lengthscale.value
        let ps = period.count == 1 ? [Double](repeating: period.scalar, count: d) : period.value
        let k = cross(x, z)
        var out = Matrix(rows: z.rows, cols: d)
        for j in 0..<z.rows {
            for i in 0..<n {
                let w = adjoint[i, j] * k[i, j]
                if w == 0 { continue }
                for c in 0..<d {
                    let arg = Double.pi * (x[i, c] - z[j, c]) / ps[c]
                    out[j, c] += w * 4 * Math.sin(arg) * Math.cos(arg) * Double.pi / (ps[c] * ls[c] * ls[c])
                }
            }
        }
        return out
    }
}

extension Linear {
    /// Z̄ = Āᵀ X diag(σ²).
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        var g = matmul(adjoint, x, .transposed, .none)
        for c in 0..<x.cols {
            let v = variance.count == 1 ? variance.scalar : variance.value[c]
            for j in 0..<z.rows { g[j, c] *= v }
        }
        return g
    }
}

extension White {
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix { Matrix(rows: z.rows, cols: z.cols) }
    /// K(X, X) = σ² I does not depend on X.
    public func gramInputGradient(_ x: Matrix, adjoint: Matrix) -> Matrix { Matrix(rows: x.rows, cols: x.cols) }
}

extension ConstantKernel {
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix { Matrix(rows: z.rows, cols: z.cols) }
}

extension SumKernel {
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        kernels.dropFirst().reduce(kernels[0].crossInputGradient(x, z, adjoint: adjoint)) {
            $0 + $1.crossInputGradient(x, z, adjoint: adjoint)
        }
    }
    public func gramInputGradient(_ x: Matrix, adjoint: Matrix) -> Matrix {
        kernels.dropFirst().reduce(kernels[0].gramInputGradient(x, adjoint: adjoint)) {
            $0 + $1.gramInputGradient(x, adjoint: adjoint)
        }
    }
}

extension ProductKernel {
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        let parts = kernels.map { $0.cross(x, z) }
        var out = Matrix(rows: z.rows, cols: z.cols)
        for i in kernels.indices {
            var a = adjoint
            for (j, p) in parts.enumerated() where j != i { a = a.hadamard(p) }
            out += kernels[i].crossInputGradient(x, z, adjoint: a)
        }
        return out
    }
    public func gramInputGradient(_ x: Matrix, adjoint: Matrix) -> Matrix {
        let parts = kernels.map { $0.gram(x) }
        var out = Matrix(rows: x.rows, cols: x.cols)
        for i in kernels.indices {
            var a = adjoint
            for (j, p) in parts.enumerated() where j != i { a = a.hadamard(p) }
            out += kernels[i].gramInputGradient(x, adjoint: a)
        }
        return out
    }
}

extension ScaledKernel {
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        base.crossInputGradient(x, z, adjoint: scale.scalar * adjoint)
    }
    public func gramInputGradient(_ x: Matrix, adjoint: Matrix) -> Matrix {
        base.gramInputGradient(x, adjoint: scale.scalar * adjoint)
    }
}

extension ActiveDimensionsKernel {
    private func scatter(_ g: Matrix, columns: Int) -> Matrix {
        var out = Matrix(rows: g.rows, cols: columns)
        for (c, d) in activeDimensions.enumerated() { for i in 0..<g.rows { out[i, d] += g[i, c] } }
        return out
    }
    private func selected(_ x: Matrix) -> Matrix {
        var m = Matrix(rows: x.rows, cols: activeDimensions.count)
        for (c, d) in activeDimensions.enumerated() { for i in 0..<x.rows { m[i, c] = x[i, d] } }
        return m
    }
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        scatter(base.crossInputGradient(selected(x), selected(z), adjoint: adjoint), columns: z.cols)
    }
    public func gramInputGradient(_ x: Matrix, adjoint: Matrix) -> Matrix {
        scatter(base.gramInputGradient(selected(x), adjoint: adjoint), columns: x.cols)
    }
}
