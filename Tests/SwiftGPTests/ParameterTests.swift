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

    /// Value, constraint, prior and trainability by name or pattern (issue 13): globs, prefixes and dotted
    /// suffixes; counts; typed errors that leave the model unchanged.
    @Test func parametersBySettingByPattern() throws {
        var model = ExactGP(kernel: Matern52(lengthscale: [1, 2]) + RBF(lengthscale: [3, 4]),
                            likelihood: GaussianLikelihood(variance: 0.1))
        #expect(try model.setValue([0.5, 0.6], matching: "lengthscale") == 2)
        #expect(model.parameter(named: "kernel.0.lengthscale")?.value == [0.5, 0.6])
        #expect(model.parameter(named: "kernel.1.lengthscale")?.value == [0.5, 0.6])
        #expect(try model.setValue([2], matching: "*.variance") == 3)   // both kernel variances and the noise
        #expect(model.parameters.filter { $0.name.hasSuffix("variance") }.allSatisfy { $0.value == [2] })
        #expect(model.setTrainable(false, matching: "kernel") == 4)
        #expect(model.parameters.filter { !$0.isTrainable }.map(\.name)
                == ["kernel.0.lengthscale", "kernel.0.variance", "kernel.1.lengthscale", "kernel.1.variance"])
        #expect(model.setPrior(.gamma(shape: 2, rate: 1), matching: "kernel.1.*") == 2)
        #expect(try model.setConstraint(.interval(lower: 1e-3, upper: 10), matching: "likelihood.variance") == 1)
        #expect(model.likelihood.variance.constraint == .interval(lower: 1e-3, upper: 10))

        let before = model.parameters
        #expect(throws: ParameterError.unknownName("period", known: before.map(\.name))) {
            try model.setValue([1], matching: "period")
        }
        #expect(throws: ParameterError.wrongCount("kernel.0.lengthscale", expected: 2, got: 1)) {
            try model.setValue([1], matching: "lengthscale")
        }
        #expect(throws: ParameterError.outsideConstraint("kernel.0.variance", value: [-1])) {
            try model.setValue([-1], matching: "*.variance")
        }
        #expect(throws: ParameterError.outsideConstraint("kernel.0.variance", value: [2])) {
            try model.setConstraint(.interval(lower: 0, upper: 1), matching: "variance")
        }
        #expect(model.parameters == before)
    }

    /// The parameter table (GPflow's print_summary): a header, one row per parameter.
    @Test func descriptionIsAParameterTable() throws {
        var model = ExactGP(kernel: Matern52(lengthscale: [1, 2, 3, 4, 5]), likelihood: GaussianLikelihood(variance: 0.1))
        model.setPrior(.logNormal(mu: 0, sigma: 1), matching: "lengthscale")
        model.setTrainable(false, matching: "likelihood.variance")
        #expect(model.description == """
            ExactGP
            name                 value                       constraint          prior           trainable
            -------------------  --------------------------  ------------------  --------------  ---------
            kernel.lengthscale   [1, 2, 3, 4, …] (5 values)  > 0 (softplus)      lognormal(0,1)  yes
            kernel.variance      1                           > 0 (softplus)      none            yes
            likelihood.variance  0.1                         > 1e-06 (softplus)  none            no
            """)
    }
}
