import GPLinearAlgebra

/// DKLGP prediction at new points (docs/methods/dklgp.md#prediction). A test point p is appended after the training
/// points with its prior SIC column: c = its m nearest training points (k-d tree, scaled inputs), u = L⁻ᵀe_last
/// from L = chol Θ_{s s}, s = c ∪ {p}. With Ṽ = [V v_op; 0 v_pp] (v_op = u_c, v_pp = u_last) the joint
/// q(f_o, f_p) = q(f_o) p̃(f_p | f_o) gives
///
///     E[f_p] = −u_cᵀν_c / u_last,   Var f_p = (1 + ‖V_AA⁻¹ u_c‖²) / u_last²,
///
/// A the ancestor set of c under V's pattern (exact closure, or the reduced rule's set of p). Independent
/// marginals: each test point conditions on training points only. The latent variance includes the nugget τ.
/// Neighbours and reduced ancestors come from k-d tree queries, or from 8 input columns on from a dgemm scan of the
/// distances to all training points (`PreviousPointScan`, O(n d) per test point).
/// - Complexity: O(n log n) to build; O(log n + m³ + m² d + |A| m) per test point, test points on all cores.
public struct DKLGPPosterior: Sendable {
    public let model: DKLGP
    public let variational: DKLGPVariational
    let x: Matrix
    /// The neighbour search: k-d tree queries (with the reduced-ancestor search), or for many input columns
    /// (`PreviousPointScan.preferred`) dgemm blocks of distances to every training point.
    let tree: KDTree?
    let search: ReducedAncestorSearch?
    let scan: PreviousPointScan?
    let factor: SparseInverseCholesky

    init(model: DKLGP, variational: DKLGPVariational, x: Matrix) {
        self.model = model
        self.variational = variational
        self.x = x
        let structure = variational.structure
        let scaled = VecchiaStructure.scaled(x, by: structure.scales)
        if PreviousPointScan.preferred(dimension: x.cols) {
            (tree, search, scan) = (nil, nil, PreviousPointScan(scaled, order: structure.ordering.order))
        } else {
            tree = KDTree(scaled, ranks: structure.ordering.ranks)
            if case let .reduced(rho, cap) = structure.rule {
                search = ReducedAncestorSearch(scaled, ordering: structure.ordering, rho: rho, cap: cap)
            } else {
                search = nil
            }
            scan = nil
        }
        factor = variational.factorValues
    }

    /// Latent mean and variance at the rows of `xs`.
    /// - Throws: `PredictionError.inputColumns` for inputs with another number of columns than the training data;
    ///   `LinearAlgebraError` when a neighbour block cannot be factorised.
    public func predict(at xs: Matrix) throws -> GaussianPrediction {
        try PredictionError.checkColumns(xs, expected: x.cols)
        let structure = variational.structure
        let scaled = VecchiaStructure.scaled(xs, by: structure.scales)
        let kernel = model.kernel, nugget = model.nugget, policy = model.jitter
        let m = min(model.neighbours, x.rows)
        let ranks = structure.ordering.ranks, order = structure.ordering.order
        let nu = variational.mean.value, factor = self.factor, pattern = structure.posterior
        let (x, tree, search) = (self.x, self.tree, self.search)
        let n = x.rows, lengths = structure.ordering.lengths, rule = structure.rule
        // With the scan: every test point's neighbours (and reduced ancestors) from its row of distances.
        let scanned = scan?.map(queries: scaled) { _, distances -> (neighbours: [Int], ancestors: [Int]?) in
            let c = ConditioningSets.nearest(m, of: distances, order: order)
            guard case let .reduced(rho, cap) = rule else { return (c, nil) }
            return (c, AncestorSets.reduced(distances, lengths: lengths, rho: rho, cap: max(1, cap), seeds: c[...]))
        }
        let chunks = try ParallelChunks(count: xs.rows).map { range in
            var mean: [Double] = [], variance: [Double] = []
            var marker = [Int](repeating: -1, count: n), local = [Int](repeating: -1, count: n)
            var values: [Double] = []
            for t in range {
                let q = scaled.row(t)
                let c: [Int]
                if let scanned { c = scanned[t].neighbours } else if let tree {
                    c = tree.nearest(q, k: m).map { ranks[$0.index] }.sorted()
                } else { c = [] }
                let k = c.count + 1
                var block = Matrix(rows: k, cols: k)
                let xc = x.selectingRows(c.map { order[$0] }), xt = xs.selectingRows([t])
                let kcc = kernel.gram(xc), kct = kernel.cross(xc, xt), ktt = kernel.diagonal(xt)[0]
                for a in 0..<(k - 1) {
                    for b in 0..<(k - 1) { block[a, b] = kcc[a, b] }
                    block[a, a] += nugget
                    block[a, k - 1] = kct[a, 0]
                    block[k - 1, a] = kct[a, 0]
                }
                block[k - 1, k - 1] = ktt + nugget
                let l = try Cholesky(block, policy: policy)
                var u = [Double](repeating: 0, count: k)
                u[k - 1] = 1
                trsv(.lower, .transposed, l.lower, &u)
                let last = u[k - 1]
                var mu = 0.0
                for (i, pos) in c.enumerated() { mu += u[i] * nu[pos] }
                mean.append(-mu / last)
                // ‖V_AA⁻¹ u_c‖² over the ancestor set of c.
                let anc: [Int]
                if let reduced = scanned?[t].ancestors {
                    anc = reduced
                } else if let search {
                    anc = search.ancestors(of: q, rankBelow: n, seeds: c)
                } else {
                    anc = AncestorSets.closure(of: c, factor: pattern, marker: &marker, stamp: t)
                }
                for (i, pos) in anc.enumerated() { local[pos] = i }
                var w = [Double](repeating: 0, count: anc.count)
                for (i, pos) in c.enumerated() { w[local[pos]] = u[i] }
                let restricted = TriangularBlock(pattern: pattern, set: anc[...], local: local)
                restricted.gather(factor.values, into: &values)
                restricted.solve(values: values, &w)
                for pos in anc { local[pos] = -1 }
                variance.append(max(0, (1 + w.reduce(0) { $0 + $1 * $1 }) / (last * last)))
            }
            return (mean, variance)
        }
        return GaussianPrediction(mean: chunks.flatMap(\.0), variance: chunks.flatMap(\.1))
    }

    /// Mean and variance of y* under the likelihood (`Likelihood.predictiveMoments`).
    public func predictObserved(at xs: Matrix) throws -> GaussianPrediction {
        let p = try predict(at: xs)
        return model.likelihood.predictiveMoments(mean: Matrix(column: p.mean), variance: Matrix(column: p.variance))
    }
}
