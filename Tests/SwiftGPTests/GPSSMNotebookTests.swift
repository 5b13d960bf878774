import Foundation
import Testing
import GPTestSupport

/// Runs Notebook 5 (`GPSSMNotebook`, the kink transition) and checks what it prints and draws.
extension NotebookTests {
    @Test func gpssmNotebook() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgp-gpssm-notebook-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, out) = try run("GPSSMNotebook", arguments: [dir.path])
        #expect(status == 0, "\(out)")
        // The kink is recovered inside the visited range (the same bound as GPSSMInferenceTests), and over the
        // first 10 free-run steps the forecast beats the outputs' own marginal Gaussian, which ignores the dynamics.
        let rmse = try #require(number(after: "inside the visited range:", in: out))
        #expect(rmse < 0.1, "RMSE \(rmse)")
        let lines = out.split(separator: "\n").map(String.init)
        let freeRun = try #require(lines.first { $0.contains("first 10 steps") }.flatMap { number(after: "mean NLL", in: $0) })
        let marginal = try #require(lines.first { $0.contains("marginal Gaussian") }.flatMap { number(after: "mean NLL", in: $0) })
        #expect(freeRun < marginal, "free-run NLL \(freeRun) vs marginal \(marginal)")
        for (name, labels) in [("gpssm_transition.svg", [">x(t)</text>", ">x(t+1)</text>", ">true f</text>", ">±2 sd of f</text>"]),
                               ("gpssm_free_run.svg", [">time step</text>", ">observed y</text>", ">95 % interval</text>"])] {
            let svg = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            for label in labels { #expect(svg.contains(label), "\(name): \(label)") }
        }
    }
}
