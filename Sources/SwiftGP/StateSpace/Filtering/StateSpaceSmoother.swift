import GPLinearAlgebra

/// Smoothing of a stationary state-space prior x_{1:T} (started at x₁ ~ N(0, P∞)) under Gaussian sites
/// on z_k = Π x_k (docs/methods/state-space.md#smoothers). Two exact algorithms, equal for stationary priors:
///
/// * `.rts` — moment-form Kalman filter, then the Rauch–Tung–Striebel pass
///   J_k = P_k A_{k+1}ᵀ (P⁻_{k+1})⁻¹, m^s_k = m_k + J_k(m^s_{k+1} − m⁻_{k+1}),
///   P^s_k = P_k + J_k (P^s_{k+1} − P⁻_{k+1}) J_kᵀ, and lag-one Cov(x_{k+1}, x_k) = P^s_{k+1} J_kᵀ
///   (BayesNewton, MarkovFlow).
/// * `.bidirectional` — cvHM's two-filter smoother in information form (h, J) = (P⁻¹m, P⁻¹): a forward
///   information filter and a backward one on the reversed chain x_{k−1} = A^b_k x_k + q^b_k,
///   A^b_k = P∞ A_kᵀ P∞⁻¹, Q^b_k = P∞ − A^b_k P∞ A^b_kᵀ, started at x_T ~ N(0, P∞); then
///   J^s_k = J^f_k + J^{b−}_k − P∞⁻¹ and h^s_k = h^f_k + h^{b−}_k (both passes contain the prior once).
///   Predictions run through moments, J⁻ = (A J⁻¹ Aᵀ + Q)⁻¹, which stays valid when Q is singular (Δ = 0).
///
/// A site (j, 𝒥) is absorbed in moment form without inverting 𝒥 (so singular sites are fine): with
/// 𝒥 = W Wᵀ (W from the eigendecomposition, negative eigenvalues clipped — BayesNewton's PSD safeguard),
/// P̄ = Π P⁻ Πᵀ, B = I + Wᵀ P̄ W (SPD, ≥ I, factorised by `Cholesky`), U = P⁻ Πᵀ W:
///
///     P = P⁻ − U B⁻¹ Uᵀ,   m = m⁻ + P Πᵀ r,   r = j − 𝒥 Π m⁻,
///     log Z += jᵀm̄ − ½ m̄ᵀ𝒥m̄ − ½ log|B| + ½ rᵀ(P̄ − P̄W B⁻¹ WᵀP̄) r,   m̄ = Π m⁻   (docs/methods/state-space.md#site-absorption).
///
/// For scalar sites B is a scalar and nothing is factorised. Every factorisation of a covariance or
/// precision goes through `Cholesky` with `policy`; P∞ is factorised as a latent prior (base jitter).
/// - Complexity: O(T d³) time, O(T d²) memory; `.bidirectional` does about twice the factorisations.
public enum StateSpaceSmoother {
    /// Which exact smoother runs.
    public enum Method: String, Sendable, Codable { case rts, bidirectional }

    /// The smoothed marginals and log Z of the sites.
    /// - Parameters:
    ///   - kernel: the prior (its state dimension d).
    ///   - times: sorted times, length T.
    ///   - sites: T sites of dimension n.
    ///   - projection: Π (n × d); nil means H (scalar sites on f).
    /// - Throws: `LinearAlgebraError` when a factorisation fails after the jitter ladder.
    public static func smooth(kernel: any StateSpaceKernel, times: [Double], sites: GaussianSites,
                              projection: Matrix? = nil, method: Method = .rts,
                              policy: JitterPolicy = .standard) throws -> SmoothedStates {
        let pi = projection ?? Matrix(rows: 1, cols: kernel.stateDimension, storage: kernel.measurementVector)
        precondition(sites.count == times.count, "\(sites.count) sites for \(times.count) times")
        precondition(pi.rows == sites.dimension && pi.cols == kernel.stateDimension, "projection must be \(sites.dimension)×\(kernel.stateDimension)")
        for k in 1..<max(1, times.count) { precondition(times[k] >= times[k - 1], "times must be sorted") }
        switch method {
        case .rts: return try rts(kernel: kernel, times: times, sites: sites, projection: pi, policy: policy)
        case .bidirectional: return try bidirectional(kernel: kernel, times: times, sites: sites, projection: pi, policy: policy)
        }
    }

    // MARK: - Moment-form filter

