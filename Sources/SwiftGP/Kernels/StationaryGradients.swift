import GPLinearAlgebra

// Every vector–Jacobian product of a stationary kernel (parameters and inputs, cross and Gram) runs
// through one pair sweep: points laid out by dimension (`ScaledColumns`), one point j of B against a run
// of up to 64 points i of A, the profile evaluating the run's κ and κ′ in one concrete call (vector exp),
// and the contractions in vectorisable loops over the run. What a sweep accumulates is chosen by its
// `PairSweepOutputs`: parameter sums, A-side input gradients, B-side input gradients, or any mix.
//
// With Δ = (a − b)/ℓ (scaled differences), r² = Σ_c Δ_c², k = σ² κ(r²), g = w κ′(r²) for a pair's
// adjoint weight w:
//   ∂/∂ℓ_c = −2 σ²/ℓ_c Σ g Δ_c²,   ∂/∂σ² = Σ w κ,   ∂/∂a_c = 2 σ² g Δ_c/ℓ_c = −∂/∂b_c.

/// Σ_t x[t]·y[t] with eight-lane partial sums (a scalar loop would be one long dependency chain).
@inline(__always)
func sumOfProducts(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, count m: Int) -> Double {
    var acc = SIMD8<Double>(repeating: 0)
    var t = 0
    while t + 8 <= m { acc += load8(x + t) * load8(y + t); t += 8 }
    var s = acc.sum()
    while t < m { s += x[t] * y[t]; t += 1 }
    return s
}

/// Σ_t x[t]·y[t]·z[t] with eight-lane partial sums.
@inline(__always)
private func sumOfProducts(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ z: UnsafePointer<Double>,
                           count m: Int) -> Double {
    var acc = SIMD8<Double>(repeating: 0)
    var t = 0
    while t + 8 <= m { acc += load8(x + t) * load8(y + t) * load8(z + t); t += 8 }
    var s = acc.sum()
    while t < m { s += x[t] * y[t] * z[t]; t += 1 }
    return s
}

/// Where one pair sweep adds its results (nil: not wanted).
private struct PairSweepOutputs {
    /// `d` sums Σ g Δ_c², then Σ w κ at index d; `nil` when parameter gradients are not wanted.
    var parameterSums: UnsafeMutablePointer<Double>?
    /// Shape-parameter sums Σ w ∂κ/∂shape (rational quadratic), when wanted.
    var shapeSums: UnsafeMutablePointer<Double>?
    var shapeCount = 0
    /// A-side input gradients, column layout `aBar[c · ldaBar + i]`.
    var aBar: UnsafeMutablePointer<Double>?
    var ldaBar = 0
    /// B-side input gradients, column layout `bBar[c · ldbBar + j]`.
    var bBar: UnsafeMutablePointer<Double>?
    var ldbBar = 0
}

/// Scratch of one run: r², κ, κ′, g and the signed differences of every dimension.
private struct RunScratch {
    static let block = 64
    let pointer: UnsafeMutablePointer<Double>
    let dimension: Int

    init(dimension d: Int) {
        dimension = d
        pointer = .allocate(capacity: (d + 4) * RunScratch.block)
        pointer.initialize(repeating: 0, count: (d + 4) * RunScratch.block)
    }
    func free() { pointer.deallocate() }
    var r2: UnsafeMutablePointer<Double> { pointer }
    var kappa: UnsafeMutablePointer<Double> { pointer + RunScratch.block }
    var dkappa: UnsafeMutablePointer<Double> { pointer + 2 * RunScratch.block }
    var g: UnsafeMutablePointer<Double> { pointer + 3 * RunScratch.block }
    func diff(_ c: Int) -> UnsafeMutablePointer<Double> { pointer + (4 + c) * RunScratch.block }
}

extension StationaryKernel {
    /// 2σ²/ℓ_c for every dimension: the factor between g Δ_c and the input gradient.
    private func inputFactors(dimension d: Int) -> [Double] {
        let ls = lengthscale.value
        return (0..<d).map { 2 * variance.scalar / (ls.count == 1 ? ls[0] : ls[$0]) }
    }

