import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
import SwiftGP

private let siteNames = ["sites.first", "sites.second"]
/// No prior jitter on K_uu, so that Z = X is the full GP exactly.
private let noPriorJitter = JitterPolicy(priorRelativeJitter: 0)

@Suite struct SparseSiteTests {
    /// With Z = X the projection is the identity and the Nyström residual vanishes: the sparse site objective is
    /// the full GP's `SiteObjective` — value, kernel gradient and marginals — for both energies, at sites that
    /// are not a fixed point (five damped CVI updates).
    @Test(arguments: [Bernoulli.Link.probit, .logit])
    func inducingAtTheDataIsTheFullGP(link: Bernoulli.Link) throws {
        let (x, y) = toyClassification(n: 25, seed: 3)
        let kernel = Matern52(lengthscale: [0.8, 1.3], variance: 1.9)
        for energy in SiteEnergy.allCases {
            var full = SiteObjective(kernel: kernel, likelihood: Bernoulli(link: link), x: x, y: y, energy: energy, jitter: noPriorJitter)
            for _ in 0..<5 { try full.update(.sites(stepSize: 0.5), parameters: siteNames, batch: nil) }
            let sparse = SparseSiteObjective(kernel: kernel, likelihood: Bernoulli(link: link), inducing: x, x: x, y: y, energy: energy,
                                             sites: full.sites, jitter: noPriorJitter)
            let a = try full.evaluate(batch: nil), b = try sparse.evaluate(batch: nil)
            #expect(abs(a.value - b.value) < 1e-8 * max(1, abs(a.value)), "\(energy) \(link): \(a.value) vs \(b.value)")
            let k = kernel.parameters.count
            #expect(FiniteDifferences.maxRelativeError(Array(a.gradient[0..<k].joined()), Array(b.gradient[0..<k].joined())) < 1e-7)
            let q = try full.posterior(), m = try sparse.marginals()
            for i in 0..<y.count {
                #expect(abs(q.mean[i] - m.mean[i]) < 1e-8 && abs(q.variance[i] - m.variance[i]) < 1e-8 && m.residual[i] < 1e-8)
            }
        }
    }

    /// The kernel and inducing-input gradients (sites frozen) against central differences, M < n.
    @Test(arguments: [Bernoulli.Link.probit, .logit])
    func gradientsMatchFiniteDifferences(link: Bernoulli.Link) throws {
        let (x, y) = toyClassification(n: 40, seed: 11)
        for energy in SiteEnergy.allCases {
            var objective = SparseSiteObjective(kernel: Matern52(lengthscale: [0.9, 1.2], variance: 1.4), likelihood: Bernoulli(link: link),
                                                inducing: x.selectingRows([0, 5, 10, 15, 20, 25, 30]), x: x, y: y, energy: energy)
            for _ in 0..<4 { try objective.update(.sites(stepSize: 0.5), parameters: siteNames, batch: nil) }
            let error = try FiniteDifferences.check(objective) { !$0.hasPrefix("sites") }
            #expect(error < 1e-6, "\(energy) \(link): \(error)")
        }
    }

    /// For any sites, the ELBO energy is the SVGP ELBO of the q(u) those sites define: log Z_sites − E_q log T
    /// + E_q log p(y | f) = E_q log p(y | f) − KL[q ‖ p], whitened and unwhitened.
    @Test func elboEnergyIsTheSVGPELBOOfTheSitePosterior() throws {
        let (x, y) = toyClassification(n: 40, seed: 5)
        let kernel = RBF(lengthscale: [0.7, 1.1], variance: 1.3)
        let z = x.selectingRows(Array(stride(from: 0, to: 40, by: 5)))
        var sites = SparseSiteObjective(kernel: kernel, likelihood: Bernoulli(link: .logit), inducing: z, x: x, y: y, energy: .elbo)
        for _ in 0..<3 { try sites.update(.sites(stepSize: 0.7), parameters: siteNames, batch: nil) }
        for parametrisation in [InducingParametrisation.whitened, .unwhitened] {
            var svgp = try SVGP(kernel: kernel, likelihood: Bernoulli(link: .logit), inducing: z, parametrisation: parametrisation)
            try svgp.setVariational(fromSites: sites)
            let elbo = try svgp.elbo(x, y).fullValue()
            let energy = try sites.value(batch: nil)
            #expect(abs(elbo - energy) < 1e-9 * max(1, abs(elbo)), "\(parametrisation): \(elbo) vs \(energy)")
        }
    }