    /// The forward pass: filtered and predicted moments, transitions, log Z.
    struct FilterPass {
        var filteredMeans: [Double]
        var filteredCovariances: [Double]
        var predictedMeans: [Double]
        var predictedCovariances: [Double]
        var transitions: [Double]
        var logNormaliser: Double
        var jitter: Double
    }

    static func filter(kernel: any StateSpaceKernel, times: [Double], sites: GaussianSites, projection: Matrix,
                       policy: JitterPolicy) throws -> FilterPass {
        let n = times.count, d = kernel.stateDimension, dd = d * d
        let pInf = kernel.stationaryCovariance
        var pass = FilterPass(filteredMeans: [Double](repeating: 0, count: n * d),
                              filteredCovariances: [Double](repeating: 0, count: n * dd),
                              predictedMeans: [Double](repeating: 0, count: n * d),
                              predictedCovariances: [Double](repeating: 0, count: n * dd),
                              transitions: [Double](repeating: 0, count: n * dd), logNormaliser: 0, jitter: 0)
        var m = [Double](repeating: 0, count: d)
        var p = pInf
        for k in 0..<n {
            var a = Matrix.identity(d)
            if k > 0 {
                a = kernel.transition(times[k] - times[k - 1])
                m = smallProduct(a, m)
                // P⁻ = A (P − P∞) Aᵀ + P∞  (= A P Aᵀ + Q).
                p = smallProduct(smallProduct(a, p - pInf), a, transposeB: true) + pInf
                p.symmetrize()
            }
            pass.transitions.replaceSubrange((k * dd)..<((k + 1) * dd), with: a.storage)
            pass.predictedMeans.replaceSubrange((k * d)..<((k + 1) * d), with: m)
            pass.predictedCovariances.replaceSubrange((k * dd)..<((k + 1) * dd), with: p.storage)
            if !sites.isEmpty(at: k) {
                let (dz, jit) = try absorb(site: k, of: sites, projection: projection, mean: &m, covariance: &p, policy: policy)
                pass.logNormaliser += dz
                pass.jitter = max(pass.jitter, jit)
            }
            pass.filteredMeans.replaceSubrange((k * d)..<((k + 1) * d), with: m)
            pass.filteredCovariances.replaceSubrange((k * dd)..<((k + 1) * dd), with: p.storage)
        }
        return pass
    }

    /// Absorbs site k into (m, P) in moment form; returns the log Z increment and the jitter used.
    static func absorb(site k: Int, of sites: GaussianSites, projection pi: Matrix, mean m: inout [Double],
                       covariance p: inout Matrix, policy: JitterPolicy) throws -> (Double, Double) {
        let n = sites.dimension, d = p.rows
        let j = sites.firstParameter(at: k)
        let jj = sites.secondParameter(at: k)
        let pit = smallProduct(p, pi, transposeB: true)          // P⁻Πᵀ, d × n
        let pbar = smallProduct(pi, pit)                          // ΠP⁻Πᵀ, n × n
        let mbar = smallProduct(pi, m)                            // Πm⁻
        var r = j
        for i in 0..<n { for l in 0..<n { r[i] -= jj[i, l] * mbar[l] } }
        var quadratic = 0.0, linear = 0.0
        for i in 0..<n {
            linear += j[i] * mbar[i]
            for l in 0..<n { quadratic += mbar[i] * jj[i, l] * mbar[l] }
        }
        var rpr = 0.0
        for i in 0..<n { for l in 0..<n { rpr += r[i] * pbar[i, l] * r[l] } }
        if n == 1 {
            // Scalar site: B = 1 + p̄𝒥, no factorisation. In gain form, with k = u𝒥/B (u = P⁻Πᵀ) the gain of the
            // pseudo-observation with noise 1/𝒥: m = m⁻ + u r/B (= m⁻ + P Πᵀ r, without forming P first), and P
            // in Joseph form P = (I − kΠ) P⁻ (I − kΠ)ᵀ + k kᵀ/𝒥 = P⁻ − u uᵀ 𝒥/B computed without the
            // cancellation that loses the small posterior variance when 𝒥 is large (noise → 0).
            let jv = max(jj.storage[0], 0)
            let b = 1 + pbar.storage[0] * jv
            let u = pit.storage
            for i in 0..<d { m[i] += u[i] * r[0] / b }
            if jv > 0 {
                let k = u.map { $0 * jv / b }
                // (I − kΠ) P⁻ (I − kΠ)ᵀ = P⁻ − k uᵀ − u kᵀ + p̄ k kᵀ; then + k kᵀ/𝒥.
                var q = p
                let extra = pbar.storage[0] + 1 / jv
                for c in 0..<d { for i in 0..<d { q[i, c] += -k[i] * u[c] - u[i] * k[c] + extra * k[i] * k[c] } }
                p = q
                p.symmetrize()
            }
            let pr0 = pbar.storage[0] * r[0]
            let dz = linear - 0.5 * quadratic - 0.5 * Math.log(b) + 0.5 * (rpr - pr0 * pr0 * jv / b)
            return (dz, 0)
        }
        // W = V diag(√max(λ, 0)) with 𝒥 = V diag(λ) Vᵀ.
        let eig = try SymmetricEigen(jj)
        var w = eig.vectors
        for c in 0..<n {
            let s = max(eig.values[c], 0).squareRoot()
            for i in 0..<n { w[i, c] *= s }
        }
        var b = smallProduct(smallProduct(w, pbar, transposeA: true), w)
        b.addToDiagonal(1)
        b.symmetrize()
        let cb = try Cholesky(b, policy: policy)
        let u = smallProduct(pit, w)                              // d × n
        let v = cb.solveLower(u.transposed)                       // L_B⁻¹ Uᵀ, n × d
        p = p - smallProduct(v, v, transposeA: true)
        p.symmetrize()
        let pr = smallProduct(smallProduct(p, pi, transposeB: true), r)
        for i in 0..<d { m[i] += pr[i] }
        let yb = cb.solveLower(smallProduct(w, smallProduct(pbar, r), transposeA: true))
        var ny = 0.0
        for x in yb { ny += x * x }
        let dz = linear - 0.5 * quadratic - 0.5 * cb.logDeterminant + 0.5 * (rpr - ny)
        return (dz, cb.jitter)
    }