    /// One run: point j of `b` against points i0 ..< i0 + m of `a` with weights `w[t]` for pair (i0 + t, j).
    @inline(__always)
    private func sweepRun(_ a: UnsafePointer<Double>, lda: Int, i0: Int, m: Int,
                          _ b: UnsafePointer<Double>, ldb: Int, j: Int, dimension d: Int,
                          weights w: UnsafePointer<Double>, scratch s: RunScratch,
                          factors f: UnsafePointer<Double>, into o: PairSweepOutputs) {
        let r2 = s.r2, g = s.g
        let full = m & ~7   // pairs handled eight at a time; the rest one by one
        for c in 0..<d {
            let ac = a + c * lda + i0
            let bc = b[c * ldb + j]
            let bv = SIMD8<Double>(repeating: bc)
            let dc = s.diff(c)
            var t = 0
            while t < full {
                let u = load8(ac + t) - bv
                store8(u, dc + t)
                store8(c == 0 ? u * u : load8(r2 + t) + u * u, r2 + t)
                t += 8
            }
            while t < m {
                let u = ac[t] - bc
                dc[t] = u
                r2[t] = c == 0 ? u * u : r2[t] + u * u
                t += 1
            }
        }
        if d == 0 { r2.initialize(repeating: 0, count: m) }
        profile.valuesAndDerivatives(r2, values: s.kappa, derivatives: s.dkappa, count: m)
        let kv = s.kappa, dk = s.dkappa
        var t = 0
        while t < full { store8(load8(w + t) * load8(dk + t), g + t); t += 8 }
        while t < m { g[t] = w[t] * dk[t]; t += 1 }
        if let sums = o.parameterSums {
            sums[d] += sumOfProducts(w, kv, count: m)
            for c in 0..<d { sums[c] += sumOfProducts(g, s.diff(c), s.diff(c), count: m) }
        }
        if let aBar = o.aBar {
            for c in 0..<d {
                let dc = s.diff(c), fc = f[c]
                let out = aBar + c * o.ldaBar + i0
                let fv = SIMD8<Double>(repeating: fc)
                var t = 0
                while t < full { store8(load8(out + t) + fv * load8(g + t) * load8(dc + t), out + t); t += 8 }
                while t < m { out[t] += fc * g[t] * dc[t]; t += 1 }
            }
        }
        if let bBar = o.bBar {
            for c in 0..<d { bBar[c * o.ldbBar + j] -= f[c] * sumOfProducts(g, s.diff(c), count: m) }
        }
        if let shape = o.shapeSums {
            for t in 0..<m where w[t] != 0 {
                let sg = profile.shapeGradient(r2[t])
                for q in 0..<o.shapeCount { shape[q] += w[t] * sg[q] }
            }
        }
    }

    /// All pairs (i, j) of K(A, B), weights `adjoint[i + j · rows(A)]`.
    private func crossSweep(_ pa: ScaledColumns, _ pb: ScaledColumns, adjoint: Matrix, into o: PairSweepOutputs) {
        let na = pa.count, nb = pb.count, d = pa.dimension
        guard na > 0, nb > 0 else { return }
        let scratch = RunScratch(dimension: d)
        defer { scratch.free() }
        let factors = inputFactors(dimension: d)
        let block = RunScratch.block
        pa.data.withUnsafeBufferPointer { ap in
            pb.data.withUnsafeBufferPointer { bp in
                adjoint.storage.withUnsafeBufferPointer { wp in
                    factors.withUnsafeBufferPointer { fp in
                        // With d == 0 the point buffers are empty: any valid pointer will do.
                        let a = ap.baseAddress ?? wp.baseAddress!, b = bp.baseAddress ?? wp.baseAddress!
                        let f = fp.baseAddress ?? wp.baseAddress!
                        for j in 0..<nb {
                            for i0 in stride(from: 0, to: na, by: block) {
                                sweepRun(a, lda: na, i0: i0, m: min(block, na - i0), b, ldb: nb, j: j, dimension: d,
                                         weights: wp.baseAddress! + i0 + j * na, scratch: scratch, factors: f, into: o)
                            }
                        }
                    }
                }
            }
        }
    }

