import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// Every posterior checks the columns of the points it predicts at: a typed error, never a trap (issue 13).
@Suite struct PredictionInputTests {
    let x = TestData.uniform(20, 2, seed: 1601)
    var y: [Double] { (0..<20).map { Math.sin(3 * x[$0, 0]) + x[$0, 1] } }
    let wrong = TestData.uniform(3, 3, seed: 1602)
    let expected = PredictionError.inputColumns(given: 3, expected: 2)

    @Test func exactAndSparsePosteriorsThrowForOtherColumns() throws {
        let exact = try ExactGP(kernel: RBF(lengthscale: [1, 1])).posterior(x, y)
        #expect(throws: expected) { try exact.predict(at: wrong) }
        #expect(throws: expected) { try exact.predictObserved(at: wrong) }
        #expect(throws: expected) { try exact.covariance(at: wrong) }
        #expect(throws: expected) { try exact.samples(at: wrong, count: 2, seed: 1) }
        let sgpr = try SGPR(kernel: RBF(lengthscale: [1, 1]), inducing: x.selectingRows([0, 5, 10])).posterior(x, y)
        #expect(throws: expected) { try sgpr.predict(at: wrong) }
        #expect(throws: expected) { try sgpr.predictObserved(at: wrong) }
        #expect(throws: expected) { try sgpr.logPredictiveDensity([0, 0, 0], at: wrong) }
        #expect(throws: expected) { try sgpr.covariance(at: wrong) }
        #expect(throws: PredictionError.unknownLatent(index: 1, count: 1)) { try sgpr.covariance(at: x, latent: 1) }
        let svgp = try SVGP(kernel: RBF(lengthscale: [1, 1]), likelihood: Bernoulli(), inducing: x.selectingRows([0, 5])).posterior()
        #expect(throws: expected) { try svgp.predictProbabilities(at: wrong) }
    }

    @Test func classifierVecchiaAndDKLGPPosteriorsThrowForOtherColumns() throws {
        let labels = y.map { $0 > 0.5 ? 1.0 : 0.0 }
        let site = try GPClassifier(kernel: RBF(lengthscale: [1, 1]), inference: .laplace).posterior(x, labels)
        #expect(throws: expected) { try site.predict(at: wrong) }
        let vecchia = VecchiaGP(kernel: RBF(lengthscale: [1, 1]), neighbours: 5).posterior(x, y)
        #expect(throws: expected) { try vecchia.predict(at: wrong) }
        #expect(try vecchia.predict(at: x).mean.count == 20)
        var dklgp = DKLGP(kernel: RBF(lengthscale: [1, 1]), likelihood: GaussianLikelihood(variance: 0.1), neighbours: 5)
        try dklgp.fit(x, y, options: FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: 2))
        let q = try dklgp.posterior(x)
        #expect(throws: expected) { try q.predict(at: wrong) }
        #expect(try q.predict(at: x).mean.count == 20)
    }
}
