import Foundation
import SwiftGP

/// What `swiftgp info` shows, as text or as a one-line JSON object (keys sorted).
struct InfoReport: Encodable {
    let model: String
    let task: String
    let likelihood: ComponentNode
    let mean: ComponentNode
    let kernel: KernelNode
    let kernelSummary: String
    /// The kind's state in one line (`ModelState.summary`), e.g. the inference method of a `gpc` model.
    let state: String?
    let features: [String]
    let target: String
    let points: Int
    let standardized: [String: Bool]
    let objective: Double
    let objectiveName: String
    let objectiveStandardized: Double
    let iterations: Int
    let evaluations: Int
    let trainingSeconds: Double
    let jitter: Double
    let stopReason: String
    let converged: Bool
    let restarts: Int
    let seed: UInt64
    let formatVersion: Int
    let warnings: [String]

    enum CodingKeys: String, CodingKey {
        case model, task, likelihood, mean, kernel, state, features, target, points, standardized, objective, iterations,
             evaluations, jitter, converged, restarts, seed, warnings
        case kernelSummary = "kernel_summary", objectiveName = "objective_name"
        case objectiveStandardized = "objective_standardized", trainingSeconds = "training_seconds"
        case stopReason = "stop_reason", formatVersion = "format_version"
    }

    init(_ file: ModelFile) {
        let t = file.training
        model = file.model
        task = file.task.rawValue
        likelihood = ComponentNode(kind: file.likelihood.kind, parameters: file.likelihood.parameters)
        mean = ComponentNode(kind: file.mean.kind, parameters: file.mean.parameters)
        kernel = KernelNode(file.kernel)
        kernelSummary = (try? file.kernel.makeKernel().summary) ?? file.kernel.kind
        state = file.state?.summary
        features = file.features
        target = file.target
        points = t.points
        standardized = ["x": file.standardization.x != nil, "y": file.standardization.y != nil]
        objective = t.objective
        objectiveName = t.objectiveName
        objectiveStandardized = t.objectiveStandardized
        iterations = t.iterations
        evaluations = t.evaluations
        trainingSeconds = t.seconds
        jitter = t.jitter
        stopReason = t.stopReason
        converged = t.converged
        restarts = t.restarts
        seed = t.seed
        formatVersion = file.version
        warnings = t.warnings ?? []
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    var text: String {
        let scaled = [standardized["x"]! ? "X" : nil, standardized["y"]! ? "y" : nil].compactMap { $0 }
        var lines = [
            ("model", "\(model) (\(task); likelihood \(likelihood.inline); mean \(mean.inline))"),
            state.map { ("method", $0) },
            ("features", "\(features.joined(separator: ", ")) (\(features.count))"),
            ("target", target),
            ("training data", "\(points) points; " + (scaled.isEmpty ? "not standardised" : "standardised \(scaled.joined(separator: " and "))")),
            ("objective", "\(g(objective)) (\(objectiveName), data scale" + (standardized["y"]! ? "; \(g(objectiveStandardized)) standardised)" : ")")),
            ("iterations", "\(iterations) (\(stopReason)\(converged ? "" : ", not converged"); \(evaluations) evaluations"
                + (restarts > 0 ? "; \(restarts) restart\(restarts == 1 ? "" : "s"), seed \(seed)" : "") + ")"),
            ("training time", String(format: "%.3g s", trainingSeconds)),
            ("jitter", g(jitter)),
        ].compactMap { $0 }.map { "\($0.0.padding(toLength: 14, withPad: " ", startingAt: 0))\($0.1)" }
        lines.append("kernel        \(kernelSummary)")
        lines += kernel.lines(indent: "  ")
        lines += warnings.map { "warning       \($0)" }
        return lines.joined(separator: "\n")
    }
}
