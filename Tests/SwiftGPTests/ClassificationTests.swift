import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

/// The scikit-learn Laplace reference (scripts/reference/sklearn_gpc_reference.py).
private struct GPCReference {
    let json: [String: Any]
    init() throws {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/sklearn_gpc_reference", withExtension: "json"))
        json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }
    var xTrain: Matrix { Matrix(json["x_train"] as! [[Double]]) }
    var yTrain: [Double] { json["y_train"] as! [Double] }
    var xTest: Matrix { Matrix(json["x_test"] as! [[Double]]) }
    var cases: [[String: Any]] { json["cases"] as! [[String: Any]] }
}

/// scikit-learn's `predict_proba` for binary Laplace: its erf combination approximating ∫ σ(f) N(f; μ, v) df.
private func sklearnLogisticIntegral(mean: Double, variance: Double) -> Double {
    let lambdas = [0.41, 0.4, 0.37, 0.44, 0.39]
    let coefs = [-1854.8214151, 3516.89893646, 221.29346712, 128.12323805, -2010.49422654]
    let alpha = 1 / (2 * variance)
    var p = 0.5 * coefs.reduce(0, +)
    for (l, c) in zip(lambdas, coefs) {
        let integral = (Double.pi / alpha).squareRoot() * erf(l * mean * (alpha / (alpha + l * l)).squareRoot())
            / (2 * (variance * 2 * Double.pi).squareRoot())
        p += c * integral
    }
    return p
}

/// A small seeded binary problem (also the sparse-site tests').
func toyClassification(n: Int, seed: UInt64) -> (x: Matrix, y: [Double]) {
    var g = SeededGenerator(seed: seed)
    let x = Matrix(rows: n, cols: 2, storage: g.normals(2 * n))
    let noise = g.normals(n)
    let y = (0..<n).map { i in sin(2 * x[i, 0]) + 0.5 * x[i, 1] + 0.3 * noise[i] > 0 ? 1.0 : 0.0 }
    return (x, y)
}


