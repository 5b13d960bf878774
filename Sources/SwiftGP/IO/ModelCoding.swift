import Foundation

/// One save/load API for every model: `try model.save(to: path)` writes its Codable form as JSON atomically;
/// `try ExactGP.load(from: path)` reads it back. The encoding is a thin layer over the model-file codec
/// (docs/methods/conventions.md): the kernel as a `KernelSpec` tree, the likelihood and mean as `ComponentSpec`s
/// (so only kinds of the `KernelCatalogue` and `LikelihoodCatalogue` round-trip), and then every parameter of
/// the model (`ParameterRecord`s: value, constraint, trainability, prior), which are checked against the
/// rebuilt model's names and shapes. A reloaded model predicts bit-identically.
/// - Complexity: O(number of parameter values).
public protocol SavableModel: Codable, Parameterised {}

extension SavableModel {
    /// Writes the model as JSON (temporary file, then rename).
    /// - Throws: `EncodingError` for a kernel or likelihood the catalogues do not describe; I/O errors.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: path)
    }

    /// Reads a model written by `save(to:)`.
    /// - Throws: `ModelFileError` naming the file and the problem.
    public static func load(from path: String) throws -> Self {
        guard FileManager.default.fileExists(atPath: path) else { throw ModelFileError.fileNotFound(path: path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError.unreadable(path: path, reason: "\(error)")
        }
        do { return try JSONDecoder().decode(Self.self, from: data) } catch let error as ModelFileError {
            throw error.naming(path)
        } catch {
            throw ModelFileError.corrupt(path: path, detail: "\(error)")
        }
    }
}

/// The coding keys every model shares.
enum ModelCodingKey: String, CodingKey {
    case model, kernel, likelihood, classes, mean, jitter, inducing, inputDimension, parametrisation, covariance, parameters
}

extension Parameterised {
    /// Assigns `records` (the whole model's parameters, in order) after checking names and shapes.
    /// - Throws: `ModelFileError.invalid` naming the first mismatch.
    mutating func assignRecords(_ records: [ParameterRecord]) throws {
        let current = parameters
        guard records.count == current.count else {
            throw ModelFileError.invalid(detail: "\(records.count) parameters stored, the model has \(current.count)")
        }
        var out: [Parameter] = []
        for (r, p) in zip(records, current) {
            guard r.name == p.name, r.value.count == p.count else {
                throw ModelFileError.invalid(detail: "parameter '\(r.name)' (\(r.value.count) values) where '\(p.name)' (\(p.count)) was expected")
            }
            out.append(try r.parameter(at: ""))
        }
        parameters = out
    }
}

extension KeyedEncodingContainer where K == ModelCodingKey {
    mutating func encodeParts(model: String, kernel: any Kernel, likelihood: any Likelihood, mean: (any MeanFunction)?,
                              jitter: JitterPolicy, parameters: [Parameter]) throws {
        try encode(model, forKey: .model)
        try encode(KernelSpec(kernel), forKey: .kernel)
        try encode(ComponentSpec(likelihood: likelihood), forKey: .likelihood)
        try encode(likelihood.latentCount, forKey: .classes)
        if let mean { try encode(ComponentSpec(kind: mean.kind, parameters: mean.parameters), forKey: .mean) }
        try encode(jitter, forKey: .jitter)
        try encode(parameters.map(ParameterRecord.init), forKey: .parameters)
    }
}

extension KeyedDecodingContainer where K == ModelCodingKey {
    func decodeModelName(_ expected: String) throws {
        let found = try decode(String.self, forKey: .model)
        guard found == expected else { throw ModelFileError.invalid(detail: "a '\(found)' model where '\(expected)' was expected") }
    }
    func decodeKernel(inputDimension: Int?) throws -> any Kernel {
        try decode(KernelSpec.self, forKey: .kernel).makeKernel(inputDimension: inputDimension)
    }
    func decodeLikelihood() throws -> any Likelihood {
        try decode(ComponentSpec.self, forKey: .likelihood).likelihood(classCount: try decode(Int.self, forKey: .classes))
    }
    func decodeMean(inputDimension: Int) throws -> any MeanFunction {
        try decode(ComponentSpec.self, forKey: .mean).meanFunction(inputDimension: inputDimension)
    }
    func decodeRecords() throws -> [ParameterRecord] { try decode([ParameterRecord].self, forKey: .parameters) }
}

