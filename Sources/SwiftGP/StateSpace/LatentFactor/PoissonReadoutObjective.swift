import GPLinearAlgebra

/// The Poisson readout M-step of the latent-factor model as a trainable `Objective` (docs/methods/state-space.md#readout-m-step):
///
///     L(C, d) = Σ_trials Σ_k Σ_n [y_kn η_kn − λ_kn] − ½ γ ‖C‖²_F,
///     η_kn = c_nᵀ m_k + d_n,   λ_kn = exp(η_kn + ½ c_nᵀ V_k c_n)   (= E_q[e^{c_nᵀz + d_n}]),
///
/// the expected log-likelihood under the frozen marginals q(z_k) = N(m_k, V_k) (constants −log y! dropped),
/// with an optional ridge γ on C (cvhmax uses an L2 penalty). Gradients:
/// ∂L/∂c_n = Σ_k [(y_kn − λ_kn) m_k − λ_kn V_k c_n] − γ c_n, ∂L/∂d_n = Σ_k (y_kn − λ_kn). NaN entries are
/// skipped; above `maxLogRate` e^a continues along its tangent (`Math.expLinearAbove`), against overflow.
/// Parameters: `loading` C (N × n_z, column-major, unconstrained), `offset` d (N, unconstrained).
/// - Complexity: O(Σ T · N · n_z²) per evaluation.
public struct PoissonReadoutObjective: Objective, Sendable {
    public var loading: Parameter
    public var offset: Parameter
    public let outputs: Int
    public let latents: Int
    let observations: [Matrix]
    let means: [Matrix]
    let covariances: [[Double]]
    public var penalty: Double
    public var maxLogRate: Double

    public init(loading: Matrix, offset: [Double], observations: [Matrix], means: [Matrix], covariances: [[Double]],
                penalty: Double = 0, maxLogRate: Double = 30) {
        precondition(loading.rows == offset.count, "one offset per output")
        precondition(observations.count == means.count && means.count == covariances.count, "one posterior per trial")
        self.outputs = loading.rows
        self.latents = loading.cols
        self.loading = Parameter("loading", loading.storage, .identity)
        self.offset = Parameter("offset", offset, .identity)
        self.observations = observations
        self.means = means
        self.covariances = covariances
        self.penalty = penalty
        self.maxLogRate = maxLogRate
    }

    public var parameters: [Parameter] {
        get { [loading, offset] }
        set {
            loading.assign(from: newValue[0])
            offset.assign(from: newValue[1])
        }
    }

    /// C as a matrix.
    public var loadingMatrix: Matrix { Matrix(rows: outputs, cols: latents, storage: loading.value) }

    public func evaluate(batch: [Int]?) throws -> Evaluation {
        let n = outputs, l = latents, ll = l * l
        let c = loading.value, d = offset.value
        var value = 0.0
        var gc = [Double](repeating: 0, count: n * l), gd = [Double](repeating: 0, count: n)
        var vc = [Double](repeating: 0, count: l)
        for (trial, y) in observations.enumerated() {
            let m = means[trial], v = covariances[trial]
            for k in 0..<y.rows {
                for o in 0..<n {
                    let yk = y[k, o]
                    if yk.isNaN { continue }
                    var eta = d[o], quad = 0.0
                    for a in 0..<l {
                        eta += c[o + a * n] * m[k, a]
                        var s = 0.0
                        for b in 0..<l { s += v[k * ll + a + b * l] * c[o + b * n] }
                        vc[a] = s
                        quad += c[o + a * n] * s
                    }
                    let exponent = eta + 0.5 * quad
                    // Beyond the cap e^a continues along its tangent (Poisson's log-rate clamp).
                    let (rate, slope) = Math.expLinearAbove(exponent, cap: maxLogRate)
                    value += yk * eta - rate
                    gd[o] += yk - slope
                    for a in 0..<l { gc[o + a * n] += yk * m[k, a] - slope * (m[k, a] + vc[a]) }
                }
            }
        }
        if penalty > 0 {
            for i in c.indices {
                value -= 0.5 * penalty * c[i] * c[i]
                gc[i] -= penalty * c[i]
            }
        }
        return Evaluation(value: value, gradient: [gc, gd])
    }
}
