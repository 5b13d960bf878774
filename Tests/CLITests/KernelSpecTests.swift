import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// Kernel expressions and the Codable kernel tree.
@Suite struct KernelSpecTests {
    /// Encodes, decodes and rebuilds `kernel`; checks parameters (values, constraints, trainability) and
    /// covariances are identical.
    func roundTrip(_ kernel: any Kernel, dimension: Int) throws {
        let data = try JSONEncoder().encode(KernelSpec(kernel))
        let spec = try JSONDecoder().decode(KernelSpec.self, from: data)
        #expect(spec == KernelSpec(kernel))
        let rebuilt = try spec.makeKernel(inputDimension: dimension)
        #expect(rebuilt.parameters == kernel.parameters, "\(kernel.summary)")
        #expect(rebuilt.summary == kernel.summary)
        let x = TestData.uniform(7, dimension, seed: 3), z = TestData.uniform(4, dimension, seed: 4)
        #expect(rebuilt.gram(x) == kernel.gram(x))
        #expect(rebuilt.cross(x, z) == kernel.cross(x, z))
    }

    @Test func everyKindRoundTripsExactly() throws {
        var matern = Matern52(lengthscale: [0.3, 1.7, 2.2], variance: 1.9)
        matern.lengthscale.constraint = .interval(lower: 0.01, upper: 10)
        var periodic = Periodic(lengthscale: [0.9], period: [1.1, 2.3, 0.7], variance: 0.4)
        periodic.period.constraint = .exponential
        periodic.period.isTrainable = false
        var linear = Linear(variance: [0.1, 0.2, 0.3])
        linear.variance.constraint = .positive(lowerBound: 0.05)
        let kernels: [any Kernel] = [
            RBF(lengthscale: [0.1 + 0.2, 1e-7, 12345.678], variance: 3.3),
            Matern12(lengthscale: [0.5]), Matern32(lengthscale: [1, 2, 3]), matern,
            RationalQuadratic(lengthscale: [0.7, 0.8, 0.9], variance: 1.2, alpha: 0.35),
            periodic, linear, White(variance: 0.01), ConstantKernel(variance: 2),
            SumKernel([matern, ProductKernel([linear, RBF(lengthscale: [1, 1, 1], variance: 5)])]),
            ScaledKernel(periodic, scale: 4.5),
            ActiveDimensionsKernel(Matern32(lengthscale: [0.4, 0.6]), dimensions: [2, 0]) + White(variance: 0.2),
            ProductKernel([matern, periodic, RBF(lengthscale: [2])]),
        ]
        for k in kernels { try roundTrip(k, dimension: 3) }
    }

    @Test func productKeepsItsFixedVariancesThroughAModelFile() throws {
        // One variance stays trainable: the linear kernel's per-dimension ones; the scalar ones are fixed.
        let kernel = try KernelExpression(parsing: "rbf * matern52 * linear").makeKernel(dimension: 2)
        let fixed = kernel.parameters.filter { !$0.isTrainable }.map(\.name)
        #expect(fixed == ["0.variance", "1.variance"])
        try roundTrip(kernel, dimension: 2)
        let spec = try JSONDecoder().decode(KernelSpec.self, from: try JSONEncoder().encode(KernelSpec(kernel)))
        #expect(try spec.makeKernel().parameters.filter { !$0.isTrainable }.map(\.name) == fixed)
    }

    @Test func expressionsParseWithPrecedenceAndWhitespace() throws {
        #expect(try KernelExpression(parsing: "rbf") == .base("rbf"))
        #expect(try KernelExpression(parsing: " matern52+periodic ") == .sum([.base("matern52"), .base("periodic")]))
        #expect(try KernelExpression(parsing: "rbf + linear*periodic")
                == .sum([.base("rbf"), .product([.base("linear"), .base("periodic")])]))
        #expect(try KernelExpression(parsing: "(rbf + linear) * RQ")
                == .product([.sum([.base("rbf"), .base("linear")]), .base("rq")]))
        let k = try KernelExpression(parsing: "matern12 + matern32 * periodic").makeKernel(dimension: 4)
        #expect(k.kind == "sum")
        #expect(k.children.map(\.kind) == ["matern12", "product"])
        #expect(k.parameter(named: "0.lengthscale")?.value == [1, 1, 1, 1])
        #expect(k.parameter(named: "1.1.period")?.value == [1, 1, 1, 1])
        let linear = try KernelExpression(parsing: "linear").makeKernel(dimension: 3)
        #expect(linear.parameters[0].value == [1, 1, 1])
    }

    @Test(arguments: [("", "empty kernel expression"), ("rbf +", "expected a kernel name"),
                      ("rbf ** linear", "expected a kernel name, found '*'"), ("(rbf", "expected ')'"),
                      ("rbf linear", "unexpected 'l'"), ("rbf - linear", "unexpected '-'")])
    func malformedExpressionsAreRejected(text: String, message: String) {
        #expect { try KernelExpression(parsing: text) } throws: { "\($0)".contains(message) }
    }

    @Test func unknownNamesListTheValidOnes() {
        #expect(throws: KernelExpressionError.unknownName("sqexp", valid: KernelExpression.names)) {
            try KernelExpression(parsing: "matern52 + sqexp")
        }
        let message = KernelExpressionError.unknownName("sqexp", valid: KernelExpression.names).description
        #expect(message.contains("rbf, matern12, matern32, matern52, rq, periodic, linear"))
    }

    @Test func specsAreCheckedAgainstTheInputDimension() throws {
        let spec = KernelSpec(RBF(lengthscale: [1, 2]))
        #expect(throws: ModelFileError.self) { try spec.makeKernel(inputDimension: 3) }
        #expect(throws: ModelFileError.self) {
            try KernelSpec(ActiveDimensionsKernel(RBF(), dimensions: [4])).makeKernel(inputDimension: 2)
        }
        var missing = spec
        missing.parameters.removeLast()
        #expect { try missing.makeKernel() } throws: { "\($0)".contains("expected [lengthscale, variance]") }
        var vectorVariance = spec
        vectorVariance.parameters[1].value = [1, 2]
        #expect { try vectorVariance.makeKernel() } throws: { "\($0)".contains("single value") }
        #expect(throws: ModelFileError.self) { try KernelSpec(kind: "sum").makeKernel() }
    }
}
