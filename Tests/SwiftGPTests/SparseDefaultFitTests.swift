import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Issue 11 for SVGP: the library's default fit starts from the data (lengthscales from the inputs' scales, the
/// signal variance from the targets on the latent scale) and screens candidates by the ELBO after q(u) has
/// adapted to each, on data far from unit scale, where the kernels' unit defaults see only noise.
@Suite struct SparseDefaultFitTests {
    /// y = 5 sin(x/40) + 0.5ε on x ∈ [0, 500]: the inputs' scale is ~150, the targets' variance ~12.
    static func rawScaleSeries(n: Int = 600, seed: UInt64 = 3) -> (x: Matrix, y: [Double]) {
        var g = SeededGenerator(seed: seed)
        let t = (0..<n).map { _ in 500 * g.uniform() }
        return (Matrix(column: t), t.map { 5 * Math.sin($0 / 40) + 0.5 * g.normal() })
    }

    static func adam(_ iterations: Int, screen: Bool) -> FitOptions {
        var o = FitOptions(optimizer: .adam(learningRate: 0.05), maxIterations: iterations, relativeTolerance: 0, seed: 1)
        if !screen { o.screen = nil }
        return o
    }

    /// Gaussian: the default fit's ELBO reaches the optimum of the collapsed SGPR bound (the ELBO's maximum over
    /// q(u), fitted from the same inducing inputs by L-BFGS and its own screen) to within 0.5 % — from the
    /// kernel's unit defaults without the screen it stays a noise model hundreds of nats below.
    @Test func gaussianDefaultFitReachesTheCollapsedOptimum() throws {
        let (x, y) = Self.rawScaleSeries()
        let z = InducingPoints.kMeans(of: x, count: 20, seed: 1)
        var sgpr = SGPR(kernel: Matern52(lengthscale: [1]), likelihood: GaussianLikelihood(), inducing: z)
        try sgpr.fit(x, y)
        let optimum = try sgpr.bound(x, y).value()

        var screened = try SVGP(kernel: Matern52(lengthscale: [1]), likelihood: GaussianLikelihood(), inducing: z)
        let report = try screened.fit(x, y, options: Self.adam(1000, screen: true), naturalGradients: NaturalGradientSchedule(stepSize: 1))
        let elbo = try screened.elbo(x, y).fullValue()
        var plain = try SVGP(kernel: Matern52(lengthscale: [1]), likelihood: GaussianLikelihood(), inducing: z)
        try plain.fit(x, y, options: Self.adam(300, screen: false), naturalGradients: NaturalGradientSchedule(stepSize: 1))
        let plainELBO = try plain.elbo(x, y).fullValue()
        print("SVGP Gaussian raw scale: SGPR optimum \(optimum), screened SVGP \(elbo), unit start \(plainELBO); "
              + "screen \(report.screen.map { "\($0.evaluated) points, \($0.seconds) s" } ?? "none")")
        #expect(report.screen != nil)
        #expect(elbo <= optimum + 1e-6 * abs(optimum))
        #expect(elbo >= optimum - 5e-3 * abs(optimum))
        #expect(plainELBO < optimum - 100)
        let noise = screened.likelihood.parameters[0].scalar
        #expect(abs(noise - 0.25) < 0.1, "noise variance \(noise), truth 0.25")
    }

