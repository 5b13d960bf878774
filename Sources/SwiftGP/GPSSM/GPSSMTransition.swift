import GPLinearAlgebra

/// The transition GP's conditional given whitened inducing values, off the tape
/// (docs/methods/gpssm.md#model): for inputs x̃ (rows), a⁽ᵈ⁾(x̃) = L_d⁻¹ k_d(Z, x̃),
/// f⁽ᵈ⁾(x̃) | w ~ N(a⁽ᵈ⁾ᵀ w⁽ᵈ⁾, b⁽ᵈ⁾(x̃)), b = k_d(x̃, x̃) − ‖a‖². Holds the D factors L_d = chol K_d(Z, Z).
/// - Complexity: O(D M³) to build; O(D M (M + D + D_c)) per input row.
public struct GPSSMTransition: Sendable {
    public let model: GPSSM
    public let factors: [Cholesky]

    /// - Throws: `LinearAlgebraError` when a K_d(Z, Z) cannot be factorised within the jitter policy.
    public init(model: GPSSM) throws {
        self.model = model
        let z = model.z
        factors = try model.transitions.map { try Cholesky($0.gram(z), policy: model.jitter, isLatentPrior: true) }
    }

    /// A⁽ᵈ⁾ = L_d⁻¹ K_d(Z, X̃) (M × n) and b⁽ᵈ⁾ for the rows of `inputs` (n × (D + D_c)).
    public func projection(_ inputs: Matrix, dimension d: Int) -> (a: Matrix, b: [Double]) {
        let a = factors[d].solveLower(model.transitions[d].cross(model.z, inputs))
        let sq = a.columnSumsOfSquares
        let b = zip(model.transitions[d].diagonal(inputs), sq).map { max($0 - $1, 0) }
        return (a, b)
    }

    /// The mean m(x) + E[f | w] and the variance b + Q of the next state for every row of `inputs`, given
    /// whitened values `whitened` (M × D, or one M × D matrix per row when `perRow` holds them).
    /// - Returns: two n × D matrices.
    public func step(_ inputs: Matrix, whitened: [Matrix]) -> (mean: Matrix, variance: Matrix) {
        let n = inputs.rows, dx = model.latentDimension
        var mean = Matrix(rows: n, cols: dx), variance = Matrix(rows: n, cols: dx)
        let q = model.processVariance.value
        for d in 0..<dx {
            let (a, b) = projection(inputs, dimension: d)
            for i in 0..<n {
                let w = whitened.count == 1 ? whitened[0] : whitened[i]
                var f = 0.0
                for k in 0..<a.rows { f += a[k, i] * w[k, d] }
                mean[i, d] = (model.meanFunction == .identity ? inputs[i, d] : 0) + f
                variance[i, d] = b[i] + q[d]
            }
        }
        return (mean, variance)
    }

    /// One draw of the whitened values from q(w | x) for a trajectory x ((T+1) × D) of `series`, the
    /// collapsed form's conditional: per d, N(L_B⁻ᵀ c, B⁻¹) with Ã = A/√Q_d, B = I + ÃÃᵀ, c = L_B⁻¹Ãδ/√Q_d
    /// (docs/methods/gpssm.md#collapsed). `mean` only: the mean, no noise.
    /// - Complexity: O(D (T M² + M³)).
    public func whitenedGivenStates(_ x: Matrix, series: GPSSMSeries, meanOnly: Bool = false,
                                    using generator: inout SeededGenerator) throws -> Matrix {
        let n = series.steps, dx = model.latentDimension, m = model.inducingCount
        let inputs = Self.inputs(states: x, controls: series.controls, count: n)
        var w = Matrix(rows: m, cols: dx)
        for d in 0..<dx {
            let s = 1 / model.processVariance.value[d].squareRoot()
            let at = s * projection(inputs, dimension: d).a
            var b = Matrix.identity(m)
            syrk(.none, .lower, at, beta: 1, into: &b)
            let lb = try Cholesky(b, policy: model.jitter)
            let delta = (0..<n).map { x[$0 + 1, d] - (model.meanFunction == .identity ? x[$0, d] : 0) }
            var v = lb.solveLower(matvec(at, delta).map { $0 * s })
            if !meanOnly { for k in 0..<m { v[k] += generator.normal() } }
            let col = lb.solveUpper(Matrix(column: v))
            for k in 0..<m { w[k, d] = col.storage[k] }
        }
        return w
    }

    /// Rows x̃_t = (x_t, c_t), t = 0…count−1.
    static func inputs(states x: Matrix, controls c: Matrix, count n: Int) -> Matrix {
        var v = Matrix(rows: n, cols: x.cols + c.cols)
        for j in 0..<x.cols { for i in 0..<n { v[i, j] = x[i, j] } }
        for j in 0..<c.cols { for i in 0..<n { v[i, x.cols + j] = c[i, j] } }
        return v
    }
}
