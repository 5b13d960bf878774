import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// The dense ELBO of q(f) = N(μ, Σ), Σ = (K⁻¹ + diag 𝒥)⁻¹, μ = Σ j, in the stable form with W = diag √𝒥,
/// B = I + WKW: Σ = K − KW B⁻¹ WK, α = j − 𝒥μ (= K⁻¹μ), KL = ½[−tr(B⁻¹WKW) + μᵀα + log|B|].
func denseELBO(kernel: any Kernel, likelihood: any ScalarLikelihood, times: [Double], y: [Double],
               sites: GaussianSites) throws -> (elbo: Double, mean: [Double], variance: [Double]) {
    let n = times.count
    let k = kernel.gram(Matrix(column: times))
    let w = (0..<n).map { max(sites.second[$0], 0).squareRoot() }
    var b = Matrix(rows: n, cols: n)
    for j in 0..<n { for i in 0..<n { b[i, j] = w[i] * k[i, j] * w[j] } }
    let wkw = b
    b.addToDiagonal(1)
    let cb = try Cholesky(b)
    var wk = Matrix(rows: n, cols: n)
    for j in 0..<n { for i in 0..<n { wk[i, j] = w[i] * k[i, j] } }
    let v = cb.solveLower(wk)
    var sigma = k
    gemm(.transposed, .none, alpha: -1, v, v, beta: 1, into: &sigma)
    let mu = matvec(sigma, sites.first)
    let alpha = (0..<n).map { sites.first[$0] - sites.second[$0] * mu[$0] }
    let trace = (0..<n).reduce(0.0) { acc, i in acc + cb.solve(wkw.columns(i..<(i + 1)))[i, 0] }
    let kl = 0.5 * (-trace + dot(mu, alpha) + cb.logDeterminant)
    var e = 0.0
    for i in 0..<n { e += likelihood.expectation(y[i], mean: mu[i], variance: sigma[i, i]).value }
    return (e - kl, mu, (0..<n).map { sigma[$0, $0] })
}

/// CVI through the smoother (docs/methods/state-space.md#cvi).
@Suite struct StateSpaceCVITests {
    let kernel = Matern32(lengthscale: [1.3], variance: 1.1)

    /// Issue 5: with a Gaussian likelihood, one step of size 1 from arbitrary sites reaches the exact posterior.
    @Test(arguments: [StateSpaceSmoother.Method.rts, .bidirectional])
    func gaussianReachesTheExactPosteriorInOneStep(smoother: StateSpaceSmoother.Method) throws {
        let (t, y) = irregularSeries(200, seed: 61)
        let noise = 0.2
        var g = SeededGenerator(seed: 2)
        var start = GaussianSites(count: t.count, dimension: 1)
        for k in t.indices {
            start.first[k] = g.normal()
            start.second[k] = 3 * g.uniform()
        }
        var cvi = try StateSpaceCVI(kernel: kernel, likelihood: GaussianLikelihood(variance: noise), times: t, y: y,
                                    stepSize: 1, smoother: smoother, jitter: JitterPolicy(priorRelativeJitter: 1e-13),
                                    initialSites: start)
        let exact = ExactGP(kernel: kernel, likelihood: GaussianLikelihood(variance: noise))
        let lml = try exact.logMarginalLikelihood(Matrix(column: t), y)
        #expect(cvi.elbo < lml, "ELBO \(cvi.elbo) must lie below the LML \(lml) for arbitrary sites")
        try cvi.step()
        for k in t.indices {
            #expect(abs(cvi.sites.first[k] - y[k] / noise) < 1e-12 * abs(y[k] / noise) + 1e-12)
            #expect(abs(cvi.sites.second[k] - 1 / noise) < 1e-12 / noise)
        }
        let reference = try exact.posterior(Matrix(column: t), y).predict(at: Matrix(column: t))
        let ours = cvi.training
        #expect(zip(ours.mean, reference.mean).map { abs($0 - $1) }.max()! < 1e-9)
        #expect(zip(ours.variance, reference.variance).map { abs($0 - $1) }.max()! < 1e-9)
        #expect(relativeDifference(cvi.elbo, lml) < 1e-10, "ELBO \(cvi.elbo) vs LML \(lml)")
    }

