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

extension NotebookTests {
    /// The Heaton data are read in place from `../shared` (no licence: never copied into the repository).
    static let heatonDirectory = TestData.repositoryRoot.appendingPathComponent("../shared/datasets/heaton_simulated").standardized
    static let heatonPresent = ["heaton_smalltest_train.csv", "heaton_smalltest_test.csv"].allSatisfy {
        FileManager.default.fileExists(atPath: heatonDirectory.appendingPathComponent($0).path)
    }

    @Test(.enabled(if: heatonPresent, "skipped: ../shared/datasets/heaton_simulated (Heaton small test data) is absent"))
    func vecchiaNotebook() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgp-notebook-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, out) = try run("VecchiaNotebook", arguments: [dir.path])
        #expect(status == 0, "\(out)")
        // A run (m = 20, Matérn-1/2) printed RMSE 0.530 and CRPS 0.299 against a test-target sd of 2.60, with a
        // fitted noise sd of 0.26 as the floor. 0.65 is a quarter of the targets' sd and leaves ~20 % margin.
        let rmse = try #require(number(after: "test RMSE:", in: out))
        let crps = try #require(number(after: "test mean CRPS:", in: out))
        let testSD = try #require(number(after: "test sd", in: out))
        #expect(rmse < 0.65 && rmse < 0.25 * testSD, "RMSE \(rmse), test sd \(testSD)")
        #expect(crps > 0 && crps < 0.37, "CRPS \(crps)")
        // Uncertainty is larger where the cells were held out.
        let sdTrain = try #require(number(after: "mean posterior sd of f:", in: out))
        let sdHeld = try #require(number(after: "at training cells,", in: out))
        #expect(sdHeld > sdTrain)
        // KL to the exact prior for m = 1, 2, 3, 5, 8, 12, 20, 30: non-negative and non-increasing in m.
        let kls = try [1, 2, 3, 5, 8, 12, 20, 30].map { m in
            try #require(number(after: String(format: "m = %2d:", m), in: out), "KL for m = \(m)")
        }
        #expect(kls.allSatisfy { $0 >= -1e-8 }, "\(kls)")
        #expect(zip(kls.dropFirst(), kls).allSatisfy { $0 <= $1 + 1e-9 }, "\(kls)")
        #expect(kls[0] > 100 * kls[7], "m = 1 should be far worse than m = 30: \(kls)")
        for (name, labels) in [("vecchia_truth.svg", [">longitude (scaled)</text>", ">latitude (scaled)</text>", ">temperature</text>"]),
                               ("vecchia_prediction.svg", [">longitude (scaled)</text>", ">latitude (scaled)</text>", ">temperature</text>"]),
                               ("vecchia_uncertainty.svg", [">longitude (scaled)</text>", ">latitude (scaled)</text>", ">sd of f</text>"]),
                               ("vecchia_kl.svg", [">neighbours m</text>", ">KL (nats)</text>"])] {
            let svg = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            for label in labels { #expect(svg.contains(label), "\(name): \(label)") }
        }
    }
}
