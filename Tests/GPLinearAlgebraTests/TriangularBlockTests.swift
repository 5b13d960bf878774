import Testing
import GPLinearAlgebra

/// `TriangularBlock` (CXSparse solves on V_AA) against dense LAPACK/BLAS references.
@Suite struct TriangularBlockTests {
    /// A random upper-triangular pattern (column i: a random subset of {0, …, i−1} with probability `density`, then
    /// i) with random values and diagonals in [1, 2].
    static func randomFactor(n: Int, density: Double, seed: UInt64) -> (pattern: ConditioningSets, values: [Double]) {
        var g = SeededGenerator(seed: seed)
        var starts = [0], rows: [Int] = [], values: [Double] = []
        for i in 0..<n {
            for k in 0..<i where g.uniform() < density {
                rows.append(k)
                values.append(g.normal())
            }
            rows.append(i)
            values.append(1 + g.uniform())
            starts.append(rows.count)
        }
        return (ConditioningSets(starts: starts, rows: rows), values)
    }

    /// The dense block of V (pattern, values) on `set`.
    static func denseBlock(_ pattern: ConditioningSets, _ values: [Double], set: [Int]) -> Matrix {
        let n = pattern.count
        var full = Matrix(rows: n, cols: n)
        for j in 0..<n {
            for e in pattern.starts[j]..<pattern.starts[j + 1] { full[pattern.rows[e], j] = values[e] }
        }
        var block = Matrix(rows: set.count, cols: set.count)
        for (a, p) in set.enumerated() {
            for (b, q) in set.enumerated() { block[a, b] = full[p, q] }
        }
        return block
    }

    @Test(arguments: [(40, 0.3, UInt64(1)), (25, 0.9, UInt64(2)), (60, 0.05, UInt64(3))])
    func solvesMatchDenseTriangularSolves(n: Int, density: Double, seed: UInt64) {
        let (pattern, values) = Self.randomFactor(n: n, density: density, seed: seed)
        var g = SeededGenerator(seed: seed + 100)
        // A subset (not closed under the pattern): entries in rows outside it are left out.
        let set = (0..<n).filter { _ in g.uniform() < 0.6 }
        var local = [Int](repeating: -1, count: n)
        for (t, p) in set.enumerated() { local[p] = t }
        let block = TriangularBlock(pattern: pattern, set: set[...], local: local)
        #expect(block.size == set.count && block.columnStarts.count == set.count + 1)
        // Gather twice (into a longer buffer first): the buffer is overwritten, not appended to.
        var blockValues = [Double](repeating: 7, count: 3 * block.nonZeroCount)
        block.gather(values, into: &blockValues)
        #expect(blockValues.count == block.nonZeroCount)
        let dense = Self.denseBlock(pattern, values, set: set)
        // Every entry is V's value at its source index, in the dense block's place, the diagonal last per column.
        var stored = 0
        for t in set.indices {
            let first = Int(block.columnStarts[t]), last = Int(block.columnStarts[t + 1]) - 1
            #expect(Int(block.rowIndices[last]) == t)
            for e in first...last {
                #expect(blockValues[e] == values[Int(block.sources[e])] && blockValues[e] == dense[Int(block.rowIndices[e]), t])
                #expect(e == first || block.rowIndices[e] > block.rowIndices[e - 1])
            }
            stored += last - first + 1
        }
        // No nonzero of the dense block is missing.
        var nonzeros = 0
        for a in set.indices { for c in set.indices where dense[a, c] != 0 { nonzeros += 1 } }
        #expect(stored == nonzeros)
        let b = set.map { _ in g.normal() }
        var x = b, reference = b
        block.solve(values: blockValues, &x)
        trsv(.upper, .none, dense, &reference)
        for t in x.indices { #expect(abs(x[t] - reference[t]) <= 1e-10 * (1 + abs(reference[t]))) }
        var y = b, transposedReference = b
        block.solveTransposed(values: blockValues, &y)
        trsv(.upper, .transposed, dense, &transposedReference)
        for t in y.indices { #expect(abs(y[t] - transposedReference[t]) <= 1e-10 * (1 + abs(transposedReference[t]))) }
        // The residual V_AA x − b, by a dense product.
        for a in set.indices {
            var s = 0.0
            for c in set.indices { s += dense[a, c] * x[c] }
            #expect(abs(s - b[a]) <= 1e-10 * (1 + abs(b[a])))
        }
    }

    /// On the closure A of supp b under V's pattern, (V⁻¹b)_A = V_AA⁻¹ b_A and V⁻¹b vanishes outside A.
    @Test func aClosedSetGivesTheFullSolveOnIt() {
        let n = 50
        let (pattern, values) = Self.randomFactor(n: n, density: 0.06, seed: 7)
        var marker = [Int](repeating: -1, count: n)
        let set = AncestorSets.closure(of: [30, 41], factor: pattern, marker: &marker, stamp: 0)
        #expect(set.count < n)
        var full = [Double](repeating: 0, count: n)
        full[30] = 1.5
        full[41] = -0.7
        trsv(.upper, .none, Self.denseBlock(pattern, values, set: Array(0..<n)), &full)
        var local = [Int](repeating: -1, count: n)
        for (t, p) in set.enumerated() { local[p] = t }
        let block = TriangularBlock(pattern: pattern, set: set[...], local: local)
        var blockValues: [Double] = []
        block.gather(values, into: &blockValues)
        var x = set.map { $0 == 30 ? 1.5 : $0 == 41 ? -0.7 : 0 }
        block.solve(values: blockValues, &x)
        for (t, p) in set.enumerated() { #expect(abs(x[t] - full[p]) <= 1e-12 * (1 + abs(full[p]))) }
        for p in 0..<n where local[p] < 0 { #expect(full[p] == 0) }
    }
}
