/// A named model parameter: its constrained value(s), the constraint mapping it to unconstrained space,
/// and whether the optimiser may change it.
///
/// Scalars hold one value; ARD lengthscales hold one per input dimension. Names are local
/// (`lengthscale`); containers qualify them (`kernel.0.lengthscale`) when they list their parameters.
public struct Parameter: Sendable, Equatable, Codable {
    public var name: String
    public var value: [Double]
    public var constraint: Constraint
    public var isTrainable: Bool

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

    /// Sets the trainability of every parameter whose qualified name is `name` or ends in `.name`.
    public mutating func setTrainable(_ trainable: Bool, matching name: String) {
        var ps = parameters
        for i in ps.indices where ps[i].name == name || ps[i].name.hasSuffix("." + name) { ps[i].isTrainable = trainable }
        parameters = ps
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
