import GPLinearAlgebra

/// A Vecchia GP (Vecchia 1988; Katzfuss & Guinness 2021; docs/methods/vecchia.md): Gaussian-process regression
/// whose likelihood conditions each observation, in maximin order, on its m nearest previous observations only,
///
///     log p̃(y) = Σᵢ log N(yᵢ; bᵢᵀ y_c(i), dᵢ)  (the response covariance Θ = K + σ²I),
///
/// which is exact when every set is complete (m = n − 1). Prediction conditions each test point on its m
/// nearest training points.
///
/// ```swift
/// var model = VecchiaGP(kernel: Matern32(lengthscale: [0.2, 0.2]), likelihood: GaussianLikelihood(variance: 0.1),
///                       neighbours: 30)
/// try model.fit(x, y)
/// let prediction = try model.posterior(x, y).predict(at: xTest)   // latent mean and variance
/// ```
/// - Complexity: O(n m³) per objective evaluation (columns on all cores), O(n m) memory; O(m³) per prediction.
public struct VecchiaGP: Parameterised, Sendable {
    public var kernel: any Kernel
    public var likelihood: GaussianLikelihood
    /// m, the size of each conditioning set.
    public var neighbours: Int
    public var jitter: JitterPolicy
    /// The maximin ordering the likelihood's conditioning sets are built on (`MaximinMethod`; default exact).
    public var ordering: MaximinMethod

    public init(kernel: any Kernel, likelihood: GaussianLikelihood = GaussianLikelihood(), neighbours: Int = 30,
                jitter: JitterPolicy = .standard, ordering: MaximinMethod = .exact) {
        self.kernel = kernel
        self.likelihood = likelihood
        self.neighbours = neighbours
        self.jitter = jitter
        self.ordering = ordering
    }

    /// `kernel.*`, then `likelihood.variance`.
    public var parameters: [Parameter] {
        get { kernel.parameters.map { $0.prefixed("kernel") } + likelihood.parameters.map { $0.prefixed("likelihood") } }
        set {
            let g = splitParameters(newValue, counts: [kernel.parameters.count, 1])
            kernel.parameters = g[0]
            likelihood.parameters = g[1]
        }
    }

    /// The Vecchia log-likelihood on (x, y) as a trainable objective; its ordering and conditioning sets come from
    /// the inputs scaled by the kernel's current lengthscales (`VecchiaStructure.scales`).
    public func marginalLikelihood(_ x: Matrix, _ y: [Double]) -> VecchiaMarginalLikelihood {
        VecchiaMarginalLikelihood(model: self, x: x, y: y,
                                  structure: VecchiaStructure(x, scales: VecchiaStructure.scales(for: kernel, inputs: x),
                                                              neighbours: neighbours, ordering: ordering))
    }

    /// Maximises the Vecchia log-likelihood with the shared engine (L-BFGS and the start screen by default).
    /// - Throws: `TrainingError.invalidData` for unusable data or a neighbour count below 1; numerical failures
    ///   at the starting point.
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], options: FitOptions = FitOptions()) throws -> FitReport {
        try TrainingDataCheck.check(x: x, y: y, kernel: kernel, likelihood: likelihood)
        guard neighbours >= 1 else { throw TrainingError.invalidData("a Vecchia GP needs at least 1 neighbour, got \(neighbours)") }
        let (model, report) = try marginalLikelihood(x, y).trained(options: options)
        self = model
        return report
    }

    /// The predictive posterior given the training data: each test point conditions on its m nearest training
    /// points (inputs scaled as for the ordering).
    public func posterior(_ x: Matrix, _ y: [Double]) -> VecchiaPosterior {
        VecchiaPosterior(model: self, x: x, y: y, scales: VecchiaStructure.scales(for: kernel, inputs: x))
    }
}

/// Vecchia prediction (docs/methods/vecchia.md#prediction): for a test point x*, its m nearest training points c
/// (k-d tree on scaled inputs), μ* = k_{*c} Θ_cc⁻¹ y_c and v* = k** − k_{*c} Θ_cc⁻¹ k_{c*}, Θ_cc = K_cc + σ²I
/// (independent marginals; with m = n it is the exact GP's prediction).
/// - Complexity: O(n log n) to build; O(log n + m³ + m² d) per test point, test points on all cores.
public struct VecchiaPosterior: Sendable {
    public let model: VecchiaGP
    let x: Matrix
    let y: [Double]
    let scales: [Double]
    let tree: KDTree

    init(model: VecchiaGP, x: Matrix, y: [Double], scales: [Double]) {
        self.model = model
        self.x = x
        self.y = y
        self.scales = scales
        tree = KDTree(VecchiaStructure.scaled(x, by: scales))
    }

    /// Latent mean and variance at the rows of `xs`.
    /// - Throws: `LinearAlgebraError` when a neighbour block cannot be factorised.
    public func predict(at xs: Matrix) throws -> GaussianPrediction {
        try PredictionError.checkColumns(xs, expected: x.cols)
        let scaled = VecchiaStructure.scaled(xs, by: scales)
        let kernel = model.kernel, noise = model.likelihood.variance.scalar, m = model.neighbours, policy = model.jitter
        let (x, y, tree) = (self.x, self.y, self.tree)
        let chunks = try ParallelChunks(count: xs.rows).map { range in
            var mean: [Double] = [], variance: [Double] = []
            for t in range {
                let near = tree.nearest(scaled.row(t), k: m).map(\.index)
                let xc = x.selectingRows(near), xt = xs.selectingRows([t])
                var theta = kernel.gram(xc)
                for a in 0..<near.count { theta[a, a] += noise }
                let l = try Cholesky(theta, policy: policy)
                let kc = kernel.cross(xc, xt).storage
                let alpha = l.solve(near.map { y[$0] })
                let w = l.solveLower(kc)
                mean.append(zip(kc, alpha).reduce(0) { $0 + $1.0 * $1.1 })
                variance.append(max(0, kernel.diagonal(xt)[0] - w.reduce(0) { $0 + $1 * $1 }))
            }
            return (mean, variance)
        }
        let mean = chunks.flatMap(\.0), variance = chunks.flatMap(\.1)
        return GaussianPrediction(mean: mean, variance: variance)
    }

    /// Mean and variance of y* (the latent variance plus σ²).
    public func predictObserved(at xs: Matrix) throws -> GaussianPrediction {
        var p = try predict(at: xs)
        let noise = model.likelihood.variance.scalar
        for i in p.variance.indices { p.variance[i] += noise }
        return p
    }
}
