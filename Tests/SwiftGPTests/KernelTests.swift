import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// Every kernel and composite, with ARD where it applies.
let conformanceKernels: [any Kernel] = [
    RBF(lengthscale: [0.7, 1.3, 2.0], variance: 1.5),
    Matern12(lengthscale: [0.9, 1.1, 1.6], variance: 0.8),
    Matern32(lengthscale: [1.2], variance: 1.1),
    Matern52(lengthscale: [0.6, 0.9, 1.4], variance: 2.0),
    RationalQuadratic(lengthscale: [1.1, 0.8, 1.5], variance: 1.3, alpha: 0.7),
    Periodic(lengthscale: [0.9, 1.2, 1.1], period: [1.7, 2.3, 3.1], variance: 1.2),
    Linear(variance: [0.5, 1.5, 0.9]),
    White(variance: 0.4),
    ConstantKernel(variance: 0.6),
    RBF(lengthscale: [1.0], variance: 1.0) + Periodic(lengthscale: [1.0], period: [2.0], variance: 0.5),
    Matern52(lengthscale: [1.0, 2.0, 1.5], variance: 1.0) * Linear(variance: [0.3]),
    2.5 * Matern32(lengthscale: [0.8, 1.2, 1.0], variance: 1.0),
    ActiveDimensionsKernel(Matern12(lengthscale: [0.5], variance: 1.0), dimensions: [1]) + White(variance: 0.1),
]

@Suite struct KernelConformanceTests {
    @Test(arguments: conformanceKernels.indices)
    func conforms(index: Int) {
        let kernel = conformanceKernels[index]
        // Inputs within about a lengthscale of each other, so no gradient entry is so small that
        // finite-difference rounding dominates it.
        var x = TestData.uniform(12, 3, low: -1, high: 1, seed: 11)
        // Include a duplicated point: r = 0 off the diagonal.
        for c in 0..<3 { x[5, c] = x[2, c] }
        let z = TestData.uniform(7, 3, low: -1, high: 1, seed: 12)
        let failures = KernelConformance.failures(of: kernel, x: x, z: z)
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}

/// The stationary kernels' pair sweeps work in runs of 64 points and 64 × 64 tiles: at sizes that cross
/// run and tile boundaries with ragged ends (150 = 2 · 64 + 22 points, 70 second-argument points), every
/// VJP equals a pair-by-pair reference built from the profile's scalar κ′ (to rounding).
@Suite struct LargeKernelSweepTests {
    @Test func everyVJPMatchesAPairByPairReference() {
        let ls = [0.6, 0.9, 1.4], s2 = 2.0
        let kernel = Matern52(lengthscale: ls, variance: s2)
        let profile = Matern52Profile()
        let x = TestData.uniform(150, 3, low: -1, high: 1, seed: 21)
        let z = TestData.uniform(70, 3, low: -1, high: 1, seed: 22)
        var g = SeededGenerator(seed: 23)
        let wc = Matrix(rows: 150, cols: 70, storage: g.normals(150 * 70))
        let wg = Matrix(rows: 150, cols: 150, storage: g.normals(150 * 150))
        // Reference: ∂/∂ℓ_c = Σ w σ² κ′ (−2 Δ_c²/ℓ_c), ∂/∂σ² = Σ w κ, ∂/∂x_c = Σ w σ² κ′ 2Δ_c/ℓ_c (Δ scaled).
        func reference(_ a: Matrix, _ b: Matrix, _ w: Matrix) -> (params: [Double], aBar: Matrix, bBar: Matrix) {
            var dl = [0.0, 0.0, 0.0], dv = 0.0
            var aBar = Matrix(rows: a.rows, cols: 3), bBar = Matrix(rows: b.rows, cols: 3)
            for j in 0..<b.rows {
                for i in 0..<a.rows {
                    let delta = (0..<3).map { (a[i, $0] - b[j, $0]) / ls[$0] }
                    let (k, dk) = profile.valueAndDerivative(delta.reduce(0) { $0 + $1 * $1 })
                    dv += w[i, j] * k
                    for c in 0..<3 {
                        dl[c] += w[i, j] * s2 * dk * (-2 * delta[c] * delta[c] / ls[c])
                        aBar[i, c] += w[i, j] * s2 * dk * 2 * delta[c] / ls[c]
                        bBar[j, c] -= w[i, j] * s2 * dk * 2 * delta[c] / ls[c]
                    }
                }
            }
            return (dl + [dv], aBar, bBar)
        }
        func close(_ a: [Double], _ b: [Double]) -> Bool {
            let scale = b.map(abs).max() ?? 1
            return zip(a, b).allSatisfy { abs($0 - $1) <= 1e-11 * scale }
        }
        let rc = reference(x, z, wc)
        #expect(close(kernel.crossGradient(x, z, adjoint: wc), rc.params))
        let vjp = kernel.crossVJP(x, z, adjoint: wc)
        #expect(close(vjp.parameters, rc.params))
        #expect(close(vjp.inputs.storage, rc.aBar.storage))
        #expect(close(kernel.crossInputGradient(x, z, adjoint: wc).storage, rc.bBar.storage))
        let rg = reference(x, x, wg)
        #expect(close(kernel.gramGradient(x, adjoint: wg), rg.params))
        #expect(close(kernel.gramInputGradient(x, adjoint: wg).storage, (rg.aBar + rg.bBar).storage))
        var lower = wg
        lower.symmetrizeFromLower()
        let rl = reference(x, x, lower)
        for j in 0..<150 { for i in 0..<j { lower[i, j] = .nan } }
        #expect(close(kernel.gramGradient(x, symmetricLowerAdjoint: lower), rl.params))
        // The workspace form (exact GP hot path), also far from the origin (its dsymm contraction centres
        // the inputs): the same parameter gradient.
        for shift in [0.0, 40.0] {
            var xs = x
            for i in 0..<xs.storage.count { xs.storage[i] += shift }
            var workspace = kernel.gramWithWorkspace(xs)
            for j in 0..<150 { for i in j..<150 { workspace[i, j] = lower[i, j] } }
            #expect(close(kernel.gramGradient(xs, lowerAdjointOverWorkspace: &workspace), rl.params), "shift \(shift)")
        }
    }
}

@Suite struct KernelValueTests {
    /// General half-integer Matérn (order p, ν = p + ½), docs/methods/kernels.md#half-integer-matern.
    func halfInteger(p: Int, r: Double) -> Double {
        func fact(_ k: Int) -> Double { k <= 1 ? 1 : (2...k).reduce(1.0) { $0 * Double($1) } }
        let nu = Double(p) + 0.5
        let s = (2 * nu).squareRoot() * r
        var total = 0.0
        for i in 0...p {
            total += fact(p + i) / (fact(i) * fact(p - i)) * Math.pow(2 * s, Double(p - i))
        }
        return Math.exp(-s) * fact(p) / fact(2 * p) * total
    }

