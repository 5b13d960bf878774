import GPLinearAlgebra

/// A DKLGP (Cao, Kang, Jimenez, Sang, Schäfer & Katzfuss 2023; docs/methods/dklgp.md): a latent GP
/// f ~ N(0, Θ), Θ = K + τI (nugget τ = 10⁻⁴), under any one-latent likelihood, with a sparse inverse-Cholesky
/// prior p̃(f) = N(0, (UUᵀ)⁻¹) (U the KL-optimal factor on the m nearest previous points in maximin order) and
/// a variational posterior q(f) = N(ν, (VVᵀ)⁻¹) with V of the same sparsity. Training maximises the ELBO
///
///     L = Σⱼ eⱼ + n/2,  eⱼ = log Uⱼⱼ − log Vⱼⱼ − ½(U_{:,j}ᵀν)² − ½‖V⁻¹U_{:,j}‖² + E_{N(νⱼ, σⱼ²)}[log p(yⱼ | fⱼ)],
///
/// over ν, V, kernel and likelihood parameters, one minibatch of columns at a time (Adam through the shared
/// `Trainer`). Prediction conditions each new point on its m nearest training points.
///
/// ```swift
/// var model = DKLGP(kernel: Matern32(lengthscale: [0.3, 0.3]), likelihood: Bernoulli(link: .logit), neighbours: 20)
/// try model.fit(x, labels)
/// let latent = try model.posterior(x).predict(at: xTest)   // mean and variance of f
/// ```
/// - Complexity: O(|B| (m³ + m² d + |A|²)) per minibatch of |B| columns (|A|: ancestor-set size), columns on all
///   cores; O(n (m + d) + Σ|A(j)| m) memory.
public struct DKLGP: Parameterised, Sendable {
    public var kernel: any Kernel
    public var likelihood: any ScalarLikelihood
    /// m, the size of each prior conditioning set.
    public var neighbours: Int
    /// How the ELBO's back-substitutions restrict V (exact closure or the reduced DKLGP sets).
    public var ancestors: AncestorRule
    /// τ, added to the latent covariance's diagonal.
    public var nugget: Double
    public var jitter: JitterPolicy
    /// q(f) and the structure it lives on; nil until `fit` (or `elbo`) initialises it.
    public internal(set) var variational: DKLGPVariational?
    /// Where `fit` starts q: the local posterior (default) or the prior approximation p̃.
    public var start: VariationalStart = .localPosterior
    /// The maximin ordering the structure is built on (`MaximinMethod`; default exact, the faster one measured).
    public var ordering: MaximinMethod = .exact

    /// The starting point of q(f) in `fit` (docs/methods/dklgp.md#starting-point).
    public enum VariationalStart: Sendable, Equatable {
        /// q = p̃: ν = 0, V = U.
        case prior
        /// The Vecchia approximation of the Gaussian posterior with sites from one Newton step of the likelihood.
        case localPosterior
    }

    public init(kernel: any Kernel, likelihood: any ScalarLikelihood, neighbours: Int = 30,
                ancestors: AncestorRule = .standard, nugget: Double = 1e-4, jitter: JitterPolicy = .standard) {
        self.kernel = kernel
        self.likelihood = likelihood
        self.neighbours = neighbours
        self.ancestors = ancestors
        self.nugget = nugget
        self.jitter = jitter
    }

    /// `kernel.*`, `likelihood.*`, then (once initialised) `q.mean` (ν) and `q.factor` (V's nonzeros, ζ on the
    /// diagonal).
    public var parameters: [Parameter] {
        get {
            var p = kernel.parameters.map { $0.prefixed("kernel") } + likelihood.parameters.map { $0.prefixed("likelihood") }
            if let q = variational { p += [q.mean.prefixed("q"), q.factor.prefixed("q")] }
            return p
        }
        set {
            let g = splitParameters(newValue, counts: [kernel.parameters.count, likelihood.parameters.count,
                                                       variational == nil ? 0 : 2])
            kernel.parameters = g[0]
            likelihood.parameters = g[1]
            if variational != nil {
                variational!.mean.assign(from: g[2][0])
                variational!.factor.assign(from: g[2][1])
            }
        }
    }

