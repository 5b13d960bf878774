import GPLinearAlgebra

/// MagmaClust (Leroy et al., JMLR 2023) and, with one cluster, Magma (Leroy et al., Machine Learning 2022):
/// multi-task GP regression where tasks share K mean processes (docs/methods/magmaclust.md).
///
/// Task i with cluster label Z_i (probabilities π) is y_i = μ_k(t_i) + f_i(t_i) + ε_i with
/// μ_k ~ GP(m_k, c_γk), f_i ~ GP(0, c_θi), ε_i ~ N(0, σ_i² I). Training is variational EM on the shared
/// engine's alternating driver (`Trainer.alternate`): the E-step computes q(μ_k) = N(m̂_k, K̂_k) on the union
/// 𝒯 of all task inputs, then the memberships τ (log domain); the M-step sets π and fits the kernels by
/// L-BFGS on `ExpectedLogDensity`. The ELBO it monitors never decreases; with K = 1 it is Magma's EM bound,
/// which after an E-step equals the exact marginal likelihood log p({y_i}).
///
/// ```swift
/// let data = try MultiTaskData(taskIDs: ["a", "b"], inputs: [xa, xb], targets: [ya, yb])
/// var model = try MagmaClust(data: data, clusters: 2, meanKernel: RBF(lengthscale: [1], variance: 1),
///                            taskKernel: RBF(lengthscale: [1], variance: 1))
/// try model.fit()
/// let p = try model.predict(observed: xo, yo, at: xp)   // mixture mean, variance, 95 % band
/// ```
/// - Complexity: per EM iteration O(M n³ + K N³ + K Σ n_i²) (n = task size, N = |𝒯|), O(N³ + M N²) on a
///   common grid with shared task hyperparameters; prediction O(K |𝒯 ∪ 𝒢|³).
public struct MagmaClust: Parameterised, Sendable {
    public let data: MultiTaskData
    public let clusterCount: Int
    public let hypotheses: MagmaHypotheses
    /// c_γ: one kernel (shared) or one per cluster.
    public var meanKernels: [any Kernel]
    /// The constant prior mean m_k of each cluster's mean process (not trained).
    public var priorMeans: [Double]
    /// c_θ: one kernel (shared) or one per task.
    public var taskKernels: [any Kernel]
    /// σ²: one (shared) or one per task.
    public var taskNoise: [GaussianLikelihood]
    public var jitter: JitterPolicy
    /// Uses the common-grid trick (§6.8) when every task is on the whole union grid and task hyperparameters
    /// are shared. Turning it off gives the general path (same numbers, more work).
    public var useCommonGrid: Bool = true
    /// MagmaClustR's behaviour: reset each m_k to the average of m̂_k at every M-step. Default off.
    public var resetPriorMeans: Bool = false
    /// The inner fits of the M-step (MagmaClustR: L-BFGS, at most 25 iterations).
    public var mStepOptions: FitOptions
    /// τ, M × K: task i's probability of belonging to cluster k.
    public var memberships: [[Double]]
    /// π, the mixing weights.
    public var mixingWeights: [Double]
    /// q(μ_k) on the union grid after the last E-step (empty before `fit` or `expectationStep`).
    public internal(set) var posteriors: [MeanProcessPosterior] = []
    /// The ELBO after the last E-step (Magma: the EM bound = log p({y_i})).
    public internal(set) var elbo: Double = -.infinity

    /// - Parameters:
    ///   - memberships: starting τ (M × K); nil: k-means on the curves, seeded by `seed`.
    /// - Throws: `MagmaError.clusterCount` unless 1 ≤ K ≤ M; `MagmaError.tooFewTasks` for K > 1 with one task.
    public init(data: MultiTaskData, clusters: Int, meanKernel: any Kernel, taskKernel: any Kernel,
                noise: Double = 0.1, hypotheses: MagmaHypotheses = MagmaHypotheses(), priorMean: Double = 0,
                memberships: [[Double]]? = nil, seed: UInt64 = 0, jitter: JitterPolicy = .standard) throws {
        guard clusters >= 1, clusters <= data.taskCount else {
            throw MagmaError.clusterCount(requested: clusters, tasks: data.taskCount)
        }
        self.data = data
        self.clusterCount = clusters
        self.hypotheses = hypotheses
        let scales = DataSummary(x: data.union, y: data.targets.flatMap { $0 }).inputScales
        let mk = meanKernel.sizedToData(scales), tk = taskKernel.sizedToData(scales)
        self.meanKernels = [any Kernel](repeating: mk, count: hypotheses.sharedMeanKernel ? 1 : clusters)
        self.taskKernels = [any Kernel](repeating: tk, count: hypotheses.sharedTaskKernel ? 1 : data.taskCount)
        self.taskNoise = [GaussianLikelihood](repeating: GaussianLikelihood(variance: noise),
                                              count: hypotheses.sharedTaskKernel ? 1 : data.taskCount)
        self.priorMeans = [Double](repeating: priorMean, count: clusters)
        self.jitter = jitter
        self.mStepOptions = FitOptions(maxIterations: 25, relativeTolerance: 1e-8)
        self.mStepOptions.screen = nil
        if let memberships {
            guard memberships.count == data.taskCount, memberships.allSatisfy({ $0.count == clusters }) else {
                throw MagmaError.parameterCount("memberships (M × K)", expected: data.taskCount * clusters,
                                                got: memberships.reduce(0) { $0 + $1.count })
            }
            self.memberships = memberships.map { row in
                let s = row.reduce(0, +)
                return row.map { s > 0 ? $0 / s : 1 / Double(clusters) }
            }
        } else if clusters == 1 {
            self.memberships = [[Double]](repeating: [1], count: data.taskCount)
        } else {
            self.memberships = TaskClustering.memberships(data, clusters: clusters, seed: seed)
        }
        let tau = self.memberships
        self.mixingWeights = (0..<clusters).map { k in tau.reduce(0) { $0 + $1[k] } / Double(data.taskCount) }
    }

