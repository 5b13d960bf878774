import CCXSparse

/// The principal block V_AA of a sparse upper-triangular factor V (pattern `ConditioningSets`, values in its layout,
/// the diagonal last in each column) on an increasing position set A, in compressed-column form with local indices
/// (CXSparse's `cs_di`, the diagonal last in each column), together with the index into V's values of every entry.
/// Solves V_AA x = b and V_AAᵀ y = c with SuiteSparse CXSparse (`cs_usolve`, `cs_utsolve`); entries of V in rows
/// outside A are left out, so (V⁻¹b)_A = V_AA⁻¹ b_A when A is closed under V's pattern
/// (docs/methods/dklgp.md#ancestor-sets). A reusable workspace: `extract` overwrites it, so one per thread serves
/// many sets without allocating once its arrays have grown.
/// - Complexity: `extract` O(Σ_{l∈A} |s(l)|); each solve O(nnz(V_AA)); O(nnz(V_AA) + |A|) memory.
public struct TriangularBlock: Sendable {
    /// |A|.
    public private(set) var size = 0
    /// Column t's entries are `columnStarts[t] ..< columnStarts[t + 1]`, the diagonal last.
    public private(set) var columnStarts: [Int32] = [0]
    /// The local row (index in A) of each entry.
    public private(set) var rowIndices: [Int32] = []
    /// The value of each entry.
    public private(set) var values: [Double] = []
    /// The index into V's values of each entry.
    public private(set) var sources: [Int] = []

    public init() {}

    /// Makes this the block of V (`pattern`, `values`) on the positions `set` (increasing). `local[p]` is p's index in
    /// `set` and −1 for positions outside it.
    public mutating func extract(pattern: ConditioningSets, values factor: [Double], set: ArraySlice<Int>, local: [Int]) {
        precondition(factor.count == pattern.nonZeroCount, "\(factor.count) values for \(pattern.nonZeroCount) nonzeros")
        size = set.count
        columnStarts.removeAll(keepingCapacity: true)
        rowIndices.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        sources.removeAll(keepingCapacity: true)
        columnStarts.append(0)
        pattern.starts.withUnsafeBufferPointer { st in
            pattern.rows.withUnsafeBufferPointer { rw in
                local.withUnsafeBufferPointer { lc in
                    factor.withUnsafeBufferPointer { v in
                        for l in set {
                            for e in st[l]..<st[l + 1] {
                                let r = lc[rw[e]]
                                guard r >= 0 else { continue }
                                rowIndices.append(Int32(r))
                                values.append(v[e])
                                sources.append(e)
                            }
                            columnStarts.append(Int32(rowIndices.count))
                        }
                    }
                }
            }
        }
    }

    /// Solves V_AA x = b in place (`x` holds b on entry, indexed like A): CXSparse `cs_usolve`.
    public func solve(_ x: inout [Double]) {
        precondition(x.count == size, "\(x.count) values for a block of \(size)")
        withMatrix { a in x.withUnsafeMutableBufferPointer { _ = cs_di_usolve(a, $0.baseAddress) } }
    }

    /// Solves V_AAᵀ y = c in place (`y` holds c on entry): CXSparse `cs_utsolve`.
    public func solveTransposed(_ y: inout [Double]) {
        precondition(y.count == size, "\(y.count) values for a block of \(size)")
        withMatrix { a in y.withUnsafeMutableBufferPointer { _ = cs_di_utsolve(a, $0.baseAddress) } }
    }

    /// A `cs_di` view of the block (CXSparse only reads it) for the duration of `body`.
    private func withMatrix(_ body: (UnsafePointer<cs_di>) -> Void) {
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
