import GPLinearAlgebra

/// A new task's predictive at its prediction inputs (docs/methods/magmaclust.md#prediction): the mixture
/// Σ_k τ*_k N(μ_k, Σ_k) of the cluster-specific GP predictives, its mean Σ_k τ*_k μ_k and variance
/// Σ_k τ*_k (Σ_k + μ_k²) − μ̄² per point, and the 2.5 % / 97.5 % quantiles of the mixture per point.
public struct MagmaPrediction: Sendable {
    /// τ*, the new task's memberships.
    public var memberships: [Double]
    /// μ_k per cluster.
    public var clusterMeans: [[Double]]
    /// Σ_k per cluster (full covariance over the prediction inputs).
    public var clusterCovariances: [Matrix]
    /// The mixture mean and variance per prediction input.
    public var mean: [Double]
    public var variance: [Double]
    /// The mixture's 2.5 % and 97.5 % quantiles per prediction input.
    public var lower: [Double]
    public var upper: [Double]
    /// Whether the variances include the new task's noise σ*² (a prediction of y rather than of the latent curve).
    public var includesNoise: Bool

    init(memberships: [Double], clusterMeans: [[Double]], clusterCovariances: [Matrix], includesNoise: Bool) {
        self.memberships = memberships
        self.clusterMeans = clusterMeans
        self.clusterCovariances = clusterCovariances
        self.includesNoise = includesNoise
        let n = clusterMeans.first?.count ?? 0
        var mean = [Double](repeating: 0, count: n), second = mean
        for (k, t) in memberships.enumerated() {
            for j in 0..<n {
                let mu = clusterMeans[k][j]
                mean[j] += t * mu
                second[j] += t * (clusterCovariances[k][j, j] + mu * mu)
            }
        }
        self.mean = mean
        self.variance = (0..<n).map { max(0, second[$0] - mean[$0] * mean[$0]) }
        var lower = mean, upper = mean
        for j in 0..<n {
            let comps = memberships.indices.map { (memberships[$0], clusterMeans[$0][j], clusterCovariances[$0][j, j].squareRoot()) }
            lower[j] = MagmaPrediction.quantile(0.025, of: comps)
            upper[j] = MagmaPrediction.quantile(0.975, of: comps)
        }
        self.lower = lower
        self.upper = upper
    }

    /// The p-quantile of Σ w_k N(μ_k, s_k²) by bisection on its CDF. - Complexity: O(K · 100).
    static func quantile(_ p: Double, of components: [(weight: Double, mean: Double, sd: Double)]) -> Double {
        let live = components.filter { $0.weight > 0 }
        guard !live.isEmpty else { return .nan }
        var lo = live.map { $0.mean - 10 * $0.sd }.min()!, hi = live.map { $0.mean + 10 * $0.sd }.max()!
        if !(hi > lo) { return live[0].mean }
        func cdf(_ x: Double) -> Double {
            live.reduce(0) { $0 + $1.weight * ($1.sd > 0 ? Math.normalCDF((x - $1.mean) / $1.sd) : (x >= $1.mean ? 1 : 0)) }
        }
        for _ in 0..<100 {
            let mid = 0.5 * (lo + hi)
            if cdf(mid) < p { lo = mid } else { hi = mid }
        }
        return 0.5 * (lo + hi)
    }
}

/// Hyper-posteriors q(μ_k) of a fitted model recomputed on 𝒯 ∪ a prediction grid with all parameters fixed
/// (§6.3's grid trick): compute once, predict many new tasks whose inputs lie on the grid.
/// - Complexity: O(K |𝒯 ∪ grid|³) to build.
public struct MagmaPredictionGrid: Sendable {
    /// 𝒯 ∪ grid, sorted.
    public let union: Matrix
    public let posteriors: [MeanProcessPosterior]
    let tolerance: Double

    /// Each cluster's mean process m̂_k and variance diag K̂_k at the rows of `x`, which must lie on the grid.
    /// - Throws: `MagmaError` for a row not on the grid. - Complexity: O(|x| · |grid| · d + K |x|).
    public func marginals(at x: Matrix) throws -> [(mean: [Double], variance: [Double])] {
        let rows = try InputUnion.locate(x, in: union, tolerance: tolerance).map {
            guard let r = $0 else { throw MagmaError.notOnGrid }
            return r
        }
        return posteriors.map { q in (rows.map { q.mean[$0] }, rows.map { q.covariance[$0, $0] }) }
    }
}

