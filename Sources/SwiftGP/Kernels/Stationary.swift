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
func squaredDistances(_ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                              dimension d: Int, count m: Int, into out: UnsafeMutablePointer<Double>) {
    if d == 0 {
        out.initialize(repeating: 0, count: m)
        return
    }
    for c in 0..<d {
        let ac = a + c * lda
        let bc = b[c * ldb]
        let vb = SIMD8<Double>(repeating: bc)
        var t = 0
        if c == 0 {
            while t + 8 <= m {
                let u = load8(ac + t) - vb
                store8(u * u, out + t)
                t += 8
            }
            while t < m {
                let u = ac[t] - bc
                out[t] = u * u
                t += 1
            }
        } else {
            while t + 8 <= m {
                let u = load8(ac + t) - vb
                store8(load8(out + t) + u * u, out + t)
                t += 8
            }
            while t < m {
                let u = ac[t] - bc
                out[t] += u * u
                t += 1
            }
        }
    }
}

@inline(__always) func load8(_ p: UnsafePointer<Double>) -> SIMD8<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
}

@inline(__always) func load8(_ p: UnsafeMutablePointer<Double>) -> SIMD8<Double> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self)
}

@inline(__always) func store8(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Double>.self)
}

/// A stationary ARD kernel k(x, x′) = σ² κ(r²), r² = Σ_d (x_d − x′_d)²/ℓ_d² (docs/methods/kernels.md#stationary-kernels).
///
/// `lengthscale` holds one value (isotropic) or one per input dimension (ARD). Gradients use
/// ∂k/∂ℓ_d = −2 σ² κ′(r²) (x_d − x′_d)²/ℓ_d³ and ∂k/∂σ² = κ(r²).
///
/// The pair loops run over inputs laid out by dimension (`ScaledColumns`), one point j against a
/// contiguous run of points i: r² is accumulated eight lanes at a time, the profile evaluates a whole run
/// in one call (its concrete, inlined eight-lane code; one vector exp per pair shared by κ and κ′), and
/// every VJP goes through one pair sweep (`StationaryGradients.swift`). Symmetric Gram sweeps walk the
/// lower triangle in 64 × 64 tiles (`forEachLowerTriangleRun`). For the exact GP's one-buffer objective
/// the kernel keeps r² above the diagonal (`WorkspaceKernel.gramWithWorkspace`), and its gradient turns the lengthscale
/// contraction into one dsymm.
/// - Complexity: Gram matrix O(n² d) with half the κ evaluations (symmetry); gradients the same.
public struct StationaryKernel<Profile: RadialProfile>: WorkspaceKernel {
    public var lengthscale: Parameter
    public var variance: Parameter
    public var profile: Profile
    /// True when the lengthscale was left out at construction: the first fit makes it one per input column,
    /// starting from the data's scales (`sizedToData`). Until then it is one isotropic value of 1.
    public private(set) var lengthscaleFromData: Bool

    /// - Parameter lengthscale: one value (isotropic) or one per input column (ARD); nil: one per column of the
    ///   data the model is first fitted to, starting from the columns' scales (`DataSummary.inputScales`).
    public init(profile: Profile, lengthscale: [Double]?, variance: Double) {
        self.profile = profile
        self.lengthscale = Parameter("lengthscale", lengthscale ?? [1])
        self.variance = Parameter("variance", variance)
        self.lengthscaleFromData = lengthscale == nil
    }

    public func sizedToData(_ scales: [Double]) -> any Kernel {
        guard lengthscaleFromData, !scales.isEmpty, scales.allSatisfy({ $0.isFinite && $0 > 0 }) else { return self }
        var k = self
        k.lengthscale = Parameter("lengthscale", scales, lengthscale.constraint, trainable: lengthscale.isTrainable)
        k.lengthscale.prior = lengthscale.prior
        k.lengthscaleFromData = false
        return k
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
        var k = gramLowerTriangle(x, keepingSquaredDistancesAbove: false)
        k.symmetrizeFromLower()
        return k
    }

    /// The lower triangle holds K; the strict upper triangle holds the scaled squared distances, so
    /// `gramGradient(_:lowerAdjointOverWorkspace:)` needs neither the O(d) distance loop nor a copy of K.
    /// Layout: the r² of lower column j (rows j + 1 ..< n) sit in upper column n − 1 − j (rows 0 ..< n − 1 − j,
    /// exactly as many entries), so writing and reading them are contiguous copies, not strided ones.
    public func gramWithWorkspace(_ x: Matrix) -> Matrix {
        gramLowerTriangle(x, keepingSquaredDistancesAbove: true)
    }