    /// The structure of inputs `x` under this model's settings, ordered on `x` scaled by the kernel's current
    /// lengthscales.
    public func structure(_ x: Matrix) -> DKLGPStructure {
        DKLGPStructure(x, scales: VecchiaStructure.scales(for: kernel, inputs: x), neighbours: neighbours, rule: ancestors,
                       ordering: ordering)
    }

    /// The KL-optimal prior factor U of Θ = K + τI on `structure` (positions of its ordering) and the jitter added.
    /// - Throws: `LinearAlgebraError` when a block cannot be factorised.
    public func priorFactor(_ x: Matrix, structure: DKLGPStructure) throws -> SparseInverseCholesky {
        let kernel = self.kernel, nugget = self.nugget, order = structure.ordering.order
        return try SparseInverseCholesky.klOptimal(pattern: structure.prior, policy: jitter) { s in
            var theta = kernel.gram(x.selectingRows(s.map { order[$0] }))
            for a in 0..<s.count { theta[a, a] += nugget }
            return theta
        }.factor
    }

    /// Sets q = p̃ (ν = 0, V = U) on `structure`.
    public mutating func initialiseVariational(_ x: Matrix, structure: DKLGPStructure) throws {
        variational = DKLGPVariational(structure: structure, priorFactor: try priorFactor(x, structure: structure))
    }

    /// Sets q to the local Gaussian posterior (docs/methods/dklgp.md#starting-point): Gaussian sites from one Newton
    /// step of the likelihood at its linearisation point f₀ (Wⱼ = max(−∂² log p, 10⁻⁶), ỹⱼ = f₀ + ∂ log p / Wⱼ; for a
    /// Gaussian likelihood W = 1/σ², ỹ = y), then per column the exact posterior of f_{s(j)} under Θ_ss and the sites
    /// of s(j) only: Σ = Θ − Θ(Θ + W⁻¹)⁻¹Θ, ν_j its mean's last entry, V_{s(j),j} = chol(Σ)⁻ᵀe_last (the KL-optimal
    /// column of that local posterior). A Vecchia approximation of the Laplace-like posterior, built like U.
    /// - Complexity: Σⱼ O(|s(j)|³ + |s(j)|² d), columns on all cores.
    public mutating func initialiseLocalPosterior(_ x: Matrix, _ y: [Double], structure: DKLGPStructure) throws {
        let kernel = self.kernel, nugget = self.nugget, policy = jitter, likelihood = self.likelihood
        let order = structure.ordering.order, pattern = structure.prior
        precondition(structure.posterior == pattern, "the local start needs V's pattern to be the prior's")
        var sites = [(precision: Double, target: Double)](repeating: (1, 0), count: x.rows)
        for i in 0..<x.rows {
            let f0 = likelihood.linearisationPoint(for: y[i]) ?? 0
            let l = likelihood.logDensityAndCurvature(y[i], f0)
            let w = max(-l.d2f, 1e-6)
            sites[i] = (w, f0 + l.df / w)
        }
        var mean = [Double](repeating: 0, count: x.rows)
        var values = [Double](repeating: 0, count: pattern.nonZeroCount)
        try mean.withUnsafeMutableBufferPointer { meanBuffer in
            try values.withUnsafeMutableBufferPointer { valueBuffer in
                let nu = UnsafeMutableSendableBuffer(meanBuffer), v = UnsafeMutableSendableBuffer(valueBuffer)
                let sitesCopy = sites
                _ = try ParallelChunks(count: pattern.count).map { range in
                    for j in range {
                        let s = pattern.column(j), k = s.count
                        let idx = s.map { order[$0] }
                        var theta = kernel.gram(x.selectingRows(idx))
                        for a in 0..<k { theta[a, a] += nugget }
                        var noisy = theta
                        for a in 0..<k { noisy[a, a] += 1 / sitesCopy[idx[a]].precision }
                        let c = try Cholesky(noisy, policy: policy)
                        let a = c.solveLower(theta)                       // C⁻¹Θ
                        var sigma = theta - matmul(a, a, .transposed, .none)   // Θ − Θ(Θ + W⁻¹)⁻¹Θ
                        sigma.symmetrize()
                        let alpha = c.solveLower(idx.map { sitesCopy[$0].target })
                        var m = 0.0
                        for r in 0..<k { m += a[r, k - 1] * alpha[r] }
                        nu[j] = m
                        let l = try Cholesky(sigma, policy: policy)
                        var unit = [Double](repeating: 0, count: k)
                        unit[k - 1] = 1
                        trsv(.lower, .transposed, l.lower, &unit)
                        for r in 0..<k { v[pattern.starts[j] + r] = r == k - 1 ? DKLGPVariational.logDiagonal(unit[r]) : unit[r] }
                    }
                    return 0
                }
            }
        }
        variational = DKLGPVariational(structure: structure, mean: mean, factor: values)
    }

