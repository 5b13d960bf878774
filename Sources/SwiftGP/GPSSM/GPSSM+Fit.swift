import GPLinearAlgebra

extension GPSSM {
    /// A model with SE-ARD transition kernels (lengthscale `lengthscale` on every input, variance
    /// `signalVariance`), M inducing inputs at k-means centres of the initial transition inputs, C = [I 0]
    /// (fixed: it pins the state scale), d at the output means (fixed: it pins the state level), R at a tenth of
    /// the output variances, x₀ ~ N(x_init,0, I) fixed, and w at its conditional mean given the initial
    /// trajectory `initialStates`.
    /// Latent columns beyond the outputs (constant in the initial trajectory) get seeded N(0, 1) inducing
    /// coordinates so that K(Z, Z) stays well conditioned.
    /// - Throws: `TrainingError.invalidData` for D < D_y or M outside 1…T.
    /// - Complexity: O(T M (D + D_c)) (k-means).
    public static func standard(for series: GPSSMSeries, latentDimension dx: Int, inducingCount m: Int,
                                meanFunction: MeanFunction = .identity, lengthscale: Double = 1,
                                signalVariance: Double = 1, processVariance: Double = 0.01,
                                seed: UInt64 = 0) throws -> GPSSM {
        let dy = series.outputDimension, dc = series.controlDimension
        guard dx >= dy else {
            throw TrainingError.invalidData("the latent dimension (\(dx)) must be at least the output dimension (\(dy))")
        }
        guard m >= 1, m <= series.steps else {
            throw TrainingError.invalidData("need 1 ≤ M ≤ T inducing points (M = \(m), T = \(series.steps))")
        }
        let means = (0..<dy).map { j in series.outputs.column(j).reduce(0, +) / Double(series.outputs.rows) }
        let variances = (0..<dy).map { j in
            series.outputs.column(j).reduce(0) { $0 + ($1 - means[j]) * ($1 - means[j]) } / Double(series.outputs.rows)
        }
        let kernels: [any Kernel] = (0..<dx).map { _ in
            RBF(lengthscale: [Double](repeating: lengthscale, count: dx + dc), variance: signalVariance)
        }
        let x = initialStates(series, latentDimension: dx, offset: means)
        let inputs = GPSSMTransition.inputs(states: x, controls: series.controls, count: series.steps)
        var z = InducingPoints.kMeans(of: inputs, count: m, seed: seed)
        var g = SeededGenerator(seed: seed &+ 11)
        for j in 0..<z.cols {
            let col = inputs.column(j)
            if (col.max() ?? 0) - (col.min() ?? 0) < 1e-12 { for i in 0..<m { z[i, j] += g.normal() } }
        }
        var model = try GPSSM(transitions: kernels, inducing: z, outputDimension: dy, controlDimension: dc,
                              meanFunction: meanFunction, processVariance: processVariance,
                              emissionVariance: max(0.1 * (variances.max() ?? 1), 1e-4))
        model.emissionOffset.value = means
        model.emissionVariance.value = variances.map { max(0.1 * $0, 1e-4) }
        model.emissionMatrix.isTrainable = false
        // d fixed too: with C fixed, shifting x⁽¹⁾ by c and d by −c (and Z with x) leaves Φ unchanged but for
        // p(x₀), so a trained d random-walks with the sampled states.
        model.emissionOffset.isTrainable = false
        // x₀ ~ N(x_init,0, I), fixed: learned from the one x₀ of a series, μ₀ and Σ₀ collapse onto it.
        model.initialMean = Parameter("mean", x.row(0), .identity, trainable: false)
        model.initialVariance = Parameter("variance", [Double](repeating: 1, count: dx), .positive(lowerBound: 1e-6), trainable: false)
        // w at its conditional mean given the initial trajectory (the collapsed form's q(w | x)).
        var g0 = SeededGenerator(seed: seed)
        model.inducingValues.value = try GPSSMTransition(model: model)
            .whitenedGivenStates(x, series: series, meanOnly: true, using: &g0).storage
        return model
    }

    /// The starting trajectory: x_t = (y_t − d, 0) — the outputs, centred, in the observed latent dimensions.
    /// - Complexity: O(T D).
    public static func initialStates(_ series: GPSSMSeries, latentDimension dx: Int, offset: [Double]) -> Matrix {
        var x = Matrix(rows: series.outputs.rows, cols: dx)
        for j in 0..<series.outputDimension { for i in 0..<x.rows { x[i, j] = series.outputs[i, j] - offset[j] } }
        return x
    }

    /// Free-form VI (FFVD): samples the trajectory (and w, or w marginalised) with adaptive SGHMC while Adam
    /// moves the hyperparameters (during burn-in only, by default), all in one `Trainer.fit` on `GPSSMEnergy`. The trajectory starts at
    /// `states`, or at `initialStates` shifted by the current offset d.
    /// - Returns: the posterior (trained model and kept draws) and the engine's report.
    /// - Throws: `TrainingError.invalidData` for a series that does not fit the model; numerical failures at
    ///   the start; `TrainingError` when no draw was kept (iterations ≤ burn-in).
    /// - Complexity: `options.iterations` × O(T M D (M + D + D_c) + D M³).
    public func fitFreeForm(_ series: GPSSMSeries, states: Matrix? = nil,
                            options: GPSSMFitOptions = GPSSMFitOptions()) throws -> (posterior: GPSSMPosterior, report: FitReport) {
        guard options.iterations > options.burnIn else {
            throw TrainingError.invalidGroups("\(options.iterations) iterations keep no draw after a burn-in of \(options.burnIn)")
        }
        let x = states ?? Self.initialStates(series, latentDimension: latentDimension, offset: emissionOffset.value)
        var energy = try GPSSMEnergy(model: self, series: series, states: x, form: options.form)
        var settings = options
        // The preconditioner starts at FFVD's V̂ = 1 for the per-step potential Φ/T, i.e. T² for Φ.
        if settings.sampler.initialSecondMoment == nil {
            settings.sampler.initialSecondMoment = Double(series.steps * series.steps)
        }
        if settings.warmUp > 0 {
            // Warm-up: a collapsed fit (the trajectory sampled with w marginalised, Adam on the hyperparameters),
            // the pre-trained start FFVD uses; the free form then starts w at its conditional mean given the
            // warm-up's last trajectory.
            var warm = settings
            warm.form = .collapsed
            warm.iterations = settings.warmUp
            warm.sampler.burnIn = settings.warmUp
            warm.particleGibbs?.burnIn = settings.warmUp
            warm.progress = nil
            warm.seed = settings.seed &+ 0x5eed
            var collapsed = try GPSSMEnergy(model: self, series: series, states: x, form: .collapsed)
            try Trainer.fit(&collapsed, options: warm.fitOptions())
            var g = SeededGenerator(seed: warm.seed)
            collapsed.model.inducingValues.value = try GPSSMTransition(model: collapsed.model)
                .whitenedGivenStates(collapsed.trajectory, series: series, meanOnly: true, using: &g).storage
            energy = try GPSSMEnergy(model: collapsed.model, series: series, states: collapsed.trajectory, form: options.form)
        }
        let report = try Trainer.fit(&energy, options: settings.fitOptions())
        guard let samples = report.samples, samples.count > 0 else {
            throw TrainingError.invalidGroups("the sampler kept no draw")
        }
        var posterior = try GPSSMPosterior(model: energy.model, series: series, form: options.form, samples: samples)
        if options.particleGibbs != nil { posterior.method = .particleGibbs }
        return (posterior, report)
    }
}
