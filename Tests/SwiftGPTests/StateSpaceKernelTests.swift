import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Every state-space kernel of issue 5, with parameters away from 1 so scaling errors show.
let stateSpaceKernels: [(name: String, kernel: any StateSpaceKernel)] = [
    ("matern12", Matern12(lengthscale: [0.7], variance: 1.3)),
    ("matern32", Matern32(lengthscale: [1.1], variance: 0.8)),
    ("matern52", Matern52(lengthscale: [0.9], variance: 1.5)),
    ("hidamatern12", HidaMatern(order: 0, lengthscale: 1.3, variance: 0.9, frequency: 2.3)),
    ("hidamatern32", HidaMatern(order: 1, lengthscale: 1.2, variance: 1.1, frequency: 3.1)),
    ("hidamatern52", HidaMatern(order: 2, lengthscale: 1.6, variance: 0.7, frequency: 1.7)),
    ("sum", StateSpaceSum([Matern32(lengthscale: [2.5], variance: 0.6),
                           HidaMatern(order: 1, lengthscale: 0.8, variance: 0.5, frequency: 4.0)])),
]

func maxAbs(_ m: Matrix) -> Double { m.storage.map(abs).max() ?? 0 }

/// The structure of each SDE and its discretisation (docs/methods/state-space.md#sde-representation).
@Suite struct StateSpaceKernelTests {
    @Test(arguments: stateSpaceKernels.indices)
    func transitionIsTheMatrixExponential(index: Int) throws {
        let (name, k) = stateSpaceKernels[index]
        for dt in [0.0, 1e-4, 0.03, 0.4, 1.7, 6.0] {
            let expm = try matrixExponential(dt * k.feedbackMatrix)
            let a = k.transition(dt)
            let err = maxAbs(a - expm)
            #expect(err < 1e-12 * max(1, maxAbs(expm)), "\(name) Δ = \(dt): |A − expm(FΔ)| = \(err)")
        }
    }

    @Test(arguments: stateSpaceKernels.indices)
    func stationaryCovarianceSolvesTheLyapunovEquation(index: Int) {
        let (name, k) = stateSpaceKernels[index]
        let f = k.feedbackMatrix, p = k.stationaryCovariance, l = k.noiseEffectMatrix
        let lql = smallProduct(smallProduct(l, k.diffusionMatrix), l, transposeB: true)
        let residual = smallProduct(f, p) + smallProduct(p, f, transposeB: true) + lql
        #expect(maxAbs(residual) < 1e-12 * maxAbs(lql), "\(name): Lyapunov residual \(maxAbs(residual))")
        // P∞ is symmetric positive definite.
        #expect(maxAbs(p - p.transposed) == 0)
        #expect((try? Cholesky(p)) != nil)
    }

    @Test(arguments: stateSpaceKernels.indices)
    func discretisationIdentities(index: Int) {
        let (name, k) = stateSpaceKernels[index]
        let p = k.stationaryCovariance
        let h = Matrix(rows: 1, cols: k.stateDimension, storage: k.measurementVector)
        for (d1, d2) in [(0.1, 0.25), (0.7, 1.3)] {
            // A P∞ Aᵀ + Q = P∞.
            let a = k.transition(d1)
            let q = k.processNoise(d1)
            #expect(maxAbs(smallProduct(smallProduct(a, p), a, transposeB: true) + q - p) < 1e-13 * maxAbs(p))
            // Q is positive semi-definite.
            let eig = try! SymmetricEigen(q)
            #expect(eig.values.first! > -1e-13 * maxAbs(p), "\(name): Q(\(d1)) has eigenvalue \(eig.values.first!)")
            // A(Δ₁ + Δ₂) = A(Δ₁) A(Δ₂).
            let composed = smallProduct(k.transition(d1), k.transition(d2))
            #expect(maxAbs(k.transition(d1 + d2) - composed) < 1e-13, "\(name): semigroup property")
            // H A(τ) P∞ Hᵀ = k(τ), the dense kernel.
            for tau in [0.0, d1, d2, 2.2] {
                let ssm = smallProduct(smallProduct(h, k.stateCovariance(lag: tau)), h, transposeB: true).scalar
                let dense = k.cross(Matrix(column: [tau]), Matrix(column: [0])).scalar
                #expect(abs(ssm - dense) < 1e-13 * max(1, abs(dense)), "\(name): k(\(tau)) = \(dense), H A P∞ Hᵀ = \(ssm)")
            }
        }
        // Δ = 0: A = I, Q = 0 exactly.
        #expect(k.transition(0) == Matrix.identity(k.stateDimension))
        #expect(maxAbs(k.processNoise(0)) == 0)
    }

