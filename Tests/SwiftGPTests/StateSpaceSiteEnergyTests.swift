import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

private let siteNames = ["sites.first", "sites.second"]

/// Poisson counts (exposure 1) of a smooth log-rate on irregular times, with a repeated time.
private func countSeries(_ n: Int, seed: UInt64) -> (times: [Double], y: [Double]) {
    var g = SeededGenerator(seed: seed)
    var t = (0..<n).map { _ in 25 * g.uniform() }.sorted()
    t[n / 2] = t[n / 2 - 1]
    let y = t.map { Double(poissonDraw(Math.exp(0.8 + Math.sin(0.5 * $0)), &g)) }
    return (t, y)
}

/// Sites that are not a CVI fixed point: three damped updates from the linearisation start.
private func unsettledObjective(kernel: any StateSpaceKernel, likelihood: any ScalarLikelihood, times: [Double], y: [Double],
                                energy: SiteEnergy?) throws -> StateSpaceCVIObjective {
    let cvi = try StateSpaceCVI(kernel: kernel, likelihood: likelihood, times: times, y: y)
    var objective = StateSpaceCVIObjective(cvi, energy: energy)
    for _ in 0..<3 { try objective.update(.sites(stepSize: 0.4), parameters: siteNames, batch: nil) }
    return objective
}

/// The state-space site energies (docs/methods/state-space.md#ep-like-objective): the smoother's tangents and the
/// ELBO / EP-like estimate over its marginals, against the dense full GP and finite differences.
@Suite struct StateSpaceSiteEnergyTests {
    /// The tangents' values are the RTS smoother's, and their derivatives (means, variances, log Z) match central
    /// differences of the smoother for every parameter value, Δ = 0 included, with empty sites at missing targets.
    @Test(arguments: [0, 1, 2])
    func tangentsMatchTheSmootherAndFiniteDifferences(case index: Int) throws {
        let kernels: [any StateSpaceKernel] = [
            Matern32(lengthscale: [1.3], variance: 1.1),
            Matern52(lengthscale: [0.9], variance: 0.7),
            StateSpaceSum([HidaMatern(order: 1, lengthscale: 1.4, variance: 0.9, frequency: 0.5), Matern12(lengthscale: [3], variance: 0.3)]),
        ]
        let kernel = kernels[index]
        var (t, y) = countSeries(60, seed: 5)
        y[7] = .nan
        y[30] = .nan
        let objective = try unsettledObjective(kernel: kernel, likelihood: Poisson(), times: t, y: y, energy: nil)
        let sites = objective.sites
        #expect(sites.isEmpty(at: 7) && !sites.isEmpty(at: 8))
        let tangents = try SmootherTangents(kernel: kernel, times: t, sites: sites)
        let smoothed = try StateSpaceSmoother.smooth(kernel: kernel, times: t, sites: sites, method: .rts)
        let h = kernel.measurementVector
        for k in t.indices {
            let (m, v) = StateSpacePosterior.latent(smoothed, k, h)
            #expect(abs(tangents.mean[k] - m) < 1e-10 * (1 + abs(m)) && abs(tangents.variance[k] - v) < 1e-10 * (1 + v))
        }
        #expect(abs(tangents.logNormaliser - smoothed.logNormaliser) < 1e-10 * abs(smoothed.logNormaliser))

        // Central differences in each parameter value.
        let values = kernel.parameters.flatMap(\.value)
        func perturbed(_ j: Int, _ step: Double) throws -> (mean: [Double], variance: [Double], logZ: Double) {
            var k = kernel
            var flat = values
            flat[j] += step
            var offset = 0
            k.parameters = kernel.parameters.map { p in
                var q = p
                q.value = Array(flat[offset..<(offset + p.count)])
                offset += p.count
                return q
            }
            let s = try StateSpaceSmoother.smooth(kernel: k, times: t, sites: sites, method: .rts)
            let hk = k.measurementVector
            let latent = t.indices.map { StateSpacePosterior.latent(s, $0, hk) }
            return (latent.map(\.0), latent.map(\.1), s.logNormaliser)
        }
        for j in values.indices {
            let step = 1e-5 * max(1, abs(values[j]))
            let plus = try perturbed(j, step), minus = try perturbed(j, -step)
            let dm = t.indices.map { (plus.mean[$0] - minus.mean[$0]) / (2 * step) }
            let dv = t.indices.map { (plus.variance[$0] - minus.variance[$0]) / (2 * step) }
            let dz = (plus.logZ - minus.logZ) / (2 * step)
            #expect(FiniteDifferences.maxRelativeError(tangents.meanTangents[j], dm, floor: 1e-6) < 1e-5, "parameter value \(j): means")
            #expect(FiniteDifferences.maxRelativeError(tangents.varianceTangents[j], dv, floor: 1e-6) < 1e-5, "parameter value \(j): variances")
            #expect(FiniteDifferences.maxRelativeError([tangents.logNormaliserTangent[j]], [dz]) < 1e-6, "parameter value \(j): log Z")
        }
    }

