import Foundation

/// One parameter as stored in a model file: name, constrained values, constraint, trainability and prior.
///
/// The on-disk form is independent of `Parameter`'s in-memory layout so the file format can stay stable:
/// `{"name": "lengthscale", "value": [1.2, 0.8], "constraint": {"type": "positive", "lower": 0},
/// "trainable": true}`. Values round-trip exactly (JSON numbers are written in shortest round-trip form).
public struct ParameterRecord: Codable, Sendable, Equatable {
    public var name: String
    public var value: [Double]
    public var constraint: ConstraintRecord
    public var trainable: Bool
    /// The prior on the constrained values in `--prior` form (`lognormal(0,1)`); absent without one.
    public var prior: String?

    public init(_ p: Parameter) {
        name = p.name
        value = p.value
        constraint = ConstraintRecord(p.constraint)
        trainable = p.isTrainable
        prior = p.prior?.description
    }

    /// The parameter, after checking that every value is finite and inside its constraint.
    /// - Throws: `ModelFileError.invalid` naming the parameter (qualified by `path`).
    public func parameter(at path: String) throws -> Parameter {
        let qualified = path.isEmpty ? name : "\(path).\(name)"
        let c = try constraint.constraint(at: qualified)
        guard !value.isEmpty else { throw ModelFileError.invalid(detail: "parameter '\(qualified)' has no values") }
        for v in value where !ConstraintRecord.admits(c, v) {
            throw ModelFileError.invalid(detail: "parameter '\(qualified)' = \(v) lies outside its constraint \(constraint)")
        }
        // Build with a value known to be valid, then assign (the initialiser checks the default constraint).
        var p = Parameter(name, [Double](repeating: 1, count: value.count), .identity, trainable: trainable)
        p.value = value
        p.constraint = c
        if let text = prior {
            do { p.prior = try Prior(parsing: text) } catch {
                throw ModelFileError.invalid(detail: "parameter '\(qualified)' has an invalid prior: \(error)")
            }
        }
        return p
    }
}

/// A `Constraint` as stored in a model file: `{"type": "identity" | "positive" | "exponential" |
/// "interval", "lower": …, "upper": …}` (bounds only where the type has them).
public struct ConstraintRecord: Codable, Sendable, Equatable, CustomStringConvertible {
    public var type: String
    public var lower: Double?
    public var upper: Double?

    public init(_ c: Constraint) {
        switch c {
        case .identity: type = "identity"
        case let .positive(b): type = "positive"; lower = b
        case .exponential: type = "exponential"
        case let .interval(a, b): type = "interval"; lower = a; upper = b
        }
    }

    /// The constraint. - Throws: `ModelFileError.invalid` for an unknown type or missing bounds.
    public func constraint(at name: String) throws -> Constraint {
        switch (type, lower, upper) {
        case ("identity", _, _): return .identity
        case let ("positive", b, _): return .positive(lowerBound: b ?? 0)
        case ("exponential", _, _): return .exponential
        case let ("interval", a?, b?) where a < b: return .interval(lower: a, upper: b)
        case ("interval", _, _):
            throw ModelFileError.invalid(detail: "parameter '\(name)': an interval constraint needs lower < upper")
        default:
            throw ModelFileError.invalid(
                detail: "parameter '\(name)': unknown constraint type '\(type)' (valid: identity, positive, exponential, interval)")
        }
    }

    /// Whether θ lies in the closure of the constraint's domain: training can end exactly on a bound
    /// (e.g. softplus underflow puts a noise variance on its floor), and such a model must load.
    static func admits(_ c: Constraint, _ theta: Double) -> Bool {
        guard theta.isFinite else { return false }
        switch c {
        case .identity: return true
        case let .positive(b): return theta >= b
        case .exponential: return theta >= 0
        case let .interval(a, b): return theta >= a && theta <= b
        }
    }

    public var description: String {
        switch type {
        case "positive": return "positive(lower: \(lower ?? 0))"
        case "interval": return "interval(\(lower ?? .nan), \(upper ?? .nan))"
        default: return type
        }
    }
}
