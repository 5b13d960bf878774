import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Issue 14, Vecchia part: the ordering and neighbour sets against brute force, and the Vecchia likelihood at its
/// exact limit (complete sets) against the exact GP (docs/methods/vecchia.md#tests).
@Suite struct VecchiaTests {
    static func uniformPoints(_ n: Int, _ d: Int, seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        var x = Matrix(rows: n, cols: d)
        for i in 0..<n { for j in 0..<d { x[i, j] = g.uniform() } }
        return x
    }

    static func squaredDistance(_ x: Matrix, _ a: Int, _ b: Int) -> Double {
        (0..<x.cols).reduce(0) { $0 + (x[a, $1] - x[b, $1]) * (x[a, $1] - x[b, $1]) }
    }

    /// The O(n²) reference: the same start (nearest the centroid), the farthest unselected point next, ties to
    /// the smaller index, on squared distances.
    static func bruteForceMaximin(_ x: Matrix) -> (order: [Int], lengths: [Double]) {
        let n = x.rows
        let first = MaximinOrdering.centralPoint(x)
        var order = [first], lengths = [Double.infinity]
        var d = (0..<n).map { squaredDistance(x, $0, first) }
        var selected = [Bool](repeating: false, count: n)
        selected[first] = true
        for _ in 1..<n {
            var best = -1
            for j in 0..<n where !selected[j] && (best < 0 || d[j] > d[best]) { best = j }
            selected[best] = true
            order.append(best)
            lengths.append(d[best].squareRoot())
            for j in 0..<n where !selected[j] { d[j] = min(d[j], squaredDistance(x, j, best)) }
        }
        return (order, lengths)
    }

    /// The k-d tree ordering in 1–3 dimensions and the dgemv scan (`MaximinOrdering.scanned`) in 9.
    @Test(arguments: [(400, 2, UInt64(1)), (300, 3, UInt64(2)), (150, 1, UInt64(3)), (250, 9, UInt64(41))])
    func maximinMatchesBruteForce(n: Int, d: Int, seed: UInt64) {
        let x = Self.uniformPoints(n, d, seed: seed)
        let fast = MaximinOrdering.exact(x)
        let slow = Self.bruteForceMaximin(x)
        #expect(fast.order == slow.order)
        #expect(zip(fast.lengths.dropFirst(), slow.lengths.dropFirst()).allSatisfy { abs($0 - $1) <= 1e-15 * max(1, $1) })
        #expect(zip(fast.lengths.dropFirst(2), fast.lengths.dropFirst()).allSatisfy { $0 <= $1 }, "ℓ is non-increasing")
    }

    /// A 12 × 12 grid: every step has many points at the same distance, so the tie rule decides the order.
    @Test func maximinBreaksTiesLikeBruteForce() {
        var x = Matrix(rows: 144, cols: 2)
        for i in 0..<144 {
            x[i, 0] = Double(i % 12)
            x[i, 1] = Double(i / 12)
        }
        #expect(MaximinOrdering.exact(x).order == Self.bruteForceMaximin(x).order)
    }

    /// The corners of the 9-cube {0, 1, 2}³ × {0, 1}⁶ (576 points, integer distances: exact in the dgemv scan too):
    /// the scan's ties follow the same rule.
    @Test func maximinScanBreaksTiesLikeBruteForce() {
        var x = Matrix(rows: 576, cols: 9)
        for i in 0..<576 {
            var r = i
            for j in 0..<3 { x[i, j] = Double(r % 3); r /= 3 }
            for j in 3..<9 { x[i, j] = Double(r % 2); r /= 2 }
        }
        let fast = MaximinOrdering.exact(x), slow = Self.bruteForceMaximin(x)
        #expect(fast.order == slow.order)
        #expect(fast.lengths == slow.lengths)
    }

    /// The m nearest previous points of every point equal a brute-force search (ties: the smaller index), and every
    /// column lists its previous positions in increasing order with itself last: k-d tree queries in 2 dimensions,
    /// the dgemm scan (`PreviousPointScan`) in 10.
    @Test(arguments: [(500, 2, UInt64(4)), (300, 10, UInt64(40))])
    func nearestPreviousNeighboursMatchBruteForce(n: Int, d: Int, seed: UInt64) {
        #expect(PreviousPointScan.preferred(dimension: d) == (d == 10))
        let x = Self.uniformPoints(n, d, seed: seed)
        let ordering = MaximinOrdering.exact(x)
        let m = 7
        let sets = ConditioningSets.nearestPrevious(x, order: ordering.order, neighbours: m)
        for i in 0..<x.rows {
            let me = ordering.order[i]
            let previous = (0..<i).sorted {
                let a = Self.squaredDistance(x, ordering.order[$0], me), b = Self.squaredDistance(x, ordering.order[$1], me)
                return a < b || (a == b && ordering.order[$0] < ordering.order[$1])
            }
            let expected = Array(previous.prefix(m)).sorted() + [i]
            #expect(Array(sets.column(i)) == expected, "column \(i)")
        }
    }

