import Foundation
import Testing
import GPLinearAlgebra

/// Triplets of the 5-point Laplacian with Dirichlet boundary on an m × m grid (lower triangle only),
/// optionally scaled and shifted: `scale · L + shift · I`.
private func laplacianTriplets(m: Int, scale: Double = 1, shift: Double = 0)
    -> (rows: [Int], cols: [Int], values: [Double])
{
    var rows = [Int](), cols = [Int](), values = [Double]()
    let capacity = 3 * m * m
    rows.reserveCapacity(capacity)
    cols.reserveCapacity(capacity)
    values.reserveCapacity(capacity)
    for j in 0..<m {
        for i in 0..<m {
            let k = i + j * m
            rows.append(k); cols.append(k); values.append(4 * scale + shift)
            if i + 1 < m { rows.append(k + 1); cols.append(k); values.append(-scale) }
            if j + 1 < m { rows.append(k + m); cols.append(k); values.append(-scale) }
        }
    }
    return (rows, cols, values)
}

/// A random sparse symmetric diagonally dominant (hence SPD) matrix: its lower-triangle triplets and the
/// equal dense matrix.
private func randomSparseSPD(n: Int, density: Double, seed: UInt64)
    -> (rows: [Int], cols: [Int], values: [Double], dense: Matrix)
{
    var rng = SeededGenerator(seed: seed)
    var dense = Matrix(rows: n, cols: n)
    var rows = [Int](), cols = [Int](), values = [Double]()
    for j in 0..<n {
        for i in (j + 1)..<n where rng.uniform() < density {
            let v = rng.normal()
            dense[i, j] = v
            dense[j, i] = v
            // Put some entries in the upper triangle: they must land on the same lower entry.
            if rng.uniform() < 0.5 { rows.append(i); cols.append(j) } else { rows.append(j); cols.append(i) }
            values.append(v)
        }
    }
    for i in 0..<n {
        let offDiagonal = (0..<n).reduce(0.0) { $0 + ($1 == i ? 0 : abs(dense[i, $1])) }
        let d = offDiagonal + 0.1 + rng.uniform()
        dense[i, i] = d
        // Split the diagonal into two duplicates: they must be summed.
        rows.append(i); cols.append(i); values.append(0.25 * d)
        rows.append(i); cols.append(i); values.append(0.75 * d)
    }
    return (rows, cols, values, dense)
}

private func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

private func relativeResidual(_ a: SparseSymmetricMatrix, _ x: [Double], _ b: [Double]) -> Double {
    let ax = a.multiply(x)
    return norm(zip(ax, b).map { $0 - $1 }) / norm(b)
}

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

@Suite struct CholmodTests {
    @Test func laplacian317x317SolvesToSmallResidual() throws {
        let m = 317
        let n = m * m
        #expect(n == 100_489)
        let context = CholmodContext()
        let t = laplacianTriplets(m: m)
        let clock = ContinuousClock()

        var start = clock.now
        let a = try SparseSymmetricMatrix(rows: t.rows, cols: t.cols, values: t.values, size: n, context: context)
        let buildTime = clock.now - start
        #expect(a.size == n)
        #expect(a.nonZeroCount == n + 2 * m * (m - 1))

        start = clock.now
        let chol = try SparseCholesky(analysing: a)
        let analyseTime = clock.now - start

        start = clock.now
        try chol.factorize(a)
        let factorizeTime = clock.now - start

        var rng = SeededGenerator(seed: 20_240_317)
        let b = rng.normals(n)
        start = clock.now
        let x = try chol.solve(b)
        let solveTime = clock.now - start

        let residual = relativeResidual(a, x, b)
        func ms(_ d: Duration) -> String { String(format: "%.1f ms", seconds(d) * 1000) }
        print("CHOLMOD 2-D Laplacian n = \(n) (\(chol.isSupernodal ? "supernodal" : "simplicial"), "
              + "nnz(A lower) = \(a.nonZeroCount), nnz(L) = \(chol.factorNonZeroCount)): "
              + "build \(ms(buildTime)), analyse \(ms(analyseTime)), factorise \(ms(factorizeTime)), "
              + "solve \(ms(solveTime)), relative residual \(String(format: "%.2e", residual))")
        #expect(residual < 1e-10)
        #expect(chol.logDeterminant.isFinite && chol.logDeterminant > 0)
    }

