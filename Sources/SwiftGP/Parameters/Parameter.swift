/// A named model parameter: its constrained value(s), the constraint mapping it to unconstrained space,
/// whether training may change it, and an optional prior on its constrained value (MAP training).
///
/// Scalars hold one value; ARD lengthscales hold one per input dimension. Names are local
/// (`lengthscale`); containers qualify them (`kernel.0.lengthscale`) when they list their parameters.
public struct Parameter: Sendable, Equatable, Codable {
    public var name: String
    public var value: [Double]
    public var constraint: Constraint
    public var isTrainable: Bool
    /// A prior on each constrained value; `Trainer.fit` adds its log density to the objective.
    public var prior: Prior?

    public init(_ name: String, _ value: [Double], _ constraint: Constraint = .positive, trainable: Bool = true) {
        precondition(value.allSatisfy { constraint.contains($0) },
                     "parameter \(name) = \(value) lies outside its constraint \(constraint)")
        self.name = name
        self.value = value
        self.constraint = constraint
        self.isTrainable = trainable
    }

    public init(_ name: String, _ value: Double, _ constraint: Constraint = .positive, trainable: Bool = true) {
        self.init(name, [value], constraint, trainable: trainable)
    }

    /// The single value of a scalar parameter.
    public var scalar: Double { value[0] }
    public var count: Int { value.count }

    /// Takes value, constraint and trainability from `other`, keeping this parameter's name.
    public mutating func assign(from other: Parameter) {
        precondition(other.value.count == value.count,
                     "parameter \(name) has \(value.count) values, got \(other.value.count)")
        value = other.value
        constraint = other.constraint
        isTrainable = other.isTrainable
        prior = other.prior
    }

    /// Σ log p(θᵢ) over the values (0 without a prior).
    public var logPrior: Double {
        guard let prior else { return 0 }
        return value.reduce(0) { $0 + prior.logDensity($1) }
    }

    /// A copy named `prefix.name`.
    public func prefixed(_ prefix: String) -> Parameter {
        var p = self
        p.name = prefix.isEmpty ? name : "\(prefix).\(name)"
        return p
    }
}

/// Something with parameters: kernels, likelihoods, mean functions, models.
///
/// `parameters` lists them in a fixed order with qualified names; setting it takes values, constraints
/// and trainability from an array of the same shapes in the same order (names are ignored).
public protocol Parameterised {
    var parameters: [Parameter] { get set }
}

extension Parameterised {
    /// Total number of scalar values across all parameters.
    public var parameterValueCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The parameter called `name` (qualified), if any.
    public func parameter(named name: String) -> Parameter? { parameters.first { $0.name == name } }

    /// Sets the trainability of every parameter `pattern` names (`NamePattern.names`: a glob such as
    /// `kernel.*` or `*.variance`, a prefix such as `kernel`, or a dotted suffix such as `lengthscale`).
    /// - Returns: how many parameters matched.
    @discardableResult
    public mutating func setTrainable(_ trainable: Bool, matching pattern: NamePattern) -> Int {
        update(matching: pattern) { $0.isTrainable = trainable }
    }

    /// Sets the prior (nil removes it) of every parameter `pattern` names (`NamePattern.names`).
    /// - Returns: how many parameters matched.
    @discardableResult
    public mutating func setPrior(_ prior: Prior?, matching pattern: NamePattern) -> Int {
        update(matching: pattern) { $0.prior = prior }
    }

    /// Sets the constrained values of every parameter `pattern` names (`NamePattern.names`); each must hold
    /// `value.count` values inside its constraint. Nothing changes when one of them does not.
    /// - Returns: how many parameters matched.
    /// - Throws: `ParameterError` when no parameter matches, a count differs, or a value lies outside a
    ///   parameter's constraint.
    @discardableResult
    public mutating func setValue(_ value: [Double], matching pattern: NamePattern) throws -> Int {
        let hits = try matches(pattern)
        for p in hits {
            guard p.value.count == value.count else { throw ParameterError.wrongCount(p.name, expected: p.value.count, got: value.count) }
            guard value.allSatisfy({ p.constraint.contains($0) }) else { throw ParameterError.outsideConstraint(p.name, value: value) }
        }
        return update(matching: pattern) { $0.value = value }
    }

