import GPLinearAlgebra

/// The collapsed SGPR bound of a data set split over processes (docs/methods/distributed.md#sgpr). The bound
/// depends on the data only through sums over rows: with A = L⁻¹K_uf (L L ᵀ = K_uu),
/// S = A Aᵀ (M × M), v = A y (M), t = Σ kₙₙ, yᵀy and N. Each process computes its rows' parts, one allreduce
/// sums them, and every process evaluates
/// L = −(N/2)log 2π − ½ log|B| − (N/2) log σ² − yᵀy/(2σ²) + ½‖c‖² − t/(2σ²) + tr S/(2σ²),
/// B = I + S/σ², c = L_B⁻¹ v/σ², and its derivatives with respect to (S, v, t, σ²). The gradient with respect
/// to the kernel and Z is the vector–Jacobian product of those adjoints through each process's own
/// statistics (a second allreduce). Homoscedastic noise only (no per-point noise variances).
/// - Complexity: O(n_r M² + M³) per evaluation on a process with n_r rows; two allreduces, of M² + M + 4
///   and p + 2 doubles.
public struct DistributedSGPRBound: ModelObjective, Sendable {
    public var model: SGPR
    public let shards: [DataShard]
    public let reducer: any Reducer
    public let population: Int

    /// - Throws: `TrainingError.invalidData` for shards of different data sets, of the wrong width, or with
    ///   per-point noise variances.
    public init(model: SGPR, shards: [DataShard], reducer: any Reducer) throws {
        guard let first = shards.first else { throw TrainingError.invalidData("a process holds no shard") }
        guard shards.allSatisfy({ $0.rows.population == first.rows.population && $0.x.cols == model.inputDimension }) else {
            throw TrainingError.invalidData("shards of different data sets, or inputs without \(model.inputDimension) columns")
        }
        guard shards.allSatisfy({ $0.noise == nil }) else {
            throw TrainingError.invalidData("the distributed SGPR bound takes no per-point noise variances")
        }
        self.model = model
        self.shards = shards
        self.reducer = reducer
        population = first.rows.population
    }

    /// One shard's statistics on its own tape (kept for the vector–Jacobian product).
    private struct Part {
        let tape: Tape
        let leaves: ParameterLeaves
        let s: Var, v: Var, t: Var
        let yy: Double
    }

    private func part(_ shard: DataShard) throws -> Part {
        let tape = Tape()
        let p = ParameterLeaves(parameters, on: tape)
        let kp = p.scoped("kernel"), z = p["inducing"], d = model.inputDimension
        let lz = try cholesky(model.kernel.gram(inputs: z, dimension: d, on: kp), policy: model.jitter, isLatentPrior: true)
        let a = triangularSolve(lz, model.kernel.cross(inputs: z, dimension: d, shard.x, on: kp))     // L⁻¹K_uf
        return Part(tape: tape, leaves: p, s: matmul(a, a, .none, .transposed), v: matmul(a, tape.leaf(shard.y)),
                    t: sum(model.kernel.diagonal(shard.x, on: kp)), yy: dot(shard.y, shard.y))
    }

