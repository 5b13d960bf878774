import GPLinearAlgebra

/// The posterior of an inducing-point model (SVGP, SGPR): q(f*) = N(K*u w, k** − ‖L⁻¹ku*‖² + ‖Rᵀku*‖²)
/// with w = K_uu⁻¹ m_u and R = K_uu⁻¹ L_Su cached, so prediction needs neither training data nor a
/// factorisation. - Complexity: O(M² m) for m test points; O(M² L) memory.
public struct InducingPosterior: Sendable {
    public let kernel: any Kernel
    public let likelihood: any Likelihood
    public let z: Matrix
    public let factor: Cholesky
    /// w = K_uu⁻¹ m_u, `M × latentCount`.
    public let projectedMean: Matrix
    /// R = K_uu⁻¹ L_Su, one `M × M` per latent.
    public let projectedSqrt: [Matrix]

    /// Latent means and variances, `n × latentCount`.
    /// - Throws: `PredictionError.inputColumns` for inputs with another number of columns than Z (as every
    ///   prediction here does).
    public func predictLatent(at xs: Matrix) throws -> (mean: Matrix, variance: Matrix) {
        try PredictionError.checkColumns(xs, expected: z.cols)
        let kzs = kernel.cross(z, xs)
        let mean = matmul(kzs, projectedMean, .transposed, .none)
        let a = factor.solveLower(kzs)
        let kss = kernel.diagonal(xs)
        var variance = Matrix(rows: xs.rows, cols: projectedMean.cols)
        for l in 0..<projectedMean.cols {
            let r = matmul(projectedSqrt[l], kzs, .transposed, .none)
            for i in 0..<xs.rows {
                var s = 0.0, q = 0.0
                for k in 0..<z.rows { s += a[k, i] * a[k, i]; q += r[k, i] * r[k, i] }
                variance[i, l] = max(0, kss[i] - s + q)
            }
        }
        return (mean, variance)
    }

    /// The joint covariance of latent `latent` at `xs` (docs/methods/sparse-variational.md#prediction):
    /// K** − AᵀA + BᵀB with A = L⁻¹K_u* (L = chol K_uu) and B = Rᵀ K_u*; its diagonal is `predictLatent`'s variance.
    /// - Complexity: O(M² m + M m²) for m test points.
    public func covariance(at xs: Matrix, latent: Int = 0) throws -> Matrix {
        try PredictionError.checkColumns(xs, expected: z.cols)
        guard projectedSqrt.indices.contains(latent) else { throw PredictionError.unknownLatent(index: latent, count: projectedSqrt.count) }
        let kzs = kernel.cross(z, xs)
        let a = factor.solveLower(kzs)
        let b = matmul(projectedSqrt[latent], kzs, .transposed, .none)
        var c = kernel.gram(xs)
        gemm(.transposed, .none, alpha: -1, a, a, beta: 1, into: &c)
        gemm(.transposed, .none, alpha: 1, b, b, beta: 1, into: &c)
        c.symmetrize()
        return c
    }

    /// `count` joint samples of latent `latent` at `xs` (one per column), reproducible from `seed`:
    /// mean + chol(`covariance`) ε, ε ~ N(0, I).
    /// - Throws: `LinearAlgebraError` if the covariance cannot be factorised within the jitter ladder.
    /// - Complexity: O(m³ + m² count) beyond `covariance`.
    public func samples(at xs: Matrix, count: Int, seed: UInt64, latent: Int = 0,
                        jitter: JitterPolicy = .standard) throws -> Matrix {
        let c = try Cholesky(covariance(at: xs, latent: latent), policy: jitter, isLatentPrior: true)
        var g = SeededGenerator(seed: seed)
        var s = matmul(c.lower, Matrix(rows: xs.rows, cols: count, storage: g.normals(xs.rows * count)))
        let mean = matmul(kernel.cross(z, xs), projectedMean, .transposed, .none).column(latent)
        for j in 0..<count { for i in 0..<xs.rows { s[i, j] += mean[i] } }
        return s
    }

    /// Latent mean and variance for single-latent models.
    public func predict(at xs: Matrix) throws -> GaussianPrediction {
        let (m, v) = try predictLatent(at: xs)
        return GaussianPrediction(mean: m.column(0), variance: v.column(0))
    }

    /// Mean and variance of y (for Bernoulli: the mean is p(y = 1)).
    public func predictObserved(at xs: Matrix) throws -> GaussianPrediction {
        let (m, v) = try predictLatent(at: xs)
        return likelihood.predictiveMoments(mean: m, variance: v)
    }

    /// Class probabilities `n × C` for classification likelihoods (Bernoulli: columns p(0), p(1)).
    public func predictProbabilities(at xs: Matrix) throws -> Matrix? {
        guard let classes = likelihood as? any ClassProbabilities else { return nil }
        let (m, v) = try predictLatent(at: xs)
        return classes.classProbabilities(mean: m, variance: v)
    }

    /// log p(y* | data) for each test point.
    public func logPredictiveDensity(_ y: [Double], at xs: Matrix) throws -> [Double] {
        let (m, v) = try predictLatent(at: xs)
        return likelihood.logPredictiveDensity(y, mean: m, variance: v)
    }
}