    /// Small-Δ limit Q ≈ L Q_c Lᵀ Δ; for Matérn-3/2 the leading terms are Q_c [[Δ³/3, Δ²/2], [Δ²/2, Δ]].
    @Test func smallStepProcessNoise() {
        let k = Matern32(lengthscale: [1.1], variance: 0.8)
        let qc = k.diffusionMatrix.scalar
        let dt = 1e-3
        let q = k.processNoise(dt)
        let expected = Matrix([[qc * dt * dt * dt / 3, qc * dt * dt / 2], [qc * dt * dt / 2, qc * dt]])
        for i in 0..<2 {
            for j in 0..<2 {
                let rel = abs(q[i, j] - expected[i, j]) / abs(expected[i, j])
                #expect(rel < 1e-2, "Q[\(i),\(j)] = \(q[i, j]) vs leading term \(expected[i, j])")
            }
        }
        for (_, kernel) in stateSpaceKernels {
            let l = kernel.noiseEffectMatrix
            let lql = smallProduct(smallProduct(l, kernel.diffusionMatrix), l, transposeB: true)
            let dt = 1e-5
            let err = maxAbs(kernel.processNoise(dt) - dt * lql)
            #expect(err < 0.05 * dt * maxAbs(lql), "\(kernel.summary): Q(Δ) − LQcLᵀΔ = \(err)")
        }
    }

    /// The closed-form gradient contractions against central differences and against the Fréchet
    /// derivative of the matrix exponential (docs/methods/conventions.md#matrix-exponential-derivative).
    @Test(arguments: stateSpaceKernels.indices)
    func transitionAndStationaryGradients(index: Int) throws {
        let (name, k) = stateSpaceKernels[index]
        let d = k.stateDimension
        var g = SeededGenerator(seed: 7)
        let abar = Matrix(rows: d, cols: d, storage: g.normals(d * d))
        let pbar = Matrix(rows: d, cols: d, storage: g.normals(d * d))
        let theta = k.parameters.flatMap(\.value)
        func at(_ values: [Double]) -> any StateSpaceKernel {
            var c = k
            var ps = c.parameters
            var s = 0
            for i in ps.indices {
                for j in ps[i].value.indices { ps[i].value[j] = values[s]; s += 1 }
            }
            c.parameters = ps
            return c
        }
        let dt = 0.37
        let analyticA = k.transitionGradient(dt, adjoint: abar)
        let numericA = FiniteDifferences.gradient({ at($0).transition(dt).inner(abar) }, at: theta)
        #expect(FiniteDifferences.maxRelativeError(analyticA, numericA) < 1e-6, "\(name): ∂A \(analyticA) vs \(numericA)")
        let analyticP = k.stationaryCovarianceGradient(adjoint: pbar)
        let numericP = FiniteDifferences.gradient({ at($0).stationaryCovariance.inner(pbar) }, at: theta)
        #expect(FiniteDifferences.maxRelativeError(analyticP, numericP) < 1e-6, "\(name): ∂P∞ \(analyticP) vs \(numericP)")
        // Fréchet: exp([[FΔ, ∂F Δ], [0, FΔ]]) = [[A, ∂A], [0, A]] for each parameter (∂F by differences of F).
        for (i, _) in theta.enumerated() {
            var tp = theta, tm = theta
            let step = 1e-6 * max(1, abs(theta[i]))
            tp[i] += step
            tm[i] -= step
            let dF = (1 / (2 * step)) * (at(tp).feedbackMatrix - at(tm).feedbackMatrix)
            var big = Matrix(rows: 2 * d, cols: 2 * d)
            let f = k.feedbackMatrix
            for c in 0..<d {
                for r in 0..<d {
                    big[r, c] = f[r, c] * dt
                    big[r + d, c + d] = f[r, c] * dt
                    big[r, c + d] = dF[r, c] * dt
                }
            }
            let e = try matrixExponential(big)
            var frechet = 0.0
            for c in 0..<d { for r in 0..<d { frechet += abar[r, c] * e[r, c + d] } }
            #expect(abs(frechet - analyticA[i]) < 1e-6 * max(1, abs(frechet)), "\(name): Fréchet ∂A/∂θ\(i) \(frechet) vs \(analyticA[i])")
        }
    }

    /// The dense side of the new kernels: symmetry, PSD, gradients and input gradients.
    @Test func denseConformance() {
        var x = Matrix(column: TestData.uniform(12, 1, low: 0, high: 5, seed: 3).storage)
        x[5, 0] = x[2, 0]
        let z = Matrix(column: TestData.uniform(7, 1, low: 0, high: 5, seed: 4).storage)
        for (name, k) in stateSpaceKernels {
            let failures = KernelConformance.failures(of: k, x: x, z: z)
            #expect(failures.isEmpty, "\(name): \(failures.joined(separator: "\n"))")
        }
    }

