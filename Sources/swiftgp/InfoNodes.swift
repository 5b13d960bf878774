import Foundation
import SwiftGP

/// A parameter value: a number for scalars, an array otherwise.
enum ParameterValue: Encodable {
    case scalar(Double)
    case vector([Double])

    init(_ values: [Double]) { self = values.count == 1 ? .scalar(values[0]) : .vector(values) }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .scalar(v): try c.encode(v)
        case let .vector(v): try c.encode(v)
        }
    }

    var text: String {
        switch self {
        case let .scalar(v): return g(v)
        case let .vector(v): return "[" + v.map(g).joined(separator: ", ") + "]"
        }
    }
}

/// A likelihood or mean function: kind, parameter values, which parameters are fixed, and their priors.
struct ComponentNode: Encodable {
    let kind: String
    let parameters: [String: ParameterValue]
    let fixed: [String]
    let priors: [String: String]
    private let order: [String]

    enum CodingKeys: String, CodingKey { case kind, parameters, fixed, priors }

    init(kind: String, parameters: [ParameterRecord]) {
        self.kind = kind
        self.parameters = Dictionary(parameters.map { ($0.name, ParameterValue($0.value)) }, uniquingKeysWith: { a, _ in a })
        fixed = parameters.filter { !$0.trainable }.map(\.name)
        priors = Dictionary(parameters.compactMap { p in p.prior.map { (p.name, $0) } }, uniquingKeysWith: { a, _ in a })
        order = parameters.map(\.name)
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .kind)
        try c.encode(parameters, forKey: .parameters)
        try c.encode(fixed, forKey: .fixed)
        if !priors.isEmpty { try c.encode(priors, forKey: .priors) }
    }

    private func notes(_ name: String) -> String {
        (fixed.contains(name) ? " (fixed)" : "") + (priors[name].map { " (prior \($0))" } ?? "")
    }

    var inline: String {
        order.isEmpty ? kind : "\(kind): " + order.map { "\($0) \(parameters[$0]?.text ?? "?")\(notes($0))" }
            .joined(separator: ", ")
    }

    func lines(indent: String) -> [String] {
        order.map { "\(indent)\($0.padding(toLength: 12, withPad: " ", startingAt: 0)) \(parameters[$0]?.text ?? "?")"
            + notes($0).replacingOccurrences(of: " (", with: "  (") }
    }
}

/// A kernel tree node for `info`: constrained hyperparameter values by name, and children.
struct KernelNode: Encodable {
    let node: ComponentNode
    let children: [KernelNode]
    let dimensions: [Int]?

    init(_ spec: KernelSpec) {
        node = ComponentNode(kind: spec.kind, parameters: spec.parameters)
        children = spec.children.map(KernelNode.init)
        dimensions = spec.dimensions
    }

    enum CodingKeys: String, CodingKey { case kind, parameters, fixed, priors, children, dimensions }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(node.kind, forKey: .kind)
        try c.encode(node.parameters, forKey: .parameters)
        try c.encode(node.fixed, forKey: .fixed)
        if !node.priors.isEmpty { try c.encode(node.priors, forKey: .priors) }
        try c.encode(children, forKey: .children)
        try c.encodeIfPresent(dimensions, forKey: .dimensions)
    }

    /// The tree, one line per node and per parameter.
    func lines(indent: String) -> [String] {
        let title = indent + node.kind + (dimensions.map { " on columns \($0)" } ?? "")
        return [title] + node.lines(indent: indent + "  ") + children.flatMap { $0.lines(indent: indent + "  ") }
    }
}

/// A number in short form.
func g(_ v: Double) -> String { String(format: "%.6g", v) }