    // MARK: - RTS

    static func rts(kernel: any StateSpaceKernel, times: [Double], sites: GaussianSites, projection: Matrix,
                    policy: JitterPolicy) throws -> SmoothedStates {
        let pass = try filter(kernel: kernel, times: times, sites: sites, projection: projection, policy: policy)
        let n = times.count, d = kernel.stateDimension, dd = d * d
        var means = pass.filteredMeans
        var covs = pass.filteredCovariances
        var lag = [Double](repeating: 0, count: max(0, n - 1) * dd)
        var jitter = pass.jitter
        func block(_ a: [Double], _ k: Int) -> Matrix {
            Matrix(rows: d, cols: d, storage: Array(a[(k * dd)..<((k + 1) * dd)]))
        }
        func vector(_ a: [Double], _ k: Int) -> [Double] { Array(a[(k * d)..<((k + 1) * d)]) }
        if n >= 2 {
            for k in stride(from: n - 2, through: 0, by: -1) {
                let pk = block(pass.filteredCovariances, k)
                let a = block(pass.transitions, k + 1)
                let pPred = block(pass.predictedCovariances, k + 1)
                let c = try Cholesky(pPred, policy: policy)
                jitter = max(jitter, c.jitter)
                // Jᵀ = (P⁻)⁻¹ A P_k.
                let gainT = c.solve(smallProduct(a, pk))
                let ms1 = vector(means, k + 1)
                let mPred = vector(pass.predictedMeans, k + 1)
                let diff = zip(ms1, mPred).map { $0 - $1 }
                var mk = vector(pass.filteredMeans, k)
                let corr = smallProduct(gainT, diff, transposeA: true)
                for i in 0..<d { mk[i] += corr[i] }
                let ps1 = block(covs, k + 1)
                var ps = pk + smallProduct(smallProduct(gainT, ps1 - pPred, transposeA: true), gainT)
                ps.symmetrize()
                let cross = smallProduct(ps1, gainT)
                means.replaceSubrange((k * d)..<((k + 1) * d), with: mk)
                covs.replaceSubrange((k * dd)..<((k + 1) * dd), with: ps.storage)
                lag.replaceSubrange((k * dd)..<((k + 1) * dd), with: cross.storage)
            }
        }
        return SmoothedStates(times: times, dimension: d, means: means, covariances: covs, lagOneCovariances: lag,
                              logNormaliser: pass.logNormaliser, jitter: jitter)
    }

    // MARK: - Forward filtering, backward sampling

