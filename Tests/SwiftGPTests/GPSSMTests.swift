import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Issue 16: the GPSSM energy and its gradients, the collapsed form against SGPR and against the free form
/// integrated over w, the linear-Gaussian special case against the Kalman smoother, kink recovery and
/// reproducibility (docs/methods/gpssm.md#tests).
@Suite struct GPSSMTests {
    /// A small model with controls and a latent dimension above the output dimension: D = 2, D_y = 1, D_c = 1.
    static func smallEnergy(form: GPSSMEnergy.Form, kernel: (Int) -> any Kernel, steps t: Int = 9, inducing m: Int = 4,
                            seed: UInt64 = 5, jitter: JitterPolicy = .standard) throws -> GPSSMEnergy {
        var g = SeededGenerator(seed: seed)
        let dx = 2
        let y = Matrix(rows: t + 1, cols: 1, storage: (0...t).map { _ in g.normal() })
        let c = Matrix(rows: t + 1, cols: 1, storage: (0...t).map { _ in g.normal() })
        let series = try GPSSMSeries(outputs: y, controls: c)
        let z = Matrix(rows: m, cols: dx + 1, storage: (0..<(m * (dx + 1))).map { _ in g.normal() })
        var model = try GPSSM(transitions: (0..<dx).map(kernel), inducing: z, outputDimension: 1, controlDimension: 1,
                              processVariance: 0.3, emissionVariance: 0.4, jitter: jitter)
        model.inducingValues.value = model.inducingValues.value.map { _ in 0.5 * g.normal() }
        model.emissionMatrix.value = [0.9, -0.4]
        model.emissionOffset.value = [0.2]
        model.processVariance.value = [0.3, 0.5]
        model.initialMean.value = [0.1, -0.2]
        model.initialVariance.value = [1.5, 0.7]
        let x = Matrix(rows: t + 1, cols: dx, storage: (0..<((t + 1) * dx)).map { _ in g.normal() })
        return try GPSSMEnergy(model: model, series: series, states: x, form: form)
    }

    static func rbf(_ d: Int) -> any Kernel { RBF(lengthscale: [0.8 + 0.3 * Double(d), 1.3, 0.9], variance: 1.1 + 0.2 * Double(d)) }
    /// Linear + SE: a kernel whose diagonal depends on the input, of full rank on 4 inducing points.
    static func linearPlusRBF(_ d: Int) -> any Kernel {
        Linear(variance: [0.7, 1.2 + Double(d), 0.5]) + RBF(lengthscale: [1.1, 0.7, 1.4], variance: 0.6)
    }

    /// ∇_x Φ, ∇_w Φ and ∇_ϑ Φ (kernel, Z, Q, C, d, R, μ₀, Σ₀) against central differences, both forms, for
    /// a stationary (SE) kernel and a sum with a linear kernel, whose diagonal depends on the trajectory. The
    /// base jitter on K(Z, Z) is off: it scales with the mean diagonal, which the gradient treats as constant.
    @Test(arguments: GPSSMEnergy.Form.allCases)
    func energyGradientsMatchFiniteDifferences(form: GPSSMEnergy.Form) throws {
        for kernel in [Self.rbf, Self.linearPlusRBF] as [(Int) -> any Kernel] {
            var energy = try Self.smallEnergy(form: form, kernel: kernel, jitter: JitterPolicy(priorRelativeJitter: 0))
            energy.model.emissionMatrix.isTrainable = true
            let check = try FiniteDifferences.check(energy)
            #expect(check.error < 1e-6, "\(form): max relative error \(check.error)")
        }
    }

    /// The collapsed energy is the SGPR bound (3.10) on (x̃_{0:T−1}, δ⁽ᵈ⁾) with noise Q_d, per latent dimension,
    /// plus the emission and initial-state terms (computed here by hand).
    @Test func collapsedEnergyIsTheSGPRBound() throws {
        let energy = try GPSSMTests.smallEnergy(form: .collapsed, kernel: GPSSMTests.rbf)
        let m = energy.model, x = energy.trajectory, y = energy.series.outputs, n = energy.series.steps
        var expected = 0.0
        for t in 0...n {
            let r = y[t, 0] - (m.c[0, 0] * x[t, 0] + m.c[0, 1] * x[t, 1] + m.emissionOffset.value[0])
            expected += -0.5 * Math.log(2 * Double.pi * m.emissionVariance.value[0]) - 0.5 * r * r / m.emissionVariance.value[0]
        }
        for d in 0..<2 {
            let r = x[0, d] - m.initialMean.value[d], v = m.initialVariance.value[d]
            expected += -0.5 * Math.log(2 * Double.pi * v) - 0.5 * r * r / v
        }
        let inputs = GPSSMTransition.inputs(states: x, controls: energy.series.controls, count: n)
        for d in 0..<2 {
            let delta = (0..<n).map { x[$0 + 1, d] - x[$0, d] }
            let sgpr = SGPR(kernel: m.transitions[d], likelihood: GaussianLikelihood(variance: m.processVariance.value[d]),
                            inducing: m.z)
            expected += try sgpr.bound(inputs, delta).value()
        }
        let value = try energy.value()
        #expect(abs(value - expected) < 1e-10 * max(1, abs(expected)), "\(value) vs \(expected)")
    }

