import GPLinearAlgebra

/// The companion-form state space of a half-integer Matérn kernel of order p ∈ {0, 1, 2}
/// (ν = p + ½, λ = √(2ν)/ℓ; docs/methods/state-space.md#matern-sdes). The state is (f, f′, …, f⁽ᵖ⁾).
///
/// Every matrix is a similarity-scaled version of its λ = 1 form: with D = diag(1, λ, …, λᵖ),
/// F = λ D F₁ D⁻¹, P∞ = σ² D P₁ D and A(Δ) = D Ã(λΔ) D⁻¹, i.e. A_ij = λ^{i−j} Ã_ij(λΔ), where F₁ is the
/// companion matrix of (s + 1)^{p+1} and Ã(a) = e^{F₁ a} has the closed forms
///
///     p = 0: e^{−a}
///     p = 1: e^{−a} [[1 + a, a], [−a, 1 − a]]
///     p = 2: e^{−a} (I + a [[a/2 + 1, a + 1, a/2], [−a/2, 1 − a, 1 − a/2], [a/2 − 1, a − 3, a/2 − 2]])
///
/// (the BayesNewton forms). Differentiating the scaling gives, with N = diag(0, 1, …, p),
///
///     ∂A/∂λ = (N A − A N + Δ F A)/λ,   ∂P∞/∂λ = (N P∞ + P∞ N)/λ,   ∂P∞/∂σ² = P∞/σ²,
///
/// and A does not depend on σ². Q_c = σ² q_p λ^{2p+1} with q = (2, 4, 16/3), and the spectral density is
/// S(ω) = Q_c/(λ² + ω²)^{p+1}.
/// - Complexity: O(d²) per transition, O(d²) per gradient contraction (F is a companion matrix).
struct MaternStateSpace: Sendable {
    let order: Int
    let lambda: Double
    let variance: Double

    init(order: Int, lengthscale: Double, variance: Double) {
        precondition((0...2).contains(order), "Matérn state spaces are implemented for orders 0, 1, 2 (ν = ½, 3/2, 5/2)")
        precondition(lengthscale > 0 && variance > 0, "Matérn lengthscale and variance must be positive")
        self.order = order
        self.lambda = Double(2 * order + 1).squareRoot() / lengthscale
        self.variance = variance
    }

    var dimension: Int { order + 1 }

    /// The last row of F₁: −binom(p + 1, j).
    static let companionRow: [[Double]] = [[-1], [-1, -2], [-1, -3, -3]]
    /// P∞ at λ = 1, σ² = 1.
    static let unitStationary: [[Double]] = [[1], [1, 0, 0, 1], [1, 0, -1.0 / 3, 0, 1.0 / 3, 0, -1.0 / 3, 0, 1]]
    /// q_p in Q_c = σ² q_p λ^{2p+1}.
    static let diffusionConstant: [Double] = [2, 4, 16.0 / 3]

    @inline(__always) func lambdaPower(_ k: Int) -> Double {
        switch k {
        case 0: return 1
        case 1: return lambda
        case -1: return 1 / lambda
        default:
            var r = 1.0
            for _ in 0..<abs(k) { r *= lambda }
            return k > 0 ? r : 1 / r
        }
    }

    /// F_ij.
    func feedback(_ i: Int, _ j: Int) -> Double {
        if j == i + 1 { return 1 }
        if i == order { return Self.companionRow[order][j] * lambdaPower(order + 1 - j) }
        return 0
    }

    /// (P∞)_ij = σ² λ^{i+j} (P₁)_ij.
    @inline(__always) func stationary(_ i: Int, _ j: Int) -> Double {
        variance * lambdaPower(i + j) * Self.unitStationary[order][i + j * dimension]
    }

    var diffusion: Double { variance * Self.diffusionConstant[order] * lambdaPower(2 * order + 1) }

    func spectralDensity(_ omega: Double) -> Double {
        let base = lambda * lambda + omega * omega
        var den = base
        for _ in 0..<order { den *= base }
        return diffusion / den
    }

    /// κ(a) and dκ/da for the unit correlation at a = λ|τ|.
    @inline(__always) static func correlation(order: Int, _ a: Double) -> (Double, Double) {
        let e = Math.exp(-a)
        switch order {
        case 0: return (e, -e)
        case 1: return ((1 + a) * e, -a * e)
        default: return ((1 + a + a * a / 3) * e, -(a / 3) * (1 + a) * e)
        }
    }

