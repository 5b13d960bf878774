import GPLinearAlgebra

/// The Kalman filter for scalar Gaussian observations y_k = H x_k + ε_k, ε_k ~ N(0, R), and its
/// reverse-mode adjoint: the hot path of state-space regression (docs/methods/state-space.md#kalman-filter).
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

    /// The Matérn-5/2 state space when `kernel` is exactly one Matérn-5/2 (d = 3, H = e₁): `forward` and
    /// `backward` then run the unrolled recursion of `forwardMatern52`/`backwardMatern52` (same
    /// equations, no per-step protocol calls); nil for every other kernel.
    private let matern52: MaternStateSpace?
    /// ∂λ/∂ℓ for `matern52`.
    private let matern52LambdaPerLengthscale: Double
    /// The Matérn-5/2 forward pass, `matern52TapeStride` values per step: m⁻ (3), the lower triangle of
    /// P⁻ (6) and e^{−λΔ} (so the reverse sweep rebuilds A(Δ) without another exponential). The reverse
    /// sweep recomputes s = P⁻₀₀ + R_k and v = y_k − m⁻₀ bit for bit rather than storing them: at large T
    /// the first touch of the tape's pages costs more than those two operations.
    private var matern52Tape = PageAlignedBuffer(count: 0)
    private static let matern52TapeStride = 10

    init(kernel: any StateSpaceKernel, times: [Double]) {
        self.kernel = kernel
        self.times = times
        self.d = kernel.stateDimension
        self.h = kernel.measurementVector
        let p = kernel.stationaryCovariance
        self.pInf = p.storage
        if let mk = kernel as? any MaternStateSpaceKernel, mk.maternStateSpace.order == 2 {
            matern52 = mk.maternStateSpace
            matern52LambdaPerLengthscale = mk.maternStateSpace.lambdaDerivativeWithRespectToLengthscale(mk.maternLengthscale)
        } else {
            matern52 = nil
            matern52LambdaPerLengthscale = 0
        }
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
        if let m = matern52 {
            logLikelihood = forwardMatern52(m, residual: y, noise: noise, perStep: perStep)
            return logLikelihood
        }
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
        if let m = matern52 {
            backwardMatern52(m, gradient: &gradient, noise: &rBar, residual: &yBar)
            return (gradient, rBar, yBar)
        }
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

// MARK: - Matérn-5/2: the same recursions unrolled for d = 3, H = e₁

/// Σ_k log s_k for positive s_k without a logarithm per term: the running product is kept as a significand
/// in [1, 2) and a binary exponent (exact renormalisation, so it never overflows or underflows), and the
/// one logarithm is taken at the end. Rounding error grows like one product per term, ≈ √T·ε absolute.
/// A term that would leave the normal range (0, ∞, NaN, extreme magnitudes) is logged directly instead,
/// so such inputs give exactly what Σ log s_k gives.
struct LogProduct {
    private var significand = 1.0
    private var exponent = 0
    private var direct = 0.0

    @inline(__always) mutating func multiply(by s: Double) {
        let p = significand * s
        if p.isNormal && p > 0 {
            exponent += Int(p.exponent)
            significand = p.significand
        } else {
            direct += Math.log(s)
        }
    }

    /// log Π s_k.
    var logarithm: Double { Math.log(significand) + Double(exponent) * Math.log(2.0) + direct }
}

extension ScalarKalman {
    /// `forward` for one Matérn-5/2 kernel. With H = e₁: u = P⁻e₁ (the first column), s = P⁻₀₀ + R,
    /// v = y − m⁻₀, and the Joseph update P = (I − g e₁ᵀ) P⁻ (I − g e₁ᵀ)ᵀ + R g gᵀ expands to the exactly
    /// symmetric P⁻ − g uᵀ − u gᵀ + s g gᵀ. One exponential per step gives A(Δ); P⁻ = A (P − P∞) Aᵀ + P∞
    /// is symmetrised as in the general path.
    /// - Complexity: O(T), about 100 flops and one exponential per step; 10 stored values per step.
    fileprivate func forwardMatern52(_ mss: MaternStateSpace, residual y: [Double], noise: Double,
                                     perStep: [Double]?) -> Double {
        let n = times.count, stride = Self.matern52TapeStride
        var pinfBlock = [Double](repeating: 0, count: 9)
        pinfBlock.withUnsafeMutableBufferPointer { mss.writeStationary(into: $0.baseAddress!, stride: 3) }
        let pinf = pinfBlock.withUnsafeBufferPointer { Matrix3($0.baseAddress!, stride: 3) }
        let lambda = mss.lambda
        let logTwoPi = Math.logTwoPi
        var ll = 0.0
        var logDet = LogProduct()
        var m = SIMD3<Double>.zero
        var p = pinf
        // Every entry is written below, so the tape skips the zero fill (a full extra pass over memory).
        matern52Tape = PageAlignedBuffer(count: n * stride)
        matern52Tape.withUnsafeMutableBufferPointer { tape in
            y.withUnsafeBufferPointer { yb in
                times.withUnsafeBufferPointer { tb in
                    for k in 0..<n {
                        let row = tape.baseAddress! + k * stride
                        var mPred = SIMD3<Double>.zero
                        var pPred = pinf
                        row[9] = 1
                        if k > 0 {
                            let x = lambda * (tb[k] - tb[k - 1])
                            let e = Math.exp(-x)
                            row[9] = e
                            let a = mss.transition52(x: x, e: e)
                            mPred = a * m
                            pPred = ((a * (p - pinf)).timesTranspose(a) + pinf).symmetrized
                        }
                        row[0] = mPred.x; row[1] = mPred.y; row[2] = mPred.z
                        pPred.writeLower(row + 3)
                        let yk = yb[k]
                        if yk.isNaN {
                            m = mPred
                            p = pPred
                            continue
                        }
                        let rk = perStep?[k] ?? noise
                        let u = pPred.c0
                        let s = u.x + rk
                        let v = yk - mPred.x
                        ll -= 0.5 * (logTwoPi + v * v / s)
                        logDet.multiply(by: s)
                        let g = u * (1 / s)
                        m = mPred + g * v
                        let gu = Matrix3.outer(g, u)
                        p = pPred - gu - gu.transposed + s * Matrix3.outer(g, g)
                    }
                }
            }
        }
        return ll - 0.5 * logDet.logarithm
    }

    /// `backward` for one Matérn-5/2 kernel: the reverse sweep of the class documentation with H = e₁
    /// (P̄⁻ = P̄ + (s̄ + ū₀) e₁e₁ᵀ + ½(ū' e₁ᵀ + e₁ ū'ᵀ) with ū' = ū − ū₀e₁), every 3 × 3 product unrolled,
    /// A(Δ) rebuilt from the stored e^{−λΔ}, and the per-step λ-contractions summed before the single
    /// division by λ.
    /// - Complexity: O(T), about 250 flops per step; no allocation inside the loop.
    fileprivate func backwardMatern52(_ mss: MaternStateSpace, gradient: inout [Double], noise rBar: inout Double,
                                      residual yBar: inout [Double]) {
        let n = times.count, stride = Self.matern52TapeStride
        var pinfBlock = [Double](repeating: 0, count: 9)
        pinfBlock.withUnsafeMutableBufferPointer { mss.writeStationary(into: $0.baseAddress!, stride: 3) }
        let pinf = pinfBlock.withUnsafeBufferPointer { Matrix3($0.baseAddress!, stride: 3) }
        let lambda = mss.lambda
        var mb = SIMD3<Double>.zero
        var pb = Matrix3.zero
        var pinfBar = Matrix3.zero
        var lambdaSum = 0.0
        var sBarSum = 0.0
        let noise = noiseVariance, perStep = noiseVariances
        matern52Tape.withUnsafeBufferPointer { tape in
            residual.withUnsafeBufferPointer { yb0 in
            times.withUnsafeBufferPointer { tb in
                yBar.withUnsafeMutableBufferPointer { yb in
                    for k in Swift.stride(from: n - 1, through: 0, by: -1) {
                        let row = tape.baseAddress! + k * stride
                        let yk = yb0[k]
                        var mbPred = mb
                        var pbPred = pb
                        if !yk.isNaN {
                            let s = row[3] + (perStep?[k] ?? noise)
                            let v = yk - row[0]
                            let u = SIMD3(row[3], row[4], row[5])
                            let pu = pb * u
                            let mu = (mb * u).sum(), upu = (u * pu).sum()
                            let inv = 1 / s
                            let sBar = -0.5 * (inv - v * v * inv * inv) - mu * v * inv * inv + upu * inv * inv
                            let vBar = -v * inv + mu * inv
                            let ub = mb * (v * inv) - pu * (2 * inv)
                            // P̄⁻ = P̄ + s̄ e₁e₁ᵀ + ½(ū e₁ᵀ + e₁ ūᵀ).
                            let half = 0.5 * ub
                            pbPred.c0 += half + SIMD3(sBar + half.x, 0, 0)
                            pbPred.c1.x += half.y
                            pbPred.c2.x += half.z
                            mbPred.x -= vBar
                            sBarSum += sBar
                            yb[k] = vBar
                        }
                        if k == 0 {
                            pinfBar = pinfBar + pbPred
                            break
                        }
                        // The filtered moments at k − 1, recovered from its stored prediction.
                        let prev = row - stride
                        var mPrev = SIMD3(prev[0], prev[1], prev[2])
                        var pPrev = Matrix3(lower: prev + 3)
                        let yPrev = yb0[k - 1]
                        if !yPrev.isNaN {
                            let sPrev = prev[3] + (perStep?[k - 1] ?? noise)
                            let uPrev = pPrev.c0
                            mPrev += uPrev * ((yPrev - prev[0]) / sPrev)
                            pPrev = pPrev - Matrix3.outer(uPrev, uPrev * (1 / sPrev))
                        }
                        let dt = tb[k] - tb[k - 1]
                        let a = mss.transition52(x: lambda * dt, e: row[9])
                        // t1 = P̄⁻ A; Ā = m̄⁻ m_{k−1}ᵀ + 2 t1 X; P̄_{k−1} = Aᵀ t1 (symmetrised).
                        let t1 = pbPred * a
                        let abar = 2 * (t1 * (pPrev - pinf)) + Matrix3.outer(mbPred, mPrev)
                        let t2 = a.transposeTimes(t1).symmetrized
                        pinfBar = pinfBar + (pbPred - t2)
                        pb = t2
                        mb = a.transposeTimes(mbPred)
                        lambdaSum += mss.transitionLambdaContraction52(dt, transition: a, adjoint: abar)
                    }
                }
            }
            }
        }
        rBar += sBarSum
        gradient.withUnsafeMutableBufferPointer { gb in
            gb[0] += lambdaSum / lambda * matern52LambdaPerLengthscale
            var block = [Double](repeating: 0, count: 9)
            block.withUnsafeMutableBufferPointer { bp in
                pinfBar.write(bp.baseAddress!, stride: 3)
                kernel.accumulateStationaryCovarianceGradient(adjoint: bp.baseAddress!, stride: 3, into: gb.baseAddress!)
            }
        }
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