    /// Replaces the constraint of every parameter `pattern` names (`NamePattern.names`); their current values
    /// must lie inside the new one. Nothing changes when one does not.
    /// - Returns: how many parameters matched.
    /// - Throws: `ParameterError` when no parameter matches or a current value lies outside `constraint`.
    @discardableResult
    public mutating func setConstraint(_ constraint: Constraint, matching pattern: NamePattern) throws -> Int {
        for p in try matches(pattern) where !p.value.allSatisfy({ constraint.contains($0) }) {
            throw ParameterError.outsideConstraint(p.name, value: p.value)
        }
        return update(matching: pattern) { $0.constraint = constraint }
    }

    /// The parameters `pattern` names, in order.
    /// - Throws: `ParameterError.unknownName` when there are none.
    public func matches(_ pattern: NamePattern) throws -> [Parameter] {
        let ps = parameters.filter { pattern.names($0.name) }
        if ps.isEmpty { throw ParameterError.unknownName(pattern.text, known: parameters.map(\.name)) }
        return ps
    }

    /// Applies `change` to every parameter `pattern` names. - Returns: how many.
    private mutating func update(matching pattern: NamePattern, _ change: (inout Parameter) -> Void) -> Int {
        var ps = parameters
        var n = 0
        for i in ps.indices where pattern.names(ps[i].name) {
            change(&ps[i])
            n += 1
        }
        if n > 0 { parameters = ps }
        return n
    }

    /// Sets the constrained values of the parameter called exactly `name` (qualified).
    /// - Throws: `ParameterError` when no parameter has that name, the count differs, or a value lies
    ///   outside the parameter's constraint.
    public mutating func setValue(_ value: [Double], named name: String) throws {
        var ps = parameters
        guard let i = ps.firstIndex(where: { $0.name == name }) else {
            throw ParameterError.unknownName(name, known: ps.map(\.name))
        }
        guard ps[i].value.count == value.count else {
            throw ParameterError.wrongCount(name, expected: ps[i].value.count, got: value.count)
        }
        guard value.allSatisfy({ ps[i].constraint.contains($0) }) else {
            throw ParameterError.outsideConstraint(name, value: value)
        }
        ps[i].value = value
        parameters = ps
    }

    /// Σ log p(θ) over every parameter with a prior.
    public var logPrior: Double { parameters.reduce(0) { $0 + $1.logPrior } }
}

/// Why a parameter could not be set by name.
public enum ParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownName(String, known: [String])
    case wrongCount(String, expected: Int, got: Int)
    case outsideConstraint(String, value: [Double])

    public var description: String {
        switch self {
        case let .unknownName(n, k): return "no parameter named '\(n)' (parameters: \(k.joined(separator: ", ")))"
        case let .wrongCount(n, e, g): return "parameter '\(n)' has \(e) value\(e == 1 ? "" : "s"), got \(g)"
        case let .outsideConstraint(n, v): return "value \(v) lies outside the constraint of parameter '\(n)'"
        }
    }
}

/// Splits `parameters` into consecutive groups of the given sizes (for containers passing values to children).
func splitParameters(_ parameters: [Parameter], counts: [Int]) -> [[Parameter]] {
    precondition(parameters.count == counts.reduce(0, +), "expected \(counts.reduce(0, +)) parameters, got \(parameters.count)")
    var out: [[Parameter]] = []
    var start = 0
    for c in counts {
        out.append(Array(parameters[start..<(start + c)]))
        start += c
    }
    return out
}

/// Assigns `new` onto `old` elementwise (values, constraints, trainability; names kept).
func assignParameters(_ old: inout [Parameter], from new: [Parameter]) {
    precondition(old.count == new.count, "expected \(old.count) parameters, got \(new.count)")
    for i in old.indices { old[i].assign(from: new[i]) }
}

/// Splits a flattened gradient (e.g. a kernel VJP) into one array per parameter of `parameters`.
func splitGradient(_ flat: [Double], _ parameters: [Parameter]) -> [[Double]] {
    var out: [[Double]] = []
    var start = 0
    for p in parameters {
        out.append(Array(flat[start..<(start + p.count)]))
        start += p.count
    }
    return out
}
