import GPLinearAlgebra

/// The RTS-smoothed marginals of f_k = H x_k under fixed scalar Gaussian sites, the sites' log Z, and their
/// derivatives with respect to every kernel parameter value by forward-mode differentiation of the filter and
/// the smoother (docs/methods/state-space.md#smoother-tangents). This is what an energy over the marginals,
/// E(θ) = log Z(θ) + Σₖ hₖ(mₖ(θ), vₖ(θ)) — the ELBO or the EP-like estimate — needs for its gradient when the
/// sites are not at a CVI fixed point.
///
/// For each parameter θⱼ the tangents (ṁ, Ṗ) = ∂(m, P)/∂θⱼ follow the recursions of `StateSpaceSmoother.rts`
/// with Ȧ = ∂A(Δ)/∂θⱼ and Ṗ∞ = ∂P∞/∂θⱼ:
///
///     predict:  ṁ⁻ = Ȧm + Aṁ,   Ṗ⁻ = ȦXAᵀ + AXȦᵀ + A(Ṗ − Ṗ∞)Aᵀ + Ṗ∞,   X = P − P∞
///     update:   u = P⁻Hᵀ, p̄ = Hu, b = 1 + p̄𝒥, r = j − 𝒥Hm⁻;   m = m⁻ + ur/b,   P = P⁻ − uuᵀ𝒥/b
///               (u̇ = Ṗ⁻Hᵀ, ṙ = −𝒥Hṁ⁻, ḃ = 𝒥Hu̇, and the product rule)
///     log Z:    Σₖ rₖ Hm⁻ₖ + ½𝒥(Hm⁻ₖ)² − ½ log bₖ + ½ rₖ² p̄ₖ/bₖ    (= the filter's increment, rearranged)
///     smooth:   Gₖ = (P⁻ₖ₊₁)⁻¹AₖₐₖPₖ  (Gₖ = Jₖᵀ),   Ġₖ = (P⁻ₖ₊₁)⁻¹(ȦPₖ + AṖₖ − Ṗ⁻ₖ₊₁Gₖ),
///               ṁˢₖ = ṁₖ + Ġₖᵀδ + Gₖᵀ(ṁˢₖ₊₁ − ṁ⁻ₖ₊₁),   δ = mˢₖ₊₁ − m⁻ₖ₊₁,
///               Ṗˢₖ = Ṗₖ + ĠₖᵀΔGₖ + GₖᵀΔĠₖ + Gₖᵀ(Ṗˢₖ₊₁ − Ṗ⁻ₖ₊₁)Gₖ,   Δ = Pˢₖ₊₁ − P⁻ₖ₊₁.
///
/// Ȧ and Ṗ∞ come from the kernel's contractions (`accumulateTransitionGradient` with unit adjoints), once per
/// distinct Δ. The values equal `StateSpaceSmoother.smooth(…, method: .rts)`.
/// - Complexity: O(T d³ (p + 1)) time and O(T d² p) memory for p parameter values and state dimension d.
public struct SmootherTangents: Sendable {
    /// Smoothed means and variances of f at the sorted times.
    public let mean: [Double]
    public let variance: [Double]
    /// log Z of the sites.
    public let logNormaliser: Double
    /// ∂mₖ/∂θⱼ, ∂vₖ/∂θⱼ as `[j][k]`; ∂log Z/∂θⱼ. j runs over the kernel's flattened parameter values.
    public let meanTangents: [[Double]]
    public let varianceTangents: [[Double]]
    public let logNormaliserTangent: [Double]
    /// The largest jitter a factorisation of a predicted covariance needed.
    public let jitter: Double

