import GPLinearAlgebra

/// Which ancestor sets the DKLGP ELBO's back-substitutions run over (docs/methods/dklgp.md#ancestor-sets).
public enum AncestorRule: Sendable, Equatable, Codable {
    /// The exact closure of each prior set under V's pattern: the ELBO is exact and its minibatch estimate
    /// unbiased, but a set can grow to O(n) positions (use for testing and small n).
    case exact
    /// The prior set plus every earlier point within ρ·ℓᵢ (the coarser point's maximin length scale), at most
    /// `cap` earlier positions: the DKLGP paper's approximation, polylogarithmic per column.
    case reduced(rho: Double, cap: Int)

    /// ρ = 2, at most 48 earlier positions. On simulation 1 (seeds 0–2, 10 epochs) caps 64, 48 and 32 give the
    /// same Gaussian and Student-t test NLL to 10⁻³; logit NLL medians 1.021 (64), 1.018 (48), 1.026 (32). Cap 48
    /// keeps 524 of the 816 nonzeros of V_AA per column (64) and shortens the epoch's evaluations by about a fifth.
    public static let standard = AncestorRule.reduced(rho: 2, cap: 48)
}

/// The fixed structure of a DKLGP (docs/methods/dklgp.md): the maximin ordering of the scaled inputs, the prior
/// factor's pattern (m nearest previous points), the variational factor V's pattern (the same, unless a test asks
/// for another), the ancestor sets of every column under V's pattern and the pattern of V's block on each
/// (`TriangularBlock`). Built once before training.
/// - Complexity: O(n log n) ordering and neighbour search (k-d tree); ancestor sets as `AncestorSets`; blocks
///   O(Σ_{j} Σ_{l∈A(j)} |s(l)|), columns in parallel; O(n m + Σ|A(j)| + Σ nnz(V_{A(j)A(j)})) memory.
public struct DKLGPStructure: Sendable {
    public let ordering: MaximinOrdering
    /// s(j) of the prior factor U.
    public let prior: ConditioningSets
    /// The pattern of the variational factor V (column j nonzero on its positions, j last).
    public let posterior: ConditioningSets
    /// A(j) per column (`AncestorSets`), in the layout of a pattern.
    public let ancestors: ConditioningSets
    /// The pattern of V's block on A(j), per column.
    public let blocks: [TriangularBlock]
    public let rule: AncestorRule
    /// The per-column scales the inputs were divided by.
    public let scales: [Double]

    /// The structure of inputs `x` scaled by `scales` with `neighbours` previous points per set, on the `ordering`
    /// method's maximin ordering; V's pattern equals the prior's.
    public init(_ x: Matrix, scales: [Double], neighbours: Int, rule: AncestorRule, ordering: MaximinMethod = .exact) {
        let vecchia = VecchiaStructure(x, scales: scales, neighbours: neighbours, ordering: ordering)
        self.init(x, vecchia: vecchia, posterior: vecchia.sets, rule: rule)
    }

    /// A structure whose V has its own pattern `posterior` (e.g. `ConditioningSets.complete`: a dense V).
    init(_ x: Matrix, vecchia: VecchiaStructure, posterior: ConditioningSets, rule: AncestorRule) {
        ordering = vecchia.ordering
        prior = vecchia.sets
        self.posterior = posterior
        self.rule = rule
        scales = vecchia.scales
        switch rule {
        case .exact:
            ancestors = AncestorSets.closure(seeds: prior, factor: posterior)
        case let .reduced(rho, cap):
            ancestors = AncestorSets.reduced(VecchiaStructure.scaled(x, by: scales), ordering: ordering, seeds: prior,
                                             rho: rho, cap: cap)
        }
        blocks = Self.blocks(of: posterior, on: ancestors)
    }

    /// V's block pattern on every column's ancestor set.
    static func blocks(of pattern: ConditioningSets, on ancestors: ConditioningSets) -> [TriangularBlock] {
        let n = ancestors.count
        return ParallelChunks(count: n).map { range in
            var local = [Int](repeating: -1, count: pattern.count)
            return range.map { j in
                let set = ancestors.column(j)
                for (t, p) in set.enumerated() { local[p] = t }
                defer { for p in set { local[p] = -1 } }
                return TriangularBlock(pattern: pattern, set: set, local: local)
            }
        }.flatMap { $0 }
    }

    public var count: Int { ordering.order.count }
}

/// The variational distribution q(f) = N(ν, (VVᵀ)⁻¹) of a DKLGP (docs/methods/dklgp.md#the-variational-family), in
/// the positions of its structure's ordering: ν, and V's nonzeros in its pattern's layout with each column's
/// diagonal stored as ζⱼ, Vⱼⱼ = exp ζⱼ + 10⁻⁴.
/// - Complexity: O(n m) memory.
public struct DKLGPVariational: Sendable {
    public let structure: DKLGPStructure
    /// ν (n values, positions of the ordering), parameter `q.mean`.
    public var mean: Parameter
    /// V's nonzeros, diagonals as ζ, parameter `q.factor`.
    public var factor: Parameter

    /// The floor of V's diagonal: Vⱼⱼ = exp ζⱼ + `diagonalFloor`.
    public static let diagonalFloor = 1e-4

    init(structure: DKLGPStructure, mean: [Double], factor: [Double]) {
        self.structure = structure
        self.mean = Parameter("mean", mean, .identity)
        self.factor = Parameter("factor", factor, .identity)
    }

    /// q = p̃: ν = 0 and V = U (the prior factor `u`, same pattern or one containing it; other entries 0).
    init(structure: DKLGPStructure, priorFactor u: SparseInverseCholesky) {
        let p = structure.posterior
        var values = [Double](repeating: 0, count: p.nonZeroCount)
        for j in 0..<p.count {
            let source = u.pattern.column(j), target = p.column(j)
            var k = source.startIndex
            for (t, row) in target.enumerated() {
                while k < source.endIndex && source[k] < row { k += 1 }
                if k < source.endIndex && source[k] == row { values[p.starts[j] + t] = u.values[k] }
            }
            let d = p.starts[j + 1] - 1
            values[d] = Self.logDiagonal(values[d])
        }
        self.init(structure: structure, mean: [Double](repeating: 0, count: p.count), factor: values)
    }

    /// ζ for a diagonal value v: log(v − floor) (v at or below the floor maps to the floor's scale).
    static func logDiagonal(_ v: Double) -> Double { Math.log(max(v - diagonalFloor, 1e-12)) }

    /// V as a sparse factor with actual diagonal values.
    public var factorValues: SparseInverseCholesky {
        var values = factor.value
        for j in 0..<structure.count {
            let d = structure.posterior.starts[j + 1] - 1
            values[d] = Math.exp(values[d]) + Self.diagonalFloor
        }
        return SparseInverseCholesky(pattern: structure.posterior, values: values)
    }
}
