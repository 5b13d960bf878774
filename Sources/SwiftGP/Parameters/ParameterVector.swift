/// The map between a model's parameters and the one unconstrained vector ξ an optimiser moves
/// (docs/methods/training.md#parameter-vector). Parameters outside the selection (fixed ones, or those another updater owns) are left
/// out of ξ entirely, so optimiser state never sees them.
///
/// - Complexity: O(p) for every conversion.
public struct ParameterVector: Sendable {
    /// The parameters this vector was built from (their fixed values are kept from here).
    public private(set) var template: [Parameter]
    /// Which parameters ξ holds.
    public let selected: [Bool]
    /// Qualified names of the entries of ξ (`kernel.lengthscale[2]`).
    public let names: [String]

    /// ξ over the trainable parameters.
    public init(_ parameters: [Parameter]) { self.init(parameters, selecting: parameters.map(\.isTrainable)) }

    /// ξ over the parameters where `mask` is true.
    public init(_ parameters: [Parameter], selecting mask: [Bool]) {
        precondition(mask.count == parameters.count, "one mask entry per parameter")
        template = parameters
        selected = mask
        var names: [String] = []
        for (p, s) in zip(parameters, mask) where s {
            if p.count == 1 { names.append(p.name) } else {
                for i in 0..<p.count { names.append("\(p.name)[\(i)]") }
            }
        }
        self.names = names
    }

    /// The dimension of ξ.
    public var count: Int { names.count }

    /// ξ for the current values.
    public var unconstrained: [Double] {
        var xi: [Double] = []
        xi.reserveCapacity(count)
        for (p, s) in zip(template, selected) where s { for v in p.value { xi.append(p.constraint.unconstrain(v)) } }
        return xi
    }

    /// The parameters at ξ (fixed ones unchanged).
    public func parameters(at xi: [Double]) -> [Parameter] {
        precondition(xi.count == count, "ξ has \(xi.count) entries, expected \(count)")
        var out = template
        var k = 0
        for i in out.indices where selected[i] {
            // One array per parameter (not an element-wise write through `out[i].value[j]`, which pays a
            // uniqueness check per entry: q(u)'s factor alone has M(M+1)/2 of them).
            let n = out[i].value.count, c = out[i].constraint
            if case .identity = c {
                out[i].value = Array(xi[k..<(k + n)])
            } else {
                out[i].value = (k..<(k + n)).map { c.constrain(xi[$0]) }
            }
            k += n
        }
        return out
    }

    /// The parameters at ξ, with the fixed ones taken from `current` (which an inner update, such as a
    /// natural-gradient step on q(u), may have changed since this vector was built).
    public func parameters(at xi: [Double], fixedFrom current: [Parameter]) -> [Parameter] {
        precondition(current.count == template.count, "parameter list changed shape")
        var out = parameters(at: xi)
        for i in out.indices where !selected[i] { out[i].value = current[i].value }
        return out
    }

    /// Whether every entry of ξ maps strictly inside its parameter's domain (finite, and off the boundary
    /// that softplus, exp or σ reach only by underflow or saturation). The engine treats any other trial
    /// point as a failed evaluation, so no model ever sees a zero lengthscale or variance.
    public func isInterior(at xi: [Double]) -> Bool {
        var k = 0
        for (i, p) in template.enumerated() where selected[i] {
            let part = xi[k..<(k + p.count)]
            k += p.count
            // Identity parameters (q(u), inducing inputs: most of ξ in a sparse model) need only be finite.
            if case .identity = p.constraint {
                if !part.allSatisfy(\.isFinite) { return false }
                continue
            }
            for x in part {
                guard x.isFinite else { return false }
                let theta = p.constraint.constrain(x)
                guard theta.isFinite else { return false }
                switch p.constraint {
                case .identity: continue
                case let .positive(b): if !(theta > b) { return false }
                case .exponential: if !(theta > 0) { return false }
                case let .interval(a, b): if !(theta > a && theta < b) { return false }
                }
            }
        }
        return true
    }

    /// d/dξ log|dθ/dξ| for every entry of ξ (what a sampler adds to target a density over θ).
    public func logJacobianGradient(at xi: [Double]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(count)
        var k = 0
        for (i, p) in template.enumerated() where selected[i] {
            for _ in p.value {
                out.append(p.constraint.logJacobianDerivative(xi[k]))
                k += 1
            }
        }
        return out
    }

    /// ∂L/∂ξ from ∂L/∂θ (one array per parameter, same shapes), dropping fixed parameters.
    public func unconstrainedGradient(_ gradient: [[Double]], at xi: [Double]) -> [Double] {
        precondition(gradient.count == template.count)
        var out: [Double] = []
        out.reserveCapacity(count)
        var k = 0
        for (i, p) in template.enumerated() where selected[i] {
            if case .identity = p.constraint {
                out.append(contentsOf: gradient[i])
                k += gradient[i].count
                continue
            }
            for j in p.value.indices {
                out.append(gradient[i][j] * p.constraint.derivative(xi[k]))
                k += 1
            }
        }
        return out
    }
}
