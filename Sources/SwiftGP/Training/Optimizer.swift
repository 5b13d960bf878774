/// A point's value and gradient in the space an optimiser moves (minimisation of −objective over ξ).
public struct OptimizerSample: Sendable {
    public var value: Double
    public var gradient: [Double]
    public init(value: Double, gradient: [Double]) {
        self.value = value
        self.gradient = gradient
    }
    /// A failed evaluation (numerical error or non-finite value): +∞, which optimisers back off from.
    public static func failed(dimension: Int) -> OptimizerSample {
        OptimizerSample(value: .infinity, gradient: [Double](repeating: .nan, count: dimension))
    }
    public var isFinite: Bool { value.isFinite && gradient.allSatisfy(\.isFinite) }
}

/// What one optimiser iteration achieved.
public enum StepOutcome: Sendable, Equatable {
    case moved
    /// No acceptable point was found along the search direction (L-BFGS line-search failure).
    case stalled
}

/// An optimiser over an unconstrained vector, minimising. One call is one iteration.
public protocol Optimizer {
    var name: String { get }
    /// Whether the optimiser needs a fresh evaluation at the current point every iteration
    /// (stochastic optimisers on minibatch objectives).
    var reevaluatesEachIteration: Bool { get }
    /// Advances `x`. `current` is the sample at `x` (evaluated by the caller when nil); on return it is
    /// the sample at the new `x` if the optimiser computed it, else nil.
    mutating func step(_ x: inout [Double], current: inout OptimizerSample?,
                       evaluate: ([Double]) -> OptimizerSample) -> StepOutcome
}

/// Adam (Kingma & Ba): β₁ = 0.9, β₂ = 0.999, ε = 1e−8, bias-corrected, optional per-step decay.
/// - Complexity: O(p) per step.
public struct Adam: Optimizer {
    public var learningRate: Double
    public var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    /// Multiplies the learning rate after every step (1 = constant).
    public var decay: Double
    private var m: [Double] = [], v: [Double] = []
    private var t = 0

    public init(learningRate: Double = 0.01, decay: Double = 1) {
        self.learningRate = learningRate
        self.decay = decay
    }

    public var name: String { "adam" }
    public var reevaluatesEachIteration: Bool { true }

    public mutating func step(_ x: inout [Double], current: inout OptimizerSample?,
                              evaluate: ([Double]) -> OptimizerSample) -> StepOutcome {
        let sample = current ?? evaluate(x)
        current = nil
        guard sample.isFinite else { return .stalled }
        if m.count != x.count {
            m = [Double](repeating: 0, count: x.count)
            v = m
            t = 0
        }
        t += 1
        let c1 = 1 - Math.pow(beta1, Double(t)), c2 = 1 - Math.pow(beta2, Double(t))
        let lr = learningRate * Math.pow(decay, Double(t - 1))
        let (beta1, beta2, epsilon) = (self.beta1, self.beta2, self.epsilon)
        precondition(sample.gradient.count == x.count, "\(sample.gradient.count) gradient entries for \(x.count) parameters")
        // Raw buffers: one pass without per-element uniqueness checks (p can be 10⁵–10⁶ for variational factors).
        sample.gradient.withUnsafeBufferPointer { gb in
            m.withUnsafeMutableBufferPointer { mb in
                v.withUnsafeMutableBufferPointer { vb in
                    x.withUnsafeMutableBufferPointer { xb in
                        // Eight lanes at a time (the same operations per entry, so the same values as one at a time).
                        let count = xb.count, full = count & ~7
                        let (g0, m0, v0, x0) = (gb.baseAddress, mb.baseAddress, vb.baseAddress, xb.baseAddress)
                        var i = 0
                        while i < full {
                            let g = load8(g0! + i)
                            let mi = beta1 * load8(m0! + i) + (1 - beta1) * g
                            let vi = beta2 * load8(v0! + i) + (1 - beta2) * g * g
                            store8(mi, m0! + i)
                            store8(vi, v0! + i)
                            store8(load8(x0! + i) - lr * (mi / c1) / ((vi / c2).squareRoot() + epsilon), x0! + i)
                            i += 8
                        }
                        for i in full..<count {
                            let g = gb[i]
                            mb[i] = beta1 * mb[i] + (1 - beta1) * g
                            vb[i] = beta2 * vb[i] + (1 - beta2) * g * g
                            xb[i] -= lr * (mb[i] / c1) / ((vb[i] / c2).squareRoot() + epsilon)
                        }
                    }
                }
            }
        }
        return .moved
    }
}

import GPLinearAlgebra
