import Testing
import GPLinearAlgebra
import GPTestSupport
@testable import SwiftGP

/// Every tape operation's VJP against central finite differences (relative error < 1e-6).
@Suite struct TapeVJPTests {
    let a = TestData.uniform(4, 3, seed: 21)
    let b = TestData.uniform(3, 5, seed: 22)
    let w = TestData.uniform(4, 5, seed: 23)
    /// An unconstrained 5 × 5 input M; `spd(M)` builds M Mᵀ + I on the tape, so finite differences
    /// perturb the symmetric matrix symmetrically (Cholesky reads one triangle only).
    let m = TestData.uniform(5, 5, seed: 24)
    func spd(_ v: Var) -> Var { addingDiagonal(matmul(v, v, .none, .transposed), v.tape.constant(1)) }
    var spd: Matrix {
        var s = matmul(m, m, .none, .transposed)
        s.addToDiagonal(1)
        return s
    }

    @Test func matmulAllTransposes() throws {
        for (ta, tb) in [(Transpose.none, Transpose.none), (.transposed, .none), (.none, .transposed), (.transposed, .transposed)] {
            let x = ta == .none ? a : a.transposed
            let y = tb == .none ? b : b.transposed
            let err = try FiniteDifferences.checkTape([x, y, w]) { _, v in inner(matmul(v[0], v[1], ta, tb), v[2]) }
            #expect(err < 1e-6, "transposes \(ta) \(tb): \(err)")
        }
    }

    @Test func linearAndElementwise() throws {
        let c = TestData.uniform(4, 3, low: 0.5, high: 2, seed: 25)
        let s = Matrix(scalar: 0.7)
        #expect(try FiniteDifferences.checkTape([a, c]) { _, v in sumOfSquares(v[0] + v[1]) } < 1e-6)
        #expect(try FiniteDifferences.checkTape([a, c]) { _, v in sum(hadamard(v[0] - v[1], v[0])) } < 1e-6)
        #expect(try FiniteDifferences.checkTape([c]) { _, v in sum(log(v[0])) + sum(exp(-v[0])) } < 1e-6)
        #expect(try FiniteDifferences.checkTape([s, a]) { _, v in sumOfSquares(v[0] * v[1]) + sum(3.0 * v[1]) } < 1e-6)
    }

    @Test func choleskyAndLogDeterminant() throws {
        let w = TestData.uniform(5, 5, seed: 26)
        let err = try FiniteDifferences.checkTape([m, w]) { _, v in
            let l = try cholesky(spd(v[0]))
            return inner(l, v[1]) + logDeterminant(cholesky: l)
        }
        #expect(err < 1e-6, "\(err)")
    }

    @Test func triangularSolves() throws {
        let rhs = TestData.uniform(5, 2, seed: 27)
        let w = TestData.uniform(5, 2, seed: 28)
        for trans in [Transpose.none, .transposed] {
            let err = try FiniteDifferences.checkTape([m, rhs, w]) { _, v in
                inner(triangularSolve(try cholesky(spd(v[0])), v[1], trans), v[2])
            }
            #expect(err < 1e-6, "\(trans): \(err)")
        }
    }

    @Test func fusedGaussianLogDensityMatchesTheGenericGraph() throws {
        let r = Matrix(column: TestData.uniform(5, 1, seed: 29).storage)
        let err = try FiniteDifferences.checkTape([m, r]) { _, v in try gaussianLogDensity(residual: v[1], covariance: spd(v[0])) }
        #expect(err < 1e-6, "\(err)")
        // Same value and gradient as the graph of generic nodes.
        let t1 = Tape(), t2 = Tape()
        let k1 = t1.leaf(spd), r1 = t1.leaf(r), k2 = t2.leaf(spd), r2 = t2.leaf(r)
        let fused = try gaussianLogDensity(residual: r1, covariance: k1)
        let l = try cholesky(k2)
        let z = triangularSolve(l, r2)
        let generic = -0.5 * sumOfSquares(z) - 0.5 * logDeterminant(cholesky: l) - t2.constant(2.5 * Math.logTwoPi)
        #expect(abs(fused.scalar - generic.scalar) < 1e-12)
        let g1 = t1.gradients(of: fused, withRespectTo: [k1, r1]), g2 = t2.gradients(of: generic, withRespectTo: [k2, r2])
        // The fused adjoint is symmetric; compare symmetric parts.
        var s1 = g1[0], s2 = g2[0]
        s1.symmetrize(); s2.symmetrize()
        #expect(FiniteDifferences.maxRelativeError(s1.storage, s2.storage) < 1e-10)
        #expect(FiniteDifferences.maxRelativeError(g1[1].storage, g2[1].storage) < 1e-10)
    }

