import Foundation
import GPLinearAlgebra

/// The versioned JSON model file written by `swiftgp fit` and read by `predict`, `evaluate` and `info`.
///
/// Kind-independent fields describe the data (features, target, standardisation) and the training run;
/// `kernel`, `likelihood` and `mean` hold the learned components; `data` holds the (standardised)
/// training data for kinds whose posterior needs it, and `state` what else a kind needs, typed per kind
/// (`ModelState`: inducing points and q(u), …). Numbers round-trip exactly.
/// - Complexity: reading and writing are linear in the numbers stored (n d for `data`, the kind's `state`).
public struct ModelFile: Codable, Sendable, Equatable {
    public static let formatName = "swiftgp-model"
    /// The version this SwiftGP writes; it reads this one and earlier ones.
    public static let currentVersion = 1

    public var format: String = ModelFile.formatName
    public var version: Int = ModelFile.currentVersion
    /// The model kind (`exact`, …), a key of `ModelKinds`.
    public var model: String
    public var task: ModelTask
    public var kernel: KernelSpec
    public var likelihood: ComponentSpec
    public var mean: ComponentSpec
    public var features: [String]
    public var target: String
    /// The original label values of each class (classification only).
    public var classes: [Double]?
    public var standardization: StoredStandardization
    public var training: TrainingRecord
    public var jitterPolicy: JitterRecord
    public var data: TrainingData?
    /// The kind's own state; nil for kinds that keep none.
    public var state: ModelState?
    /// The column of known per-point noise variances the model was fitted with (`--noise-column`); `predict`
    /// and `evaluate` add that column's values to the predictive variance of y when their data has it.
    public var noiseColumn: String?

    enum CodingKeys: String, CodingKey {
        case format, version, model, task, kernel, likelihood, mean, features, target, classes, standardization,
             training, data, state
        case jitterPolicy = "jitter_policy", noiseColumn = "noise_column"
    }

    public init(model: String, task: ModelTask, kernel: KernelSpec, likelihood: ComponentSpec, mean: ComponentSpec,
                features: [String], target: String, classes: [Double]? = nil, standardization: StoredStandardization,
                training: TrainingRecord, jitterPolicy: JitterRecord, data: TrainingData? = nil,
                state: ModelState? = nil, noiseColumn: String? = nil) {
        self.model = model
        self.task = task
        self.kernel = kernel
        self.likelihood = likelihood
        self.mean = mean
        self.features = features
        self.target = target
        self.classes = classes
        self.standardization = standardization
        self.training = training
        self.jitterPolicy = jitterPolicy
        self.data = data
        self.state = state
        self.noiseColumn = noiseColumn
    }

    /// The file as compact JSON.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes the file atomically. - Throws: `OutputError`.
    public func save(to path: String) throws { try save(to: try AtomicFile(try OutputDestination(path))) }

    /// Writes the file to an opened output and commits it (atomically for a regular file).
    /// - Throws: `OutputError`.
    public func save(to out: AtomicFile) throws {
        out.write(try encoded())
        out.write("\n")
        try out.commit()
    }

    /// Reads and checks a model file: JSON syntax, format name, version, then every field.
    /// - Throws: `ModelFileError` naming the file and the problem.
    public static func load(from path: String) throws -> ModelFile {
        let bytes: [UInt8]
        do { bytes = try InputFile.read(path) } catch {
            switch error {
            case .notFound: throw ModelFileError.fileNotFound(path: path)
            case .isDirectory: throw ModelFileError.unreadable(path: path, reason: "it is a directory")
            case let .unreadable(reason): throw ModelFileError.unreadable(path: path, reason: reason)
            }
        }
        return try decode(Data(bytes), source: path == "-" ? "standard input" : path)
    }

    /// Parses and checks model-file bytes; `source` names them in errors.
    public static func decode(_ bytes: Data, source: String) throws -> ModelFile {
        if bytes.isEmpty { throw ModelFileError.corrupt(path: source, detail: "the file is empty") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: bytes) } catch {
            throw ModelFileError.corrupt(path: source, detail: jsonErrorDetail(error))
        }
        guard let header = object as? [String: Any], let format = header["format"] as? String,
              format == formatName else {
            throw ModelFileError.wrongFormat(path: source, found: (object as? [String: Any])?["format"].map { "\($0)" })
        }
        guard let version = header["version"] as? Int, version >= 1 else {
            throw ModelFileError.invalidFile(path: source, detail: "'version' must be a positive integer")
        }
        guard version <= currentVersion else {
            throw ModelFileError.unsupportedVersion(path: source, found: version, supported: currentVersion)
        }
        let file: ModelFile
        do { file = try JSONDecoder().decode(ModelFile.self, from: bytes) } catch let error as DecodingError {
            throw ModelFileError.invalidFile(path: source, detail: decodingErrorDetail(error))
        } catch let error as ModelFileError {
            throw error.naming(source)   // a typed part (`state`) that failed its own checks
        }
        do { try file.validate() } catch let error as ModelFileError { throw error.naming(source) }
        return file
    }

    /// The deepest kernel tree a model file may hold (each node one level).
    public static let maxKernelDepth = 2 * KernelExpression.maxDepth

    /// Kind-independent consistency checks (the kind checks its own parts when it builds a predictor).
    public func validate() throws {
        try jitterPolicy.validate()
        if kernel.depth > Self.maxKernelDepth {
            throw ModelFileError.invalid(detail: "'kernel' is nested \(kernel.depth) levels deep (at most \(Self.maxKernelDepth))")
        }
        let d = features.count
        guard d > 0 else { throw ModelFileError.invalid(detail: "'features' is empty") }
        if Set(features).count != d { throw ModelFileError.invalid(detail: "'features' has duplicate names") }
        try standardization.validate(dimension: d)
        if let data {
            guard !data.x.isEmpty, data.x.count == data.y.count else {
                throw ModelFileError.invalid(detail: "'data' has \(data.x.count) input rows and \(data.y.count) targets")
            }
            for (i, row) in data.x.enumerated() where row.count != d {
                throw ModelFileError.invalid(detail: "'data.x' row \(i) has \(row.count) values for \(d) features")
            }
            guard data.x.count == training.points else {
                throw ModelFileError.invalid(detail: "'data' has \(data.x.count) rows but 'training.points' is \(training.points)")
            }
            if let noise = data.noise {
                guard noise.count == data.y.count else {
                    throw ModelFileError.invalid(detail: "'data.noise' has \(noise.count) values for \(data.y.count) rows")
                }
                if let i = noise.firstIndex(where: { !($0.isFinite && $0 >= 0) }) {
                    throw ModelFileError.invalid(detail: "'data.noise' value \(i) is \(noise[i]), not a finite variance ≥ 0")
                }
            }
        }
        try state?.validate(featureCount: d)
        if task == .binaryClassification && classes?.count != 2 {
            throw ModelFileError.invalid(detail: "a binary classifier needs two 'classes'")
        }
        if task == .multiclassClassification && (classes?.count ?? 0) < 2 {
            throw ModelFileError.invalid(detail: "a multi-class classifier needs at least two 'classes'")
        }
        if let classes, zip(classes, classes.dropFirst()).contains(where: { $0 >= $1 }) {
            throw ModelFileError.invalid(detail: "'classes' must be distinct and increasing")
        }
    }
}
