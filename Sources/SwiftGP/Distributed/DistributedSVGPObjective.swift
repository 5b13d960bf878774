import GPLinearAlgebra

/// The SVGP ELBO of a data set split over processes (docs/methods/distributed.md): every process runs the
/// same `Trainer.fit`, draws the same global minibatch B from the N global rows (same seed), evaluates
/// (N/|B|) Σ_{n ∈ B ∩ shard} E_q[log p(yₙ | fₙ)] on the rows of B it holds (rank 0 also −KL), and one
/// allreduce sums value and gradient. Natural-gradient steps sum their statistics the same way. So every
/// process holds the one-process ELBO, gradient and q(u) update of B, up to the order of the additions,
/// and takes the identical step.
///
/// `shards` are the parts this process holds: one under MPI, several when one process simulates R
/// (tests, with `SerialReducer`); each a `ShardSource`, so only a batch's rows are ever fetched (from memory, or
/// from a memory-mapped column file). No start screen (`dataSummary` is nil): it would need the data in one place.
/// - Complexity: O(|B ∩ shards| M² + M³) per evaluation and one allreduce of p + 2 doubles; natural-gradient
///   steps one allreduce of L(M² + M) + 1 doubles.
public struct DistributedSVGPObjective: ModelObjective, Sendable {
    public var model: SVGP
    public let shards: [any ShardSource]
    public let reducer: any Reducer
    /// N, the global row count.
    public let population: Int

    /// - Throws: `TrainingError.invalidData` when the shards do not belong to one data set of the model's width.
    public init(model: SVGP, shards: [any ShardSource], reducer: any Reducer) throws {
        guard let first = shards.first else { throw TrainingError.invalidData("a process holds no shard") }
        guard shards.allSatisfy({ $0.rows.population == first.rows.population && $0.inputDimension == model.inputDimension }) else {
            throw TrainingError.invalidData("shards of different data sets, or inputs without \(model.inputDimension) columns")
        }
        guard shards.allSatisfy({ $0.rows.count > 0 }) else {
            throw TrainingError.invalidData("an empty shard: \(first.rows.population) rows over \(first.rows.size) processes (use at most one process per row)")
        }
        self.model = model
        self.shards = shards
        self.reducer = reducer
        population = first.rows.population
    }

    public var minibatchPopulation: Int? { population }

    /// The local rows of `batch` (global indices; nil: every row) in each shard.
    private func localRows(_ batch: [Int]?) -> [[Int]] {
        shards.map { shard in batch.map { shard.rows.localRows(of: $0) } ?? Array(0..<shard.rows.count) }
    }

    /// The part of the ELBO on the rows `local` of `shard`, scaled by `scale`, minus the KL when `withKL`.
    /// A process with no rows of the batch but the KL evaluates one row at weight 0 (its data gradient is
    /// then exactly 0).
    private func partial(_ shard: any ShardSource, rows local: [Int], scale: Double, withKL: Bool,
                         gradient: Bool) throws -> Evaluation {
        let zero = ReducedEvaluation(parameters).zero()
        if local.isEmpty && !withKL { return zero }
        let weight = local.isEmpty ? 0 : scale
        let b = try shard.fetch(local.isEmpty ? [0] : local)
        let part = SVGPObjective(model: model, x: b.x, y: b.y, noise: b.noise)
        let tape = Tape()
        let leaves = ParameterLeaves(parameters, on: tape)
        let (ve, kl) = try part.terms(on: tape, parameters: leaves, xb: b.x, yb: b.y, sb: b.noise)
        let out = withKL ? weight * ve - kl : weight * ve
        guard gradient else { return Evaluation(value: out.scalar, gradient: zero.gradient, jitter: tape.maxJitter) }
        return Evaluation(value: out.scalar, gradient: tape.gradients(of: out, withRespectTo: leaves.all).map(\.storage),
                          jitter: tape.maxJitter)
    }

    /// Sums this process's parts, then over processes. A failure on any process throws on every process.
    private func reduced(batch: [Int]?, chunk: Int? = nil, gradient: Bool) throws -> Evaluation {
        let scale = Double(population) / Double(batch?.count ?? population)
        let form = ReducedEvaluation(parameters)
        var local: Evaluation? = form.zero()
        do {
            for (k, rows) in localRows(batch).enumerated() {
                let withKL = reducer.rank == 0 && k == 0
                // Value-only passes over all rows go in chunks (memory O(chunk · M)).
                let pieces = chunk.map { c in stride(from: 0, to: rows.count, by: c).map { Array(rows[$0..<min($0 + c, rows.count)]) } } ?? [rows]
                for (i, piece) in (pieces.isEmpty ? [[]] : pieces).enumerated() {
                    let e = try partial(shards[k], rows: piece, scale: scale, withKL: withKL && i == 0, gradient: gradient)
                    local = ReducedEvaluation.add(local!, e)
                }
            }
        } catch {
            local = nil
        }
        var v = form.flatten(local)
        try reducer.sum(&v)
        return try form.unflatten(v, jitter: local?.jitter ?? 0)
    }

    public func evaluate(batch: [Int]?) throws -> Evaluation { try reduced(batch: batch, gradient: true) }

    public func value(batch: [Int]?) throws -> Double { try reduced(batch: batch, gradient: false).value }

    /// The full-data ELBO, each process over its rows in chunks of 4096, then summed.
    public func fullValue() throws -> Double { try reduced(batch: nil, chunk: 4096, gradient: false).value }

    /// Natural-gradient steps on q(u) (`q.mean` and `q.sqrt` together): every process computes the
    /// statistics of its rows of the batch, one allreduce sums them, every process applies the same step.
    public mutating func update(_ update: ClosedFormUpdate, parameters names: [String], batch: [Int]?) throws {
        guard case let .naturalGradient(stepSize) = update, Set(names) == ["q.mean", "q.sqrt"] else {
            throw TrainingError.unsupportedUpdate(updater: "\(update) of \(names)", objective: "the distributed SVGP ELBO")
        }
        guard model.variational.covariance == .full else {
            throw TrainingError.invalidGroups("natural gradients need a full-covariance q(u)")
        }
        let m = model.inducingCount, latents = model.variational.latentCount
        let scale = Double(population) / Double(batch?.count ?? population)
        // [failed, (precision M², shift M) per latent]
        var v = [Double](repeating: 0, count: 1 + latents * (m * m + m))
        do {
            for (k, rows) in localRows(batch).enumerated() where !rows.isEmpty {
                let b = try shards[k].fetch(rows)
                let s = try model.naturalGradientStatistics(b.x, b.y, noise: b.noise, batch: nil, scale: scale)
                for l in 0..<latents {
                    let at = 1 + l * (m * m + m)
                    for i in 0..<(m * m) { v[at + i] += s[l].precision.storage[i] }
                    for i in 0..<m { v[at + m * m + i] += s[l].shift[i] }
                }
            }
        } catch {
            v = [Double](repeating: 0, count: v.count)
            v[0] = 1
        }
        try reducer.sum(&v)
        guard v[0] == 0 else { throw ReductionError("the natural-gradient statistics failed on \(Int(v[0])) rank(s)") }
        let statistics = (0..<latents).map { l in
            let at = 1 + l * (m * m + m)
            return NaturalGradientStatistics(precision: Matrix(rows: m, cols: m, storage: Array(v[at..<(at + m * m)])),
                                             shift: Array(v[(at + m * m)..<(at + m * m + m)]))
        }
        try model.applyNaturalGradient(statistics, stepSize: stepSize)
    }
}
