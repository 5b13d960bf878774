/// A model's parameters as a table, like GPflow's `print_summary`: one row per parameter with its qualified
/// name, value(s), constraint, prior and trainability. Long vectors (q(u), inducing inputs) show their first
/// values and their count. Models print it as their `description`.
/// - Complexity: O(number of parameter values shown).
public struct ParameterTable: Sendable, CustomStringConvertible {
    public let parameters: [Parameter]

    public init(_ parameters: [Parameter]) { self.parameters = parameters }

    /// How many values of a parameter the table shows before "…".
    static let shownValues = 4

    public var description: String {
        let header = ["name", "value", "constraint", "prior", "trainable"]
        let rows = parameters.map { p -> [String] in
            let shown = p.value.prefix(Self.shownValues).map(formatValue).joined(separator: ", ")
            let value = p.count == 1 ? shown
                : p.count <= Self.shownValues ? "[\(shown)]" : "[\(shown), …] (\(p.count) values)"
            return [p.name, value, Self.label(p.constraint), p.prior?.description ?? "none", p.isTrainable ? "yes" : "no"]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0 + String(repeating: " ", count: $1 - $0.count) }.joined(separator: "  ")
                .replacingTrailingSpaces()
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }

    /// The domain a constraint maps onto: `real`, `> 0`, `> b`, `(a, b)`; the map in brackets.
    static func label(_ c: Constraint) -> String {
        switch c {
        case .identity: return "real"
        case let .positive(b): return "> \(formatValue(b)) (softplus)"
        case .exponential: return "> 0 (exp)"
        case let .interval(a, b): return "(\(formatValue(a)), \(formatValue(b))) (sigmoid)"
        }
    }
}

extension String {
    fileprivate func replacingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

extension Parameterised {
    /// The parameter table (`ParameterTable`): name, value, constraint, prior, trainable.
    public var parameterTable: ParameterTable { ParameterTable(parameters) }
}

extension ExactGP: CustomStringConvertible {
    public var description: String { "ExactGP\n\(parameterTable)" }
}

extension SGPR: CustomStringConvertible {
    public var description: String { "SGPR (\(inducingInputs.count / max(1, inputDimension)) inducing points)\n\(parameterTable)" }
}

extension SVGP: CustomStringConvertible {
    public var description: String { "SVGP (\(inducingCount) inducing points)\n\(parameterTable)" }
}

extension StateSpaceGP: CustomStringConvertible {
    public var description: String { "StateSpaceGP (state dimension \(kernel.stateDimension))\n\(parameterTable)" }
}