    /// K's lower triangle (diagonal included); above it r² in the workspace layout (`keepingSquaredDistancesAbove`)
    /// or nothing meaningful (the caller overwrites it).
    private func gramLowerTriangle(_ x: Matrix, keepingSquaredDistancesAbove keep: Bool) -> Matrix {
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let p = ScaledColumns(x, lengthscale: lengthscale.value)
        let n = p.count, d = p.dimension
        let s2 = variance.scalar
        let diag = s2 * profile.value(0)
        // Every entry is written below: the lower triangle here, the upper one here (keep) or by the caller.
        let storage = [Double](unsafeUninitializedCapacity: n * n) { buffer, initialized in
            guard let out = buffer.baseAddress else { initialized = 0; return }
            p.data.withUnsafeBufferPointer { pts in
                if pts.baseAddress == nil { out.initialize(repeating: 0, count: n * n) }   // d == 0: r² = 0
                guard let base = pts.baseAddress else {   // d == 0: every pair at distance 0
                    for j in 0..<n { for i in j..<n { out[i + j * n] = diag } }
                    return
                }
                for j in 0..<n {
                    let col = out + j * n, m = n - j - 1
                    col[j] = diag
                    if m == 0 { continue }
                    squaredDistances(base + j + 1, lda: n, base + j, ldb: n, dimension: d, count: m, into: col + j + 1)
                    if keep { (out + (n - 1 - j) * n).update(from: col + j + 1, count: m) }
                    profile.values(col + j + 1, scale: s2, into: col + j + 1, count: m)
                }
            }
            initialized = n * n
        }
        return Matrix(rows: n, cols: n, storage: storage)
    }

    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix {
        precondition(x.cols == z.cols, "\(kind): inputs have \(x.cols) and \(z.cols) columns")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let px = ScaledColumns(x, lengthscale: lengthscale.value)
        let pz = ScaledColumns(z, lengthscale: lengthscale.value)
        let n = px.count, m = pz.count, d = px.dimension
        let s2 = variance.scalar
        if n == 0 || m == 0 { return Matrix(rows: n, cols: m) }
        if d == 0 { return Matrix(rows: n, cols: m, repeating: s2 * profile.value(0)) }
        // Every entry is written below (no zero fill of an n × m buffer first).
        let storage = [Double](unsafeUninitializedCapacity: n * m) { out, initialized in
            px.data.withUnsafeBufferPointer { a in
                pz.data.withUnsafeBufferPointer { b in
                    for j in 0..<m {
                        let col = out.baseAddress! + j * n
                        squaredDistances(a.baseAddress!, lda: n, b.baseAddress! + j, ldb: m, dimension: d, count: n, into: col)
                        profile.values(col, scale: s2, into: col, count: n)
                    }
                }
            }
            initialized = n * m
        }
        return Matrix(rows: n, cols: m, storage: storage)
    }

    public func diagonal(_ x: Matrix) -> [Double] {
        [Double](repeating: variance.scalar * profile.value(0), count: x.rows)
    }
}

// MARK: - Helpers of the profiles' batch loops

/// The first `m ≤ 8` entries at `p`, zero-padded to eight lanes.
@inline(__always) func loadPadded(_ p: UnsafePointer<Double>, _ m: Int) -> SIMD8<Double> {
    if m == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self) }
    var v = SIMD8<Double>(repeating: 0)
    for l in 0..<m { v[l] = p[l] }
    return v
}

/// Stores the first `m ≤ 8` lanes of `v` at `p`.
@inline(__always) func storePartial(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>, _ m: Int) {
    if m == 8 {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Double>.self)
        return
    }
    for l in 0..<m { p[l] = v[l] }
}

/// A profile with an eight-lane formula. Its scalar and batch methods come from this extension, written once:
/// the batch loops are specialised and inlined into each profile's witness (no call per eight pairs), and the
/// scalar methods take one lane, so scalar and batch results agree bit for bit.
protocol LaneProfile: RadialProfile {
    /// κ of eight r² values (one AVX-512 register, or two AVX2 ones: half the instructions of four lanes).
    func laneValues(_ q: SIMD8<Double>) -> SIMD8<Double>
    /// κ and dκ/dr² of eight r² values.
    func lanes(_ q: SIMD8<Double>) -> (SIMD8<Double>, SIMD8<Double>)
}

extension LaneProfile {
    public func value(_ r2: Double) -> Double { laneValues(SIMD8(repeating: r2))[0] }

    public func valueAndDerivative(_ r2: Double) -> (Double, Double) {
        let (k, dk) = lanes(SIMD8(repeating: r2))
        return (k[0], dk[0])
    }

    public func values(_ r2: UnsafePointer<Double>, scale: Double, into out: UnsafeMutablePointer<Double>, count: Int) {
        var t = 0
        while t + 8 <= count {
            store8(scale * laneValues(load8(r2 + t)), out + t)
            t += 8
        }
        if t < count {
            let m = count - t
            storePartial(scale * laneValues(loadPadded(r2 + t, m)), out + t, m)
        }
    }

