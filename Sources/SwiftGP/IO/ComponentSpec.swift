import Foundation

/// A likelihood or mean function as stored in a model file: `{"kind": "gaussian", "parameters": [...]}`.
public struct ComponentSpec: Codable, Sendable, Equatable {
    public var kind: String
    public var parameters: [ParameterRecord]

    public init(kind: String, parameters: [Parameter]) {
        self.kind = kind
        self.parameters = parameters.map(ParameterRecord.init)
    }

    /// Records `likelihood` under its `LikelihoodCatalogue` name (e.g. `bernoulli-logit`), or its `kind`
    /// when no catalogue entry describes it (`likelihood(classCount:)` then rejects it).
    public init(likelihood: any Likelihood) {
        self.init(kind: LikelihoodCatalogue.entry(describing: likelihood)?.name ?? likelihood.kind,
                  parameters: likelihood.parameters)
    }

    /// The Gaussian likelihood with the stored noise variance, constraint (floor) and trainability.
    /// - Throws: `ModelFileError.invalid` if this is not a valid `gaussian` likelihood.
    public func gaussianLikelihood() throws -> GaussianLikelihood {
        guard kind == "gaussian", let likelihood = try likelihood(classCount: nil) as? GaussianLikelihood else {
            throw ModelFileError.invalid(detail: "likelihood '\(kind)' where 'gaussian' was expected")
        }
        return likelihood
    }

    /// The stored likelihood, one of `LikelihoodCatalogue.names` (a `softmax` with `classCount` classes),
    /// with the stored parameter values, constraints and trainability.
    /// - Throws: `ModelFileError.invalid` for an unknown kind or bad parameters.
    public func likelihood(classCount: Int?) throws -> any Likelihood {
        guard let entry = LikelihoodCatalogue.entry(named: kind) else {
            throw ModelFileError.invalid(
                detail: "unknown likelihood '\(kind)' (known: \(LikelihoodCatalogue.names.joined(separator: ", ")))")
        }
        try expect(entry.parameterNames, scalar: true, at: "likelihood")
        if entry.needsClassCount {
            guard let c = classCount, c >= 2 else { throw ModelFileError.invalid(detail: "a \(kind) likelihood needs its 'classes'") }
        }
        var likelihood = entry.make(classCount: classCount)
        likelihood.parameters = try parameters.map { try $0.parameter(at: "likelihood") }
        return likelihood
    }

    /// The stored mean function, one of `MeanCatalogue.names`, with the stored values, constraints and
    /// trainability, for inputs of `inputDimension` columns (nil: not known; a mean with per-column parameters
    /// then takes its size from the file).
    /// - Throws: `ModelFileError.invalid` for an unknown kind, parameters the kind does not have, or a mean
    ///   sized for another number of columns.
    public func meanFunction(inputDimension d: Int?) throws -> any MeanFunction {
        guard let entry = MeanCatalogue.entry(named: kind) else {
            throw ModelFileError.invalid(detail: "unknown mean function '\(kind)' (known: \(MeanCatalogue.names.joined(separator: ", ")))")
        }
        guard var mean = entry.make(values: parameters.map(\.value)) else {
            throw ModelFileError.invalid(detail: "mean (\(kind)) has parameters [\(parameters.map { "\($0.name): \($0.value.count)" }.joined(separator: ", "))], "
                                         + "which do not fit a \(kind) mean")
        }
        try expect(mean.parameters.map(\.name), scalar: false, at: "mean")
        if let d, let own = mean.inputDimension, own != d {
            throw ModelFileError.invalid(detail: "mean (\(kind)) is sized for \(own) input columns, the model has \(d)")
        }
        mean.parameters = try parameters.map { try $0.parameter(at: "mean") }
        return mean
    }

    private func expect(_ names: [String], scalar: Bool, at path: String) throws {
        guard parameters.map(\.name) == names else {
            throw ModelFileError.invalid(detail: "\(path) (\(kind)) has parameters [\(parameters.map(\.name).joined(separator: ", "))], "
                                         + "expected [\(names.joined(separator: ", "))]")
        }
        if scalar, let p = parameters.first(where: { $0.value.count != 1 }) {
            throw ModelFileError.invalid(detail: "\(path).\(p.name) must be a single value, found \(p.value.count)")
        }
    }
}