    /// At a CVI fixed point q(u) is the SVGP optimum: full-batch natural-gradient steps on the SVGP reach the same
    /// q(u) (mean and covariance), and the fixed point's ELBO is at least that of the SVGP iterates.
    @Test func cviFixedPointIsTheSVGPOptimum() throws {
        let (x, y) = toyClassification(n: 50, seed: 8)
        let kernel = Matern32(lengthscale: [0.9, 1.0], variance: 1.5)
        let z = x.selectingRows(Array(stride(from: 0, to: 50, by: 6)))
        var sites = SparseSiteObjective(kernel: kernel, likelihood: Bernoulli(), inducing: z, x: x, y: y, energy: .elbo)
        for _ in 0..<200 { try sites.update(.sites(stepSize: 0.5), parameters: siteNames, batch: nil) }
        var fromSites = try SVGP(kernel: kernel, likelihood: Bernoulli(), inducing: z)
        try fromSites.setVariational(fromSites: sites)
        var svgp = try SVGP(kernel: kernel, likelihood: Bernoulli(), inducing: z)
        for _ in 0..<200 { try svgp.naturalGradientStep(x, y, batch: nil, stepSize: 0.5) }
        let m1 = fromSites.variational.mean(latent: 0), m2 = svgp.variational.mean(latent: 0)
        let s1 = fromSites.variational.sqrtMatrix(latent: 0), s2 = svgp.variational.sqrtMatrix(latent: 0)
        let c1 = matmul(s1, s1, .none, .transposed), c2 = matmul(s2, s2, .none, .transposed)
        #expect(FiniteDifferences.maxRelativeError(m1, m2, floor: 1e-6) < 1e-7)
        #expect(FiniteDifferences.maxRelativeError(c1.storage, c2.storage, floor: 1e-6) < 1e-7)
    }

    /// Gaussian likelihood: one update with β = 1 gives the exact sites (τ̃ = 1/σ², ν̃ = y/σ²), q(u) is SGPR's
    /// optimum and the ELBO energy is the collapsed (Titsias) bound.
    @Test func gaussianSitesGiveTheCollapsedBound() throws {
        var g = SeededGenerator(seed: 21)
        let x = Matrix(rows: 30, cols: 1, storage: (0..<30).map { _ in 6 * g.uniform() })
        let y = (0..<30).map { sin(x[$0, 0]) + 0.2 * g.normal() }
        let kernel = Matern52(lengthscale: [1.1], variance: 0.9)
        let noise = GaussianLikelihood(variance: 0.05)
        let z = x.selectingRows([0, 4, 8, 12, 16, 20, 24])
        var sites = SparseSiteObjective(kernel: kernel, likelihood: noise, inducing: z, x: x, y: y, energy: .elbo)
        try sites.update(.sites(stepSize: 1), parameters: siteNames, batch: nil)
        for i in 0..<30 {
            #expect(abs(sites.sites.second[i] - 1 / 0.05) < 1e-9 && abs(sites.sites.first[i] - y[i] / 0.05) < 1e-8)
        }
        let sgpr = SGPR(kernel: kernel, likelihood: noise, inducing: z)
        let bound = try sgpr.bound(x, y).value()
        #expect(abs(try sites.value(batch: nil) - bound) < 1e-9 * max(1, abs(bound)))
    }

    /// `SVGP.fit(siteEnergy:)`: the rounds never lower their bound, the EP-like estimate rises from its start, and
    /// the trained model predicts (held-out accuracy on a clearly separable problem).
    @Test func epLikeFitRaisesItsEstimateAndPredicts() throws {
        let (x, y) = toyClassification(n: 120, seed: 13)
        var model = try SVGP(kernel: Matern52(lengthscale: [1, 1]), likelihood: Bernoulli(link: .probit),
                             inducing: InducingPoints.kMeans(of: x, count: 15, seed: 1))
        let report = try model.fit(x, y, siteEnergy: .epLike, options: FitOptions(maxIterations: 15))
        let history = report.history
        #expect(history.count >= 2)
        for (a, b) in zip(history, history.dropFirst()) { #expect(b >= a - 1e-9 * abs(a)) }
        #expect(history.last! > history.first!)
        // An estimate of the log probability of binary labels; with Z free it rose above 0 (Z left the data).
        #expect(report.objective < 0, "\(report.objective)")
        #expect(model.z == InducingPoints.kMeans(of: x, count: 15, seed: 1))
        let (xt, yt) = toyClassification(n: 200, seed: 14)
        let f = try model.posterior().predict(at: xt)
        let correct = (0..<200).filter { (f.mean[$0] > 0) == (yt[$0] == 1) }.count
        #expect(correct >= 160, "\(correct) of 200")
    }

    /// Softmax has several latent functions and no scalar sites; a mean-field q(u) cannot hold the site posterior.
    @Test func unusableModelsAreRefused() throws {
        let (x, y) = toyClassification(n: 20, seed: 2)
        var softmax = try SVGP(kernel: RBF(), likelihood: Softmax(classes: 2), inducing: x.selectingRows([0, 1, 2]))
        #expect(throws: TrainingError.self) { try softmax.fit(x, y, siteEnergy: .epLike) }
        var meanField = try SVGP(kernel: RBF(), likelihood: Bernoulli(), inducing: x.selectingRows([0, 1, 2]), covariance: .meanField)
        #expect(throws: TrainingError.self) { try meanField.fit(x, y, siteEnergy: .epLike) }
    }
}
