import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Issue 11: CVI converges on counts whose means span 0.1 … 10⁴ (data-driven first sites, damping on
/// non-finite steps), where an undamped first step from the prior overflowed.
@Suite struct StateSpaceCVIRobustnessTests {
    @Test(arguments: [0.1, 1, 100, 10_000])
    func poissonCVIConvergesAcrossCountScales(scale: Double) throws {
        var g = SeededGenerator(seed: 1104)
        let t = (0..<400).map { Double($0) * 0.125 }
        let logRate = t.map { Math.log(scale) + 0.5 * Math.sin($0 / 3) }
        let y = logRate.map { Double(poissonDraw(Math.exp($0), &g)) }
        var cvi = try StateSpaceCVI(kernel: Matern52(lengthscale: [3], variance: 1), likelihood: Poisson(), times: t, y: y)
        let iterations = try cvi.run(maxIterations: 200, tolerance: 1e-8)
        #expect(iterations < 200, "CVI did not converge at scale \(scale)")
        #expect(cvi.elbo.isFinite)
        let m = cvi.training.mean
        #expect(m.allSatisfy { $0.isFinite })
        if scale >= 100 {
            // Many counts per bin: the posterior log-rate follows the truth closely.
            let err = zip(m, logRate).map { abs($0 - $1) }.reduce(0, +) / Double(m.count)
            #expect(err < 0.05, "mean |f − log λ| = \(err) at scale \(scale)")
        }
    }
}
