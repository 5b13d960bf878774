import GPLinearAlgebra

/// The profile κ(r²) of a unit-variance stationary kernel, as a function of the scaled squared distance
/// r² = Σ_d (x_d − x′_d)²/ℓ_d². Extra shape parameters (the rational-quadratic α) live here too.
public protocol RadialProfile: Sendable {
    /// The kernel's family name.
    static var kind: String { get }
    /// Shape parameters beyond lengthscales and variance (empty for most).
    var shapeParameters: [Parameter] { get set }
    /// κ(r²).
    func value(_ r2: Double) -> Double
    /// κ(r²) and dκ/dr².
    func valueAndDerivative(_ r2: Double) -> (Double, Double)
    /// ∂κ/∂(shape parameter) at r², one per shape-parameter entry.
    func shapeGradient(_ r2: Double) -> [Double]
    /// Batch form of `value`: `out[t] = scale · κ(r2[t])` for `t < count`; `out` may be `r2` itself.
    /// The kernels call this once per column of pairs, so a profile's concrete code runs the inner loop.
    func values(_ r2: UnsafePointer<Double>, scale: Double, into out: UnsafeMutablePointer<Double>, count: Int)
    /// Batch form of `valueAndDerivative`: `values[t] = κ(r2[t])`, `derivatives[t] = dκ/dr²(r2[t])`.
    func valuesAndDerivatives(_ r2: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>,
                              derivatives: UnsafeMutablePointer<Double>, count: Int)
}

extension RadialProfile {
    public var shapeParameters: [Parameter] { get { [] } set {} }
    public func shapeGradient(_ r2: Double) -> [Double] { [] }
    public func values(_ r2: UnsafePointer<Double>, scale: Double, into out: UnsafeMutablePointer<Double>, count: Int) {
        batchValues(self, r2, scale: scale, into: out, count: count)
    }
    public func valuesAndDerivatives(_ r2: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>,
                                     derivatives: UnsafeMutablePointer<Double>, count: Int) {
        batchValuesAndDerivatives(self, r2, values: values, derivatives: derivatives, count: count)
    }
}

/// The scalar loops behind the batch profile methods; concrete profiles call them with their own type,
/// so `value`/`valueAndDerivative` are inlined into the loop.
@inline(__always)
func batchValues<P: RadialProfile>(_ p: P, _ r2: UnsafePointer<Double>, scale: Double,
                                   into out: UnsafeMutablePointer<Double>, count: Int) {
    for t in 0..<count { out[t] = scale * p.value(r2[t]) }
}

@inline(__always)
func batchValuesAndDerivatives<P: RadialProfile>(_ p: P, _ r2: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>,
                                                 derivatives: UnsafeMutablePointer<Double>, count: Int) {
    for t in 0..<count {
        let (k, dk) = p.valueAndDerivative(r2[t])
        values[t] = k
        derivatives[t] = dk
    }
}

/// Inputs laid out by dimension (`data[c * count + i] = x[i, c] / ℓ_c`): the layout in which the pair
/// loops run over many points i for one point j with contiguous, vectorisable reads.
/// - Complexity: O(n d) to build.
struct ScaledColumns {
    let count: Int
    let dimension: Int
    let data: [Double]

    init(_ x: Matrix, lengthscale: [Double]) {
        count = x.rows
        dimension = x.cols
        let n = x.rows
        var data = [Double](repeating: 0, count: n * x.cols)
        for c in 0..<x.cols {
            let inv = 1 / (lengthscale.count == 1 ? lengthscale[0] : lengthscale[c])
            for i in 0..<n { data[c * n + i] = x.storage[i + c * n] * inv }
        }
        self.data = data
    }
}

/// `out[t] = Σ_c (a[c·lda + t] − b[c·ldb])²` for `t < count`, summed over c in order (so gram, cross and
/// the gradients see bit-identical r² for the same pair).
@inline(__always)
private func squaredDistances(_ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                              dimension d: Int, count m: Int, into out: UnsafeMutablePointer<Double>) {
    if d == 0 {
        out.initialize(repeating: 0, count: m)
        return
    }
    for c in 0..<d {
        let ac = a + c * lda
        let bc = b[c * ldb]
        let vb = SIMD4<Double>(repeating: bc)
        var t = 0
        if c == 0 {
            while t + 4 <= m {
                let u = load4(ac + t) - vb
                store4(u * u, out + t)
                t += 4
            }
            while t < m {
                let u = ac[t] - bc
                out[t] = u * u
                t += 1
            }
        } else {
            while t + 4 <= m {
                let u = load4(ac + t) - vb
                store4(load4(out + t) + u * u, out + t)
                t += 4
            }
            while t < m {
                let u = ac[t] - bc
                out[t] += u * u
                t += 1
            }
        }
    }
}

