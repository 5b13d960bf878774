import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Issue 15: Magma and MagmaClust against the exact identities of docs/methods/magmaclust.md#tests —
/// one task is the exact GP, the EM bound after an E-step is the dense joint marginal likelihood and never
/// decreases, M-step gradients match finite differences, the common-grid path equals the general path,
/// new-task prediction equals dense joint conditioning, K = 1 is Magma, clusters are label-switching invariant,
/// and the mixture summary matches Monte Carlo.
@Suite struct MagmaTests {
    /// No latent base jitter, so the dense references hold to rounding.
    static let exact = JitterPolicy(priorRelativeJitter: 0)

    /// Tasks on irregular inputs drawn from a few curves: task i follows curve `cluster(i)`.
    static func tasks(_ m: Int, points: Int, clusters: Int = 1, common: Bool = false, seed: UInt64) throws -> MultiTaskData {
        var g = SeededGenerator(seed: seed)
        var xs: [Matrix] = [], ys: [[Double]] = []
        let grid = (0..<points).map { 10 * Double($0) / Double(points - 1) }
        for i in 0..<m {
            let c = i % clusters
            let t = common ? grid : (0..<points).map { _ in (10 * g.uniform() * 20).rounded() / 20 }
            xs.append(Matrix(column: t))
            let shift = g.normal() * 0.5
            ys.append(t.map { 3 * Double(c) + 2 * Math.sin(0.6 * $0 + Double(c)) + shift + 0.2 * g.normal() })
        }
        return try MultiTaskData(taskIDs: (0..<m).map { "t\($0)" }, inputs: xs, targets: ys)
    }

    /// log N(y_all; m0, P C Pᵀ + blockdiag(Ψ_i)) for a one-cluster model, densely.
    static func denseMarginal(_ model: MagmaClust) throws -> Double {
        let d = model.data
        let all = d.indices.flatMap { $0 }, y = d.targets.flatMap { $0 }
        let c = model.meanKernel(0).gram(d.union)
        var cov = c.selecting(all, all)
        var offset = 0
        for i in 0..<d.taskCount {
            var psi = model.taskKernel(i).gram(d.inputs[i])
            psi.addToDiagonal(model.noise(i))
            for b in 0..<psi.cols { for a in 0..<psi.rows { cov[offset + a, offset + b] += psi[a, b] } }
            offset += psi.rows
        }
        let chol = try Cholesky(cov, policy: exact)
        let r = y.map { $0 - model.priorMeans[0] }
        return -0.5 * dot(r, chol.solve(r)) - 0.5 * chol.logDeterminant - 0.5 * Double(r.count) * Math.logTwoPi
    }

