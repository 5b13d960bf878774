import Testing
import GPLinearAlgebra

@Suite struct VectorExpTests {
    @Test func agreesWithTheCLibraryWithinTwoUlpsOverTheWholeRange() {
        var g = SeededGenerator(seed: 7)
        var worst = 0.0
        // Dense grid across the finite range (including subnormal results) plus random points near 0,
        // where the kernels evaluate most pairs.
        var xs: [Double] = stride(from: -745.0, through: 709.7, by: 0.0137).map { $0 }
        xs += g.normals(40_000).map { $0 * 3 }
        xs += [0, -0.0, 1e-300, -1e-300, 0.5 * 0.6931471805599453, -0.5 * 0.6931471805599453, 709.78, -708.4, -744.4]
        eachLane(xs, padding: 0, Math.exp) { x, e in
            let reference = Math.exp(x)
            // Subnormal results carry fewer significant bits; compare them absolutely.
            if reference < Double.leastNormalMagnitude {
                #expect(abs(e - reference) <= 2 * Double.leastNonzeroMagnitude, "x = \(x)")
            } else {
                worst = max(worst, ulps(e, reference))
            }
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
    }

    @Test func specialValues() {
        let e = Math.exp(SIMD8<Double>(.nan, .infinity, -.infinity, 710, 0, 0, 0, 0))
        #expect(e[0].isNaN)
        #expect(e[1] == .infinity)
        #expect(e[2] == 0)
        #expect(e[3] == .infinity)
        let f = Math.exp(SIMD8<Double>(-746, -800, 0, 1, 0, 0, 0, 0))
        #expect(f[0] == 0 && f[1] == 0)
        #expect(f[2] == 1)
        #expect(abs(f[3] - 2.718281828459045) <= 2.718281828459045.ulp)
        #expect(Math.vectorExp(-3.25) == Math.exp(SIMD8<Double>(repeating: -3.25))[0])
    }
}