    /// Checks the settings. - Throws: `TrainingError.invalidData` naming the bad setting.
    func validateSettings(rows n: Int) throws {
        guard neighbours >= 1 else { throw TrainingError.invalidData("a DKLGP needs at least 1 neighbour, got \(neighbours)") }
        guard nugget >= 0, nugget.isFinite else { throw TrainingError.invalidData("the nugget must be finite and ≥ 0, got \(nugget)") }
        if case let .reduced(rho, cap) = ancestors {
            guard rho > 0, rho.isFinite else { throw TrainingError.invalidData("the ancestor radius factor ρ must be finite and > 0, got \(rho)") }
            guard cap >= 1 else { throw TrainingError.invalidData("the ancestor cap must be ≥ 1, got \(cap)") }
        }
    }

    /// The ELBO on (x, y) as a trainable objective; q is initialised to p̃ first unless it already lives on a
    /// structure of x's size.
    /// - Throws: `TrainingError.invalidData` for bad settings; `LinearAlgebraError` from the prior factor.
    public func elbo(_ x: Matrix, _ y: [Double]) throws -> DKLGPObjective {
        try validateSettings(rows: x.rows)
        var model = self
        if model.variational?.structure.count != x.rows { try model.initialiseVariational(x, structure: model.structure(x)) }
        return DKLGPObjective(model: model, x: x, y: y)
    }

    /// Adam with the reference schedule (docs/methods/dklgp.md#training): `learningRate` decayed by `decayPerEpoch`
    /// per pass over the columns, minibatches of `batchSize` columns (all when n ≤ batch size), `epochs` passes, no
    /// start screen; the iteration budget always runs (the minibatch value is noisy).
    public static func trainingOptions(rows n: Int, epochs: Int = 10, batchSize: Int = 128, learningRate: Double = 0.1,
                                       decayPerEpoch: Double = 0.9, seed: UInt64 = 0) -> FitOptions {
        let batch = batchSize < n ? batchSize : nil
        let steps = max(1, n / (batch ?? n))
        var options = FitOptions(optimizer: .adam(learningRate: learningRate, decay: Math.pow(decayPerEpoch, 1 / Double(steps))),
                                 maxIterations: max(1, epochs) * steps, gradientTolerance: 0, relativeTolerance: 0,
                                 batchSize: batch, seed: seed)
        options.screen = nil
        return options
    }

    /// Fits with the shared engine: the kernel is sized to the data, the structure built on inputs scaled by its
    /// lengthscales, q starts at p̃, and the ELBO is maximised (default: `trainingOptions(rows:)`).
    /// - Throws: `TrainingError.invalidData` for unusable data or settings; numerical failures at the start.
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions? = nil) throws -> FitReport {
        var start = self
        start.kernel = kernel.sizedToData(DataSummary(x: x, y: y).inputScales)
        try TrainingDataCheck.check(x: x, y: y, kernel: start.kernel, likelihood: likelihood)
        try start.validateSettings(rows: x.rows)
        switch start.start {
        case .prior: try start.initialiseVariational(x, structure: start.structure(x))
        case .localPosterior: try start.initialiseLocalPosterior(x, y, structure: start.structure(x))
        }
        var objective = DKLGPObjective(model: start, x: x, y: y)
        let report = try Trainer.fit(&objective, options: options ?? Self.trainingOptions(rows: x.rows, seed: 0))
        self = objective.model
        return report
    }

    /// The predictive posterior given the training inputs `x` (the ones `fit` saw).
    /// - Throws: `TrainingError.invalidData` when the model has no q(f) on `x.rows` points.
    public func posterior(_ x: Matrix) throws -> DKLGPPosterior {
        guard let q = variational, q.structure.count == x.rows else {
            throw TrainingError.invalidData("the DKLGP has no variational posterior on \(x.rows) training points: fit it first")
        }
        return DKLGPPosterior(model: self, variational: q, x: x)
    }
}
