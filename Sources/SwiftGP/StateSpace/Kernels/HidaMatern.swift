import GPLinearAlgebra

/// The Hida–Matérn kernel on one input (time) (Dowling, Sokół & Park 2021; docs/methods/state-space.md#hida-matern-kernel):
///
///     k(τ) = σ² κ_p(λ|τ|) cos(ωτ),   λ = √(2p + 1)/ℓ,
///
/// a half-integer Matérn of order p (ν = p + ½: κ₀ = e^{−a}, κ₁ = (1 + a)e^{−a}, κ₂ = (1 + a + a²/3)e^{−a})
/// times a cosine of angular frequency ω (radians per time unit). ω = 0 recovers the Matérn kernel;
/// k depends on ω only through |ω|, so ω is stored unconstrained (`identity`).
///
/// Parameters, in order: `lengthscale` ℓ, `variance` σ², `frequency` ω. Dense gradients:
/// ∂k/∂σ² = κ cos ωτ, ∂k/∂ℓ = −σ² κ′(a) (a/ℓ) cos ωτ, ∂k/∂ω = −σ² κ τ sin ωτ.
///
/// Its state space (`HidaMatern+StateSpace.swift`) is the Kronecker product of the Matérn companion
/// form and a resonator, d = 2(p + 1).
/// - Complexity: Gram matrix O(n²), gradients O(n²).
public struct HidaMatern: Kernel {
    /// p ∈ {0, 1, 2}: ν = p + ½.
    public let order: Int
    public var lengthscale: Parameter
    public var variance: Parameter
    /// ω, radians per time unit.
    public var frequency: Parameter

    public init(order: Int = 1, lengthscale: Double = 1, variance: Double = 1, frequency: Double = 0) {
        precondition((0...2).contains(order), "HidaMatern order must be 0, 1 or 2 (ν = ½, 3/2, 5/2)")
        self.order = order
        self.lengthscale = Parameter("lengthscale", lengthscale)
        self.variance = Parameter("variance", variance)
        self.frequency = Parameter("frequency", frequency, .identity)
    }

    public var kind: String { "hidamatern\(2 * order + 1)2" }

    public var parameters: [Parameter] {
        get { [lengthscale, variance, frequency] }
        set {
            precondition(newValue.count == 3, "hidamatern: expected 3 parameters")
            lengthscale.assign(from: newValue[0])
            variance.assign(from: newValue[1])
            frequency.assign(from: newValue[2])
        }
    }

    var lambda: Double { Double(2 * order + 1).squareRoot() / lengthscale.scalar }

    /// k(τ).
    public func value(_ tau: Double) -> Double {
        let a = lambda * abs(tau)
        return variance.scalar * MaternStateSpace.correlation(order: order, a).0 * Math.cos(frequency.scalar * tau)
    }

    /// (k, ∂k/∂ℓ, ∂k/∂σ², ∂k/∂ω, ∂k/∂τ) at τ.
    @inline(__always) func valueAndDerivatives(_ tau: Double) -> (Double, Double, Double, Double, Double) {
        let l = lambda, s2 = variance.scalar, w = frequency.scalar
        let a = l * abs(tau)
        let (kappa, dkappa) = MaternStateSpace.correlation(order: order, a)
        let c = Math.cos(w * tau), s = Math.sin(w * tau)
        let k = s2 * kappa * c
        let dl = -s2 * dkappa * (a / lengthscale.scalar) * c
        let dw = -s2 * kappa * tau * s
        let sign: Double = tau > 0 ? 1 : (tau < 0 ? -1 : 0)
        let dtau = s2 * (dkappa * l * sign * c - kappa * w * s)
        return (k, dl, kappa * c, dw, dtau)
    }

    private func checkInput(_ x: Matrix) {
        precondition(x.cols == 1, "\(kind): inputs must be one column (time), got \(x.cols)")
    }

    public func gram(_ x: Matrix) -> Matrix {
        checkInput(x)
        let n = x.rows
        var k = Matrix(rows: n, cols: n)
        let k0 = variance.scalar
        for j in 0..<n {
            k[j, j] = k0
            for i in (j + 1)..<max(j + 1, n) { k[i, j] = value(x.storage[i] - x.storage[j]) }
        }
        k.symmetrizeFromLower()
        return k
    }

    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix {
        checkInput(x)
        checkInput(z)
        var k = Matrix(rows: x.rows, cols: z.rows)
        for j in 0..<z.rows { for i in 0..<x.rows { k[i, j] = value(x.storage[i] - z.storage[j]) } }
        return k
    }

    public func diagonal(_ x: Matrix) -> [Double] { [Double](repeating: variance.scalar, count: x.rows) }

    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        checkInput(x)
        checkInput(z)
        precondition(adjoint.rows == x.rows && adjoint.cols == z.rows, "\(kind): adjoint shape mismatch")
        var g = [0.0, 0.0, 0.0]
        for j in 0..<z.rows {
            for i in 0..<x.rows {
                let w = adjoint[i, j]
                if w == 0 { continue }
                let (_, dl, dv, dw, _) = valueAndDerivatives(x.storage[i] - z.storage[j])
                g[0] += w * dl
                g[1] += w * dv
                g[2] += w * dw
            }
        }
        return g
    }

    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] {
        checkInput(x)
        let n = x.rows
        precondition(adjoint.rows == n && adjoint.cols == n, "\(kind): adjoint shape mismatch")
        var g = [0.0, 0.0, 0.0]
        for j in 0..<n {
            g[1] += adjoint[j, j]
            for i in (j + 1)..<max(j + 1, n) {
                let w = adjoint[i, j] + adjoint[j, i]
                if w == 0 { continue }
                let (_, dl, dv, dw, _) = valueAndDerivatives(x.storage[i] - x.storage[j])
                g[0] += w * dl
                g[1] += w * dv
                g[2] += w * dw
            }
        }
        return g
    }

    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] { [0, adjoint.reduce(0, +), 0] }

    /// Z̄_j = −Σᵢ Āᵢⱼ k′(xᵢ − z_j); at τ = 0 the order-0 kernel's derivative is taken as 0 (a subgradient).
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        checkInput(x)
        checkInput(z)
        var out = Matrix(rows: z.rows, cols: 1)
        for j in 0..<z.rows {
            var s = 0.0
            for i in 0..<x.rows {
                let w = adjoint[i, j]
                if w != 0 { s -= w * valueAndDerivatives(x.storage[i] - z.storage[j]).4 }
            }
            out.storage[j] = s
        }
        return out
    }
}
