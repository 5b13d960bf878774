import Testing
import GPLinearAlgebra

@Suite struct CholeskyTests {
    func randomSPD(_ n: Int, seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        let m = Matrix(rows: n, cols: n, storage: g.normals(n * n))
        var a = matmul(m, m, .none, .transposed)
        a.addToDiagonal(Double(n))
        return a
    }

    @Test func factorisesSolvesAndInverts() throws {
        let a = randomSPD(30, seed: 1)
        let c = try Cholesky(a)
        #expect(c.jitter == 0)
        let r = matmul(c.lower, c.lower, .none, .transposed)
        #expect(zip(r.storage, a.storage).allSatisfy { abs($0 - $1) < 1e-10 * 30 })
        var g = SeededGenerator(seed: 2)
        let b = g.normals(30)
        let x = c.solve(b)
        let ax = matvec(a, x)
        #expect(zip(ax, b).allSatisfy { abs($0 - $1) < 1e-10 })
        let inv = c.inverse()
        let id = matmul(a, inv)
        for i in 0..<30 { for j in 0..<30 { #expect(abs(id[i, j] - (i == j ? 1 : 0)) < 1e-10) } }
        // log|A| from the eigenvalues.
        let eig = try SymmetricEigen(a)
        #expect(abs(c.logDeterminant - eig.values.reduce(0) { $0 + Math.log($1) }) < 1e-9)
        // L⁻¹ from dtrtri.
        let li = matmul(c.lowerInverse(), c.lower)
        for i in 0..<30 { #expect(abs(li[i, i] - 1) < 1e-12) }
    }

    @Test func rankDeficientMatrixSucceedsWithRecordedJitter() throws {
        // A = v vᵀ + w wᵀ in 6 dimensions: rank 2, positive semi-definite.
        let v = Matrix(rows: 6, cols: 2, storage: [1, 2, 3, 4, 5, 6, 1, -1, 1, -1, 1, -1])
        let a = matmul(v, v, .none, .transposed)
        let c = try Cholesky(a)
        #expect(c.jitter > 0)
        let meanDiagonal = a.trace / 6
        #expect(c.jitter <= 1e-8 * 100 * meanDiagonal * (1 + 1e-12))
        // The factor reproduces A + jitter·I.
        var aj = a
        aj.addToDiagonal(c.jitter)
        let r = matmul(c.lower, c.lower, .none, .transposed)
        #expect(zip(r.storage, aj.storage).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test func exhaustedLadderThrowsATypedError() {
        let a = Matrix([[1, 2], [2, 1]])   // eigenvalues 3 and −1
        do {
            _ = try Cholesky(a)
            Issue.record("an indefinite matrix was factorised")
        } catch let LinearAlgebraError.notPositiveDefinite(size, lastJitter, pivot) {
            #expect(size == 2)
            #expect(abs(lastJitter - 1e-6) < 1e-18)   // 1e−8 · 10² · mean diagonal (1)
            #expect(pivot == 2)
        } catch { Issue.record("unexpected error \(error)") }
    }

    @Test func nonFiniteInputThrowsAndIsNeverJittered() {
        var a = Matrix.identity(3)
        a[1, 0] = .nan
        #expect(throws: LinearAlgebraError.nonFinite(size: 3)) { try Cholesky(a) }
        a[1, 0] = .infinity
        #expect(throws: LinearAlgebraError.nonFinite(size: 3)) { try Cholesky(a) }
    }

    @Test func inPlaceFactorisationMatchesTheCopyingOneAndKeepsTheUpperTriangle() throws {
        // Sizes across the restore's 64-blocks; a well-conditioned and a rank-deficient matrix.
        var g = SeededGenerator(seed: 8)
        let f = Matrix(rows: 150, cols: 3, storage: g.normals(450))
        for var a in [randomSPD(150, seed: 6), matmul(f, f, .none, .transposed)] {
            a.symmetrizeFromLower()   // exactly symmetric: the retry reads the upper triangle
            let reference = try Cholesky(a)
            var b = a
            let jitter = try Cholesky.factorInPlace(&b)
            #expect(jitter == reference.jitter)
            for j in 0..<150 {
                for i in 0..<150 {
                    if i >= j { #expect(b[i, j] == reference.lower[i, j]) } else { #expect(b[i, j] == a[i, j]) }
                }
            }
        }
        var empty = Matrix(rows: 0, cols: 0)
        #expect(try Cholesky.factorInPlace(&empty) == 0)
    }

    @Test func inPlaceFactorisationRestoresTheMatrixWhenTheLadderIsExhausted() {
        var a = Matrix([[1, 2, 0], [2, 1, 0.5], [0, 0.5, 3]])
        let original = a
        #expect(throws: LinearAlgebraError.self) { try Cholesky.factorInPlace(&a) }
        #expect(a == original)
        a[2, 1] = .nan
        a[1, 2] = .nan
        #expect(throws: LinearAlgebraError.nonFinite(size: 3)) { try Cholesky.factorInPlace(&a) }
        var b = Matrix.identity(4)
        b[3, 3] = .infinity
        #expect(throws: LinearAlgebraError.nonFinite(size: 4)) { try Cholesky.factorInPlace(&b) }
        var c = Matrix.identity(4)
        c[3, 1] = .nan
        c[1, 3] = .nan
        #expect(throws: LinearAlgebraError.nonFinite(size: 4)) { try Cholesky.factorInPlace(&c) }
    }

    @Test func latentPriorsGetTheBaseJitter() throws {
        let a = randomSPD(5, seed: 3)
        let c = try Cholesky(a, isLatentPrior: true)
        #expect(abs(c.jitter - 1e-6 * a.trace / 5) < 1e-15 * a.trace)
    }
}

@Suite struct DenseAlgebraTests {
    @Test func gemmMatchesLoopsForEveryTranspose() {
        var g = SeededGenerator(seed: 4)
        let a = Matrix(rows: 4, cols: 3, storage: g.normals(12))
        let b = Matrix(rows: 3, cols: 5, storage: g.normals(15))
        let c = matmul(a, b)
        for i in 0..<4 {
            for j in 0..<5 {
                let s = (0..<3).reduce(0.0) { $0 + a[i, $1] * b[$1, j] }
                #expect(abs(c[i, j] - s) < 1e-14)
            }
        }
        let ct = matmul(b, a, .transposed, .transposed)
        #expect(zip(ct.storage, c.transposed.storage).allSatisfy { abs($0 - $1) < 1e-14 })
        var s = Matrix(rows: 4, cols: 4)
        syrk(.none, .lower, a, into: &s)
        s.symmetrizeFromLower()
        #expect(zip(s.storage, matmul(a, a, .none, .transposed).storage).allSatisfy { abs($0 - $1) < 1e-13 })
    }

    @Test func symmetrizeFromLowerIsBlockedCorrectly() {
        var g = SeededGenerator(seed: 9)
        var a = Matrix(rows: 150, cols: 150, storage: g.normals(150 * 150))
        let original = a
        a.symmetrizeFromLower()
        for j in 0..<150 {
            for i in 0..<150 { #expect(a[i, j] == (i >= j ? original[i, j] : original[j, i])) }
        }
    }

    @Test func eigendecompositionReconstructs() throws {
        let a = Matrix([[4, 1, 0], [1, 3, 1], [0, 1, 2]])
        let e = try SymmetricEigen(a)
        #expect(e.values == e.values.sorted())
        var r = Matrix(rows: 3, cols: 3)
        for k in 0..<3 { for i in 0..<3 { for j in 0..<3 { r[i, j] += e.values[k] * e.vectors[i, k] * e.vectors[j, k] } } }
        #expect(zip(r.storage, a.storage).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func matrixExponentialKnownCases() throws {
        // A rotation generator: exp([[0, t], [−t, 0]]) = [[cos t, sin t], [−sin t, cos t]], for small and large t.
        for t in [0.3, 2.0, 40.0] {
            let e = try matrixExponential(Matrix([[0, t], [-t, 0]]))
            #expect(abs(e[0, 0] - Math.cos(t)) < 1e-10 && abs(e[0, 1] - Math.sin(t)) < 1e-10)
        }
        // A diagonal and a nilpotent matrix.
        let d = try matrixExponential(Matrix(diagonal: [1, -2, 0.5]))
        #expect(abs(d[1, 1] - Math.exp(-2)) < 1e-14 && abs(d[0, 0] - Math.exp(1)) < 1e-13)
        let n = try matrixExponential(Matrix([[0, 1, 0], [0, 0, 1], [0, 0, 0]]))
        #expect(abs(n[0, 2] - 0.5) < 1e-14 && abs(n[0, 1] - 1) < 1e-14)
        // exp(A) exp(−A) = I for a random A with a large norm (scaling and squaring path).
        var g = SeededGenerator(seed: 5)
        let a = 4 * Matrix(rows: 4, cols: 4, storage: g.normals(16))
        let p = matmul(try matrixExponential(a), try matrixExponential(-a))
        for i in 0..<4 { for j in 0..<4 { #expect(abs(p[i, j] - (i == j ? 1 : 0)) < 1e-6) } }
    }

    @Test func generalSolveRejectsSingularMatrices() {
        #expect(throws: LinearAlgebraError.self) { try solveGeneral(Matrix([[1, 2], [2, 4]]), Matrix(column: [1, 1])) }
    }
}

@Suite struct QuadratureAndStableMathTests {
    @Test func gaussHermiteIsExactForPolynomials() {
        let gh = GaussHermite(points: 20)
        #expect(abs(gh.weights.reduce(0, +) - Double.pi.squareRoot()) < 1e-13)
        let (m, v) = (0.7, 2.3)
        #expect(abs(gh.expectation(mean: m, variance: v) { $0 } - m) < 1e-13)
        #expect(abs(gh.expectation(mean: m, variance: v) { $0 * $0 } - (m * m + v)) < 1e-12)
        // E[f⁴] = m⁴ + 6m²v + 3v².
        let f4 = m * m * m * m + 6 * m * m * v + 3 * v * v
        #expect(abs(gh.expectation(mean: m, variance: v) { $0 * $0 * $0 * $0 } - f4) < 1e-11)
        // E[e^f] = e^{m + v/2} (not polynomial, but converged at 20 points).
        #expect(abs(gh.expectation(mean: m, variance: v) { Math.exp($0) } / Math.exp(m + v / 2) - 1) < 1e-10)
    }

    @Test func softplusAndItsInverse() {
        for x in [-40.0, -5, -1e-3, 0, 0.5, 10, 50, 800] {
            let s = Math.softplus(x)
            #expect(s > 0 || x < -700)
            if x > -35 { #expect(abs(Math.softplusInverse(s) - x) < 1e-9 * max(1, abs(x))) }
        }
        #expect(Math.softplus(800) == 800)
        #expect(Math.log1pexp(-800) == 0)
        #expect(abs(Math.sigmoid(-800)) < 1e-300 && Math.sigmoid(800) == 1)
    }

    @Test func logNormalCDFIsContinuousAndAccurate() {
        // Against the direct formula where it is accurate, and across the −30 switch.
        for z in [-5.0, -1, 0, 2, 6] {
            #expect(abs(Math.logNormalCDF(z) - Math.log(Math.normalCDF(z))) < 1e-12 * max(1, abs(Math.log(Math.normalCDF(z)))))
        }
        let below = Math.logNormalCDF(-30.0000001), above = Math.logNormalCDF(-29.9999999)
        #expect(abs(below - above) / abs(above) < 1e-6)
        #expect(Math.logNormalCDF(-1e5).isFinite)
        #expect(abs(Math.inverseMillsRatio(-200) - 200) < 0.01)
    }

    @Test func logSumExpIsStable() {
        #expect(abs(Math.logSumExp([1000, 1000]) - (1000 + Math.log(2))) < 1e-12)
        #expect(Math.logSumExp([]) == -.infinity)
        #expect(abs(Math.logSumExp([-1000, 0]) - 0) < 1e-300 + 1e-15)
    }

    @Test func seededGeneratorIsReproducible() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xa = a.normals(1000), xb = b.normals(1000), xc = c.normals(1000)
        #expect(xa == xb && xa != xc)
        let mean = xa.reduce(0, +) / 1000, variance = xa.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 999
        #expect(abs(mean) < 0.1 && abs(variance - 1) < 0.1)
    }
}