    /// Φ_c(x) = log ∫ exp Φ(x, w) dw: Φ is quadratic in w, so the integral is Φ(x, w*) + Σ_d [(M/2) log 2π −
    /// ½ log|B_d|] at the conditional mean w* of q(w | x), with B_d = I + A_dA_dᵀ/Q_d its precision.
    @Test func collapsedEnergyIntegratesTheFreeFormOverW() throws {
        var free = try Self.smallEnergy(form: .freeForm, kernel: Self.rbf)
        let collapsed = try Self.smallEnergy(form: .collapsed, kernel: Self.rbf)
        let transition = try GPSSMTransition(model: free.model)
        var g = SeededGenerator(seed: 1)
        let wStar = try transition.whitenedGivenStates(free.trajectory, series: free.series, meanOnly: true, using: &g)
        free.model.inducingValues.value = wStar.storage
        var expected = try free.value()
        let n = free.series.steps, mz = free.model.inducingCount
        let inputs = GPSSMTransition.inputs(states: free.trajectory, controls: free.series.controls, count: n)
        for d in 0..<2 {
            let a = (1 / free.model.processVariance.value[d].squareRoot()) * transition.projection(inputs, dimension: d).a
            var b = Matrix.identity(mz)
            syrk(.none, .lower, a, beta: 1, into: &b)
            expected += 0.5 * Double(mz) * Math.logTwoPi - 0.5 * (try Cholesky(b)).logDeterminant
        }
        let value = try collapsed.value()
        #expect(abs(value - expected) < 1e-9 * max(1, abs(expected)), "\(value) vs \(expected)")
        // And w* maximises Φ(x, ·): the free-form gradient in w vanishes there.
        let e = try free.evaluate(batch: nil)
        let index = free.parameters.firstIndex { $0.name == "inducing.whitened" }!
        #expect(e.gradient[index].map(abs).max()! < 1e-8)
    }
}

/// The linear-Gaussian special case, the kink and reproducibility: fits through the shared engine.
@Suite struct GPSSMInferenceTests {
    /// An AR(1) state x_t = a x_{t−1} + v_t with x₀ ~ N(0, σ²), Q = σ²(1 − a²), observed in noise R: the
    /// OU (Matérn-½) GP at unit time steps, whose Kalman/RTS smoother is the exact posterior. In the GPSSM it
    /// is a zero-mean model with a linear kernel (variance 1) and one inducing input z = 1, so a(x) = x,
    /// b ≡ 0 and f(x) = w x; with w = a fixed, exp Φ is that posterior over the trajectory.
    static func linearGaussianCase(steps t: Int) throws -> (energy: GPSSMEnergy, smoothed: GaussianPrediction) {
        let ell = 2.0, s2 = 1.5, r = 0.3
        let a = Math.exp(-1 / ell), q = s2 * (1 - a * a)
        var g = SeededGenerator(seed: 3)
        var x = [s2.squareRoot() * g.normal()]
        for _ in 0..<t { x.append(a * x[x.count - 1] + q.squareRoot() * g.normal()) }
        let y = x.map { $0 + r.squareRoot() * g.normal() }
        let times = (0...t).map(Double.init)
        let smoothed = try StateSpaceGP(kernel: Matern12(lengthscale: [ell], variance: s2),
                                        likelihood: GaussianLikelihood(variance: r)).posterior(times, y).training
        var model = try GPSSM(transitions: [Linear(variance: [1])], inducing: Matrix(rows: 1, cols: 1, storage: [1]),
                              outputDimension: 1, meanFunction: .zero, processVariance: q, emissionVariance: r,
                              jitter: JitterPolicy(priorRelativeJitter: 0))
        model.inducingValues.value = [a]
        model.initialVariance.value = [s2]
        let series = try GPSSMSeries(outputs: Matrix(column: y))
        let energy = try GPSSMEnergy(model: model, series: series, states: Matrix(rows: t + 1, cols: 1))
        return (energy, smoothed)
    }