    /// Magma: MagmaClust with one cluster (τ ≡ 1, π = 1; the ELBO is Magma's EM bound). The two hypotheses on
    /// the mean kernel coincide; `sharedTaskKernel` chooses θ_i = θ or task-specific θ_i.
    public static func magma(data: MultiTaskData, meanKernel: any Kernel, taskKernel: any Kernel, noise: Double = 0.1,
                             sharedTaskKernel: Bool = true, priorMean: Double = 0,
                             jitter: JitterPolicy = .standard) throws -> MagmaClust {
        try MagmaClust(data: data, clusters: 1, meanKernel: meanKernel, taskKernel: taskKernel, noise: noise,
                       hypotheses: MagmaHypotheses(sharedMeanKernel: true, sharedTaskKernel: sharedTaskKernel),
                       priorMean: priorMean, jitter: jitter)
    }

    /// The mean kernel of cluster k and the task kernel / noise of task i.
    public func meanKernel(_ k: Int) -> any Kernel { meanKernels[hypotheses.sharedMeanKernel ? 0 : k] }
    public func taskKernel(_ i: Int) -> any Kernel { taskKernels[hypotheses.sharedTaskKernel ? 0 : i] }
    public func noise(_ i: Int) -> Double { taskNoise[hypotheses.sharedTaskKernel ? 0 : i].variance.scalar }

    /// `mean.kernel.*` (or `mean.k.kernel.*`), then `task.kernel.*`, `task.likelihood.variance` (or `task.i.…`).
    public var parameters: [Parameter] {
        get {
            var ps: [Parameter] = []
            for (k, kernel) in meanKernels.enumerated() {
                let prefix = meanKernels.count == 1 ? "mean.kernel" : "mean.\(k).kernel"
                ps += kernel.parameters.map { $0.prefixed(prefix) }
            }
            for i in taskKernels.indices {
                let prefix = taskKernels.count == 1 ? "task" : "task.\(i)"
                ps += taskKernels[i].parameters.map { $0.prefixed(prefix + ".kernel") }
                ps += taskNoise[i].parameters.map { $0.prefixed(prefix + ".likelihood") }
            }
            return ps
        }
        set {
            var start = 0
            func take(_ n: Int) -> [Parameter] { defer { start += n }; return Array(newValue[start..<(start + n)]) }
            for k in meanKernels.indices { meanKernels[k].parameters = take(meanKernels[k].parameters.count) }
            for i in taskKernels.indices {
                taskKernels[i].parameters = take(taskKernels[i].parameters.count)
                taskNoise[i].parameters = take(1)
            }
        }
    }

    /// True when the common-grid trick applies.
    var commonGrid: Bool { useCommonGrid && hypotheses.sharedTaskKernel && data.isCommonGrid }

    /// Ψ_i of every task (one shared factorisation on a common grid). - Complexity: O(Σ n_i³) or O(N³).
    func taskPrecisions() throws -> [TaskPrecision] {
        if commonGrid {
            let shared = try TaskPrecision(kernel: taskKernels[0], noise: taskNoise[0].variance.scalar, x: data.union,
                                           y: data.targets[0], policy: jitter)
            return data.targets.map { y in
                var p = shared
                p.alpha = matvec(shared.inverse, y)
                return p
            }
        }
        return try (0..<data.taskCount).map { i in
            try TaskPrecision(kernel: taskKernel(i), noise: noise(i), x: data.inputs[i], y: data.targets[i], policy: jitter)
        }
    }

