import GPLinearAlgebra

/// The joint DKLGP predictive distribution of several test points (docs/methods/dklgp.md#joint-prediction): the test
/// points are appended after the training points in their given order, and each conditions on its m nearest points
/// among the training points and the earlier test points (the Vecchia joint prediction). Its prior column
/// u = L⁻ᵀe_last (L = chol Θ_{s s}, s = c ∪ {p}) extends V to Ṽ = [V W; 0 T], q(f_o, f_*) = q(f_o) p̃(f_* | f_o), so
///
///     E f_p = −Σ_{i∈c} uᵢ E fᵢ / u_last  (in order),   Cov(f_*) = (Ṽ⁻ᵀṼ⁻¹)_{**},  (Ṽ⁻¹e_p)_A = Ṽ_AA⁻¹ e_p,
///
/// A the exact closure of {p} under Ṽ's pattern (CXSparse solves on Ṽ_AA). The closures are exact whatever the
/// ancestor rule, so their size grows with n: meant for moderate numbers of test points. The first test point's
/// moments equal `predict`'s. The latent covariance includes the nugget τ on its diagonal.
/// - Complexity: O(n_* (log n + n_* d + m³ + m² d)) for the sets and columns, Σ_p O(|A(p)| m) for the solves;
///   O(n_*² + n_* |∪A|) memory for the covariance.
public struct DKLGPJointPrediction: Sendable {
    /// E f_p per test point, in the given order.
    public var mean: [Double]
    /// Cov(f_*) (n_* × n_*, symmetric).
    public var covariance: Matrix

    /// The marginal moments (the covariance's diagonal).
    public var marginals: GaussianPrediction {
        GaussianPrediction(mean: mean, variance: (0..<mean.count).map { max(0, covariance[$0, $0]) })
    }
}

extension DKLGPPosterior {
    /// The joint predictive distribution of the latent f at the rows of `xs` (`DKLGPJointPrediction`).
    /// - Throws: `PredictionError.inputColumns` for inputs with another number of columns than the training data;
    ///   `LinearAlgebraError` when a neighbour block cannot be factorised.
    public func predictJoint(at xs: Matrix) throws -> DKLGPJointPrediction {
        try PredictionError.checkColumns(xs, expected: x.cols)
        let structure = variational.structure, pattern = structure.posterior
        let n = x.rows, count = xs.rows, d = x.cols
        let m = min(model.neighbours, n)
        let scaled = VecchiaStructure.scaled(xs, by: structure.scales)
        let training = trainingNeighbours(scaled, m: m)
        // Each test point's set: its m nearest among the training points and the earlier test points (extended
        // positions: training 0..<n, test t at n + t; ties: the smaller extended position).
        var starts = pattern.starts, rows = pattern.rows
        for t in 0..<count {
            var candidates = training[t]
            for e in 0..<t {
                var s = 0.0
                for j in 0..<d {
                    let v = scaled[t, j] - scaled[e, j]
                    s += v * v
                }
                candidates.append((n + e, s))
            }
            candidates.sort { $0.squaredDistance < $1.squaredDistance || ($0.squaredDistance == $1.squaredDistance && $0.position < $1.position) }
            rows.append(contentsOf: candidates.prefix(m).map(\.position).sorted() + [n + t])
            starts.append(rows.count)
        }
        let extended = ConditioningSets(starts: starts, rows: rows)
        // The test columns' values and the means, in order.
        let kernel = model.kernel, nugget = model.nugget, policy = model.jitter, order = structure.ordering.order
        var values = factor.values
        var means = variational.mean.value
        values.reserveCapacity(extended.nonZeroCount)
        means.reserveCapacity(n + count)
        for t in 0..<count {
            let s = extended.column(n + t), k = s.count
            var points = Matrix(rows: k, cols: d)
            for (a, position) in s.enumerated() {
                for j in 0..<d { points[a, j] = position < n ? x[order[position], j] : xs[position - n, j] }
            }
            var theta = kernel.gram(points)
            for a in 0..<k { theta[a, a] += nugget }
            let l = try Cholesky(theta, policy: policy)
            var u = [Double](repeating: 0, count: k)
            u[k - 1] = 1
            trsv(.lower, .transposed, l.lower, &u)
            var mu = 0.0
            for (a, position) in s.dropLast().enumerated() { mu += u[a] * means[position] }
            means.append(-mu / u[k - 1])
            values.append(contentsOf: u)
        }
        // z_p = Ṽ_AA⁻¹ e_p on the closure A of {p}; Cov = Z Zᵀ over the union of the closures.
        var marker = [Int](repeating: -1, count: n + count), local = [Int](repeating: -1, count: n + count)
        var closures: [[Int]] = [], solutions: [[Double]] = []
        var blockValues: [Double] = []
        for t in 0..<count {
            let set = AncestorSets.closure(of: [n + t], factor: extended, marker: &marker, stamp: t)
            for (i, position) in set.enumerated() { local[position] = i }
            let block = TriangularBlock(pattern: extended, set: set[...], local: local)
            for position in set { local[position] = -1 }
            block.gather(values, into: &blockValues)
            var z = [Double](repeating: 0, count: set.count)
            z[set.count - 1] = 1
            block.solve(values: blockValues, &z)
            closures.append(set)
            solutions.append(z)
        }
        var column = [Int](repeating: -1, count: n + count), width = 0
        for set in closures { for position in set where column[position] < 0 { column[position] = width; width += 1 } }
        var z = Matrix(rows: count, cols: width)
        for t in 0..<count { for (i, position) in closures[t].enumerated() { z[t, column[position]] = solutions[t][i] } }
        var covariance = Matrix(rows: count, cols: count)
        syrk(.none, .lower, z, into: &covariance)
        covariance.symmetrizeFromLower()
        return DKLGPJointPrediction(mean: Array(means[n...]), covariance: covariance)
    }

    /// Per test row of `scaled`, its m nearest training points as (position, squared scaled distance).
    private func trainingNeighbours(_ scaled: Matrix, m: Int) -> [[(position: Int, squaredDistance: Double)]] {
        let order = variational.structure.ordering.order, ranks = variational.structure.ordering.ranks
        if let scan {
            return scan.map(queries: scaled) { _, distances in
                ConditioningSets.nearest(m, of: distances, order: order).map { ($0, distances[$0]) }
            }
        }
        guard let tree else { return [[(position: Int, squaredDistance: Double)]](repeating: [], count: scaled.rows) }
        return (0..<scaled.rows).map { t in
            tree.nearest(scaled.row(t), k: m).map { (ranks[$0.index], $0.squaredDistance) }
        }
    }
}