    /// Every step's sample mean and squared deviation from the smoother mean within 5 batch-means standard errors
    /// of the smoother's mean and variance (`batches` consecutive batches of the draws).
    static func expectSmootherMoments(_ samples: ParameterSamples, _ smoothed: GaussianPrediction, steps t: Int, batches: Int) {
        let size = samples.count / batches
        for k in 0...t {
            let m = smoothed.mean[k], v = smoothed.variance[k]
            for (statistic, expected) in [({ (s: [Double]) in s[k] }, m), ({ (s: [Double]) in (s[k] - m) * (s[k] - m) }, v)] {
                let values = samples.values.map(statistic)
                let overall = values.reduce(0, +) / Double(values.count)
                let means = (0..<batches).map { b in values[(b * size)..<((b + 1) * size)].reduce(0, +) / Double(size) }
                let se = (means.reduce(0) { $0 + ($1 - overall) * ($1 - overall) } / Double(batches - 1) / Double(batches)).squareRoot()
                #expect(abs(overall - expected) < 5 * se, "t = \(k): \(overall) vs \(expected) (SE \(se))")
            }
        }
    }

    /// The mode of Φ over the trajectory (L-BFGS on the states alone; Φ is quadratic in x) is the smoother mean.
    @Test func linearGaussianModeIsTheSmootherMean() throws {
        var (energy, smoothed) = try Self.linearGaussianCase(steps: 40)
        let report = try Trainer.fit(&energy, options: FitOptions(gradientTolerance: 1e-9, groups: [
            ParameterGroup("states", updater: .optimizer), ParameterGroup("*", updater: .fixed)]))
        #expect(report.converged)
        let mode = energy.states.value
        let error = zip(mode, smoothed.mean).map { abs($0 - $1) }.max()!
        #expect(error < 1e-6, "max |mode − smoother mean| = \(error)")
    }

    /// SGHMC over the trajectory (w and hyperparameters fixed) reproduces the smoother's marginal means and
    /// variances within Monte Carlo error (batch-means standard errors, 5σ, every time step).
    @Test func linearGaussianSGHMCMatchesTheSmoother() throws {
        let t = 20
        var (energy, smoothed) = try Self.linearGaussianCase(steps: t)
        let sampler = SGHMC(stepSize: 0.1, friction: 0.1, burnIn: 2000, thinning: 1)
        let report = try Trainer.fit(&energy, options: FitOptions(maxIterations: 42000, seed: 11, groups: [
            ParameterGroup("states", updater: .sampler(sampler)), ParameterGroup("*", updater: .fixed)]))
        let samples = try #require(report.samples)
        #expect(samples.count == 40000)
        Self.expectSmootherMoments(samples, smoothed, steps: t, batches: 25)
    }
}

extension GPSSMInferenceTests {
    /// A kink series (process sd 0.05, observation sd 0.2) and the default one-dimensional model with the
    /// kink's known emission y = x + η (C = 1, d = 0 fixed: with d free the latent axis could shift, and f
    /// would be learned in shifted coordinates).
    static func kinkProblem(steps t: Int, inducing m: Int, seed: UInt64) throws -> (series: GPSSMSeries, truth: [Double], model: GPSSM) {
        let (states, y) = KinkSystem.simulate(steps: t, processSD: 0.05, observationSD: 0.2, seed: seed)
        let series = try GPSSMSeries(outputs: Matrix(column: y))
        var model = try GPSSM.standard(for: series, latentDimension: 1, inducingCount: m, seed: seed)
        model.emissionOffset = Parameter("offset", [0], .identity, trainable: false)
        return (series, states, model)
    }

    /// The RMSE of the learned transition's mean against f on the reference grid points inside the range the
    /// true states visit (outside it nothing identifies f), and the fraction of those points whose ±2 s.d.
    /// band (f's posterior uncertainty plus Q) covers the truth.
    static func kinkScore(_ posterior: GPSSMPosterior, truth: [Double]) throws -> (rmse: Double, covered: Double) {
        let lo = truth.min()!, hi = truth.max()!
        let grid = KinkSystem.grid.filter { $0 >= lo && $0 <= hi }
        let (mean, variance) = try posterior.transition(at: Matrix(column: grid))
        var s = 0.0, inside = 0
        for (i, x) in grid.enumerated() {
            let e = mean[i, 0] - KinkSystem.transition(x)
            s += e * e
            if abs(e) <= 2 * (variance[i, 0] + posterior.model.processVariance.value[0]).squareRoot() { inside += 1 }
        }
        return ((s / Double(grid.count)).squareRoot(), Double(inside) / Double(grid.count))
    }

