import GPLinearAlgebra

/// A bijection θ = T(ξ) from the unconstrained optimisation space to a parameter's domain (docs/methods/training.md#constraints).
///
/// | case | θ = T(ξ) | dθ/dξ |
/// |---|---|---|
/// | `identity` | ξ | 1 |
/// | `positive(lowerBound: b)` | b + softplus(ξ) | σ(ξ) |
/// | `exponential` | e^ξ | θ |
/// | `interval(a, b)` | a + (b − a) σ(ξ) | (b − a) σ(ξ)(1 − σ(ξ)) |
public enum Constraint: Sendable, Equatable, Codable {
    case identity
    case positive(lowerBound: Double)
    case exponential
    case interval(lower: Double, upper: Double)

    /// Softplus-positive with no floor: the default for kernel hyperparameters.
    public static let positive = Constraint.positive(lowerBound: 0)

    /// θ = T(ξ).
    public func constrain(_ xi: Double) -> Double {
        switch self {
        case .identity: return xi
        case let .positive(b): return b + Math.softplus(xi)
        case .exponential: return Math.exp(xi)
        case let .interval(a, b): return a + (b - a) * Math.sigmoid(xi)
        }
    }

    /// ξ = T⁻¹(θ). Values on or beyond the boundary are pulled just inside it.
    public func unconstrain(_ theta: Double) -> Double {
        switch self {
        case .identity: return theta
        case let .positive(b): return Math.softplusInverse(max(theta - b, 1e-300))
        case .exponential: return Math.log(max(theta, 1e-300))
        case let .interval(a, b):
            let u = min(max((theta - a) / (b - a), 1e-15), 1 - 1e-15)
            return Math.log(u) - Math.log1p(-u)
        }
    }

    /// dθ/dξ at ξ.
    public func derivative(_ xi: Double) -> Double {
        switch self {
        case .identity: return 1
        case .positive: return Math.sigmoid(xi)
        case .exponential: return Math.exp(xi)
        case let .interval(a, b):
            let s = Math.sigmoid(xi)
            return (b - a) * s * (1 - s)
        }
    }

    /// d/dξ log|dθ/dξ|: the gradient of the log-Jacobian a sampler adds when it moves in ξ but targets a
    /// density over θ (`SGHMC`).
    public func logJacobianDerivative(_ xi: Double) -> Double {
        switch self {
        case .identity: return 0
        case .positive: return 1 - Math.sigmoid(xi)
        case .exponential: return 1
        case .interval: return 1 - 2 * Math.sigmoid(xi)
        }
    }

    /// Whether θ lies in the closure of the domain. Boundary values are admitted because T(ξ) reaches
    /// them in floating point (softplus and exp underflow, σ saturates); `unconstrain` maps them just inside.
    public func contains(_ theta: Double) -> Bool {
        switch self {
        case .identity: return theta.isFinite
        case let .positive(b): return theta >= b && theta.isFinite
        case .exponential: return theta >= 0 && theta.isFinite
        case let .interval(a, b): return theta >= a && theta <= b
        }
    }
}
