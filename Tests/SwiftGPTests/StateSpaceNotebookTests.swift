import Foundation
import Testing
import GPTestSupport

/// Runs Notebook 3 (`StateSpaceNotebook`) and checks what it prints and draws.
/// (The SwiftGPTests target should list "StateSpaceNotebook" among its dependencies so `swift test`
/// always builds it first; until then this relies on `swift build` having built every product.)
@Suite struct StateSpaceNotebookTests {
    func number(after label: String, in text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(label) }) else { return nil }
        let tail = line[line.range(of: label)!.upperBound...]
        return Double(tail.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "(" }).first.map(String.init) ?? "")
    }

    @Test func stateSpaceNotebook() throws {
        let executable = TestData.productsDirectory.appendingPathComponent("StateSpaceNotebook")
        try #require(FileManager.default.fileExists(atPath: executable.path), "build the StateSpaceNotebook product first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgp-ss-notebook-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let process = Process()
        process.executableURL = executable
        process.arguments = [dir.path, "--max-length", "10000"]
        process.currentDirectoryURL = TestData.repositoryRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let out = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(out)")
        let r2 = try #require(number(after: "pooled R² after affine alignment:", in: out))
        #expect(r2 >= 0.96, "R² \(r2)")
        let offset = try #require(number(after: "mean learned offset:", in: out))
        #expect(abs(offset - 1.6094) < 0.1)
        #expect(out.contains("T =   10000"))
        let lml = try #require(number(after: "fit on T = 20000: log p(y) =", in: out))
        #expect(lml.isFinite)
        let noise = try #require(number(after: "likelihood.variance =", in: out))
        #expect(abs(noise - 0.09) < 0.01, "learned noise variance \(noise) (true 0.09)")
        for (file, labels) in [("spike_latents.svg", ["posterior mean", ">time</text>", ">latent 1</text>", "±2σ (latent)"]),
                               ("long_series.svg", ["posterior mean", ">time</text>", ">y</text>", "±2σ (y): f + noise",
                                                    "±2σ (f): latent"])] {
            let svg = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            #expect(svg.contains("<svg"), "\(file)")
            for label in labels { #expect(svg.contains(label), "\(file): \(label)") }
        }
    }
}
