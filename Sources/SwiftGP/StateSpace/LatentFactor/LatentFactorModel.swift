import GPLinearAlgebra

/// The cvHM latent-factor model (Dowling, Zhao & Park 2023; docs/methods/state-space.md#latent-factor-model): n_z independent latent
/// GPs z_l(t), each a state-space kernel (Hida–Matérn or Matérn; the joint state is block diagonal), read
/// out by N outputs through a linear map,
///
///     Poisson:  y_{k,n} ~ Poisson(exp(c_nᵀ z_k + d_n)),     Gaussian:  y_{k,n} ~ N(c_nᵀ z_k + d_n, R_n),
///
/// with C (N × n_z), d and R shared by all trials (which may differ in length).
///
/// `fit` runs variational EM (docs/methods/state-space.md#cvhm-em). Per outer iteration, for every trial:
/// 1. E-step: CVI (docs/methods/state-space.md#cvi) with sites in latent space, j_k ∈ ℝ^{n_z}, 𝒥_k ∈ ℝ^{n_z×n_z}, smoothed on the
///    block-diagonal state by the chosen smoother (cvHM's bidirectional filter by default). For the
///    Poisson readout, with λ_n = exp(c_nᵀm_k + d_n + ½c_nᵀV_kc_n):
///    g_k = Σ_n (y_kn − λ_n) c_n, 𝒥̂_k = Σ_n λ_n c_n c_nᵀ ⪰ 0, ĵ_k = g_k + 𝒥̂_k m_k, damped by β.
///    Gaussian sites are exact: 𝒥 = CᵀR⁻¹C, j = CᵀR⁻¹(y − d).
/// 2. Readout M-step: Poisson — `PoissonReadoutObjective` maximised by the shared engine (`Trainer.fit`,
///    L-BFGS); Gaussian — the closed form [C d] = (Σ y[mᵀ 1])(Σ [[V + mmᵀ, m], [mᵀ, 1]])⁻¹ per output, then R.
/// 3. Optional kernel M-step: for each latent, the Whittle likelihood (docs/methods/state-space.md#whittle-likelihood) at the posterior-averaged
///    periodogram of forward-filtering-backward-sampling draws (estimator (i)), maximised over the kernel's
///    trainable parameters by `Trainer.fit` — by default in its debiased form, because trials are short.
///    Requires regular bins.
/// 4. Stop when C and d, or the total ELBO, change by less than their tolerances (relative) on two
///    consecutive iterations.
///
/// Identifiability: C trades off against the latent amplitude. Without kernel learning the latent kernels'
/// variances stay as given (no step moves them) and C is free; C then has only a rotation gauge when the latent
/// kernels are equal. With kernel learning the gauge moves to unit-norm loading columns before every
/// kernel M-step (an exact reparametrisation, cvhmax's normalisation) and Whittle learns the latent
/// variances with the other kernel parameters — never both free at once.
/// - Complexity: per EM iteration O(Σ T (cviIterations · d³ + N n_z²)) with d = Σ_l d_l, plus the M-steps.
public struct LatentFactorModel: Sendable {
    /// What the outputs observe.
    public enum Readout: String, Sendable, Codable { case poisson, gaussian }

    public var latents: [any StateSpaceKernel]
    /// C, N × n_z.
    public var loading: Matrix
    /// d, length N.
    public var offset: [Double]
    /// R_n for the Gaussian readout (ignored for Poisson).
    public var noiseVariances: [Double]
    public let readout: Readout
    public var jitter: JitterPolicy

    /// A model with `outputs` outputs and the given latent kernels (their variances carry the amplitude
    /// only in the kernel M-step, see the identifiability note). C and d start at zero; `fit` initialises them from the data unless told not to.
    public init(latents: [any StateSpaceKernel], outputs: Int, readout: Readout = .poisson, jitter: JitterPolicy = .standard) {
        precondition(!latents.isEmpty && outputs >= 1)
        self.latents = latents
        self.loading = Matrix(rows: outputs, cols: latents.count)
        self.offset = [Double](repeating: 0, count: outputs)
        self.noiseVariances = [Double](repeating: 1, count: outputs)
        self.readout = readout
        self.jitter = jitter
    }

