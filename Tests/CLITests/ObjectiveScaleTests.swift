import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// `objective` is the log marginal likelihood of the data as given, whatever the standardisation.
@Suite struct ObjectiveScaleTests {
    @Test func standardisedObjectiveIsTheRawDataLML() throws {
        let x = TestData.uniform(40, 2, low: 0, high: 5, seed: 11)
        let y = (0..<40).map { 120 + 30 * sin(x[$0, 0]) + 5 * x[$0, 1] }
        let data = Dataset(source: "synthetic", features: ["a", "b"], target: "y", x: x, y: y)
        let fitted = try TrainedModel.fit(data, settings: FitSettings(kernel: .base("rbf"), options: FitOptions(maxIterations: 20)))
        let file = fitted.file
        let xs = try #require(file.standardization.x), ys = try #require(file.standardization.y)
        // The same GP on the raw y scale: covariances times s², mean μ.
        let kernel = try file.kernel.makeKernel()
        let noise = try file.likelihood.gaussianLikelihood().variance.scalar
        let s2 = ys.scale[0] * ys.scale[0]
        let raw = ExactGP(kernel: ScaledKernel(kernel, scale: s2), likelihood: GaussianLikelihood(variance: noise * s2, floor: 0),
                          mean: ConstantMean(ys.mean[0]))
        let lml = try raw.logMarginalLikelihood(xs.apply(x), y)
        #expect(abs(file.training.objective - lml) < 1e-8 * abs(lml), "\(file.training.objective) vs \(lml)")
        #expect(file.training.objective != file.training.objectiveStandardized)
    }

    @Test func withoutStandardisationTheObjectivesAgree() throws {
        let x = TestData.uniform(30, 1, seed: 12)
        let y = x.storage.map { sin(2 * $0) }
        let data = Dataset(source: "synthetic", features: ["x"], target: "y", x: x, y: y)
        let settings = FitSettings(kernel: .base("matern32"), standardize: false, options: FitOptions(maxIterations: 10))
        let file = try TrainedModel.fit(data, settings: settings).file
        #expect(file.standardization.x == nil && file.standardization.y == nil)
        #expect(file.training.objective == file.training.objectiveStandardized)
    }
}
