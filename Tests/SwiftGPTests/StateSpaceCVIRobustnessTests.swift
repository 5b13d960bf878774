import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Issue 11: CVI converges on counts whose means span 0.1 … 10⁴ (data-driven first sites, damping on
/// non-finite steps), where an undamped first step from the prior overflowed.
@Suite struct StateSpaceCVIRobustnessTests {
    @Test(arguments: [0.1, 1, 100, 10_000])
    func poissonCVIConvergesAcrossCountScales(scale: Double) throws {
        var g = SeededGenerator(seed: 1104)
        let t = (0..<400).map { Double($0) * 0.125 }
        let logRate = t.map { Math.log(scale) + 0.5 * Math.sin($0 / 3) }
        let y = logRate.map { Double(poissonDraw(Math.exp($0), &g)) }
        var cvi = try StateSpaceCVI(kernel: Matern52(lengthscale: [3], variance: 1), likelihood: Poisson(), times: t, y: y)
        let iterations = try cvi.run(maxIterations: 200, tolerance: 1e-8)
        #expect(iterations < 200, "CVI did not converge at scale \(scale)")
        #expect(cvi.elbo.isFinite)
        let m = cvi.training.mean
        #expect(m.allSatisfy { $0.isFinite })
        if scale >= 100 {
            // Many counts per bin: the posterior log-rate follows the truth closely.
            let err = zip(m, logRate).map { abs($0 - $1) }.reduce(0, +) / Double(m.count)
            #expect(err < 0.05, "mean |f − log λ| = \(err) at scale \(scale)")
        }
    }

    /// The log-rate clamp: below `Poisson.logRateCap` the expectation is the closed form; above it e^a continues
    /// along its tangent, so value and derivatives stay finite (at a = 1000, where e^a overflows) and continuous
    /// at the cap, and the derivatives are still the derivatives.
    @Test func poissonClampIsTheTangent() {
        let p = Poisson(exposure: 0.5)
        let y = 7.0, cap = Poisson.logRateCap
        let below = p.expectation(y, mean: 2, variance: 0.6)
        let r = 0.5 * Math.exp(2.3)
        #expect(abs(below.value - (y * (2 + Math.log(0.5)) - r - Math.logFactorial(y))) < 1e-12)
        #expect(abs(below.dMean - (y - r)) < 1e-12 && abs(below.dVariance + 0.5 * r) < 1e-12)
        let far = p.expectation(y, mean: 1000, variance: 4)
        #expect(far.value.isFinite && far.dMean.isFinite && far.dVariance.isFinite)
        #expect(far.dMean < 0, "the gradient points back towards the data")
        // Continuity at the cap (a = μ + v/2).
        let v = 2.0
        let left = p.expectation(y, mean: cap - 1 - 1e-9, variance: v), right = p.expectation(y, mean: cap - 1 + 1e-9, variance: v)
        #expect(abs(left.value - right.value) < 1e-6 * abs(left.value))
        #expect(abs(left.dMean - right.dMean) < 1e-6 * abs(left.dMean))
        // Above the cap the derivatives are the central differences of the value.
        let m = 50.0, h = 1e-3
        let dm = (p.expectation(y, mean: m + h, variance: v).value - p.expectation(y, mean: m - h, variance: v).value) / (2 * h)
        let dv = (p.expectation(y, mean: m, variance: v + h).value - p.expectation(y, mean: m, variance: v - h).value) / (2 * h)
        let e = p.expectation(y, mean: m, variance: v)
        #expect(abs(dm - e.dMean) < 1e-6 * abs(e.dMean) && abs(dv - e.dVariance) < 1e-6 * abs(e.dVariance))
        // The log density is clamped the same way.
        let l = p.logDensity(y, 1000)
        #expect(l.value.isFinite && l.df.isFinite && p.logDensityCurvature(y, 1000) == 0)
    }

    /// CVI from first sites whose log-rates (≈ 750) overflow e^a recovers: the clamp's tangent steps bring the
    /// posterior back (about one nat of log-rate per iteration above the cap, Newton's step on an exponential),
    /// to the same fixed point as CVI from the data-driven first sites.
    @Test func poissonCVIRecoversFromOverflowingFirstSites() throws {
        var g = SeededGenerator(seed: 1105)
        let t = (0..<200).map { Double($0) * 0.25 }
        let y = t.map { Double(poissonDraw(Math.exp(1 + 0.5 * Math.sin($0 / 3)), &g)) }
        let kernel = Matern52(lengthscale: [3], variance: 1)
        var reference = try StateSpaceCVI(kernel: kernel, likelihood: Poisson(), times: t, y: y)
        _ = try reference.run(maxIterations: 200, tolerance: 1e-10)
        var wild = GaussianSites(count: t.count, dimension: 1)
        for k in 0..<t.count {
            wild.second[k] = 1e6
            wild.first[k] = 750 * 1e6
        }
        var cvi = try StateSpaceCVI(kernel: kernel, likelihood: Poisson(), times: t, y: y, initialSites: wild)
        #expect(cvi.training.mean.allSatisfy { $0 > 700 }, "the first posterior is past e^709")
        let iterations = try cvi.run(maxIterations: 2000, tolerance: 1e-10)
        #expect(iterations < 2000)
        let gap = zip(cvi.training.mean, reference.training.mean).map { abs($0 - $1) }.max() ?? .infinity
        #expect(gap < 1e-6, "posterior means differ by \(gap) after \(iterations) iterations")
    }

    /// The default EM fit starts from the data (issue 11): counts on raw times (spacing 100, span 60 000, a
    /// log-rate wiggling on a scale of ~2500) from the kernel's unit defaults, where a unit lengthscale makes the
    /// prior white noise between neighbours and its gradient vanishes; the screen's start reaches a better ELBO
    /// than EM from the unit lengthscale, and the fitted lengthscale is on the signal's scale.
    @Test func poissonEMScreensDataDrivenStarts() throws {
        var g = SeededGenerator(seed: 1106)
        let t = (0..<600).map { 100 * Double($0) }
        let logRate = t.map { Math.log(20) + Math.sin($0 / 2500) }
        let y = logRate.map { Double(poissonDraw(Math.exp($0), &g)) }
        func fit(_ screen: StartScreen?) throws -> (StateSpaceCVI, FitReport) {
            var cvi = try StateSpaceCVI(kernel: Matern52(lengthscale: [1], variance: 1), likelihood: Poisson(), times: t, y: y)
            let report = try cvi.fit(iterations: 20, screen: screen)
            return (cvi, report)
        }
        let (screened, report) = try fit(StartScreen())
        let (plain, plainReport) = try fit(nil)
        let lengthscale = screened.kernel.parameters[0].scalar
        print("StateSpaceCVI Poisson raw times: ELBO \(report.objective) screened (ℓ = \(lengthscale)), "
              + "\(plainReport.objective) from ℓ = 1 (ℓ = \(plain.kernel.parameters[0].scalar)); "
              + "screen \(report.screen.map { "\($0.evaluated) points, \($0.seconds) s" } ?? "none")")
        #expect(report.screen?.evaluated == 4)
        #expect(report.objective > plainReport.objective + 5)
        #expect(lengthscale > 1000 && lengthscale < 30_000)
    }
}
