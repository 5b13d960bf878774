import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Irregular sorted times on [0, 40] with one repeated time (Δ = 0), and a smooth signal plus noise.
func irregularSeries(_ n: Int, seed: UInt64) -> (times: [Double], y: [Double]) {
    var g = SeededGenerator(seed: seed)
    var t = (0..<n).map { _ in 40 * g.uniform() }.sorted()
    t[n / 2] = t[n / 2 - 1]
    let y = t.map { Math.sin(0.9 * $0) + 0.5 * Math.cos(2.7 * $0) + 0.3 * g.normal() }
    return (t, y)
}

/// The dense reference: the same kernel and likelihood through `ExactGP`.
func denseTwin(_ model: StateSpaceGP) -> ExactGP {
    ExactGP(kernel: model.kernel, likelihood: model.likelihood, mean: model.mean, jitter: model.jitter)
}

func relativeDifference(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

/// The Kalman filter and the smoothers against the dense exact GP (docs/methods/state-space.md#kalman-filter, docs/methods/state-space.md#smoothers).
@Suite struct StateSpaceKalmanTests {
    /// Issue 5: Kalman log-likelihood = dense LML to 1e-8 relative, n = 500, irregular times.
    @Test(arguments: stateSpaceKernels.indices)
    func logLikelihoodEqualsDense(index: Int) throws {
        let (name, kernel) = stateSpaceKernels[index]
        let (t, y) = irregularSeries(500, seed: 11)
        let model = StateSpaceGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 0.09))
        let kalman = try model.logMarginalLikelihood(t, y)
        let dense = try denseTwin(model).logMarginalLikelihood(Matrix(column: t), y)
        let rel = relativeDifference(kalman, dense)
        print("StateSpace LML \(name): kalman \(kalman) dense \(dense) relative error \(rel)")
        #expect(rel < 1e-8, "\(name): Kalman \(kalman) vs dense \(dense) (relative \(rel))")
    }

    /// Unsorted input, a constant mean and missing targets (NaN) give the dense LML on the observed subset.
    @Test func unsortedMissingAndMean() throws {
        let (t, y) = irregularSeries(200, seed: 5)
        var g = SeededGenerator(seed: 9)
        let perm = (0..<t.count).shuffled(using: &g)
        let ts = perm.map { t[$0] }
        var ys = perm.map { y[$0] + 1.5 }
        for i in stride(from: 3, to: ys.count, by: 17) { ys[i] = .nan }
        let model = StateSpaceGP(kernel: Matern32(lengthscale: [0.8], variance: 1.2),
                                 likelihood: GaussianLikelihood(variance: 0.1), mean: ConstantMean(1.3))
        let kalman = try model.logMarginalLikelihood(ts, ys)
        let observed = ys.indices.filter { !ys[$0].isNaN }
        let dense = try denseTwin(model).logMarginalLikelihood(Matrix(column: observed.map { ts[$0] }), observed.map { ys[$0] })
        #expect(relativeDifference(kalman, dense) < 1e-9, "\(kalman) vs \(dense)")
    }

    /// Gradients of the Kalman objective: central differences in ξ (docs/methods/conventions.md#finite-difference-protocol) and the
    /// dense objective's gradient.
    @Test(arguments: stateSpaceKernels.indices)
    func gradientsMatchFiniteDifferencesAndDense(index: Int) throws {
        let (name, kernel) = stateSpaceKernels[index]
        let (t, y) = irregularSeries(150, seed: 21)
        let model = StateSpaceGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 0.15), mean: ConstantMean(0.2))
        let objective = model.marginalLikelihood(t, y)
        let check = try FiniteDifferences.check(objective)
        #expect(check.error < 1e-5, "\(name): analytic \(check.analytic) numeric \(check.numeric)")
        let kalman = try objective.evaluate(batch: nil).gradient.flatMap { $0 }
        let dense = try denseTwin(model).marginalLikelihood(Matrix(column: t), y).evaluate(batch: nil).gradient.flatMap { $0 }
        let denseError = FiniteDifferences.maxRelativeError(kalman, dense)
        print("StateSpace gradient \(name): vs finite differences \(check.error), vs dense \(denseError)")
        #expect(denseError < 1e-7, "\(name): kalman \(kalman) dense \(dense)")
    }

    /// RTS marginals equal the dense posterior at the training times; lag-one covariances equal the dense
    /// joint posterior covariance; prediction at new times equals dense prediction.
    @Test(arguments: stateSpaceKernels.indices)
    func smoothedMarginalsEqualDensePosterior(index: Int) throws {
        let (name, kernel) = stateSpaceKernels[index]
        let (t, y) = irregularSeries(300, seed: 31)
        let model = StateSpaceGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 0.09))
        let posterior = try model.posterior(t, y)
        let dense = try denseTwin(model).posterior(Matrix(column: t), y)
        let reference = try dense.predict(at: Matrix(column: t))
        let ours = posterior.training
        let scale = reference.variance.max()!
        let meanErr = zip(ours.mean, reference.mean).map { abs($0 - $1) }.max()!
        let varErr = zip(ours.variance, reference.variance).map { abs($0 - $1) }.max()!
        print("StateSpace smoother \(name): max |Δmean| \(meanErr), max |Δvar| \(varErr)")
        #expect(meanErr < 1e-8 * max(1, reference.mean.map(abs).max()!), "\(name): mean error \(meanErr)")
        #expect(varErr < 1e-8 * scale, "\(name): variance error \(varErr)")
        // Lag-one: Cov(f_{k+1}, f_k | y) = H (P^s_{k+1} J_kᵀ) Hᵀ.
        let cov = try dense.covariance(at: Matrix(column: t))
        let h = Matrix(rows: 1, cols: kernel.stateDimension, storage: kernel.measurementVector)
        var lagErr = 0.0
        for k in stride(from: 0, to: t.count - 1, by: 7) {
            let c = try #require(posterior.states.lagOneCovariance(at: k))
            let v = smallProduct(smallProduct(h, c), h, transposeB: true).scalar
            lagErr = max(lagErr, abs(v - cov[k + 1, k]))
        }
        #expect(lagErr < 1e-8 * scale, "\(name): lag-one covariance error \(lagErr)")
        // New times: inside, between duplicates, before and after the data.
        let xs = [-3.0, 0.01, 7.77, t[150], 20.5, 39.9, 45]
        let p = try posterior.predict(at: xs)
        let q = try dense.predict(at: Matrix(column: xs))
        #expect(zip(p.mean, q.mean).map { abs($0 - $1) }.max()! < 1e-8, "\(name): prediction mean")
        #expect(zip(p.variance, q.variance).map { abs($0 - $1) }.max()! < 1e-8 * scale, "\(name): prediction variance")
    }

    /// The information-form bidirectional smoother (cvHM) equals the RTS smoother, and both give the same
    /// log Z; scalar and two-dimensional sites.
    @Test(arguments: stateSpaceKernels.indices)
    func bidirectionalSmootherEqualsRTS(index: Int) throws {
        let (name, kernel) = stateSpaceKernels[index]
        let (t, y) = irregularSeries(200, seed: 41)
        let policy = JitterPolicy(priorRelativeJitter: 1e-13)
        let sites = GaussianSites(observations: y, noiseVariance: 0.2)
        let rts = try StateSpaceSmoother.smooth(kernel: kernel, times: t, sites: sites, method: .rts, policy: policy)
        let two = try StateSpaceSmoother.smooth(kernel: kernel, times: t, sites: sites, method: .bidirectional, policy: policy)
        let meanErr = zip(rts.means, two.means).map { abs($0 - $1) }.max()!
        let covErr = zip(rts.covariances, two.covariances).map { abs($0 - $1) }.max()!
        let covScale = rts.covariances.map(abs).max()!
        print("StateSpace two-filter \(name): max |Δm| \(meanErr), max |ΔP| \(covErr) (scale \(covScale))")
        #expect(meanErr < 1e-7 * max(1, rts.means.map(abs).max()!), "\(name): means differ by \(meanErr)")
        #expect(covErr < 1e-7 * covScale, "\(name): covariances differ by \(covErr)")
        #expect(relativeDifference(two.logNormaliser, rts.logNormaliser) < 1e-10)
    }

    @Test func bidirectionalSmootherWithVectorSites() throws {
        // Two latent Hida–Matérn processes observed jointly through 2-D sites with a full 𝒥.
        let kernel = StateSpaceSum([HidaMatern(order: 1, lengthscale: 0.9, variance: 1, frequency: 1.5),
                                    Matern52(lengthscale: [1.4], variance: 0.7)])
        var pi = Matrix(rows: 2, cols: kernel.stateDimension)
        pi[0, 0] = 1
        pi[1, 4] = 1
        var g = SeededGenerator(seed: 3)
        let t = (0..<120).map { _ in 15 * g.uniform() }.sorted()
        var sites = GaussianSites(count: t.count, dimension: 2)
        for k in t.indices where k % 5 != 0 {
            let b = Matrix(rows: 2, cols: 2, storage: g.normals(4))
            var s = smallProduct(b, b, transposeB: true)
            s.addToDiagonal(0.05)
            for i in 0..<4 { sites.second[4 * k + i] = s.storage[i] }
            sites.first[2 * k] = g.normal()
            sites.first[2 * k + 1] = g.normal()
        }
        // One singular site.
        sites.second.replaceSubrange(4..<8, with: [1, 1, 1, 1])
        let policy = JitterPolicy(priorRelativeJitter: 1e-13)
        let rts = try StateSpaceSmoother.smooth(kernel: kernel, times: t, sites: sites, projection: pi, method: .rts, policy: policy)
        let two = try StateSpaceSmoother.smooth(kernel: kernel, times: t, sites: sites, projection: pi, method: .bidirectional, policy: policy)
        let meanErr = zip(rts.means, two.means).map { abs($0 - $1) }.max()!
        let covErr = zip(rts.covariances, two.covariances).map { abs($0 - $1) }.max()!
        #expect(meanErr < 1e-7 * max(1, rts.means.map(abs).max()!), "means differ by \(meanErr)")
        #expect(covErr < 1e-7 * rts.covariances.map(abs).max()!, "covariances differ by \(covErr)")
        #expect(relativeDifference(two.logNormaliser, rts.logNormaliser) < 1e-10)
        // log Z against the dense Gaussian integral ∫ N(z; 0, K) Π t_k(z_k) dz over the stacked z.
        let dense = denseLogNormaliser(kernel: kernel, projection: pi, times: t, sites: sites)
        #expect(relativeDifference(rts.logNormaliser, dense) < 1e-9, "log Z \(rts.logNormaliser) vs dense \(dense)")
    }

    /// log ∫ N(z; 0, K) exp(jᵀz − ½ zᵀ𝒥z) dz = ½ jᵀ(K⁻¹ + 𝒥)⁻¹j − ½ log|I + K𝒥| over all z_{k,i}, in the
    /// symmetric form with 𝒥 = W Wᵀ: B = I + WᵀKW, (K⁻¹ + 𝒥)⁻¹ = K − KW B⁻¹ WᵀK (no K⁻¹ needed).
    func denseLogNormaliser(kernel: StateSpaceSum, projection: Matrix, times: [Double], sites: GaussianSites) -> Double {
        let n = sites.dimension, tt = times.count, big = n * tt
        var kz = Matrix(rows: big, cols: big)
        let x = Matrix(column: times)
        for (i, comp) in kernel.components.enumerated() {
            let g = comp.gram(x)
            for a in 0..<tt { for b in 0..<tt { kz[a * n + i, b * n + i] = g[a, b] } }
        }
        var w = Matrix(rows: big, cols: big)
        var jv = [Double](repeating: 0, count: big)
        for k in 0..<tt {
            let eig = try! SymmetricEigen(sites.secondParameter(at: k))
            for i in 0..<n {
                jv[k * n + i] = sites.first[k * n + i]
                for c in 0..<n { w[k * n + i, k * n + c] = eig.vectors[i, c] * max(eig.values[c], 0).squareRoot() }
            }
        }
        let kw = matmul(kz, w)
        var b = matmul(w, kw, .transposed)
        b.addToDiagonal(1)
        b.symmetrize()
        let cb = try! Cholesky(b)
        let kj = matvec(kz, jv)
        let wkj = matvec(kw, jv, .transposed)
        let quad = dot(jv, kj) - dot(wkj, cb.solve(wkj))
        return 0.5 * quad - 0.5 * cb.logDeterminant
    }

    /// The shared engine fits the state-space model to the same optimum as the dense one.
    @Test func trainsWithTheSharedEngineLikeTheDenseModel() throws {
        let (t, y) = irregularSeries(150, seed: 51)
        var ss = StateSpaceGP(kernel: Matern52(lengthscale: [1], variance: 1), likelihood: GaussianLikelihood(variance: 0.5))
        var exact = denseTwin(ss)
        let r1 = try ss.fit(t, y)
        let r2 = try exact.fit(Matrix(column: t), y)
        #expect(r1.converged, "\(r1.stopReason)")
        #expect(abs(r1.objective - r2.objective) < 1e-6 * abs(r2.objective), "\(r1.objective) vs \(r2.objective)")
        for (a, b) in zip(ss.parameters, exact.parameters) {
            #expect(abs(a.scalar - b.scalar) < 1e-3 * max(1, abs(b.scalar)), "\(a.name): \(a.scalar) vs \(b.scalar)")
        }
    }
}
