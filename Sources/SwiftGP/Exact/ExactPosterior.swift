import GPLinearAlgebra

/// Means and variances at a set of points.
public struct GaussianPrediction: Sendable {
    public var mean: [Double]
    /// Never negative.
    public var variance: [Double]
}

/// The exact GP posterior: an immutable value holding the test-point-independent work, the Cholesky
/// factor L of K + σ²I and α = (K + σ²I)⁻¹(y − m(X)) (docs/methods/exact-gp.md#prediction).
/// - Complexity: O(n³) to build; prediction O(n m d + n² m) for m test points.
public struct ExactPosterior: Sendable {
    public let model: ExactGP
    public let x: Matrix
    public let factor: Cholesky
    public let alpha: [Double]

    /// `noise`: known per-point noise variances of the training rows, added to σ² (nil: none).
    public init(model: ExactGP, x: Matrix, y: [Double], noise: [Double]? = nil) throws {
        precondition(x.rows == y.count, "\(x.rows) input rows but \(y.count) targets")
        var k = model.kernel.gram(x)
        k.addToDiagonal(model.likelihood.variance.scalar)
        if let noise { k.addToDiagonal(noise) }
        self.factor = try Cholesky(k, policy: model.jitter)
        let m = model.mean.value(x)
        self.alpha = factor.solve(zip(y, m).map { $0 - $1 })
        self.model = model
        self.x = x
    }

    /// The noise variance σ².
    public var noiseVariance: Double { model.likelihood.variance.scalar }

    /// Latent f* mean m(X*) + K*f α and variance diag K** − ‖L⁻¹Kf*‖² (clamped at 0).
    /// - Throws: `PredictionError.inputColumns` for inputs with another number of columns than the training data.
    public func predict(at xs: Matrix) throws -> GaussianPrediction {
        try PredictionError.checkColumns(xs, expected: x.cols)
        let kfs = model.kernel.cross(x, xs)          // n × m
        var mean = matvec(kfs, alpha, .transposed)
        let prior = model.mean.value(xs)
        for i in mean.indices { mean[i] += prior[i] }
        let v = factor.solveLower(kfs)
        let kss = model.kernel.diagonal(xs)
        var variance = kss
        for j in 0..<xs.rows {
            var s = 0.0
            for i in 0..<x.rows { s += v[i, j] * v[i, j] }
            variance[j] = max(0, kss[j] - s)
        }
        return GaussianPrediction(mean: mean, variance: variance)
    }

    /// Observed y* mean and variance: latent variance + σ², plus the test points' known noise variances
    /// `noise` when given (one per row of `xs`).
    public func predictObserved(at xs: Matrix, noise: [Double]? = nil) throws -> GaussianPrediction {
        var p = try predict(at: xs)
        p.variance = p.variance.indices.map { p.variance[$0] + noiseVariance + (noise?[$0] ?? 0) }
        return p
    }

    /// The joint latent covariance K** − Vᵀ V, V = L⁻¹ K f*.
    public func covariance(at xs: Matrix) throws -> Matrix {
        try PredictionError.checkColumns(xs, expected: x.cols)
        let v = factor.solveLower(model.kernel.cross(x, xs))
        var c = model.kernel.gram(xs)
        gemm(.transposed, .none, alpha: -1, v, v, beta: 1, into: &c)
        c.symmetrize()
        return c
    }

    /// `count` joint samples of the latent f at `xs` (one per column), reproducible from `seed`.
    /// - Throws: `LinearAlgebraError` if the posterior covariance cannot be factorised.
    public func samples(at xs: Matrix, count: Int, seed: UInt64) throws -> Matrix {
        let c = try Cholesky(covariance(at: xs), policy: model.jitter, isLatentPrior: true)
        var g = SeededGenerator(seed: seed)
        let z = Matrix(rows: xs.rows, cols: count, storage: g.normals(xs.rows * count))
        var s = matmul(c.lower, z)
        let mean = try predict(at: xs).mean
        for j in 0..<count { for i in 0..<xs.rows { s[i, j] += mean[i] } }
        return s
    }
}