    @Test func maternsMatchTheGeneralHalfIntegerFormula() {
        let x = Matrix(column: [0.0, 0.3, 1.1, 2.7])
        let kernels: [(Int, any Kernel)] = [(0, Matern12()), (1, Matern32()), (2, Matern52())]
        for (p, k) in kernels {
            let c = k.cross(x, Matrix(column: [0.0]))
            for i in 0..<4 {
                #expect(abs(c[i, 0] - halfInteger(p: p, r: x[i, 0])) < 1e-14, "p = \(p), r = \(x[i, 0])")
            }
        }
    }

    @Test func rationalQuadraticTendsToRBF() {
        let x = TestData.uniform(6, 2, seed: 3)
        let rq = RationalQuadratic(lengthscale: [0.8, 1.3], variance: 1.4, alpha: 1e8).gram(x)
        let rbf = RBF(lengthscale: [0.8, 1.3], variance: 1.4).gram(x)
        #expect(zip(rq.storage, rbf.storage).allSatisfy { abs($0 - $1) < 1e-7 })
    }

    @Test func periodicIsInvariantUnderAShiftByThePeriod() {
        let k = Periodic(lengthscale: [0.7], period: [1.9], variance: 1.0)
        let x = Matrix(column: [0.1, 0.5, 1.7])
        let shifted = Matrix(column: [0.1 + 1.9, 0.5 - 3.8, 1.7 + 5.7])
        let a = k.cross(x, x), b = k.cross(x, shifted)
        #expect(zip(a.storage, b.storage).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func ardWithEqualLengthscalesEqualsIsotropic() {
        let x = TestData.uniform(8, 3, seed: 4)
        let ard = Matern32(lengthscale: [1.3, 1.3, 1.3], variance: 0.9).gram(x)
        let iso = Matern32(lengthscale: [1.3], variance: 0.9).gram(x)
        #expect(zip(ard.storage, iso.storage).allSatisfy { abs($0 - $1) < 1e-14 })
    }

    @Test func sumAndProductEqualTheirParts() {
        let x = TestData.uniform(5, 2, seed: 5)
        let a = RBF(lengthscale: [0.9, 1.1]), b = Periodic(lengthscale: [1.0], period: [1.5])
        let s = (a + b).gram(x), p = (a * b).gram(x)
        let ka = a.gram(x), kb = b.gram(x)
        for i in 0..<25 {
            #expect(abs(s.storage[i] - ka.storage[i] - kb.storage[i]) < 1e-14)
            #expect(abs(p.storage[i] - ka.storage[i] * kb.storage[i]) < 1e-14)
        }
    }

    @Test func productFixesAllButOneVariance() {
        let k = Matern52() * Periodic()
        let trainable = k.parameters.filter { $0.name.hasSuffix("variance") }.map(\.isTrainable)
        #expect(trainable == [true, false])
    }

    @Test func parameterNamesAreQualified() {
        let k = RBF(lengthscale: [1, 2]) + Periodic()
        #expect(k.parameters.map(\.name) == ["0.lengthscale", "0.variance", "1.lengthscale", "1.period", "1.variance"])
        #expect(ParameterVector(k.parameters).names.prefix(2) == ["0.lengthscale[0]", "0.lengthscale[1]"])
    }
}

extension KernelValueTests {
    @Test func productKeepsPerDimensionVariancesTrainable() {
        let k = Matern52() * Linear(variance: [0.3, 0.4])
        let flags = k.parameters.filter { $0.name.hasSuffix("variance") }.map(\.isTrainable)
        #expect(flags == [false, true])
    }
}
