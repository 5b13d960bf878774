import GPLinearAlgebra

/// The Whittle approximate log-likelihood of stationary series sampled on a regular grid (spacing Δ), a
/// trainable `Objective` for the kernel hyperparameters (Whittle 1953; docs/methods/state-space.md#whittle-likelihood):
///
///     ℓ_W(θ) = −Σ_series Σ_{k=1}^{⌊(T−1)/2⌋} [log f_θ(λ_k) + I_k/f_θ(λ_k)],   λ_k = 2πk/T,
///
/// maximised (cvhmax's `whittle` minimises it — Appendix A.5). I_k = |Σ_t x_t e^{−iλ_k t}|²/T is the
/// periodogram of the mean-removed series, and f_θ is the per-sample spectral density of the *sampled*
/// process, which includes aliasing: f_θ(λ) = (1/Δ) Σ_m S_θ((λ + 2πm)/Δ) = Σ_h k(hΔ) e^{−iλh}. For SDE
/// kernels it is exact and cheap from the discretised model (A = A(Δ), G = (I − A e^{−iλ})⁻¹):
///
///     f_θ(λ) = −H P∞ Hᵀ + 2 Re(H G P∞ Hᵀ)   (= H G Q G^H Hᵀ with Q = P∞ − A P∞ Aᵀ),
///
/// and its gradient follows from ∂G = G (e^{−iλ} ∂A) G: with a = Gᵀ Hᵀ, b = G P∞ Hᵀ, z = e^{−iλ},
/// ∂f = 2 Re(z aᵀ ∂A b) − H ∂P∞ Hᵀ + 2 Re(aᵀ ∂P∞ Hᵀ); the weights w_k = ∂ℓ_W/∂f_k = −(1/f_k − I_k/f_k²)
/// collect into adjoints Ā, P̄∞ that the kernel contracts with ∂A/∂θ, ∂P∞/∂θ.
///
/// `.debiased` (Sykulski et al. 2019) replaces f_θ by the exact expected periodogram of a length-T sample,
///
///     f̄_θ(λ_k) = E[I_k] = 2 Re Σ_{h=0}^{T−1} (1 − h/T) k(hΔ) e^{−iλ_k h} − k(0),
///
/// one FFT of the tapered autocovariance (aliasing included, since it uses k at the sample lags). It
/// removes the leakage bias of the periodogram, which dominates for short series whose spectrum spans
/// many decades (smooth kernels sampled finely — the cvHM setting of 500 bins of 20 ms). Its gradient is
/// the kernel's dense VJP at the lags, ⟨a, ∂k(hΔ)/∂θ⟩ with a_h = (1 − h/T)·2 Re Σ_k w_k e^{−iλ_k h} − [h = 0] Σ_k w_k
/// (another FFT).
///
/// The spectrum's scale is set by σ² (the kernel's variance), so σ² must stay fixed when the series are
/// latent with a fixed scale.
/// - Complexity: O(Σ T log T) once for the periodograms; per evaluation O(Σ_distinct lengths T d³)
///   (`.aliased`) or O(Σ_distinct lengths T log T) (`.debiased`).
public struct WhittleLikelihood: Objective, Sendable {
    /// Which spectral density the periodogram is compared with.
    public enum Variant: String, Sendable, Codable {
        /// The aliased per-sample density f_θ (Whittle 1953; docs/methods/state-space.md#whittle-likelihood).
        case aliased
        /// The expected periodogram f̄_θ of a length-T sample (debiased Whittle, Sykulski et al. 2019).
        case debiased
    }

    public var kernel: any StateSpaceKernel
    public var variant: Variant
    /// Δ, the grid spacing.
    public let spacing: Double
    /// Periodogram ordinates I_1 … I_{⌊(T−1)/2⌋} of each series.
    public let periodograms: [[Double]]
    /// T of each series.
    public let lengths: [Int]

    /// From series on a common grid spacing (each mean-removed before its periodogram).
    public init(kernel: any StateSpaceKernel, series: [[Double]], spacing: Double, variant: Variant = .aliased) {
        self.init(kernel: kernel, periodograms: series.map(Self.periodogram), lengths: series.map(\.count), spacing: spacing,
                  variant: variant)
    }

    /// From precomputed (e.g. posterior-averaged) periodograms.
    public init(kernel: any StateSpaceKernel, periodograms: [[Double]], lengths: [Int], spacing: Double,
                variant: Variant = .aliased) {
        precondition(periodograms.count == lengths.count, "one length per periodogram")
        precondition(spacing > 0, "the grid spacing must be positive")
        for (p, t) in zip(periodograms, lengths) {
            precondition(p.count == (t - 1) / 2, "a series of length \(t) has \((t - 1) / 2) Fourier frequencies, got \(p.count)")
        }
        self.kernel = kernel
        self.variant = variant
        self.spacing = spacing
        self.periodograms = periodograms
        self.lengths = lengths
    }