extension MagmaClust {
    /// q(μ_k) on 𝒯 ∪ `grid` with the fitted parameters and memberships.
    /// - Throws: `LinearAlgebraError` when a covariance cannot be factorised; `MagmaError` for a grid with
    ///   the wrong number of columns or non-finite values.
    public func predictionGrid(_ grid: Matrix) throws -> MagmaPredictionGrid {
        guard grid.cols == data.dimension else { throw MagmaError.inputDimension(task: "prediction grid", expected: data.dimension, got: grid.cols) }
        guard grid.isFinite else { throw MagmaError.nonFinite(task: "prediction grid") }
        let (union, idx) = InputUnion.build([data.union, grid], tolerance: data.tolerance)
        let rows = data.indices.map { $0.map { idx[0][$0] } }
        let precisions = try (0..<data.taskCount).map { i in
            try TaskPrecision(kernel: taskKernel(i), noise: noise(i), x: data.inputs[i], y: data.targets[i], policy: jitter)
        }
        let qs = try (0..<clusterCount).map { k in
            try MeanProcessEStep.posterior(
                priorCovariance: meanKernel(k).gram(union), priorMean: [Double](repeating: priorMeans[k], count: union.rows),
                weights: memberships.map { $0[k] }, precisions: precisions, sharedPrecision: nil,
                targets: data.targets, rows: rows, policy: jitter).0
        }
        return MagmaPredictionGrid(union: union, posteriors: qs, tolerance: data.tolerance)
    }

    /// Predicts a new task at `xp` from its observations (`xo`, `yo`): hyper-posteriors on 𝒯 ∪ xo ∪ xp,
    /// the new task's memberships τ*_k ∝ π_k N(yo; m̂_k(xo), K̂_k(xo, xo) + Ψ*) (the marginal form; with
    /// task-specific hyperparameters (θ*, σ*²) are fitted jointly by EM on this mixture likelihood), then the
    /// mixture of the cluster predictives (docs/methods/magmaclust.md#prediction).
    /// - Parameter includeNoise: add σ*² to the variances (predict y rather than the latent curve).
    /// - Throws: `MagmaError` for unusable new-task data; `LinearAlgebraError` from factorisations.
    public func predict(observed xo: Matrix, _ yo: [Double], at xp: Matrix, includeNoise: Bool = true,
                        options: FitOptions = MagmaClust.defaultFitOptions) throws -> MagmaPrediction {
        guard xo.rows > 0 else { throw MagmaError.noObservations }
        guard xo.rows == yo.count else { throw MagmaError.sizeMismatch(task: "new task", inputs: xo.rows, targets: yo.count) }
        guard xo.cols == data.dimension else { throw MagmaError.inputDimension(task: "new task", expected: data.dimension, got: xo.cols) }
        guard xo.isFinite, yo.allSatisfy(\.isFinite) else { throw MagmaError.nonFinite(task: "new task") }
        let grid = try predictionGrid(Matrix(stacking: xo, xp))
        return try predict(observed: xo, yo, at: xp, grid: grid, includeNoise: includeNoise, options: options)
    }

    /// As `predict(observed:_:at:)` with precomputed hyper-posteriors; `xo` and `xp` must lie on the grid.
    /// - Complexity: O(K (n_o + n_p)³) (+ the new task's EM with task-specific hyperparameters).
    public func predict(observed xo: Matrix, _ yo: [Double], at xp: Matrix, grid: MagmaPredictionGrid,
                        includeNoise: Bool = true, options: FitOptions = MagmaClust.defaultFitOptions) throws -> MagmaPrediction {
        guard xo.rows > 0 else { throw MagmaError.noObservations }
        let locate = { (x: Matrix) throws -> [Int] in
            try InputUnion.locate(x, in: grid.union, tolerance: grid.tolerance).map {
                guard let r = $0 else { throw MagmaError.notOnGrid }
                return r
            }
        }
        let o = try locate(xo), p = try locate(xp)
        // Hyper-posterior blocks per cluster.
        let blocks = grid.posteriors.map { q in
            (mo: o.map { q.mean[$0] }, mp: p.map { q.mean[$0] },
             koo: q.covariance.selecting(o, o), kpo: q.covariance.selecting(p, o), kpp: q.covariance.selecting(p, p))
        }
        // The new task's hyperparameters and memberships.
        var fitModel = NewTaskFit(kernel: taskKernel(0), noise: taskNoise[hypotheses.sharedTaskKernel ? 0 : 0].variance,
                                  x: xo, y: yo, means: blocks.map(\.mo), covariances: blocks.map(\.koo),
                                  logWeights: mixingWeights.map { Math.log($0) }, jitter: jitter,
                                  mStepOptions: mStepOptions, memberships: mixingWeights)
        if hypotheses.sharedTaskKernel {
            _ = try fitModel.updateMemberships()
        } else {
            fitModel.startFromAverage(of: taskKernels, noise: taskNoise.map(\.variance))
            var fitOptions = options
            fitOptions.screen = nil
            try Trainer.alternate(&fitModel, options: fitOptions)
        }
        let kernel = fitModel.kernel, s2 = fitModel.noise.scalar
        var means: [[Double]] = [], covs: [Matrix] = []
        for b in blocks {
            var goo = b.koo + kernel.gram(xo)
            goo.addToDiagonal(s2)
            let gpo = b.kpo + kernel.cross(xp, xo)
            var gpp = b.kpp + kernel.gram(xp)
            let c = try Cholesky(goo, policy: jitter)
            let alpha = c.solve((0..<xo.rows).map { yo[$0] - b.mo[$0] })
            let mu = zip(b.mp, matvec(gpo, alpha)).map { $0 + $1 }
            let v = c.solveLower(gpo.transposed)     // L⁻¹ Γ_op
            gpp = gpp - matmul(v, v, .transposed, .none)
            if includeNoise { gpp.addToDiagonal(s2) }
            means.append(mu)
            covs.append(gpp)
        }
        return MagmaPrediction(memberships: fitModel.memberships, clusterMeans: means, clusterCovariances: covs,
                               includesNoise: includeNoise)
    }
}