    @Test func addingDiagonalAndScalars() throws {
        let s = Matrix(scalar: 0.3)
        let err = try FiniteDifferences.checkTape([m, s]) { _, v in
            try gaussianLogDensity(residual: v[0].tape.leaf([1, -1, 0.5, 2, 0]), covariance: addingDiagonal(spd(v[0]), v[1]))
        }
        #expect(err < 1e-6)
        #expect(try FiniteDifferences.checkTape([spd]) { _, v in trace(v[0]) + inner(v[0], v[0]) } < 1e-6)
    }

    @Test func kernelNodes() throws {
        let x = TestData.uniform(6, 2, seed: 30), z = TestData.uniform(4, 2, seed: 31)
        let kernel = Matern52(lengthscale: [0.8, 1.4], variance: 1.2) + Periodic()
        let values = kernel.parameters.map { Matrix(column: $0.value) }
        let wg = TestData.uniform(6, 6, seed: 32), wc = TestData.uniform(6, 4, seed: 33)
        let err = try FiniteDifferences.checkTape(values) { _, v in
            var k = kernel
            k.parameters = zip(kernel.parameters, v).map { p, leaf in
                var q = p
                q.value = leaf.value.storage
                return q
            }
            return inner(k.gram(x, on: v), v[0].tape.leaf(wg)) + inner(k.cross(x, z, on: v), v[0].tape.leaf(wc))
                + sum(k.diagonal(x, on: v))
        }
        #expect(err < 1e-6, "\(err)")
    }
}

extension TapeVJPTests {
    @Test func fusedVariationalMarginalsMatchTheGenericGraph() throws {
        let proj = TestData.uniform(5, 7, seed: 34)
        let mean = TestData.uniform(5, 1, seed: 35)
        let sqrt = TestData.uniform(5, 5, seed: 36)
        let weights = TestData.uniform(7, 2, seed: 37)
        // Finite differences through the fused node (L_S enters through its lower triangle).
        let err = try FiniteDifferences.checkTape([proj, mean, sqrt, weights]) { _, v in
            var l = v[2].value
            l.zeroUpperTriangle()
            let lower = hadamard(v[2], v[2].tape.leaf(Matrix(rows: 5, cols: 5, storage: (0..<25).map { ($0 % 5) >= ($0 / 5) ? 1 : 0 })))
            return inner(variationalMarginals(projection: v[0], mean: v[1], sqrt: lower), v[3])
        }
        #expect(err < 1e-6, "\(err)")
        // Same values as μ = Aᵀm, w = colsum((L_SᵀA)²).
        let t = Tape()
        var l = sqrt
        l.zeroUpperTriangle()
        let fused = variationalMarginals(projection: t.leaf(proj), mean: t.leaf(mean), sqrt: t.leaf(l)).value
        let mu = matmul(proj, mean, .transposed, .none)
        let p = matmul(l, proj, .transposed, .none)
        for n in 0..<7 {
            #expect(abs(fused[n, 0] - mu[n, 0]) < 1e-13)
            #expect(abs(fused[n, 1] - (0..<5).reduce(0) { $0 + p[$1, n] * p[$1, n] }) < 1e-12)
        }
    }
}

extension TapeVJPTests {
    @Test func fusedWhitenedMarginalsMatchFiniteDifferences() throws {
        let kuf = TestData.uniform(5, 7, seed: 38)
        let mean = TestData.uniform(5, 1, seed: 39)
        let sqrt = TestData.uniform(5, 5, seed: 40)
        let weights = TestData.uniform(7, 2, seed: 41)
        let mask = Matrix(rows: 5, cols: 5, storage: (0..<25).map { ($0 % 5) >= ($0 / 5) ? 1 : 0 })
        let err = try FiniteDifferences.checkTape([m, kuf, mean, sqrt, weights]) { t, v in
            let l = try cholesky(spd(v[0]))
            let lower = hadamard(v[3], t.leaf(mask))
            return inner(whitenedMarginals(cholesky: l, crossCovariance: v[1], mean: v[2], sqrt: lower), v[4])
        }
        #expect(err < 1e-6, "\(err)")
    }
}