    /// The E-step: q(μ_k) for every cluster with the current τ, then (unless `keepMemberships`) τ, and the ELBO.
    /// Returns the ELBO and the largest jitter used.
    /// - Complexity: O(Σ n_i³ + K N³ + K Σ n_i²).
    @discardableResult
    public mutating func expectationStep(updateMemberships: Bool = true) throws -> Double {
        try eStep(updateMemberships: updateMemberships).elbo
    }

    mutating func eStep(updateMemberships: Bool) throws -> (elbo: Double, jitter: Double) {
        let precisions = try taskPrecisions()
        var maxJitter = precisions.map(\.jitter).max() ?? 0
        var qs: [MeanProcessPosterior] = []
        for k in 0..<clusterCount {
            let c = meanKernel(k).gram(data.union)
            let (q, j) = try MeanProcessEStep.posterior(
                priorCovariance: c, priorMean: [Double](repeating: priorMeans[k], count: data.union.rows),
                weights: memberships.map { $0[k] }, precisions: precisions, sharedPrecision: commonGrid ? precisions[0] : nil,
                targets: data.targets, rows: data.indices, policy: jitter)
            qs.append(q)
            maxJitter = max(maxJitter, j)
        }
        posteriors = qs
        // E_ik = log N(y_i; P_i m̂_k, Ψ_i) − ½ tr(Ψ_i⁻¹ P_i K̂_k P_iᵀ).
        let e = (0..<data.taskCount).map { i in
            (0..<clusterCount).map { k in
                precisions[i].expectedLogDensity(y: data.targets[i], rows: data.indices[i], posterior: qs[k])
            }
        }
        if updateMemberships && clusterCount > 1 {
            memberships = e.map { row in
                let logits = (0..<clusterCount).map { Math.log(mixingWeights[$0]) + row[$0] }
                let z = Math.logSumExp(logits)
                return logits.map { Math.exp($0 - z) }
            }
        }
        var bound = qs.reduce(0) { $0 + $1.boundTerm }
        for i in 0..<data.taskCount {
            for k in 0..<clusterCount where memberships[i][k] > 0 {
                let t = memberships[i][k]
                bound += t * e[i][k]
                if mixingWeights[k] > 0 { bound += t * Math.log(mixingWeights[k] / t) } else { bound = -.infinity }
            }
        }
        elbo = bound
        return (bound, maxJitter)
    }

    /// The M-step: π, (optionally) the prior means, then the mean kernels and the task kernels by L-BFGS on
    /// `ExpectedLogDensity`, each fit through `fit` (the alternating context's `fit`).
    mutating func mStep(_ fit: (inout ExpectedLogDensity) throws -> Void) throws {
        let m = data.taskCount
        mixingWeights = (0..<clusterCount).map { k in memberships.reduce(0) { $0 + $1[k] } / Double(m) }
        if resetPriorMeans {
            for k in 0..<clusterCount { priorMeans[k] = posteriors[k].mean.reduce(0, +) / Double(posteriors[k].mean.count) }
        }
        // Mean processes: S_k = (m̂_k − m_k)(m̂_k − m_k)ᵀ + K̂_k on 𝒯.
        let meanBlocks = (0..<clusterCount).map { k -> ExpectedDensityBlock in
            let q = posteriors[k]
            let r = q.mean.map { $0 - priorMeans[k] }
            var s = q.covariance
            addOuter(&s, r, r, weight: 1)
            return ExpectedDensityBlock(x: data.union, statistic: s, weight: 1)
        }
        if hypotheses.sharedMeanKernel {
            var o = ExpectedLogDensity(kernel: meanKernels[0], noise: nil, blocks: [merged(meanBlocks)], jitter: jitter)
            try fit(&o)
            meanKernels[0] = o.kernel
        } else {
            for k in 0..<clusterCount {
                var o = ExpectedLogDensity(kernel: meanKernels[k], noise: nil, blocks: [meanBlocks[k]], jitter: jitter)
                try fit(&o)
                meanKernels[k] = o.kernel
            }
        }
        // Tasks: S_i = Σ_k τ_ik ((y_i − P_i m̂_k)(…)ᵀ + P_i K̂_k P_iᵀ), weight Σ_k τ_ik = 1.
        let taskBlocks = (0..<m).map { i -> ExpectedDensityBlock in
            let rows = data.indices[i], y = data.targets[i]
            var s = Matrix(rows: rows.count, cols: rows.count)
            for k in 0..<clusterCount where memberships[i][k] > 0 {
                let t = memberships[i][k], q = posteriors[k]
                for b in rows.indices { for a in rows.indices { s[a, b] += t * q.covariance[rows[a], rows[b]] } }
                let r = rows.indices.map { y[$0] - q.mean[rows[$0]] }
                addOuter(&s, r, r, weight: t)
            }
            return ExpectedDensityBlock(x: data.inputs[i], statistic: s, weight: 1)
        }
        if hypotheses.sharedTaskKernel {
            let blocks = commonGrid ? [merged(taskBlocks)] : taskBlocks
            var o = ExpectedLogDensity(kernel: taskKernels[0], noise: taskNoise[0].variance, blocks: blocks, jitter: jitter)
            try fit(&o)
            taskKernels[0] = o.kernel
            taskNoise[0].variance = o.noise!
        } else {
            for i in 0..<m {
                var o = ExpectedLogDensity(kernel: taskKernels[i], noise: taskNoise[i].variance, blocks: [taskBlocks[i]],
                                           jitter: jitter)
                try fit(&o)
                taskKernels[i] = o.kernel
                taskNoise[i].variance = o.noise!
            }
        }
    }