    public var latentCount: Int { latents.count }
    public var outputCount: Int { loading.rows }

    /// The joint prior: the latents' state spaces side by side.
    public var kernel: StateSpaceSum { StateSpaceSum(latents) }

    /// Π (n_z × d): z_l = H_l x^{(l)}.
    public var projection: Matrix {
        let d = latents.reduce(0) { $0 + $1.stateDimension }
        var p = Matrix(rows: latentCount, cols: d)
        var offset = 0
        for (l, k) in latents.enumerated() {
            let h = k.measurementVector
            for i in h.indices { p[l, offset + i] = h[i] }
            offset += k.stateDimension
        }
        return p
    }

    // MARK: - E-step

    /// The latent-space site update (docs/methods/state-space.md#latent-factor-model) at marginals (m_k, V_k), damped by β. Poisson only.
    func updateSites(_ sites: inout GaussianSites, trial: LatentTrial, means: [Double], covariances: [Double], step beta: Double,
                     maxLogRate: Double) {
        let n = outputCount, l = latentCount, ll = l * l
        let c = loading.storage
        var g = [Double](repeating: 0, count: l), jj = [Double](repeating: 0, count: ll), vc = g
        for k in 0..<trial.count {
            for i in 0..<l { g[i] = 0 }
            for i in 0..<ll { jj[i] = 0 }
            var any = false
            for o in 0..<n {
                let y = trial.observations[k, o]
                if y.isNaN { continue }
                any = true
                var eta = offset[o], quad = 0.0
                for a in 0..<l {
                    eta += c[o + a * n] * means[k * l + a]
                    var s = 0.0
                    for b in 0..<l { s += covariances[k * ll + a + b * l] * c[o + b * n] }
                    vc[a] = s
                    quad += c[o + a * n] * s
                }
                let rate = Math.expLinearAbove(eta + 0.5 * quad, cap: maxLogRate).derivative
                for a in 0..<l {
                    g[a] += (y - rate) * c[o + a * n]
                    for b in 0..<l { jj[a + b * l] += rate * c[o + a * n] * c[o + b * n] }
                }
            }
            if !any { continue }
            for a in 0..<l {
                var first = g[a]
                for b in 0..<l { first += jj[a + b * l] * means[k * l + b] }
                sites.first[k * l + a] = (1 - beta) * sites.first[k * l + a] + beta * first
                for b in 0..<l { sites.second[k * ll + a + b * l] = (1 - beta) * sites.second[k * ll + a + b * l] + beta * jj[a + b * l] }
            }
        }
    }

    /// Exact sites of the Gaussian readout.
    func gaussianSites(_ trial: LatentTrial) -> GaussianSites {
        let n = outputCount, l = latentCount, ll = l * l
        var s = GaussianSites(count: trial.count, dimension: l)
        for k in 0..<trial.count {
            for o in 0..<n {
                let y = trial.observations[k, o]
                if y.isNaN { continue }
                let w = 1 / noiseVariances[o]
                for a in 0..<l {
                    s.first[k * l + a] += loading[o, a] * (y - offset[o]) * w
                    for b in 0..<l { s.second[k * ll + a + b * l] += loading[o, a] * loading[o, b] * w }
                }
            }
        }
        return s
    }

    /// Smooths one trial under `sites`; returns the latent marginals.
    func smooth(_ trial: LatentTrial, sites: GaussianSites, method: StateSpaceSmoother.Method) throws -> LatentPosterior {
        let pi = projection
        let states = try StateSpaceSmoother.smooth(kernel: kernel, times: trial.times, sites: sites, projection: pi,
                                                   method: method, policy: jitter)
        let (m, v) = states.projected(pi)
        return LatentPosterior(times: trial.times, means: Matrix(rows: trial.count, cols: latentCount, storage: transposeFlat(m, trial.count, latentCount)),
                               covariances: v, sites: sites, logNormaliser: states.logNormaliser)
    }

