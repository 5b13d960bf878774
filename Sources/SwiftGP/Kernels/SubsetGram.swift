import GPLinearAlgebra

/// The Gram matrices Θ_s = K(X_s, X_s) of many small point sets s of one input matrix X, and their parameter VJPs
/// ∂⟨Θ̄, Θ_s⟩/∂θ summed over the sets: the per-column blocks of the DKLGP ELBO (docs/methods/dklgp.md#gradients).
/// A set holds positions p, meaning rows `order[p]` of X (`Inputs`, laid out once per data set). Made per evaluation
/// (the kernel's current parameters); each thread then takes a `Workspace`, whose scratch is reused from set to set.
///
/// Stationary kernels without shape parameters (`SubsetGramSource`) take a fast path: per set, its points gathered
/// from the row layout (contiguous reads) and scaled by the lengthscales, the squared differences of
/// its k(k−1)/2 pairs per dimension, r², and κ with κ′ in one batch profile call over all pairs; the VJP reuses
/// them (no kernel value is computed twice) and sums the lengthscale and variance terms over contiguous pair
/// arrays. The values are those of `gram` on the selected rows, bit for bit. Other kernels: `gram` and
/// `gramGradient(_:symmetricLowerAdjoint:)` on the selected rows.
/// - Complexity: O(d) per evaluation (`Inputs`: O(n d) once); per set of k points O(k² d) and one profile evaluation per pair;
///   O(k² d) scratch per workspace.
public struct SubsetGram: Sendable {
    let kernel: any Kernel
    let inputs: Inputs
    /// The fast path's kernel parts, or nil.
    let stationary: StationarySubsetParts?

    /// The input matrix X with the positions' order, and X's rows in that order laid out row by row
    /// (`rows[p * d + c] = x[order[p], c]`): built once per data set, so that each set's points are contiguous
    /// reads. - Complexity: O(n d).
    public struct Inputs: Sendable {
        let x: Matrix
        let order: [Int]
        let rows: [Double]

        /// Sets of positions into `order` (rows `order[p]` of `x`); `order` defaults to the identity.
        public init(_ x: Matrix, order: [Int]? = nil) {
            let order = order ?? Array(0..<x.rows)
            let d = x.cols
            var rows = [Double](repeating: 0, count: order.count * d)
            for (p, row) in order.enumerated() { for c in 0..<d { rows[p * d + c] = x.storage[row + c * x.rows] } }
            self.x = x
            self.order = order
            self.rows = rows
        }
    }

    /// The kernel at its current parameters on `inputs`. - Complexity: O(d).
    public init(kernel: any Kernel, inputs: Inputs) {
        self.kernel = kernel
        self.inputs = inputs
        stationary = (kernel as? any SubsetGramSource)?.subsetParts(dimension: inputs.x.cols)
    }

    public func workspace() -> Workspace { Workspace(source: self) }

    /// One thread's scratch, and the sum of the VJPs it has been given.
    public struct Workspace {
        let source: SubsetGram
        /// The current set's size k; its points by dimension (`coordinates[c * k + i]`), the squared differences
        /// of its pairs per dimension (`squares[c * pairs + o]`, pairs (a > b) column by column), r², κ, κ′.
        var size = 0
        var coordinates: [Double] = [], squares: [Double] = [], r2: [Double] = [], kappa: [Double] = [], dkappa: [Double] = []
        var weights: [Double] = []
        /// Fast path: Σ g Δ_c² per dimension, Σ w κ over pairs, Σ Θ̄ᵢᵢ; other kernels: the selected rows and the
        /// summed gradient.
        var sums: [Double] = [], pairValue = 0.0, trace = 0.0
        var rows: Matrix? = nil
        var total: [Double] = []

        init(source: SubsetGram) {
            self.source = source
            if let parts = source.stationary { sums = [Double](repeating: 0, count: parts.inverseLengthscales.count) }
        }

        /// Writes the lower triangle (diagonal included) of Θ_s into `gram` (k × k), replacing it when its size
        /// differs; the strict upper triangle is left as it was (other kernels: all of Θ_s).
        public mutating func gram(_ positions: ArraySlice<Int>, into gram: inout Matrix) {
            let k = positions.count
            size = k
            if gram.rows != k || gram.cols != k { gram = Matrix(rows: k, cols: k) }
            guard let parts = source.stationary else {
                rows = source.inputs.x.selectingRows(positions.map { source.inputs.order[$0] })
                fill(&gram)
                return
            }
            let d = parts.inverseLengthscales.count, pairs = k * (k - 1) / 2
            resize(&coordinates, k * d)
            resize(&squares, pairs * d)
            resize(&r2, pairs)
            resize(&kappa, pairs)
            resize(&dkappa, pairs)
            // The set's points scaled by the lengthscales (x / ℓ as `gram` scales them), by dimension.
            source.inputs.rows.withUnsafeBufferPointer { pts in
                coordinates.withUnsafeMutableBufferPointer { xs in
                    parts.inverseLengthscales.withUnsafeBufferPointer { inv in
                        for (i, p) in positions.enumerated() { for c in 0..<d { xs[c * k + i] = pts[p * d + c] * inv[c] } }
                    }
                }
            }
            coordinates.withUnsafeBufferPointer { xs in
                squares.withUnsafeMutableBufferPointer { sq in
                    r2.withUnsafeMutableBufferPointer { r in
                        guard pairs > 0 else { return }
                        let r = r.baseAddress!
                        for c in 0..<d {
                            let xc = xs.baseAddress! + c * k, out = sq.baseAddress! + c * pairs
                            var o = 0
                            for b in 0..<(k - 1) {
                                // (x[b + 1 + t] − x[b])² for the later points: `gram`'s r² in one dimension.
                                squaredDistances(xc + b + 1, lda: 0, xc + b, ldb: 0, dimension: 1, count: k - 1 - b, into: out + o)
                                o += k - 1 - b
                            }
                            // r² summed over the dimensions in order, as `gram` does.
                            if c == 0 { r.update(from: out, count: pairs) } else { add(out, into: r, count: pairs) }
                        }
                        if d == 0 { r.update(repeating: 0, count: pairs) }
                    }
                }
            }
            r2.withUnsafeBufferPointer { r in
                kappa.withUnsafeMutableBufferPointer { kv in
                    dkappa.withUnsafeMutableBufferPointer { dk in
                        if pairs > 0 {
                            parts.profile.valuesAndDerivatives(r.baseAddress!, values: kv.baseAddress!, derivatives: dk.baseAddress!,
                                                               count: pairs)
                        }
                    }
                }
            }
            fill(&gram)
        }

