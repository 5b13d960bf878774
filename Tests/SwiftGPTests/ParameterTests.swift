import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

@Suite struct ParameterTests {
    let constraints: [Constraint] = [.identity, .positive, .positive(lowerBound: 1e-6), .exponential,
                                     .interval(lower: -2, upper: 3)]

    @Test func transformsRoundTrip() {
        for c in constraints {
            for xi in stride(from: -30.0, through: 30.0, by: 0.5) {
                let back = c.unconstrain(c.constrain(xi))
                // σ(ξ) resolves 1 − σ(ξ) only to ~1e−16/e^{−|ξ|}: the interval map loses ξ beyond |ξ| ≈ 15.
                if case .interval = c, abs(xi) > 15 { continue }
                #expect(abs(back - xi) <= 1e-8 * max(1, abs(xi)), "\(c) at ξ = \(xi): \(back)")
            }
        }
    }

    @Test func transformDerivativesMatchFiniteDifferences() {
        for c in constraints {
            for xi in [-5.0, -0.3, 0, 0.8, 4] {
                let fd = FiniteDifferences.gradient({ c.constrain($0[0]) }, at: [xi])[0]
                #expect(abs(fd - c.derivative(xi)) < 1e-7 * max(1, abs(fd)), "\(c) at \(xi)")
            }
        }
    }

    @Test func fixedParametersAreLeftOutOfTheVector() {
        var k = RBF(lengthscale: [1, 2, 3], variance: 1.5)
        k.setTrainable(false, matching: "variance")
        let space = ParameterVector(k.parameters)
        #expect(space.count == 3)
        let moved = space.parameters(at: [0.1, 0.2, 0.3])
        #expect(moved[1].value == [1.5])
        #expect(space.unconstrainedGradient([[1, 1, 1], [9]], at: [0.1, 0.2, 0.3]).count == 3)
    }

    @Test func fittingNeverMovesAFixedParameter() throws {
        let x = TestData.uniform(30, 1, seed: 3)
        let y = x.storage.map { Math.sin(2 * $0) }
        var model = ExactGP(kernel: Matern32(lengthscale: [1], variance: 1), likelihood: GaussianLikelihood(variance: 0.1))
        model.setTrainable(false, matching: "likelihood.variance")
        try model.fit(x, y)
        #expect(model.likelihood.variance.scalar == 0.1)
        #expect(model.kernel.parameters[0].scalar != 1)
    }
}
