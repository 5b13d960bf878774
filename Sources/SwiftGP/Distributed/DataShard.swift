import GPLinearAlgebra

/// The rows of a data set that one process holds in a data-parallel fit: inputs, targets and optional
/// per-point noise variances of the global rows `rows.start ..< rows.end` (local row i is global row
/// rows.start + i).
/// - Complexity: O(n_r d) memory for the shard's n_r rows.
public struct DataShard: Sendable {
    public let x: Matrix
    public let y: [Double]
    public let noise: [Double]?
    public let rows: RowShard

    /// - Throws: `TrainingError.invalidData` when the shapes disagree with each other or with `rows`.
    public init(x: Matrix, y: [Double], noise: [Double]? = nil, rows: RowShard) throws {
        guard x.rows == y.count, x.rows == rows.count, noise.map({ $0.count == y.count }) ?? true else {
            throw TrainingError.invalidData("shard \(rows): \(x.rows) input rows, \(y.count) targets, "
                                            + "\(noise.map { "\($0.count) noise variances" } ?? "no noise") for \(rows.count) rows")
        }
        self.x = x
        self.y = y
        self.noise = noise
        self.rows = rows
    }

    /// The shards of a data set held in memory, as R processes would hold them (tests, one-process runs).
    /// - Throws: as `RowShard`.
    public static func split(x: Matrix, y: [Double], noise: [Double]? = nil, into size: Int) throws -> [DataShard] {
        try RowShard.all(of: size, population: x.rows).map { r in
            let rows = Array(r.range)
            return try DataShard(x: x.selectingRows(rows), y: rows.map { y[$0] }, noise: noise.map { n in rows.map { n[$0] } }, rows: r)
        }
    }
}

/// Flattening an `Evaluation` (value, gradient) for one allreduce, with a failure count: a rank whose
/// evaluation threw contributes 1, so every rank learns of the failure in the same reduction and throws
/// too (a rank that skipped the reduction would leave the others waiting).
/// - Complexity: O(p) for p gradient entries.
struct ReducedEvaluation {
    /// The shapes of the gradient (one count per parameter).
    let counts: [Int]

    init(_ parameters: [Parameter]) { counts = parameters.map(\.count) }

    /// [failed, value, gradient…]: zeros with failed = 1 when `evaluation` is nil.
    func flatten(_ evaluation: Evaluation?) -> [Double] {
        guard let e = evaluation else { return [1] + [Double](repeating: 0, count: 1 + counts.reduce(0, +)) }
        return [0, e.value] + e.gradient.flatMap { $0 }
    }

    /// The evaluation of a reduced vector. - Throws: `ReductionError` naming how many ranks failed.
    func unflatten(_ v: [Double], jitter: Double) throws -> Evaluation {
        guard v[0] == 0 else { throw ReductionError("the evaluation failed on \(Int(v[0])) rank(s)") }
        var gradient: [[Double]] = []
        var at = 2
        for c in counts {
            gradient.append(Array(v[at..<(at + c)]))
            at += c
        }
        return Evaluation(value: v[1], gradient: gradient, jitter: jitter)
    }

    /// A zero evaluation (a process with no rows of the batch).
    func zero() -> Evaluation { Evaluation(value: 0, gradient: counts.map { [Double](repeating: 0, count: $0) }) }

    /// Sums evaluations.
    static func add(_ a: Evaluation, _ b: Evaluation) -> Evaluation {
        Evaluation(value: a.value + b.value, gradient: zip(a.gradient, b.gradient).map { zip($0, $1).map(+) },
                   jitter: max(a.jitter, b.jitter))
    }
}