    /// Poisson (exp link) and Bernoulli (logit, probit): at the CVI fixed point the site ELBO equals the dense
    /// ELBO of the same q, the smoothed marginals equal the dense q, and no perturbation of a site raises it.
    @Test(arguments: ["poisson", "logit", "probit"])
    func fixedPointMatchesTheDenseELBO(name: String) throws {
        var g = SeededGenerator(seed: 71)
        let t = (0..<120).map { _ in 30 * g.uniform() }.sorted()
        let f = t.map { 1.2 * Math.sin(0.6 * $0) }
        let likelihood: any ScalarLikelihood
        let y: [Double]
        switch name {
        case "poisson":
            likelihood = Poisson(exposure: 2)
            y = f.map { Double(poissonDraw(2 * Math.exp($0), &g)) }
        default:
            likelihood = Bernoulli(link: name == "logit" ? .logit : .probit)
            y = f.map { g.uniform() < Math.sigmoid(2 * $0) ? 1 : 0 }
        }
        var cvi = try StateSpaceCVI(kernel: kernel, likelihood: likelihood, times: t, y: y, stepSize: 0.7)
        let n = try cvi.run(maxIterations: 300, tolerance: 1e-11)
        #expect(n < 300, "CVI did not converge")
        for k in t.indices { #expect(cvi.sites.second[k] >= 0) }
        let dense = try denseELBO(kernel: kernel, likelihood: likelihood, times: t, y: y, sites: cvi.sites)
        #expect(relativeDifference(cvi.elbo, dense.elbo) < 1e-9, "\(name): site ELBO \(cvi.elbo) vs dense \(dense.elbo)")
        let (m, v) = cvi.sortedMarginals
        #expect(zip(m, dense.mean).map { abs($0 - $1) }.max()! < 1e-8)
        #expect(zip(v, dense.variance).map { abs($0 - $1) }.max()! < 1e-8)
        // A fixed point maximises the ELBO over sites: perturbing any one site lowers it.
        let best = cvi.elbo
        for k in [3, 60, 111] {
            for (df, dj) in [(0.05, 0.0), (-0.05, 0.0), (0.0, 0.05)] {
                var s = cvi.sites
                s.first[k] += df
                s.second[k] += dj
                let other = try StateSpaceCVI(kernel: kernel, likelihood: likelihood, times: t, y: y, initialSites: s)
                #expect(other.elbo < best, "\(name): perturbed site \(k) raised the ELBO \(other.elbo) > \(best)")
            }
        }
        // Prediction between the data is consistent with the marginals at the data.
        let p = try cvi.predict(at: [t[10], 15.0])
        #expect(abs(p.mean[0] - m[10]) < 1e-12 && abs(p.variance[0] - v[10]) < 1e-12)
        if name == "poisson" {
            // Counts track the rate: the posterior mean correlates with the true log-rate.
            let corr = correlation(m, f)
            #expect(corr > 0.8, "posterior mean vs truth correlation \(corr)")
        }
    }
}

/// Variational EM for CVI hyperparameters (docs/methods/state-space.md#cvi-hyperparameters).
@Suite struct StateSpaceCVILearningTests {
    func counts(seed: UInt64) -> (t: [Double], y: [Double], f: [Double]) {
        var g = SeededGenerator(seed: seed)
        let t = (0..<400).map { _ in 60 * g.uniform() }.sorted()
        let f = t.map { 0.8 * Math.sin(0.7 * $0) + 0.5 * Math.cos(0.23 * $0) + 0.7 }
        return (t, f.map { Double(poissonDraw(Math.exp($0), &g)) }, f)
    }

    /// At a CVI fixed point, ∂ELBO/∂θ (sites frozen, q re-smoothed) = ∂ log Z_sites/∂θ, and the
    /// site marginal likelihood's own gradient passes the finite-difference protocol.
    @Test func siteMarginalLikelihoodGradientIsTheELBOGradientAtTheFixedPoint() throws {
        let (t, y, _) = counts(seed: 81)
        let kernel = HidaMatern(order: 1, lengthscale: 1.4, variance: 0.9, frequency: 0.5)
        var cvi = try StateSpaceCVI(kernel: kernel, likelihood: Poisson(), times: t, y: y)
        #expect(try cvi.run(maxIterations: 200, tolerance: 1e-12) < 200)
        let objective = SiteMarginalLikelihood(kernel: kernel, times: cvi.times, sites: cvi.sites)
        let check = try FiniteDifferences.check(objective)
        #expect(check.error < 1e-5, "site LML gradient: analytic \(check.analytic) numeric \(check.numeric)")
        // log Z_sites from the Kalman pseudo-likelihood equals the smoother's log normaliser.
        #expect(relativeDifference(try objective.value(), cvi.states.logNormaliser) < 1e-10)
        let space = ParameterVector(kernel.parameters)
        let sites = cvi.sites
        let elboGradient = try FiniteDifferences.gradient({ xi in
            var k: any StateSpaceKernel = kernel
            k.parameters = space.parameters(at: xi)
            return try StateSpaceCVI(kernel: k, likelihood: Poisson(), times: t, y: y, initialSites: sites).elbo
        }, at: space.unconstrained)
        let e = try objective.evaluate(batch: nil)
        let analytic = space.unconstrainedGradient(e.gradient, at: space.unconstrained)
        let err = FiniteDifferences.maxRelativeError(analytic, elboGradient)
        #expect(err < 1e-5, "∂ELBO/∂ξ \(elboGradient) vs ∂log Z_sites/∂ξ \(analytic)")
    }

