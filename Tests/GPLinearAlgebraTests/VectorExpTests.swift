import Testing
import GPLinearAlgebra

@Suite struct VectorExpTests {
    /// Distance in units in the last place of the reference (glibc's exp, correctly rounded in practice).
    func ulps(_ a: Double, _ b: Double) -> Double {
        if a == b { return 0 }
        return abs(a - b) / max(b.ulp, Double.leastNonzeroMagnitude)
    }

    @Test func agreesWithTheCLibraryWithinTwoUlpsOverTheWholeRange() {
        var g = SeededGenerator(seed: 7)
        var worst = 0.0
        // Dense grid across the finite range (including subnormal results) plus random points near 0,
        // where the kernels evaluate most pairs.
        var xs: [Double] = stride(from: -745.0, through: 709.7, by: 0.0137).map { $0 }
        xs += g.normals(40_000).map { $0 * 3 }
        xs += [0, -0.0, 1e-300, -1e-300, 0.5 * 0.6931471805599453, -0.5 * 0.6931471805599453, 709.78, -708.4, -744.4]
        var i = 0
        while i < xs.count {
            var lanes = SIMD8<Double>(repeating: 0)
            for l in 0..<8 where i + l < xs.count { lanes[l] = xs[i + l] }
            let e = Math.exp(lanes)
            for l in 0..<8 where i + l < xs.count {
                let reference = Math.exp(xs[i + l])
                let u = ulps(e[l], reference)
                // Subnormal results carry fewer significant bits; compare them absolutely.
                if reference < Double.leastNormalMagnitude {
                    #expect(abs(e[l] - reference) <= 2 * Double.leastNonzeroMagnitude, "x = \(xs[i + l])")
                } else {
                    worst = max(worst, u)
                }
            }
            i += 8
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
