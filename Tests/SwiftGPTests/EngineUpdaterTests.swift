import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// A log density in closed form over one identity-constrained vector `w`: log N(w; μ, Σ) (up to a
/// constant), with gradient −Σ⁻¹(w − μ). The engine's toy target for optimiser, prior and sampler tests.
struct GaussianTarget: Objective {
    var w: Parameter
    let mean: [Double]
    let precision: Matrix

    init(start: [Double], mean: [Double], covariance: Matrix) throws {
        w = Parameter("w", start, .identity)
        self.mean = mean
        precision = try Cholesky(covariance).inverse()
    }

    var parameters: [Parameter] {
        get { [w] }
        set { w.assign(from: newValue[0]) }
    }

    func evaluate(batch: [Int]?) throws -> Evaluation {
        let r = zip(w.value, mean).map { $0 - $1 }
        let pr = matvec(precision, r)
        return Evaluation(value: -0.5 * dot(r, pr), gradient: [pr.map { -$0 }])
    }
}

/// Two-component Gaussian mixture on the line with unit variances: parameters `means` (2) and `weight`
/// (π of the first component, in (0, 1)). Its marginal log-likelihood is what EM and a direct fit maximise.
struct MixtureLogLikelihood: Objective {
    var means: Parameter
    var weight: Parameter
    let x: [Double]

    var parameters: [Parameter] {
        get { [means, weight] }
        set {
            means.assign(from: newValue[0])
            weight.assign(from: newValue[1])
        }
    }

    /// log π − ½(x − μ₀)² and log(1 − π) − ½(x − μ₁)².
    func componentTerms(_ xi: Double) -> (Double, Double) {
        let (m0, m1, p) = (means.value[0], means.value[1], weight.scalar)
        return (Math.log(p) - 0.5 * (xi - m0) * (xi - m0), Math.log(1 - p) - 0.5 * (xi - m1) * (xi - m1))
    }

    /// p(component 0 | xᵢ) at every point.
    var responsibilities: [Double] {
        x.map { xi in
            let (a, b) = componentTerms(xi)
            return Math.exp(a - Math.logSumExp([a, b]))
        }
    }

    /// Σᵢ [rᵢ log(π N(xᵢ; μ₀)) + (1 − rᵢ) log((1−π) N(xᵢ; μ₁))] and its gradient, up to the constant.
    func weightedTerms(_ r: [Double]) -> Evaluation {
        let (m0, m1, p) = (means.value[0], means.value[1], weight.scalar)
        var value = 0.0, g0 = 0.0, g1 = 0.0, gp = 0.0
        for (xi, ri) in zip(x, r) {
            let (a, b) = componentTerms(xi)
            value += ri * a + (1 - ri) * b
            g0 += ri * (xi - m0)
            g1 += (1 - ri) * (xi - m1)
            gp += ri / p - (1 - ri) / (1 - p)
        }
        return Evaluation(value: value, gradient: [[g0, g1], [gp]])
    }

    /// By Fisher's identity the marginal's gradient is the complete-data gradient at the current responsibilities.
    func evaluate(batch: [Int]?) throws -> Evaluation {
        var e = weightedTerms(responsibilities)
        e.value = x.reduce(0) { acc, xi in
            let (a, b) = componentTerms(xi)
            return acc + Math.logSumExp([a, b]) - 0.5 * Math.logTwoPi
        }
        return e
    }
}

/// The expected complete-data log-likelihood of the mixture at fixed responsibilities (the M-step objective).
struct MixtureCompleteData: Objective {
    var model: MixtureLogLikelihood
    let responsibilities: [Double]

    var parameters: [Parameter] {
        get { model.parameters }
        set { model.parameters = newValue }
    }

    func evaluate(batch: [Int]?) throws -> Evaluation { model.weightedTerms(responsibilities) }
}

/// EM for the mixture on the engine's alternating driver: E-step = responsibilities (returns the marginal
/// log-likelihood, the EM bound at equality), M-step = an engine fit of the complete-data objective.
struct MixtureEM: AlternatingModel {
    var model: MixtureLogLikelihood
    var responsibilities: [Double] = []

    mutating func expectationStep(_ context: inout AlternatingContext) throws -> Double {
        responsibilities = model.responsibilities
        return try model.evaluate(batch: nil).value
    }

    mutating func maximizationStep(_ context: inout AlternatingContext) throws -> MaximizationOutcome {
        var m = MixtureCompleteData(model: model, responsibilities: responsibilities)
        try context.fit(&m, options: FitOptions(gradientTolerance: 1e-10, relativeTolerance: 1e-14))
        model = m.model
        return .undecided
    }
}