    /// The kink transition is recovered by collapsed FFVD (SGHMC over the trajectory with w marginalised, Adam
    /// over the hyperparameters in the same fit): RMSE of f on the in-range reference grid below 0.1 (a tenth of
    /// f's range there), and the ±2 s.d. band covers the truth at 90 % of those points.
    @Test func kinkTransitionIsRecovered() throws {
        let (series, truth, model) = try Self.kinkProblem(steps: 300, inducing: 15, seed: 21)
        let options = GPSSMFitOptions(form: .collapsed, iterations: 3000,
                                      sampler: SGHMC(stepSize: 0.1, friction: 0.05, burnIn: 1500, thinning: 50), seed: 4)
        let (posterior, _) = try model.fitFreeForm(series, options: options)
        let score = try Self.kinkScore(posterior, truth: truth)
        #expect(score.rmse < 0.1, "RMSE \(score.rmse)")
        #expect(score.covered >= 0.9, "coverage \(score.covered)")
    }

    /// Hyperparameters move during burn-in only (`hyperparametersInBurnInOnly`, the default): a 60-iteration fit
    /// with a 30-iteration burn-in returns exactly the hyperparameters of a 30-iteration fit (the same seeded
    /// chain up to there), while its sampler moved the trajectory on; with Adam to the end they differ. Every
    /// kept draw is then a draw under the returned model.
    @Test func hyperparametersMoveDuringBurnInOnly() throws {
        let energy = try GPSSMTests.smallEnergy(form: .collapsed, kernel: GPSSMTests.rbf)
        func fit(iterations: Int, burnInOnly: Bool) throws -> GPSSMEnergy {
            var e = energy
            let options = GPSSMFitOptions(form: .collapsed, iterations: iterations,
                                          sampler: SGHMC(stepSize: 0.05, friction: 0.05, burnIn: 30, thinning: 10, initialSecondMoment: 81),
                                          learningRate: 0.05, hyperparametersInBurnInOnly: burnInOnly, seed: 3)
            try Trainer.fit(&e, options: options.fitOptions())
            return e
        }
        let short = try fit(iterations: 30, burnInOnly: true)
        let long = try fit(iterations: 60, burnInOnly: true)
        let throughout = try fit(iterations: 60, burnInOnly: false)
        #expect(long.model.parameters == short.model.parameters)
        #expect(long.states.value != short.states.value)
        #expect(throughout.model.parameters != short.model.parameters)
        #expect(short.model.parameters != energy.model.parameters)
    }

    /// `GPSSM.standard` fixes C and d: with C fixed, a trained d and the level of x⁽¹⁾ trade off freely (shifting
    /// both, and Z with x, changes Φ only through p(x₀)), so d random-walked with the sampled states.
    @Test func standardModelFixesTheEmission() throws {
        let (series, _, _) = try Self.kinkProblem(steps: 40, inducing: 5, seed: 1)
        let model = try GPSSM.standard(for: series, latentDimension: 2, inducingCount: 5)
        #expect(!model.emissionMatrix.isTrainable)
        #expect(!model.emissionOffset.isTrainable)
        #expect(model.emissionOffset.value == [series.outputs.column(0).reduce(0, +) / Double(series.outputs.rows)])
    }

    /// A fixed seed reproduces the fit bit for bit: history, hyperparameters, draws and free-run forecast.
    @Test func fixedSeedReproducesBitForBit() throws {
        let (series, _, model) = try Self.kinkProblem(steps: 60, inducing: 6, seed: 2)
        let options = GPSSMFitOptions(form: .freeForm, iterations: 200, sampler: SGHMC(stepSize: 0.01, friction: 0.05, burnIn: 100, thinning: 20), seed: 9)
        let first = try model.fitFreeForm(series, options: options)
        let second = try model.fitFreeForm(series, options: options)
        #expect(first.report.history == second.report.history)
        #expect(first.posterior.model.parameters == second.posterior.model.parameters)
        #expect(first.posterior.trajectories == second.posterior.trajectories)
        #expect(first.posterior.whitened == second.posterior.whitened)
        let a = try first.posterior.freeRun(steps: 10, pathsPerDraw: 2, seed: 3)
        let b = try second.posterior.freeRun(steps: 10, pathsPerDraw: 2, seed: 3)
        #expect(a.components == b.components)
        // Bad prediction requests are typed errors.
        #expect(throws: TrainingError.self) { try first.posterior.freeRun(steps: 0) }
        #expect(throws: TrainingError.self) { try first.posterior.freeRun(steps: 5, pathsPerDraw: 0) }
        #expect(throws: TrainingError.self) { try a.rmse(Matrix(rows: 3, cols: 1)) }
        // A different seed gives a different chain.
        var other = options
        other.seed = 10
        #expect(try model.fitFreeForm(series, options: other).report.history != first.report.history)
    }
}

