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

/// A training objective (docs/methods/training.md#objectives): log marginal likelihood, ELBO, Whittle, M-step objectives.
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
    /// The value alone on `batch` (no gradient). Default: `evaluate(batch:).value`; tape objectives skip
    /// the reverse sweep.
    func value(batch: [Int]?) throws -> Double
    /// What the start screen needs to know about the data (`StartScreen`), or nil (no screen).
    var dataSummary: DataSummary? { get }
    /// The value the start screen ranks a candidate by. Default: `value(batch: nil)`. An objective whose
    /// value at a candidate depends on state that is not a hyperparameter (SVGP's q(u)) first adapts that
    /// state to the candidate, in place: the screen starts its optimisations from the adapted parameters.
    mutating func screeningValue() throws -> Double
    /// A closed-form update of the parameters `names` (qualified) on the minibatch `batch`: a natural-
    /// gradient step on q(u), a CVI site update. `Trainer.fit` calls it, once per iteration before the
    /// gradient updaters, for each parameter group whose updater is closed-form; those parameters are out
    /// of every gradient updater's reach. Default: throws `TrainingError.unsupportedUpdate`.
    mutating func update(_ update: ClosedFormUpdate, parameters names: [String], batch: [Int]?) throws
}

extension Objective {
    public var minibatchPopulation: Int? { nil }
    public func fullValue() throws -> Double { try evaluate(batch: nil).value }
    public func value(batch: [Int]?) throws -> Double { try evaluate(batch: batch).value }
    public var dataSummary: DataSummary? { nil }
    public mutating func screeningValue() throws -> Double { try value(batch: nil) }
    public mutating func update(_ update: ClosedFormUpdate, parameters names: [String], batch: [Int]?) throws {
        throw TrainingError.unsupportedUpdate(updater: "\(update)", objective: "\(Self.self)")
    }
}

/// An objective written as a forward computation on a `Tape`; its gradient comes for free.
public protocol TapeObjective: Objective {
    /// Builds the objective from `parameters`: one leaf per entry of `self.parameters`, each a column
    /// holding that parameter's constrained values, read by qualified name.
    func objective(on tape: Tape, parameters: ParameterLeaves, batch: [Int]?) throws -> Var
}

extension TapeObjective {
    public func evaluate(batch: [Int]?) throws -> Evaluation {
        let tape = Tape()
        let leaves = ParameterLeaves(parameters, on: tape)
        let out = try objective(on: tape, parameters: leaves, batch: batch)
        let grads = tape.gradients(of: out, withRespectTo: leaves.all)
        return Evaluation(value: out.scalar, gradient: grads.map(\.storage), jitter: tape.maxJitter)
    }

    /// The value alone (no reverse sweep).
    public func value(batch: [Int]?) throws -> Double {
        let tape = Tape()
        return try objective(on: tape, parameters: ParameterLeaves(parameters, on: tape), batch: batch).scalar
    }

    /// The value on all data (no reverse sweep).
    public func value() throws -> Double { try value(batch: nil) }
}

/// The tape leaves of an objective's parameters, looked up by qualified name
/// (docs/methods/training.md#named-parameters): `p["likelihood.variance"]`, `p.scoped("kernel")`.
/// - Complexity: O(p) to build; O(1) per name lookup, O(p) per scope.
public struct ParameterLeaves {
    public let names: [String]
    /// One leaf per parameter, in the objective's order.
    public let all: [Var]
    private let index: [String: Int]

    /// One leaf per parameter, holding its constrained values as a column.
    public init(_ parameters: [Parameter], on tape: Tape) {
        self.init(names: parameters.map(\.name), leaves: parameters.map { tape.leaf($0.value) })
    }

    public init(names: [String], leaves: [Var]) {
        precondition(names.count == leaves.count, "one name per leaf")
        self.names = names
        all = leaves
        var index: [String: Int] = [:]
        for (i, n) in names.enumerated() where index[n] == nil { index[n] = i }
        self.index = index
    }

    /// The leaf of the parameter called exactly `name`. A missing name is a programming error in the
    /// objective (names come from the objective's own `parameters`), not a user-data condition.
    public subscript(_ name: String) -> Var {
        guard let i = index[name] else { preconditionFailure("no parameter named \(name) among \(names)") }
        return all[i]
    }

    /// The leaves of every parameter named `prefix.…`, in order (a component's own parameter list).
    public func scoped(_ prefix: String) -> [Var] {
        let p = prefix + "."
        return names.indices.filter { names[$0].hasPrefix(p) }.map { all[$0] }
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