    /// The pairs i > j of K(X, X) in 64 × 64 tiles of the lower triangle; pair (i, j) carries Ā_ij + Ā_ji
    /// (`lowerOnly`: 2 Ā_ij, the upper triangle is never read). The diagonal (r = 0) is left to the caller.
    private func gramSweep(_ p: ScaledColumns, adjoint: Matrix, lowerOnly: Bool, into o: PairSweepOutputs) {
        let n = p.count, d = p.dimension
        guard n > 1 else { return }
        let scratch = RunScratch(dimension: d)
        defer { scratch.free() }
        let factors = inputFactors(dimension: d)
        let block = RunScratch.block
        let weights = UnsafeMutablePointer<Double>.allocate(capacity: block)
        defer { weights.deallocate() }
        p.data.withUnsafeBufferPointer { pts in
            adjoint.storage.withUnsafeBufferPointer { aBuf in
                factors.withUnsafeBufferPointer { fp in
                    let A = aBuf.baseAddress!
                    let base = pts.baseAddress ?? A, f = fp.baseAddress ?? A
                    forEachLowerTriangleRun(size: n, tile: block) { j, i0, m in
                        let lower = A + i0 + j * n
                        if lowerOnly {
                            for t in 0..<m { weights[t] = 2 * lower[t] }
                        } else {
                            let upper = A + j + i0 * n
                            for t in 0..<m { weights[t] = lower[t] + upper[t * n] }
                        }
                        sweepRun(base, lda: n, i0: i0, m: m, base, ldb: n, j: j, dimension: d,
                                 weights: weights, scratch: scratch, factors: f, into: o)
                    }
                }
            }
        }
    }

    private var shapeCount: Int { profile.shapeParameters.reduce(0) { $0 + $1.count } }

    /// Parameter gradients from the sweep's sums (plus the diagonal's Σ Ā_ii for a Gram matrix):
    /// ∂/∂ℓ_c = −2 σ²/ℓ_c Σ g Δ_c² (isotropic: summed over c); ∂/∂σ² = Σ w κ; ∂/∂shape = σ² Σ w ∂κ/∂shape.
    private func parameterGradient(sums: [Double], shape: [Double], dimension d: Int, trace: Double) -> [Double] {
        let s2 = variance.scalar
        let ls = lengthscale.value
        let gl = ls.count == 1 ? [-2 * s2 / ls[0] * sums[0..<d].reduce(0, +)] : (0..<d).map { -2 * s2 / ls[$0] * sums[$0] }
        var dShape = shape
        if trace != 0 && !dShape.isEmpty {
            let sg = profile.shapeGradient(0)
            for q in dShape.indices { dShape[q] += trace * sg[q] }
        }
        return gl + [sums[d] + trace * profile.value(0)] + dShape.map { s2 * $0 }
    }