    /// The screen ranks by the ELBO after q(u) adapts, and the fit starts from that q(u): on the screened
    /// rows a Gaussian candidate's screening value is the collapsed SGPR bound at that candidate.
    @Test func gaussianScreeningValueIsTheCollapsedBound() throws {
        let (x, y) = Self.rawScaleSeries(n: 300)
        let z = InducingPoints.kMeans(of: x, count: 15, seed: 1)
        let kernel = Matern52(lengthscale: [35], variance: 10)
        var objective = try SVGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 0.3), inducing: z).elbo(x, y)
        let screened = try objective.screeningValue()
        let collapsed = try SGPR(kernel: kernel, likelihood: GaussianLikelihood(variance: 0.3), inducing: z).bound(x, y).value()
        #expect(abs(screened - collapsed) < 1e-6 * abs(collapsed), "screen \(screened), collapsed \(collapsed)")
        #expect(abs(try objective.value(batch: nil) - collapsed) < 1e-6 * abs(collapsed), "q(u) kept its adapted value")
    }

    /// Bernoulli on inputs of scale ~100: the default start screens lengthscales from the inputs' spread and
    /// ends at a far better ELBO (tens of nats) than the fit from the unit default lengthscale (1 on a scale of
    /// 100), with test accuracy above 0.8.
    @Test func bernoulliDefaultFitFindsTheDecisionBoundary() throws {
        var g = SeededGenerator(seed: 11)
        func draw(_ n: Int) -> (Matrix, [Double]) {
            var x = Matrix(rows: n, cols: 2)
            var y: [Double] = []
            for i in 0..<n {
                x[i, 0] = 300 * g.uniform()
                x[i, 1] = 300 * g.uniform()
                let f = 6 * Math.sin(x[i, 0] / 50) * Math.cos(x[i, 1] / 60)
                y.append(g.uniform() < 1 / (1 + Math.exp(-f)) ? 1 : 0)
            }
            return (x, y)
        }
        let (x, y) = draw(800)
        let (xt, yt) = draw(800)
        let z = InducingPoints.kMeans(of: x, count: 30, seed: 1)
        func accuracy(screen: Bool) throws -> (Double, FitReport) {
            var model = try SVGP(kernel: Matern52(lengthscale: [1, 1]), likelihood: Bernoulli(link: .logit), inducing: z)
            let report = try model.fit(x, y, options: Self.adam(400, screen: screen))
            let p = try model.posterior().predictLatent(at: xt)
            let correct = zip(p.mean.storage, yt).filter { ($0.0 > 0) == ($0.1 == 1) }.count
            return (Double(correct) / Double(yt.count), report)
        }
        let (screened, report) = try accuracy(screen: true)
        let (plain, plainReport) = try accuracy(screen: false)
        print("SVGP Bernoulli raw scale: test accuracy \(screened) screened (ELBO \(report.objective)), \(plain) from the unit start (ELBO \(plainReport.objective)); "
              + "screen \(report.screen.map { "\($0.evaluated) points, \($0.seconds) s" } ?? "none")")
        #expect(report.screen?.evaluated == 4, "the given start and 3 lengthscale multipliers (no noise to vary)")
        #expect(report.objective > plainReport.objective + 20, "ELBO \(report.objective) screened, \(plainReport.objective) from the unit start")
        #expect(screened > 0.8)
    }

    /// The latent-scale summary: Gaussian targets as they are, Poisson counts as log(y + ½), binary labels a unit variance.
    @Test func latentScaleSummary() throws {
        let x = Matrix(column: [0, 1, 2, 3])
        let z = Matrix(column: [0, 3])
        let counts: [Double] = [0, 10, 100, 1000]
        let poisson = try SVGP(kernel: Matern52(lengthscale: [1]), likelihood: Poisson(), inducing: z).elbo(x, counts)
        let logs = counts.map { Math.log($0 + 0.5) }
        #expect(abs(try #require(poisson.dataSummary).targetVariance - DataSummary.variance(logs)) < 1e-12)
        let gaussian = try SVGP(kernel: Matern52(lengthscale: [1]), likelihood: GaussianLikelihood(), inducing: z).elbo(x, counts)
        #expect(abs(try #require(gaussian.dataSummary).targetVariance - DataSummary.variance(counts)) < 1e-9)
        let binary = try SVGP(kernel: Matern52(lengthscale: [1]), likelihood: Bernoulli(), inducing: z).elbo(x, [0, 1, 1, 0])
        #expect(try #require(binary.dataSummary).targetVariance == 1)
    }
}