    public var parameters: [Parameter] {
        get { kernel.parameters }
        set { kernel.parameters = newValue }
    }

    /// I_k = |Σ_t (x_t − x̄) e^{−2πi kt/T}|²/T for k = 1 … ⌊(T−1)/2⌋. - Complexity: O(T log T).
    public static func periodogram(_ x: [Double]) -> [Double] {
        let t = x.count
        guard t >= 3 else { return [] }
        let mean = x.reduce(0, +) / Double(t)
        let (re, im) = FourierTransform.forward(x.map { $0 - mean })
        return (1...((t - 1) / 2)).map { (re[$0] * re[$0] + im[$0] * im[$0]) / Double(t) }
    }

    /// f_θ(λ) at per-sample angular frequencies λ (radians per sample), including aliasing.
    public static func spectralDensity(_ kernel: any StateSpaceKernel, spacing: Double, at frequencies: [Double]) -> [Double] {
        let model = AliasedSpectrum(kernel: kernel, spacing: spacing)
        return frequencies.map { model.value(at: $0).f }
    }

    /// The expected periodogram f̄_θ(λ_k), k = 1 … ⌊(T−1)/2⌋, of a length-T sample (`.debiased`).
    public static func expectedPeriodogram(_ kernel: any Kernel, spacing: Double, length t: Int) -> [Double] {
        let lags = Matrix(column: (0..<t).map { Double($0) * spacing })
        let k = kernel.cross(lags, Matrix(column: [0])).storage
        let c = (0..<t).map { (1 - Double($0) / Double(t)) * k[$0] }
        let (re, _) = FourierTransform.forward(c)
        return (0..<((t - 1) / 2)).map { 2 * re[$0 + 1] - c[0] }
    }

    public func evaluate(batch: [Int]?) throws -> Evaluation {
        let d = kernel.stateDimension
        var value = 0.0
        var abar = Matrix(rows: d, cols: d), pbar = Matrix(rows: d, cols: d)
        // Series of equal length share their frequencies: accumulate the ordinates per length.
        var byLength: [Int: [Double]] = [:]
        var logTerms: [Int: Int] = [:]
        for (p, t) in zip(periodograms, lengths) {
            if byLength[t] == nil { byLength[t] = [Double](repeating: 0, count: p.count) }
            for k in p.indices { byLength[t]![k] += p[k] }
            logTerms[t, default: 0] += 1
        }
        if variant == .debiased { return try evaluateDebiased(byLength, logTerms) }
        let model = AliasedSpectrum(kernel: kernel, spacing: spacing)
        for (t, sums) in byLength {
            let copies = Double(logTerms[t]!)
            for k in sums.indices {
                let lambda = 2 * Double.pi * Double(k + 1) / Double(t)
                let s = model.value(at: lambda)
                guard s.f > 0, s.f.isFinite else { throw LinearAlgebraError.nonFinite(size: d) }
                value -= copies * Math.log(s.f) + sums[k] / s.f
                let w = -(copies / s.f - sums[k] / (s.f * s.f))
                model.accumulate(s, weight: w, transition: &abar, stationary: &pbar)
            }
        }
        var gradient = kernel.transitionGradient(spacing, adjoint: abar)
        let gp = kernel.stationaryCovarianceGradient(adjoint: pbar)
        for i in gradient.indices { gradient[i] += gp[i] }
        return Evaluation(value: value, gradient: splitGradient(gradient, kernel.parameters))
    }

    private func evaluateDebiased(_ byLength: [Int: [Double]], _ copies: [Int: Int]) throws -> Evaluation {
        var value = 0.0
        var gradient = [Double](repeating: 0, count: kernel.parameterValueCount)
        for (t, sums) in byLength {
            let c = Double(copies[t]!)
            let fbar = Self.expectedPeriodogram(kernel, spacing: spacing, length: t)
            var u = [Double](repeating: 0, count: t)
            var total = 0.0
            for k in sums.indices {
                let f = fbar[k]
                guard f > 0, f.isFinite else { throw LinearAlgebraError.nonFinite(size: t) }
                value -= c * Math.log(f) + sums[k] / f
                let w = -(c / f - sums[k] / (f * f))
                u[k + 1] = w
                total += w
            }
            // a_h = (1 − h/T) 2 Re Σ_k w_k e^{−2πi kh/T} − [h = 0] Σ_k w_k.
            let (re, _) = FourierTransform.forward(u)
            var a = (0..<t).map { (1 - Double($0) / Double(t)) * 2 * re[$0] }
            a[0] -= total
            let lags = Matrix(column: (0..<t).map { Double($0) * spacing })
            let g = kernel.crossGradient(lags, Matrix(column: [0]), adjoint: Matrix(column: a))
            for i in gradient.indices { gradient[i] += g[i] }
        }
        return Evaluation(value: value, gradient: splitGradient(gradient, kernel.parameters))
    }
}
