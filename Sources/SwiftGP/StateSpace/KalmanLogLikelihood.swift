import GPLinearAlgebra

/// The Kalman filter for scalar Gaussian observations y_k = H x_k + ε_k, ε_k ~ N(0, R), and its
/// reverse-mode adjoint: the hot path of state-space regression (ALGORITHMS §5.4).
///
/// Forward, with m₁⁻ = 0, P₁⁻ = P∞ and for k ≥ 2 (A = A(Δ_k)):
///
///     m_k⁻ = A m_{k−1},   P_k⁻ = A (P_{k−1} − P∞) Aᵀ + P∞     (= A P_{k−1} Aᵀ + Q_k, Q_k = P∞ − A P∞ Aᵀ)
///     u = P_k⁻ Hᵀ,  s_k = H u + R,  v_k = y_k − H m_k⁻,  g = u/s_k
///     m_k = m_k⁻ + g v_k,   P_k = (I − g H) P_k⁻ (I − g H)ᵀ + R g gᵀ    (Joseph form, O(d²) for scalar y)
///     log p(y) = Σ_k −½ (log 2π + log s_k + v_k²/s_k)
///
/// A missing observation (NaN) skips the update. No factorisation is needed: the innovation variance is
/// a scalar, bounded below by R.
///
/// Backward: the exact adjoint of the same recursion (in the equivalent form P_k = P_k⁻ − u uᵀ/s_k),
/// run from k = T down to 1 with (m̄, P̄) the adjoints of the filtered moments:
///
///     s̄ = −½(1/s − v²/s²) − (m̄·u) v/s² + uᵀP̄u/s²,   v̄ = −v/s + (m̄·u)/s,   ū = m̄ v/s − 2 P̄ u/s
///     P̄⁻ = P̄ + s̄ HᵀH + ½(ū H + Hᵀ ūᵀ),   m̄⁻ = m̄ − v̄ Hᵀ,   R̄ += s̄,   ȳ_k = v̄
///     Ā_k = m̄⁻ m_{k−1}ᵀ + 2 P̄⁻ A X,   X = P_{k−1} − P∞,   m̄_{k−1} = Aᵀ m̄⁻,
///     P̄_{k−1} = Aᵀ P̄⁻ A,   P̄∞ += P̄⁻ − Aᵀ P̄⁻ A   (and P̄∞ += P̄₁⁻ at k = 1),
///
/// then the kernel contracts Ā_k with ∂A(Δ_k)/∂θ at every step and P̄∞ with ∂P∞/∂θ once. No Q⁻¹ is
/// needed (unlike the Fisher-identity gradient, which breaks down for small Δ).
/// - Complexity: O(T d³) time for the value and about twice that for the gradient; O(T d²) memory for the
///   stored predictions. No heap allocation inside the loops.
final class ScalarKalman {
    let kernel: any StateSpaceKernel
    /// Sorted times.
    let times: [Double]
    let d: Int
    let h: [Double]
    let pInf: [Double]

    // The forward pass, kept for the adjoint.
    private(set) var predictedMeans: [Double] = []
    private(set) var predictedCovariances: [Double] = []
    private(set) var innovationVariances: [Double] = []
    private(set) var innovations: [Double] = []
    private(set) var residual: [Double] = []
    private(set) var noiseVariance: Double = 0
    /// Per-step noise variances R_k (pseudo-observations); nil means the scalar `noiseVariance` everywhere.
    private(set) var noiseVariances: [Double]? = nil
    private(set) var logLikelihood: Double = 0

    init(kernel: any StateSpaceKernel, times: [Double]) {
        self.kernel = kernel
        self.times = times
        self.d = kernel.stateDimension
        self.h = kernel.measurementVector
        let p = kernel.stationaryCovariance
        self.pInf = p.storage
        for k in 1..<max(1, times.count) {
            precondition(times[k] >= times[k - 1], "state-space times must be sorted (use the model, which sorts them)")
        }
    }

