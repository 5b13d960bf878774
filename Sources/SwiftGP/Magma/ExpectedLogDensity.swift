import GPLinearAlgebra

/// One block of an `ExpectedLogDensity`: inputs x (n × d), the second-moment statistic
/// S = Σ w ((a − b)(a − b)ᵀ + Ĉ) and the total weight w, with covariance Σ = k(x, x) [+ σ² I] [+ A].
public struct ExpectedDensityBlock: Sendable {
    public var x: Matrix
    public var statistic: Matrix
    public var weight: Double
    /// A fixed matrix added to Σ (e.g. the hyper-posterior covariance of a new task's inputs), or nil.
    public var additive: Matrix?

    public init(x: Matrix, statistic: Matrix, weight: Double, additive: Matrix? = nil) {
        self.x = x
        self.statistic = statistic
        self.weight = weight
        self.additive = additive
    }
}

/// The M-step objective of Magma and MagmaClust (docs/methods/magmaclust.md#m-step), summed over blocks:
///
///   Σ_j [ −½ tr(Σ_j⁻¹ S_j) − ½ w_j (log|Σ_j| + n_j log 2π) ],
///
/// which is Σ w (log N(a; b, Σ) − ½ tr(Σ⁻¹Ĉ)) with S = Σ w ((a − b)(a − b)ᵀ + Ĉ). Its gradient is the exact
/// GP's trace formula with ααᵀ replaced by Σ⁻¹ S Σ⁻¹: Σ̄ = ½ (Σ⁻¹ S Σ⁻¹ − w Σ⁻¹), handed to the kernel's VJP,
/// and tr Σ̄ for the noise variance. The jitter of the factorisation (the policy's latent-prior base jitter for a
/// noise-free Σ, ε · mean diag Σ) is differentiated too, so the gradient is that of the value computed. Blocks that share inputs and parameters are merged by adding their S and
/// w (the common-grid trick): one factorisation serves them all.
///
/// Parameters: `kernel.*`, then `likelihood.variance` when the blocks carry noise.
/// - Complexity: O(Σ_j n_j³) per evaluation (one dpotrf, dpotri and two n × n GEMMs per block) + O(n_j² d) kernel work.
public struct ExpectedLogDensity: Objective, Sendable {
    public var kernel: any Kernel
    /// σ², or nil for a noise-free covariance (a mean process).
    public var noise: Parameter?
    public var blocks: [ExpectedDensityBlock]
    public var jitter: JitterPolicy
    /// Covariances without noise are latent priors: factorised with the policy's base jitter.
    public var isLatentPrior: Bool

    public init(kernel: any Kernel, noise: Parameter?, blocks: [ExpectedDensityBlock], jitter: JitterPolicy = .standard) {
        self.kernel = kernel
        self.noise = noise
        self.blocks = blocks
        self.jitter = jitter
        self.isLatentPrior = noise == nil
    }

    public var parameters: [Parameter] {
        get { kernel.parameters.map { $0.prefixed("kernel") } + (noise.map { [$0.prefixed("likelihood")] } ?? []) }
        set {
            let k = kernel.parameters.count
            kernel.parameters = Array(newValue[0..<k])
            if noise != nil { noise!.assign(from: newValue[k]) }
        }
    }

    /// Σ of one block.
    func covariance(_ b: ExpectedDensityBlock) -> Matrix {
        var s = kernel.gram(b.x)
        if let noise { s.addToDiagonal(noise.scalar) }
        if let a = b.additive { s += a }
        return s
    }

    public func evaluate(batch: [Int]?) throws -> Evaluation {
        var value = 0.0, jitterUsed = 0.0
        var kernelGradient = [Double](repeating: 0, count: kernel.parameterValueCount)
        var noiseGradient = 0.0
        for b in blocks {
            let n = b.x.rows
            let sigma = covariance(b)
            let c = try Cholesky(sigma, policy: jitter, isLatentPrior: isLatentPrior)
            jitterUsed = max(jitterUsed, c.jitter)
            let inverse = c.inverse()
            // Σ⁻¹ S Σ⁻¹ (S symmetric).
            let sInv = matmul(b.statistic, inverse)
            let quadratic = matmul(inverse, sInv)
            value += -0.5 * sInv.trace - 0.5 * b.weight * (c.logDeterminant + Double(n) * Math.logTwoPi)
            var adjoint = quadratic
            for i in adjoint.storage.indices { adjoint.storage[i] = 0.5 * (adjoint.storage[i] - b.weight * inverse.storage[i]) }
            adjoint.symmetrize()
            // The jitter is r · mean diag Σ (r fixed by the policy's ladder step): its derivative puts
            // (r / n) tr Σ̄ on every diagonal entry of the adjoint.
            if c.jitter > 0 {
                let meanDiagonal = sigma.trace / Double(n)
                let r = c.jitter / (meanDiagonal > 0 ? meanDiagonal : 1)
                if meanDiagonal > 0 { adjoint.addToDiagonal(r / Double(n) * adjoint.trace) }
            }
            let g = kernel.gramGradient(b.x, adjoint: adjoint)
            for i in g.indices { kernelGradient[i] += g[i] }
            noiseGradient += adjoint.trace
        }
        var gradient = splitFlat(kernelGradient, like: kernel.parameters)
        if noise != nil { gradient.append([noiseGradient]) }
        return Evaluation(value: value, gradient: gradient, jitter: jitterUsed)
    }
}

/// Splits a flat gradient into one array per parameter.
func splitFlat(_ flat: [Double], like parameters: [Parameter]) -> [[Double]] {
    var out: [[Double]] = [], start = 0
    for p in parameters {
        out.append(Array(flat[start..<(start + p.count)]))
        start += p.count
    }
    return out
}
