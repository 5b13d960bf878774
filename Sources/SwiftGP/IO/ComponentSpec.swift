import Foundation

/// A likelihood or mean function as stored in a model file: `{"kind": "gaussian", "parameters": [...]}`.
public struct ComponentSpec: Codable, Sendable, Equatable {
    public var kind: String
    public var parameters: [ParameterRecord]

    public init(kind: String, parameters: [Parameter]) {
        self.kind = kind
        self.parameters = parameters.map(ParameterRecord.init)
    }

    /// The Gaussian likelihood with the stored noise variance, constraint (floor) and trainability.
    /// - Throws: `ModelFileError.invalid` if this is not a valid `gaussian` likelihood.
    public func gaussianLikelihood() throws -> GaussianLikelihood {
        guard kind == "gaussian" else {
            throw ModelFileError.invalid(detail: "likelihood '\(kind)' where 'gaussian' was expected")
        }
        try expect(["variance"], scalar: true, at: "likelihood")
        var likelihood = GaussianLikelihood()
        likelihood.parameters = try parameters.map { try $0.parameter(at: "likelihood") }
        return likelihood
    }

    /// The stored likelihood: `gaussian`, `bernoulli` (probit), `bernoulli-logit`, `poisson`, `studentt`
    /// (3 degrees of freedom) or `softmax` (with `classCount` classes).
    /// - Throws: `ModelFileError.invalid` for an unknown kind or bad parameters.
    public func likelihood(classCount: Int?) throws -> any Likelihood {
        var likelihood: any Likelihood
        switch kind {
        case "gaussian": return try gaussianLikelihood()
        case "bernoulli":
            try expect([], scalar: true, at: "likelihood")
            likelihood = Bernoulli(link: .probit)
        case "bernoulli-logit":
            try expect([], scalar: true, at: "likelihood")
            likelihood = Bernoulli(link: .logit)
        case "poisson":
            try expect([], scalar: true, at: "likelihood")
            likelihood = Poisson()
        case "studentt":
            try expect(["scale"], scalar: true, at: "likelihood")
            likelihood = StudentT()
        case "softmax":
            try expect([], scalar: true, at: "likelihood")
            guard let c = classCount, c >= 2 else { throw ModelFileError.invalid(detail: "a softmax likelihood needs its 'classes'") }
            likelihood = Softmax(classes: c)
        default:
            throw ModelFileError.invalid(detail: "unknown likelihood '\(kind)' (known: gaussian, bernoulli, bernoulli-logit, poisson, studentt, softmax)")
        }
        likelihood.parameters = try parameters.map { try $0.parameter(at: "likelihood") }
        return likelihood
    }

    /// The stored mean function (`zero`, `constant`, `linear`) for inputs of `inputDimension` columns.
    /// - Throws: `ModelFileError.invalid` for an unknown kind or bad parameters.
    public func meanFunction(inputDimension d: Int) throws -> any MeanFunction {
        var mean: any MeanFunction
        switch kind {
        case "zero":
            try expect([], scalar: true, at: "mean")
            mean = ZeroMean()
        case "constant":
            try expect(["constant"], scalar: true, at: "mean")
            mean = ConstantMean()
        case "linear":
            try expect(["weights", "bias"], scalar: false, at: "mean")
            guard parameters[0].value.count == d, parameters[1].value.count == 1 else {
                throw ModelFileError.invalid(detail: "mean (linear) needs \(d) weights and one bias")
            }
            mean = LinearMean(weights: [Double](repeating: 0, count: d))
        default:
            throw ModelFileError.invalid(detail: "unknown mean function '\(kind)' (known: zero, constant, linear)")
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
