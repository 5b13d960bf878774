import Foundation
import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Issue 14, DKLGP part (docs/methods/dklgp.md#tests): the ELBO's exact limits, its column decomposition, a dense
/// E_q log p − KL, gradients against finite differences and prediction against dense Gaussian conditioning.
@Suite struct DKLGPTests {
    static func targets(_ x: Matrix, seed: UInt64) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<x.rows).map { Math.sin(6 * x[$0, 0]) * Math.cos(4 * x[$0, 1]) + 0.1 * g.normal() }
    }

    /// A sparse factor as a dense n × n upper-triangular matrix.
    static func dense(_ f: SparseInverseCholesky) -> Matrix {
        var m = Matrix(rows: f.count, cols: f.count)
        for j in 0..<f.count {
            for (k, row) in f.pattern.column(j).enumerated() { m[row, j] = f.values[f.pattern.starts[j] + k] }
        }
        return m
    }

    /// The stored `q.factor` values (ζ on the diagonal) of a dense upper-triangular V on `pattern`.
    static func factorValues(_ v: Matrix, pattern: ConditioningSets) -> [Double] {
        var values = [Double](repeating: 0, count: pattern.nonZeroCount)
        for j in 0..<pattern.count {
            for (k, row) in pattern.column(j).enumerated() {
                values[pattern.starts[j] + k] = row == j ? DKLGPVariational.logDiagonal(v[row, j]) : v[row, j]
            }
        }
        return values
    }

    /// V upper triangular with VVᵀ = P: the reversed Cholesky factor of the reversed P.
    static func upperFactor(_ p: Matrix) throws -> Matrix {
        let n = p.rows
        var reversed = Matrix(rows: n, cols: n)
        for i in 0..<n { for k in 0..<n { reversed[i, k] = p[n - 1 - i, n - 1 - k] } }
        let l = try Cholesky(reversed).lower
        var v = Matrix(rows: n, cols: n)
        for i in 0..<n { for k in 0..<n { v[i, k] = l[n - 1 - i, n - 1 - k] } }
        return v
    }

    /// log N(y; 0, Σ) densely.
    static func logNormal(_ y: [Double], covariance: Matrix) throws -> Double {
        let l = try Cholesky(covariance)
        let z = l.solveLower(y)
        return -0.5 * dot(z, z) - 0.5 * l.logDeterminant - 0.5 * Double(y.count) * Math.logTwoPi
    }

    /// A model with q perturbed away from p̃ (seeded), on `structure`.
    static func perturbed(_ model: DKLGP, _ x: Matrix, structure: DKLGPStructure, seed: UInt64) throws -> DKLGP {
        var m = model
        try m.initialiseVariational(x, structure: structure)
        var g = SeededGenerator(seed: seed)
        let pattern = structure.posterior
        // ν = U⁻ᵀε: a draw from p̃ (so Uᵀν = ε stays O(1) and the ELBO's scale moderate).
        var nu = (0..<pattern.count).map { _ in g.normal() }
        trsv(.upper, .transposed, dense(try m.priorFactor(x, structure: structure)), &nu)
        m.variational!.mean.value = nu
        for j in 0..<pattern.count {
            for e in pattern.starts[j]..<pattern.starts[j + 1] {
                // ζ shifted, off-diagonals scaled: V stays as well conditioned as U.
                if e == pattern.starts[j + 1] - 1 { m.variational!.factor.value[e] += 0.2 * g.normal() } else {
                    m.variational!.factor.value[e] *= 1 + 0.3 * g.normal()
                }
            }
        }
        return m
    }

    static let kernel = Matern32(lengthscale: [0.3, 0.5], variance: 0.8)

    /// Test 4: a Gaussian likelihood and a dense V set to the optimum (VVᵀ = UUᵀ + I/σ², ν = (VVᵀ)⁻¹y/σ²): the ELBO is
    /// log N(y; 0, (UUᵀ)⁻¹ + σ²I) and its gradient with respect to ν and V vanishes.
    @Test func gaussianOptimumIsTheMarginalOfTheSparsePrior() throws {
        let n = 60, noise = 0.1
        let x = VecchiaTests.uniformPoints(n, 2, seed: 1), y = Self.targets(x, seed: 2)
        var model = DKLGP(kernel: Self.kernel, likelihood: GaussianLikelihood(variance: noise), neighbours: 5, ancestors: .exact)
        let vecchia = VecchiaStructure(x, scales: [0.3, 0.5], neighbours: 5)
        let structure = DKLGPStructure(x, vecchia: vecchia, posterior: .complete(count: n), rule: .exact)
        let u = Self.dense(try model.priorFactor(x, structure: structure))
        let priorPrecision = matmul(u, u, .none, .transposed)
        var precision = priorPrecision
        for i in 0..<n { precision[i, i] += 1 / noise }
        let v = try Self.upperFactor(precision)
        let yPositions = structure.ordering.order.map { y[$0] }
        let nu = try Cholesky(precision).solve(yPositions.map { $0 / noise })
        model.variational = DKLGPVariational(structure: structure, mean: nu, factor: Self.factorValues(v, pattern: structure.posterior))
        let objective = DKLGPObjective(model: model, x: x, y: y)
        let elbo = try objective.evaluate(batch: nil)
        var covariance = try Cholesky(priorPrecision).inverse()
        for i in 0..<n { covariance[i, i] += noise }
        let reference = try Self.logNormal(yPositions, covariance: covariance)
        #expect(abs(elbo.value - reference) < 1e-8 * max(1, abs(reference)), "ELBO \(elbo.value), log N \(reference)")
        let qGradient = elbo.gradient[elbo.gradient.count - 2] + elbo.gradient[elbo.gradient.count - 1]
        #expect(qGradient.allSatisfy { abs($0) < 1e-6 }, "largest q gradient \(qGradient.map(abs).max()!)")
    }

    /// Test 4, second part: complete prior sets as well (m = n − 1) — the ELBO at the optimum is the exact LML of
    /// y ~ N(0, K + τI + σ²I), and prediction is the exact GP's (latent variance plus the nugget τ).
    @Test func completeSetsReproduceTheExactGP() throws {
        let n = 50, noise = 0.05
        let x = VecchiaTests.uniformPoints(n, 2, seed: 3), y = Self.targets(x, seed: 4)
        var model = DKLGP(kernel: Self.kernel, likelihood: GaussianLikelihood(variance: noise), neighbours: n, ancestors: .exact)
        let structure = model.structure(x)
        #expect(structure.prior == ConditioningSets.complete(count: n))
        let u = Self.dense(try model.priorFactor(x, structure: structure))
        var precision = matmul(u, u, .none, .transposed)
        for i in 0..<n { precision[i, i] += 1 / noise }
        let v = try Self.upperFactor(precision)
        let nu = try Cholesky(precision).solve(structure.ordering.order.map { y[$0] / noise })
        model.variational = DKLGPVariational(structure: structure, mean: nu, factor: Self.factorValues(v, pattern: structure.posterior))
        let elbo = try DKLGPObjective(model: model, x: x, y: y).fullValue()
        let exact = ExactGP(kernel: Self.kernel, likelihood: GaussianLikelihood(variance: noise + model.nugget))
        let lml = try exact.marginalLikelihood(x, y).value()
        #expect(abs(elbo - lml) < 1e-8 * max(1, abs(lml)), "ELBO \(elbo), exact LML \(lml)")
        let xs = VecchiaTests.uniformPoints(20, 2, seed: 5)
        let p = try model.posterior(x).predict(at: xs)
        let e = try exact.posterior(x, y).predict(at: xs)
        #expect(zip(p.mean, e.mean).allSatisfy { abs($0 - $1) < 1e-8 }, "means \(p.mean) vs \(e.mean)")
        #expect(zip(p.variance, e.variance).allSatisfy { abs($0 - model.nugget - $1) < 1e-8 }, "variances \(p.variance) vs \(e.variance)")
    }

    /// Test 5: with exact ancestor sets, the column terms summed over a partition reproduce the full ELBO, which equals
    /// a dense Σⱼ E_{N(νⱼ, Σ_q,jj)}[log p(yⱼ | fⱼ)] − KL[q ‖ p̃] (logit likelihood, q away from p̃). The reduced rule with
    /// an unbounded radius and cap contains every closure, so it is exact too.
    /// The gradient's two accumulators agree: the full data (dense per-chunk arrays, V̄ added straight from the
    /// block sweep, chunk arrays summed into the first) equals the sum over a partition into pairs of columns
    /// ((index, value) pairs, V̄ through a block-sized buffer), every parameter to 1e-12 relative.
    @Test func denseAndPairGradientAccumulationAgree() throws {
        let n = 60
        let x = VecchiaTests.uniformPoints(n, 2, seed: 31)
        let y = Self.targets(x, seed: 32)
        let base = DKLGP(kernel: Self.kernel, likelihood: StudentT(scale: 0.3, degreesOfFreedom: 3), neighbours: 4,
                         ancestors: .reduced(rho: 2, cap: 8))
        let model = try Self.perturbed(base, x, structure: base.structure(x), seed: 33)
        let objective = DKLGPObjective(model: model, x: x, y: y)
        let structure = model.variational!.structure
        let nnz = structure.posterior.nonZeroCount
        // The objective's rule: dense when Σ|A(j)| (nnz/n + 1) exceeds nnz.
        func touched(_ cols: [Int]) -> Int {
            cols.reduce(0) { $0 + (structure.ancestors.starts[$1 + 1] - structure.ancestors.starts[$1]) } * (nnz / n + 1)
        }
        let all = Array(0..<n)
        #expect(touched(all) > nnz)
        let full = try objective.terms(columns: all, scale: 1, gradient: true)
        var summed = full.gradient.map { [Double](repeating: 0, count: $0.count) }
        var value = 0.0
        for start in stride(from: 0, to: n, by: 2) {
            let part = [start, start + 1]
            #expect(touched(part) <= nnz)
            let t = try objective.terms(columns: part, scale: 1, gradient: true)
            value += t.value
            for i in summed.indices { for k in summed[i].indices { summed[i][k] += t.gradient[i][k] } }
        }
        #expect(abs(value - full.value) < 1e-12 * abs(full.value))
        for i in summed.indices {
            let size = full.gradient[i].reduce(0) { max($0, abs($1)) }
            for k in summed[i].indices {
                #expect(abs(summed[i][k] - full.gradient[i][k]) <= 1e-12 * max(size, 1), "parameter \(i)[\(k)]: \(summed[i][k]) vs \(full.gradient[i][k])")
            }
        }
    }

    @Test func columnsPartitionTheELBOAndMatchADenseComputation() throws {
        let n = 50
        let x = VecchiaTests.uniformPoints(n, 2, seed: 6)
        let y = Self.targets(x, seed: 7).map { $0 > 0 ? 1.0 : 0.0 }
        let base = DKLGP(kernel: Self.kernel, likelihood: Bernoulli(link: .logit), neighbours: 4, ancestors: .exact)
        let model = try Self.perturbed(base, x, structure: base.structure(x), seed: 8)
        let objective = DKLGPObjective(model: model, x: x, y: y)
        let full = try objective.fullValue()
        var g = SeededGenerator(seed: 9)
        var columns = Array(0..<n)
        columns.shuffle(using: &g)
        let parts = [Array(columns[0..<7]), Array(columns[7..<30]), Array(columns[30...])]
        let summed = try parts.reduce(0) { $0 + (try objective.columnSum($1)) } + 0.5 * Double(n)
        #expect(abs(summed - full) < 1e-10 * abs(full), "partition \(summed), full \(full)")
        // Dense: Σ_p⁻¹ = UUᵀ, Σ_q = (VVᵀ)⁻¹.
        let q = model.variational!
        let u = Self.dense(try model.priorFactor(x, structure: q.structure))
        let v = Self.dense(q.factorValues)
        var vInvU = u
        trsm(.left, .upper, .none, v, &vInvU)
        var vInv = Matrix.identity(n)
        trsm(.left, .upper, .none, v, &vInv)
        let nu = q.mean.value
        let unu = matvec(u, nu, .transposed)
        var logDetU = 0.0, logDetV = 0.0
        for j in 0..<n {
            logDetU += Math.log(u[j, j])
            logDetV += Math.log(v[j, j])
        }
        // KL = ½[tr(UUᵀ Σ_q) + νᵀUUᵀν − n + log|Σ_p| − log|Σ_q|], tr(UUᵀ V⁻ᵀV⁻¹) = ‖V⁻¹U‖²_F.
        let kl = 0.5 * (vInvU.storage.reduce(0) { $0 + $1 * $1 } + dot(unu, unu) - Double(n) - 2 * logDetU + 2 * logDetV)
        let order = q.structure.ordering.order
        var expected = 0.0
        for j in 0..<n {
            var variance = 0.0
            for k in 0..<n { variance += vInv[k, j] * vInv[k, j] }
            expected += model.likelihood.expectation(y[order[j]], mean: nu[j], variance: variance).value
        }
        #expect(abs(full - (expected - kl)) < 1e-9 * abs(full), "ELBO \(full), dense \(expected - kl)")
        var wide = model
        wide.ancestors = .reduced(rho: 1e9, cap: n)
        let reducedStructure = wide.structure(x)
        wide.variational = DKLGPVariational(structure: reducedStructure, mean: q.mean.value, factor: q.factor.value)
        let reduced = try DKLGPObjective(model: wide, x: x, y: y).fullValue()
        #expect(abs(reduced - full) < 1e-10 * abs(full), "reduced \(reduced), exact \(full)")
    }

    /// Reduced ancestor sets contain the prior sets, are sorted with the column last, respect the cap, and equal a
    /// brute-force application of the rule: the prior set, then the earlier points within ρ·ℓᵢ by increasing
    /// distance / ℓᵢ (the first point, ℓ = ∞, first), up to the cap. k-d tree queries in 2 dimensions, the dgemm scan
    /// in 9.
    @Test(arguments: [(400, 2, UInt64(10)), (250, 9, UInt64(11))])
    func reducedAncestorSetsFollowTheRule(n: Int, dimension: Int, seed: UInt64) {
        let x = VecchiaTests.uniformPoints(n, dimension, seed: seed)
        let rho = 1.5, cap = 20
        let vecchia = VecchiaStructure(x, scales: [Double](repeating: 1, count: dimension), neighbours: 6)
        let sets = AncestorSets.reduced(x, ordering: vecchia.ordering, seeds: vecchia.sets, rho: rho, cap: cap)
        let order = vecchia.ordering.order, lengths = vecchia.ordering.lengths
        func distance(_ a: Int, _ b: Int) -> Double {
            var s = 0.0
            for c in 0..<dimension {
                let t: Double = x[order[a], c] - x[order[b], c]
                s += t * t
            }
            return s.squareRoot()
        }
        for j in 0..<x.rows {
            let a = Array(sets.column(j)), s = Array(vecchia.sets.column(j))
            #expect(a.last == j && a == a.sorted() && Set(a).count == a.count)
            #expect(Set(s).isSubset(of: Set(a)))
            #expect(a.count - 1 <= max(cap, s.count - 1))
            var candidates: [(position: Int, ratio: Double)] = []
            for i in 0..<j where !s.contains(i) {
                let l = lengths[i], d = distance(i, j)
                if l.isInfinite { candidates.append((i, 0)) } else if d <= rho * l { candidates.append((i, d / l)) }
            }
            candidates.sort { $0.ratio < $1.ratio || ($0.ratio == $1.ratio && $0.position < $1.position) }
            let kept: [Int] = candidates.prefix(max(0, cap - (s.count - 1))).map(\.position)
            let expected: [Int] = (Array(s.dropLast()) + kept).sorted() + [j]
            #expect(a == expected, "column \(j)")
        }
    }

    /// Gradients of the minibatch estimate with respect to ν, V, kernel and likelihood parameters against central
    /// differences, for several likelihoods and both ancestor rules.
    @Test(arguments: [(0, true), (1, false), (2, true), (3, false)])
    func gradientsMatchFiniteDifferences(likelihoodIndex: Int, exact: Bool) throws {
        let likelihoods: [any ScalarLikelihood] = [GaussianLikelihood(variance: 0.2), StudentT(scale: 2, degreesOfFreedom: 4),
                                                   Poisson(), Bernoulli(link: .probit)]
        let n = 30
        let x = VecchiaTests.uniformPoints(n, 2, seed: 11)
        var y = Self.targets(x, seed: 12)
        if likelihoodIndex == 2 { y = y.map { Double(Int(2 + 2 * $0)) } }
        if likelihoodIndex == 3 { y = y.map { $0 > 0 ? 1 : 0 } }
        let base = DKLGP(kernel: Matern32(lengthscale: [0.3, 0.5], variance: 0.5), likelihood: likelihoods[likelihoodIndex],
                         neighbours: 4, ancestors: exact ? .exact : .reduced(rho: 1.5, cap: 6))
        let model = try Self.perturbed(base, x, structure: base.structure(x), seed: 13)
        let objective = DKLGPObjective(model: model, x: x, y: y)
        let check = try FiniteDifferences.check(objective, batch: [2, 9, 17, 29, 11])
        let worst = check.analytic.indices.max { a, b in
            abs(check.analytic[a] - check.numeric[a]) / max(1e-8, abs(check.analytic[a]) + abs(check.numeric[a]))
                < abs(check.analytic[b] - check.numeric[b]) / max(1e-8, abs(check.analytic[b]) + abs(check.numeric[b]))
        }!
        #expect(check.error < 1e-5, "max relative error \(check.error) at ξ[\(worst)] of \(check.analytic.count): \(check.analytic[worst]) vs \(check.numeric[worst])")
    }

    /// Test 7: prediction (mean −u_cᵀν_c/u_last, variance (1 + ‖V⁻¹u_c‖²)/u_last²) against dense conditioning: f_p | f_c
    /// ~ N(bᵀf_c, d) with b = Θ_cc⁻¹Θ_cp, d = Θ_pp − Θ_pc b, under q(f) = N(ν, (VVᵀ)⁻¹): E = bᵀν_c, Var = d + bᵀΣ_q,cc b.
    /// In 2 dimensions (k-d tree neighbours) and 9 (the dgemm scan, `PreviousPointScan.map(queries:)`).
    @Test(arguments: [2, 9])
    func predictionMatchesDenseConditioning(dimension: Int) throws {
        let n = 45, m = 5
        let kernel = dimension == 2 ? Self.kernel : Matern32(lengthscale: (0..<dimension).map { 0.6 + 0.1 * Double($0) }, variance: 0.8)
        let lengthscales = kernel.lengthscale.value
        let x = VecchiaTests.uniformPoints(n, dimension, seed: 14)
        let base = DKLGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 0.1), neighbours: m, ancestors: .exact)
        let model = try Self.perturbed(base, x, structure: base.structure(x), seed: 15)
        let q = model.variational!
        let xs = VecchiaTests.uniformPoints(8, dimension, seed: 16)
        let p = try model.posterior(x).predict(at: xs)
        let v = Self.dense(q.factorValues)
        var vInv = Matrix.identity(n)
        trsm(.left, .upper, .none, v, &vInv)
        let sigma = matmul(vInv, vInv, .transposed, .none)   // Σ_q = V⁻ᵀV⁻¹
        let order = q.structure.ordering.order
        for t in 0..<xs.rows {
            // The m nearest training points in the scaled inputs (positions).
            let scaled = { (i: Int) -> Double in
                var s = 0.0
                for j in 0..<dimension {
                    let a: Double = (x[order[i], j] - xs[t, j]) / lengthscales[j]
                    s += a * a
                }
                return s
            }
            let c = (0..<n).sorted { scaled($0) < scaled($1) }.prefix(m).sorted()
            var theta = kernel.gram(x.selectingRows(c.map { order[$0] }))
            for a in 0..<m { theta[a, a] += model.nugget }
            let kcp = kernel.cross(x.selectingRows(c.map { order[$0] }), xs.selectingRows([t])).storage
            let b = try Cholesky(theta).solve(kcp)
            let d = kernel.diagonal(xs.selectingRows([t]))[0] + model.nugget - dot(kcp, b)
            let mean = zip(c, b).reduce(0) { $0 + q.mean.value[$1.0] * $1.1 }
            var variance = d
            for (i, ci) in c.enumerated() { for (k, ck) in c.enumerated() { variance += b[i] * sigma[ci, ck] * b[k] } }
            #expect(abs(p.mean[t] - mean) < 1e-9, "mean \(p.mean[t]) vs \(mean)")
            #expect(abs(p.variance[t] - variance) < 1e-9 * max(1, variance), "variance \(p.variance[t]) vs \(variance)")
        }
    }

    /// Joint prediction against a dense construction: Ṽ = [V W; 0 T] with each test point's prior column on its m
    /// nearest among the training and earlier test points (chosen and factorised here independently), mean
    /// Ṽ⁻ᵀ[Vᵀν; 0] and covariance (Ṽ⁻ᵀṼ⁻¹) on the test block; the first test point's moments equal `predict`'s. In 2
    /// dimensions (k-d tree) and 9 (the dgemm scan).
    @Test(arguments: [2, 9])
    func jointPredictionMatchesTheDenseExtendedFactor(dimension: Int) throws {
        let n = 35, m = 4, count = 7
        let kernel = dimension == 2 ? Self.kernel : Matern32(lengthscale: (0..<dimension).map { 0.6 + 0.1 * Double($0) }, variance: 0.8)
        let lengthscales = kernel.lengthscale.value
        let x = VecchiaTests.uniformPoints(n, dimension, seed: 33)
        // Test points close together, so that later ones condition on earlier ones.
        var xs = VecchiaTests.uniformPoints(count, dimension, seed: 34)
        for t in 0..<count { for j in 0..<dimension { xs[t, j] = 0.4 + 0.2 * xs[t, j] } }
        let base = DKLGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 0.1), neighbours: m, ancestors: .exact)
        let model = try Self.perturbed(base, x, structure: base.structure(x), seed: 35)
        let q = model.variational!, order = q.structure.ordering.order
        let posterior = try model.posterior(x)
        let joint = try posterior.predictJoint(at: xs)
        // The extended points: training positions 0..<n, then the test points.
        func point(_ e: Int) -> [Double] { e < n ? x.row(order[e]) : xs.row(e - n) }
        func scaledDistance(_ a: [Double], _ b: [Double]) -> Double {
            var s = 0.0
            for j in 0..<dimension {
                let v: Double = (a[j] - b[j]) / lengthscales[j]
                s += v * v
            }
            return s
        }
        let total = n + count
        var vt = Matrix(rows: total, cols: total)
        let v = Self.dense(q.factorValues)
        for i in 0..<n { for j in 0..<n { vt[i, j] = v[i, j] } }
        for t in 0..<count {
            let p = n + t
            let c = (0..<p).sorted { scaledDistance(point($0), point(p)) < scaledDistance(point($1), point(p)) }.prefix(m).sorted()
            let s = c + [p]
            var theta = kernel.gram(Matrix(s.map(point)))
            for a in 0..<s.count { theta[a, a] += model.nugget }
            var u = [Double](repeating: 0, count: s.count)
            u[s.count - 1] = 1
            trsv(.lower, .transposed, try Cholesky(theta).lower, &u)
            for (a, row) in s.enumerated() { vt[row, p] = u[a] }
        }
        var rhs = [Double](repeating: 0, count: total)
        let vtnu = matmul(v, Matrix(column: q.mean.value), .transposed, .none)
        for i in 0..<n { rhs[i] = vtnu[i, 0] }
        trsv(.upper, .transposed, vt, &rhs)   // ν̃ = Ṽ⁻ᵀ [Vᵀν; 0]
        var inverse = Matrix.identity(total)
        trsm(.left, .upper, .none, vt, &inverse)
        let sigma = matmul(inverse, inverse, .transposed, .none)
        for t in 0..<count {
            #expect(abs(joint.mean[t] - rhs[n + t]) < 1e-9 * max(1, abs(rhs[n + t])), "mean \(t): \(joint.mean[t]) vs \(rhs[n + t])")
            for r in 0..<count {
                let reference = sigma[n + t, n + r]
                #expect(abs(joint.covariance[t, r] - reference) < 1e-9 * max(1, abs(reference)), "covariance \(t), \(r)")
            }
        }
        // The test points are correlated through their shared conditioning (not independent marginals).
        #expect((1..<count).contains { t in (0..<t).contains { abs(joint.covariance[t, $0]) > 1e-3 } })
        let marginal = try posterior.predict(at: xs.selectingRows([0]))
        #expect(abs(marginal.mean[0] - joint.mean[0]) < 1e-12 * max(1, abs(marginal.mean[0])))
        #expect(abs(marginal.variance[0] - joint.marginals.variance[0]) < 1e-12 * max(1, marginal.variance[0]))
    }

    /// `DKLGP.ordering` reaches the structure (`.approximate`: `MaximinOrdering.approximate` of the scaled inputs), and a
    /// model file's state keeps it; a state without the key (files written before the option) reads as exact.
    @Test func orderingOptionReachesTheStructureAndTheModelFile() throws {
        let x = VecchiaTests.uniformPoints(120, 2, seed: 30)
        var model = DKLGP(kernel: Self.kernel, likelihood: GaussianLikelihood(variance: 0.1), neighbours: 6)
        #expect(model.ordering == .exact)
        model.ordering = .approximate
        let structure = model.structure(x)
        let scaled = VecchiaStructure.scaled(x, by: structure.scales)
        #expect(structure.ordering == MaximinOrdering.approximate(scaled))
        #expect(structure.ordering != MaximinOrdering.exact(scaled))
        model = try Self.perturbed(model, x, structure: structure, seed: 32)
        let encoded = try JSONEncoder().encode(DKLGPState(model))
        let decoded = try JSONDecoder().decode(DKLGPState.self, from: encoded)
        #expect(decoded.ordering == .approximate && decoded == DKLGPState(model))
        var object = try #require(try JSONSerialization.jsonObject(with: encoded) as? [String: Any])
        #expect(object["ordering"] as? String == "approximate")
        object["ordering"] = nil
        let old = try JSONDecoder().decode(DKLGPState.self, from: try JSONSerialization.data(withJSONObject: object))
        #expect(old.ordering == .exact && old.mean == decoded.mean)
    }

    /// The local-posterior start beats q = p̃; training through the shared engine (Adam on minibatches of columns)
    /// raises the ELBO further and predicts held-out points far better than the prior mean.
    @Test func trainingImprovesTheELBOAndPredicts() throws {
        let x = VecchiaTests.uniformPoints(300, 2, seed: 17), y = Self.targets(x, seed: 18)
        var model = DKLGP(kernel: Matern32(lengthscale: [0.3, 0.3]), likelihood: GaussianLikelihood(variance: 0.1), neighbours: 10)
        let prior = try model.elbo(x, y).fullValue()
        var local = model
        try local.initialiseLocalPosterior(x, y, structure: model.structure(x))
        let start = try local.elbo(x, y).fullValue()
        #expect(start > prior, "the local-posterior start (\(start)) should beat q = p̃ (\(prior))")
        let report = try model.fit(x, y, options: DKLGP.trainingOptions(rows: 300, epochs: 100, batchSize: 100, seed: 1))
        #expect(report.objective > start, "ELBO \(prior) (q = p̃), \(start) (local start) → \(report.objective)")
        let xs = VecchiaTests.uniformPoints(200, 2, seed: 19)
        let truth = (0..<xs.rows).map { Math.sin(6 * xs[$0, 0]) * Math.cos(4 * xs[$0, 1]) }
        let p = try model.posterior(x).predict(at: xs)
        let rmse = (zip(p.mean, truth).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(xs.rows)).squareRoot()
        let spread = (truth.reduce(0) { $0 + $1 * $1 } / Double(xs.rows)).squareRoot()
        print("DKLGP training: ELBO \(prior) (q = p̃), \(start) (local start) → \(report.objective), test RMSE \(rmse) (prior-mean RMSE \(spread))")
        #expect(rmse < 0.3 * spread)
    }
    /// The approximate maximin ordering: a permutation starting at the central point; each ℓ is the exact distance to
    /// the previous points; ℓⱼ ≤ 2ℓᵢ for i < j; and every prefix covers all points within 2ℓ of its last point (exact
    /// maximin: within ℓ of the next). Brute force, O(n²).
    @Test(arguments: [(300, 2, UInt64(20)), (250, 5, UInt64(21)), (120, 1, UInt64(22))])
    func approximateMaximinIsATwoApproximation(n: Int, d: Int, seed: UInt64) {
        let x = VecchiaTests.uniformPoints(n, d, seed: seed)
        let o = MaximinOrdering.approximate(x)
        #expect(o.order.sorted() == Array(0..<n))
        #expect(o.order[0] == MaximinOrdering.centralPoint(x))
        func distance(_ a: Int, _ b: Int) -> Double { (0..<d).reduce(0) { $0 + (x[a, $1] - x[b, $1]) * (x[a, $1] - x[b, $1]) }.squareRoot() }
        var nearest = (0..<n).map { distance($0, o.order[0]) }   // distance of every point to the prefix
        var smallest = Double.infinity
        for k in 1..<n {
            let p = o.order[k]
            #expect(abs(o.lengths[k] - nearest[p]) <= 1e-12, "ℓ at \(k)")
            #expect(o.lengths[k] <= 2 * smallest * (1 + 1e-12), "ℓ at \(k) exceeds twice an earlier one")
            smallest = min(smallest, o.lengths[k])
            let cover = o.order[k...].map { nearest[$0] }.max()!
            #expect(cover <= 2 * o.lengths[k] * (1 + 1e-12), "the prefix before \(k) leaves a point at \(cover) > 2ℓ")
            for q in 0..<n { nearest[q] = min(nearest[q], distance(q, p)) }
        }
    }
}
