/// The map between a model's parameters and the one unconstrained vector ξ an optimiser moves
/// (ALGORITHMS §8.1). Fixed parameters are left out of ξ entirely, so optimiser state never sees them.
///
/// - Complexity: O(p) for every conversion.
public struct ParameterVector: Sendable {
    /// The parameters this vector was built from (their fixed values are kept from here).
    public private(set) var template: [Parameter]
    /// Qualified names of the entries of ξ (`kernel.lengthscale[2]`).
    public let names: [String]

    public init(_ parameters: [Parameter]) {
        template = parameters
        var names: [String] = []
        for p in parameters where p.isTrainable {
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
        for p in template where p.isTrainable { for v in p.value { xi.append(p.constraint.unconstrain(v)) } }
        return xi
    }

    /// The parameters at ξ (fixed ones unchanged).
    public func parameters(at xi: [Double]) -> [Parameter] {
        precondition(xi.count == count, "ξ has \(xi.count) entries, expected \(count)")
        var out = template
        var k = 0
        for i in out.indices where out[i].isTrainable {
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
        for i in out.indices where !out[i].isTrainable { out[i].value = current[i].value }
        return out
    }

    /// ∂L/∂ξ from ∂L/∂θ (one array per parameter, same shapes), dropping fixed parameters.
    public func unconstrainedGradient(_ gradient: [[Double]], at xi: [Double]) -> [Double] {
        precondition(gradient.count == template.count)
        var out: [Double] = []
        out.reserveCapacity(count)
        var k = 0
        for (i, p) in template.enumerated() where p.isTrainable {
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