extension Matrix {
    /// The rows r and columns c of this matrix. - Complexity: O(|r| |c|).
    func selecting(_ r: [Int], _ c: [Int]) -> Matrix {
        var out = Matrix(rows: r.count, cols: c.count)
        for (j, cj) in c.enumerated() { for (i, ri) in r.enumerated() { out[i, j] = self[ri, cj] } }
        return out
    }

    /// The rows of a above the rows of b. - Complexity: O((n_a + n_b) d).
    init(stacking a: Matrix, _ b: Matrix) {
        var out = Matrix(rows: a.rows + b.rows, cols: a.cols)
        for j in 0..<a.cols {
            for i in 0..<a.rows { out[i, j] = a[i, j] }
            for i in 0..<b.rows { out[a.rows + i, j] = b[i, j] }
        }
        self = out
    }
}

/// A new task's (θ*, σ*²) and memberships τ* by EM on the mixture likelihood Σ_k π_k N(y°; m̂_k(t°), K̂_k° + Ψ*)
/// (docs/methods/magmaclust.md#prediction): the E-step sets τ*_k ∝ π_k N(…) and returns log Σ_k π_k N(…); the
/// M-step maximises Σ_k τ*_k log N(y°; m̂_k(t°), K̂_k° + Ψ*) by L-BFGS (`ExpectedLogDensity` with additive K̂_k°).
/// - Complexity: O(K n_o³) per iteration.
struct NewTaskFit: AlternatingModel {
    var kernel: any Kernel
    var noise: Parameter
    let x: Matrix
    let y: [Double]
    let means: [[Double]]
    let covariances: [Matrix]
    let logWeights: [Double]
    let jitter: JitterPolicy
    let mStepOptions: FitOptions
    var memberships: [Double]

    mutating func startFromAverage(of kernels: [any Kernel], noise noises: [Parameter]) {
        var ps = kernels[0].parameters
        for j in ps.indices {
            for v in ps[j].value.indices {
                ps[j].value[v] = kernels.reduce(0) { $0 + $1.parameters[j].value[v] } / Double(kernels.count)
            }
        }
        kernel.parameters = ps
        noise.value = [noises.reduce(0) { $0 + $1.scalar } / Double(noises.count)]
    }

    /// τ*_k ∝ π_k N(y°; m̂_k°, K̂_k° + Ψ*); returns log Σ_k π_k N(…). - Complexity: O(K n_o³).
    mutating func updateMemberships() throws -> Double {
        var logs: [Double] = []
        for k in means.indices {
            var s = covariances[k] + kernel.gram(x)
            s.addToDiagonal(noise.scalar)
            let c = try Cholesky(s, policy: jitter)
            let r = (0..<y.count).map { y[$0] - means[k][$0] }
            let a = c.solve(r)
            logs.append(logWeights[k] - 0.5 * dot(r, a) - 0.5 * c.logDeterminant - 0.5 * Double(y.count) * Math.logTwoPi)
        }
        let z = Math.logSumExp(logs)
        memberships = logs.map { Math.exp($0 - z) }
        return z
    }

    mutating func expectationStep(_ context: inout AlternatingContext) throws -> Double { try updateMemberships() }

    mutating func maximizationStep(_ context: inout AlternatingContext) throws -> MaximizationOutcome {
        let blocks = means.indices.filter { memberships[$0] > 0 }.map { k -> ExpectedDensityBlock in
            var s = Matrix(rows: y.count, cols: y.count)
            let r = (0..<y.count).map { y[$0] - means[k][$0] }
            addOuter(&s, r, r, weight: memberships[k])
            return ExpectedDensityBlock(x: x, statistic: s, weight: memberships[k], additive: covariances[k])
        }
        var o = ExpectedLogDensity(kernel: kernel, noise: noise, blocks: blocks, jitter: jitter)
        try context.fit(&o, options: mStepOptions)
        kernel = o.kernel
        noise = o.noise!
        return .undecided
    }

    mutating func finish(_ context: inout AlternatingContext) throws -> Double? { try updateMemberships() }
}