@inline(__always) private func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always) private func load4(_ p: UnsafeMutablePointer<Double>) -> SIMD4<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self)
}

@inline(__always) private func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
}

/// Σ_t a[t]·b[t] with eight independent partial sums (the loops are latency-bound otherwise).
@inline(__always)
private func dotProduct(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count m: Int) -> Double {
    var s0 = SIMD4<Double>(repeating: 0), s1 = SIMD4<Double>(repeating: 0)
    var t = 0
    while t + 8 <= m {
        s0 += load4(a + t) * load4(b + t)
        s1 += load4(a + t + 4) * load4(b + t + 4)
        t += 8
    }
    if t + 4 <= m {
        s0 += load4(a + t) * load4(b + t)
        t += 4
    }
    var s = (s0 + s1).sum()
    while t < m {
        s += a[t] * b[t]
        t += 1
    }
    return s
}

/// Scratch buffers of the gradient loops: one block of pairs (one point j, up to `block` points i).
private struct PairScratch {
    static let block = 64
    var storage: [Double]
    let dimension: Int

    init(dimension d: Int) {
        dimension = d
        storage = [Double](repeating: 0, count: (d + 4) * PairScratch.block)
    }
}

/// A stationary ARD kernel k(x, x′) = σ² κ(r²), r² = Σ_d (x_d − x′_d)²/ℓ_d² (ALGORITHMS §1.2).
///
/// `lengthscale` holds one value (isotropic) or one per input dimension (ARD). Gradients use
/// ∂k/∂ℓ_d = −2 σ² κ′(r²) (x_d − x′_d)²/ℓ_d³ and ∂k/∂σ² = κ(r²).
///
/// The pair loops run over inputs laid out by dimension (`ScaledColumns`), one point j against a
/// contiguous run of points i: r² is accumulated with vector loads, the profile evaluates a whole run in
/// one call (its concrete, inlined code; one exp per pair shared by κ and κ′), and the gradient
/// contractions use independent partial sums. The symmetric Gram gradient walks the lower triangle in
/// 64 × 64 tiles, so the transposed adjoint entries Ā_ji it adds to Ā_ij stay in cache.
/// - Complexity: Gram matrix O(n² d) with half the κ evaluations (symmetry); gradients the same.
public struct StationaryKernel<Profile: RadialProfile>: Kernel {
    public var lengthscale: Parameter
    public var variance: Parameter
    public var profile: Profile

    public init(profile: Profile, lengthscale: [Double], variance: Double) {
        self.profile = profile
        self.lengthscale = Parameter("lengthscale", lengthscale)
        self.variance = Parameter("variance", variance)
    }

    public var kind: String { Profile.kind }

    public var parameters: [Parameter] {
        get { [lengthscale, variance] + profile.shapeParameters }
        set {
            precondition(newValue.count == 2 + profile.shapeParameters.count, "\(kind): wrong parameter count")
            lengthscale.assign(from: newValue[0])
            variance.assign(from: newValue[1])
            var shape = profile.shapeParameters
            assignParameters(&shape, from: Array(newValue[2...]))
            profile.shapeParameters = shape
        }
    }

