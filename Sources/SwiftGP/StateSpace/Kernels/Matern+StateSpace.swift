import GPLinearAlgebra

/// A radial profile that is a half-integer Matérn of order p (ν = p + ½) and so has an exact
/// (p + 1)-dimensional state space (docs/methods/state-space.md#matern-sdes). Conformances: `Matern12Profile` (p = 0),
/// `Matern32Profile` (p = 1), `Matern52Profile` (p = 2).
/// - Complexity: O(1).
public protocol MaternProfile: RadialProfile {
    /// p, with ν = p + ½.
    static var maternOrder: Int { get }
}

extension Matern12Profile: MaternProfile { public static var maternOrder: Int { 0 } }
extension Matern32Profile: MaternProfile { public static var maternOrder: Int { 1 } }
extension Matern52Profile: MaternProfile { public static var maternOrder: Int { 2 } }

/// `Matern12`, `Matern32` and `Matern52` on one input are state-space kernels: the companion-form SDE of
/// `MaternStateSpace` with λ = √(2ν)/ℓ (docs/methods/state-space.md#matern-sdes):
///
///     ν = ½:  F = −λ,                                   P∞ = σ²,                     Q_c = 2σ²λ
///     ν = 3/2: F = [[0, 1], [−λ², −2λ]],                 P∞ = diag(σ², λ²σ²),         Q_c = 4σ²λ³
///     ν = 5/2: F = [[0, 1, 0], [0, 0, 1], [−λ³, −3λ², −3λ]], P∞ = [[σ², 0, −κ], [0, κ, 0], [−κ, 0, λ⁴σ²]],
///              κ = λ²σ²/3,                                                           Q_c = (16/3)σ²λ⁵
///
/// with L = e_d, H = e_1, and closed-form transitions. The lengthscale must be a single value (one input).
/// Gradients: ∂/∂ℓ = −(λ/ℓ) ∂/∂λ; A(Δ) does not depend on σ².
/// - Complexity: O(d²) per transition and gradient contraction, d = ν + ½.
extension StationaryKernel: StateSpaceKernel where Profile: MaternProfile {
    var maternStateSpace: MaternStateSpace {
        precondition(lengthscale.count == 1, "\(kind): a state-space kernel acts on one input (one lengthscale)")
        return MaternStateSpace(order: Profile.maternOrder, lengthscale: lengthscale.scalar, variance: variance.scalar)
    }

    public var stateDimension: Int { Profile.maternOrder + 1 }

    public var feedbackMatrix: Matrix {
        let m = maternStateSpace, d = stateDimension
        var f = Matrix(rows: d, cols: d)
        for i in 0..<d { for j in 0..<d { f[i, j] = m.feedback(i, j) } }
        return f
    }

    public var noiseEffectMatrix: Matrix {
        var l = Matrix(rows: stateDimension, cols: 1)
        l[stateDimension - 1, 0] = 1
        return l
    }

    public var diffusionMatrix: Matrix { Matrix(scalar: maternStateSpace.diffusion) }

    public var measurementVector: [Double] {
        var h = [Double](repeating: 0, count: stateDimension)
        h[0] = 1
        return h
    }

    public func spectralDensity(_ frequency: Double) -> Double { maternStateSpace.spectralDensity(frequency) }

    public func writeStationaryCovariance(into p: UnsafeMutablePointer<Double>, stride: Int) {
        maternStateSpace.writeStationary(into: p, stride: stride)
    }

    public func writeTransition(_ dt: Double, into a: UnsafeMutablePointer<Double>, stride: Int) {
        maternStateSpace.writeTransition(dt, into: a, stride: stride)
    }

    public func accumulateTransitionGradient(_ dt: Double, transition: UnsafePointer<Double>, adjoint: UnsafePointer<Double>,
                                             stride: Int, into gradient: UnsafeMutablePointer<Double>) {
        let m = maternStateSpace
        let dl = m.transitionLambdaContraction(dt, transition: transition, adjoint: adjoint, stride: stride)
        gradient[0] += dl * m.lambdaDerivativeWithRespectToLengthscale(lengthscale.scalar)
    }

    public func accumulateStationaryCovarianceGradient(adjoint: UnsafePointer<Double>, stride: Int,
                                                       into gradient: UnsafeMutablePointer<Double>) {
        let m = maternStateSpace
        let (dl, dv) = m.stationaryContraction(adjoint: adjoint, stride: stride)
        gradient[0] += dl * m.lambdaDerivativeWithRespectToLengthscale(lengthscale.scalar)
        gradient[1] += dv
    }
}

/// A kernel whose state space is exactly one `MaternStateSpace`: lets `ScalarKalman` run its unrolled,
/// non-generic d = 3 recursion for Matérn-5/2 instead of calling through `StateSpaceKernel` every step.
protocol MaternStateSpaceKernel {
    var maternStateSpace: MaternStateSpace { get }
    /// ℓ (one input), for ∂λ/∂ℓ.
    var maternLengthscale: Double { get }
}

extension StationaryKernel: MaternStateSpaceKernel where Profile: MaternProfile {
    var maternLengthscale: Double { lengthscale.scalar }
}