    /// Filters, smooths and differentiates.
    /// - Parameters:
    ///   - times: sorted times, one scalar site each (`sites.dimension == 1`).
    /// - Throws: `LinearAlgebraError` when a predicted covariance cannot be factorised.
    public init(kernel: any StateSpaceKernel, times: [Double], sites: GaussianSites, policy: JitterPolicy = .standard) throws {
        precondition(sites.dimension == 1 && sites.count == times.count, "one scalar site per time")
        let n = times.count, d = kernel.stateDimension, p = kernel.parameterValueCount
        let h = kernel.measurementVector
        let pInf = kernel.stationaryCovariance
        let pInfDot = Self.stationaryCovarianceTangents(kernel)
        var transitionTangents: [Double: [Matrix]] = [:]

        // Forward: the values and, per parameter, the tangents of the predicted and filtered moments.
        var a = [Matrix](repeating: Matrix.identity(d), count: n)
        var aDot = [[Matrix]](repeating: [Matrix](repeating: Matrix(rows: d, cols: d), count: p), count: n)
        var mPred = [[Double]](repeating: [], count: n), pPred = [Matrix](repeating: pInf, count: n)
        var mFilt = mPred, pFilt = pPred
        var mPredDot = [[[Double]]](repeating: [], count: n), pPredDot = [[Matrix]](repeating: [], count: n)
        var mFiltDot = mPredDot, pFiltDot = pPredDot
        var logZ = 0.0
        var logZDot = [Double](repeating: 0, count: p)
        var m = [Double](repeating: 0, count: d), pk = pInf
        var mDot = [[Double]](repeating: m, count: p), pDot = pInfDot
        for k in 0..<n {
            if k == 0 {
                pDot = pInfDot
            } else {
                let dt = times[k] - times[k - 1]
                a[k] = kernel.transition(dt)
                if transitionTangents[dt] == nil { transitionTangents[dt] = Self.transitionTangents(kernel, dt, a[k]) }
                aDot[k] = transitionTangents[dt]!
                let x = pk - pInf
                let ax = smallProduct(a[k], x)
                for j in 0..<p {
                    let am = smallProduct(aDot[k][j], m), amDot = smallProduct(a[k], mDot[j])
                    mDot[j] = zip(am, amDot).map { $0 + $1 }
                    let left = smallProduct(smallProduct(aDot[k][j], x), a[k], transposeB: true)
                    var pd = left + left.transposed
                    pd += smallProduct(smallProduct(a[k], pDot[j] - pInfDot[j]), a[k], transposeB: true) + pInfDot[j]
                    pd.symmetrize()
                    pDot[j] = pd
                }
                m = smallProduct(a[k], m)
                pk = smallProduct(ax, a[k], transposeB: true) + pInf
                pk.symmetrize()
            }
            mPred[k] = m
            pPred[k] = pk
            mPredDot[k] = mDot
            pPredDot[k] = pDot
            if !sites.isEmpty(at: k) {
                let jFirst = sites.first[k], jSecond = sites.second[k], jv = max(jSecond, 0)
                let u = smallProduct(pk, h)
                let pbar = dot(h, u), mbar = dot(h, m)
                let b = 1 + pbar * jv, r = jFirst - jSecond * mbar
                logZ += r * mbar + 0.5 * jSecond * mbar * mbar - 0.5 * Math.log(b) + 0.5 * r * r * pbar / b
                for j in 0..<p {
                    let uDot = smallProduct(pDot[j], h)
                    let pbarDot = dot(h, uDot), mbarDot = dot(h, mDot[j])
                    let bDot = pbarDot * jv, rDot = -jSecond * mbarDot
                    logZDot[j] += r * mbarDot - 0.5 * bDot / b + r * rDot * pbar / b + 0.5 * r * r * pbarDot / b
                        - 0.5 * r * r * pbar * bDot / (b * b)
                    for i in 0..<d {
                        mDot[j][i] += (uDot[i] * r + u[i] * rDot) / b - u[i] * r * bDot / (b * b)
                    }
                    var pd = pDot[j]
                    for c in 0..<d {
                        for i in 0..<d {
                            pd[i, c] += -(uDot[i] * u[c] + u[i] * uDot[c]) * jv / b + u[i] * u[c] * jv * bDot / (b * b)
                        }
                    }
                    pd.symmetrize()
                    pDot[j] = pd
                }
                for i in 0..<d { m[i] += u[i] * r / b }
                var q = pk
                for c in 0..<d { for i in 0..<d { q[i, c] -= u[i] * u[c] * jv / b } }
                q.symmetrize()
                pk = q
            }
            mFilt[k] = m
            pFilt[k] = pk
            mFiltDot[k] = mDot
            pFiltDot[k] = pDot
        }

        // Backward: the RTS pass and its tangents.
        var ms = mFilt, ps = pFilt, msDot = mFiltDot, psDot = pFiltDot
        var jitter = 0.0
        if n >= 2 {
            for k in stride(from: n - 2, through: 0, by: -1) {
                let c = try Cholesky(pPred[k + 1], policy: policy)
                jitter = max(jitter, c.jitter)
                let ak = a[k + 1]
                let gain = c.solve(smallProduct(ak, pFilt[k]))
                let delta = zip(ms[k + 1], mPred[k + 1]).map { $0 - $1 }
                let spread = ps[k + 1] - pPred[k + 1]
                var mk = mFilt[k]
                let corr = smallProduct(gain, delta, transposeA: true)
                for i in 0..<d { mk[i] += corr[i] }
                var pks = pFilt[k] + smallProduct(smallProduct(gain, spread, transposeA: true), gain)
                pks.symmetrize()
                for j in 0..<p {
                    let gainDot = c.solve(smallProduct(aDot[k + 1][j], pFilt[k]) + smallProduct(ak, pFiltDot[k][j])
                                          - smallProduct(pPredDot[k + 1][j], gain))
                    let deltaDot = zip(msDot[k + 1][j], mPredDot[k + 1][j]).map { $0 - $1 }
                    let t1 = smallProduct(gainDot, delta, transposeA: true), t2 = smallProduct(gain, deltaDot, transposeA: true)
                    var md = mFiltDot[k][j]
                    for i in 0..<d { md[i] += t1[i] + t2[i] }
                    msDot[k][j] = md
                    let cross = smallProduct(smallProduct(gainDot, spread, transposeA: true), gain)
                    var pd = pFiltDot[k][j] + cross + cross.transposed
                        + smallProduct(smallProduct(gain, psDot[k + 1][j] - pPredDot[k + 1][j], transposeA: true), gain)
                    pd.symmetrize()
                    psDot[k][j] = pd
                }
                ms[k] = mk
                ps[k] = pks
            }
        }

        var mean = [Double](repeating: 0, count: n), variance = mean
        var meanTangents = [[Double]](repeating: mean, count: p), varianceTangents = meanTangents
        for k in 0..<n {
            mean[k] = dot(h, ms[k])
            variance[k] = dot(h, smallProduct(ps[k], h))
            for j in 0..<p {
                meanTangents[j][k] = dot(h, msDot[k][j])
                varianceTangents[j][k] = dot(h, smallProduct(psDot[k][j], h))
            }
        }
        self.mean = mean
        self.variance = variance
        self.logNormaliser = logZ
        self.meanTangents = meanTangents
        self.varianceTangents = varianceTangents
        self.logNormaliserTangent = logZDot
        self.jitter = jitter
    }