    @Test func oneTaskIsTheExactGP() throws {
        let data = try Self.tasks(1, points: 15, seed: 1)
        var model = try MagmaClust.magma(data: data, meanKernel: RBF(lengthscale: [2], variance: 1.5),
                                         taskKernel: Matern32(lengthscale: [0.7], variance: 0.4), noise: 0.05,
                                         priorMean: 0.3, jitter: Self.exact)
        let bound = try model.expectationStep()
        // y₁ ~ N(m0, K0 + C1 + σ²I): the exact GP with kernel k0 + c1.
        let gp = ExactGP(kernel: SumKernel([model.meanKernel(0), model.taskKernel(0)]),
                         likelihood: GaussianLikelihood(variance: 0.05), mean: ConstantMean(0.3))
        let x = data.inputs[0], y = data.targets[0]
        let reference = try gp.logMarginalLikelihood(x, y)
        #expect(abs(bound - reference) <= 1e-8 * abs(reference))
        // The hyper-posterior is GP regression of y₁ with prior N(m0, K0) and noise Ψ₁:
        // m̂ = m0 + K0 (K0 + Ψ)⁻¹ (y − m0), K̂ = K0 − K0 (K0 + Ψ)⁻¹ K0 on the task's inputs.
        let k0 = model.meanKernel(0).gram(x)
        var psi = model.taskKernel(0).gram(x)
        psi.addToDiagonal(0.05)
        let c = try Cholesky(k0 + psi, policy: Self.exact)
        let mRef = matvec(k0, c.solve(y.map { $0 - 0.3 })).map { $0 + 0.3 }
        let kRef = k0 - matmul(k0, c.solve(k0))
        let q = model.posteriors[0], rows = data.indices[0]
        for a in rows.indices {
            #expect(abs(q.mean[rows[a]] - mRef[a]) <= 1e-7 * (1 + abs(mRef[a])))
            for b in rows.indices { #expect(abs(q.covariance[rows[a], rows[b]] - kRef[a, b]) <= 1e-7) }
        }
    }

    @Test(arguments: [true, false])
    func boundEqualsDenseMarginalAndNeverDecreases(sharedTasks: Bool) throws {
        let data = try Self.tasks(4, points: 8, seed: 2)
        #expect(data.union.rows < 32)   // inputs on a 0.05 lattice: tasks share some inputs
        // A Matérn-3/2 mean kernel: C stays well conditioned on inputs 0.05 apart, so no factorisation needs
        // jitter and the identity holds to rounding.
        var model = try MagmaClust.magma(data: data, meanKernel: Matern32(lengthscale: [1.5], variance: 1),
                                         taskKernel: RBF(lengthscale: [1], variance: 0.3), noise: 0.1,
                                         sharedTaskKernel: sharedTasks, jitter: Self.exact)
        let (bound, jitter) = try model.eStep(updateMemberships: true)
        #expect(jitter == 0)
        let dense = try Self.denseMarginal(model)
        #expect(abs(bound - dense) <= 1e-8 * abs(dense))
        var options = MagmaClust.defaultFitOptions
        options.relativeTolerance = 1e-7
        options.maxIterations = 15
        options.screen = nil
        let report = try model.fit(options: options)
        for (a, b) in zip(report.history, report.history.dropFirst()) { #expect(b >= a - 1e-9 * abs(a)) }
        #expect(report.history.last! > report.history.first!)
        #expect(report.maxJitter == 0)
        #expect(abs(report.objective - (try Self.denseMarginal(model))) <= 1e-8 * abs(report.objective))
    }

    @Test func mStepGradientsMatchFiniteDifferences() throws {
        var g = SeededGenerator(seed: 3)
        let x = Matrix(column: (0..<7).map { _ in 5 * g.uniform() })
        func spd(_ n: Int) -> Matrix {
            var a = Matrix(rows: n, cols: n)
            for i in a.storage.indices { a.storage[i] = g.normal() }
            var s = matmul(a, a, .none, .transposed)
            s.addToDiagonal(0.5)
            return s
        }
        let block = ExpectedDensityBlock(x: x, statistic: spd(7), weight: 1.3)
        let additive = ExpectedDensityBlock(x: x, statistic: spd(7), weight: 0.7, additive: spd(7))
        let objectives = [
            ExpectedLogDensity(kernel: RBF(lengthscale: [0.4], variance: 1.2), noise: nil, blocks: [block]),
            ExpectedLogDensity(kernel: Matern52(lengthscale: [1.1], variance: 0.6), noise: Parameter("variance", 0.2),
                               blocks: [block, additive]),
        ]
        for o in objectives {
            let check = try FiniteDifferences.check(o)
            #expect(check.error < 1e-6, "analytic \(check.analytic) numeric \(check.numeric)")
        }
    }

    @Test func commonGridPathEqualsGeneralPath() throws {
        let data = try Self.tasks(6, points: 12, clusters: 2, common: true, seed: 4)
        #expect(data.isCommonGrid)
        let tau = (0..<6).map { i in i % 2 == 0 ? [0.8, 0.2] : [0.3, 0.7] }
        var fast = try MagmaClust(data: data, clusters: 2, meanKernel: RBF(lengthscale: [2], variance: 2),
                                  taskKernel: RBF(lengthscale: [1], variance: 0.3), noise: 0.1, memberships: tau)
        var general = fast
        general.useCommonGrid = false
        #expect(fast.commonGrid && !general.commonGrid)
        let a = try fast.expectationStep(updateMemberships: true), b = try general.expectationStep(updateMemberships: true)
        #expect(abs(a - b) <= 1e-9 * abs(a))
        for k in 0..<2 {
            for (u, v) in zip(fast.posteriors[k].mean, general.posteriors[k].mean) { #expect(abs(u - v) <= 1e-9 * (1 + abs(u))) }
            for (u, v) in zip(fast.memberships.flatMap { $0 }, general.memberships.flatMap { $0 }) { #expect(abs(u - v) <= 1e-9) }
        }
        var options = MagmaClust.defaultFitOptions
        options.maxIterations = 3
        options.screen = nil
        let ra = try fast.fit(options: options), rb = try general.fit(options: options)
        #expect(abs(ra.objective - rb.objective) <= 1e-6 * abs(ra.objective))
        for (p, q) in zip(fast.parameters, general.parameters) {
            for (u, v) in zip(p.value, q.value) { #expect(abs(u - v) <= 1e-5 * (1 + abs(u)), "\(p.name)") }
        }
    }

    /// With one cluster and shared hyperparameters the new task's predictive is the dense Gaussian conditional
    /// p(f*(t^p) | all training y, y°): the training tasks, the new task and the mean process jointly Gaussian.
    @Test func newTaskPredictionIsJointConditioning() throws {
        let data = try Self.tasks(3, points: 6, seed: 5)
        var model = try MagmaClust.magma(data: data, meanKernel: RBF(lengthscale: [2], variance: 1.5),
                                         taskKernel: RBF(lengthscale: [0.8], variance: 0.3), noise: 0.1,
                                         priorMean: 0.2, jitter: Self.exact)
        try model.expectationStep()
        let xo = Matrix(column: [0.5, 2.25, 4]), yo = [0.3, 1.1, -0.4]
        let xp = Matrix(column: [1, 3.3, 6])
        let p = try model.predict(observed: xo, yo, at: xp, includeNoise: false)
        // Joint covariance of (y_train, y°, f*_p) with f* = μ0 + f_new.
        let d = data
        let allX = Matrix(stacking: Matrix(stacking: Matrix(column: d.inputs.flatMap { $0.storage }), xo), xp)
        let n = allX.rows, nt = n - 6
        var cov = model.meanKernel(0).gram(allX)
        let task = model.taskKernel(0)
        var offset = 0
        for i in 0..<d.taskCount {
            let psi = task.gram(d.inputs[i])
            for b in 0..<psi.cols { for a in 0..<psi.rows { cov[offset + a, offset + b] += psi[a, b] } }
            offset += psi.rows
        }
        let newX = Matrix(stacking: xo, xp), cNew = task.gram(newX)
        for b in 0..<6 { for a in 0..<6 { cov[nt + a, nt + b] += cNew[a, b] } }
        for a in 0..<(nt + 3) { cov[a, a] += 0.1 }
        let obs = Array(0..<(nt + 3)), pred = Array((nt + 3)..<n)
        let yAll = d.targets.flatMap { $0 } + yo
        let c = try Cholesky(cov.selecting(obs, obs), policy: Self.exact)
        let cross = cov.selecting(pred, obs)
        let mean = matvec(cross, c.solve(yAll.map { $0 - 0.2 })).map { $0 + 0.2 }
        let variance = cov.selecting(pred, pred) - matmul(cross, c.solve(cross.transposed))
        for j in 0..<3 {
            #expect(abs(p.mean[j] - mean[j]) <= 1e-7 * (1 + abs(mean[j])))
            #expect(abs(p.variance[j] - variance[j, j]) <= 1e-7)
        }
        #expect(p.memberships == [1])
    }

    @Test func oneClusterIsMagma() throws {
        let data = try Self.tasks(5, points: 10, seed: 6)
        var magma = try MagmaClust.magma(data: data, meanKernel: RBF(lengthscale: [2], variance: 1),
                                         taskKernel: RBF(lengthscale: [1], variance: 0.3), noise: 0.1)
        var clust = try MagmaClust(data: data, clusters: 1, meanKernel: RBF(lengthscale: [2], variance: 1),
                                   taskKernel: RBF(lengthscale: [1], variance: 0.3), noise: 0.1,
                                   hypotheses: MagmaHypotheses(sharedMeanKernel: false, sharedTaskKernel: true), seed: 9)
        var options = MagmaClust.defaultFitOptions
        options.maxIterations = 4
        options.screen = nil
        let a = try magma.fit(options: options), b = try clust.fit(options: options)
        #expect(clust.memberships.allSatisfy { $0 == [1] } && clust.mixingWeights == [1])
        #expect(a.history == b.history)
        #expect(magma.parameters.flatMap(\.value) == clust.parameters.flatMap(\.value))
    }

    /// Against scikit-learn's `adjusted_rand_score` on the same labelings (values printed by scikit-learn 1.x).
    @Test func adjustedRandIndexMatchesScikitLearn() {
        #expect(abs(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2]) - 0.5714285714285714) < 1e-15)
        #expect(abs(adjustedRandIndex([0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 2, 2, 3, 3]) - 0.36363636363636365) < 1e-15)
        #expect(abs(adjustedRandIndex([0, 1, 2, 0, 1, 2, 0, 1, 2], [1, 1, 2, 0, 1, 2, 0, 0, 2]) - 0.4074074074074074) < 1e-15)
        #expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0]) == 1)
    }

    @Test func clustersAreRecoveredAndLabelSwitchingInvariant() throws {
        let data = try Self.tasks(9, points: 10, clusters: 3, seed: 7)
        let truth = (0..<9).map { $0 % 3 }
        var model = try MagmaClust(data: data, clusters: 3, meanKernel: RBF(lengthscale: [2], variance: 4),
                                   taskKernel: RBF(lengthscale: [1], variance: 0.3), noise: 0.1, seed: 3)
        var options = MagmaClust.defaultFitOptions
        options.maxIterations = 8
        options.relativeTolerance = 0   // the same number of iterations for both labelings
        options.screen = nil
        let report = try model.fit(options: options)
        for (a, b) in zip(report.history, report.history.dropFirst()) { #expect(b >= a - 1e-9 * abs(a)) }
        for row in model.memberships { #expect(abs(row.reduce(0, +) - 1) <= 1e-12) }
        #expect(adjustedRandIndex(model.labels, truth) == 1)
        // Relabelled start: the same fit with permuted cluster columns.
        let perm = [2, 0, 1]
        var start = try MagmaClust(data: data, clusters: 3, meanKernel: RBF(lengthscale: [2], variance: 4),
                                   taskKernel: RBF(lengthscale: [1], variance: 0.3), noise: 0.1, seed: 3)
        let permuted = start.memberships.map { row in perm.map { row[$0] } }
        start = try MagmaClust(data: data, clusters: 3, meanKernel: RBF(lengthscale: [2], variance: 4),
                               taskKernel: RBF(lengthscale: [1], variance: 0.3), noise: 0.1, memberships: permuted)
        // One E-step from the relabelled start: the same bound, permuted posteriors, to rounding.
        var original = try MagmaClust(data: data, clusters: 3, meanKernel: RBF(lengthscale: [2], variance: 4),
                                      taskKernel: RBF(lengthscale: [1], variance: 0.3), noise: 0.1, seed: 3)
        var relabelled = start
        let e1 = try original.expectationStep(), e2 = try relabelled.expectationStep()
        #expect(abs(e1 - e2) <= 1e-12 * abs(e1))
        for k in 0..<3 {
            for (u, v) in zip(relabelled.posteriors[k].mean, original.posteriors[perm[k]].mean) { #expect(abs(u - v) <= 1e-10 * (1 + abs(u))) }
        }
        // Whole fits: the shared mean kernel sums the clusters' statistics in another order, and eight rounds
        // of L-BFGS carry that rounding difference to ~1e-7 relative.
        let r2 = try start.fit(options: options)
        #expect(abs(r2.objective - report.objective) <= 1e-6 * abs(report.objective))
        #expect(adjustedRandIndex(start.labels, model.labels) == 1)
        for i in 0..<9 { for k in 0..<3 { #expect(abs(start.memberships[i][k] - model.memberships[i][perm[k]]) <= 1e-6) } }
    }

    /// Every hypothesis (H00, Hk0, H0i, Hki) keeps one kernel per shared group, fits with a never-decreasing ELBO,
    /// and keeps memberships summing to one.
    @Test(arguments: [(true, true), (false, true), (true, false), (false, false)])
    func everyHypothesisFits(sharedMean: Bool, sharedTask: Bool) throws {
        let data = try Self.tasks(6, points: 8, clusters: 2, seed: 12)
        let h = MagmaHypotheses(sharedMeanKernel: sharedMean, sharedTaskKernel: sharedTask)
        var model = try MagmaClust(data: data, clusters: 2, meanKernel: RBF(lengthscale: [2], variance: 4),
                                   taskKernel: RBF(lengthscale: [1], variance: 0.3), noise: 0.1, hypotheses: h, seed: 1)
        #expect(model.meanKernels.count == (sharedMean ? 1 : 2) && model.taskKernels.count == (sharedTask ? 1 : 6))
        #expect(model.taskNoise.count == model.taskKernels.count)
        var options = MagmaClust.defaultFitOptions
        options.maxIterations = 4
        options.relativeTolerance = 0
        let report = try model.fit(options: options)
        for (a, b) in zip(report.history, report.history.dropFirst()) { #expect(b >= a - 1e-9 * abs(a), "\(h.name)") }
        for row in model.memberships { #expect(abs(row.reduce(0, +) - 1) <= 1e-12) }
        // A new task predicts under every hypothesis (task-specific: its own kernel fitted by EM on the mixture).
        let p = try model.predict(observed: Matrix(column: [1, 2, 3]), [0.5, 1, 1.2], at: Matrix(column: [4, 5]))
        #expect(abs(p.memberships.reduce(0, +) - 1) <= 1e-12 && p.variance.allSatisfy { $0 > 0 })
    }

    @Test func mixtureSummaryMatchesMonteCarlo() throws {
        let comps: [(weight: Double, mean: Double, sd: Double)] = [(0.5, -1, 0.5), (0.3, 2, 1), (0.2, 0.5, 0.2)]
        let p = MagmaPrediction(memberships: comps.map(\.weight), clusterMeans: comps.map { [$0.mean] },
                                clusterCovariances: comps.map { Matrix(scalar: $0.sd * $0.sd) }, includesNoise: false)
        var g = SeededGenerator(seed: 11)
        let n = 200_000
        var draws: [Double] = []
        draws.reserveCapacity(n)
        for _ in 0..<n {
            let u = g.uniform()
            let c = u < 0.5 ? comps[0] : (u < 0.8 ? comps[1] : comps[2])
            draws.append(c.mean + c.sd * g.normal())
        }
        let mean = draws.reduce(0, +) / Double(n)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        // Monte Carlo standard errors: sd/√n for the mean, ≈ √(2/n)·var·(kurtosis factor) for the variance.
        #expect(abs(p.mean[0] - mean) <= 4 * (variance / Double(n)).squareRoot())
        #expect(abs(p.variance[0] - variance) <= 4 * variance * (3.0 / Double(n)).squareRoot())
        draws.sort()
        let lo = draws[Int(0.025 * Double(n))], hi = draws[Int(0.975 * Double(n))]
        #expect(abs(p.lower[0] - lo) <= 0.02 && abs(p.upper[0] - hi) <= 0.03)
    }

    @Test func badDataIsATypedError() throws {
        #expect(throws: MagmaError.noTasks) { try MultiTaskData(taskIDs: [], inputs: [], targets: []) }
        #expect(throws: MagmaError.emptyTask("a")) {
            try MultiTaskData(taskIDs: ["a"], inputs: [Matrix(rows: 0, cols: 1)], targets: [[]])
        }
        #expect(throws: MagmaError.nonFinite(task: "a")) {
            try MultiTaskData(taskIDs: ["a"], inputs: [Matrix(column: [1, .nan])], targets: [[1, 2]])
        }
        let data = try Self.tasks(2, points: 4, seed: 8)
        #expect(throws: MagmaError.clusterCount(requested: 3, tasks: 2)) {
            try MagmaClust(data: data, clusters: 3, meanKernel: RBF(), taskKernel: RBF())
        }
    }

    @Test func inputsMatchWithinTolerance() throws {
        let data = try MultiTaskData(taskIDs: ["a", "b"], inputs: [Matrix(column: [1, 2, 3]), Matrix(column: [2 + 1e-12, 3.5, 1])],
                                     targets: [[0, 0, 0], [0, 0, 0]])
        #expect(data.union.storage == [1, 2, 3, 3.5])
        #expect(data.indices == [[0, 1, 2], [1, 3, 0]])
    }
}