/// The Gaussian-VI (PR-SSM) baseline: its reparametrised ELBO estimator's gradient, and training through the
/// shared engine.
@Suite struct GPSSMBaselineTests {
    /// With common random numbers the estimator is a smooth function of every parameter: its tape gradient
    /// matches central differences (the protocol's ELBO tolerance, 10⁻⁵), on a window and on the full series.
    @Test func elboGradientMatchesFiniteDifferences() throws {
        let energy = try GPSSMTests.smallEnergy(form: .freeForm, kernel: GPSSMTests.rbf)
        var objective = try PRSSMObjective(model: energy.model, series: energy.series, states: energy.trajectory,
                                           window: 4, trajectories: 3)
        objective.fixedNoise = 17
        objective.model.emissionMatrix.isTrainable = true
        var g = SeededGenerator(seed: 8)
        objective.sqrt.value = objective.sqrt.value.map { $0 + 0.1 * g.normal() }
        for batch in [[2], nil] as [[Int]?] {
            let check = try FiniteDifferences.check(objective, batch: batch)
            #expect(check.error < 1e-5, "batch \(String(describing: batch)): max relative error \(check.error)")
        }
    }

    /// Trained through the shared engine (Adam on seeded windows), the baseline's full-series ELBO estimate
    /// rises far above its starting value, and the fit reproduces from its seed.
    @Test func baselineTrainsThroughTheEngine() throws {
        let (series, _, model) = try GPSSMInferenceTests.kinkProblem(steps: 100, inducing: 8, seed: 3)
        let start = try PRSSMObjective(model: model, series: series, states: Matrix(column: series.outputs.storage), window: 10,
                                       trajectories: 5).fullValue()
        let options = GaussianVIOptions(iterations: 600, window: 10, trajectories: 5, draws: 4, seed: 2)
        let (posterior, report) = try model.fitGaussianVI(series, options: options)
        #expect(report.objective > start + 0.1 * abs(start), "ELBO \(start) → \(report.objective)")
        #expect(posterior.trajectories.count == 4 && posterior.method == .gaussianVI)
        let again = try model.fitGaussianVI(series, options: options)
        #expect(again.report.history == report.history && again.posterior.whitened == posterior.whitened)
    }
}

extension GPSSMInferenceTests {
    /// The posterior of the linear-Gaussian case with w at its true value a: one draw, its series.
    static func linearGaussianPosterior(steps t: Int) throws -> (posterior: GPSSMPosterior, y: [Double]) {
        let (energy, _) = try linearGaussianCase(steps: t)
        let posterior = try GPSSMPosterior(model: energy.model, series: energy.series, method: .collapsed,
                                           trajectories: [Matrix(rows: t + 1, cols: 1)],
                                           whitened: [Matrix(rows: 1, cols: 1, storage: energy.model.inducingValues.value)])
        return (posterior, energy.series.outputs.column(0))
    }

    /// On a new series of the linear-Gaussian case, the particle filter's one-step-ahead predictions are the
    /// Kalman filter's, p(y_t | y_<t) = N(m⁻_t, P⁻_t + R), within Monte Carlo error (20,000 particles); a
    /// missing output is predicted and skipped, as the Kalman filter skips it.
    @Test func particleFilterMatchesTheKalmanFilterOnANewSeries() throws {
        let (posterior, y0) = try Self.linearGaussianPosterior(steps: 30)
        var y = y0
        y[12] = .nan
        let model = posterior.model
        let a = model.inducingValues.value[0], q = model.processVariance.value[0], r = model.emissionVariance.value[0]
        let f = try posterior.filteredOneStepAhead(outputs: Matrix(column: y), controls: Matrix(rows: y.count, cols: 0),
                                                   particles: 20_000, seed: 5)
        var m = model.initialMean.value[0], p = model.initialVariance.value[0]
        for t in y.indices {
            if t > 0 { m = a * m; p = a * a * p + q }
            let s = p + r
            #expect(abs(f.mean[t, 0] - m) < 0.05 * s.squareRoot(), "t = \(t): mean \(f.mean[t, 0]) vs \(m)")
            #expect(abs(f.variance[t, 0] / s - 1) < 0.1, "t = \(t): variance \(f.variance[t, 0]) vs \(s)")
            if y[t].isFinite {
                let k = p / s
                m += k * (y[t] - m)
                p *= 1 - k
            }
        }
    }

