import Foundation

/// A kernel as a Codable tree, the form kernels take in model files:
/// `{"kind": "sum", "parameters": [], "children": [{"kind": "matern52", "parameters": [...]}, ...]}`.
///
/// `KernelSpec(kernel)` records any kernel; `makeKernel()` rebuilds one of the known kinds (`kinds`) with
/// exactly the stored parameter values, constraints and trainability. Each node stores only its own
/// parameters (a `scaled` node its `scale`); composites store their children.
public struct KernelSpec: Codable, Sendable, Equatable {
    public var kind: String
    public var parameters: [ParameterRecord]
    public var children: [KernelSpec]
    /// The input columns an `active` kernel sees.
    public var dimensions: [Int]?

    /// The kinds `makeKernel()` can rebuild.
    public static let kinds = ["rbf", "matern12", "matern32", "matern52", "rq", "periodic", "linear", "white",
                               "constant", "sum", "product", "scaled", "active"]

    public init(kind: String, parameters: [ParameterRecord] = [], children: [KernelSpec] = [], dimensions: [Int]? = nil) {
        self.kind = kind
        self.parameters = parameters
        self.children = children
        self.dimensions = dimensions
    }

    /// Records `kernel` and its sub-kernels.
    public init(_ kernel: any Kernel) {
        let children = kernel.children
        let all = kernel.parameters
        let own = all.count - children.reduce(0) { $0 + $1.parameters.count }
        self.init(kind: kernel.kind, parameters: all.prefix(own).map(ParameterRecord.init),
                  children: children.map(KernelSpec.init), dimensions: (kernel as? ActiveDimensionsKernel)?.activeDimensions)
    }

    private enum CodingKeys: String, CodingKey { case kind, parameters, children, dimensions }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(String.self, forKey: .kind)
        parameters = try c.decodeIfPresent([ParameterRecord].self, forKey: .parameters) ?? []
        children = try c.decodeIfPresent([KernelSpec].self, forKey: .children) ?? []
        dimensions = try c.decodeIfPresent([Int].self, forKey: .dimensions)
    }

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

    /// The kernel's shape with placeholder values; parameters are assigned afterwards.
    private func structure(at path: String) throws -> any Kernel {
        let (names, childCount) = try Self.layout(of: kind, at: path)
        guard parameters.map(\.name) == names else {
            throw ModelFileError.invalid(detail: "\(path) (\(kind)) has parameters [\(parameters.map(\.name).joined(separator: ", "))], "
                                         + "expected [\(names.joined(separator: ", "))]")
        }
        if let n = childCount, children.count != n {
            throw ModelFileError.invalid(detail: "\(path) (\(kind)) has \(children.count) children, expected \(n)")
        }
        if childCount == nil && children.isEmpty {
            throw ModelFileError.invalid(detail: "\(path) (\(kind)) has no children")
        }
        let count = { (name: String) in self.parameters.first { $0.name == name }!.value.count }
        for p in parameters where !["lengthscale", "period"].contains(p.name) && !(kind == "linear") && p.value.count != 1 {
            throw ModelFileError.invalid(detail: "\(path).\(p.name) must be a single value, found \(p.value.count)")
        }
        let ones = { (name: String) in [Double](repeating: 1, count: count(name)) }
        let kids = try children.enumerated().map { try $1.structure(at: "\(path).\($0)") }
        switch kind {
        case "rbf": return RBF(lengthscale: ones("lengthscale"))
        case "matern12": return Matern12(lengthscale: ones("lengthscale"))
        case "matern32": return Matern32(lengthscale: ones("lengthscale"))
        case "matern52": return Matern52(lengthscale: ones("lengthscale"))
        case "rq": return RationalQuadratic(lengthscale: ones("lengthscale"))
        case "periodic": return Periodic(lengthscale: ones("lengthscale"), period: ones("period"))
        case "linear": return Linear(variance: ones("variance"))
        case "white": return White()
        case "constant": return ConstantKernel()
        case "hidamatern12": return HidaMatern(order: 0)
        case "hidamatern32": return HidaMatern(order: 1)
        case "hidamatern52": return HidaMatern(order: 2)
        case "sum": return SumKernel(kids)
        case "product": return ProductKernel(kids)
        case "scaled": return ScaledKernel(kids[0])
        default:
            guard let dims = dimensions, !dims.isEmpty else {
                throw ModelFileError.invalid(detail: "\(path) (active) needs a non-empty 'dimensions' list")
            }
            return ActiveDimensionsKernel(kids[0], dimensions: dims)
        }
    }

    /// Own parameter names and the number of children (nil: one or more) of each kind.
    private static func layout(of kind: String, at path: String) throws -> ([String], Int?) {
        switch kind {
        case "rbf", "matern12", "matern32", "matern52": return (["lengthscale", "variance"], 0)
        case "rq": return (["lengthscale", "variance", "alpha"], 0)
        case "periodic": return (["lengthscale", "period", "variance"], 0)
        case "linear", "white", "constant": return (["variance"], 0)
        case "hidamatern12", "hidamatern32", "hidamatern52": return (["lengthscale", "variance", "frequency"], 0)
        case "sum", "product": return ([], nil)
        case "scaled": return (["scale"], 1)
        case "active": return ([], 1)
        default:
            throw ModelFileError.invalid(
                detail: "\(path): unknown kernel kind '\(kind)' (known: \(kinds.joined(separator: ", ")))")
        }
    }

    /// Checks per-dimension parameters against `d` input columns.
    private func validate(dimension d: Int, at path: String) throws {
        var childDimension = d
        if kind == "active", let dims = dimensions {
            for j in dims where j < 0 || j >= d {
                throw ModelFileError.invalid(detail: "\(path): active dimension \(j) outside the \(d) input columns")
            }
            childDimension = dims.count
        }
        let perDimension = kind == "linear" ? ["variance"] : ["lengthscale", "period"]
        for p in parameters where perDimension.contains(p.name) && p.value.count != 1 && p.value.count != d {
            throw ModelFileError.invalid(
                detail: "\(path).\(p.name) has \(p.value.count) values but the model has \(d) input columns")
        }
        for (i, child) in children.enumerated() { try child.validate(dimension: childDimension, at: "\(path).\(i)") }
    }
}