    /// The state-space prior at the training times is the dense GP: for sites that are not a fixed point, the
    /// ELBO and EP-like energies and their kernel gradients equal the full GP's `SiteObjective` (O(n³)).
    @Test(arguments: ["poisson", "probit"])
    func energiesEqualTheDenseSiteObjective(name: String) throws {
        let kernel = Matern52(lengthscale: [1.7], variance: 1.3)
        var (t, y) = countSeries(50, seed: 9)
        let likelihood: any ScalarLikelihood = name == "poisson" ? Poisson() : Bernoulli(link: .probit)
        if name == "probit" { y = y.map { $0 > 2 ? 1 : 0 } }
        for energy in SiteEnergy.allCases {
            let ours = try unsettledObjective(kernel: kernel, likelihood: likelihood, times: t, y: y, energy: energy)
            let dense = SiteObjective(kernel: kernel, likelihood: likelihood, x: Matrix(column: ours.times), y: ours.y, energy: energy,
                                      sites: ours.sites, jitter: JitterPolicy(priorRelativeJitter: 1e-13))
            let a = try ours.evaluate(batch: nil), b = try dense.evaluate(batch: nil)
            #expect(abs(a.value - b.value) < 1e-8 * max(1, abs(a.value)), "\(energy): \(a.value) vs \(b.value)")
            #expect(abs(try ours.value(batch: nil) - a.value) < 1e-10 * max(1, abs(a.value)))
            let count = kernel.parameters.count
            let error = FiniteDifferences.maxRelativeError(Array(a.gradient[0..<count].joined()), Array(b.gradient[0..<count].joined()))
            #expect(error < 1e-6, "\(energy): gradient \(a.gradient[0..<count]) vs \(b.gradient[0..<count])")
        }
    }

    /// The energies' kernel gradients (sites frozen) against central differences of their values, missing targets
    /// included, for a sum of state-space kernels.
    @Test func energyGradientsMatchFiniteDifferences() throws {
        let kernel = StateSpaceSum([Matern32(lengthscale: [2.1], variance: 0.8), HidaMatern(order: 1, lengthscale: 3, variance: 0.4, frequency: 0.7)])
        var (t, y) = countSeries(70, seed: 13)
        y[11] = .nan
        for energy in SiteEnergy.allCases {
            let objective = try unsettledObjective(kernel: kernel, likelihood: Poisson(), times: t, y: y, energy: energy)
            let error = try FiniteDifferences.check(objective) { !$0.hasPrefix("sites") }
            #expect(error < 1e-6, "\(energy): \(error)")
        }
    }

    /// EP-like rounds on counts: the estimate never falls between accepted rounds, ends above its start, and the
    /// sites and kernel it returns give a posterior that tracks the true log-rate. The same rounds through the
    /// dense `SiteObjective` (same start, no screen) land on the same kernel.
    @Test func epLikeRoundsRaiseTheEstimateAndMatchTheDenseGP() throws {
        let (t, y) = countSeries(150, seed: 21)
        let start = Matern52(lengthscale: [1], variance: 1)
        var options = FitOptions(maxIterations: 40)
        options.screen = nil
        var cvi = try StateSpaceCVI(kernel: start, likelihood: Poisson(), times: t, y: y)
        let initial = try StateSpaceCVIObjective(cvi, energy: .epLike).fullValue()
        let report = try cvi.fit(siteEnergy: .epLike, options: options)
        for (a, b) in zip(report.history, report.history.dropFirst()) { #expect(b >= a - 1e-9 * abs(a), "\(a) → \(b)") }
        #expect(report.objective > initial)
        #expect(abs(report.objective - (try StateSpaceCVIObjective(cvi, energy: .epLike).fullValue())) < 1e-6 * abs(report.objective))

        let first = try StateSpaceCVI(kernel: start, likelihood: Poisson(), times: t, y: y)
        var dense = SiteObjective(kernel: start, likelihood: Poisson(), x: Matrix(column: first.times), y: first.y, energy: .epLike,
                                  sites: first.sites)
        let denseReport = try SiteTrainingSettings().trainRounds(&dense, options: options)
        #expect(abs(report.objective - denseReport.objective) < 1e-5 * abs(report.objective), "\(report.objective) vs \(denseReport.objective)")
        for (a, b) in zip(cvi.kernel.parameters.flatMap(\.value), dense.kernel.parameters.flatMap(\.value)) {
            #expect(abs(a - b) < 1e-3 * abs(b), "kernel \(cvi.kernel.parameters) vs \(dense.kernel.parameters)")
        }
        let f = cvi.sortedMarginals.mean
        let truth = t.map { 0.8 + Math.sin(0.5 * $0) }
        #expect(correlation(f, truth) > 0.9)
    }
}