    /// ω = 0 recovers the Matérn kernel of the same order, densely and in state space.
    @Test func hidaMaternAtZeroFrequencyIsMatern() {
        let x = Matrix(column: [0, 0.3, 1.1, 2.9])
        let pairs: [(HidaMatern, any Kernel)] = [
            (HidaMatern(order: 0, lengthscale: 0.8, variance: 1.2, frequency: 0), Matern12(lengthscale: [0.8], variance: 1.2)),
            (HidaMatern(order: 1, lengthscale: 0.8, variance: 1.2, frequency: 0), Matern32(lengthscale: [0.8], variance: 1.2)),
            (HidaMatern(order: 2, lengthscale: 0.8, variance: 1.2, frequency: 0), Matern52(lengthscale: [0.8], variance: 1.2)),
        ]
        for (hm, m) in pairs { #expect(maxAbs(hm.gram(x) - m.gram(x)) < 1e-14) }
    }

    /// Spectral densities (docs/methods/state-space.md#spectral-density): (1/2π)∫S = σ², S = Q_c |H(iω − F)⁻¹L|², and the HM spectrum is symmetric.
    @Test(arguments: stateSpaceKernels.indices)
    func spectralDensity(index: Int) {
        let (name, k) = stateSpaceKernels[index]
        // ω = tan φ maps the real line to (−π/2, π/2); midpoint rule on 200 000 panels.
        let panels = 200_000
        var integral = 0.0
        for i in 0..<panels {
            let phi = -Double.pi / 2 + (Double(i) + 0.5) * Double.pi / Double(panels)
            let c = Math.cos(phi)
            integral += k.spectralDensity(Math.sin(phi) / c) / (c * c)
        }
        integral *= Double.pi / Double(panels) / (2 * Double.pi)
        let k0 = k.diagonal(Matrix(column: [0])).first!
        #expect(abs(integral - k0) < 1e-6 * k0, "\(name): (1/2π)∫S = \(integral), k(0) = \(k0)")
        for w in [0.0, 0.4, 2.0, 7.5] {
            #expect(abs(k.spectralDensity(w) - k.spectralDensity(-w)) <= 1e-14 * k.spectralDensity(w))
            // Transfer function: S(ω) = Σ_ab |(H(iω − F)⁻¹L)_a|² Q_c,ab for diagonal Q_c.
            let s = transferSpectrum(k, w)
            #expect(abs(s - k.spectralDensity(w)) < 1e-10 * s, "\(name): S(\(w)) = \(k.spectralDensity(w)) vs SDE \(s)")
        }
    }

    /// Q_c |H (iωI − F)⁻¹ L|² by a complex solve (real 2d × 2d system), for diagonal Q_c.
    func transferSpectrum(_ k: any StateSpaceKernel, _ w: Double) -> Double {
        let d = k.stateDimension, f = k.feedbackMatrix, l = k.noiseEffectMatrix, qc = k.diffusionMatrix
        let h = k.measurementVector
        // (iω − F)ᵀ Hᵀ... solve (iωI − F)ᵀ g = Hᵀ: [[−Fᵀ, −ωI], [ωI, −Fᵀ]] [gr; gi] = [h; 0].
        var m = Matrix(rows: 2 * d, cols: 2 * d)
        for i in 0..<d {
            for j in 0..<d {
                m[i, j] = -f[j, i]
                m[i + d, j + d] = -f[j, i]
            }
            m[i, i + d] = -w
            m[i + d, i] = w
        }
        let rhs = Matrix(column: h + [Double](repeating: 0, count: d))
        let g = try! solveGeneral(m, rhs)
        var s = 0.0
        for c in 0..<l.cols {
            var re = 0.0, im = 0.0
            for i in 0..<d {
                re += g.storage[i] * l[i, c]
                im += g.storage[i + d] * l[i, c]
            }
            s += qc[c, c] * (re * re + im * im)
        }
        return s
    }

    /// `Matern32(...) + HidaMatern(...)` is a `SumKernel`; the throwing initialiser gives the same model as the
    /// explicit `StateSpaceSum`, and refuses a kernel without a state-space form with a typed error.
    @Test func sumOfStateSpaceKernelsBuildsAStateSpaceGP() throws {
        let times = (0..<30).map { 0.37 * Double($0) }
        let y = times.map { Math.sin($0) }
        let viaSum = try StateSpaceGP(kernel: Matern32(lengthscale: [2.5], variance: 0.6)
                                          + HidaMatern(order: 1, lengthscale: 0.8, variance: 0.5, frequency: 4.0))
        let explicit = StateSpaceGP(kernel: StateSpaceSum([Matern32(lengthscale: [2.5], variance: 0.6),
                                                           HidaMatern(order: 1, lengthscale: 0.8, variance: 0.5, frequency: 4.0)]))
        #expect(try viaSum.logMarginalLikelihood(times, y) == explicit.logMarginalLikelihood(times, y))
        #expect(viaSum.parameters.map(\.name) == explicit.parameters.map(\.name))
        #expect(throws: StateSpaceError.noStateSpaceForm(kernel: (RBF() + Matern52()).summary)) {
            try StateSpaceGP(kernel: RBF() + Matern52())
        }
    }
}