    /// Joint posterior draws of z_{1:T} = Π x_{1:T} under the sites by forward filtering, backward sampling
    /// (docs/methods/state-space.md#ffbs): x_T ~ N(m_T, P_T), then x_k | x_{k+1} ~ N(m_k + J_k(x_{k+1} − m⁻_{k+1}),
    /// P_k − J_k P⁻_{k+1} J_kᵀ). The gains and conditional factors are computed once and shared by all draws;
    /// the conditional covariances (possibly singular) are factorised as latent priors (base jitter).
    /// - Returns: `count` draws, each flat T × n (`draw[k·n + i]`).
    /// - Complexity: O(T d³) once, then O(T d²) per draw.
    public static func sample(kernel: any StateSpaceKernel, times: [Double], sites: GaussianSites, projection: Matrix? = nil,
                              count: Int, generator: inout SeededGenerator,
                              policy: JitterPolicy = .standard) throws -> [[Double]] {
        let pi = projection ?? Matrix(rows: 1, cols: kernel.stateDimension, storage: kernel.measurementVector)
        precondition(sites.count == times.count && pi.rows == sites.dimension && pi.cols == kernel.stateDimension)
        let pass = try filter(kernel: kernel, times: times, sites: sites, projection: pi, policy: policy)
        let n = times.count, d = kernel.stateDimension, dd = d * d, nz = pi.rows
        guard n > 0 else { return [[Double]](repeating: [], count: count) }
        func block(_ a: [Double], _ k: Int) -> Matrix { Matrix(rows: d, cols: d, storage: Array(a[(k * dd)..<((k + 1) * dd)])) }
        func vector(_ a: [Double], _ k: Int) -> [Double] { Array(a[(k * d)..<((k + 1) * d)]) }
        // Gains Jᵀ_k and factors of the conditional covariances; the last step uses the filtered covariance.
        var gainsT = [Matrix](repeating: Matrix(rows: 0, cols: 0), count: n)
        var factors = [Matrix](repeating: Matrix(rows: 0, cols: 0), count: n)
        factors[n - 1] = try Cholesky(block(pass.filteredCovariances, n - 1), policy: policy, isLatentPrior: true).lower
        for k in stride(from: n - 2, through: 0, by: -1) {
            let pk = block(pass.filteredCovariances, k)
            let pPred = block(pass.predictedCovariances, k + 1)
            let c = try Cholesky(pPred, policy: policy)
            let gainT = c.solve(smallProduct(block(pass.transitions, k + 1), pk))
            var conditional = pk - smallProduct(smallProduct(gainT, pPred, transposeA: true), gainT)
            conditional.symmetrize()
            gainsT[k] = gainT
            factors[k] = try Cholesky(conditional, policy: policy, isLatentPrior: true).lower
        }
        var draws: [[Double]] = []
        for _ in 0..<count {
            var z = [Double](repeating: 0, count: n * nz)
            var x = vector(pass.filteredMeans, n - 1)
            let e = smallProduct(factors[n - 1], generator.normals(d))
            for i in 0..<d { x[i] += e[i] }
            for k in stride(from: n - 1, through: 0, by: -1) {
                if k < n - 1 {
                    let diff = zip(x, vector(pass.predictedMeans, k + 1)).map { $0 - $1 }
                    var next = vector(pass.filteredMeans, k)
                    let corr = smallProduct(gainsT[k], diff, transposeA: true)
                    let noise = smallProduct(factors[k], generator.normals(d))
                    for i in 0..<d { next[i] += corr[i] + noise[i] }
                    x = next
                }
                let zk = smallProduct(pi, x)
                for i in 0..<nz { z[k * nz + i] = zk[i] }
            }
            draws.append(z)
        }
        return draws
    }

    // MARK: - Bidirectional information filter

