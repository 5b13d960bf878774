import GPLinearAlgebra

/// A stationary kernel on one input (time) that is also a linear time-invariant SDE (docs/methods/state-space.md#sde-representation):
///
///     ẋ(t) = F x(t) + L w(t),   w white noise with spectral density Q_c,   f(t) = H x(t),
///
/// with stationary state covariance P∞ solving F P∞ + P∞ Fᵀ + L Q_c Lᵀ = 0, so that
/// k(τ) = H e^{Fτ} P∞ Hᵀ for τ ≥ 0. Between sorted times t_{k−1} ≤ t_k (Δ = t_k − t_{k−1}, irregular
/// allowed) the state evolves as x_k = A(Δ) x_{k−1} + q_k with
///
///     A(Δ) = e^{FΔ},   q_k ~ N(0, Q(Δ)),   Q(Δ) = P∞ − A P∞ Aᵀ (symmetrised),
///
/// because the chain starts at stationarity, x_1 ~ N(0, P∞). The same value with the same parameters
/// also evaluates densely through `Kernel` (tinygp's rule: what a kernel can offer is a property of the
/// kernel; which algorithm runs is a separate choice).
///
/// The requirements are the building blocks of the O(T d³) filters: the state blocks are written into
/// column-major buffers (leading dimension `stride`) so that sums assemble one block-diagonal state
/// without allocating, and the hyperparameter gradients come as contractions ⟨Ā, ∂A/∂θ⟩ and
/// ⟨P̄∞, ∂P∞/∂θ⟩ with adjoints from a reverse sweep. Gradients are flattened in `parameters` order,
/// with respect to the constrained values.
/// - Complexity: every requirement is O(d²) or O(d³) for state dimension d.
public protocol StateSpaceKernel: Kernel {
    /// d, the dimension of the state x(t).
    var stateDimension: Int { get }
    /// F (d × d), the feedback matrix.
    var feedbackMatrix: Matrix { get }
    /// L (d × r), the noise effect matrix.
    var noiseEffectMatrix: Matrix { get }
    /// Q_c (r × r), the spectral density of the driving white noise.
    var diffusionMatrix: Matrix { get }
    /// H (length d): f(t) = H x(t).
    var measurementVector: [Double] { get }
    /// The two-sided spectral density S(ω) in angular frequency, k(τ) = (1/2π) ∫ S(ω) e^{iωτ} dω.
    func spectralDensity(_ frequency: Double) -> Double

    /// Writes P∞ into the d × d block at `p` (column-major, leading dimension `stride`).
    func writeStationaryCovariance(into p: UnsafeMutablePointer<Double>, stride: Int)
    /// Writes A(Δ) = e^{FΔ} into the d × d block at `a` (column-major, leading dimension `stride`).
    func writeTransition(_ dt: Double, into a: UnsafeMutablePointer<Double>, stride: Int)
    /// Adds ⟨Ā, ∂A(Δ)/∂θ⟩ for every parameter value to `gradient` (flattened `parameters` order).
    /// `transition` holds A(Δ) as written by `writeTransition`; both blocks use leading dimension `stride`.
    func accumulateTransitionGradient(_ dt: Double, transition: UnsafePointer<Double>, adjoint: UnsafePointer<Double>,
                                      stride: Int, into gradient: UnsafeMutablePointer<Double>)
    /// Adds ⟨P̄∞, ∂P∞/∂θ⟩ for every parameter value to `gradient` (flattened `parameters` order).
    func accumulateStationaryCovarianceGradient(adjoint: UnsafePointer<Double>, stride: Int,
                                                into gradient: UnsafeMutablePointer<Double>)
}

extension StateSpaceKernel {
    /// P∞ as a matrix.
    public var stationaryCovariance: Matrix {
        let d = stateDimension
        var p = Matrix(rows: d, cols: d)
        p.storage.withUnsafeMutableBufferPointer { writeStationaryCovariance(into: $0.baseAddress!, stride: d) }
        return p
    }

    /// A(Δ) = e^{FΔ}. Δ = 0 gives the identity.
    public func transition(_ dt: Double) -> Matrix {
        let d = stateDimension
        var a = Matrix(rows: d, cols: d)
        a.storage.withUnsafeMutableBufferPointer { writeTransition(dt, into: $0.baseAddress!, stride: d) }
        return a
    }

