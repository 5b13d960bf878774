import GPLinearAlgebra

/// A reverse-mode gradient tape whose nodes are matrices (scalars are `1 × 1`).
///
/// A model writes only its forward objective with the operations in `Tape+Operations.swift`; each
/// operation records its value and a hand-written vector–Jacobian product. `gradients(of:)` then runs
/// the adjoints in reverse once, so the gradient with respect to every leaf costs a small constant
/// times the forward pass. Hot objectives use fused nodes (e.g. `gaussianLogDensity`).
///
/// The tape also collects diagnostics of the forward pass: the largest jitter any factorisation added.
/// Not thread-safe: one tape per evaluation.
public final class Tape {
    typealias Backward = (_ adjoint: Matrix, _ tape: Tape) -> Void

    private(set) var values: [Matrix] = []
    private var backwards: [Backward?] = []
    private var adjoints: [Matrix?] = []
    /// The largest absolute jitter added by a factorisation recorded on this tape.
    public internal(set) var maxJitter: Double = 0

    public init() {}

    /// A leaf (an input the gradient is taken with respect to, or a constant).
    public func leaf(_ value: Matrix) -> Var {
        record(value, nil)
    }

    /// A leaf column vector.
    public func leaf(_ values: [Double]) -> Var { leaf(Matrix(column: values)) }

    func record(_ value: Matrix, _ backward: Backward?) -> Var {
        values.append(value)
        backwards.append(backward)
        return Var(tape: self, id: values.count - 1)
    }

    /// Adds `g` to the adjoint of node `v` (called by backward closures).
    func accumulate(_ v: Var, _ g: Matrix) {
        precondition(g.rows == values[v.id].rows && g.cols == values[v.id].cols,
                     "adjoint \(g.rows)×\(g.cols) for a \(values[v.id].rows)×\(values[v.id].cols) node")
        if adjoints[v.id] == nil { adjoints[v.id] = g } else { adjoints[v.id]! += g }
    }

    /// Runs the reverse sweep from a scalar `output` and returns the adjoint of each requested node
    /// (zeros where a node does not influence the output).
    public func gradients(of output: Var, withRespectTo nodes: [Var]) -> [Matrix] {
        precondition(output.value.count == 1, "gradients need a scalar output")
        adjoints = [Matrix?](repeating: nil, count: values.count)
        adjoints[output.id] = Matrix(scalar: 1)
        for id in stride(from: output.id, through: 0, by: -1) {
            guard let adj = adjoints[id], let back = backwards[id] else { continue }
            back(adj, self)
            // Free adjoints of interior nodes as soon as they have been propagated.
            if !nodes.contains(where: { $0.id == id }) { adjoints[id] = nil }
        }
        let out = nodes.map { adjoints[$0.id] ?? Matrix(rows: values[$0.id].rows, cols: values[$0.id].cols) }
        adjoints = []
        return out
    }
}

/// A node on a `Tape`: a handle to a matrix value that gradients can flow through.
///
/// A `Var` does not keep its tape alive (the tape's backward closures hold `Var`s, so a strong
/// reference would make every tape a retain cycle): keep the `Tape` itself for as long as its nodes are used.
public struct Var {
    public unowned let tape: Tape
    public let id: Int

    public var value: Matrix { tape.values[id] }
    public var rows: Int { tape.values[id].rows }
    public var cols: Int { tape.values[id].cols }
    /// The value of a `1 × 1` node.
    public var scalar: Double { tape.values[id].scalar }
}