    /// Writes A(Δ) into the block at `a`.
    @inline(__always) func writeTransition(_ dt: Double, into a: UnsafeMutablePointer<Double>, stride s: Int) {
        let x = lambda * dt
        let e = Math.exp(-x)
        switch order {
        case 0:
            a[0] = e
        case 1:
            a[0] = e * (1 + x)
            a[1] = -e * x * lambda
            a[s] = e * dt
            a[1 + s] = e * (1 - x)
        default:
            let l = lambda, l2 = l * l
            let h = 0.5 * x
            // Ã = e^{−a}(I + a M̃), A_ij = λ^{i−j} Ã_ij.
            a[0] = e * (1 + x * (h + 1))
            a[1] = e * x * (-h) * l
            a[2] = e * x * (h - 1) * l2
            a[s] = e * x * (x + 1) / l
            a[1 + s] = e * (1 + x * (1 - x))
            a[2 + s] = e * x * (x - 3) * l
            a[2 * s] = e * x * h / l2
            a[1 + 2 * s] = e * x * (1 - h) / l
            a[2 + 2 * s] = e * (1 + x * (h - 2))
        }
    }

    /// ⟨Ā, ∂A/∂λ⟩ = (1/λ)[Σ_ij Ā_ij A_ij (i − j) + Δ Σ_ij Ā_ij (F A)_ij].
    @inline(__always) func transitionLambdaContraction(_ dt: Double, transition a: UnsafePointer<Double>,
                                                       adjoint g: UnsafePointer<Double>, stride s: Int) -> Double {
        let d = dimension
        var shift = 0.0
        var fa = 0.0
        for j in 0..<d {
            for i in 0..<d {
                let gij = g[i + j * s]
                if i != j { shift += gij * a[i + j * s] * Double(i - j) }
                // (F A)_ij: rows above the last are shifts, the last row is the companion row.
                var faij: Double
                if i < order {
                    faij = a[i + 1 + j * s]
                } else {
                    faij = 0
                    for l in 0..<d { faij += feedback(order, l) * a[l + j * s] }
                }
                fa += gij * faij
            }
        }
        return (shift + dt * fa) / lambda
    }

    /// A(Δ) for order 2 (ν = 5/2) from x = λΔ and e = e^{−x}, as the same closed form as `writeTransition`:
    /// the one exponential per step is shared with the caller (which keeps e for the reverse sweep).
    @inline(__always) func transition52(x: Double, e: Double) -> Matrix3 {
        let l = lambda, l2 = l * l, invL = 1 / l
        let h = 0.5 * x, ex = e * x
        return Matrix3(SIMD3(e * (1 + x * (h + 1)), -ex * h * l, ex * (h - 1) * l2),
                       SIMD3(ex * (x + 1) * invL, e * (1 + x * (1 - x)), ex * (x - 3) * l),
                       SIMD3(ex * h * invL * invL, ex * (1 - h) * invL, e * (1 + x * (h - 2))))
    }

    /// λ⟨Ā, ∂A/∂λ⟩ for order 2 = Σ_ij Ā_ij A_ij (i − j) + Δ Σ_ij Ā_ij (F A)_ij (see
    /// `transitionLambdaContraction`), unrolled; the caller sums it over steps and divides by λ once.
    @inline(__always) func transitionLambdaContraction52(_ dt: Double, transition a: Matrix3, adjoint g: Matrix3) -> Double {
        let l = lambda
        // (i − j) weights: column 0 → (0, 1, 2), column 1 → (−1, 0, 1), column 2 → (−2, −1, 0).
        let shift = (g.c0 * a.c0 * SIMD3(0, 1, 2) + g.c1 * a.c1 * SIMD3(-1, 0, 1) + g.c2 * a.c2 * SIMD3(-2, -1, 0)).sum()
        // F A: rows 0, 1 are rows 1, 2 of A; row 2 is −λ³ A₀ − 3λ² A₁ − 3λ A₂ (companion row).
        @inline(__always) func fa(_ c: SIMD3<Double>) -> SIMD3<Double> {
            SIMD3(c.y, c.z, -l * l * l * c.x - 3 * l * l * c.y - 3 * l * c.z)
        }
        let faSum = (g.c0 * fa(a.c0) + g.c1 * fa(a.c1) + g.c2 * fa(a.c2)).sum()
        return shift + dt * faSum
    }

    func writeStationary(into p: UnsafeMutablePointer<Double>, stride s: Int) {
        let d = dimension
        for j in 0..<d { for i in 0..<d { p[i + j * s] = stationary(i, j) } }
    }

    /// (⟨P̄, ∂P∞/∂λ⟩, ⟨P̄, ∂P∞/∂σ²⟩).
    func stationaryContraction(adjoint g: UnsafePointer<Double>, stride s: Int) -> (Double, Double) {
        let d = dimension
        var dl = 0.0, dv = 0.0
        for j in 0..<d {
            for i in 0..<d {
                let w = g[i + j * s] * stationary(i, j)
                dl += w * Double(i + j)
                dv += w
            }
        }
        return (dl / lambda, dv / variance)
    }

    /// ∂λ/∂ℓ = −λ/ℓ.
    func lambdaDerivativeWithRespectToLengthscale(_ lengthscale: Double) -> Double { -lambda / lengthscale }
}