    static func bidirectional(kernel: any StateSpaceKernel, times: [Double], sites: GaussianSites, projection: Matrix,
                              policy: JitterPolicy) throws -> SmoothedStates {
        let n = times.count, d = kernel.stateDimension, dd = d * d
        // P∞ is a stationary state covariance: it gets the latent-prior base jitter, and the jittered P∞
        // is used consistently (prior, reversed dynamics, Q = P∞ − A P∞ Aᵀ and the combination), so the
        // two passes describe one stationary chain and the combination stays exact.
        var pInf = kernel.stationaryCovariance
        let cInf = try Cholesky(pInf, policy: policy, isLatentPrior: true)
        var jitter = cInf.jitter
        pInf.addToDiagonal(cInf.jitter)
        let jInf = cInf.inverse()
        var logZ = 0.0

        /// Πᵀ j and Πᵀ 𝒥 Π.
        func lifted(_ k: Int) -> ([Double], Matrix) {
            let j = sites.firstParameter(at: k), jj = sites.secondParameter(at: k)
            return (smallProduct(projection, j, transposeA: true),
                    smallProduct(smallProduct(projection, jj, transposeA: true), projection))
        }
        /// (h, J) → (m, P) through a factorisation of J.
        func moments(_ h: [Double], _ jm: Matrix) throws -> ([Double], Matrix) {
            let c = try Cholesky(jm, policy: policy)
            jitter = max(jitter, c.jitter)
            return (c.solve(h), c.inverse())
        }
        /// (m, P) → (h, J).
        func information(_ m: [Double], _ p: Matrix) throws -> ([Double], Matrix) {
            let c = try Cholesky(p, policy: policy)
            jitter = max(jitter, c.jitter)
            return (c.solve(m), c.inverse())
        }

        // Forward: filtered (h^f, J^f); log Z from the moment form of each prediction.
        var hf = [[Double]](repeating: [], count: n), jf = [Matrix](repeating: Matrix(rows: 0, cols: 0), count: n)
        var m = [Double](repeating: 0, count: d)
        var p = pInf
        var hPred = [Double](repeating: 0, count: d)
        var jPred = jInf
        for k in 0..<n {
            if k > 0 {
                let a = kernel.transition(times[k] - times[k - 1])
                let (mf, pf) = try moments(hf[k - 1], jf[k - 1])
                m = smallProduct(a, mf)
                p = smallProduct(smallProduct(a, pf - pInf), a, transposeB: true) + pInf
                p.symmetrize()
                (hPred, jPred) = try information(m, p)
            }
            if sites.isEmpty(at: k) {
                hf[k] = hPred
                jf[k] = jPred
                continue
            }
            // The moment-form update only supplies the log Z increment here.
            var mm = m, pp = p
            let (dz, jit) = try absorb(site: k, of: sites, projection: projection, mean: &mm, covariance: &pp, policy: policy)
            logZ += dz
            jitter = max(jitter, jit)
            let (lj, lJ) = lifted(k)
            hf[k] = zip(hPred, lj).map { $0 + $1 }
            jf[k] = jPred + lJ
        }

        // Backward: predicted (h^{b−}_k, J^{b−}_k) from the sites after k.
        var hb = [[Double]](repeating: [], count: n), jb = [Matrix](repeating: Matrix(rows: 0, cols: 0), count: n)
        hb[n - 1] = [Double](repeating: 0, count: d)
        jb[n - 1] = jInf
        if n >= 2 {
            for k in stride(from: n - 1, through: 1, by: -1) {
                var h = hb[k], jm = jb[k]
                if !sites.isEmpty(at: k) {
                    let (lj, lJ) = lifted(k)
                    h = zip(h, lj).map { $0 + $1 }
                    jm = jm + lJ
                }
                let a = kernel.transition(times[k] - times[k - 1])
                // A^b = P∞ Aᵀ P∞⁻¹; P⁻ = A^b (P − P∞) A^bᵀ + P∞.
                let ab = smallProduct(smallProduct(pInf, a, transposeB: true), jInf)
                let (mb, pb) = try moments(h, jm)
                let mPred = smallProduct(ab, mb)
                var pPred = smallProduct(smallProduct(ab, pb - pInf), ab, transposeB: true) + pInf
                pPred.symmetrize()
                (hb[k - 1], jb[k - 1]) = try information(mPred, pPred)
            }
        }

        // Combine.
        var means = [Double](repeating: 0, count: n * d)
        var covs = [Double](repeating: 0, count: n * dd)
        for k in 0..<n {
            var js = jf[k] + jb[k] - jInf
            js.symmetrize()
            let hs = zip(hf[k], hb[k]).map { $0 + $1 }
            let (ms, ps) = try moments(hs, js)
            means.replaceSubrange((k * d)..<((k + 1) * d), with: ms)
            covs.replaceSubrange((k * dd)..<((k + 1) * dd), with: ps.storage)
        }
        return SmoothedStates(times: times, dimension: d, means: means, covariances: covs, lagOneCovariances: nil,
                              logNormaliser: logZ, jitter: jitter)
    }
}
