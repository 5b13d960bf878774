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
}

extension RadialProfile {
    public var shapeParameters: [Parameter] { get { [] } set {} }
    public func shapeGradient(_ r2: Double) -> [Double] { [] }
}

/// A stationary ARD kernel k(x, x′) = σ² κ(r²), r² = Σ_d (x_d − x′_d)²/ℓ_d² (ALGORITHMS §1.2).
///
/// `lengthscale` holds one value (isotropic) or one per input dimension (ARD). Gradients use
/// ∂k/∂ℓ_d = −2 σ² κ′(r²) (x_d − x′_d)²/ℓ_d³ and ∂k/∂σ² = κ(r²).
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
        let p = PointRows(x, dividedBy: lengthscale.value)
        let n = p.count, d = p.dimension
        let s2 = variance.scalar
        var k = Matrix(rows: n, cols: n)
        let diag = s2 * profile.value(0)
        p.data.withUnsafeBufferPointer { pts in
            k.storage.withUnsafeMutableBufferPointer { out in
                for j in 0..<n {
                    out[j + j * n] = diag
                    let pj = j * d
                    for i in (j + 1)..<max(j + 1, n) {
                        let pi = i * d
                        var r2 = 0.0
                        for c in 0..<d {
                            let t = pts[pi + c] - pts[pj + c]
                            r2 += t * t
                        }
                        out[i + j * n] = s2 * profile.value(r2)
                    }
                }
            }
        }
        k.symmetrizeFromLower()
        return k
    }

    public func cross(_ x: Matrix, _ z: Matrix) -> Matrix {
        precondition(x.cols == z.cols, "\(kind): inputs have \(x.cols) and \(z.cols) columns")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let px = PointRows(x, dividedBy: lengthscale.value)
        let pz = PointRows(z, dividedBy: lengthscale.value)
        let n = px.count, m = pz.count, d = px.dimension
        let s2 = variance.scalar
        var k = Matrix(rows: n, cols: m)
        px.data.withUnsafeBufferPointer { a in
            pz.data.withUnsafeBufferPointer { b in
                k.storage.withUnsafeMutableBufferPointer { out in
                    for j in 0..<m {
                        let bj = j * d
                        for i in 0..<n {
                            let ai = i * d
                            var r2 = 0.0
                            for c in 0..<d {
                                let t = a[ai + c] - b[bj + c]
                                r2 += t * t
                            }
                            out[i + j * n] = s2 * profile.value(r2)
                        }
                    }
                }
            }
        }
        return k
    }

    public func diagonal(_ x: Matrix) -> [Double] {
        [Double](repeating: variance.scalar * profile.value(0), count: x.rows)
    }

    /// Accumulates the gradient over pairs (i, j) with weights w(i, j) read from `weight`.
    private func accumulate(_ px: PointRows, _ pz: PointRows, pairs: (Int, (Int) -> Range<Int>),
                            weight: (Int, Int) -> Double) -> [Double] {
        let d = px.dimension
        let s2 = variance.scalar
        let nShape = profile.shapeParameters.reduce(0) { $0 + $1.count }
        var dl = [Double](repeating: 0, count: d)   // Σ w σ² κ′ Δ̃_c²
        var dVar = 0.0                               // Σ w κ
        var dShape = [Double](repeating: 0, count: nShape)
        px.data.withUnsafeBufferPointer { a in
            pz.data.withUnsafeBufferPointer { b in
                dl.withUnsafeMutableBufferPointer { acc in
                    for j in 0..<pairs.0 {
                        let bj = j * d
                        for i in pairs.1(j) {
                            let w = weight(i, j)
                            if w == 0 { continue }
                            let ai = i * d
                            var r2 = 0.0
                            for c in 0..<d {
                                let t = a[ai + c] - b[bj + c]
                                r2 += t * t
                            }
                            let (kv, dk) = profile.valueAndDerivative(r2)
                            dVar += w * kv
                            let g = w * s2 * dk
                            if g != 0 {
                                for c in 0..<d {
                                    let t = a[ai + c] - b[bj + c]
                                    acc[c] += g * t * t
                                }
                            }
                            if nShape > 0 {
                                let sg = profile.shapeGradient(r2)
                                for q in 0..<nShape { dShape[q] += w * s2 * sg[q] }
                            }
                        }
                    }
                }
            }
        }
        // ∂/∂ℓ_c = −2/ℓ_c Σ w σ² κ′ Δ̃_c² ; isotropic: sum over c.
        let ls = lengthscale.value
        var gl: [Double]
        if ls.count == 1 {
            gl = [-2 / ls[0] * dl.reduce(0, +)]
        } else {
            gl = (0..<d).map { -2 / ls[$0] * dl[$0] }
        }
        return gl + [dVar] + dShape
    }

    public func crossGradient(_ x: Matrix, _ z: Matrix, adjoint: Matrix) -> [Double] {
        precondition(adjoint.rows == x.rows && adjoint.cols == z.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let px = PointRows(x, dividedBy: lengthscale.value)
        let pz = PointRows(z, dividedBy: lengthscale.value)
        let n = x.rows
        return adjoint.storage.withUnsafeBufferPointer { w in
            accumulate(px, pz, pairs: (z.rows, { _ in 0..<n }), weight: { i, j in w[i + j * n] })
        }
    }

    public func gramGradient(_ x: Matrix, adjoint: Matrix) -> [Double] {
        precondition(adjoint.rows == x.rows && adjoint.cols == x.rows, "\(kind): adjoint shape mismatch")
        checkARD(lengthscale, dimension: x.cols, kernel: kind)
        let p = PointRows(x, dividedBy: lengthscale.value)
        let n = x.rows
        // Symmetry: pair (i, j), i > j, carries Ā_ij + Ā_ji; the diagonal carries Ā_ii.
        return adjoint.storage.withUnsafeBufferPointer { w in
            accumulate(p, p, pairs: (n, { j in j..<n }),
                       weight: { i, j in i == j ? w[i + i * n] : w[i + j * n] + w[j + i * n] })
        }
    }

    public func diagonalGradient(_ x: Matrix, adjoint: [Double]) -> [Double] {
        let total = adjoint.reduce(0, +)
        let nShape = profile.shapeParameters.reduce(0) { $0 + $1.count }
        let sg = nShape > 0 ? profile.shapeGradient(0) : []
        return [Double](repeating: 0, count: lengthscale.count) + [total * profile.value(0)]
            + sg.map { total * variance.scalar * $0 }
    }
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