    public func gram(_ x: Matrix) -> Matrix {
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let p = ScaledColumns(x, lengthscale: lengthscale.value)
        let n = p.count, d = p.dimension
        let s2 = variance.scalar
        let diag = s2 * profile.value(0)
        // Every entry is written below: the lower triangle here, the upper one by symmetrizeFromLower.
        let storage = [Double](unsafeUninitializedCapacity: n * n) { buffer, initialized in
            guard let out = buffer.baseAddress else { initialized = 0; return }
            p.data.withUnsafeBufferPointer { pts in
                guard let base = pts.baseAddress else {   // d == 0: every pair at distance 0
                    out.initialize(repeating: diag, count: n * n)
                    return
                }
                for j in 0..<n {
                    let col = out + j * n
                    col[j] = diag
                    let m = n - j - 1
                    if m > 0 {
                        squaredDistances(base + j + 1, lda: n, base + j, ldb: n, dimension: d, count: m, into: col + j + 1)
                        profile.values(col + j + 1, scale: s2, into: col + j + 1, count: m)
                    }
                }
            }
            initialized = n * n
        }
        var k = Matrix(rows: n, cols: n, storage: storage)
        k.symmetrizeFromLower()
        return k
    }

    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix {
        precondition(x.cols == z.cols, "\(kind): inputs have \(x.cols) and \(z.cols) columns")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let px = ScaledColumns(x, lengthscale: lengthscale.value)
        let pz = ScaledColumns(z, lengthscale: lengthscale.value)
        let n = px.count, m = pz.count, d = px.dimension
        let s2 = variance.scalar
        var k = Matrix(rows: n, cols: m)
        if n == 0 || m == 0 { return k }
        if d == 0 { return Matrix(rows: n, cols: m, repeating: s2 * profile.value(0)) }
        px.data.withUnsafeBufferPointer { a in
            pz.data.withUnsafeBufferPointer { b in
                k.storage.withUnsafeMutableBufferPointer { out in
                    for j in 0..<m {
                        let col = out.baseAddress! + j * n
                        squaredDistances(a.baseAddress!, lda: n, b.baseAddress! + j, ldb: m, dimension: d, count: n, into: col)
                        profile.values(col, scale: s2, into: col, count: n)
                    }
                }
            }
        }
        return k
    }

    public func diagonal(_ x: Matrix) -> [Double] {
        [Double](repeating: variance.scalar * profile.value(0), count: x.rows)
    }

    /// Adds one run of pairs (point j of `b` against points i0 ..< i0 + m of `a`, weights `w[t]` for pair
    /// (i0 + t, j)) to the running sums: `dl[c] += Σ w κ′ Δ̃_c²`, `dVar += Σ w κ`, `dShape += Σ w ∂κ/∂shape`.
    @inline(__always)
    private func accumulateRun(_ a: UnsafePointer<Double>, lda: Int, i0: Int, m: Int,
                               _ b: UnsafePointer<Double>, ldb: Int, j: Int, dimension d: Int,
                               weights w: UnsafePointer<Double>, scratch s: UnsafeMutablePointer<Double>,
                               dl: UnsafeMutablePointer<Double>, dVar: inout Double, dShape: inout [Double]) {
        let block = PairScratch.block
        let r2 = s, kv = s + block, dk = s + 2 * block, g = s + 3 * block, diff2 = s + 4 * block
        // Per-dimension squared differences (kept for the lengthscale contraction) and r².
        for c in 0..<d {
            let ac = a + c * lda + i0
            let bc = b[c * ldb + j]
            let dc = diff2 + c * block
            for t in 0..<m {
                let u = ac[t] - bc
                dc[t] = u * u
            }
            if c == 0 {
                for t in 0..<m { r2[t] = dc[t] }
            } else {
                for t in 0..<m { r2[t] += dc[t] }
            }
        }
        if d == 0 { r2.initialize(repeating: 0, count: m) }
        profile.valuesAndDerivatives(r2, values: kv, derivatives: dk, count: m)
        dVar += dotProduct(w, kv, count: m)
        for t in 0..<m { g[t] = w[t] * dk[t] }
        for c in 0..<d { dl[c] += dotProduct(g, diff2 + c * block, count: m) }
        if !dShape.isEmpty {
            for t in 0..<m where w[t] != 0 {
                let sg = profile.shapeGradient(r2[t])
                for q in dShape.indices { dShape[q] += w[t] * sg[q] }
            }
        }
    }

    /// ∂/∂ℓ_c = −2 σ²/ℓ_c Σ w κ′ Δ̃_c² (isotropic: summed over c); ∂/∂σ² = Σ w κ; ∂/∂shape = σ² Σ w ∂κ/∂shape.
    private func assemble(dl: [Double], dVar: Double, dShape: [Double]) -> [Double] {
        let s2 = variance.scalar
        let ls = lengthscale.value
        let gl: [Double]
        if ls.count == 1 {
            gl = [-2 * s2 / ls[0] * dl.reduce(0, +)]
        } else {
            gl = dl.indices.map { -2 * s2 / ls[$0] * dl[$0] }
        }
        return gl + [dVar] + dShape.map { s2 * $0 }
    }

