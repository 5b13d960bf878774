import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Joint predictions of the inducing-point models (issue 13): the joint covariance and samples SGPR and
/// SVGP share through `InducingPosterior` (docs/methods/sparse-variational.md#prediction).
@Suite struct SparseJointPredictionTests {
    let data = SmallRegression()
    let xs = TestData.uniform(9, 2, seed: 77)

    func maxAbs(_ a: Matrix, _ b: Matrix) -> Double { zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? 0 }

    /// With Z = X and the optimal q(u), SVGP and SGPR are the exact GP, jointly: their covariances at test
    /// points equal the exact posterior's (whitened and unwhitened SVGP).
    @Test(arguments: [InducingParametrisation.whitened, .unwhitened])
    func inducingAtTheDataGivesTheExactJointCovariance(parametrisation: InducingParametrisation) throws {
        let exact = try ExactGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise))
            .posterior(data.x, data.y).covariance(at: xs)
        var svgp = try SVGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: data.x,
                            parametrisation: parametrisation, jitter: data.exactJitter)
        try svgp.naturalGradientStep(data.x, data.y, batch: nil, stepSize: 1)
        let sgpr = try SGPR(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: data.x,
                            jitter: data.exactJitter).posterior(data.x, data.y).covariance(at: xs)
        #expect(maxAbs(try svgp.posterior().covariance(at: xs), exact) < 1e-6)
        #expect(maxAbs(sgpr, exact) < 1e-6)
    }

    /// For any Z the covariance's diagonal is the marginal variance `predict` reports, and it is symmetric.
    @Test func covarianceDiagonalIsTheMarginalVariance() throws {
        let z = TestData.uniform(6, 2, seed: 5)
        let posterior = try SGPR(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z)
            .posterior(data.x, data.y)
        let c = try posterior.covariance(at: xs)
        let v = try posterior.predict(at: xs).variance
        for i in 0..<xs.rows {
            #expect(abs(c[i, i] - v[i]) < 1e-12 * max(1, v[i]))
            for j in 0..<i { #expect(c[i, j] == c[j, i]) }
        }
    }

    /// Samples are reproducible from the seed, and 40,000 of them have the predicted mean and covariance
    /// (Monte Carlo error: 6 standard errors).
    @Test func samplesHaveThePredictedMoments() throws {
        let z = TestData.uniform(6, 2, seed: 5)
        let svgp = try SVGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z)
        let posterior = try svgp.posterior()
        let pts = Matrix(rows: 3, cols: 2, storage: [0, 0.5, 1.5, 0, 0.2, -1])
        let count = 40_000
        let s = try posterior.samples(at: pts, count: count, seed: 9)
        #expect(s.storage == (try posterior.samples(at: pts, count: count, seed: 9)).storage)
        let mean = try posterior.predict(at: pts).mean
        let c = try posterior.covariance(at: pts)
        for i in 0..<3 {
            let mi = (0..<count).reduce(0) { $0 + s[i, $1] } / Double(count)
            #expect(abs(mi - mean[i]) < 6 * (c[i, i] / Double(count)).squareRoot())
            for j in 0...i {
                let cij = (0..<count).reduce(0) { $0 + (s[i, $1] - mean[i]) * (s[j, $1] - mean[j]) } / Double(count)
                let se = ((c[i, i] * c[j, j] + c[i, j] * c[i, j]) / Double(count)).squareRoot()
                #expect(abs(cij - c[i, j]) < 6 * se, "cov[\(i), \(j)] \(cij) vs \(c[i, j])")
            }
        }
    }
}
