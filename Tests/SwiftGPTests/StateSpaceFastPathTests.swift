import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// The unrolled Matérn-5/2 filter against the general filter (the same kernel wrapped in a one-part
/// `StateSpaceSum`, which takes the general path), including missing observations and per-step noise.
@Suite struct StateSpaceFastPathTests {
    func run(_ kernel: any StateSpaceKernel, times: [Double], y: [Double], noise: [Double]?) -> (Double, [Matrix]) {
        let tape = Tape()
        let params = kernel.parameters.map { tape.leaf($0.value) }
        let r = tape.leaf(y)
        let s = tape.leaf(Matrix(scalar: 0.3))
        let out = noise.map { kalmanLogLikelihood(kernel: kernel, times: times, residual: r, kernelParameters: params, noiseVariances: $0) }
            ?? kalmanLogLikelihood(kernel: kernel, times: times, residual: r, kernelParameters: params, noiseVariance: s)
        return (out.scalar, tape.gradients(of: out, withRespectTo: params + [r, s]))
    }

    @Test(arguments: [false, true])
    func unrolledMatern52MatchesTheGeneralFilter(perStepNoise: Bool) {
        var g = SeededGenerator(seed: 90)
        var t = 0.0
        let times = (0..<300).map { _ in t += 0.05 + 0.3 * g.uniform(); return t }
        var y = (0..<300).map { Math.sin(times[$0]) + 0.3 * g.normal() }
        for i in [0, 7, 150, 151, 299] { y[i] = .nan }
        let noise = perStepNoise ? (0..<300).map { _ in 0.1 + 0.4 * g.uniform() } : nil
        let kernel = Matern52(lengthscale: [0.8], variance: 1.3)
        let (fast, gFast) = run(kernel, times: times, y: y, noise: noise)
        let (general, gGeneral) = run(StateSpaceSum([kernel]), times: times, y: y, noise: noise)
        #expect(abs(fast - general) <= 1e-12 * abs(general), "\(fast) vs \(general)")
        for (a, b) in zip(gFast, gGeneral) {
            #expect(FiniteDifferences.maxRelativeError(a.storage, b.storage, floor: 1e-12) < 1e-10)
        }
    }
}
