import GPLinearAlgebra

extension LatentFactorModel {
    /// Variational EM (see the type's documentation) on the engine's alternating driver
    /// (`Trainer.alternate`): E-step by CVI, readout M-step, optional Whittle kernel M-step, until C and d
    /// (or the ELBO) settle for two iterations.
    /// - Throws: `LinearAlgebraError` from the smoothers or the M-steps' starting points.
    /// - Complexity: iterations × (E-step + M-steps); see the type.
    @discardableResult
    public mutating func fit(_ trials: [LatentTrial], options: LatentFactorFitOptions = LatentFactorFitOptions()) throws -> LatentFactorFit {
        precondition(!trials.isEmpty && trials.allSatisfy { $0.outputCount == outputCount }, "every trial needs \(outputCount) outputs")
        if options.initialiseReadout { initialiseReadout(trials) }
        var em = LatentFactorEM(model: self, trials: trials, options: options,
                                sites: trials.map { initialSites($0, maxLogRate: options.maxLogRate) })
        let progress = options.progress
        let report = try Trainer.alternate(&em, options: FitOptions(
            maxIterations: options.iterations, relativeTolerance: options.elboTolerance, patience: 2, seed: options.seed,
            progress: progress.map { callback in { @Sendable p in callback(p.iteration, p.objective); return .continue } }))
        self = em.model
        return LatentFactorFit(posteriors: em.posteriors, iterations: report.iterations, converged: report.converged,
                               elboHistory: report.history, seconds: report.seconds)
    }

    /// C and d from PCA of temporally smoothed log-counts (Poisson) or values (Gaussian): with the top n_z
    /// eigenpairs (u_l, s_l) of their covariance, C = U diag(√s), d = the mean.
    mutating func initialiseReadout(_ trials: [LatentTrial]) {
        let n = outputCount, l = latentCount
        // Smoothing bandwidth: half the shortest latent lengthscale, in bins (at least one bin).
        let spacing = trials.compactMap(\.regularSpacing).first ?? 1
        let scales = latents.compactMap { $0.parameter(named: "lengthscale")?.value.first }
        let width = max(1.0, 0.5 * (scales.min() ?? 5 * spacing) / spacing)
        var rows: [[Double]] = []
        for trial in trials {
            let t = trial.count
            let radius = Int((3 * width).rounded(.up))
            for k in 0..<t {
                var row = [Double](repeating: 0, count: n)
                for o in 0..<n {
                    var s = 0.0, w = 0.0
                    for j in max(0, k - radius)...min(t - 1, k + radius) {
                        let y = trial.observations[j, o]
                        if y.isNaN { continue }
                        let u = Double(j - k) / width
                        let wt = Math.exp(-0.5 * u * u)
                        s += wt * y
                        w += wt
                    }
                    let smoothed = w > 0 ? s / w : 0
                    row[o] = readout == .poisson ? Math.log(smoothed + 0.1) : smoothed
                }
                rows.append(row)
            }
        }
        let count = Double(rows.count)
        var mean = [Double](repeating: 0, count: n)
        for r in rows { for o in 0..<n { mean[o] += r[o] / count } }
        var cov = Matrix(rows: n, cols: n)
        for r in rows {
            for j in 0..<n { for i in 0..<n { cov[i, j] += (r[i] - mean[i]) * (r[j] - mean[j]) / count } }
        }
        guard let eig = try? SymmetricEigen(cov) else { return }
        var c = Matrix(rows: n, cols: l)
        for a in 0..<l {
            let idx = n - 1 - a
            let s = max(eig.values[idx], 1e-12).squareRoot()
            for o in 0..<n { c[o, a] = eig.vectors[o, idx] * s }
        }
        loading = c
        offset = mean
        if readout == .gaussian {
            // Residual variance after the rank-n_z fit, floored.
            for o in 0..<n {
                var explained = 0.0
                for a in 0..<l { explained += c[o, a] * c[o, a] }
                noiseVariances[o] = max(cov[o, o] - explained, 1e-3 * max(cov[o, o], 1e-12))
            }
        }
    }

