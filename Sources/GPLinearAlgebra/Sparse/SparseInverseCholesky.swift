import CCXSparse

/// A sparse upper-triangular factor U with the fixed pattern of `ConditioningSets` (column i nonzero on s(i),
/// i last), approximating an inverse covariance Θ⁻¹ ≈ U Uᵀ (docs/methods/vecchia.md#the-kl-optimal-factor).
/// Positions are the ordering's, not the caller's indices.
/// - Complexity: O(nnz) memory; products O(nnz).
public struct SparseInverseCholesky: Sendable {
    public let pattern: ConditioningSets
    /// Column i's values at `pattern.column(i)`, the diagonal U_ii last.
    public var values: [Double]

    public init(pattern: ConditioningSets, values: [Double]) {
        precondition(values.count == pattern.nonZeroCount, "\(values.count) values for \(pattern.nonZeroCount) nonzeros")
        self.pattern = pattern
        self.values = values
    }

    public var count: Int { pattern.count }
    public func diagonal(_ i: Int) -> Double { values[pattern.starts[i + 1] - 1] }

    /// The KL-optimal factor (Schäfer, Katzfuss & Owhadi 2021) of the covariance whose block on the positions
    /// s(i) `block` returns: per column, L = chol Θ_{s(i)s(i)} (i last, LAPACK with `policy`'s jitter ladder)
    /// and U_{s(i),i} = L⁻ᵀ e_last, so U_ii = 1/L_last,last = d_i^{-1/2}. Columns are filled in parallel.
    /// Returns the factor and the largest jitter added.
    /// - Throws: the first factorisation failure, or an error `block` throws.
    /// - Complexity: Σᵢ O(|s(i)|³) (with the blocks' cost), on all cores.
    public static func klOptimal(pattern: ConditioningSets, policy: JitterPolicy = .standard,
                                 block: @Sendable (ArraySlice<Int>) throws -> Matrix) throws -> (factor: SparseInverseCholesky, jitter: Double) {
        var values = [Double](repeating: 0, count: pattern.nonZeroCount)
        let jitters = try values.withUnsafeMutableBufferPointer { buffer in
            let v = UnsafeMutableSendableBuffer(buffer)
            return try ParallelChunks(count: pattern.count).map { range in
                var jitter = 0.0
                for i in range {
                    let s = pattern.column(i)
                    let l = try Cholesky(try block(s), policy: policy)
                    jitter = max(jitter, l.jitter)
                    var unit = [Double](repeating: 0, count: s.count)
                    unit[s.count - 1] = 1
                    trsv(.lower, .transposed, l.lower, &unit)
                    for (k, u) in unit.enumerated() { v[pattern.starts[i] + k] = u }
                }
                return jitter
            }
        }
        return (SparseInverseCholesky(pattern: pattern, values: values), jitters.max() ?? 0)
    }

    /// log |(U Uᵀ)⁻¹| = −2 Σ log U_ii = Σ log dᵢ: the log-determinant of the approximated covariance.
    public var covarianceLogDeterminant: Double {
        var s = 0.0
        for i in 0..<count { s -= 2 * Math.log(diagonal(i)) }
        return s
    }

    /// Uᵀ x (x in the ordering's positions): (Uᵀx)_i = Σ_{j∈s(i)} U_ji x_j, by CXSparse (`cs_transpose`, then
    /// `cs_gaxpy`). - Complexity: O(nnz).
    public func transposedProduct(_ x: [Double]) -> [Double] {
        precondition(x.count == count, "\(x.count) values for a factor of \(count)")
        var out = [Double](repeating: 0, count: count)
        withCompressedColumns { u in
            guard let t = cs_di_transpose(u, 1) else { return }
            defer { cs_di_spfree(t) }
            _ = cs_di_gaxpy(t, x, &out)
        }
        return out
    }

    /// U x: (Ux)_j = Σ_{i: j∈s(i)} U_ji x_i, by CXSparse (`cs_gaxpy`). - Complexity: O(nnz).
    public func product(_ x: [Double]) -> [Double] {
        precondition(x.count == count, "\(x.count) values for a factor of \(count)")
        var out = [Double](repeating: 0, count: count)
        withCompressedColumns { u in _ = cs_di_gaxpy(u, x, &out) }
        return out
    }

    /// A `cs_di` view of U (column i: rows s(i), its values; 32-bit indices copied once per call) for `body`.
    private func withCompressedColumns(_ body: (UnsafePointer<cs_di>) -> Void) {
        guard count > 0 else { return }
        var p = pattern.starts.map { Int32($0) }, i = pattern.rows.map { Int32($0) }, x = values
        p.withUnsafeMutableBufferPointer { pb in
            i.withUnsafeMutableBufferPointer { ib in
                x.withUnsafeMutableBufferPointer { xb in
                    var u = cs_di(nzmax: Int32(xb.count), m: Int32(count), n: Int32(count), p: pb.baseAddress, i: ib.baseAddress,
                                  x: xb.baseAddress, nz: -1)
                    withUnsafePointer(to: &u) { body($0) }
                }
            }
        }
    }
}
