import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// Known per-point noise variances sₙ (`noise:`), added to the learned σ², in the exact GP, SGPR and SVGP
/// (docs/methods/exact-gp.md#known-per-point-noise).
@Suite struct FixedNoiseTests {
    let data = SmallRegression()
    /// sₙ from 0 to about 0.9: noisy and nearly noise-free rows side by side.
    var noise: [Double] { (0..<30).map { 0.9 * Double(($0 * 7) % 30) / 29 } }

    /// log N(y; 0, K + diag(σ² + s)) and the predictive mean at `xs`, densely.
    func dense(xs: Matrix) throws -> (lml: Double, mean: [Double]) {
        var k = data.kernel.gram(data.x)
        k.addToDiagonal(noise.map { $0 + data.noise })
        let c = try Cholesky(k, policy: data.exactJitter)
        let alpha = c.solve(data.y)
        let lml = -0.5 * zip(data.y, alpha).map { $0 * $1 }.reduce(0, +) - 0.5 * c.logDeterminant
            - 0.5 * Double(data.y.count) * Math.logTwoPi
        return (lml, matvec(data.kernel.cross(data.x, xs), alpha, .transposed))
    }

    @Test func exactGPMatchesTheDenseGaussianAndItsGradient() throws {
        let xs = TestData.uniform(8, 2, seed: 91)
        let reference = try dense(xs: xs)
        let model = ExactGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), jitter: data.exactJitter)
        let lml = try model.logMarginalLikelihood(data.x, data.y, noise: noise)
        #expect(relativeError(lml, reference.lml) < 1e-12, "\(lml) vs \(reference.lml)")
        let homoscedastic = try model.logMarginalLikelihood(data.x, data.y)
        #expect(abs(lml - homoscedastic) > 1, "the per-point noise changes the LML")
        let mean = try model.posterior(data.x, data.y, noise: noise).predict(at: xs).mean
        #expect(FiniteDifferences.maxRelativeError(mean, reference.mean) < 1e-10)
        let check = try FiniteDifferences.check(model.marginalLikelihood(data.x, data.y, noise: noise))
        #expect(check.error < 1e-6, "\(check.analytic) vs \(check.numeric)")
    }

    /// A constant s is the same model as σ² + s.
    @Test func constantNoiseEqualsALargerHomoscedasticNoise() throws {
        let model = ExactGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise))
        let shifted = ExactGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise + 0.2))
        let a = try model.logMarginalLikelihood(data.x, data.y, noise: [Double](repeating: 0.2, count: 30))
        #expect(relativeError(a, try shifted.logMarginalLikelihood(data.x, data.y)) < 1e-12)
        let sgpr = SGPR(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: data.x.selectingRows(Array(0..<7)))
        var wider = sgpr
        wider.likelihood = GaussianLikelihood(variance: data.noise + 0.2)
        let b = try sgpr.bound(data.x, data.y, noise: [Double](repeating: 0.2, count: 30)).value()
        #expect(relativeError(b, try wider.bound(data.x, data.y).value()) < 1e-10, "\(b)")
    }

    /// Inducing points at the data: the SGPR bound and the optimal SVGP's ELBO are the exact LML, and SGPR
    /// predicts as the exact GP, with per-point noise.
    @Test func sparseModelsAtTheDataRecoverTheExactGP() throws {
        let xs = TestData.uniform(8, 2, seed: 92)
        let reference = try dense(xs: xs)
        let sgpr = SGPR(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: data.x,
                        jitter: data.exactJitter)
        let bound = try sgpr.bound(data.x, data.y, noise: noise).value()
        #expect(relativeError(bound, reference.lml) < 1e-6, "SGPR \(bound) vs \(reference.lml)")
        let mean = try sgpr.posterior(data.x, data.y, noise: noise).predict(at: xs).mean
        #expect(FiniteDifferences.maxRelativeError(mean, reference.mean) < 1e-6)
        var svgp = try SVGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: data.x,
                            jitter: data.exactJitter)
        try svgp.naturalGradientStep(data.x, data.y, noise: noise, batch: nil, stepSize: 1)
        let elbo = try svgp.elbo(data.x, data.y, noise: noise).value()
        #expect(relativeError(elbo, reference.lml) < 1e-6, "SVGP \(elbo) vs \(reference.lml)")
    }

    @Test func sparseGradientsMatchFiniteDifferences() throws {
        let z = TestData.uniform(6, 2, low: -2, high: 2, seed: 93)
        let sgpr = SGPR(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z)
        let a = try FiniteDifferences.check(sgpr.bound(data.x, data.y, noise: noise))
        #expect(a.error < 1e-6, "SGPR \(a.analytic) vs \(a.numeric)")
        var svgp = try SVGP(kernel: data.kernel, likelihood: GaussianLikelihood(variance: data.noise), inducing: z)
        try svgp.naturalGradientStep(data.x, data.y, noise: noise, batch: nil, stepSize: 0.5)
        let b = try FiniteDifferences.check(svgp.elbo(data.x, data.y, noise: noise), batch: [1, 4, 9, 16, 25])
        #expect(b.error < 1e-6, "SVGP \(b.analytic) vs \(b.numeric)")
    }

    /// Rows with a known large noise: the fit that is told about it predicts held-out rows better.
    @Test func knownNoiseImprovesTheFit() throws {
        var g = SeededGenerator(seed: 94)
        let n = 120
        let x = TestData.uniform(n, 1, low: 0, high: 6, seed: 95)
        let s = (0..<n).map { $0 % 3 == 0 ? 1.0 : 0.0025 }
        let y = (0..<n).map { Math.sin(x[$0, 0]) + s[$0].squareRoot() * g.normal() }
        let train = Array(stride(from: 0, to: n, by: 2)), test = Array(stride(from: 1, to: n, by: 2))
        let xt = x.selectingRows(train), yt = train.map { y[$0] }, st = train.map { s[$0] }
        var told = ExactGP(kernel: Matern52(lengthscale: [1]), likelihood: GaussianLikelihood(variance: 0.01))
        try told.fit(xt, yt, noise: st)
        var blind = ExactGP(kernel: Matern52(lengthscale: [1]), likelihood: GaussianLikelihood(variance: 0.01))
        try blind.fit(xt, yt)
        let xs = x.selectingRows(test)
        func rmse(_ m: ExactGP, _ noise: [Double]?) throws -> Double {
            let mean = try m.posterior(xt, yt, noise: noise).predict(at: xs).mean
            return (zip(mean, test).map { ($0 - Math.sin(x[$1, 0])) * ($0 - Math.sin(x[$1, 0])) }.reduce(0, +) / Double(test.count)).squareRoot()
        }
        let a = try rmse(told, st), b = try rmse(blind, nil)
        #expect(a < 0.8 * b, "latent RMSE told \(a), blind \(b)")
    }

    @Test func badNoiseIsATypedError() throws {
        let model = ExactGP(kernel: data.kernel)
        for (bad, message) in [([Double](repeating: 0.1, count: 29), "29 noise variances but 30 targets"),
                               ([-0.1] + [Double](repeating: 0.1, count: 29), "noise variance -0.1 at row 0"),
                               ([Double.nan] + [Double](repeating: 0.1, count: 29), "noise variance nan at row 0")] {
            #expect { try model.logMarginalLikelihood(data.x, data.y, noise: bad) } throws: { error in
                "\(error)".contains(message)
            }
        }
        var svgp = try SVGP(kernel: data.kernel, likelihood: Bernoulli(), inducing: data.x.selectingRows([0, 1, 2]))
        #expect { try svgp.fit(data.x, data.y.map { $0 > 0 ? 1 : 0 }, noise: [Double](repeating: 0.1, count: 30)) } throws: { error in
            "\(error)".contains("per-point noise variances need a Gaussian likelihood, not bernoulli")
        }
    }
}