    /// Q(Δ) = P∞ − A(Δ) P∞ A(Δ)ᵀ, symmetrised. Δ = 0 gives exactly 0.
    /// - Complexity: O(d³).
    public func processNoise(_ dt: Double) -> Matrix {
        let p = stationaryCovariance
        let a = transition(dt)
        var q = p - smallProduct(smallProduct(a, p), a, transposeB: true)
        q.symmetrize()
        return q
    }

    /// The forward-time covariance of the state at lag τ ≥ 0: Cov(x(t + τ), x(t)) = A(τ) P∞.
    public func stateCovariance(lag tau: Double) -> Matrix { smallProduct(transition(tau), stationaryCovariance) }

    /// ⟨Ā, ∂A(Δ)/∂θ⟩, flattened in `parameters` order.
    public func transitionGradient(_ dt: Double, adjoint: Matrix) -> [Double] {
        let d = stateDimension
        precondition(adjoint.rows == d && adjoint.cols == d, "adjoint must be \(d)×\(d)")
        let a = transition(dt)
        var g = [Double](repeating: 0, count: parameterValueCount)
        a.storage.withUnsafeBufferPointer { ap in
            adjoint.storage.withUnsafeBufferPointer { bp in
                g.withUnsafeMutableBufferPointer {
                    accumulateTransitionGradient(dt, transition: ap.baseAddress!, adjoint: bp.baseAddress!, stride: d,
                                                 into: $0.baseAddress!)
                }
            }
        }
        return g
    }

    /// ⟨P̄∞, ∂P∞/∂θ⟩, flattened in `parameters` order.
    public func stationaryCovarianceGradient(adjoint: Matrix) -> [Double] {
        let d = stateDimension
        precondition(adjoint.rows == d && adjoint.cols == d, "adjoint must be \(d)×\(d)")
        var g = [Double](repeating: 0, count: parameterValueCount)
        adjoint.storage.withUnsafeBufferPointer { bp in
            g.withUnsafeMutableBufferPointer {
                accumulateStationaryCovarianceGradient(adjoint: bp.baseAddress!, stride: d, into: $0.baseAddress!)
            }
        }
        return g
    }
}

/// Converts a kernel to its state-space form where one exists: a state-space kernel on one input (a
/// single lengthscale), or a `SumKernel` whose children all have one (as a `StateSpaceSum`). Returns nil
/// otherwise (e.g. RBF, periodic, ARD Matérn).
/// - Complexity: O(number of components).
public func stateSpaceForm(of kernel: any Kernel) -> (any StateSpaceKernel)? {
    if let k = kernel as? any StateSpaceKernel {
        let oneInput = k.parameters.allSatisfy { !($0.name == "lengthscale" || $0.name.hasSuffix(".lengthscale")) || $0.count == 1 }
        return oneInput ? k : nil
    }
    if let s = kernel as? SumKernel {
        var parts: [any StateSpaceKernel] = []
        for child in s.kernels {
            guard let k = stateSpaceForm(of: child) else { return nil }
            parts.append(k)
        }
        return StateSpaceSum(parts)
    }
    return nil
}

// MARK: - Small dense helpers (plain loops: BLAS calls cost more than the arithmetic at d ≤ ~16)

/// A·B (or A·Bᵀ) for small matrices by plain loops. - Complexity: O(m n k).
func smallProduct(_ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false) -> Matrix {
    let m = transposeA ? a.cols : a.rows
    let k = transposeA ? a.rows : a.cols
    let kb = transposeB ? b.cols : b.rows
    let n = transposeB ? b.rows : b.cols
    precondition(k == kb, "smallProduct inner dimensions \(k) and \(kb) differ")
    var c = Matrix(rows: m, cols: n)
    for j in 0..<n {
        for i in 0..<m {
            var s = 0.0
            for l in 0..<k {
                let x = transposeA ? a.storage[l + i * a.rows] : a.storage[i + l * a.rows]
                let y = transposeB ? b.storage[j + l * b.rows] : b.storage[l + j * b.rows]
                s += x * y
            }
            c.storage[i + j * m] = s
        }
    }
    return c
}

/// A·x for a small matrix. - Complexity: O(m n).
func smallProduct(_ a: Matrix, _ x: [Double], transposeA: Bool = false) -> [Double] {
    let m = transposeA ? a.cols : a.rows
    let n = transposeA ? a.rows : a.cols
    precondition(x.count == n)
    var y = [Double](repeating: 0, count: m)
    for i in 0..<m {
        var s = 0.0
        for l in 0..<n { s += (transposeA ? a.storage[l + i * a.rows] : a.storage[i + l * a.rows]) * x[l] }
        y[i] = s
    }
    return y
}