    @Test(arguments: [SparseFactorMethod.simplicial, .supernodal])
    func logDeterminantAndSolveMatchDense(method: SparseFactorMethod) throws {
        let n = 30
        let r = randomSparseSPD(n: n, density: 0.15, seed: 7)
        let context = CholmodContext(method: method)
        let a = try SparseSymmetricMatrix(rows: r.rows, cols: r.cols, values: r.values, size: n, context: context)
        let chol = try SparseCholesky(factorizing: a)
        #expect(chol.isSupernodal == (method == .supernodal))

        let dense = try Cholesky(r.dense)
        #expect(dense.jitter == 0)
        let relativeError = abs(chol.logDeterminant - dense.logDeterminant) / abs(dense.logDeterminant)
        #expect(relativeError < 1e-10, "logdet \(chol.logDeterminant) vs dense \(dense.logDeterminant)")

        // The sparse matrix is the dense one: A·e_j is column j.
        for j in [0, 7, 29] {
            var e = [Double](repeating: 0, count: n)
            e[j] = 1
            let column = a.multiply(e)
            #expect(zip(column, r.dense.column(j)).allSatisfy { abs($0 - $1) < 1e-14 })
        }

        var rng = SeededGenerator(seed: 11)
        let b = Matrix(rows: n, cols: 3, storage: rng.normals(3 * n))
        let xs = try chol.solve(b)
        let xd = dense.solve(b)
        let scale = xd.storage.map(abs).max()!
        #expect(xs.rows == n && xs.cols == 3)
        #expect(zip(xs.storage, xd.storage).allSatisfy { abs($0 - $1) <= 1e-10 * scale })
        let x0 = try chol.solve(b.column(0))
        #expect(zip(x0, xd.column(0)).allSatisfy { abs($0 - $1) <= 1e-10 * scale })
    }

    @Test(arguments: [SparseFactorMethod.simplicial, .supernodal])
    func indefiniteMatrixThrowsNotPositiveDefinite(method: SparseFactorMethod) throws {
        let context = CholmodContext(method: method)
        // [[1, 2], [2, 1]]: eigenvalues 3 and −1.
        let a = try SparseSymmetricMatrix(rows: [0, 1, 1], cols: [0, 0, 1], values: [1, 2, 1], size: 2, context: context)
        let chol = try SparseCholesky(analysing: a)
        #expect(throws: CholmodError.notFactorized) { try chol.solve([1, 1]) }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(size: 2, lastJitter: 0, failedPivot: 2)) {
            try chol.factorize(a)
        }
        #expect(!chol.isFactorized)
        #expect(throws: CholmodError.notFactorized) { try chol.solve([1, 1]) }