    /// The readout M-step (docs/methods/state-space.md#readout-m-step).
    mutating func readoutStep(_ trials: [LatentTrial], _ posteriors: [LatentPosterior], options: LatentFactorFitOptions) throws {
        switch readout {
        case .poisson:
            var objective = PoissonReadoutObjective(loading: loading, offset: offset, observations: trials.map(\.observations),
                                                    means: posteriors.map(\.means), covariances: posteriors.map(\.covariances),
                                                    penalty: options.readoutPenalty, maxLogRate: options.maxLogRate)
            try Trainer.fit(&objective, options: FitOptions(maxIterations: options.readoutIterations, gradientTolerance: 1e-8,
                                                            relativeTolerance: 1e-12))
            loading = objective.loadingMatrix
            offset = objective.offset.value
        case .gaussian:
            try gaussianReadoutStep(trials, posteriors)
        }
    }

    /// Closed form per output: [c_n d_n] = (Σ_k y_kn [m_kᵀ 1]) (Σ_k [[V_k + m_k m_kᵀ, m_k], [m_kᵀ, 1]])⁻¹,
    /// R_n = mean over k of (y_kn − c_nᵀm_k − d_n)² + c_nᵀ V_k c_n.
    mutating func gaussianReadoutStep(_ trials: [LatentTrial], _ posteriors: [LatentPosterior]) throws {
        let n = outputCount, l = latentCount
        for o in 0..<n {
            var gram = Matrix(rows: l + 1, cols: l + 1)
            var rhs = [Double](repeating: 0, count: l + 1)
            var count = 0.0
            for (trial, p) in zip(trials, posteriors) {
                for k in 0..<trial.count {
                    let y = trial.observations[k, o]
                    if y.isNaN { continue }
                    count += 1
                    let v = p.covariance(at: k)
                    for a in 0..<l {
                        let ma = p.means[k, a]
                        rhs[a] += y * ma
                        gram[a, l] += ma
                        gram[l, a] += ma
                        for b in 0..<l { gram[a, b] += v[a, b] + ma * p.means[k, b] }
                    }
                    rhs[l] += y
                    gram[l, l] += 1
                }
            }
            guard count > 0 else { continue }
            let coefficients = try Cholesky(gram, policy: jitter).solve(rhs)
            for a in 0..<l { loading[o, a] = coefficients[a] }
            offset[o] = coefficients[l]
            var residual = 0.0
            for (trial, p) in zip(trials, posteriors) {
                for k in 0..<trial.count {
                    let y = trial.observations[k, o]
                    if y.isNaN { continue }
                    let v = p.covariance(at: k)
                    var eta = offset[o], quad = 0.0
                    for a in 0..<l {
                        eta += loading[o, a] * p.means[k, a]
                        for b in 0..<l { quad += loading[o, a] * v[a, b] * loading[o, b] }
                    }
                    residual += (y - eta) * (y - eta) + quad
                }
            }
            noiseVariances[o] = max(residual / count, 1e-6)
        }
    }

    /// Moves the C ↔ amplitude gauge to unit-norm loading columns without changing the model: with
    /// s_l = ‖c_l‖, z_l ↦ s_l z_l, so c_l ↦ c_l/s_l, the latent kernel's variances ↦ s_l² × them, and the
    /// latent-space sites j ↦ S⁻¹j, 𝒥 ↦ S⁻¹𝒥S⁻¹ (cvhmax's column normalisation).
    mutating func normaliseLoadingColumns(sites: inout [GaussianSites]) {
        let n = outputCount, l = latentCount
        var scale = [Double](repeating: 1, count: l)
        for a in 0..<l {
            let norm = (0..<n).reduce(0.0) { $0 + loading[$1, a] * loading[$1, a] }.squareRoot()
            guard norm > 0, norm.isFinite else { continue }
            scale[a] = norm
            for o in 0..<n { loading[o, a] /= norm }
            var ps = latents[a].parameters
            for i in ps.indices where ps[i].name == "variance" || ps[i].name.hasSuffix(".variance") {
                ps[i].value = ps[i].value.map { $0 * norm * norm }
            }
            latents[a].parameters = ps
        }
        for i in sites.indices {
            for k in 0..<sites[i].count {
                for a in 0..<l {
                    sites[i].first[k * l + a] /= scale[a]
                    for b in 0..<l { sites[i].second[k * l * l + a + b * l] /= scale[a] * scale[b] }
                }
            }
        }
    }

