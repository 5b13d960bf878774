import GPLinearAlgebra

/// The Vecchia log-likelihood (docs/methods/vecchia.md#the-vecchia-likelihood) with its gradient. Each point's
/// term is a difference of two small exact GP log-likelihoods,
///
///     log N(y_s(i); 0, Θ_ss) − log N(y_c(i); 0, Θ_cc),   s(i) = c(i) ∪ {i}, Θ = K + σ²I,
///
/// so with L = chol Θ_ss (i last; Θ_cc's factor is its leading block) it is −log L_last,last − ½ w² − ½ log 2π,
/// w = (L⁻¹ y_s)_last, and its gradient is the exact GP's trace formula with the adjoint
/// ½(α_s α_sᵀ − Θ_ss⁻¹) − ½(α_c α_cᵀ − Θ_cc⁻¹) = ½[w(a uᵀ + u aᵀ) + (w² − 1) u uᵀ], u = L⁻ᵀe_last,
/// a = (α_c, 0), handed to the kernel's Gram VJP on the points of s(i) (and its trace to σ²): one Cholesky and
/// three triangular solves per column, no inverse.
/// - Complexity: O(Σᵢ |s(i)|³/3 + |s(i)|² d) per evaluation, columns in parallel chunks on all cores.
public struct VecchiaMarginalLikelihood: ModelObjective, Sendable {
    public var model: VecchiaGP
    public let x: Matrix
    public let y: [Double]
    public let structure: VecchiaStructure

    public init(model: VecchiaGP, x: Matrix, y: [Double], structure: VecchiaStructure) {
        self.model = model
        self.x = x
        self.y = y
        self.structure = structure
    }

    public var dataSummary: DataSummary? { DataSummary(x: x, y: y) }

    public func evaluate(batch: [Int]?) throws -> Evaluation { try evaluate(gradient: true) }

    public func value(batch: [Int]?) throws -> Double { try evaluate(gradient: false).value }

    func evaluate(gradient: Bool) throws -> Evaluation {
        let kernel = model.kernel, noise = model.likelihood.variance.scalar, policy = model.jitter
        let kernelCount = kernel.parameters.reduce(0) { $0 + $1.count }
        struct Partial { var value = 0.0, kernel: [Double], noise = 0.0, jitter = 0.0 }
        let (x, y) = (self.x, self.y)
        let sets = structure.sets, order = structure.ordering.order
        let partials = try ParallelChunks(count: sets.count).map { range in
            var p = Partial(kernel: [Double](repeating: 0, count: gradient ? kernelCount : 0))
            for i in range {
                let idx = sets.column(i).map { order[$0] }
                let k = idx.count
                let xs = x.selectingRows(idx)
                var theta = kernel.gram(xs)
                for a in 0..<k { theta[a, a] += noise }
                let l = try Cholesky(theta, policy: policy)
                p.jitter = max(p.jitter, l.jitter)
                let z = l.solveLower(idx.map { y[$0] })
                let w = z[k - 1]
                p.value += -Math.log(l.lower[k - 1, k - 1]) - 0.5 * w * w - 0.5 * Math.logTwoPi
                guard gradient else { continue }
                // u = L⁻ᵀe_last (the factor's column) and a = (α_c, 0) = L⁻ᵀ(z_c, 0); the adjoint of Θ_ss is
                // ½[w(a uᵀ + u aᵀ) + (w² − 1) u uᵀ] (docs/methods/vecchia.md#the-vecchia-likelihood).
                var u = [Double](repeating: 0, count: k)
                u[k - 1] = 1
                trsv(.lower, .transposed, l.lower, &u)
                var a = z
                a[k - 1] = 0
                trsv(.lower, .transposed, l.lower, &a)
                var adjoint = Matrix(rows: k, cols: k)
                let curvature = w * w - 1
                for q in 0..<k {
                    for r in 0..<k { adjoint[r, q] = 0.5 * (w * (a[r] * u[q] + u[r] * a[q]) + curvature * u[r] * u[q]) }
                    p.noise += adjoint[q, q]
                }
                let g = kernel.gramGradient(xs, adjoint: adjoint)
                for j in g.indices { p.kernel[j] += g[j] }
            }
            return p
        }
        let value = partials.reduce(0) { $0 + $1.value }
        let jitter = partials.map(\.jitter).max() ?? 0
        guard gradient else { return Evaluation(value: value, gradient: [], jitter: jitter) }
        var kernelGradient = [Double](repeating: 0, count: kernelCount)
        for p in partials { for j in kernelGradient.indices { kernelGradient[j] += p.kernel[j] } }
        var grads: [[Double]] = []
        var offset = 0
        for parameter in kernel.parameters {
            grads.append(Array(kernelGradient[offset..<(offset + parameter.count)]))
            offset += parameter.count
        }
        grads.append([partials.reduce(0) { $0 + $1.noise }])
        return Evaluation(value: value, gradient: grads, jitter: jitter)
    }

    /// The KL-optimal sparse inverse-Cholesky factor of the response covariance Θ = K + σ²I on this structure
    /// (positions in the maximin order): 2 KL[N(0, Θ) ‖ N(0, (UUᵀ)⁻¹)] = Σ log dᵢ − log|Θ|.
    public func responseFactor() throws -> SparseInverseCholesky {
        let kernel = model.kernel, noise = model.likelihood.variance.scalar, x = self.x, order = structure.ordering.order
        return try SparseInverseCholesky.klOptimal(pattern: structure.sets, policy: model.jitter) { s in
            var theta = kernel.gram(x.selectingRows(s.map { order[$0] }))
            for a in 0..<s.count { theta[a, a] += noise }
            return theta
        }.factor
    }
}