    private var shapeCount: Int { profile.shapeParameters.reduce(0) { $0 + $1.count } }

    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        precondition(adjoint.rows == x.rows && adjoint.cols == z.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let px = ScaledColumns(x, lengthscale: lengthscale.value)
        let pz = ScaledColumns(z, lengthscale: lengthscale.value)
        let n = x.rows, m = z.rows, d = x.cols
        var dl = [Double](repeating: 0, count: d)
        var dVar = 0.0
        var dShape = [Double](repeating: 0, count: shapeCount)
        var scratch = PairScratch(dimension: d)
        let block = PairScratch.block
        if n > 0 && m > 0 {
            px.data.withUnsafeBufferPointer { a in
                pz.data.withUnsafeBufferPointer { b in
                    adjoint.storage.withUnsafeBufferPointer { w in
                        scratch.storage.withUnsafeMutableBufferPointer { s in
                            dl.withUnsafeMutableBufferPointer { acc in
                                // With d == 0 the point buffers are empty: any valid pointer will do.
                                let aBase = a.baseAddress ?? w.baseAddress!, bBase = b.baseAddress ?? w.baseAddress!
                                for j in 0..<m {
                                    for i0 in stride(from: 0, to: n, by: block) {
                                        accumulateRun(aBase, lda: n, i0: i0, m: min(block, n - i0), bBase, ldb: m, j: j,
                                                      dimension: d, weights: w.baseAddress! + i0 + j * n,
                                                      scratch: s.baseAddress!, dl: acc.baseAddress!, dVar: &dVar,
                                                      dShape: &dShape)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return assemble(dl: dl, dVar: dVar, dShape: dShape)
    }

    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] {
        precondition(adjoint.rows == x.rows && adjoint.cols == x.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let p = ScaledColumns(x, lengthscale: lengthscale.value)
        let n = x.rows, d = x.cols
        var dl = [Double](repeating: 0, count: d)
        var dShape = [Double](repeating: 0, count: shapeCount)
        // The diagonal (r = 0) carries Ā_ii: no lengthscale term, κ(0) for the variance.
        var trace = 0.0
        for i in 0..<n { trace += adjoint.storage[i + i * n] }
        var dVar = trace * profile.value(0)
        if !dShape.isEmpty {
            let sg = profile.shapeGradient(0)
            for q in dShape.indices { dShape[q] += trace * sg[q] }
        }
        // Symmetry: pair (i, j), i > j, carries Ā_ij + Ā_ji. Walk the lower triangle in tiles.
        let block = PairScratch.block
        var scratch = PairScratch(dimension: d)
        var weights = [Double](repeating: 0, count: block)
        if n > 1 {
            p.data.withUnsafeBufferPointer { pts in
                adjoint.storage.withUnsafeBufferPointer { aBuf in
                    scratch.storage.withUnsafeMutableBufferPointer { s in
                        weights.withUnsafeMutableBufferPointer { wBuf in
                            dl.withUnsafeMutableBufferPointer { acc in
                                let A = aBuf.baseAddress!, w = wBuf.baseAddress!
                                let base = pts.baseAddress ?? A
                                for jb in stride(from: 0, to: n, by: block) {
                                    let jEnd = min(jb + block, n)
                                    for ib in stride(from: jb, to: n, by: block) {
                                        let iEnd = min(ib + block, n)
                                        for j in jb..<jEnd {
                                            let i0 = max(ib, j + 1)
                                            let m = iEnd - i0
                                            if m <= 0 { continue }
                                            let lower = A + i0 + j * n, upper = A + j + i0 * n
                                            for t in 0..<m { w[t] = lower[t] + upper[t * n] }
                                            accumulateRun(base, lda: n, i0: i0, m: m, base, ldb: n, j: j, dimension: d,
                                                          weights: w, scratch: s.baseAddress!, dl: acc.baseAddress!,
                                                          dVar: &dVar, dShape: &dShape)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return assemble(dl: dl, dVar: dVar, dShape: dShape)
    }

    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        let total = adjoint.reduce(0, +)
        let nShape = profile.shapeParameters.reduce(0) { $0 + $1.count }
        let sg = nShape > 0 ? profile.shapeGradient(0) : []
        return [Double](repeating: 0, count: lengthscale.count) + [total * profile.value(0)]
            + sg.map { total * variance.scalar * $0 }
    }
}

// MARK: - Helpers of the profiles' batch loops

/// The first `m ≤ 4` entries at `p`, zero-padded to four lanes.
@inline(__always) func loadPadded(_ p: UnsafePointer<Double>, _ m: Int) -> SIMD4<Double> {
    if m == 4 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self) }
    var v = SIMD4<Double>(repeating: 0)
    for l in 0..<m { v[l] = p[l] }
    return v
}

/// Stores the first `m ≤ 4` lanes of `v` at `p`.
@inline(__always) func storePartial(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>, _ m: Int) {
    if m == 4 {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
        return
    }
    for l in 0..<m { p[l] = v[l] }
}

/// e^{−x} lane by lane with the C library's exp (correctly rounded in practice; a hand-written
/// polynomial exp on SIMD4 measured slower here, since the package builds for baseline x86-64 while
/// glibc dispatches to an FMA implementation).
@inline(__always) func expNegative(_ x: SIMD4<Double>) -> SIMD4<Double> {
    SIMD4(Math.exp(-x[0]), Math.exp(-x[1]), Math.exp(-x[2]), Math.exp(-x[3]))
}

// MARK: - Profiles

/// Squared exponential: κ = exp(−r²/2).
public struct RBFProfile: RadialProfile {
    public static let kind = "rbf"
    public init() {}
    @inlinable public func value(_ r2: Double) -> Double { Math.exp(-0.5 * r2) }
    @inlinable public func valueAndDerivative(_ r2: Double) -> (Double, Double) {
        let k = Math.exp(-0.5 * r2)
        return (k, -0.5 * k)
    }

    public func values(_ r2: UnsafePointer<Double>, scale: Double, into out: UnsafeMutablePointer<Double>, count: Int) {
        batchValues(self, r2, scale: scale, into: out, count: count)
    }
    public func valuesAndDerivatives(_ r2: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>,
                                     derivatives: UnsafeMutablePointer<Double>, count: Int) {
        batchValuesAndDerivatives(self, r2, values: values, derivatives: derivatives, count: count)
    }
}

/// Matérn-1/2 (exponential): κ = e^{−r}; dκ/dr² = −e^{−r}/(2r), taken as 0 at r = 0 (a subgradient).
public struct Matern12Profile: RadialProfile {
    public static let kind = "matern12"
    public init() {}
    @inlinable public func value(_ r2: Double) -> Double { Math.exp(-r2.squareRoot()) }
    @inlinable public func valueAndDerivative(_ r2: Double) -> (Double, Double) {
        let r = r2.squareRoot()
        let k = Math.exp(-r)
        return (k, r > 0 ? -k / (2 * r) : 0)
    }

    public func values(_ r2: UnsafePointer<Double>, scale: Double, into out: UnsafeMutablePointer<Double>, count: Int) {
        batchValues(self, r2, scale: scale, into: out, count: count)
    }
    public func valuesAndDerivatives(_ r2: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>,
                                     derivatives: UnsafeMutablePointer<Double>, count: Int) {
        batchValuesAndDerivatives(self, r2, values: values, derivatives: derivatives, count: count)
    }
}

/// Matérn-3/2: κ = (1 + √3 r) e^{−√3 r}; dκ/dr² = −(3/2) e^{−√3 r}.
public struct Matern32Profile: RadialProfile {
    public static let kind = "matern32"
    public init() {}
    @inlinable public func value(_ r2: Double) -> Double {
        let s = (3 * r2).squareRoot()
        return (1 + s) * Math.exp(-s)
    }
    @inlinable public func valueAndDerivative(_ r2: Double) -> (Double, Double) {
        let s = (3 * r2).squareRoot()
        let e = Math.exp(-s)
        return ((1 + s) * e, -1.5 * e)
    }

    public func values(_ r2: UnsafePointer<Double>, scale: Double, into out: UnsafeMutablePointer<Double>, count: Int) {
        batchValues(self, r2, scale: scale, into: out, count: count)
    }
    public func valuesAndDerivatives(_ r2: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>,
                                     derivatives: UnsafeMutablePointer<Double>, count: Int) {
        batchValuesAndDerivatives(self, r2, values: values, derivatives: derivatives, count: count)
    }
}

/// Matérn-5/2: κ = (1 + √5 r + 5r²/3) e^{−√5 r}; dκ/dr² = −(5/6)(1 + √5 r) e^{−√5 r}.
public struct Matern52Profile: RadialProfile {
    public static let kind = "matern52"
    public init() {}
    @inlinable public func value(_ r2: Double) -> Double {
        let s = (5 * r2).squareRoot()
        return (1 + s + 5 * r2 / 3) * Math.exp(-s)
    }
    @inlinable public func valueAndDerivative(_ r2: Double) -> (Double, Double) {
        let s = (5 * r2).squareRoot()
        let e = Math.exp(-s)
        return ((1 + s + 5 * r2 / 3) * e, -(5.0 / 6.0) * (1 + s) * e)
    }

    /// Four pairs at a time (vector sqrt and polynomial, the same formulas as `value` and
    /// `valueAndDerivative`, so results match them bit for bit), one exp per pair shared by κ and κ′.
    public func values(_ r2: UnsafePointer<Double>, scale: Double, into out: UnsafeMutablePointer<Double>, count: Int) {
        var t = 0
        while t < count {
            let m = min(4, count - t)
            let q = loadPadded(r2 + t, m)
            let s = (5 * q).squareRoot()
            let e = expNegative(s)
            storePartial(scale * ((1 + s + 5 * q / 3) * e), out + t, m)
            t += 4
        }
    }
    public func valuesAndDerivatives(_ r2: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>,
                                     derivatives: UnsafeMutablePointer<Double>, count: Int) {
        var t = 0
        while t < count {
            let m = min(4, count - t)
            let q = loadPadded(r2 + t, m)
            let s = (5 * q).squareRoot()
            let e = expNegative(s)
            storePartial((1 + s + 5 * q / 3) * e, values + t, m)
            storePartial(-(5.0 / 6.0) * (1 + s) * e, derivatives + t, m)
            t += 4
        }
    }
}

/// Rational quadratic: κ = (1 + r²/(2α))^{−α}; tends to the RBF as α → ∞.
public struct RationalQuadraticProfile: RadialProfile {
    public static let kind = "rq"
    public var alpha: Parameter
    public init(alpha: Double = 1) { self.alpha = Parameter("alpha", alpha) }
    public var shapeParameters: [Parameter] {
        get { [alpha] }
        set { alpha.assign(from: newValue[0]) }
    }
    public func value(_ r2: Double) -> Double { Math.exp(-alpha.scalar * Math.log1p(r2 / (2 * alpha.scalar))) }
    public func valueAndDerivative(_ r2: Double) -> (Double, Double) {
        let a = alpha.scalar
        let base = 1 + r2 / (2 * a)
        let k = Math.exp(-a * Math.log(base))
        return (k, -0.5 * k / base)
    }
    /// ∂κ/∂α = κ [−log1p(r²/2α) + (r²/2α)/(1 + r²/2α)].
    public func shapeGradient(_ r2: Double) -> [Double] {
        let a = alpha.scalar
        let u = r2 / (2 * a)
        let k = Math.exp(-a * Math.log1p(u))
        return [k * (-Math.log1p(u) + u / (1 + u))]
    }
}

public typealias RBF = StationaryKernel<RBFProfile>
public typealias Matern12 = StationaryKernel<Matern12Profile>
public typealias Matern32 = StationaryKernel<Matern32Profile>
public typealias Matern52 = StationaryKernel<Matern52Profile>
public typealias RationalQuadratic = StationaryKernel<RationalQuadraticProfile>

extension StationaryKernel where Profile == RBFProfile {
    public init(lengthscale: [Double] = [1], variance: Double = 1) {
        self.init(profile: RBFProfile(), lengthscale: lengthscale, variance: variance)
    }
}
extension StationaryKernel where Profile == Matern12Profile {
    public init(lengthscale: [Double] = [1], variance: Double = 1) {
        self.init(profile: Matern12Profile(), lengthscale: lengthscale, variance: variance)
    }
}
extension StationaryKernel where Profile == Matern32Profile {
    public init(lengthscale: [Double] = [1], variance: Double = 1) {
        self.init(profile: Matern32Profile(), lengthscale: lengthscale, variance: variance)
    }
}
extension StationaryKernel where Profile == Matern52Profile {
    public init(lengthscale: [Double] = [1], variance: Double = 1) {
        self.init(profile: Matern52Profile(), lengthscale: lengthscale, variance: variance)
    }
}
extension StationaryKernel where Profile == RationalQuadraticProfile {
    public init(lengthscale: [Double] = [1], variance: Double = 1, alpha: Double = 1) {
        self.init(profile: RationalQuadraticProfile(alpha: alpha), lengthscale: lengthscale, variance: variance)
    }
}