    public func evaluate(batch: [Int]?) throws -> Evaluation {
        let m = model.inducingCount
        let form = ReducedEvaluation(parameters)
        // 1. Statistics: [failed, S (M²), v (M), t, yᵀy, jitter].
        var parts: [Part] = []
        var stats = [Double](repeating: 0, count: 1 + m * m + m + 3)
        do {
            for shard in shards where shard.rows.count > 0 {
                let q = try part(shard)
                parts.append(q)
                for i in 0..<(m * m) { stats[1 + i] += q.s.value.storage[i] }
                for i in 0..<m { stats[1 + m * m + i] += q.v.value.storage[i] }
                stats[1 + m * m + m] += q.t.scalar
                stats[2 + m * m + m] += q.yy
            }
        } catch {
            stats = [Double](repeating: 0, count: stats.count)
            stats[0] = 1
        }
        try reducer.sum(&stats)
        guard stats[0] == 0 else { throw ReductionError("the SGPR statistics failed on \(Int(stats[0])) rank(s)") }
        // 2. The bound from the summed statistics, and its adjoints (every process alike).
        let tape = Tape()
        let s = tape.leaf(Matrix(rows: m, cols: m, storage: Array(stats[1..<(1 + m * m)])))
        let v = tape.leaf(Array(stats[(1 + m * m)..<(1 + m * m + m)]))
        let t = tape.leaf([stats[1 + m * m + m]])
        let yy = stats[2 + m * m + m], n = Double(population)
        let noise = tape.leaf(model.likelihood.variance.value)
        let invNoise = reciprocal(noise)
        var bound: Var
        var adjoints: [Matrix] = []
        var failed = 0.0
        do {
            let lb = try cholesky(addingDiagonal(invNoise * s, tape.constant(1)), policy: model.jitter)
            let c = triangularSolve(lb, invNoise * v)
            bound = tape.constant(-0.5 * n * Math.logTwoPi) - 0.5 * logDeterminant(cholesky: lb) - (0.5 * n) * log(noise)
                - (0.5 * yy) * invNoise + 0.5 * sumOfSquares(c) - 0.5 * (invNoise * t) + 0.5 * (invNoise * trace(s))
            adjoints = tape.gradients(of: bound, withRespectTo: [s, v, t, noise])
        } catch {
            bound = tape.constant(0)
            failed = 1
        }
        // 3. The vector–Jacobian product through this process's statistics, summed over processes.
        var local: Evaluation? = failed == 0 ? form.zero() : nil
        if failed == 0 {
            for q in parts {
                let qt = q.tape
                let product = inner(qt.leaf(adjoints[0]), q.s) + inner(qt.leaf(adjoints[1]), q.v) + adjoints[2].scalar * q.t
                let g = qt.gradients(of: product, withRespectTo: q.leaves.all).map(\.storage)
                local = ReducedEvaluation.add(local!, Evaluation(value: 0, gradient: g, jitter: qt.maxJitter))
            }
        }
        var flat = form.flatten(local)
        try reducer.sum(&flat)
        var e = try form.unflatten(flat, jitter: max(local?.jitter ?? 0, tape.maxJitter))
        // σ² enters the bound directly too (every process holds the same value: added after the sum).
        e.value = bound.scalar
        if let i = parameters.firstIndex(where: { $0.name == "likelihood.variance" }) {
            e.gradient[i][0] += adjoints[3].scalar
        }
        return e
    }
}

extension DistributedSGPRBound {
    /// The posterior with the optimal q(u), from the summed statistics (one allreduce): whitened S = B⁻¹,
    /// m = L_B⁻ᵀ c, B = I + S/σ², c = L_B⁻¹ v/σ² — `SGPR.posterior` without the data in one place.
    /// - Complexity: O(n_r M² + M³) and one allreduce of M² + M doubles.
    public func posterior() throws -> InducingPosterior {
        let m = model.inducingCount, z = model.z
        let lz = try Cholesky(model.kernel.gram(z), policy: model.jitter, isLatentPrior: true)
        var stats = [Double](repeating: 0, count: m * m + m)
        for shard in shards where shard.rows.count > 0 {
            let a = lz.solveLower(model.kernel.cross(z, shard.x))
            var s = Matrix(rows: m, cols: m)
            syrk(.none, .lower, a, beta: 0, into: &s)
            for i in 0..<(m * m) { stats[i] += s.storage[i] }
            let v = matvec(a, shard.y)
            for i in 0..<m { stats[m * m + i] += v[i] }
        }
        try reducer.sum(&stats)
        let s2 = model.likelihood.variance.scalar
        var b = Matrix.identity(m)
        for j in 0..<m { for i in j..<m { b[i, j] += stats[i + j * m] / s2 } }
        let lb = try Cholesky(b, policy: model.jitter)
        let c = lb.solveLower(Array(stats[(m * m)...]).map { $0 / s2 })
        let mw = lb.solveUpper(Matrix(column: c))
        let sqrtW = lb.lowerInverse().transposed
        return InducingPosterior(kernel: model.kernel, likelihood: model.likelihood, z: z, factor: lz,
                                 projectedMean: lz.solveUpper(mw), projectedSqrt: [lz.solveUpper(sqrtW)])
    }
}