    /// Variational EM raises the ELBO and finds the signal's scale.
    @Test func variationalEMRaisesTheELBO() throws {
        let (t, y, f) = counts(seed: 82)
        var cvi = try StateSpaceCVI(kernel: Matern52(lengthscale: [10], variance: 0.1), likelihood: Poisson(), times: t, y: y)
        try cvi.run(maxIterations: 200, tolerance: 1e-9)
        let before = cvi.elbo
        let report = try cvi.fit()
        print("StateSpace CVI EM: ELBO \(before) → \(report.objective) in \(report.iterations) iterations; kernel \(cvi.kernel.summary)")
        #expect(report.objective > before + 1)
        for i in 1..<report.history.count { #expect(report.history[i] >= report.history[i - 1] - 1e-6 * abs(report.history[i])) }
        let ell = cvi.kernel.parameters[0].scalar
        #expect(ell > 1 && ell < 5, "lengthscale \(ell)")
        #expect(correlation(cvi.sortedMarginals.mean, f) > 0.9)
    }

    /// `--model statespace`: Gaussian training matches the exact kind's optimum; Poisson predicts counts.
    @Test func modelKind() throws {
        let (t, y) = irregularSeries(120, seed: 83)
        let kind = StateSpaceModelKind()
        let x = Matrix(column: t)
        var settings = FitSettings(model: "statespace", kernel: .base("matern32"), likelihood: "gaussian")
        settings.options = FitOptions(maxIterations: 200)
        let state = try kind.train(TrainingSet(x: x, y: y), settings: settings)
        let exact = try ExactModelKind().train(TrainingSet(x: x, y: y), settings: settings)
        #expect(abs(state.report.objective - exact.report.objective) < 1e-5 * abs(exact.report.objective))
        guard case let .regression(m1, v1) = try state.predictor.predict(Matrix(column: [3.3, 17])),
              case let .regression(m2, v2) = try exact.predictor.predict(Matrix(column: [3.3, 17])) else {
            Issue.record("regression predictions expected")
            return
        }
        #expect(zip(m1, m2).allSatisfy { abs($0 - $1) < 1e-4 } && zip(v1, v2).allSatisfy { abs($0 - $1) < 1e-4 })
        #expect(throws: StateSpaceError.notOneDimensional(columns: 2)) {
            try kind.train(TrainingSet(x: Matrix(rows: 3, cols: 2), y: [1, 2, 3]), settings: settings)
        }
        settings.kernel = .base("rbf")
        #expect(throws: StateSpaceError.self) { try kind.train(TrainingSet(x: x, y: y), settings: settings) }
        let (tc, yc, _) = counts(seed: 84)
        settings.kernel = .base("matern52")
        settings.likelihood = "poisson"
        let poisson = try kind.train(TrainingSet(x: Matrix(column: tc), y: yc), settings: settings)
        #expect(kind.task(for: "poisson") == .countRegression)
        guard case let .regression(mean, variance) = try poisson.predictor.predict(Matrix(column: [10, 30])) else {
            Issue.record("count predictions expected")
            return
        }
        #expect(mean.allSatisfy { $0 > 0 } && zip(mean, variance).allSatisfy { $1 >= $0 })
    }
}

/// A Poisson draw (inversion for small rates).
func poissonDraw(_ rate: Double, _ g: inout SeededGenerator) -> Int {
    if rate > 50 { return max(0, Int((rate + rate.squareRoot() * g.normal()).rounded())) }
    let l = Math.exp(-rate)
    var k = 0
    var p = g.uniform()
    while p > l {
        k += 1
        p *= g.uniform()
    }
    return k
}

func correlation(_ a: [Double], _ b: [Double]) -> Double {
    let n = Double(a.count)
    let ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for i in a.indices {
        sab += (a[i] - ma) * (b[i] - mb)
        saa += (a[i] - ma) * (a[i] - ma)
        sbb += (b[i] - mb) * (b[i] - mb)
    }
    return sab / (saa * sbb).squareRoot()
}