    /// The Whittle kernel M-step (docs/methods/state-space.md#kernel-m-step): in the unit-norm-loading gauge, per latent, maximise ℓ_W at the
    /// periodogram averaged over FFBS draws of that latent in every trial, over the kernel's trainable
    /// parameters and its variance (which now carries the latent's amplitude).
    mutating func kernelStep(_ trials: [LatentTrial], sites: inout [GaussianSites], options: LatentFactorFitOptions,
                             generator: inout SeededGenerator) throws {
        guard let spacing = trials.first?.regularSpacing,
              trials.allSatisfy({ $0.count < 3 || abs(($0.regularSpacing ?? -1) - spacing) <= 1e-9 * spacing })
        else { preconditionFailure("learning kernels by Whittle needs regular bins of one spacing in every trial") }
        normaliseLoadingColumns(sites: &sites)
        let l = latentCount, s = max(1, options.periodogramSamples)
        var averaged = [[[Double]]](repeating: [], count: l)     // [latent][trial] periodogram
        for (trial, site) in zip(trials, sites) {
            let draws = try StateSpaceSmoother.sample(kernel: kernel, times: trial.times, sites: site, projection: projection,
                                                      count: s, generator: &generator, policy: jitter)
            for a in 0..<l {
                var sum = [Double](repeating: 0, count: (trial.count - 1) / 2)
                for draw in draws {
                    let series = (0..<trial.count).map { draw[$0 * l + a] }
                    let p = WhittleLikelihood.periodogram(series)
                    for k in sum.indices { sum[k] += p[k] / Double(s) }
                }
                averaged[a].append(sum)
            }
        }
        for a in 0..<l {
            var objective = WhittleLikelihood(kernel: latents[a], periodograms: averaged[a], lengths: trials.map(\.count),
                                              spacing: spacing, variant: options.whittleVariant)
            try Trainer.fit(&objective, options: FitOptions(maxIterations: options.kernelIterations))
            latents[a] = objective.kernel
        }
    }
}

/// Variational EM for `LatentFactorModel` as an `AlternatingModel`.
struct LatentFactorEM: AlternatingModel {
    var model: LatentFactorModel
    let trials: [LatentTrial]
    let options: LatentFactorFitOptions
    var sites: [GaussianSites]
    var posteriors: [LatentPosterior] = []

    /// 1. E-step. The smoothed posterior under given sites does not depend on the readout, so the previous
    ///    E-step's last smoother pass is reused unless the kernels changed.
    mutating func expectationStep(_ context: inout AlternatingContext) throws -> Double {
        let iteration = context.iteration
        let previous = posteriors
        posteriors = try trials.indices.map {
            try model.eStep(trials[$0], sites: sites[$0], options: options,
                            previous: previous.isEmpty || (options.learnKernels && iteration > options.kernelWarmup + 1) ? nil : previous[$0])
        }
        sites = posteriors.map(\.sites)
        return zip(trials, posteriors).reduce(0.0) { $0 + model.elbo($1.0, posterior: $1.1) }
    }

    /// 2. Readout M-step; 3. kernel M-step (after the warm-up); 4. whether C and d settled. The run may not
    ///    stop before the kernels have been learned for a few iterations, when they are.
    mutating func maximizationStep(_ context: inout AlternatingContext) throws -> MaximizationOutcome {
        let iteration = context.iteration
        let (oldC, oldD) = (model.loading, model.offset)
        try model.readoutStep(trials, posteriors, options: options)
        if options.learnKernels && iteration > options.kernelWarmup {
            try model.kernelStep(trials, sites: &sites, options: options, generator: &context.generator)
        }
        var change = 0.0
        for i in model.loading.storage.indices {
            change = max(change, abs(model.loading.storage[i] - oldC.storage[i]) / (1 + abs(oldC.storage[i])))
        }
        for i in model.offset.indices { change = max(change, abs(model.offset[i] - oldD[i]) / (1 + abs(oldD[i]))) }
        if options.learnKernels && iteration <= options.kernelWarmup + 2 { return .mustContinue }
        return change < options.tolerance ? .settled : .undecided
    }

    /// A final E-step with the final parameters.
    mutating func finish(_ context: inout AlternatingContext) throws -> Double? {
        let last = posteriors
        posteriors = try trials.indices.map {
            try model.eStep(trials[$0], sites: sites[$0], options: options,
                            previous: options.learnKernels || last.isEmpty ? nil : last[$0])
        }
        return nil
    }
}
