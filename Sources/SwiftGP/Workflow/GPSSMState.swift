import Foundation
import GPLinearAlgebra

/// What a `gpssm` model file keeps in `state` (docs/methods/gpssm.md#saving): the latent dimension, the mean
/// function and inference method, the D trained transition kernels, the model's other parameters (Z, w, Q, C,
/// d, R, μ₀, Σ₀ as records), and the posterior draws — trajectories ((T+1)·D values each, column-major) and
/// whitened inducing values (M·D each). The training series is the file's `data`.
/// - Complexity: O(S (T + M) D) numbers for S draws.
public struct GPSSMState: Codable, Sendable, Equatable {
    public let latentDimension: Int
    public let meanFunction: GPSSM.MeanFunction
    public let method: GPSSMMethod
    public let transitions: [KernelSpec]
    public let parameters: [ParameterRecord]
    public let trajectories: [[Double]]
    public let whitened: [[Double]]

    enum CodingKeys: String, CodingKey {
        case latentDimension = "latent_dimension"
        case meanFunction = "mean_function"
        case method, transitions, parameters, trajectories, whitened
    }

    /// The state of a trained posterior.
    public init(_ posterior: GPSSMPosterior) {
        let m = posterior.model
        latentDimension = m.latentDimension
        meanFunction = m.meanFunction
        method = posterior.method
        transitions = m.transitions.map { KernelSpec($0) }
        let kernelCount = m.transitions.reduce(0) { $0 + $1.parameters.count }
        parameters = m.parameters.dropFirst(kernelCount).map(ParameterRecord.init)
        trajectories = posterior.trajectories.map(\.storage)
        whitened = posterior.whitened.map(\.storage)
    }

    /// The posterior this state describes for the training series `series`.
    /// - Throws: `ModelFileError.invalid` naming what does not fit (counts, shapes, values outside their
    ///   constraints); `LinearAlgebraError` when a K(Z, Z) cannot be factorised.
    public func posterior(series: GPSSMSeries, jitter: JitterPolicy) throws -> GPSSMPosterior {
        let dx = latentDimension, dc = series.controlDimension, dy = series.outputDimension, din = dx + dc
        guard dx >= dy, transitions.count == dx else {
            throw ModelFileError.invalid(detail: "'state' has \(transitions.count) transition kernels for \(dx) latent dimensions "
                                         + "(at least \(dy), the output dimension)")
        }
        let kernels = try transitions.enumerated().map { try $1.makeKernel(inputDimension: din) }
        let names = ["inducing.inputs", "inducing.whitened", "process.variance", "emission.matrix", "emission.offset",
                     "emission.variance", "initial.mean", "initial.variance"]
        guard parameters.map(\.name) == names else {
            throw ModelFileError.invalid(detail: "'state.parameters' are [\(parameters.map(\.name).joined(separator: ", "))], expected [\(names.joined(separator: ", "))]")
        }
        let own = try parameters.map { try $0.parameter(at: "state.parameters") }
        let zCount = own[0].count
        guard zCount % din == 0, zCount > 0 else {
            throw ModelFileError.invalid(detail: "'state.parameters' inducing.inputs has \(zCount) values, not a multiple of \(din) inputs")
        }
        let m = zCount / din
        let expected = [zCount, m * dx, dx, dy * dx, dy, dy, dx, dx]
        for (p, n) in zip(own, expected) where p.count != n {
            throw ModelFileError.invalid(detail: "'state.parameters' \(p.name) has \(p.count) values, expected \(n)")
        }
        var model: GPSSM
        do {
            model = try GPSSM(transitions: kernels, inducing: Matrix(rows: m, cols: din, storage: own[0].value), outputDimension: dy,
                              controlDimension: dc, meanFunction: meanFunction, jitter: jitter)
        } catch let error as TrainingError {
            throw ModelFileError.invalid(detail: "'state': \(error)")
        }
        model.parameters = kernels.flatMap(\.parameters) + own
        let t1 = series.outputs.rows
        guard !trajectories.isEmpty, trajectories.count == whitened.count,
              trajectories.allSatisfy({ $0.count == t1 * dx }), whitened.allSatisfy({ $0.count == m * dx }) else {
            throw ModelFileError.invalid(detail: "'state' needs as many trajectories (\(t1 * dx) values each) as inducing draws "
                                         + "(\(m * dx) values each), at least one")
        }
        try InducingPointState.checkFinite([("trajectories", trajectories.flatMap { $0 }), ("whitened", whitened.flatMap { $0 })], at: "state")
        return try GPSSMPosterior(model: model, series: series, method: method,
                                  trajectories: trajectories.map { Matrix(rows: t1, cols: dx, storage: $0) },
                                  whitened: whitened.map { Matrix(rows: m, cols: dx, storage: $0) })
    }

    /// Kind-independent checks against the model file's features (the controls).
    func validate(featureCount d: Int) throws {
        guard latentDimension >= 1, transitions.count == latentDimension else {
            throw ModelFileError.invalid(detail: "'state.latent_dimension' is \(latentDimension) with \(transitions.count) transition kernels")
        }
        for (i, k) in transitions.enumerated() { try k.validate(dimension: latentDimension + d, at: "state.transitions.\(i)") }
    }
}