    public func valuesAndDerivatives(_ r2: UnsafePointer<Double>, values: UnsafeMutablePointer<Double>,
                                     derivatives: UnsafeMutablePointer<Double>, count: Int) {
        var t = 0
        while t + 8 <= count {
            let (k, dk) = lanes(load8(r2 + t))
            store8(k, values + t)
            store8(dk, derivatives + t)
            t += 8
        }
        if t < count {
            let m = count - t
            let (k, dk) = lanes(loadPadded(r2 + t, m))
            storePartial(k, values + t, m)
            storePartial(dk, derivatives + t, m)
        }
    }
}

// MARK: - Profiles

/// Squared exponential: κ = exp(−r²/2).
public struct RBFProfile: LaneProfile {
    public static let kind = "rbf"
    public init() {}
    @inline(__always) func laneValues(_ q: SIMD8<Double>) -> SIMD8<Double> {
        Math.exp(-0.5 * q)
    }
    @inline(__always) func lanes(_ q: SIMD8<Double>) -> (SIMD8<Double>, SIMD8<Double>) {
        let k = Math.exp(-0.5 * q)
        return (k, -0.5 * k)
    }
}

/// Matérn-1/2 (exponential): κ = e^{−r}; dκ/dr² = −e^{−r}/(2r), taken as 0 at r = 0 (a subgradient).
public struct Matern12Profile: LaneProfile {
    public static let kind = "matern12"
    public init() {}
    @inline(__always) func laneValues(_ q: SIMD8<Double>) -> SIMD8<Double> {
        Math.exp(-q.squareRoot())
    }
    @inline(__always) func lanes(_ q: SIMD8<Double>) -> (SIMD8<Double>, SIMD8<Double>) {
        let r = q.squareRoot()
        let k = Math.exp(-r)
        return (k, (-k / (2 * r)).replacing(with: 0, where: r .== 0))
    }
}

/// Matérn-3/2: κ = (1 + √3 r) e^{−√3 r}; dκ/dr² = −(3/2) e^{−√3 r}.
public struct Matern32Profile: LaneProfile {
    public static let kind = "matern32"
    public init() {}
    @inline(__always) func laneValues(_ q: SIMD8<Double>) -> SIMD8<Double> {
        let s = (3 * q).squareRoot()
        return (1 + s) * Math.exp(-s)
    }
    @inline(__always) func lanes(_ q: SIMD8<Double>) -> (SIMD8<Double>, SIMD8<Double>) {
        let s = (3 * q).squareRoot()
        let e = Math.exp(-s)
        return ((1 + s) * e, -1.5 * e)
    }
}

/// Matérn-5/2: κ = (1 + √5 r + 5r²/3) e^{−√5 r}; dκ/dr² = −(5/6)(1 + √5 r) e^{−√5 r}.
public struct Matern52Profile: LaneProfile {
    public static let kind = "matern52"
    public init() {}
    @inline(__always) func laneValues(_ q: SIMD8<Double>) -> SIMD8<Double> {
        let s = (5 * q).squareRoot()
        return (1 + s + q * (5.0 / 3.0)) * Math.exp(-s)
    }
    @inline(__always) func lanes(_ q: SIMD8<Double>) -> (SIMD8<Double>, SIMD8<Double>) {
        let s = (5 * q).squareRoot()
        let e = Math.exp(-s)
        return ((1 + s + q * (5.0 / 3.0)) * e, -(5.0 / 6.0) * (1 + s) * e)
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
    public init(lengthscale: [Double]? = nil, variance: Double = 1) {
        self.init(profile: RBFProfile(), lengthscale: lengthscale, variance: variance)
    }
}
extension StationaryKernel where Profile == Matern12Profile {
    public init(lengthscale: [Double]? = nil, variance: Double = 1) {
        self.init(profile: Matern12Profile(), lengthscale: lengthscale, variance: variance)
    }
}
extension StationaryKernel where Profile == Matern32Profile {
    public init(lengthscale: [Double]? = nil, variance: Double = 1) {
        self.init(profile: Matern32Profile(), lengthscale: lengthscale, variance: variance)
    }
}
extension StationaryKernel where Profile == Matern52Profile {
    public init(lengthscale: [Double]? = nil, variance: Double = 1) {
        self.init(profile: Matern52Profile(), lengthscale: lengthscale, variance: variance)
    }
}
extension StationaryKernel where Profile == RationalQuadraticProfile {
    public init(lengthscale: [Double]? = nil, variance: Double = 1, alpha: Double = 1) {
        self.init(profile: RationalQuadraticProfile(alpha: alpha), lengthscale: lengthscale, variance: variance)
    }
}
