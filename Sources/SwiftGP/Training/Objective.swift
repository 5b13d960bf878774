import GPLinearAlgebra

/// The value (to be maximised) of an objective and its gradient with respect to each parameter's
/// constrained values (one array per parameter, same shapes as `Objective.parameters`).
public struct Evaluation: Sendable {
    public var value: Double
    public var gradient: [[Double]]
    /// The largest jitter any factorisation added during this evaluation.
    public var jitter: Double

    public init(value: Double, gradient: [[Double]], jitter: Double = 0) {
        self.value = value
        self.gradient = gradient
        self.jitter = jitter
    }
}

/// A training objective (ALGORITHMS §8.2): log marginal likelihood, ELBO, Whittle, M-step objectives.
/// It is maximised. The engine (`Trainer`) owns transforms, fixed flags and optimisers.
public protocol Objective: Parameterised {
    /// The number of data points minibatches are drawn from, or nil for a deterministic objective.
    var minibatchPopulation: Int? { get }
    /// Value and gradient on the minibatch `batch` (indices into the data), or on all data when nil.
    /// - Throws: numerical failures (e.g. `LinearAlgebraError`); the optimiser treats them as −∞.
    func evaluate(batch: [Int]?) throws -> Evaluation
    /// The objective on all data, value only. Objectives whose full-data evaluation would not fit in
    /// memory (large minibatch models) override this to accumulate over chunks.
    func fullValue() throws -> Double
    /// A non-gradient update run on each iteration's minibatch before the optimiser step (natural-
    /// gradient steps on q(u), CVI site updates, E-steps). The parameters it owns must be fixed
    /// (`isTrainable == false`) so the optimiser leaves them alone. Default: nothing.
    mutating func innerStep(batch: [Int]?) throws
}

extension Objective {
    public var minibatchPopulation: Int? { nil }
    public func fullValue() throws -> Double { try evaluate(batch: nil).value }
    public mutating func innerStep(batch: [Int]?) throws {}
}

/// An objective written as a forward computation on a `Tape`; its gradient comes for free.
public protocol TapeObjective: Objective {
    /// Builds the objective from `parameters`: one leaf per entry of `self.parameters`, each a column
    /// holding that parameter's constrained values.
    func objective(on tape: Tape, parameters: [Var], batch: [Int]?) throws -> Var
}

extension TapeObjective {
    public func evaluate(batch: [Int]?) throws -> Evaluation {
        let tape = Tape()
        let leaves = parameters.map { tape.leaf($0.value) }
        let out = try objective(on: tape, parameters: leaves, batch: batch)
        let grads = tape.gradients(of: out, withRespectTo: leaves)
        return Evaluation(value: out.scalar, gradient: grads.map(\.storage), jitter: tape.maxJitter)
    }

    /// The value alone (no reverse sweep).
    public func value(batch: [Int]? = nil) throws -> Double {
        let tape = Tape()
        return try objective(on: tape, parameters: parameters.map { tape.leaf($0.value) }, batch: batch).scalar
    }
}

/// An objective built around a model value: its parameters are the model's.
public protocol ModelObjective: Objective {
    associatedtype Model: Parameterised
    var model: Model { get set }
}

extension ModelObjective {
    public var parameters: [Parameter] {
        get { model.parameters }
        set { model.parameters = newValue }
    }

    /// Trains a copy of this objective with the shared engine and returns the trained model.
    public func trained(options: FitOptions) throws -> (model: Model, report: FitReport) {
        var objective = self
        let report = try Trainer.fit(&objective, options: options)
        return (objective.model, report)
    }
}
