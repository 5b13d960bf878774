import GPLinearAlgebra

/// The fixed structure of a Vecchia approximation (docs/methods/vecchia.md): the maximin ordering of the inputs
/// scaled per column, and each point's conditioning set — its m nearest previous points. Built once, before
/// training: recomputing it as lengthscales move would make the objective jump.
/// - Complexity: O(n log n) on well-spread low-dimensional inputs (k-d tree), O(n m) memory.
public struct VecchiaStructure: Sendable {
    public let ordering: MaximinOrdering
    public let sets: ConditioningSets
    /// The per-column scales the inputs were divided by.
    public let scales: [Double]

    /// The structure of inputs `x` (rows are points) scaled by `scales` (one per column), with `neighbours`
    /// previous points per conditioning set, on the `ordering` method's maximin ordering.
    public init(_ x: Matrix, scales: [Double], neighbours: Int, ordering method: MaximinMethod = .exact) {
        let scaled = Self.scaled(x, by: scales)
        ordering = method.order(scaled)
        sets = ConditioningSets.nearestPrevious(scaled, order: ordering.order, neighbours: neighbours)
        self.scales = scales
    }

    /// The scales a kernel suggests: its ARD lengthscales when it has one per column, else each column's
    /// spread (`DataSummary`).
    public static func scales(for kernel: any Kernel, inputs x: Matrix) -> [Double] {
        if let l = kernel.parameters.first(where: { $0.name.hasSuffix("lengthscale") && $0.count == x.cols }) { return l.value }
        return DataSummary(x: x, y: []).inputScales
    }

    /// `x` with column j divided by `scales[j]`.
    static func scaled(_ x: Matrix, by scales: [Double]) -> Matrix {
        var s = x
        for j in 0..<x.cols {
            let f = scales[j] > 0 && scales[j].isFinite ? 1 / scales[j] : 1
            for i in 0..<x.rows { s[i, j] *= f }
        }
        return s
    }
}
