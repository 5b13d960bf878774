/// The one table of kernel kinds. For each kind: its name (the model file's `kind` and the `--kernel`
/// name), its own parameters (shape and default), how many children it takes, which inputs and models
/// accept it, and how it is built and recorded. `KernelSpec` (model files), `KernelExpression` (the
/// `--kernel` language) and the command line read it, so a new kernel type is one `Entry` in `entries`
/// (plus its `Kernel` conformance).
/// - Complexity: lookups are linear in the (small, fixed) number of entries.
public enum KernelCatalogue {
    /// How many values a parameter holds.
    public enum Shape: Sendable, Equatable {
        /// One value per input column (ARD) or one shared value; built with one per column.
        case perDimension
        /// Exactly one value.
        case scalar
    }

    /// One of a kind's own parameters: its name (as in `Kernel.parameters`), shape and default value.
    public struct ParameterSlot: Sendable, Equatable {
        public let name: String
        public let shape: Shape
        /// The value a new kernel starts from (also the placeholder a model file's values overwrite).
        public let defaultValue: Double

        public init(_ name: String, _ shape: Shape, default defaultValue: Double = 1) {
            self.name = name
            self.shape = shape
            self.defaultValue = defaultValue
        }
    }

    /// How many sub-kernels a kind takes.
    public enum Children: Sendable, Equatable {
        /// A base kernel.
        case none
        /// Exactly one (`scaled`, `active`).
        case one
        /// One or more (`sum`, `product`).
        case oneOrMore

        /// Whether `count` children fit.
        public func admits(_ count: Int) -> Bool {
            switch self {
            case .none: return count == 0
            case .one: return count == 1
            case .oneOrMore: return count >= 1
            }
        }
    }

