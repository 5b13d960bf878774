import GPLinearAlgebra

/// The DKLGP ELBO (docs/methods/dklgp.md#the-elbo) as a trainable objective. On a minibatch B of columns it is the
/// estimate (n/|B|) Σ_{j∈B} eⱼ + n/2 (unbiased with exact ancestor sets); on all data, the ELBO. Per column:
/// the prior column u = U_{s(j),j} = L⁻ᵀe_last from L = chol Θ_{s(j)s(j)} (j last); over the ancestor set A = A(j),
/// two sparse back substitutions with the block V_AA (`TriangularBlock`, CXSparse) [x, z] = V_AA⁻¹[u, e_j], so that
/// V⁻¹U_{:,j} = x and σⱼ² = ‖z‖²; the likelihood's variational expectation at (νⱼ, σⱼ²). Reverse mode by hand:
/// x̄ = −x, z̄ = 2 g_v z, [b̄, ē] = V_AA⁻ᵀ[x̄, z̄], V̄ = −(b̄ xᵀ + ē zᵀ) on V's pattern; ū from b̄, the mean term and
/// 1/u_last, then Θ̄ = −½(a uᵀ + u aᵀ) + ½(ūᵀu) u uᵀ with a = Θ⁻¹ū, handed to the kernel's Gram VJP.
/// - Complexity: Σ_{j∈B} O(|s(j)|³ + |s(j)|² d + |A(j)| m), columns in parallel chunks on all cores; O(nnz(V) + n)
///   for the gradient arrays.
public struct DKLGPObjective: ModelObjective, Sendable {
    public var model: DKLGP
    public let x: Matrix
    public let y: [Double]
    /// x's rows in the structure's order, laid out for the per-column Gram blocks (built once).
    let inputs: SubsetGram.Inputs

    init(model: DKLGP, x: Matrix, y: [Double]) {
        precondition(model.variational?.structure.count == x.rows && x.rows == y.count, "a DKLGP objective needs q(f) on the data")
        self.model = model
        self.x = x
        self.y = y
        inputs = SubsetGram.Inputs(x, order: model.variational!.structure.ordering.order)
    }

    public var minibatchPopulation: Int? { x.rows }

    var variational: DKLGPVariational { model.variational! }

    public func evaluate(batch: [Int]?) throws -> Evaluation { try evaluate(columns: batch, gradient: true) }
    public func value(batch: [Int]?) throws -> Double { try evaluate(columns: batch, gradient: false).value }
    public func fullValue() throws -> Double { try value(batch: nil) }

    /// Σ_{j ∈ columns} eⱼ without the n/|B| scale or the n/2 (the pieces the minibatch estimate is made of).
    public func columnSum(_ columns: [Int]) throws -> Double {
        try terms(columns: columns, scale: 1, gradient: false).value
    }

    /// The estimate on `columns` (all when nil) and, if asked, its gradient.
    func evaluate(columns: [Int]?, gradient: Bool) throws -> Evaluation {
        let n = x.rows
        let cols = columns ?? Array(0..<n)
        let scale = Double(n) / Double(cols.count)
        let t = try terms(columns: cols, scale: scale, gradient: gradient)
        return Evaluation(value: scale * t.value + 0.5 * Double(n), gradient: t.gradient, jitter: t.jitter)
    }

    /// A gradient accumulator over many entries: dense, or (index, value) pairs when few entries are touched.
    struct Accumulator {
        var dense: [Double]
        var indices: [Int] = []
        var values: [Double] = []
        let isDense: Bool
        init(size: Int, dense: Bool) {
            isDense = dense
            self.dense = dense ? [Double](repeating: 0, count: size) : []
        }
        @inline(__always) mutating func add(_ i: Int, _ v: Double) {
            if isDense { dense[i] += v } else {
                indices.append(i)
                values.append(v)
            }
        }
        /// Adds `v[k]` at `sources[k]` for every k (one block's entries).
        mutating func add(sources: [Int32], values v: [Double]) {
            if isDense {
                dense.withUnsafeMutableBufferPointer { d in
                    for k in v.indices { d[Int(sources[k])] += v[k] }
                }
            } else {
                indices.append(contentsOf: sources.lazy.map { Int($0) })
                values.append(contentsOf: v)
            }
        }
        func add(into out: inout [Double]) {
            if isDense {
                out.withUnsafeMutableBufferPointer { o in dense.withUnsafeBufferPointer { d in for i in d.indices { o[i] += d[i] } } }
            } else {
                for k in indices.indices { out[indices[k]] += values[k] }
            }
        }
    }