    /// A free run of a new series starts at x₀ ~ N(μ₀, Σ₀) and, for the stationary AR(1), keeps the stationary
    /// output variance σ² + R at every step (mean 0), within Monte Carlo error; bad controls are refused.
    @Test func newSeriesFreeRunStartsAtTheInitialState() throws {
        let (posterior, _) = try Self.linearGaussianPosterior(steps: 10)
        let run = try posterior.freeRun(newSeriesControls: Matrix(rows: 15, cols: 0), pathsPerDraw: 20_000, seed: 2)
        let stationary = posterior.model.initialVariance.value[0] + posterior.model.emissionVariance.value[0]
        for t in 0..<15 {
            #expect(abs(run.mean[t, 0]) < 0.05 * stationary.squareRoot(), "t = \(t): \(run.mean[t, 0])")
            #expect(abs(run.variance[t, 0] / stationary - 1) < 0.05, "t = \(t): \(run.variance[t, 0]) vs \(stationary)")
        }
        #expect(throws: TrainingError.self) { try posterior.freeRun(newSeriesControls: Matrix(rows: 5, cols: 1)) }
        #expect(throws: TrainingError.self) { try posterior.freeRun(newSeriesControls: Matrix(rows: 0, cols: 0)) }
        #expect(throws: TrainingError.self) {
            try posterior.filteredOneStepAhead(outputs: Matrix(rows: 4, cols: 1), controls: Matrix(rows: 5, cols: 0))
        }
    }
}

extension GPSSMInferenceTests {
    /// Particle Gibbs over the trajectory (w = a and everything else fixed; b ≡ 0, so the augmented model is the
    /// GPSSM itself) reproduces the smoother's marginal means and variances within Monte Carlo error (batch
    /// means, 5σ, every step), through the engine's `Updater.particleGibbs`.
    @Test func linearGaussianParticleGibbsMatchesTheSmoother() throws {
        let t = 20
        var (energy, smoothed) = try Self.linearGaussianCase(steps: t)
        let report = try Trainer.fit(&energy, options: FitOptions(maxIterations: 4100, seed: 7, groups: [
            ParameterGroup("states", updater: .particleGibbs(ParticleGibbs(particles: 50, burnIn: 100, thinning: 1))),
            ParameterGroup("*", updater: .fixed)]))
        let samples = try #require(report.samples)
        #expect(samples.count == 4000)
        Self.expectSmootherMoments(samples, smoothed, steps: t, batches: 20)
        // One sampling group per fit.
        var again = try Self.linearGaussianCase(steps: 5).energy
        #expect(throws: TrainingError.self) {
            try Trainer.fit(&again, options: FitOptions(maxIterations: 3, groups: [
                ParameterGroup("states", updater: .particleGibbs(ParticleGibbs())),
                ParameterGroup("inducing.whitened", updater: .sampler(SGHMC()))]))
        }
    }

    /// The kink transition is recovered with particle Gibbs for the trajectory (w drawn from q(w | x) every
    /// sweep, Adam on the hyperparameters in the same fit), and the fit reproduces bit for bit from its seed.
    @Test func kinkTransitionIsRecoveredByParticleGibbs() throws {
        let (series, truth, model) = try Self.kinkProblem(steps: 200, inducing: 15, seed: 21)
        let options = GPSSMFitOptions(form: .collapsed, iterations: 600, seed: 4,
                                      particleGibbs: ParticleGibbs(particles: 30, burnIn: 300, thinning: 15))
        let (posterior, report) = try model.fitFreeForm(series, options: options)
        #expect(posterior.method == .particleGibbs && posterior.trajectories.count == 20)
        let score = try Self.kinkScore(posterior, truth: truth)
        #expect(score.rmse < 0.1, "RMSE \(score.rmse)")
        let (_, second) = try model.fitFreeForm(series, options: options)
        #expect(second.history == report.history)
    }
}