    /// Fits by variational EM on `Trainer.alternate` (`options.maxIterations` EM iterations, stop when the
    /// ELBO's relative change stays below `options.relativeTolerance`; MagmaClustR uses 1e-3). The start screen
    /// (shared task hyperparameters only) ranks task-kernel starts by the ELBO after one E-step.
    /// - Throws: `LinearAlgebraError` when a covariance cannot be factorised at the start.
    @discardableResult
    public mutating func fit(options: FitOptions = MagmaClust.defaultFitOptions) throws -> FitReport {
        var em = MagmaClustEM(model: self)
        let report = try Trainer.alternate(&em, options: options)
        self = em.model
        return report
    }

    /// 30 EM iterations at most, relative tolerance 1e-3 (MagmaClustR's `cv_threshold`), patience 1.
    public static var defaultFitOptions: FitOptions { FitOptions(maxIterations: 30, relativeTolerance: 1e-3, patience: 1) }

    /// The number of distinct trainable hyperparameter values (VBIC's count).
    var hyperparameterCount: Int { parameters.filter(\.isTrainable).reduce(0) { $0 + $1.count } }

    /// VBIC = ELBO − ½ (#hyperparameters + K − 1) log M (MagmaClustR R/V-BIC.R; docs/methods/magmaclust.md#choosing-k).
    public var vbic: Double {
        elbo - 0.5 * Double(hyperparameterCount + clusterCount - 1) * Math.log(Double(data.taskCount))
    }

    /// The most probable cluster of every task.
    public var labels: [Int] { memberships.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 } }
}

/// S += w a bᵀ. - Complexity: O(n²).
func addOuter(_ s: inout Matrix, _ a: [Double], _ b: [Double], weight w: Double) {
    for j in b.indices { let bj = w * b[j]; for i in a.indices { s[i, j] += a[i] * bj } }
}

/// Blocks on the same inputs merged: S and w summed (the common-grid trick).
func merged(_ blocks: [ExpectedDensityBlock]) -> ExpectedDensityBlock {
    var s = blocks[0].statistic, w = blocks[0].weight
    for b in blocks.dropFirst() { s += b.statistic; w += b.weight }
    return ExpectedDensityBlock(x: blocks[0].x, statistic: s, weight: w)
}

/// MagmaClust's variational EM as an `AlternatingModel` for `Trainer.alternate`.
struct MagmaClustEM: AlternatingModel {
    var model: MagmaClust

    mutating func expectationStep(_ context: inout AlternatingContext) throws -> Double {
        // MagmaClustR's order: on the first iteration τ keeps its initial value.
        let (bound, j) = try model.eStep(updateMemberships: context.iteration > 1)
        context.noteJitter(j)
        return bound
    }

    mutating func maximizationStep(_ context: inout AlternatingContext) throws -> MaximizationOutcome {
        let options = model.mStepOptions
        try model.mStep { objective in try context.fit(&objective, options: options) }
        return .undecided
    }

    mutating func finish(_ context: inout AlternatingContext) throws -> Double? {
        let (bound, j) = try model.eStep(updateMemberships: true)
        context.noteJitter(j)
        return bound
    }

    mutating func perturb(using generator: inout SeededGenerator) {
        let space = ParameterVector(model.parameters)
        var xi = space.unconstrained
        for i in xi.indices { xi[i] += generator.normal() }
        model.parameters = space.parameters(at: xi)
    }

    var dataSummary: DataSummary? {
        model.hypotheses.sharedTaskKernel ? DataSummary(x: model.data.union, y: model.data.targets.flatMap { $0 }) : nil
    }

    var screenedParameters: [Parameter] {
        guard model.hypotheses.sharedTaskKernel else { return [] }
        return model.taskKernels[0].parameters.map { $0.prefixed("kernel") } + model.taskNoise[0].parameters.map { $0.prefixed("likelihood") }
    }

    mutating func setScreenedParameters(_ parameters: [Parameter]) throws {
        let k = model.taskKernels[0].parameters.count
        model.taskKernels[0].parameters = Array(parameters[0..<k])
        model.taskNoise[0].parameters = [parameters[k]]
    }
}