        /// Writes the lower triangle (diagonal included) of the last set's Θ_s into `gram` again, from the kept κ
        /// (other kernels: `gram` once more): what a Cholesky retry refills its matrix from.
        public func fill(_ gram: inout Matrix) {
            let k = size
            guard let parts = source.stationary else {
                gram = source.kernel.gram(rows!)
                return
            }
            let s2 = parts.variance
            kappa.withUnsafeBufferPointer { kv in
                gram.storage.withUnsafeMutableBufferPointer { g in
                    var o = 0
                    for b in 0..<k {
                        g[b + b * k] = parts.diagonal
                        let column = g.baseAddress! + b * k + b + 1, m = k - 1 - b
                        for t in 0..<m { column[t] = s2 * kv[o + t] }
                        o += m
                    }
                }
            }
        }

        /// Adds ∂⟨Θ̄, Θ_s⟩/∂θ for the set of the last `gram` call; Θ̄ is symmetric, its lower triangle (diagonal
        /// included) in `adjoint` (k × k; the strict upper triangle is not read).
        public mutating func addGradient(symmetricLowerAdjoint adjoint: Matrix) {
            let k = size
            precondition(adjoint.rows == k && adjoint.cols == k, "an adjoint of \(adjoint.rows)×\(adjoint.cols) for a set of \(k)")
            guard let parts = source.stationary else {
                let g = source.kernel.gramGradient(rows!, symmetricLowerAdjoint: adjoint)
                if total.isEmpty { total = g } else { for i in g.indices { total[i] += g[i] } }
                return
            }
            let d = parts.inverseLengthscales.count, pairs = k * (k - 1) / 2
            resize(&weights, pairs)
            adjoint.storage.withUnsafeBufferPointer { adj in
                for i in 0..<k { trace += adj[i + i * k] }
                weights.withUnsafeMutableBufferPointer { w in
                    // w = 2Θ̄_ab on the pairs a > b (the upper triangle's share), column by column.
                    var o = 0
                    for b in 0..<k {
                        for a in (b + 1)..<max(b + 1, k) {
                            w[o] = 2 * adj[a + b * k]
                            o += 1
                        }
                    }
                }
            }
            weights.withUnsafeMutableBufferPointer { w in
                kappa.withUnsafeBufferPointer { kv in
                    dkappa.withUnsafeBufferPointer { dk in
                        squares.withUnsafeBufferPointer { sq in
                            guard pairs > 0 else { return }
                            pairValue += sumOfProducts(w.baseAddress!, kv.baseAddress!, count: pairs)
                            for t in 0..<pairs { w[t] *= dk[t] }   // g = w κ′
                            sums.withUnsafeMutableBufferPointer { s in
                                for c in 0..<d { s[c] += sumOfProducts(w.baseAddress!, sq.baseAddress! + c * pairs, count: pairs) }
                            }
                        }
                    }
                }
            }
        }

        /// ∂/∂θ summed over every set passed to `addGradient` so far, flattened like `kernel.parameters`.
        public var gradient: [Double] {
            guard let parts = source.stationary else {
                return total.isEmpty ? [Double](repeating: 0, count: source.kernel.parameters.reduce(0) { $0 + $1.count }) : total
            }
            return parts.gradient(sums + [pairValue], trace)
        }

        private func resize(_ a: inout [Double], _ count: Int) {
            if a.count < count { a = [Double](repeating: 0, count: count) }
        }
    }
}

/// What `SubsetGram`'s fast path needs of a stationary kernel.
struct StationarySubsetParts: Sendable {
    let profile: any RadialProfile
    let variance: Double
    /// σ² κ(0).
    let diagonal: Double
    /// 1/ℓ_c per input dimension.
    let inverseLengthscales: [Double]
    /// The parameter gradient from the pair sums (Σ g Δ_c² per dimension, then Σ w κ) and Σ Θ̄ᵢᵢ.
    let gradient: @Sendable ([Double], Double) -> [Double]
}

/// A kernel with `SubsetGram`'s fast path.
protocol SubsetGramSource {
    /// The parts for inputs of `dimension` columns, or nil when the fast path does not apply.
    func subsetParts(dimension: Int) -> StationarySubsetParts?
}

/// `r[t] += x[t]` for t < count, eight lanes at a time.
@inline(__always)
private func add(_ x: UnsafeMutablePointer<Double>, into r: UnsafeMutablePointer<Double>, count: Int) {
    var t = 0
    while t + 8 <= count {
        store8(load8(r + t) + load8(x + t), r + t)
        t += 8
    }
    while t < count {
        r[t] += x[t]
        t += 1
    }
}