        // The same analysis recovers with positive-definite values: [[3, 2], [2, 3]].
        let spd = try a.replacingValues([3, 2, 3])
        try chol.factorize(spd)
        let x = try chol.solve([5, 5])
        #expect(abs(x[0] - 1) < 1e-14 && abs(x[1] - 1) < 1e-14)
        #expect(abs(chol.logDeterminant - Math.log(5)) < 1e-14)
    }

    @Test func analyseOnceFactoriseTwiceOnTheSamePattern() throws {
        let m = 20
        let n = m * m
        let context = CholmodContext()
        let t1 = laplacianTriplets(m: m, scale: 1, shift: 0.1)
        let t2 = laplacianTriplets(m: m, scale: 2.5, shift: 3)
        let a1 = try SparseSymmetricMatrix(rows: t1.rows, cols: t1.cols, values: t1.values, size: n, context: context)
        let a2 = try a1.replacingValues(t2.values)
        #expect(a2.hasSamePattern(as: a1))
        #expect(a2.storedValues != a1.storedValues)

        let chol = try SparseCholesky(analysing: a1)
        var rng = SeededGenerator(seed: 3)
        let b = rng.normals(n)
        for (a, t) in [(a1, t1), (a2, t2)] {
            try chol.factorize(a)
            let x = try chol.solve(b)
            #expect(relativeResidual(a, x, b) < 1e-12)
            // Dense reference for the log-determinant.
            var dense = Matrix(rows: n, cols: n)
            for k in t.rows.indices {
                dense[t.rows[k], t.cols[k]] += t.values[k]
                if t.rows[k] != t.cols[k] { dense[t.cols[k], t.rows[k]] += t.values[k] }
            }
            let reference = try Cholesky(dense).logDeterminant
            #expect(abs(chol.logDeterminant - reference) < 1e-10 * abs(reference))
        }
        // The two systems differ, so the second factorisation really replaced the first.
        try chol.factorize(a1)
        let x1 = try chol.solve(b)
        try chol.factorize(a2)
        let x2 = try chol.solve(b)
        #expect(norm(zip(x1, x2).map { $0 - $1 }) > 0.1 * norm(x1))

        // A matrix with another pattern is rejected.
        let other = try SparseSymmetricMatrix(rows: Array(0..<n), cols: Array(0..<n),
                                              values: [Double](repeating: 1, count: n), size: n, context: context)
        #expect(throws: LinearAlgebraError.self) { try chol.factorize(other) }
    }

    @Test func tripletsAreMirroredAndDuplicatesSummed() throws {
        let context = CholmodContext()
        // (0,1) given in both triangles sums to 3; the diagonal (0,0) is given twice.
        let a = try SparseSymmetricMatrix(rows: [0, 1, 0, 0, 1], cols: [1, 0, 0, 0, 1], values: [1, 2, 3, 1, 5],
                                          size: 2, context: context)
        #expect(a.nonZeroCount == 3)
        #expect(a.storedValues == [4, 3, 5])
        #expect(a.multiply([1, 1]) == [7, 8])
    }

    @Test func invalidTripletsThrow() throws {
        let context = CholmodContext()
        #expect(throws: LinearAlgebraError.nonFinite(size: 2)) {
            _ = try SparseSymmetricMatrix(rows: [0, 1], cols: [0, 1], values: [1, .nan], size: 2, context: context)
        }
        #expect(throws: LinearAlgebraError.nonFinite(size: 2)) {
            _ = try SparseSymmetricMatrix(rows: [0, 1], cols: [0, 1], values: [.infinity, 1], size: 2, context: context)
        }
        let a = try SparseSymmetricMatrix(rows: [0, 1], cols: [0, 1], values: [1, 1], size: 2, context: context)
        #expect(throws: LinearAlgebraError.nonFinite(size: 2)) { _ = try a.replacingValues([1, -.infinity]) }
        #expect(throws: LinearAlgebraError.self) { _ = try a.replacingValues([1]) }
        #expect(throws: LinearAlgebraError.self) {
            _ = try SparseSymmetricMatrix(rows: [0, 2], cols: [0, 1], values: [1, 1], size: 2, context: context)
        }
        #expect(throws: LinearAlgebraError.self) {
            _ = try SparseSymmetricMatrix(rows: [0, -1], cols: [0, 0], values: [1, 1], size: 2, context: context)
        }
        #expect(throws: LinearAlgebraError.self) {
            _ = try SparseSymmetricMatrix(rows: [0, 1], cols: [0], values: [1, 1], size: 2, context: context)
        }
    }

    @Test func matricesAndFactorsAreFreed() throws {
        let context = CholmodContext(method: .supernodal)
        context.releaseWorkspace()
        let startBlocks = context.allocatedBlocks
        let startBytes = context.allocatedBytes
        var peakBlocksInLoop = startBlocks
        let t = laplacianTriplets(m: 12)
        let n = 144
        for round in 0..<50 {
            let a = try SparseSymmetricMatrix(rows: t.rows, cols: t.cols, values: t.values, size: n, context: context)
            let chol = try SparseCholesky(analysing: a)
            try chol.factorize(a)
            let b = Matrix(rows: n, cols: 2, repeating: Double(round + 1))
            _ = try chol.solve(b)
            _ = a.multiply([Double](repeating: 1, count: n))
            // A failed factorisation must not leak either.
            let bad = try a.replacingValues(t.values.map { -$0 })
            #expect(throws: LinearAlgebraError.self) { try chol.factorize(bad) }
            peakBlocksInLoop = max(peakBlocksInLoop, context.allocatedBlocks)
        }
        #expect(peakBlocksInLoop > startBlocks)  // the counter does see live objects
        context.releaseWorkspace()
        #expect(context.allocatedBlocks == startBlocks)
        #expect(context.allocatedBytes == startBytes)
    }

    @Test func emptyMatrix() throws {
        let context = CholmodContext()
        let a = try SparseSymmetricMatrix(rows: [], cols: [], values: [], size: 0, context: context)
        let chol = try SparseCholesky(factorizing: a)
        #expect(chol.logDeterminant == 0)
        #expect(try chol.solve([]) == [])
        #expect(a.multiply([]) == [])
    }
}
