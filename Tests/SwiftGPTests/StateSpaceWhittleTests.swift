import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// An exact draw of a state-space GP on a regular grid: x₁ ~ N(0, P∞), x_k = A x_{k−1} + chol(Q) ε.
func simulateRegular(_ kernel: any StateSpaceKernel, count: Int, spacing: Double, seed: UInt64) throws -> [Double] {
    var g = SeededGenerator(seed: seed)
    let d = kernel.stateDimension
    let a = kernel.transition(spacing)
    let lq = try Cholesky(kernel.processNoise(spacing)).lower
    var x = smallProduct(try Cholesky(kernel.stationaryCovariance).lower, g.normals(d))
    let h = kernel.measurementVector
    var out: [Double] = []
    for _ in 0..<count {
        out.append(dot(h, x))
        let e = smallProduct(lq, g.normals(d))
        x = zip(smallProduct(a, x), e).map { $0 + $1 }
    }
    return out
}

/// Aliased spectra and the Whittle likelihood (docs/methods/state-space.md#whittle-likelihood).
@Suite struct StateSpaceWhittleTests {
    /// The SSM-based per-sample density equals the truncated aliasing sum (1/Δ) Σ_{|m|≤2000} S((λ + 2πm)/Δ),
    /// the closed form for Matérn-1/2, and its inverse DFT reproduces k(hΔ).
    @Test(arguments: stateSpaceKernels.indices)
    func aliasedSpectralDensity(index: Int) {
        let (name, k) = stateSpaceKernels[index]
        let spacing = 0.35
        let lambdas = [0.05, 0.4, 1.0, 2.2, 3.1]
        let ssm = WhittleLikelihood.spectralDensity(k, spacing: spacing, at: lambdas)
        for (i, lambda) in lambdas.enumerated() {
            let cut = 2000
            var sum = 0.0
            for m in -cut...cut { sum += k.spectralDensity((lambda + 2 * Double.pi * Double(m)) / spacing) }
            sum /= spacing
            // Tail |m| > 2000 by Euler–Maclaurin, (1/2π)∫_{ω₀}^∞ S ≈ S(ω₀)ω₀/(2π) for S ~ ω⁻² (order 0; the
            // higher orders' tails are far below the tolerance). Without it Matérn-1/2 is off by ≈ 3e-5.
            let upper = (2 * Double.pi * (Double(cut) + 0.5) + lambda) / spacing
            let lower = (2 * Double.pi * (Double(cut) + 0.5) - lambda) / spacing
            sum += (k.spectralDensity(upper) * upper + k.spectralDensity(lower) * lower) / (2 * Double.pi)
            #expect(abs(sum - ssm[i]) < 1e-8 * ssm[i], "\(name) λ = \(lambda): SSM \(ssm[i]) vs aliasing sum \(sum)")
            // The un-aliased approximation is visibly different at high frequency.
            if lambda > 3 && name == "matern12" { #expect(abs(k.spectralDensity(lambda / spacing) / spacing - ssm[i]) > 0.01 * ssm[i]) }
        }
        // Inverse DFT on a fine grid: (1/N) Σ_j f(2πj/N) e^{2πi jh/N} = Σ_r k((h + rN)Δ) ≈ k(hΔ).
        let n = 4096
        let grid = (0..<n).map { 2 * Double.pi * Double($0) / Double(n) }
        let f = WhittleLikelihood.spectralDensity(k, spacing: spacing, at: grid)
        for hLag in [0, 1, 3, 10] {
            var s = 0.0
            for j in 0..<n { s += f[j] * Math.cos(2 * Double.pi * Double(j * hLag % n) / Double(n)) }
            s /= Double(n)
            let kh = k.cross(Matrix(column: [Double(hLag) * spacing]), Matrix(column: [0])).scalar
            #expect(abs(s - kh) < 1e-9, "\(name): inverse DFT at lag \(hLag) = \(s), k = \(kh)")
        }
        if name == "matern12" {
            // Matérn-1/2: f = σ²(1 − a²)/|1 − a e^{−iλ}|², a = e^{−Δ/ℓ} (ℓ = 0.7, σ² = 1.3 in the kernel list).
            let a: Double = Math.exp(-spacing / 0.7)
            let s2 = 1.3
            for (i, lambda) in lambdas.enumerated() {
                let denominator: Double = 1 - 2 * a * Math.cos(lambda) + a * a
                let closed: Double = s2 * (1 - a * a) / denominator
                #expect(abs(closed - ssm[i]) < 1e-12 * closed)
            }
        }
    }

    @Test(arguments: stateSpaceKernels.indices)
    func whittleGradientMatchesFiniteDifferences(index: Int) throws {
        let (name, k) = stateSpaceKernels[index]
        let series = [try simulateRegular(k, count: 300, spacing: 0.2, seed: 3), try simulateRegular(k, count: 211, spacing: 0.2, seed: 4)]
        for variant in [WhittleLikelihood.Variant.aliased, .debiased] {
            let objective = WhittleLikelihood(kernel: k, series: series, spacing: 0.2, variant: variant)
            let check = try FiniteDifferences.check(objective)
            #expect(check.error < 1e-5, "\(name) \(variant): analytic \(check.analytic) numeric \(check.numeric)")
        }
    }

    /// The expected periodogram is what its name says (the mean of periodograms of exact draws), and it
    /// tends to the aliased density for long series.
    @Test func expectedPeriodogram() throws {
        let k = Matern32(lengthscale: [0.5], variance: 1.2)
        let t = 64, spacing = 0.1, draws = 4000
        var mean = [Double](repeating: 0, count: (t - 1) / 2)
        for s in 0..<draws {
            // Raw (not mean-removed) periodogram: E|Σ x_t e^{−iλt}|²/T is the expected-periodogram formula.
            let x = try simulateRegular(k, count: t, spacing: spacing, seed: UInt64(5000 + s))
            let (re, im) = FourierTransform.forward(x)
            for j in mean.indices { mean[j] += (re[j + 1] * re[j + 1] + im[j + 1] * im[j + 1]) / Double(t) / Double(draws) }
        }
        let fbar = WhittleLikelihood.expectedPeriodogram(k, spacing: spacing, length: t)
        for j in mean.indices {
            // Each periodogram ordinate is ≈ exponential: the mean of 4000 has relative s.d. ≈ 1.6%.
            #expect(abs(mean[j] - fbar[j]) < 0.07 * fbar[j], "λ_\(j + 1): Monte Carlo \(mean[j]) vs f̄ \(fbar[j])")
        }
        let long = 1 << 14
        let fl = WhittleLikelihood.expectedPeriodogram(k, spacing: spacing, length: long)
        let lambdas = [100, 2000, 8000].map { 2 * Double.pi * Double($0) / Double(long) }
        let f = WhittleLikelihood.spectralDensity(k, spacing: spacing, at: lambdas)
        for (i, j) in [100, 2000, 8000].enumerated() { #expect(abs(fl[j - 1] - f[i]) < 0.01 * f[i]) }
    }

    /// Short, finely sampled smooth series (the cvHM regime: 8 × 500 bins of 0.02, ℓ = 0.4): the periodogram's
    /// leakage biases the plain Whittle estimate to about half the lengthscale; the debiased form removes it.
    @Test func debiasedWhittleOnShortSmoothSeries() throws {
        let truth = HidaMatern(order: 1, lengthscale: 0.4, variance: 1, frequency: 0)
        let series = try (0..<8).map { try simulateRegular(truth, count: 500, spacing: 0.02, seed: UInt64($0)) }
        var estimates: [WhittleLikelihood.Variant: Double] = [:]
        for variant in [WhittleLikelihood.Variant.aliased, .debiased] {
            var w = WhittleLikelihood(kernel: HidaMatern(order: 1, lengthscale: 1.2, variance: 1, frequency: 0), series: series,
                                      spacing: 0.02, variant: variant)
            w.kernel.setTrainable(false, matching: "variance")
            w.kernel.setTrainable(false, matching: "frequency")
            try Trainer.fit(&w)
            estimates[variant] = w.kernel.parameters[0].scalar
        }
        print("StateSpace Whittle short series: ℓ̂ aliased \(estimates[.aliased]!), debiased \(estimates[.debiased]!) (truth 0.4)")
        #expect(abs(estimates[.debiased]! - 0.4) < 0.04)
        #expect(estimates[.aliased]! < 0.3, "the plain form's leakage bias is expected here")
    }

    /// T = 2¹⁴: the Whittle maximiser (trained by the shared engine) is within a few standard errors of the
    /// truth and of the exact (Kalman) maximum-likelihood estimate. The untapered periodogram leaks power
    /// from the spectral peak into the high frequencies (docs/methods/state-space.md#periodogram-leakage), which biases Whittle towards
    /// rougher kernels when f spans many decades over [0, π]; the sampling here keeps f(λ₁)/f(π) below 10⁴
    /// (at Δ = 0.1, ℓ = 1.5 for the HM case, f spans 10⁵ and the bias reaches 3 SE).
    @Test(arguments: [0, 1])
    func whittleRecoversHyperparameters(case index: Int) throws {
        let truth: any StateSpaceKernel = index == 0 ? Matern32(lengthscale: [0.6], variance: 1.4)
            : HidaMatern(order: 1, lengthscale: 1.0, variance: 0.8, frequency: 2.0)
        let spacing = index == 0 ? 0.1 : 0.2, count = 1 << 14
        let x = try simulateRegular(truth, count: count, spacing: spacing, seed: 99)
        var start = truth
        var ps = start.parameters
        for i in ps.indices { ps[i].value = ps[i].value.map { $0 * 1.4 + (ps[i].name == "frequency" ? 0.3 : 0) } }
        start.parameters = ps
        var whittle = WhittleLikelihood(kernel: start, series: [x], spacing: spacing)
        let report = try Trainer.fit(&whittle)
        #expect(report.converged, "\(report.stopReason)")
        let estimate = whittle.parameters.flatMap(\.value)
        let theta = truth.parameters.flatMap(\.value)
        // Standard errors from the Whittle Fisher information Σ_k ∂log f_k ∂log f_kᵀ.
        let lambdas = (1...((count - 1) / 2)).map { 2 * Double.pi * Double($0) / Double(count) }
        func logF(_ values: [Double]) -> [Double] {
            var k = truth
            var p = k.parameters
            var s = 0
            for i in p.indices { for j in p[i].value.indices { p[i].value[j] = values[s]; s += 1 } }
            k.parameters = p
            return WhittleLikelihood.spectralDensity(k, spacing: spacing, at: lambdas).map { Math.log($0) }
        }
        let np = theta.count
        var jac = [[Double]](repeating: [], count: np)
        for i in 0..<np {
            var tp = theta, tm = theta
            let h = 1e-5 * max(1, abs(theta[i]))
            tp[i] += h
            tm[i] -= h
            jac[i] = zip(logF(tp), logF(tm)).map { ($0 - $1) / (2 * h) }
        }
        var fisher = Matrix(rows: np, cols: np)
        for i in 0..<np { for j in 0..<np { fisher[i, j] = dot(jac[i], jac[j]) } }
        let covariance = try Cholesky(fisher).inverse()
        let f = WhittleLikelihood.spectralDensity(truth, spacing: spacing, at: [lambdas.first!, lambdas.last!])
        print("StateSpace Whittle case \(index): f(λ₁)/f(π) = \(f[0] / f[1])")
        // Exact MLE by the Kalman filter (noise fixed at its floor: the series is observed without noise).
        var exact = StateSpaceGP(kernel: start, likelihood: GaussianLikelihood(variance: 1e-6 * 1.0001))
        exact.setTrainable(false, matching: "likelihood.variance")
        let times = (0..<count).map { Double($0) * spacing }
        try exact.fit(times, x)
        let mle = exact.kernel.parameters.flatMap(\.value)
        for i in 0..<np {
            let se = covariance[i, i].squareRoot()
            print("StateSpace Whittle case \(index) θ\(i): truth \(theta[i]) Whittle \(estimate[i]) exact MLE \(mle[i]) SE \(se)")
            #expect(abs(estimate[i] - theta[i]) < 4 * se, "θ\(i): Whittle \(estimate[i]) vs truth \(theta[i]) (SE \(se))")
            #expect(abs(estimate[i] - mle[i]) < 3 * se, "θ\(i): Whittle \(estimate[i]) vs exact MLE \(mle[i]) (SE \(se))")
        }
    }
}

