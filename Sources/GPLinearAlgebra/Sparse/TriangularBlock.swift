import CCXSparse

/// The pattern of the principal block V_AA of a sparse upper-triangular factor V (pattern `ConditioningSets`, values
/// in its layout, the diagonal last in each column) on an increasing position set A: compressed columns with local
/// indices (CXSparse's `cs_di` layout, the diagonal last in each column) and the index into V's values of every
/// entry. Built once per set; each evaluation gathers the block's values from V's (`gather`) and solves V_AA x = b and
/// V_AAᵀ y = c with SuiteSparse CXSparse (`cs_usolve`, `cs_utsolve`). Entries of V in rows outside A are left out,
/// so (V⁻¹b)_A = V_AA⁻¹ b_A when A is closed under V's pattern (docs/methods/dklgp.md#ancestor-sets).
/// - Complexity: building O(Σ_{l∈A} |s(l)|); `gather` and each solve O(nnz(V_AA)); 8 bytes per entry + 4 per column.
public struct TriangularBlock: Sendable {
    /// |A|.
    public let size: Int
    /// Column t's entries are `columnStarts[t] ..< columnStarts[t + 1]`, the diagonal last.
    public let columnStarts: [Int32]
    /// The local row (index in A) of each entry.
    public let rowIndices: [Int32]
    /// The index into V's values of each entry.
    public let sources: [Int32]

    /// The block of V's `pattern` on the positions `set` (increasing). `local[p]` is p's index in `set` and −1 for
    /// positions outside it.
    public init(pattern: ConditioningSets, set: ArraySlice<Int>, local: [Int]) {
        precondition(pattern.nonZeroCount <= Int(Int32.max), "a factor with more than 2³¹ nonzeros")
        size = set.count
        var starts: [Int32] = [0], rows: [Int32] = [], sources: [Int32] = []
        starts.reserveCapacity(set.count + 1)
        var bound = 0
        for l in set { bound += pattern.starts[l + 1] - pattern.starts[l] }
        rows.reserveCapacity(bound)
        sources.reserveCapacity(bound)
        for l in set {
            for e in pattern.starts[l]..<pattern.starts[l + 1] {
                let r = local[pattern.rows[e]]
                guard r >= 0 else { continue }
                rows.append(Int32(r))
                sources.append(Int32(e))
            }
            starts.append(Int32(rows.count))
        }
        columnStarts = starts
        rowIndices = rows
        self.sources = sources
    }

    public var nonZeroCount: Int { rowIndices.count }

    /// The block's values (`nonZeroCount`, in its layout) from V's `factor` values.
    public func gather(_ factor: [Double], into values: inout [Double]) {
        values.removeAll(keepingCapacity: true)
        values.append(contentsOf: repeatElement(0, count: sources.count))
        sources.withUnsafeBufferPointer { src in
            factor.withUnsafeBufferPointer { v in
                values.withUnsafeMutableBufferPointer { out in
                    for k in src.indices { out[k] = v[Int(src[k])] }
                }
            }
        }
    }

    /// Solves V_AA x = b in place (`x` holds b on entry, indexed like A) with the block's `values`: CXSparse
    /// `cs_usolve`.
    public func solve(values: [Double], _ x: inout [Double]) {
        precondition(x.count == size && values.count == nonZeroCount, "\(x.count) values for a block of \(size)")
        withMatrix(values) { a in x.withUnsafeMutableBufferPointer { _ = cs_di_usolve(a, $0.baseAddress) } }
    }

    /// Solves V_AAᵀ y = c in place (`y` holds c on entry): CXSparse `cs_utsolve`.
    public func solveTransposed(values: [Double], _ y: inout [Double]) {
        precondition(y.count == size && values.count == nonZeroCount, "\(y.count) values for a block of \(size)")
        withMatrix(values) { a in y.withUnsafeMutableBufferPointer { _ = cs_di_utsolve(a, $0.baseAddress) } }
    }

    /// A `cs_di` view of the block with `values` (CXSparse only reads it) for the duration of `body`.
    private func withMatrix(_ values: [Double], _ body: (UnsafePointer<cs_di>) -> Void) {
        guard size > 0 else { return }
        columnStarts.withUnsafeBufferPointer { p in
            rowIndices.withUnsafeBufferPointer { i in
                values.withUnsafeBufferPointer { x in
                    var a = cs_di(nzmax: Int32(x.count), m: Int32(size), n: Int32(size),
                                  p: UnsafeMutablePointer(mutating: p.baseAddress), i: UnsafeMutablePointer(mutating: i.baseAddress),
                                  x: UnsafeMutablePointer(mutating: x.baseAddress), nz: -1)
                    withUnsafePointer(to: &a) { body($0) }
                }
            }
        }
    }
}
