import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// Runs the notebook executables and checks what they print and draw.
@Suite struct NotebookTests {
    func run(_ name: String, arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = TestData.productsDirectory.appendingPathComponent(name)
        process.arguments = arguments
        process.currentDirectoryURL = TestData.repositoryRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func number(after label: String, in text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(label) }) else { return nil }
        let tail = line[line.range(of: label)!.upperBound...]
        return Double(tail.split(whereSeparator: { $0 == " " || $0 == "," }).first.map(String.init) ?? "")
    }

    @Test func exactRegressionNotebook() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgp-notebook-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, out) = try run("ExactRegressionNotebook", arguments: [dir.path])
        #expect(status == 0, "\(out)")
        let lml = try #require(number(after: "optimised log marginal likelihood:", in: out))
        let initial = try #require(number(after: "initial log marginal likelihood:", in: out))
        // scikit-learn's optimum on the same data and kernel (fixture `snelson_rbf_optimised`).
        let url = try #require(Bundle.module.url(forResource: "Fixtures/sklearn_exact_reference", withExtension: "json"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let sk = try #require((json["cases"] as? [[String: Any]])?.first { $0["name"] as? String == "snelson_rbf_optimised" })
        let skLML = sk["lml"] as! Double
        #expect(lml >= skLML - 1e-3, "notebook \(lml) vs scikit-learn \(skLML)")
        #expect(lml > initial)
        // The printed hyperparameters reproduce the printed LML.
        let ell = try #require(number(after: "kernel.lengthscale =", in: out))
        let sf2 = try #require(number(after: "kernel.variance =", in: out))
        let sn2 = try #require(number(after: "likelihood.variance =", in: out))
        #expect(abs(ell - (sk["lengthscales"] as! [Double])[0]) < 0.01)
        let x = try DataTable.read(whitespaceSeparated: TestData.repositoryRoot.path + "/datasets/snelson1d/snelson_train_inputs.dat").values
        let y = try DataTable.read(whitespaceSeparated: TestData.repositoryRoot.path + "/datasets/snelson1d/snelson_train_outputs.dat").values.column(0)
        let model = ExactGP(kernel: RBF(lengthscale: [ell], variance: sf2), likelihood: GaussianLikelihood(variance: sn2))
        #expect(abs(try model.logMarginalLikelihood(x, y) - lml) < 1e-3)
        // Far from the data the prediction reverts to the prior.
        let farMean = try #require(number(after: "prediction at x = 10: mean", in: out))
        #expect(abs(farMean) < 0.05)
        // The plot exists and holds the band, the line and the 200 data points.
        let svg = try String(contentsOf: dir.appendingPathComponent("exact_regression.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") || svg.hasPrefix("<svg"))
        #expect(svg.components(separatedBy: "<circle").count - 1 >= 200)
        #expect(svg.contains("posterior mean"))
        // Readable (issue 13): both bands, told apart in the legend, and labelled axes.
        #expect(svg.contains("±2σ (y): f + noise") && svg.contains("±2σ (f): latent"))
        #expect(svg.contains(">x</text>") && svg.contains(">y</text>"))
    }
}

extension NotebookTests {
    @Test func sparseVariationalNotebook() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgp-notebook-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, out) = try run("SparseVariationalNotebook", arguments: [dir.path])
        #expect(status == 0, "\(out)")
        let bound = try #require(number(after: "SGPR bound:", in: out))
        let lml = try #require(number(after: "exact LML at SGPR's hyperparameters:", in: out))
        let upper = try #require(number(after: "upper bound:", in: out))
        let elbo = try #require(number(after: "SVGP ELBO:", in: out))
        let optimum = try #require(number(after: "optimised exact LML:", in: out))
        #expect(bound <= lml && lml <= upper)
        // With 15 inducing points the bounds are tight on these data: within 1 nat of the exact optimum.
        #expect(elbo <= optimum + 1e-6 && elbo > optimum - 1)
        #expect(bound > optimum - 1)
        let error = try #require(number(after: "test error", in: out))
        #expect(error <= 0.11)
        for (name, labels) in [("svgp_regression.svg", [">x</text>", ">y</text>", "±2σ (y): f + noise", "±2σ (f): latent"]),
                               ("svgp_banana.svg", [">x₁</text>", ">x₂</text>", "p = 0.5"])] {
            let svg = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            for label in labels { #expect(svg.contains(label), "\(name): \(label)") }
        }
    }
}
