import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// A plain objective over identity-constrained parameters, for optimiser tests.
struct FunctionObjective: Objective {
    var parameters: [Parameter]
    let f: @Sendable ([Double]) throws -> (Double, [Double])
    init(start: [Double], _ f: @escaping @Sendable ([Double]) throws -> (Double, [Double])) {
        parameters = [Parameter("x", start, .identity)]
        self.f = f
    }
    func evaluate(batch: [Int]?) throws -> Evaluation {
        let (v, g) = try f(parameters[0].value)
        return Evaluation(value: v, gradient: [g])
    }
}

struct Failure: Error {}

@Suite struct OptimizerTests {
    /// Maximise −Rosenbrock.
    static let rosenbrock: @Sendable ([Double]) throws -> (Double, [Double]) = { x in
        let (a, b) = (x[0], x[1])
        let v = (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
        return (-v, [-(-2 * (1 - a) - 400 * a * (b - a * a)), -(200 * (b - a * a))])
    }

    @Test func lbfgsMinimisesRosenbrock() throws {
        var o = FunctionObjective(start: [-1.2, 1], Self.rosenbrock)
        let report = try Trainer.fit(&o, options: FitOptions(maxIterations: 200, relativeTolerance: 0))
        #expect(abs(o.parameters[0].value[0] - 1) < 1e-5 && abs(o.parameters[0].value[1] - 1) < 1e-5)
        #expect(report.converged)
        #expect(report.iterations < 100)
    }

    @Test func lbfgsSolvesAnSPDQuadratic() throws {
        let n = 8
        let m = TestData.uniform(n, n, seed: 7)
        var spd = matmul(m, m, .transposed, .none)
        spd.addToDiagonal(Double(n))
        let a = spd
        let b = TestData.uniform(n, 1, seed: 8).storage
        let solution = try Cholesky(a).solve(b)
        let quadratic: @Sendable ([Double]) throws -> (Double, [Double]) = { x in
            let ax = matvec(a, x)
            return (-(0.5 * dot(x, ax) - dot(b, x)), zip(ax, b).map { -($0 - $1) })
        }
        var o = FunctionObjective(start: [Double](repeating: 0, count: n), quadratic)
        let report = try Trainer.fit(&o, options: FitOptions(maxIterations: 100, gradientTolerance: 1e-10, relativeTolerance: 0))
        #expect(FiniteDifferences.maxRelativeError(o.parameters[0].value, solution) < 1e-9)
        #expect(report.iterations <= 3 * n)
    }

    @Test func adamConvergesOnANoisyQuadratic() throws {
        final class Noise: @unchecked Sendable { var g = SeededGenerator(seed: 5) }
        let noise = Noise()
        var o = FunctionObjective(start: [3, -2]) { x in
            let e = [noise.g.normal() * 0.1, noise.g.normal() * 0.1]
            return (-(x[0] - 1) * (x[0] - 1) - (x[1] + 0.5) * (x[1] + 0.5),
                    [-2 * (x[0] - 1) + e[0], -2 * (x[1] + 0.5) + e[1]])
        }
        try Trainer.fit(&o, options: FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: 2000,
                                                gradientTolerance: 0, relativeTolerance: 0))
        #expect(abs(o.parameters[0].value[0] - 1) < 0.05 && abs(o.parameters[0].value[1] + 0.5) < 0.05)
    }

    /// Adam's eight-lane update equals the scalar formula entry by entry, bit for bit (37 entries: a ragged end).
    @Test func adamStepIsTheScalarFormula() {
        var g = SeededGenerator(seed: 3)
        var x = (0..<37).map { _ in g.normal() }
        let gradients = (0..<3).map { _ in (0..<37).map { _ in g.normal() } }
        var adam = Adam(learningRate: 0.05, decay: 0.99)
        var (xr, m, v) = (x, [Double](repeating: 0, count: 37), [Double](repeating: 0, count: 37))
        for (t, gradient) in gradients.enumerated() {
            var current: OptimizerSample? = OptimizerSample(value: 0, gradient: gradient)
            _ = adam.step(&x, current: &current) { _ in OptimizerSample(value: 0, gradient: gradient) }
            let c1 = 1 - Math.pow(0.9, Double(t + 1)), c2 = 1 - Math.pow(0.999, Double(t + 1))
            let lr = 0.05 * Math.pow(0.99, Double(t))
            for i in 0..<37 {
                m[i] = 0.9 * m[i] + (1 - 0.9) * gradient[i]
                v[i] = 0.999 * v[i] + (1 - 0.999) * gradient[i] * gradient[i]
                xr[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
            }
            #expect(x == xr, "step \(t + 1)")
        }
    }

    @Test func lineSearchBacksOffFromFailingPoints() throws {
        // The objective throws for x > 0.5; the optimum of −(x − 0.45)² lies just inside.
        var o = FunctionObjective(start: [0]) { x in
            if x[0] > 0.5 { throw Failure() }
            return (-(x[0] - 0.45) * (x[0] - 0.45), [-2 * (x[0] - 0.45)])
        }
        var lbfgs = LBFGS()
        var x = [0.0]
        var current: OptimizerSample? = nil
        var trials: [Double] = []
        // The first trial step has unit length and lands in the failing region.
        let outcome = lbfgs.step(&x, current: &current) { p in
            trials.append(p[0])
            return p[0] > 0.5 ? .failed(dimension: 1)
                : OptimizerSample(value: (p[0] - 0.45) * (p[0] - 0.45), gradient: [2 * (p[0] - 0.45)])
        }
        #expect(outcome == .moved)
        #expect(trials.count > 2 && trials[1] > 0.5)  // the first trial point fails
        #expect(x[0] <= 0.5 && x[0] > 0)
        try Trainer.fit(&o, options: FitOptions(maxIterations: 50))
        #expect(abs(o.parameters[0].value[0] - 0.45) < 1e-5)
    }

    @Test func aFailingStartIsReported() {
        var o = FunctionObjective(start: [0]) { _ in throw Failure() }
        #expect(throws: Failure.self) { try Trainer.fit(&o) }
    }
}
