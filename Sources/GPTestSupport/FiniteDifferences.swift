import GPLinearAlgebra
import SwiftGP

/// Central finite differences and the gradient-check protocol of docs/methods/conventions.md#finite-difference-protocol.
public enum FiniteDifferences {
    /// ∂f/∂xᵢ by central differences with step h = `relativeStep` · max(1, |xᵢ|).
    public static func gradient(_ f: ([Double]) throws -> Double, at x: [Double],
                                relativeStep: Double = 1e-6) rethrows -> [Double] {
        var g = [Double](repeating: 0, count: x.count)
        for i in x.indices {
            let h = relativeStep * max(1, abs(x[i]))
            var xp = x, xm = x
            xp[i] += h
            xm[i] -= h
            g[i] = (try f(xp) - f(xm)) / (2 * h)
        }
        return g
    }

    /// The protocol's relative error |a − b| / max(floor, |a| + |b|), maximised over entries.
    public static func maxRelativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-8) -> Double {
        precondition(a.count == b.count, "gradients of different lengths \(a.count) and \(b.count)")
        return zip(a, b).map { abs($0 - $1) / max(floor, abs($0) + abs($1)) }.max() ?? 0
    }

    /// Checks an objective's gradient with respect to the unconstrained vector ξ of its trainable
    /// parameters against central differences of its value. Returns (analytic, numeric, max relative error).
    public static func check<O: Objective>(_ objective: O, batch: [Int]? = nil,
                                           relativeStep: Double = 1e-6) throws -> (analytic: [Double], numeric: [Double], error: Double) {
        let space = ParameterVector(objective.parameters)
        let xi = space.unconstrained
        var copy = objective
        let e = try copy.evaluate(batch: batch)
        let analytic = space.unconstrainedGradient(e.gradient, at: xi)
        let numeric = try gradient({ point in
            copy.parameters = space.parameters(at: point)
            return try copy.evaluate(batch: batch).value
        }, at: xi, relativeStep: relativeStep)
        return (analytic, numeric, maxRelativeError(analytic, numeric))
    }

    /// Checks the gradient over the parameters whose qualified names satisfy `selected` (the others, e.g.
    /// frozen sites, held at their values) against central differences. Returns the max relative error.
    public static func check<O: Objective>(_ objective: O, relativeStep: Double = 1e-5,
                                           selecting selected: (String) -> Bool) throws -> Double {
        let space = ParameterVector(objective.parameters, selecting: objective.parameters.map { selected($0.name) })
        let xi = space.unconstrained
        var copy = objective
        let analytic = space.unconstrainedGradient(try copy.evaluate(batch: nil).gradient, at: xi)
        let numeric = try gradient({ point in
            copy.parameters = space.parameters(at: point, fixedFrom: objective.parameters)
            return try copy.value(batch: nil)
        }, at: xi, relativeStep: relativeStep)
        return maxRelativeError(analytic, numeric)
    }

    /// Checks a tape computation: for a scalar-valued `build` of matrix inputs, compares the tape's
    /// adjoints with central differences over every input entry. Returns the max relative error.
    public static func checkTape(_ inputs: [Matrix], relativeStep: Double = 1e-6,
                                 _ build: (Tape, [Var]) throws -> Var) throws -> Double {
        let tape = Tape()
        let leaves = inputs.map { tape.leaf($0) }
        let out = try build(tape, leaves)
        let analytic = tape.gradients(of: out, withRespectTo: leaves).flatMap(\.storage)
        let flat = inputs.flatMap(\.storage)
        let numeric = try gradient({ point in
            var start = 0
            var ms: [Matrix] = []
            for m in inputs {
                ms.append(Matrix(rows: m.rows, cols: m.cols, storage: Array(point[start..<(start + m.count)])))
                start += m.count
            }
            let t = Tape()
            return try build(t, ms.map { t.leaf($0) }).scalar
        }, at: flat, relativeStep: relativeStep)
        return maxRelativeError(analytic, numeric)
    }
}
