/// The mean functions model files know (`ComponentSpec.meanFunction`, `save(to:)`/`load(from:)`): the built-in
/// `zero`, `constant` and `linear`, then those registered at run time. An entry rebuilds its mean from the
/// stored parameter values; the stored names and shapes are then checked against the rebuilt mean's own.
/// - Complexity: lookups are linear in the (small) number of entries.
public enum MeanCatalogue {
    /// One mean function: its name (the model file's mean `kind`, equal to `MeanFunction.kind`) and how it is
    /// built from its stored parameter values (one array per parameter, in `parameters` order).
    public struct Entry: CatalogueEntry {
        public let name: String
        /// One line for help texts.
        public let summary: String
        private let build: @Sendable (_ values: [[Double]]) -> (any MeanFunction)?

        /// `build` returns nil when the values have the wrong number of parameters or a wrong shape.
        public init(_ name: String, _ summary: String, build: @escaping @Sendable (_ values: [[Double]]) -> (any MeanFunction)?) {
            self.name = name
            self.summary = summary
            self.build = build
        }

        /// The mean with these parameter values, or nil when they do not fit it.
        public func make(values: [[Double]]) -> (any MeanFunction)? { build(values) }
    }

    /// The built-in entries, then the registered ones.
    public static var entries: [Entry] { registry.entries }

    /// Every mean function's name, in catalogue order.
    public static var names: [String] { entries.map(\.name) }

    /// The entry called `name`, if any.
    public static func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// Adds a custom mean function, so model files record and rebuild it. Safe from any thread.
    /// - Throws: `CatalogueError.duplicateName` when the name is taken.
    public static func register(_ entry: Entry) throws { try registry.register(entry) }

    private static let registry = CatalogueRegistry(builtInEntries)

    /// `zero`, `constant`, `linear`.
    public static let builtInEntries: [Entry] = [
        Entry("zero", "m(x) = 0") { v in v.isEmpty ? ZeroMean() : nil },
        Entry("constant", "m(x) = c") { v in v.count == 1 && v[0].count == 1 ? ConstantMean(v[0][0]) : nil },
        Entry("linear", "m(x) = wᵀx + b") { v in
            v.count == 2 && !v[0].isEmpty && v[1].count == 1 ? LinearMean(weights: v[0], bias: v[1][0]) : nil
        },
    ]
}
