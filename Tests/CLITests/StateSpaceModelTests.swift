import Foundation
import Testing
import GPTestSupport
import SwiftGP

/// `--model statespace`: linear-time GPs on one time column through the same commands.
@Suite struct StateSpaceModelTests {
    static let co2Train = TestData.repositoryRoot.appendingPathComponent("datasets/co2/co2_train.csv").path
    static let co2Test = TestData.repositoryRoot.appendingPathComponent("datasets/co2/co2_test.csv").path

    @Test func fitsTheCO2SeriesWithAHidaMaternComponentAndReloads() throws {
        try Scratch.with { dir in
            let model = dir.appendingPathComponent("co2.json").path
            let fit = try CLI.run(["fit", "--data", Self.co2Train, "--target", "co2", "--model", "statespace",
                                   "--kernel", "matern52 + hidamatern32", "--iterations", "60", "--quiet", "--output", model])
            #expect(fit.status == 0, "\(fit.stderr)")
            let eval = try CLI.run(["evaluate", "--model", model, "--data", Self.co2Test, "--format", "json"])
            #expect(eval.status == 0, "\(eval.stderr)")
            let m = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Double])
            #expect(m["n"] == 445 || m["n"]! > 0)
            let info = try CLI.run(["info", "--model", model, "--format", "json"])
            #expect(info.stdout.contains("hidamatern32"))
        }
    }

    @Test func oneDimensionalKernelsRejectSeveralFeatures() throws {
        let r = try CLI.run(["fit", "--data", Diabetes.train, "--target", "progression", "--kernel", "hidamatern32",
                             "--output", "/tmp/never-\(UUID().uuidString).json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("kernel 'hidamatern32' needs exactly one feature column"), "\(r.stderr)")
    }
}
