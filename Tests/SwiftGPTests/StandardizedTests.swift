import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// `Standardized`: library-level standardisation of inputs and targets, saved with the model
/// (docs/methods/exact-gp.md#standardisation).
@Suite struct StandardizedTests {
    /// Raw scales: x ∈ [0, 500]², y ≈ 1000 + 40 f(x).
    let x = TestData.uniform(40, 2, low: 0, high: 500, seed: 1501)
    var y: [Double] { (0..<40).map { 1000 + 40 * Math.sin(x[$0, 0] / 80) + 10 * Math.cos(x[$0, 1] / 120) + Double($0 % 5) } }
    let xTest = TestData.uniform(9, 2, low: 0, high: 500, seed: 1502)

    /// The wrapper predicts exactly what the wrapped model predicts on standardised data, mapped back.
    @Test func predictionsAreTheWrappedModelsMappedBack() throws {
        var model = Standardized(ExactGP(kernel: Matern52()))
        try model.fit(x, y, options: FitOptions(maxIterations: 30))
        let xs = Standardization(fitting: x), ys = Standardization(fitting: y)
        #expect(model.inputScaling == xs && model.targetScaling == ys)
        let p = try model.model.posterior(xs.apply(x), ys.apply(y)).predictObserved(at: xs.apply(xTest))
        let q = try model.predictor(x, y).observed(xTest)
        #expect(q.mean == ys.invert(p.mean) && q.variance == ys.invertVariance(p.variance))
    }

    /// Target scaling is a reparametrisation: the fitted model equals a GP on the raw targets with mean μ_y,
    /// kernel s_y² k and noise s_y² σ², whose log marginal likelihood is the reported (data-scale) objective.
    @Test func targetScalingIsAReparametrisation() throws {
        var model = Standardized(ExactGP(kernel: Matern52()), inputs: false, targets: true)
        let report = try model.fit(x, y, options: FitOptions(maxIterations: 30))
        let ys = try #require(model.targetScaling)
        let s2 = ys.scale[0] * ys.scale[0]
        let raw = ExactGP(kernel: s2 * model.model.kernel,
                          likelihood: GaussianLikelihood(variance: s2 * model.model.likelihood.variance.scalar),
                          mean: ConstantMean(ys.mean[0]))
        let lml = try raw.logMarginalLikelihood(x, y)
        #expect(relativeError(report.objective, lml) < 1e-9, "\(report.objective) vs \(lml)")
        let a = try model.predictor(x, y).latent(xTest), b = try raw.posterior(x, y).predict(at: xTest)
        #expect(FiniteDifferences.maxRelativeError(a.mean, b.mean) < 1e-9)
        #expect(FiniteDifferences.maxRelativeError(a.variance, b.variance) < 1e-7)
    }

    /// Sparse models move their inducing inputs into the standardised space, and the transforms are saved.
    @Test func sparseModelsScaleTheirInducingInputsAndRoundTrip() throws {
        let z = x.selectingRows(Array(0..<8))
        let xs = Standardization(fitting: x)
        var moved = SGPR(kernel: Matern52(), inducing: z)
        moved.standardizeInputs(xs)
        #expect(moved.z == xs.apply(z))
        try roundTrip(Standardized(SGPR(kernel: Matern52(), inducing: z)))
        try roundTrip(Standardized(try SVGP(kernel: Matern52(), likelihood: GaussianLikelihood(), inducing: z)))
    }

    func roundTrip<M: StandardizableRegression>(_ model: Standardized<M>) throws {
        var m = model
        try m.fit(x, y, options: FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: 20))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("std-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try m.save(to: path)
        let back = try Standardized<M>.load(from: path)
        #expect(back.inputScaling == m.inputScaling && back.targetScaling == m.targetScaling)
        let p = try m.predictor(x, y).observed(xTest), q = try back.predictor(x, y).observed(xTest)
        #expect(p.mean == q.mean && p.variance == q.variance)
        let fitted = try m.predictor(x, y).observed(x).mean
        let rmse = (zip(fitted, y).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 40).squareRoot()
        #expect(rmse < 20, "\(M.self): training RMSE \(rmse) on targets of spread about 30")
    }

    @Test func badShapesAreTypedErrors() throws {
        var model = Standardized(ExactGP(kernel: Matern52()))
        #expect(throws: TrainingError.invalidData("40 input rows but 39 targets")) { try model.fit(x, Array(y.dropLast())) }
        try model.fit(x, y, options: FitOptions(maxIterations: 5))
        let predictor = try model.predictor(x, y)
        #expect(throws: PredictionError.inputColumns(given: 3, expected: 2)) {
            try predictor.observed(TestData.uniform(2, 3, seed: 1503))
        }
        #expect(throws: TrainingError.invalidData("inputs have 1 columns, the model was fitted on 2")) {
            try model.predictor(TestData.uniform(40, 1, seed: 1504), y)
        }
    }
}
