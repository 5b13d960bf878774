import Foundation
import Testing
import GPLinearAlgebra

@Suite struct VectorLogTests {
    @Test func agreesWithTheCLibraryWithinOneUlpOverTheWholeRange() {
        var g = SeededGenerator(seed: 11)
        // Log-uniform across the normal range, subnormals, and dense points near 1 (where log x is small and the
        // reduction's rounding matters most) and near √2/2, √2 (the reduction's boundaries).
        var xs: [Double] = stride(from: -1074.0, through: 1023.9, by: 0.0173).map { exp2($0) }
        xs += (0..<40_000).map { _ in 1 + (g.uniform() - 0.5) * 0.1 }
        xs += (0..<20_000).map { _ in 0.5 + 1.5 * g.uniform() }
        xs += [1, 1.0.nextUp, 1.0.nextDown, 0.5.squareRoot(), 2.0.squareRoot(), 0.7071067811865476.nextDown, 1.4142135623730951.nextUp,
               Double.leastNormalMagnitude, Double.leastNormalMagnitude.nextDown, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude]
        var worst = 0.0
        eachLane(xs, padding: 1, Math.log) { x, r in
            let u = ulps(r, Math.log(x))
            worst = max(worst, u)
            #expect(u <= 1, "x = \(x): \(r) vs \(Math.log(x))")
        }
        #expect(xs.count > 150_000)
        print("vector log: worst error \(worst) ulp")
    }

    @Test func specialValues() {
        let r = Math.log(SIMD8<Double>(.nan, .infinity, 0, -0.0, -1, -.infinity, 1, 2.718281828459045))
        #expect(r[0].isNaN)
        #expect(r[1] == .infinity)
        #expect(r[2] == -.infinity && r[3] == -.infinity)
        #expect(r[4].isNaN && r[5].isNaN)
        #expect(r[6] == 0)
        #expect(abs(r[7] - 1) <= 1.0.ulp)
    }
}