    static func data(n: Int, seed: UInt64) -> (x: Matrix, y: [Double], model: VecchiaGP) {
        let x = uniformPoints(n, 2, seed: seed)
        var g = SeededGenerator(seed: seed + 100)
        let y = (0..<n).map { Math.sin(6 * x[$0, 0]) * Math.cos(4 * x[$0, 1]) + 0.1 * g.normal() }
        let model = VecchiaGP(kernel: Matern32(lengthscale: [0.3, 0.5], variance: 0.8),
                              likelihood: GaussianLikelihood(variance: 0.05), neighbours: n - 1)
        return (x, y, model)
    }

    /// Complete conditioning sets (m = n − 1): the Vecchia log-likelihood and its gradient are the exact GP's.
    @Test func completeSetsReproduceTheExactLikelihood() throws {
        let (x, y, model) = Self.data(n: 60, seed: 5)
        let vecchia = try model.marginalLikelihood(x, y).evaluate(batch: nil)
        let exactModel = ExactGP(kernel: model.kernel, likelihood: model.likelihood)
        let exact = try exactModel.marginalLikelihood(x, y).evaluate(batch: nil)
        #expect(abs(vecchia.value - exact.value) < 1e-8, "Vecchia \(vecchia.value), exact \(exact.value)")
        let a = vecchia.gradient.flatMap { $0 }, b = exact.gradient.flatMap { $0 }
        #expect(FiniteDifferences.maxRelativeError(a, b) < 1e-8, "gradients \(a) vs \(b)")
    }

    /// With all training points as neighbours, prediction is the exact GP's.
    @Test func allNeighboursPredictLikeTheExactGP() throws {
        let (x, y, model) = Self.data(n: 60, seed: 6)
        let xs = Self.uniformPoints(25, 2, seed: 7)
        var full = model
        full.neighbours = x.rows
        let v = try full.posterior(x, y).predict(at: xs)
        let e = try ExactGP(kernel: model.kernel, likelihood: model.likelihood).posterior(x, y).predict(at: xs)
        #expect(zip(v.mean, e.mean).allSatisfy { abs($0 - $1) < 1e-8 })
        #expect(zip(v.variance, e.variance).allSatisfy { abs($0 - $1) < 1e-8 })
    }

    /// The KL from the exact response distribution to the Vecchia one, ½(Σ log dᵢ − log|Θ|), never increases as m
    /// grows (nested sets) and vanishes for complete sets.
    @Test func klDecreasesWithTheNeighbourCount() throws {
        let (x, y, base) = Self.data(n: 200, seed: 8)
        var theta = base.kernel.gram(x)
        for i in 0..<x.rows { theta[i, i] += base.likelihood.variance.scalar }
        let logDet = try Cholesky(theta).logDeterminant
        var kls: [Double] = []
        for m in [1, 2, 3, 5, 8, 12, 20, 199] {
            var model = base
            model.neighbours = m
            let factor = try model.marginalLikelihood(x, y).responseFactor()
            kls.append(0.5 * (factor.covarianceLogDeterminant - logDet))
        }
        print("Vecchia KL to the exact response distribution, m = 1, 2, 3, 5, 8, 12, 20, n−1: \(kls)")
        #expect(zip(kls.dropFirst(), kls).allSatisfy { $0 <= $1 + 1e-9 })
        #expect(kls.allSatisfy { $0 >= -1e-8 })
        #expect(abs(kls.last!) < 1e-8)
        #expect(kls[0] > 10 * kls[5], "m = 1 should be far worse than m = 12")
    }

    /// Gradients with respect to the unconstrained parameters against central differences, at m = 10.
    @Test func gradientsMatchFiniteDifferences() throws {
        let (x, y, base) = Self.data(n: 150, seed: 9)
        var model = base
        model.neighbours = 10
        let check = try FiniteDifferences.check(model.marginalLikelihood(x, y))
        #expect(check.error < 1e-6, "analytic \(check.analytic), numeric \(check.numeric)")
    }

    /// The KL-optimal factor's column i is L⁻ᵀe_last of chol Θ_s(i)s(i): with complete sets UUᵀ is Θ⁻¹.
    @Test func completeFactorIsTheInverseCholesky() throws {
        let (x, y, base) = Self.data(n: 40, seed: 10)
        let objective = base.marginalLikelihood(x, y)
        let u = try objective.responseFactor()
        let order = objective.structure.ordering.order
        var theta = base.kernel.gram(x.selectingRows(order))
        for i in 0..<x.rows { theta[i, i] += base.likelihood.variance.scalar }
        // Θ (U Uᵀ e_j) = e_j for every j.
        for j in [0, 7, 39] {
            var e = [Double](repeating: 0, count: x.rows)
            e[j] = 1
            let w = u.product(u.transposedProduct(e))
            let back = matvec(theta, w)
            #expect(back.enumerated().allSatisfy { abs($0.element - ($0.offset == j ? 1 : 0)) < 1e-9 })
        }
    }
}
