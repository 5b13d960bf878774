import GPLinearAlgebra

// ∂⟨Ā, K(X, Z)⟩/∂Z for every kernel (ALGORITHMS §1.1, `dK_dX`), kept apart from the value code.

extension StationaryKernel {
    /// Z̄_jd = Σᵢ Āᵢⱼ σ² κ′(r²ᵢⱼ) · (−2)(x_id − z_jd)/ℓ_d². At coincident points the Matérn-1/2
    /// profile's derivative is taken as 0 (a subgradient).
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        precondition(adjoint.rows == x.rows && adjoint.cols == z.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let px = PointRows(x, dividedBy: lengthscale.value)
        let pz = PointRows(z, dividedBy: lengthscale.value)
        let n = x.rows, m = z.rows, d = x.cols
        let s2 = variance.scalar
        let ls = lengthscale.value
        var out = Matrix(rows: m, cols: d)
        px.data.withUnsafeBufferPointer { a in
            pz.data.withUnsafeBufferPointer { b in
                for j in 0..<m {
                    for i in 0..<n {
                        let w = adjoint.storage[i + j * n]
                        if w == 0 { continue }
                        var r2 = 0.0
                        for c in 0..<d {
                            let t = a[i * d + c] - b[j * d + c]
                            r2 += t * t
                        }
                        let g = w * s2 * profile.valueAndDerivative(r2).1
                        if g == 0 { continue }
                        for c in 0..<d {
                            let l = ls.count == 1 ? ls[0] : ls[c]
                            // Scaled difference t = (x − z)/ℓ, so (x − z)/ℓ² = t/ℓ.
                            out[j, c] += -2 * g * (a[i * d + c] - b[j * d + c]) / l
                        }
                    }
                }
            }
        }
        return out
    }
}

extension StationaryKernel {
    /// Parameter and first-input VJPs of K(A, B) in one pass over the pairs: each pair's κ and κ′ are
    /// computed once and feed ∂/∂ℓ, ∂/∂σ², ∂/∂(shape) and ∂/∂A together.
    public func crossVJP(_ a: Matrix, _ b: Matrix, adjoint: Matrix) -> (parameters: [Double], inputs: Matrix) {
        precondition(adjoint.rows == a.rows && adjoint.cols == b.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: a.cols, kernel: kind)
        let pa = PointRows(a, dividedBy: lengthscale.value)
        let pb = PointRows(b, dividedBy: lengthscale.value)
        let na = a.rows, nb = b.rows, d = a.cols
        let s2 = variance.scalar
        let ls = lengthscale.value
        let invL = (0..<d).map { 1 / (ls.count == 1 ? ls[0] : ls[$0]) }
        let nShape = profile.shapeParameters.reduce(0) { $0 + $1.count }
        var dl = [Double](repeating: 0, count: d), dShape = [Double](repeating: 0, count: nShape)
        var dVar = 0.0
        var abar = [Double](repeating: 0, count: na * d)
        let diff = UnsafeMutablePointer<Double>.allocate(capacity: max(d, 1))
        defer { diff.deallocate() }
        pa.data.withUnsafeBufferPointer { ap in
            pb.data.withUnsafeBufferPointer { bp in
                adjoint.storage.withUnsafeBufferPointer { w in
                    abar.withUnsafeMutableBufferPointer { out in
                        for j in 0..<nb {
                            let bj = j * d
                            for i in 0..<na {
                                let wij = w[i + j * na]
                                if wij == 0 { continue }
                                let ai = i * d
                                var r2 = 0.0
                                for c in 0..<d {
                                    let t = ap[ai + c] - bp[bj + c]
                                    diff[c] = t
                                    r2 += t * t
                                }
                                let (k, dk) = profile.valueAndDerivative(r2)
                                dVar += wij * k
                                let g = wij * s2 * dk
                                if g != 0 {
                                    for c in 0..<d {
                                        let t = diff[c]
                                        dl[c] += g * t * t
                                        // ∂r²/∂a_c = 2 (a_c − b_c)/ℓ_c² = 2 t/ℓ_c with t scaled.
                                        out[ai + c] += 2 * g * t * invL[c]
                                    }
                                }
                                if nShape > 0 {
                                    let sg = profile.shapeGradient(r2)
                                    for q in 0..<nShape { dShape[q] += wij * s2 * sg[q] }
                                }
                            }
                        }
                    }
                }
            }
        }
        let gl = ls.count == 1 ? [-2 / ls[0] * dl.reduce(0, +)] : (0..<d).map { -2 / ls[$0] * dl[$0] }
        var inputs = Matrix(rows: na, cols: d)
        for i in 0..<na { for c in 0..<d { inputs[i, c] = abar[i * d + c] } }
        return (gl + [dVar] + dShape, inputs)
    }
}

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