    /// `out = c · v` entry by entry (out's contents replaced; raw buffers, no per-entry checks).
    @inline(__always) static func scaled(_ v: [Double], by c: Double, into out: inout [Double]) {
        out.removeAll(keepingCapacity: true)
        out.append(contentsOf: repeatElement(0, count: v.count))
        out.withUnsafeMutableBufferPointer { o in v.withUnsafeBufferPointer { x in for t in x.indices { o[t] = c * x[t] } } }
    }

    struct Partial {
        var value = 0.0, jitter = 0.0
        var kernel: [Double], likelihood: [Double]
        var mean: Accumulator, factor: Accumulator
    }

    func terms(columns: [Int], scale: Double, gradient: Bool) throws -> (value: Double, gradient: [[Double]], jitter: Double) {
        let q = variational, structure = q.structure
        let kernel = model.kernel, likelihood = model.likelihood, nugget = model.nugget, policy = model.jitter
        let order = structure.ordering.order, prior = structure.prior, pattern = structure.posterior
        let ancestors = structure.ancestors, blocks = structure.blocks
        let nu = q.mean.value, raw = q.factor.value
        let (x, y) = (self.x, self.y)
        let n = x.rows, nnz = pattern.nonZeroCount
        let kernelCount = kernel.parameters.reduce(0) { $0 + $1.count }
        let likelihoodCount = likelihood.parameters.reduce(0) { $0 + $1.count }
        // Dense accumulators (one per chunk) when the touched entries would outnumber V's nonzeros.
        let touched = columns.reduce(0) { $0 + (ancestors.starts[$1 + 1] - ancestors.starts[$1]) } * (pattern.nonZeroCount / max(1, n) + 1)
        let dense = gradient && touched > nnz
        let floor = DKLGPVariational.diagonalFloor
        // V's actual diagonal, Vⱼⱼ = exp ζⱼ + floor (O(n) once per evaluation); blocks gather ζ and patch it in.
        var diagonal = [Double](repeating: 0, count: n)
        for j in 0..<n { diagonal[j] = Math.exp(raw[pattern.starts[j + 1] - 1]) + floor }
        let vjjs = diagonal
        // The kernel's Gram blocks on the prior sets, inputs prepared once (`SubsetGram`).
        let grams = SubsetGram(kernel: kernel, inputs: inputs)
        let chunks = ParallelChunks(count: columns.count, perCore: dense ? 1 : 4)
        var partials = try chunks.map { range in
            var p = Partial(kernel: [],
                            likelihood: [Double](repeating: 0, count: gradient ? likelihoodCount : 0),
                            mean: Accumulator(size: n, dense: dense), factor: Accumulator(size: nnz, dense: dense))
            var slots: [Int] = [], bv: [Double] = [], vbar: [Double] = []
            var xv: [Double] = [], zv: [Double] = [], bbar: [Double] = [], ebar: [Double] = []
            var u: [Double] = [], ubar: [Double] = []
            var gram = grams.workspace(), theta = Matrix(rows: 0, cols: 0), thetaBar = Matrix(rows: 0, cols: 0)
            for c in range {
                let j = columns[c]
                // The prior column u = L⁻ᵀ e_last on s(j), L = chol Θ_ss in the lower triangle of `theta`.
                let s = prior.column(j), k = s.count
                func addNugget(_ m: inout Matrix) { m.storage.withUnsafeMutableBufferPointer { t in for a in 0..<k { t[a + a * k] += nugget } } }
                gram.gram(s, into: &theta)
                addNugget(&theta)
                let jitter = try Cholesky.factorInPlace(&theta, policy: policy) { m in
                    gram.fill(&m)
                    addNugget(&m)
                }
                p.jitter = max(p.jitter, jitter)
                u.removeAll(keepingCapacity: true)
                u.append(contentsOf: repeatElement(0, count: k))
                u[k - 1] = 1
                trsv(.lower, .transposed, theta, &u)
                // [x, z] = V_AA⁻¹ [u on s(j), e_j] over the ancestor set (j last): CXSparse on the block V_AA.
                let anc = ancestors.column(j), a = anc.count, block = blocks[j]
                block.gather(raw, into: &bv)
                block.columnStarts.withUnsafeBufferPointer { starts in
                    bv.withUnsafeMutableBufferPointer { out in
                        vjjs.withUnsafeBufferPointer { d in for t in 0..<a { out[Int(starts[t + 1]) - 1] = d[anc[anc.startIndex + t]] } }
                    }
                }
                // slots[i]: the index in A(j) of s(j)'s i-th position (both increasing, s(j) ⊆ A(j)).
                slots.removeAll(keepingCapacity: true)
                var t = anc.startIndex
                for pos in s {
                    while anc[t] < pos { t += 1 }
                    slots.append(t - anc.startIndex)
                }
                xv.removeAll(keepingCapacity: true)
                xv.append(contentsOf: repeatElement(0, count: a))
                zv.removeAll(keepingCapacity: true)
                zv.append(contentsOf: repeatElement(0, count: a))
                for i in 0..<k { xv[slots[i]] = u[i] }
                zv[a - 1] = 1
                block.solve(values: bv, &xv)
                block.solve(values: bv, &zv)
                var r = 0.0
                for (i, pos) in s.enumerated() { r += u[i] * nu[pos] }
                var xx = 0.0, zz = 0.0
                for t in 0..<a {
                    xx += xv[t] * xv[t]
                    zz += zv[t] * zv[t]
                }
                let vjj = vjjs[j]
                let ve = likelihood.expectation(y[order[j]], mean: nu[j], variance: zz)
                p.value += Math.log(u[k - 1]) - Math.log(vjj) - 0.5 * r * r - 0.5 * xx + ve.value
                if gradient {
                    // x̄ = −x, z̄ = 2 g_v z (times the minibatch scale); [b̄, ē] = V_AA⁻ᵀ [x̄, z̄].
                    Self.scaled(xv, by: -scale, into: &bbar)
                    Self.scaled(zv, by: 2 * scale * ve.dVariance, into: &ebar)
                    block.solveTransposed(values: bv, &bbar)
                    block.solveTransposed(values: bv, &ebar)
                    // V̄ = −(b̄ xᵀ + ē zᵀ) on V_AA's entries; the diagonal through Vⱼⱼ = exp ζ + floor, with −log Vⱼⱼ.
                    // Raw buffers: the block's entries are in range by construction (the hot loop of a column).
                    // `sweep` hands each entry (its index in the block, its value) to `sink`, in the block's order.
                    @inline(__always) func sweep(_ sink: (Int, Double) -> Void) {
                        block.columnStarts.withUnsafeBufferPointer { starts in
                            block.rowIndices.withUnsafeBufferPointer { rows in
                                bbar.withUnsafeBufferPointer { bb in
                                    ebar.withUnsafeBufferPointer { eb in
                                        for t in 0..<a {
                                            let first = Int(starts[t]), last = Int(starts[t + 1]) - 1
                                            let xt = xv[t], zt = zv[t]
                                            for e in first..<last {
                                                let row = Int(rows[e])
                                                sink(e, -(bb[row] * xt + eb[row] * zt))
                                            }
                                            var g = -(bb[t] * xt + eb[t] * zt)
                                            if t == a - 1 { g -= scale / vjj }
                                            sink(last, g * (bv[last] - floor))
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if p.factor.isDense {
                        // Straight into the chunk's dense gradient (the same additions, in the same order, as
                        // through a block-sized buffer).
                        p.factor.dense.withUnsafeMutableBufferPointer { d in
                            block.sources.withUnsafeBufferPointer { src in sweep { d[Int(src[$0])] += $1 } }
                        }
                    } else {
                        vbar.removeAll(keepingCapacity: true)
                        vbar.append(contentsOf: repeatElement(0, count: bv.count))
                        vbar.withUnsafeMutableBufferPointer { out in sweep { out[$0] = $1 } }
                        p.factor.add(sources: block.sources, values: vbar)
                    }
                    ubar.removeAll(keepingCapacity: true)
                    ubar.append(contentsOf: repeatElement(0, count: k))
                    ubar.withUnsafeMutableBufferPointer { out in bbar.withUnsafeBufferPointer { b in for i in 0..<k { out[i] = b[slots[i]] } } }
                    // ν: the likelihood term at j and −½ r², r = uᵀν_s.
                    p.mean.add(j, scale * ve.dMean)
                    for (i, pos) in s.enumerated() {
                        p.mean.add(pos, -scale * r * u[i])
                        ubar[i] -= scale * r * nu[pos]
                    }
                    ubar[k - 1] += scale / u[k - 1]
                    // Θ̄ = −½(a uᵀ + u aᵀ) + ½(ūᵀu) u uᵀ, a = Θ⁻¹ū (docs/methods/dklgp.md#gradients).
                    var uu = 0.0
                    for i in 0..<k { uu += ubar[i] * u[i] }
                    trsv(.lower, .none, theta, &ubar)   // ubar ← a = L⁻ᵀL⁻¹ū (two dtrsv: lighter than dpotrs for one vector)
                    trsv(.lower, .transposed, theta, &ubar)
                    if thetaBar.rows != k { thetaBar = Matrix(rows: k, cols: k) }
                    thetaBar.storage.withUnsafeMutableBufferPointer { tb in   // symmetric: its lower triangle is read
                        for qq in 0..<k {
                            for rr in qq..<k {
                                tb[rr + qq * k] = -0.5 * (ubar[rr] * u[qq] + u[rr] * ubar[qq]) + 0.5 * uu * u[rr] * u[qq]
                            }
                        }
                    }
                    gram.addGradient(symmetricLowerAdjoint: thetaBar)
                    for i in ve.dParameters.indices { p.likelihood[i] += scale * ve.dParameters[i] }
                }
            }
            if gradient { p.kernel = gram.gradient }
            return p
        }
        let value = partials.reduce(0) { $0 + $1.value }
        let jitter = partials.map(\.jitter).max() ?? 0
        guard gradient else { return (value, [], jitter) }
        var kernelGradient = [Double](repeating: 0, count: kernelCount)
        var likelihoodGradient = [Double](repeating: 0, count: likelihoodCount)
        // Dense chunk gradients: the first chunk's arrays (moved out) collect the others' (0 + a = a: the same sums
        // without an O(n + nnz) zero fill and pass).
        var meanGradient: [Double] = [], factorGradient: [Double] = []
        if dense {
            swap(&meanGradient, &partials[0].mean.dense)
            swap(&factorGradient, &partials[0].factor.dense)
        } else {
            meanGradient = [Double](repeating: 0, count: n)
            factorGradient = [Double](repeating: 0, count: nnz)
        }
        for (c, p) in partials.enumerated() {
            for i in kernelGradient.indices { kernelGradient[i] += p.kernel[i] }
            for i in likelihoodGradient.indices { likelihoodGradient[i] += p.likelihood[i] }
            if dense && c == 0 { continue }
            p.mean.add(into: &meanGradient)
            p.factor.add(into: &factorGradient)
        }
        let grads = splitGradient(kernelGradient, kernel.parameters) + splitGradient(likelihoodGradient, likelihood.parameters)
            + [meanGradient, factorGradient]
        return (value, grads, jitter)
    }
}