    /// The model families a kind can be used in.
    public struct Models: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Models on kernel matrices (`exact`, `sgpr`, `svgp`): every kind.
        public static let dense = Models(rawValue: 1)
        /// State-space models (`statespace`): kinds with a linear-SDE form (`StateSpaceKernel`) and sums of them.
        public static let stateSpace = Models(rawValue: 2)
    }

    /// What a kind is built from: its own parameter values (one array per `ParameterSlot`, in order), its
    /// children, and the input columns it sees (read only by kinds that record them, i.e. `active`).
    public struct Parts: Sendable {
        public var values: [[Double]]
        public var children: [any Kernel]
        public var dimensions: [Int]

        public init(values: [[Double]], children: [any Kernel] = [], dimensions: [Int] = []) {
            self.values = values
            self.children = children
            self.dimensions = dimensions
        }
    }

    /// One kernel kind: everything the model file, the expression language and the command line need.
    public struct Entry: CatalogueEntry {
        /// The model file's `kind` and the `--kernel` name.
        public let name: String
        /// One line for help texts.
        public let summary: String
        /// The kind's own parameters, in `Kernel.parameters` order (children's parameters follow them).
        public let parameters: [ParameterSlot]
        /// How many sub-kernels it takes.
        public let children: Children
        /// The number of input columns the kind is defined on (1: time only), nil for any number.
        public let inputColumns: Int?
        /// The model families that accept it.
        public let models: Models
        private let build: @Sendable (Parts) -> any Kernel
        /// The input columns a kernel of this kind sees, for kinds that record them (`active`).
        private let columns: (@Sendable (any Kernel) -> [Int]?)?

        /// A kind: its parameters in `Kernel.parameters` order and how to build it from values (`build`). Pass a
        /// custom kernel's entry to `KernelCatalogue.register(_:)` to let model files record and rebuild it.
        public init(_ name: String, _ summary: String, parameters: [ParameterSlot], children: Children = .none,
             inputColumns: Int? = nil, models: Models = .dense, columns: (@Sendable (any Kernel) -> [Int]?)? = nil,
             build: @escaping @Sendable (Parts) -> any Kernel) {
            self.name = name
            self.summary = summary
            self.parameters = parameters
            self.children = children
            self.inputColumns = inputColumns
            self.models = models
            self.columns = columns
            self.build = build
        }

        /// Whether the kind stores the input columns it sees (`KernelSpec.dimensions`).
        public var recordsDimensions: Bool { columns != nil }

        /// The own parameter names, in order.
        public var parameterNames: [String] { parameters.map(\.name) }

        /// A base kernel (no children): a name a kernel expression may use.
        public var isBase: Bool { children == .none }

        /// Whether a model of `family` (e.g. `.stateSpace`) accepts this kind.
        public func isAccepted(by family: Models) -> Bool { models.isSuperset(of: family) }

        /// The kernel built from `parts`. - Complexity: O(size of the values).
        public func make(_ parts: Parts) -> any Kernel {
            precondition(parts.values.count == parameters.count, "\(name): expected \(parameters.count) parameter arrays")
            precondition(children.admits(parts.children.count), "\(name): \(parts.children.count) children do not fit")
            return build(parts)
        }

        /// The kernel with default values for inputs of `dimension` columns: per-dimension parameters get one
        /// value per column (ARD); a kind that records its input columns sees all of them.
        public func make(dimension: Int, children: [any Kernel] = []) -> any Kernel {
            let values = parameters.map { [Double](repeating: $0.defaultValue, count: $0.shape == .perDimension ? dimension : 1) }
            return make(Parts(values: values, children: children, dimensions: Array(0..<dimension)))
        }

        /// How `KernelSpec` records a kernel of this kind: its own parameters (the first `parameters.count`
        /// of `kernel.parameters`) and, for kinds that record them, the input columns it sees.
        public func record(_ kernel: any Kernel) -> (parameters: [Parameter], dimensions: [Int]?) {
            (Array(kernel.parameters.prefix(parameters.count)), columns?(kernel))
        }
    }

    private static let stationary = [ParameterSlot("lengthscale", .perDimension), ParameterSlot("variance", .scalar)]
    private static let hidaMatern = [ParameterSlot("lengthscale", .scalar), ParameterSlot("variance", .scalar),
                                     // ω starts at 1 (on standardised time), where its gradient is non-zero.
                                     ParameterSlot("frequency", .scalar, default: 1)]

    /// Every kind: the built-in ones (base kernels first: the order of `--help` and of error messages), then
    /// the registered ones.
    public static var entries: [Entry] { registry.entries }

    /// The kinds SwiftGP ships, without registered ones: what the command line's help lists.
    public static var builtInEntries: [Entry] { registry.builtIn }


    /// Adds a custom kernel kind, so `KernelSpec` (model files, `save(to:)`/`load(from:)`) records and rebuilds
    /// kernels whose `kind` is `entry.name`, and kernel expressions may name it. Safe from any thread.
    /// - Throws: `CatalogueError.duplicateName` when the name is taken.
    public static func register(_ entry: Entry) throws {
        try registry.register(entry)
    }

    private static let registry = CatalogueRegistry(builtIn)

    private static let builtIn: [Entry] = [
        Entry("rbf", "squared exponential (ARD)", parameters: stationary) {
            RBF(lengthscale: $0.values[0], variance: $0.values[1][0])
        },
        Entry("matern12", "Matérn ν = 1/2 (ARD)", parameters: stationary, models: [.dense, .stateSpace]) {
            Matern12(lengthscale: $0.values[0], variance: $0.values[1][0])
        },
        Entry("matern32", "Matérn ν = 3/2 (ARD)", parameters: stationary, models: [.dense, .stateSpace]) {
            Matern32(lengthscale: $0.values[0], variance: $0.values[1][0])
        },
        Entry("matern52", "Matérn ν = 5/2 (ARD)", parameters: stationary, models: [.dense, .stateSpace]) {
            Matern52(lengthscale: $0.values[0], variance: $0.values[1][0])
        },
        Entry("rq", "rational quadratic (ARD)", parameters: stationary + [ParameterSlot("alpha", .scalar)]) {
            RationalQuadratic(lengthscale: $0.values[0], variance: $0.values[1][0], alpha: $0.values[2][0])
        },
        Entry("periodic", "periodic (ARD lengthscales and periods)",
              parameters: [ParameterSlot("lengthscale", .perDimension), ParameterSlot("period", .perDimension),
                           ParameterSlot("variance", .scalar)]) {
            Periodic(lengthscale: $0.values[0], period: $0.values[1], variance: $0.values[2][0])
        },
        Entry("linear", "linear (one variance per input column)", parameters: [ParameterSlot("variance", .perDimension)]) {
            Linear(variance: $0.values[0])
        },
        Entry("white", "white noise on the training points", parameters: [ParameterSlot("variance", .scalar)]) {
            White(variance: $0.values[0][0])
        },
        Entry("constant", "constant offset", parameters: [ParameterSlot("variance", .scalar)]) {
            ConstantKernel(variance: $0.values[0][0])
        },
        Entry("hidamatern12", "Hida–Matérn ν = 1/2 (Matérn × cos ωτ; one time column)", parameters: hidaMatern,
              inputColumns: 1, models: [.dense, .stateSpace]) {
            HidaMatern(order: 0, lengthscale: $0.values[0][0], variance: $0.values[1][0], frequency: $0.values[2][0])
        },
        Entry("hidamatern32", "Hida–Matérn ν = 3/2 (Matérn × cos ωτ; one time column)", parameters: hidaMatern,
              inputColumns: 1, models: [.dense, .stateSpace]) {
            HidaMatern(order: 1, lengthscale: $0.values[0][0], variance: $0.values[1][0], frequency: $0.values[2][0])
        },
        Entry("hidamatern52", "Hida–Matérn ν = 5/2 (Matérn × cos ωτ; one time column)", parameters: hidaMatern,
              inputColumns: 1, models: [.dense, .stateSpace]) {
            HidaMatern(order: 2, lengthscale: $0.values[0][0], variance: $0.values[1][0], frequency: $0.values[2][0])
        },
        Entry("sum", "k₁ + k₂ + … (+)", parameters: [], children: .oneOrMore, models: [.dense, .stateSpace]) {
            SumKernel($0.children)
        },
        Entry("product", "k₁ · k₂ · … (*)", parameters: [], children: .oneOrMore) { ProductKernel($0.children) },
        Entry("scaled", "s · k", parameters: [ParameterSlot("scale", .scalar)], children: .one) {
            ScaledKernel($0.children[0], scale: $0.values[0][0])
        },
        Entry("active", "k on some input columns", parameters: [], children: .one,
              columns: { ($0 as? ActiveDimensionsKernel)?.activeDimensions }) {
            ActiveDimensionsKernel($0.children[0], dimensions: $0.dimensions)
        },
    ]

    /// Every kind's name, in catalogue order.
    public static var names: [String] { entries.map(\.name) }

    /// The base kernels' names (no children): the names a kernel expression may use.
    public static var baseNames: [String] { entries.filter(\.isBase).map(\.name) }

    /// The base kernels a model of `family` accepts.
    public static func baseNames(acceptedBy family: Models) -> [String] {
        entries.filter { $0.isBase && $0.isAccepted(by: family) }.map(\.name)
    }

    /// The entry called `name`, if any.
    public static func entry(named name: String) -> Entry? { entries.first { $0.name == name } }
}