/// Rounds whose M-steps minimise one ill-conditioned quadratic about a centre that moves a little every round,
/// for warm-started M-steps (`AlternatingContext.fit(warmStart:)`); the vector has `dimensions[round % count]`
/// entries (a change of length drops carried curvature pairs).
struct DriftingQuadraticRounds: AlternatingModel {
    let warmStart: Bool
    var dimensions = [3]
    var round = 0
    var optima: [[Double]] = []

    mutating func expectationStep(_ context: inout AlternatingContext) throws -> Double {
        round += 1
        return Double(round)
    }

    mutating func maximizationStep(_ context: inout AlternatingContext) throws -> MaximizationOutcome {
        let d = dimensions[round % dimensions.count]
        let centre = (0..<d).map { 1 + 0.05 * Double(round) * Double($0 + 1) }
        let scales = (0..<d).map { Math.pow(10, Double($0)) }
        var o = FunctionObjective(start: optima.last.map { Array($0.prefix(d)) + [Double](repeating: 0, count: max(0, d - $0.count)) }
                                    ?? [Double](repeating: 0, count: d)) { x in
            var value = 0.0, gradient = [Double](repeating: 0, count: d)
            for i in 0..<d {
                // Coupled through the sum: the Hessian is diag(scales) + 11ᵀ.
                let r = x[i] - centre[i]
                value -= 0.5 * scales[i] * r * r
                gradient[i] = -scales[i] * r
            }
            let s = (0..<d).reduce(0.0) { $0 + x[$1] - centre[$1] }
            value -= 0.5 * s * s
            for i in 0..<d { gradient[i] -= s }
            return (value, gradient)
        }
        try context.fit(&o, options: FitOptions(gradientTolerance: 1e-9, relativeTolerance: 0), warmStart: warmStart)
        optima.append(o.parameters[0].value)
        return .mustContinue
    }
}

/// The one engine: a toy model through each updater kind — optimiser (with priors), natural gradients,
/// CVI sites, SGHMC and the EM driver (docs/methods/training.md#parameter-groups-and-updaters).
@Suite struct EngineUpdaterTests {
    /// Optimiser + a Normal prior: the MAP of a Gaussian likelihood N(w; μ, s²) under N(w; μ₀, s₀²) is the
    /// precision-weighted mean; FitReport.objective includes the log prior.
    @Test func optimiserFindsTheMAPUnderAPrior() throws {
        var target = try GaussianTarget(start: [0, 0], mean: [2, -1], covariance: Matrix(diagonal: [0.5, 2]))
        target.w.prior = .normal(mean: 1, sd: 1)
        let report = try Trainer.fit(&target, options: FitOptions(gradientTolerance: 1e-10))
        let expected = [(2 / 0.5 + 1) / (1 / 0.5 + 1), (-1 / 2.0 + 1) / (1 / 2.0 + 1)]
        #expect(FiniteDifferences.maxRelativeError(target.w.value, expected) < 1e-7, "\(target.w.value) vs \(expected)")
        let logPrior = target.w.value.reduce(0) { $0 + Prior.normal(mean: 1, sd: 1).logDensity($1) }
        #expect(abs(report.objective - (try target.evaluate(batch: nil).value + logPrior)) < 1e-12)
    }

    /// Priors' log densities against their closed forms, and their derivatives against finite differences.
    @Test func priorDensitiesAndDerivatives() throws {
        let cases: [(Prior, Double, Double)] = [
            (.normal(mean: 1, sd: 2), 0.3, -0.5 * 0.35 * 0.35 - Math.log(2) - 0.5 * Math.logTwoPi),
            (.logNormal(mu: 0, sigma: 1), 2, -0.5 * Math.log(2) * Math.log(2) - Math.log(2) - 0.5 * Math.logTwoPi),
            (.gamma(shape: 2, rate: 3), 0.5, 2 * Math.log(3) + Math.log(0.5) - 1.5),
            (.halfCauchy(scale: 2), 1, Math.log(2 / (2 * Double.pi)) - Math.log(1.25)),
            (.uniform(lower: 0, upper: 4), 1, -Math.log(4)),
        ]
        for (prior, x, expected) in cases {
            #expect(abs(prior.logDensity(x) - expected) < 1e-12, "\(prior) at \(x)")
            let h = 1e-6
            let fd = (prior.logDensity(x + h) - prior.logDensity(x - h)) / (2 * h)
            #expect(abs(prior.derivative(x) - fd) < 1e-6, "\(prior)′ at \(x): \(prior.derivative(x)) vs \(fd)")
            #expect(try Prior(parsing: prior.description) == prior)
        }
        #expect(Prior.uniform(lower: 0, upper: 1).logDensity(2) == -.infinity)
        #expect(throws: Prior.InvalidPrior.self) { try Prior(parsing: "lognormal(0,-1)") }
        #expect(throws: Prior.InvalidPrior.self) { try Prior(parsing: "wishart(1)") }
    }