    /// Σₖ (āₖ ∂mₖ/∂θⱼ + v̄ₖ ∂vₖ/∂θⱼ) + ∂log Z/∂θⱼ: the gradient of log Z + Σₖ hₖ(mₖ, vₖ) given hₖ's adjoints.
    public func gradient(meanAdjoint: [Double], varianceAdjoint: [Double]) -> [Double] {
        precondition(meanAdjoint.count == mean.count && varianceAdjoint.count == mean.count, "one adjoint per time")
        return logNormaliserTangent.indices.map { j in
            logNormaliserTangent[j] + dot(meanAdjoint, meanTangents[j]) + dot(varianceAdjoint, varianceTangents[j])
        }
    }

    /// ∂A(Δ)/∂θⱼ for every parameter value j, from the kernel's contraction with the d² unit adjoints.
    static func transitionTangents(_ kernel: any StateSpaceKernel, _ dt: Double, _ a: Matrix) -> [Matrix] {
        let d = kernel.stateDimension, p = kernel.parameterValueCount
        var tangents = [Matrix](repeating: Matrix(rows: d, cols: d), count: p)
        var unit = [Double](repeating: 0, count: d * d), g = [Double](repeating: 0, count: p)
        for e in 0..<(d * d) {
            unit[e] = 1
            for j in 0..<p { g[j] = 0 }
            a.storage.withUnsafeBufferPointer { ap in
                unit.withUnsafeBufferPointer { up in
                    g.withUnsafeMutableBufferPointer {
                        kernel.accumulateTransitionGradient(dt, transition: ap.baseAddress!, adjoint: up.baseAddress!, stride: d,
                                                            into: $0.baseAddress!)
                    }
                }
            }
            for j in 0..<p { tangents[j].storage[e] = g[j] }
            unit[e] = 0
        }
        return tangents
    }

    /// ∂P∞/∂θⱼ for every parameter value j.
    static func stationaryCovarianceTangents(_ kernel: any StateSpaceKernel) -> [Matrix] {
        let d = kernel.stateDimension, p = kernel.parameterValueCount
        var tangents = [Matrix](repeating: Matrix(rows: d, cols: d), count: p)
        var unit = Matrix(rows: d, cols: d)
        for e in 0..<(d * d) {
            unit.storage[e] = 1
            let g = kernel.stationaryCovarianceGradient(adjoint: unit)
            for j in 0..<p { tangents[j].storage[e] = g[j] }
            unit.storage[e] = 0
        }
        return tangents
    }
}
