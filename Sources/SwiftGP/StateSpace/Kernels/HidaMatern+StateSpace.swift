import GPLinearAlgebra

/// The Hida–Matérn state space: Matérn ⊗ resonator (BayesNewton's product with `Cosine`;
/// docs/methods/state-space.md#hida-matern-kernel). With the Matérn companion form (F_M, P∞_M, A_M, Q_c^M) of order p and the rotation
/// R(θ) = [[cos θ, −sin θ], [sin θ, cos θ]], the state index (i, a) ↦ 2i + a, d = 2(p + 1):
///
///     F = F_M ⊗ I₂ + I ⊗ [[0, −ω], [ω, 0]],   A(Δ) = A_M(Δ) ⊗ R(ωΔ),   P∞ = P∞_M ⊗ I₂,
///     Q(Δ) = Q_M(Δ) ⊗ I₂,   L = L_M ⊗ I₂,   Q_c = Q_c^M I₂,   H = H_M ⊗ [1, 0],
///
/// so H A(τ) P∞ Hᵀ = k_M(τ) cos ωτ. Spectral density S(ν) = ½[S_M(ν − ω) + S_M(ν + ω)] (two-sided; cvhmax
/// omits the ½, docs/methods/state-space.md#spectral-density). Gradients: ∂A/∂λ = ∂A_M/∂λ ⊗ R, ∂A/∂ω = A_M ⊗ Δ J R with
/// J = [[0, −1], [1, 0]]; P∞ does not depend on ω.
/// - Complexity: O(d²) per transition and per gradient contraction.
extension HidaMatern: StateSpaceKernel {
    var maternStateSpace: MaternStateSpace {
        MaternStateSpace(order: order, lengthscale: lengthscale.scalar, variance: variance.scalar)
    }

    public var stateDimension: Int { 2 * (order + 1) }

    public var feedbackMatrix: Matrix {
        let m = maternStateSpace, dm = order + 1, w = frequency.scalar
        var f = Matrix(rows: 2 * dm, cols: 2 * dm)
        for i in 0..<dm {
            for j in 0..<dm {
                let v = m.feedback(i, j)
                f[2 * i, 2 * j] = v
                f[2 * i + 1, 2 * j + 1] = v
            }
            f[2 * i, 2 * i + 1] -= w
            f[2 * i + 1, 2 * i] += w
        }
        return f
    }

    public var noiseEffectMatrix: Matrix {
        var l = Matrix(rows: stateDimension, cols: 2)
        l[2 * order, 0] = 1
        l[2 * order + 1, 1] = 1
        return l
    }

    public var diffusionMatrix: Matrix {
        let q = maternStateSpace.diffusion
        return Matrix(diagonal: [q, q])
    }

    public var measurementVector: [Double] {
        var h = [Double](repeating: 0, count: stateDimension)
        h[0] = 1
        return h
    }

    public func spectralDensity(_ nu: Double) -> Double {
        let m = maternStateSpace, w = frequency.scalar
        return 0.5 * (m.spectralDensity(nu - w) + m.spectralDensity(nu + w))
    }

    public func writeStationaryCovariance(into p: UnsafeMutablePointer<Double>, stride s: Int) {
        let m = maternStateSpace, dm = order + 1
        for j in 0..<dm {
            for i in 0..<dm {
                let v = m.stationary(i, j)
                p[2 * i + 2 * j * s] = v
                p[2 * i + 1 + 2 * j * s] = 0
                p[2 * i + (2 * j + 1) * s] = 0
                p[2 * i + 1 + (2 * j + 1) * s] = v
            }
        }
    }

    public func writeTransition(_ dt: Double, into a: UnsafeMutablePointer<Double>, stride s: Int) {
        let m = maternStateSpace, dm = order + 1
        let theta = frequency.scalar * dt
        let c = Math.cos(theta), sn = Math.sin(theta)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 9) { buffer in
            let am = buffer.baseAddress!
            m.writeTransition(dt, into: am, stride: dm)
            for j in 0..<dm {
                for i in 0..<dm {
                    let v = am[i + j * dm]
                    a[2 * i + 2 * j * s] = v * c
                    a[2 * i + 1 + 2 * j * s] = v * sn
                    a[2 * i + (2 * j + 1) * s] = -v * sn
                    a[2 * i + 1 + (2 * j + 1) * s] = v * c
                }
            }
        }
    }

    public func accumulateTransitionGradient(_ dt: Double, transition: UnsafePointer<Double>, adjoint g: UnsafePointer<Double>,
                                             stride s: Int, into gradient: UnsafeMutablePointer<Double>) {
        let m = maternStateSpace, dm = order + 1
        let theta = frequency.scalar * dt
        let c = Math.cos(theta), sn = Math.sin(theta)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 18) { buffer in
            let am = buffer.baseAddress!
            let gm = am + 9
            m.writeTransition(dt, into: am, stride: dm)
            var domega = 0.0
            for j in 0..<dm {
                for i in 0..<dm {
                    let g00 = g[2 * i + 2 * j * s], g10 = g[2 * i + 1 + 2 * j * s]
                    let g01 = g[2 * i + (2 * j + 1) * s], g11 = g[2 * i + 1 + (2 * j + 1) * s]
                    // Ā_M,ij = Σ_ab Ā_(2i+a)(2j+b) R_ab.
                    gm[i + j * dm] = g00 * c + g10 * sn - g01 * sn + g11 * c
                    // Σ_ab Ā_(2i+a)(2j+b) (J R)_ab, J R = [[−sin, −cos], [cos, −sin]].
                    domega += am[i + j * dm] * (-g00 * sn + g10 * c - g01 * c - g11 * sn)
                }
            }
            let dl = m.transitionLambdaContraction(dt, transition: am, adjoint: gm, stride: dm)
            gradient[0] += dl * m.lambdaDerivativeWithRespectToLengthscale(lengthscale.scalar)
            gradient[2] += dt * domega
        }
    }

    public func accumulateStationaryCovarianceGradient(adjoint g: UnsafePointer<Double>, stride s: Int,
                                                       into gradient: UnsafeMutablePointer<Double>) {
        let m = maternStateSpace, dm = order + 1
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 9) { buffer in
            let gm = buffer.baseAddress!
            for j in 0..<dm {
                for i in 0..<dm { gm[i + j * dm] = g[2 * i + 2 * j * s] + g[2 * i + 1 + (2 * j + 1) * s] }
            }
            let (dl, dv) = m.stationaryContraction(adjoint: gm, stride: dm)
            gradient[0] += dl * m.lambdaDerivativeWithRespectToLengthscale(lengthscale.scalar)
            gradient[1] += dv
        }
    }
}