@Suite struct ClassificationTests {
    @Test func laplaceEqualsScikitLearn() throws {
        let ref = try GPCReference()
        for c in ref.cases {
            let variance = c["variance"] as! Double, lengthscale = c["lengthscale"] as! [Double]
            let objective = LaplaceMarginalLikelihood(kernel: Matern52(lengthscale: lengthscale, variance: variance),
                                                      likelihood: Bernoulli(link: .logit), x: ref.xTrain, y: ref.yTrain)
            let e = try objective.evaluate(batch: nil)
            #expect(abs(e.value - (c["lml"] as! Double)) < 1e-6)
            // sklearn's gradient is d/d log θ in the order [variance, ℓ₁, ℓ₂].
            let mine = [variance * e.gradient[1][0], lengthscale[0] * e.gradient[0][0], lengthscale[1] * e.gradient[0][1]]
            let theirs = c["lml_gradient_log"] as! [Double]
            for k in 0..<3 { #expect(abs(mine[k] - theirs[k]) < 1e-6 * max(1, abs(theirs[k])), "gradient \(k): \(mine[k]) vs \(theirs[k])") }
            let f = try objective.posterior().predict(at: ref.xTest)
            let mean = c["latent_mean"] as! [Double], v = c["latent_variance"] as! [Double], p1 = c["p1"] as! [Double]
            for j in mean.indices {
                #expect(abs(f.mean[j] - mean[j]) < 1e-6)
                #expect(abs(f.variance[j] - v[j]) < 1e-6)
                #expect(abs(sklearnLogisticIntegral(mean: f.mean[j], variance: f.variance[j]) - p1[j]) < 1e-6)
            }
        }
    }

    /// ∂³ log p (the Laplace gradient's input) against central differences of the curvature.
    @Test(arguments: [Bernoulli.Link.probit, .logit])
    func bernoulliThirdDerivativeMatchesFiniteDifferences(link: Bernoulli.Link) throws {
        let b = Bernoulli(link: link), h = 1e-5
        for y in [0.0, 1.0] {
            for f in [-6.0, -2.0, -0.3, 0, 0.5, 1.7, 6] {
                let numeric = (b.logDensityAndCurvature(y, f + h).d2f - b.logDensityAndCurvature(y, f - h).d2f) / (2 * h)
                let analytic = try #require(b.logDensityThirdDerivative(y, f))
                #expect(abs(analytic - numeric) < 1e-6 * max(1, abs(numeric)), "y \(y), f \(f)")
            }
        }
    }

    /// With a Gaussian likelihood the Laplace approximation is exact: its marginal likelihood and gradient are
    /// the exact GP's.
    @Test func laplaceWithGaussianLikelihoodIsExact() throws {
        let (x, _) = toyClassification(n: 30, seed: 13)
        var g = SeededGenerator(seed: 2)
        let y = g.normals(30)
        let kernel = Matern52(lengthscale: [0.9, 1.4], variance: 1.7)
        let exact = ExactGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 0.3)).marginalLikelihood(x, y)
        let laplace = LaplaceMarginalLikelihood(kernel: kernel, likelihood: GaussianLikelihood(variance: 0.3), x: x, y: y)
        let e = try exact.evaluate(batch: nil), l = try laplace.evaluate(batch: nil)
        #expect(abs(e.value - l.value) < 1e-9)
        for k in 0..<2 { for j in l.gradient[k].indices { #expect(abs(e.gradient[k][j] - l.gradient[k][j]) < 1e-8) } }
    }

    @Test(arguments: [Bernoulli.Link.probit, .logit])
    func laplaceGradientMatchesFiniteDifferences(link: Bernoulli.Link) throws {
        let (x, y) = toyClassification(n: 40, seed: 3)
        let objective = LaplaceMarginalLikelihood(kernel: Matern52(lengthscale: [0.7, 1.9], variance: 2.5),
                                                  likelihood: Bernoulli(link: link), x: x, y: y)
        #expect(try FiniteDifferences.check(objective) { $0.hasPrefix("kernel.") } < 1e-6)
    }

    /// CVI with a Gaussian likelihood and β = 1 reaches the exact posterior in one update; at those sites both
    /// energies equal the exact log marginal likelihood (ALGORITHMS §8.5 (a) 5).
    @Test func cviWithGaussianLikelihoodIsExactInOneStep() throws {
        let (x, _) = toyClassification(n: 30, seed: 5)
        var g = SeededGenerator(seed: 9)
        let y = g.normals(30)
        let kernel = Matern52(lengthscale: [0.9, 1.4], variance: 1.7)
        let noise = GaussianLikelihood(variance: 0.3)
        let exact = ExactGP(kernel: kernel, likelihood: noise)
        let truth = try exact.posterior(x, y).predict(at: x)
        let lml = try exact.logMarginalLikelihood(x, y)
        for energy in SiteEnergy.allCases {
            var objective = SiteObjective(kernel: kernel, likelihood: noise, x: x, y: y, energy: energy)
            try objective.update(.sites(stepSize: 1), parameters: ["sites.first", "sites.second"], batch: nil)
            let q = try objective.posterior()
            for i in 0..<30 {
                #expect(abs(q.mean[i] - truth.mean[i]) < 1e-10)
                #expect(abs(q.variance[i] - truth.variance[i]) < 1e-10)
            }
            #expect(abs(try objective.value(batch: nil) - lml) < 1e-9, "\(energy)")
            #expect(try FiniteDifferences.check(objective) { $0.hasPrefix("kernel.") } < 1e-6)
        }
    }

    /// SitePosterior's marginal variances (from L⁻¹ where τ̃ₙKₙₙ ≥ 10⁻², from V's columns elsewhere) and
    /// P = W B⁻¹ W (from L⁻¹ by dlauum) against the dense Σ = (K⁻¹ + T̃)⁻¹ and T̃ − T̃ΣT̃, with empty, tiny,
    /// moderate and large site precisions so that both routes run.
    @Test func sitePosteriorMarginalsMatchTheDenseInverse() throws {
        let (x, _) = toyClassification(n: 32, seed: 11)
        let kernel = Matern52(lengthscale: [0.7, 1.1], variance: 1.6)
        let k = kernel.gram(x)
        var g = SeededGenerator(seed: 12)
        let tau = (0..<32).map { i in [0, 1e-9, 3e-3, 0.4, 2.5, 1e4][i % 6] * (1 + 0.1 * g.uniform()) }
        var sites = GaussianSites(count: 32, dimension: 1)
        sites.first = g.normals(32)
        sites.second = tau
        let q = try SitePosterior(kernel: kernel, x: x, sites: sites)
        var precision = try Cholesky(k).inverse()
        for i in 0..<32 { precision[i, i] += tau[i] }
        let sigma = try Cholesky(precision).inverse()
        #expect(Set(tau.indices.map { tau[$0] * k[$0, $0] >= 1e-2 }).count == 2)
        for i in 0..<32 {
            #expect(abs(q.variance[i] - sigma[i, i]) <= 1e-9 * sigma[i, i], "v[\(i)] \(q.variance[i]) vs \(sigma[i, i]) at τ̃ \(tau[i])")
        }
        let p = q.precisionProjection()
        var scale = 0.0
        for j in 0..<32 { for i in 0..<32 { scale = max(scale, abs(tau[i] * sigma[i, j] * tau[j])) } }
        for j in 0..<32 {
            for i in 0..<32 {
                let expected = (i == j ? tau[i] : 0) - tau[i] * sigma[i, j] * tau[j]
                #expect(abs(p[i, j] - expected) <= 1e-9 * scale, "P[\(i), \(j)]")
            }
        }
    }

    /// The energies' analytic kernel gradients (sites frozen) against central differences, probit and logit.
    @Test(arguments: [Bernoulli.Link.probit, .logit])
    func siteEnergyGradientsMatchFiniteDifferences(link: Bernoulli.Link) throws {
        let (x, y) = toyClassification(n: 35, seed: 7)
        for energy in SiteEnergy.allCases {
            var objective = SiteObjective(kernel: Matern52(lengthscale: [0.8, 1.3], variance: 1.9), likelihood: Bernoulli(link: link),
                                          x: x, y: y, energy: energy)
            for _ in 0..<5 { try objective.update(.sites(stepSize: 0.5), parameters: ["sites.first", "sites.second"], batch: nil) }
            #expect(try FiniteDifferences.check(objective) { $0.hasPrefix("kernel.") } < 1e-6, "\(energy), \(link)")
        }
    }

    /// log Z_EP on n = 2 against brute force: log Z_sites and q's marginals by a 2-D grid, cavities from them,
    /// the tilted and site-under-cavity normalisers by 1-D grids.
    @Test(arguments: [Bernoulli.Link.probit, .logit])
    func epLikeMatchesBruteForce(link: Bernoulli.Link) throws {
        let x = Matrix([[0.2, -0.4], [0.9, 0.3]])
        let y = [1.0, 0.0]
        let kernel = Matern52(lengthscale: [0.7, 1.1], variance: 1.6)
        var sites = GaussianSites(count: 2, dimension: 1)
        sites.first = [0.3, -0.5]
        sites.second = [0.7, 1.2]
        let likelihood = Bernoulli(link: link)
        let value = try SiteObjective(kernel: kernel, likelihood: likelihood, x: x, y: y, energy: .epLike, sites: sites).value(batch: nil)

        let k = kernel.gram(x)
        let det = k[0, 0] * k[1, 1] - k[0, 1] * k[1, 0]
        let (h, half) = (0.02, 600)
        var z = 0.0, m = [0.0, 0.0], s = [0.0, 0.0]
        for i in -half...half {
            for j in -half...half {
                let f = [Double(i) * h, Double(j) * h]
                let quad = (k[1, 1] * f[0] * f[0] - 2 * k[0, 1] * f[0] * f[1] + k[0, 0] * f[1] * f[1]) / det
                var logw = -0.5 * quad - log(2 * Double.pi) - 0.5 * log(det)
                for n in 0..<2 { logw += sites.first[n] * f[n] - 0.5 * sites.second[n] * f[n] * f[n] }
                let w = exp(logw) * h * h
                z += w
                for n in 0..<2 { m[n] += w * f[n]; s[n] += w * f[n] * f[n] }
            }
        }
        var brute = log(z)
        for n in 0..<2 {
            let mean = m[n] / z, variance = s[n] / z - mean * mean
            let tc = 1 / variance - sites.second[n], nc = mean / variance - sites.first[n]
            let mu = nc / tc, s2 = 1 / tc
            var tilted = 0.0, site = 0.0
            for i in -4000...4000 {
                let f = mu + Double(i) * 0.0025 * s2.squareRoot()
                let w = exp(-0.5 * (f - mu) * (f - mu) / s2) / (2 * Double.pi * s2).squareRoot() * 0.0025 * s2.squareRoot()
                let p = link == .probit ? Math.normalCDF((2 * y[n] - 1) * f) : Math.sigmoid((2 * y[n] - 1) * f)
                tilted += w * p
                site += w * exp(sites.first[n] * f - 0.5 * sites.second[n] * f * f)
            }
            brute += log(tilted) - log(site)
        }
        // Probit's tilted normaliser is closed form; logit's is 20-point Gauss–Hermite.
        #expect(abs(value - brute) < (link == .probit ? 1e-9 : 1e-6), "\(value) vs \(brute)")
    }

    /// Rounds of site updates and hyperparameter steps never end below their start (a decrease is reverted), and
    /// the EP-like fit raises the estimate over the start; Laplace ends at a stationary point.
    @Test func fitsRaiseTheirObjectives() throws {
        let (x, y) = toyClassification(n: 60, seed: 11)
        for inference in ClassificationInference.allCases {
            var model = GPClassifier(kernel: Matern52(lengthscale: [1], variance: 1), likelihood: Bernoulli(link: .probit),
                                     inference: inference)
            let start = try model.posterior(x, y)
            let before = try model.objective(x, y, sites: start.sites).fullValue()
            let (posterior, report) = try model.fit(x, y, options: FitOptions(maxIterations: 30))
            #expect(report.objective > before + 1e-3, "\(inference): \(report.objective) vs \(before)")
            let after = try model.objective(x, y, sites: posterior.sites).fullValue()
            #expect(abs(after - report.objective) < 1e-6 * max(1, abs(after)), "\(inference)")
            if inference != .laplace {
                for (a, b) in zip(report.history, report.history.dropFirst()) { #expect(b >= a, "\(inference)") }
            }
        }
    }

    /// The default fit screens starting points around the inputs' scales: from a lengthscale of 1e-4 (white noise
    /// at the data's resolution, where every method's objective is flat to round-off) every inference method reaches a
    /// higher objective with the screen than without it, and reports what the screen evaluated.
    @Test func startScreenRescuesAWhiteNoiseStart() throws {
        let (x, y) = toyClassification(n: 60, seed: 14)
        for inference in ClassificationInference.allCases {
            func fit(screened: Bool) throws -> FitReport {
                var model = GPClassifier(kernel: Matern52(lengthscale: [1e-4], variance: 1), likelihood: Bernoulli(link: .probit),
                                         inference: inference)
                var options = FitOptions(maxIterations: 50)
                if !screened { options.screen = nil }
                return try model.fit(x, y, options: options).report
            }
            let plain = try fit(screened: false), screened = try fit(screened: true)
            #expect(plain.screen == nil)
            #expect((screened.screen?.evaluated ?? 0) >= 4, "\(inference)")
            #expect(screened.objective > plain.objective + 1, "\(inference): \(screened.objective) vs \(plain.objective)")
        }
    }

    /// Extrapolated rounds (SQUAREM on the kernel) take fewer rounds and their bounds never fall. Variational EM
    /// ends at the plain rounds' ELBO and kernel; EP-like rounds, which stop at the estimate's first fall rather
    /// than at a fixed point, end no lower than the plain ones.
    @Test func extrapolatedRoundsReachThePlainBoundSooner() throws {
        let (x, y) = toyClassification(n: 80, seed: 13)
        for inference in [ClassificationInference.vi, .epLike] {
            func fit(_ extrapolation: Bool) throws -> (report: FitReport, kernel: [Double]) {
                var model = GPClassifier(kernel: Matern52(lengthscale: [1], variance: 1), likelihood: Bernoulli(link: .probit),
                                         inference: inference,
                                         siteTraining: SiteTrainingSettings(roundTolerance: 1e-9, extrapolation: extrapolation))
                let report = try model.fit(x, y, options: FitOptions(maxIterations: 1000)).report
                return (report, model.kernel.parameters.flatMap(\.value))
            }
            let plain = try fit(false), fast = try fit(true)
            #expect(fast.report.iterations < plain.report.iterations,
                    "\(inference): \(fast.report.iterations) rounds extrapolated, \(plain.report.iterations) plain")
            let tolerance = 1e-5 * abs(plain.report.objective)
            #expect(fast.report.objective > plain.report.objective - tolerance, "\(inference): \(fast.report.objective) vs \(plain.report.objective)")
            if inference == .vi {
                #expect(fast.report.objective < plain.report.objective + tolerance, "\(fast.report.objective) vs \(plain.report.objective)")
                for (a, b) in zip(fast.kernel, plain.kernel) { #expect(abs(log(a / b)) < 1e-2, "\(fast.kernel) vs \(plain.kernel)") }
            }
            for (a, b) in zip(fast.report.history, fast.report.history.dropFirst()) { #expect(b >= a, "\(inference)") }
        }
    }

    /// VI rounds stop when a round changes the ELBO by less than `roundTolerance` (relative): a looser tolerance
    /// stops earlier at a bound within that tolerance's reach; a negative one is refused.
    @Test func roundsStopAtTheRoundTolerance() throws {
        let (x, y) = toyClassification(n: 60, seed: 12)
        func fit(_ tolerance: Double) throws -> FitReport {
            var model = GPClassifier(kernel: Matern52(lengthscale: [1], variance: 1), inference: .vi,
                                     siteTraining: SiteTrainingSettings(roundTolerance: tolerance))
            return try model.fit(x, y, options: FitOptions(maxIterations: 300)).report
        }
        let loose = try fit(1e-4), tight = try fit(1e-9)
        #expect(loose.iterations < tight.iterations, "\(loose.iterations) rounds at 1e-4, \(tight.iterations) at 1e-9")
        #expect(tight.objective >= loose.objective - 1e-9 && tight.objective - loose.objective < 0.05 * abs(tight.objective),
                "\(loose.objective) vs \(tight.objective)")
        var bad = GPClassifier(kernel: Matern52(lengthscale: [1]), inference: .vi, siteTraining: SiteTrainingSettings(roundTolerance: -1))
        #expect(throws: TrainingError.self) { try bad.fit(x, y) }
    }
}
