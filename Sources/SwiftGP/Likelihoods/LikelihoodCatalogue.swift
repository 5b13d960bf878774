/// The one table of likelihoods the command line and model files know. For each: its name (the
/// `--likelihood` name and the model file's likelihood `kind`), the task it implies, the model kinds that
/// accept it, its own parameters with their defaults, and how it is built and recognised. The model kinds
/// (`ModelKind.likelihoods`, `task(for:)`), `ComponentSpec` (model files) and the command line read it, so
/// a new likelihood is one `Entry` in `entries` (plus its `Likelihood` conformance and the model kinds'
/// support for it).
/// - Complexity: lookups are linear in the (small, fixed) number of entries.
public enum LikelihoodCatalogue {
    /// One of a likelihood's own (scalar) parameters: its name (as in `Likelihood.parameters`) and default value.
    public struct ParameterSlot: Sendable, Equatable {
        public let name: String
        public let defaultValue: Double

        public init(_ name: String, default defaultValue: Double) {
            self.name = name
            self.defaultValue = defaultValue
        }
    }

    /// One likelihood: everything the model kinds, the model file and the command line need.
    public struct Entry: CatalogueEntry {
        /// The `--likelihood` name and the model file's likelihood `kind`.
        public let name: String
        /// One line for help texts.
        public let summary: String
        /// What fitting with it means: regression, counts, binary or multi-class classification.
        public let task: ModelTask
        /// The model kinds (`ModelKind.name`) that accept it.
        public let models: [String]
        /// Its own parameters, in `Likelihood.parameters` order; each a single value.
        public let parameters: [ParameterSlot]
        /// Whether building it needs the number of classes (softmax).
        public let needsClassCount: Bool
        private let build: @Sendable (_ values: [Double], _ classCount: Int, _ noiseFloor: Double?) -> any Likelihood
        private let recognises: @Sendable (any Likelihood) -> Bool

        /// A likelihood: its task, the model kinds that accept it, its parameters, how to recognise and build it.
        /// Pass a custom likelihood's entry to `LikelihoodCatalogue.register(_:)` to let model files record it.
        public init(_ name: String, _ summary: String, task: ModelTask, models: [String], parameters: [ParameterSlot] = [],
             needsClassCount: Bool = false, recognises: @escaping @Sendable (any Likelihood) -> Bool,
             build: @escaping @Sendable (_ values: [Double], _ classCount: Int, _ noiseFloor: Double?) -> any Likelihood) {
            self.name = name
            self.summary = summary
            self.task = task
            self.models = models
            self.parameters = parameters
            self.needsClassCount = needsClassCount
            self.recognises = recognises
            self.build = build
        }

        /// The own parameter names, in order.
        public var parameterNames: [String] { parameters.map(\.name) }

        /// Whether the model kind called `model` accepts it.
        public func isAccepted(by model: String) -> Bool { models.contains(model) }

        /// The likelihood at its default values; `classCount` (default 2) sets a softmax's classes and
        /// `noiseFloor` a Gaussian's lower variance bound (default: `GaussianLikelihood`'s).
        public func make(classCount: Int? = nil, noiseFloor: Double? = nil) -> any Likelihood {
            build(parameters.map(\.defaultValue), classCount ?? 2, noiseFloor)
        }

        /// Whether `likelihood` is this entry's likelihood in the configuration `make` builds (the one a
        /// model file can record under `name`: e.g. a Bernoulli with the logit link is `bernoulli-logit`).
        public func describes(_ likelihood: any Likelihood) -> Bool { recognises(likelihood) }
    }

    /// Every likelihood: the built-in ones, Gaussian first (the default of every model kind that accepts it),
    /// then the registered ones.
    public static var entries: [Entry] { registry.entries }


    /// Adds a custom likelihood, so `ComponentSpec` (model files, `save(to:)`/`load(from:)`) records and
    /// rebuilds it. Safe from any thread.
    /// - Throws: `CatalogueError.duplicateName` when the name is taken.
    public static func register(_ entry: Entry) throws {
        try registry.register(entry)
    }

    private static let registry = CatalogueRegistry(builtIn)

    private static let builtIn: [Entry] = [
        Entry("gaussian", "regression, Gaussian noise (trainable variance)", task: .regression,
              models: ["exact", "sgpr", "svgp", "statespace", "vecchia", "magmaclust", "gpssm", "dklgp"], parameters: [ParameterSlot("variance", default: 1)],
              recognises: { $0 is GaussianLikelihood }) { v, _, floor in
                  floor.map { GaussianLikelihood(variance: v[0], floor: $0) } ?? GaussianLikelihood(variance: v[0])
              },
        Entry("bernoulli", "binary classification, probit link", task: .binaryClassification, models: ["gpc", "svgp", "dklgp"],
              recognises: { ($0 as? Bernoulli)?.link == .probit }) { _, _, _ in Bernoulli(link: .probit) },
        Entry("bernoulli-logit", "binary classification, logit link", task: .binaryClassification, models: ["gpc", "svgp", "dklgp"],
              recognises: { ($0 as? Bernoulli)?.link == .logit }) { _, _, _ in Bernoulli(link: .logit) },
        Entry("poisson", "counts, exponential link", task: .countRegression, models: ["svgp", "statespace", "dklgp"],
              recognises: { ($0 as? Poisson)?.exposure == Poisson().exposure }) { _, _, _ in Poisson() },
        Entry("studentt", "regression, Student-t noise (3 degrees of freedom, trainable scale)", task: .regression,
              models: ["svgp", "dklgp"], parameters: [ParameterSlot("scale", default: 1)],
              recognises: { ($0 as? StudentT)?.degreesOfFreedom == StudentT().degreesOfFreedom }) { v, _, _ in StudentT(scale: v[0]) },
        Entry("softmax", "multi-class classification", task: .multiclassClassification, models: ["svgp"],
              needsClassCount: true, recognises: { likelihood in
                  let reference = Softmax(classes: 2)
                  return (likelihood as? Softmax).map { $0.samples == reference.samples && $0.seed == reference.seed } ?? false
              }) { _, classes, _ in Softmax(classes: classes) },
    ]

    /// Every likelihood's name, in catalogue order.
    public static var names: [String] { entries.map(\.name) }

    /// The names the model kind called `model` accepts, in catalogue order (its default first).
    public static func names(acceptedBy model: String) -> [String] {
        entries.filter { $0.isAccepted(by: model) }.map(\.name)
    }

    /// The entry called `name`, if any.
    public static func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The entry that describes `likelihood`, if any.
    public static func entry(describing likelihood: any Likelihood) -> Entry? {
        entries.first { $0.describes(likelihood) }
    }

    /// The task of the likelihood called `name` (regression for an unknown name).
    public static func task(of name: String) -> ModelTask { entry(named: name)?.task ?? .regression }
}