    /// Runs the filter on `residual` (y − m(t), NaN for missing) with noise variance `noise`, or the per-step
    /// variances `perStep` when given; returns log p(y).
    @discardableResult
    func forward(residual y: [Double], noise: Double, perStep: [Double]? = nil) -> Double {
        precondition(y.count == times.count, "\(y.count) observations for \(times.count) times")
        precondition(perStep == nil || perStep!.count == times.count, "one noise variance per time")
        let n = times.count, d = self.d, dd = d * d
        residual = y
        noiseVariance = noise
        noiseVariances = perStep
        predictedMeans = [Double](repeating: 0, count: n * d)
        predictedCovariances = [Double](repeating: 0, count: n * dd)
        innovationVariances = [Double](repeating: .nan, count: n)
        innovations = [Double](repeating: .nan, count: n)
        var ll = 0.0
        let logTwoPi = Math.logTwoPi
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 4 * dd + 4 * d)
        defer { scratch.deallocate() }
        let a = scratch, x = scratch + dd, tmp = scratch + 2 * dd, p = scratch + 3 * dd
        let m = scratch + 4 * dd, u = m + d, row = u + d, gain = row + d
        for i in 0..<(4 * dd + 4 * d) { scratch[i] = 0 }
        h.withUnsafeBufferPointer { hb in
            pInf.withUnsafeBufferPointer { pib in
                predictedMeans.withUnsafeMutableBufferPointer { pmb in
                    predictedCovariances.withUnsafeMutableBufferPointer { ppb in
                        innovationVariances.withUnsafeMutableBufferPointer { sb in
                            innovations.withUnsafeMutableBufferPointer { vb in
                                y.withUnsafeBufferPointer { yb in
                                    times.withUnsafeBufferPointer { tb in
        let hp = hb.baseAddress!, pinf = pib.baseAddress!
        for k in 0..<n {
            let mPred = pmb.baseAddress! + k * d
            let pPred = ppb.baseAddress! + k * dd
            if k == 0 {
                for i in 0..<dd { pPred[i] = pinf[i] }
            } else {
                kernel.writeTransition(tb[k] - tb[k - 1], into: a, stride: d)
                blockMultiplyVector(mPred, a, m, d)
                for i in 0..<dd { x[i] = p[i] - pinf[i] }
                blockMultiply(tmp, a, x, d)
                blockMultiplyTransposeB(pPred, tmp, a, d)
                for i in 0..<dd { pPred[i] += pinf[i] }
                blockSymmetrize(pPred, d)
            }
            let yk = yb[k]
            if yk.isNaN {
                for i in 0..<d { m[i] = mPred[i] }
                for i in 0..<dd { p[i] = pPred[i] }
                continue
            }
            let rk = perStep?[k] ?? noise
            // u = P⁻Hᵀ, row = H P⁻, s = H u + R, v = y − H m⁻.
            var s = rk, hm = 0.0
            for i in 0..<d {
                var ui = 0.0, ri = 0.0
                for l in 0..<d {
                    ui += pPred[i + l * d] * hp[l]
                    ri += hp[l] * pPred[l + i * d]
                }
                u[i] = ui
                row[i] = ri
                hm += hp[i] * mPred[i]
            }
            for i in 0..<d { s += hp[i] * u[i] }
            let v = yk - hm
            sb[k] = s
            vb[k] = v
            ll -= 0.5 * (logTwoPi + Math.log(s) + v * v / s)
            let inv = 1 / s
            for i in 0..<d {
                gain[i] = u[i] * inv
                m[i] = mPred[i] + gain[i] * v
            }
            // Joseph form: B = (I − g H) P⁻ = P⁻ − g (H P⁻); c = B Hᵀ; P = B − c gᵀ + R g gᵀ.
            for j in 0..<d { for i in 0..<d { tmp[i + j * d] = pPred[i + j * d] - gain[i] * row[j] } }
            for i in 0..<d {
                var c = 0.0
                for l in 0..<d { c += tmp[i + l * d] * hp[l] }
                x[i] = c
            }
            for j in 0..<d {
                for i in 0..<d { p[i + j * d] = tmp[i + j * d] - x[i] * gain[j] + rk * gain[i] * gain[j] }
            }
            blockSymmetrize(p, d)
        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        logLikelihood = ll
        return ll
    }

    /// The adjoint of the last `forward`: ∂ log p/∂θ (flattened kernel parameters), ∂/∂R and ∂/∂y_k.
    func backward() -> (kernel: [Double], noise: Double, residual: [Double]) {
        let n = times.count, d = self.d, dd = d * d
        var gradient = [Double](repeating: 0, count: kernel.parameterValueCount)
        var yBar = [Double](repeating: 0, count: n)
        var rBar = 0.0
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 9 * dd + 8 * d)
        defer { scratch.deallocate() }
        for i in 0..<(9 * dd + 8 * d) { scratch[i] = 0 }
        let a = scratch, x = scratch + dd, pbPred = scratch + 2 * dd, pb = scratch + 3 * dd
        let t1 = scratch + 4 * dd, abar = scratch + 5 * dd, pinfBar = scratch + 6 * dd, pPrev = scratch + 7 * dd
        let t2 = scratch + 8 * dd
        let mb = scratch + 9 * dd, mbPred = mb + d, u = mbPred + d, ub = u + d, pu = ub + d, mPrev = pu + d
        let uPrev = mPrev + d
        h.withUnsafeBufferPointer { hb in
            pInf.withUnsafeBufferPointer { pib in
                predictedMeans.withUnsafeBufferPointer { pmb in
                    predictedCovariances.withUnsafeBufferPointer { ppb in
                        innovationVariances.withUnsafeBufferPointer { sb in
                            innovations.withUnsafeBufferPointer { vb in
                                times.withUnsafeBufferPointer { tb in
                                    gradient.withUnsafeMutableBufferPointer { gb in
        let hp = hb.baseAddress!, pinf = pib.baseAddress!
        for k in stride(from: n - 1, through: 0, by: -1) {
            let pPred = ppb.baseAddress! + k * dd
            let s = sb[k]
            if s.isNaN {
                for i in 0..<d { mbPred[i] = mb[i] }
                for i in 0..<dd { pbPred[i] = pb[i] }
            } else {
                let v = vb[k]
                for i in 0..<d {
                    var ui = 0.0
                    for l in 0..<d { ui += pPred[i + l * d] * hp[l] }
                    u[i] = ui
                }
                var mu = 0.0, upu = 0.0
                for i in 0..<d {
                    mu += mb[i] * u[i]
                    var t = 0.0
                    for l in 0..<d { t += pb[i + l * d] * u[l] }
                    pu[i] = t
                    upu += u[i] * t
                }
                let inv = 1 / s
                let sBar = -0.5 * (inv - v * v * inv * inv) - mu * v * inv * inv + upu * inv * inv
                let vBar = -v * inv + mu * inv
                for i in 0..<d { ub[i] = mb[i] * v * inv - 2 * pu[i] * inv }
                for j in 0..<d {
                    for i in 0..<d {
                        pbPred[i + j * d] = pb[i + j * d] + sBar * hp[i] * hp[j] + 0.5 * (ub[i] * hp[j] + hp[i] * ub[j])
                    }
                }
                for i in 0..<d { mbPred[i] = mb[i] - vBar * hp[i] }
                rBar += sBar
                yBar[k] = vBar
            }
            if k == 0 {
                for i in 0..<dd { pinfBar[i] += pbPred[i] }
                continue
            }
            // The filtered moments at k − 1, recovered from its stored prediction.
            let mPredPrev = pmb.baseAddress! + (k - 1) * d
            let pPredPrev = ppb.baseAddress! + (k - 1) * dd
            let sPrev = sb[k - 1]
            if sPrev.isNaN {
                for i in 0..<d { mPrev[i] = mPredPrev[i] }
                for i in 0..<dd { pPrev[i] = pPredPrev[i] }
            } else {
                let vPrev = vb[k - 1]
                for i in 0..<d {
                    var ui = 0.0
                    for l in 0..<d { ui += pPredPrev[i + l * d] * hp[l] }
                    uPrev[i] = ui
                    mPrev[i] = mPredPrev[i] + ui * vPrev / sPrev
                }
                for j in 0..<d { for i in 0..<d { pPrev[i + j * d] = pPredPrev[i + j * d] - uPrev[i] * uPrev[j] / sPrev } }
            }
            let dt = tb[k] - tb[k - 1]
            kernel.writeTransition(dt, into: a, stride: d)
            for i in 0..<dd { x[i] = pPrev[i] - pinf[i] }
            // t1 = P̄⁻ A; Ā = m̄⁻ m_{k−1}ᵀ + 2 t1 X; X̄ = Aᵀ t1.
            blockMultiply(t1, pbPred, a, d)
            blockMultiply(abar, t1, x, d)
            for j in 0..<d { for i in 0..<d { abar[i + j * d] = 2 * abar[i + j * d] + mbPred[i] * mPrev[j] } }
            blockMultiplyTransposeA(t2, a, t1, d)
            blockSymmetrize(t2, d)
            for i in 0..<dd {
                pinfBar[i] += pbPred[i] - t2[i]
                pb[i] = t2[i]
            }
            blockMultiplyTransposeVector(mb, a, mbPred, d)
            kernel.accumulateTransitionGradient(dt, transition: a, adjoint: abar, stride: d, into: gb.baseAddress!)
        }
        kernel.accumulateStationaryCovarianceGradient(adjoint: pinfBar, stride: d, into: gb.baseAddress!)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (gradient, rBar, yBar)
    }
}

// MARK: - The tape node

/// log p(r) for r = y − m(t) under a state-space GP with Gaussian noise, computed by the Kalman filter
/// and recorded on the tape as one fused node whose VJP is the filter's reverse sweep (see
/// `ScalarKalman`). `kernelParameters` are the leaves holding the kernel's parameter values (in
/// `kernel.parameters` order), `noiseVariance` the 1 × 1 leaf of R. NaN residuals are missing data.
/// `times` must be sorted.
/// - Complexity: O(T d³) forward, about 2× that backward; O(T d²) memory held until the tape is released.
public func kalmanLogLikelihood(kernel: any StateSpaceKernel, times: [Double], residual: Var, kernelParameters: [Var],
                                noiseVariance: Var) -> Var {
    precondition(residual.cols == 1 && residual.rows == times.count, "residual must be a column of \(times.count) values")
    let filter = ScalarKalman(kernel: kernel, times: times)
    let value = filter.forward(residual: residual.value.storage, noise: noiseVariance.scalar)
    return residual.tape.record(Matrix(scalar: value)) { g, t in
        let (gk, gr, gy) = filter.backward()
        let s = g.scalar
        if !kernelParameters.isEmpty { distribute(gk.map { s * $0 }, to: kernelParameters, on: t) }
        t.accumulate(noiseVariance, Matrix(scalar: s * gr))
        t.accumulate(residual, Matrix(column: gy.map { s * $0 }))
    }
}

/// log p(r) for pseudo-observations r_k with fixed per-step noise variances R_k (NaN or R_k = ∞ missing):
/// the Kalman filter and its reverse sweep as one tape node, differentiated with respect to the kernel's
/// parameters and r only.
/// - Complexity: as `kalmanLogLikelihood(kernel:times:residual:kernelParameters:noiseVariance:)`.
public func kalmanLogLikelihood(kernel: any StateSpaceKernel, times: [Double], residual: Var, kernelParameters: [Var],
                                noiseVariances: [Double]) -> Var {
    precondition(residual.cols == 1 && residual.rows == times.count, "residual must be a column of \(times.count) values")
    let filter = ScalarKalman(kernel: kernel, times: times)
    let value = filter.forward(residual: residual.value.storage, noise: 1, perStep: noiseVariances)
    return residual.tape.record(Matrix(scalar: value)) { g, t in
        let (gk, _, gy) = filter.backward()
        let s = g.scalar
        if !kernelParameters.isEmpty { distribute(gk.map { s * $0 }, to: kernelParameters, on: t) }
        t.accumulate(residual, Matrix(column: gy.map { s * $0 }))
    }
}
