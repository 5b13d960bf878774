import Foundation

/// A kernel as a Codable tree, the form kernels take in model files:
/// `{"kind": "sum", "parameters": [], "children": [{"kind": "matern52", "parameters": [...]}, ...]}`.
///
/// `KernelSpec(kernel)` records any kernel; `makeKernel()` rebuilds one of the kinds of `KernelCatalogue`
/// with exactly the stored parameter values, constraints and trainability. Each node stores only its own
/// parameters (a `scaled` node its `scale`); composites store their children.
public struct KernelSpec: Codable, Sendable, Equatable {
    public var kind: String
    public var parameters: [ParameterRecord]
    public var children: [KernelSpec]
    /// The input columns an `active` kernel sees.
    public var dimensions: [Int]?

    /// The kinds `makeKernel()` can rebuild: `KernelCatalogue.names`.
    public static var kinds: [String] { KernelCatalogue.names }

    public init(kind: String, parameters: [ParameterRecord] = [], children: [KernelSpec] = [], dimensions: [Int]? = nil) {
        self.kind = kind
        self.parameters = parameters
        self.children = children
        self.dimensions = dimensions
    }

    /// Records `kernel` and its sub-kernels (a kind outside the catalogue is recorded too, with every
    /// parameter that is not a child's as its own; `makeKernel()` then rejects it).
    public init(_ kernel: any Kernel) {
        let children = kernel.children
        if let entry = KernelCatalogue.entry(named: kernel.kind) {
            let (own, dimensions) = entry.record(kernel)
            self.init(kind: kernel.kind, parameters: own.map(ParameterRecord.init), children: children.map(KernelSpec.init),
                      dimensions: dimensions)
        } else {
            let all = kernel.parameters
            let own = all.count - children.reduce(0) { $0 + $1.parameters.count }
            self.init(kind: kernel.kind, parameters: all.prefix(own).map(ParameterRecord.init), children: children.map(KernelSpec.init))
        }
    }

    private enum CodingKeys: String, CodingKey { case kind, parameters, children, dimensions }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        parameters = try c.decodeIfPresent([ParameterRecord].self, forKey: .parameters) ?? []
        children = try c.decodeIfPresent([KernelSpec].self, forKey: .children) ?? []
        dimensions = try c.decodeIfPresent([Int].self, forKey: .dimensions)
    }

    /// The depth of the tree: 1 for a node without children.
    public var depth: Int { 1 + (children.map(\.depth).max() ?? 0) }

    /// Every parameter of the tree in the order `Kernel.parameters` lists them (own first, then children's).
    public func flatParameters(at path: String = "kernel") throws -> [Parameter] {
        var out = try parameters.map { try $0.parameter(at: path) }
        for (i, child) in children.enumerated() { out += try child.flatParameters(at: "\(path).\(i)") }
        return out
    }

    /// Rebuilds the kernel, checking every node's kind, parameter names and shapes, and (when
    /// `inputDimension` is given) that ARD parameters and active dimensions fit the inputs.
    /// - Throws: `ModelFileError.invalid` naming the offending node.
    public func makeKernel(inputDimension: Int? = nil) throws -> any Kernel {
        if let d = inputDimension { try validate(dimension: d, at: "kernel") }
        var kernel = try structure(at: "kernel")
        kernel.parameters = try flatParameters()
        return kernel
    }

    /// The kernel's shape, built by its catalogue entry with placeholder (default) values of the stored
    /// lengths; parameters are assigned afterwards.
    private func structure(at path: String) throws -> any Kernel {
        let entry = try Self.entry(of: kind, at: path)
        guard parameters.map(\.name) == entry.parameterNames else {
            throw ModelFileError.invalid(detail: "\(path) (\(kind)) has parameters [\(parameters.map(\.name).joined(separator: ", "))], "
                                         + "expected [\(entry.parameterNames.joined(separator: ", "))]")
        }
        switch entry.children {
        case .none where !children.isEmpty, .one where children.count != 1:
            throw ModelFileError.invalid(detail: "\(path) (\(kind)) has \(children.count) children, expected \(entry.children == .one ? 1 : 0)")
        case .oneOrMore where children.isEmpty:
            throw ModelFileError.invalid(detail: "\(path) (\(kind)) has no children")
        default: break
        }
        for (p, slot) in zip(parameters, entry.parameters) where slot.shape == .scalar && p.value.count != 1 {
            throw ModelFileError.invalid(detail: "\(path).\(p.name) must be a single value, found \(p.value.count)")
        }
        let kids = try children.enumerated().map { try $1.structure(at: "\(path).\($0)") }
        var columns: [Int] = []
        if entry.recordsDimensions {
            guard let dims = dimensions, !dims.isEmpty else {
                throw ModelFileError.invalid(detail: "\(path) (\(kind)) needs a non-empty 'dimensions' list")
            }
            columns = dims
        }
        let placeholders = zip(parameters, entry.parameters).map { [Double](repeating: $1.defaultValue, count: $0.value.count) }
        return entry.make(KernelCatalogue.Parts(values: placeholders, children: kids, dimensions: columns))
    }

    /// The catalogue entry of `kind`. - Throws: `ModelFileError.invalid` listing the known kinds.
    private static func entry(of kind: String, at path: String) throws -> KernelCatalogue.Entry {
        guard let entry = KernelCatalogue.entry(named: kind) else {
            throw ModelFileError.invalid(
                detail: "\(path): unknown kernel kind '\(kind)' (known: \(kinds.joined(separator: ", ")))")
        }
        return entry
    }

    /// Checks per-dimension parameters, active dimensions and kinds defined on one input column against
    /// `d` input columns.
    /// Checks per-dimension parameters, active dimensions and one-column kernels against `d` input columns
    /// (also run by the models' `fit` on live kernels, through `KernelSpec(kernel)`). Kinds outside the
    /// catalogue are not checked. - Throws: `ModelFileError.invalid` naming the node.
    func validate(dimension d: Int, at path: String) throws {
        guard let entry = KernelCatalogue.entry(named: kind) else { return }   // `structure` names the unknown kind
        var childDimension = d
        if entry.recordsDimensions, let dims = dimensions {
            for j in dims where j < 0 || j >= d {
                throw ModelFileError.invalid(detail: "\(path): active dimension \(j) outside the \(d) input columns")
            }
            childDimension = dims.count
        }
        if let columns = entry.inputColumns, d != columns {
            throw ModelFileError.invalid(
                detail: "\(path) (\(kind)) is defined on \(columns) input column\(columns == 1 ? " (time)" : "s") but sees \(d)")
        }
        for (p, slot) in zip(parameters, entry.parameters) where slot.shape == .perDimension && p.value.count != 1 && p.value.count != d {
            throw ModelFileError.invalid(
                detail: "\(path).\(p.name) has \(p.value.count) values but the model has \(d) input columns")
        }
        for (i, child) in children.enumerated() { try child.validate(dimension: childDimension, at: "\(path).\(i)") }
    }
}