    /// Flat T × n (row k contiguous) to a column-major T × n matrix's storage.
    private func transposeFlat(_ flat: [Double], _ t: Int, _ n: Int) -> [Double] {
        var out = [Double](repeating: 0, count: t * n)
        for k in 0..<t { for i in 0..<n { out[k + i * t] = flat[k * n + i] } }
        return out
    }

    /// Flat per-step means (row k contiguous) from a posterior.
    static func flatMeans(_ p: LatentPosterior) -> [Double] {
        let t = p.means.rows, n = p.means.cols
        var out = [Double](repeating: 0, count: t * n)
        for k in 0..<t { for i in 0..<n { out[k * n + i] = p.means[k, i] } }
        return out
    }

    /// Initial sites: one full CVI step from the prior marginals (m = 0, V = diag k_l(0)).
    func initialSites(_ trial: LatentTrial, maxLogRate: Double) -> GaussianSites {
        if readout == .gaussian { return gaussianSites(trial) }
        let l = latentCount
        var sites = GaussianSites(count: trial.count, dimension: l)
        var v = [Double](repeating: 0, count: trial.count * l * l)
        for k in 0..<trial.count {
            for a in 0..<l { v[k * l * l + a + a * l] = latents[a].diagonal(Matrix(column: [0])).first! }
        }
        updateSites(&sites, trial: trial, means: [Double](repeating: 0, count: trial.count * l), covariances: v,
                    step: 1, maxLogRate: maxLogRate)
        return sites
    }

    /// The E-step for one trial: `cviIterations` CVI steps from `sites` (exact sites for a Gaussian readout).
    /// `previous`, when given, must be the smoothed posterior under `sites` with the current kernels.
    func eStep(_ trial: LatentTrial, sites: GaussianSites, options: LatentFactorFitOptions,
               previous: LatentPosterior? = nil) throws -> LatentPosterior {
        if readout == .gaussian { return try smooth(trial, sites: gaussianSites(trial), method: options.smoother) }
        var s = sites
        var post = try previous ?? smooth(trial, sites: s, method: options.smoother)
        for _ in 0..<options.cviIterations {
            updateSites(&s, trial: trial, means: Self.flatMeans(post), covariances: post.covariances, step: options.cviStepSize,
                        maxLogRate: options.maxLogRate)
            post = try smooth(trial, sites: s, method: options.smoother)
        }
        return post
    }

    /// The ELBO of one trial's posterior: log Z_sites − Σ E_q[log t_k] + Σ E_q[log p(y_k | z_k)]
    /// (Poisson constants −log y! included).
    public func elbo(_ trial: LatentTrial, posterior p: LatentPosterior) -> Double {
        let n = outputCount, l = latentCount
        var total = p.logNormaliser
        for k in 0..<trial.count {
            let m = (0..<l).map { p.means[k, $0] }
            let v = p.covariance(at: k)
            total -= p.sites.expectedLogSite(at: k, mean: m, covariance: v)
            for o in 0..<n {
                let y = trial.observations[k, o]
                if y.isNaN { continue }
                var eta = offset[o], quad = 0.0
                for a in 0..<l {
                    eta += loading[o, a] * m[a]
                    for b in 0..<l { quad += loading[o, a] * v[a, b] * loading[o, b] }
                }
                switch readout {
                case .poisson: total += y * eta - Math.exp(eta + 0.5 * quad) - Math.logFactorial(y)
                case .gaussian:
                    let r = noiseVariances[o]
                    total += -0.5 * Math.log(2 * Double.pi * r) - 0.5 * ((y - eta) * (y - eta) + quad) / r
                }
            }
        }
        return total
    }

    /// Posterior latents of each trial with the current parameters (E-step only, from fresh sites).
    /// - Throws: `LinearAlgebraError` from the smoother.
    public func infer(_ trials: [LatentTrial], options: LatentFactorFitOptions = LatentFactorFitOptions()) throws -> [LatentPosterior] {
        var opts = options
        if readout == .poisson { opts.cviIterations = max(options.cviIterations, options.inferenceIterations) }
        return try trials.map { try eStep($0, sites: initialSites($0, maxLogRate: opts.maxLogRate), options: opts) }
    }
}