    /// Natural gradients through a parameter group: with fixed hyperparameters and γ = 1, one full-batch step
    /// makes q(u) optimal, so the SVGP ELBO equals the collapsed SGPR bound (Titsias) at the same Z — and with
    /// Z = X that bound is the exact log marginal likelihood up to K_uu's prior jitter.
    @Test func naturalGradientGroupReachesTheOptimalQ() throws {
        let x = TestData.uniform(30, 2, seed: 301)
        let y = (0..<30).map { Math.sin(2 * x[$0, 0]) + 0.5 * x[$0, 1] }
        let kernel = RBF(lengthscale: [0.8, 1.2], variance: 1.3)
        let likelihood = GaussianLikelihood(variance: 0.05)
        var svgp = try SVGP(kernel: kernel, likelihood: likelihood, inducing: x)
        let options = FitOptions(maxIterations: 1, groups: [ParameterGroup("kernel", "likelihood", "inducing", updater: .fixed)])
        let report = try svgp.fit(x, y, options: options, naturalGradients: NaturalGradientSchedule(stepSize: 1))
        let collapsed = try SGPR(kernel: kernel, likelihood: likelihood, inducing: x).bound(x, y).value()
        #expect(abs(report.objective - collapsed) < 1e-9 * abs(collapsed), "ELBO \(report.objective) vs SGPR \(collapsed)")
        let exact = try ExactGP(kernel: kernel, likelihood: likelihood).logMarginalLikelihood(x, y)
        #expect(abs(report.objective - exact) < 1e-3 * abs(exact), "ELBO \(report.objective) vs exact LML \(exact)")
        // The hyperparameters stayed where the `.fixed` group put them.
        #expect(svgp.kernel.parameters.map(\.value) == kernel.parameters.map(\.value))
    }