    /// Runs a sweep that accumulates parameter sums (and, optionally, more) and returns the gradient.
    private func parameterSweep(dimension d: Int, trace: Double, aBar: UnsafeMutablePointer<Double>? = nil, ldaBar: Int = 0,
                                _ sweep: (PairSweepOutputs) -> Void) -> [Double] {
        var sums = [Double](repeating: 0, count: d + 1)
        var shape = [Double](repeating: 0, count: shapeCount)
        sums.withUnsafeMutableBufferPointer { sp in
            shape.withUnsafeMutableBufferPointer { shp in
                sweep(PairSweepOutputs(parameterSums: sp.baseAddress!, shapeSums: shp.isEmpty ? nil : shp.baseAddress,
                                       shapeCount: shp.count, aBar: aBar, ldaBar: ldaBar))
            }
        }
        return parameterGradient(sums: sums, shape: shape, dimension: d, trace: trace)
    }

    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        precondition(adjoint.rows == x.rows && adjoint.cols == z.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let px = ScaledColumns(x, lengthscale: lengthscale.value), pz = ScaledColumns(z, lengthscale: lengthscale.value)
        return parameterSweep(dimension: x.cols, trace: 0) { crossSweep(px, pz, adjoint: adjoint, into: $0) }
    }

    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] {
        precondition(adjoint.rows == x.rows && adjoint.cols == x.rows, "\(kind): adjoint shape mismatch")
        return gramParameterGradient(x, adjoint: adjoint, lowerOnly: false)
    }

    /// Reads only the lower triangle (diagonal included) of the symmetric adjoint.
    public func gramGradient(_ x: Matrix, symmetricLowerAdjoint adjoint: Matrix) -> [Double] {
        precondition(adjoint.rows == x.rows && adjoint.cols == x.rows, "\(kind): adjoint shape mismatch")
        return gramParameterGradient(x, adjoint: adjoint, lowerOnly: true)
    }

    private func gramParameterGradient(_ x: Matrix, adjoint: Matrix, lowerOnly: Bool) -> [Double] {
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let p = ScaledColumns(x, lengthscale: lengthscale.value)
        var trace = 0.0
        for i in 0..<x.rows { trace += adjoint.storage[i + i * x.rows] }
        return parameterSweep(dimension: x.cols, trace: trace) { gramSweep(p, adjoint: adjoint, lowerOnly: lowerOnly, into: $0) }
    }

    /// The workspace form (the exact GP's hot path): r²ᵢⱼ comes from the upper triangle (contiguously, in the
    /// layout of `gramWithWorkspace`), so one pass over the
    /// pairs evaluates κ and κ′, adds Σ 2Āᵢⱼκᵢⱼ to ∂/∂σ² and overwrites the lower triangle with
    /// Hᵢⱼ = Āᵢⱼ κ′ᵢⱼ; the lengthscale sums then come from one symmetric matrix product (dsymm) instead of a
    /// d-long loop per pair: Σ_{i≠j} Hᵢⱼ (x̃ᵢ꜀ − x̃ⱼ꜀)² = 2 Σᵢ x̃ᵢ꜀² (H1)ᵢ − 2 x̃꜀ᵀ H x̃꜀, with x̃ the scaled inputs
    /// centred per column (stationarity: the sums do not depend on the origin, and centring keeps the two
    /// terms from cancelling).
    /// - Complexity: O(n²) pair work + 2n²(d + 1) flops in dsymm.
    public func gramGradient(_ x: Matrix, lowerAdjointOverWorkspace buffer: inout Matrix) -> [Double] {
        precondition(buffer.rows == x.rows && buffer.cols == x.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let n = x.rows, d = x.cols
        var trace = 0.0
        for i in 0..<n { trace += buffer.storage[i + i * n] }
        var sums = [Double](repeating: 0, count: d + 1)
        var shape = [Double](repeating: 0, count: shapeCount)
        let block = RunScratch.block
        let scratch = RunScratch(dimension: 0)
        defer { scratch.free() }
        var dVar = 0.0
        buffer.storage.withUnsafeMutableBufferPointer { bp in
            let a = bp.baseAddress!
            let kv = scratch.kappa, dk = scratch.dkappa
            for j in 0..<n {
                // Lower column j in runs of `block`; its r² sit contiguously in upper column n − 1 − j.
                let distances = a + (n - 1 - j) * n
                for i0 in stride(from: j + 1, to: n, by: block) {
                    let m = min(block, n - i0)
                    let w = a + i0 + j * n, r2 = distances + (i0 - j - 1)
                    profile.valuesAndDerivatives(r2, values: kv, derivatives: dk, count: m)
                    dVar += 2 * sumOfProducts(w, kv, count: m)
                    if shapeCount > 0 {
                        for t in 0..<m where w[t] != 0 {
                            let sg = profile.shapeGradient(r2[t])
                            for q in 0..<shapeCount { shape[q] += 2 * w[t] * sg[q] }
                        }
                    }
                    for t in 0..<m { w[t] *= dk[t] }   // Hᵢⱼ = Āᵢⱼ κ′ᵢⱼ over Ā
                }
            }
            for i in 0..<n { a[i + i * n] = 0 }
        }
        sums[d] = dVar
        if d > 0 && n > 1 {
            // [x̃ − mean, 1]: n × (d + 1), then Y = H [x̃, 1] (dsymm on the lower triangle).
            let p = ScaledColumns(x, lengthscale: lengthscale.value)
            var centred = Matrix(rows: n, cols: d + 1)
            for c in 0..<d {
                var mean = 0.0
                for i in 0..<n { mean += p.data[c * n + i] }
                mean /= Double(n)
                for i in 0..<n { centred.storage[c * n + i] = p.data[c * n + i] - mean }
            }
            for i in 0..<n { centred.storage[d * n + i] = 1 }
            var y = Matrix(rows: n, cols: d + 1)
            symm(.lower, buffer, centred, into: &y)
            for c in 0..<d {
                var s = 0.0
                for i in 0..<n {
                    let v = centred.storage[c * n + i]
                    s += v * (v * y.storage[d * n + i] - y.storage[c * n + i])
                }
                sums[c] = 2 * s
            }
        }
        return parameterGradient(sums: sums, shape: shape, dimension: d, trace: trace)
    }

    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        let total = adjoint.reduce(0, +)
        let sg = shapeCount > 0 ? profile.shapeGradient(0) : []
        return [Double](repeating: 0, count: lengthscale.count) + [total * profile.value(0)]
            + sg.map { total * variance.scalar * $0 }
    }

    /// Z̄ = ∂⟨Ā, K(X, Z)⟩/∂Z (`m × d`). At coincident points the Matérn-1/2 profile's derivative is 0
    /// (a subgradient).
    public func crossInputGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> Matrix {
        precondition(adjoint.rows == x.rows && adjoint.cols == z.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let px = ScaledColumns(x, lengthscale: lengthscale.value), pz = ScaledColumns(z, lengthscale: lengthscale.value)
        var out = Matrix(rows: z.rows, cols: z.cols)
        out.storage.withUnsafeMutableBufferPointer { ob in
            crossSweep(px, pz, adjoint: adjoint, into: PairSweepOutputs(bBar: ob.baseAddress, ldbBar: z.rows))
        }
        return out
    }

    /// Parameter and first-input VJPs of K(A, B) in one sweep (each pair's κ and κ′ computed once).
    public func crossVJP(_ a: Matrix, _ b: Matrix, adjoint: Matrix) -> (parameters: [Double], inputs: Matrix) {
        precondition(adjoint.rows == a.rows && adjoint.cols == b.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: a.cols, kernel: kind)
        let pa = ScaledColumns(a, lengthscale: lengthscale.value), pb = ScaledColumns(b, lengthscale: lengthscale.value)
        var inputs = Matrix(rows: a.rows, cols: a.cols)
        let parameters = inputs.storage.withUnsafeMutableBufferPointer { ib in
            parameterSweep(dimension: a.cols, trace: 0, aBar: ib.baseAddress, ldaBar: a.rows) {
                crossSweep(pa, pb, adjoint: adjoint, into: $0)
            }
        }
        return (parameters, inputs)
    }

    /// X̄ = ∂⟨Ā, K(X, X)⟩/∂X: each pair i > j adds to both points' rows (the diagonal does not depend on X).
    public func gramInputGradient(_ x: Matrix, adjoint: Matrix) -> Matrix {
        precondition(adjoint.rows == x.rows && adjoint.cols == x.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let p = ScaledColumns(x, lengthscale: lengthscale.value)
        var out = Matrix(rows: x.rows, cols: x.cols)
        out.storage.withUnsafeMutableBufferPointer { ob in
            gramSweep(p, adjoint: adjoint, lowerOnly: false,
                      into: PairSweepOutputs(aBar: ob.baseAddress, ldaBar: x.rows, bBar: ob.baseAddress, ldbBar: x.rows))
        }
        return out
    }
}

extension StationaryKernel: SubsetGramSource {
    /// Without shape parameters (their gradient needs a profile call per pair), the fast path of `SubsetGram`.
    func subsetParts(dimension d: Int) -> StationarySubsetParts? {
        guard shapeCount == 0 else { return nil }
        checkARD(lengthscale, dimension: d, kernel: kind)
        let ls = lengthscale.value, kernel = self
        return StationarySubsetParts(
            profile: profile, variance: variance.scalar, diagonal: variance.scalar * profile.value(0),
            inverseLengthscales: (0..<d).map { 1 / (ls.count == 1 ? ls[0] : ls[$0]) },
            gradient: { sums, trace in kernel.parameterGradient(sums: sums, shape: [], dimension: d, trace: trace) })
    }
}