extension ExactGP: SavableModel {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ModelCodingKey.self)
        try c.encodeParts(model: "exact", kernel: kernel, likelihood: likelihood, mean: mean, jitter: jitter, parameters: parameters)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ModelCodingKey.self)
        try c.decodeModelName("exact")
        let mean = try c.decode(ComponentSpec.self, forKey: .mean)
        guard let likelihood = try c.decodeLikelihood() as? GaussianLikelihood else {
            throw ModelFileError.invalid(detail: "an exact GP needs a gaussian likelihood")
        }
        self.init(kernel: try c.decodeKernel(inputDimension: nil), likelihood: likelihood,
                  mean: try mean.meanFunction(inputDimension: nil), jitter: try c.decode(JitterPolicy.self, forKey: .jitter))
        try assignRecords(try c.decodeRecords())
    }
}

extension SGPR: SavableModel {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ModelCodingKey.self)
        try c.encodeParts(model: "sgpr", kernel: kernel, likelihood: likelihood, mean: nil, jitter: jitter, parameters: parameters)
        try c.encode(inputDimension, forKey: .inputDimension)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ModelCodingKey.self)
        try c.decodeModelName("sgpr")
        let d = try c.decode(Int.self, forKey: .inputDimension)
        let records = try c.decodeRecords()
        guard d > 0, let z = records.first(where: { $0.name == "inducing" }), z.value.count % d == 0, !z.value.isEmpty,
              let likelihood = try c.decodeLikelihood() as? GaussianLikelihood else {
            throw ModelFileError.invalid(detail: "an SGPR needs a gaussian likelihood and inducing inputs of its input dimension")
        }
        self.init(kernel: try c.decodeKernel(inputDimension: d), likelihood: likelihood,
                  inducing: Matrix(rows: z.value.count / d, cols: d, storage: z.value),
                  jitter: try c.decode(JitterPolicy.self, forKey: .jitter))
        try assignRecords(records)
    }
}

extension SVGP: SavableModel {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ModelCodingKey.self)
        try c.encodeParts(model: "svgp", kernel: kernel, likelihood: likelihood, mean: nil, jitter: jitter, parameters: parameters)
        try c.encode(inputDimension, forKey: .inputDimension)
        try c.encode(parametrisation, forKey: .parametrisation)
        try c.encode(variational.covariance, forKey: .covariance)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ModelCodingKey.self)
        try c.decodeModelName("svgp")
        let d = try c.decode(Int.self, forKey: .inputDimension)
        let records = try c.decodeRecords()
        guard d > 0, let z = records.first(where: { $0.name == "inducing" }), z.value.count % d == 0, !z.value.isEmpty else {
            throw ModelFileError.invalid(detail: "an SVGP needs inducing inputs of its input dimension")
        }
        try self.init(kernel: try c.decodeKernel(inputDimension: d), likelihood: try c.decodeLikelihood(),
                      inducing: Matrix(rows: z.value.count / d, cols: d, storage: z.value),
                      parametrisation: try c.decode(InducingParametrisation.self, forKey: .parametrisation),
                      covariance: try c.decode(VariationalCovariance.self, forKey: .covariance),
                      jitter: try c.decode(JitterPolicy.self, forKey: .jitter))
        try assignRecords(records)
    }
}

extension StateSpaceGP: SavableModel {
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: ModelCodingKey.self)
        try c.encodeParts(model: "statespace", kernel: kernel, likelihood: likelihood, mean: mean, jitter: jitter,
                          parameters: parameters)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: ModelCodingKey.self)
        try c.decodeModelName("statespace")
        guard let likelihood = try c.decodeLikelihood() as? GaussianLikelihood else {
            throw ModelFileError.invalid(detail: "a state-space GP needs a gaussian likelihood")
        }
        try self.init(kernel: try c.decodeKernel(inputDimension: 1), likelihood: likelihood,
                      mean: try c.decodeMean(inputDimension: 1), jitter: try c.decode(JitterPolicy.self, forKey: .jitter))
        try assignRecords(try c.decodeRecords())
    }
}