    /// An objective without the requested closed-form update fails with a clear error.
    @Test func unsupportedUpdateIsAnError() throws {
        var target = try GaussianTarget(start: [0, 0], mean: [1, 1], covariance: Matrix.identity(2))
        #expect(throws: TrainingError.self) {
            try Trainer.fit(&target, options: FitOptions(groups: [ParameterGroup("w", updater: .sites(stepSize: 1))]))
        }
    }

    /// CVI sites through a parameter group, the kernel by L-BFGS in the same loop: with a Gaussian likelihood
    /// the sites are exact after one β = 1 update, so the kernel reaches the Kalman (exact) LML optimum.
    @Test func cviSiteGroupMatchesTheExactOptimum() throws {
        let (t, y) = irregularSeries(150, seed: 302)
        let noise = 0.1
        let cvi = try StateSpaceCVI(kernel: Matern32(lengthscale: [2], variance: 0.5), likelihood: GaussianLikelihood(variance: noise),
                                    times: t, y: y)
        var objective = StateSpaceCVIObjective(cvi)
        let report = try Trainer.fit(&objective, options: FitOptions(gradientTolerance: 1e-8,
                                                                     groups: [ParameterGroup("sites", updater: .sites(stepSize: 1))]))
        var gp = StateSpaceGP(kernel: Matern32(lengthscale: [2], variance: 0.5), likelihood: GaussianLikelihood(variance: noise))
        gp.setTrainable(false, matching: "likelihood.variance")
        let exact = try gp.fit(t, y, options: FitOptions(gradientTolerance: 1e-8))
        let a = objective.kernel.parameters.flatMap(\.value), b = gp.kernel.parameters.flatMap(\.value)
        #expect(FiniteDifferences.maxRelativeError(a, b) < 1e-4, "CVI-group kernel \(a) vs exact \(b)")
        // The ELBO at exact sites is the exact log marginal likelihood.
        #expect(abs(report.objective - exact.objective) < 1e-6 * abs(exact.objective), "\(report.objective) vs \(exact.objective)")
    }

    /// SGHMC through a sampler group on a correlated 2-D Gaussian: the sample mean and covariance match the
    /// truth within Monte Carlo error (batch-means standard errors, 5σ).
    @Test func sghmcSamplesAGaussianPosterior() throws {
        let mean = [1.0, -2.0]
        let covariance = Matrix(rows: 2, cols: 2, storage: [1, 0.6, 0.6, 2])
        var target = try GaussianTarget(start: [0, 0], mean: mean, covariance: covariance)
        let sampler = SGHMC(stepSize: 0.1, friction: 0.1, burnIn: 2000, thinning: 1)
        let report = try Trainer.fit(&target, options: FitOptions(maxIterations: 62000, seed: 7,
                                                                  groups: [ParameterGroup("w", updater: .sampler(sampler))]))
        let samples = try #require(report.samples)
        #expect(samples.names == ["w[0]", "w[1]"])
        #expect(samples.count == 60000)
        // Statistics whose expectations are known: w₀, w₁, (w₀−μ₀)², (w₁−μ₁)², (w₀−μ₀)(w₁−μ₁).
        let stats: [([Double]) -> Double] = [
            { $0[0] }, { $0[1] }, { ($0[0] - 1) * ($0[0] - 1) }, { ($0[1] + 2) * ($0[1] + 2) }, { ($0[0] - 1) * ($0[1] + 2) },
        ]
        let truth = [1.0, -2.0, 1.0, 2.0, 0.6]
        let batches = 30, size = samples.count / batches
        for (s, expected) in zip(stats, truth) {
            let values = samples.values.map(s)
            let overall = values.reduce(0, +) / Double(values.count)
            let means = (0..<batches).map { b in values[(b * size)..<((b + 1) * size)].reduce(0, +) / Double(size) }
            let variance = means.reduce(0) { $0 + ($1 - overall) * ($1 - overall) } / Double(batches - 1)
            let standardError = (variance / Double(batches)).squareRoot()
            #expect(abs(overall - expected) < 5 * standardError, "statistic \(overall) vs \(expected) (SE \(standardError))")
        }
        // Bit-for-bit reproducible from the seed.
        var again = try GaussianTarget(start: [0, 0], mean: mean, covariance: covariance)
        let second = try Trainer.fit(&again, options: FitOptions(maxIterations: 62000, seed: 7,
                                                                 groups: [ParameterGroup("w", updater: .sampler(sampler))]))
        #expect(second.samples == report.samples)
    }

    /// EM on the alternating driver: the bound never decreases, and EM reaches the maximum a direct L-BFGS fit
    /// of the marginal likelihood finds.
    @Test func emDriverReachesTheDirectOptimum() throws {
        var g = SeededGenerator(seed: 303)
        let x = (0..<200).map { i in i < 70 ? -1.5 + g.normal() : 2 + g.normal() }
        let start = MixtureLogLikelihood(means: Parameter("means", [-0.5, 0.5], .identity),
                                         weight: Parameter("weight", 0.5, .interval(lower: 0, upper: 1)), x: x)
        var em = MixtureEM(model: start)
        let report = try Trainer.alternate(&em, options: FitOptions(maxIterations: 500, relativeTolerance: 1e-12, patience: 2))
        #expect(report.converged)
        for i in 1..<report.history.count { #expect(report.history[i] >= report.history[i - 1] - 1e-9) }
        var direct = start
        let best = try Trainer.fit(&direct, options: FitOptions(gradientTolerance: 1e-9))
        #expect(abs(report.objective - best.objective) < 1e-6, "EM \(report.objective) vs direct \(best.objective)")
        #expect(FiniteDifferences.maxRelativeError(em.model.means.value, direct.means.value) < 1e-4)
        #expect(report.evaluations > 0)
    }

    /// Warm-started M-steps: L-BFGS carries its curvature pairs from one M-step to the next, so the same optima
    /// (to the gradient tolerance) cost fewer evaluations; a vector of another length starts without pairs.
    @Test func warmStartedMStepsReachTheSameOptimaWithFewerEvaluations() throws {
        var cold = DriftingQuadraticRounds(warmStart: false), warm = DriftingQuadraticRounds(warmStart: true)
        let options = FitOptions(maxIterations: 8, relativeTolerance: 0)
        let coldReport = try Trainer.alternate(&cold, options: options)
        let warmReport = try Trainer.alternate(&warm, options: options)
        #expect(cold.optima.count == 8 && warm.optima.count == 8)
        for (a, b) in zip(cold.optima, warm.optima) { #expect(FiniteDifferences.maxRelativeError(a, b) < 1e-6, "\(a) vs \(b)") }
        #expect(warmReport.evaluations < coldReport.evaluations * 3 / 4, "warm \(warmReport.evaluations), cold \(coldReport.evaluations)")
        var mixed = DriftingQuadraticRounds(warmStart: true, dimensions: [2, 3])
        try Trainer.alternate(&mixed, options: options)
        for (round, x) in mixed.optima.enumerated() {
            let d = [2, 3][(round + 1) % 2]
            #expect(x.count == d)
            #expect(FiniteDifferences.maxRelativeError(x, (0..<d).map { 1 + 0.05 * Double(round + 1) * Double($0 + 1) }) < 1e-6)
        }
    }
}
