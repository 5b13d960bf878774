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
    /// magmaclust: π and, per task, its id and memberships τ.
    let clusters: ClusterNode?

    enum CodingKeys: String, CodingKey {
        case model, task, likelihood, mean, kernel, state, features, target, points, standardized, objective, iterations,
             evaluations, jitter, converged, restarts, seed, warnings, clusters
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
        if case let .magmaclust(state) = file.state { clusters = ClusterNode(state) } else { clusters = nil }
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
        if let clusters { lines += clusters.lines }
        lines += warnings.map { "warning       \($0)" }
        return lines.joined(separator: "\n")
    }
}

/// The clusters of a magmaclust model for `swiftgp info`: K, π, the hypotheses, and each task's memberships.
struct ClusterNode: Encodable {
    let count: Int
    let mixingWeights: [Double]
    let hypothesis: String
    let tasks: [String]
    let memberships: [[Double]]

    enum CodingKeys: String, CodingKey {
        case count, hypothesis, tasks, memberships
        case mixingWeights = "mixing_weights"
    }

    init(_ s: MagmaClustState) {
        count = s.clusterCount
        mixingWeights = s.mixingWeights
        hypothesis = MagmaHypotheses(sharedMeanKernel: s.sharedMeanKernel, sharedTaskKernel: s.sharedTaskKernel).name
        tasks = s.taskIDs
        memberships = s.memberships
    }

    var lines: [String] {
        var out = ["clusters      \(count) (\(hypothesis)); mixing weights " + mixingWeights.map { String(format: "%.3f", $0) }.joined(separator: ", ")]
        for k in 0..<count {
            let members = tasks.indices.filter { i in memberships[i].indices.max { memberships[i][$0] < memberships[i][$1] } == k }
            out.append("  cluster \(k + 1): \(members.count) task\(members.count == 1 ? "" : "s")"
                       + (members.isEmpty ? "" : ": " + members.prefix(12).map { "\(tasks[$0]) (\(String(format: "%.2f", memberships[$0][k])))" }
                            .joined(separator: ", ") + (members.count > 12 ? ", …" : "")))
        }
        return out
    }
}
