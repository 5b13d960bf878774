#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Numerically stable scalar functions (docs/methods/conventions.md#stable-scalar-functions), written once and used everywhere.

@usableFromInline func _log(_ x: Double) -> Double { log(x) }

/// Elementary functions re-exported for modules that should not import the C library themselves.
public enum Math {
    @inlinable public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inlinable public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inlinable public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    @inlinable public static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
    @inlinable public static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    @inlinable public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inlinable public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inlinable public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
    @inlinable public static func erfc(_ x: Double) -> Double { Glibc.erfc(x) }
    @inlinable public static func lgamma(_ x: Double) -> Double { Glibc.lgamma(x) }
    public static let logTwoPi = Glibc.log(2 * Double.pi)

    /// log(1 + eˣ) without overflow: max(x, 0) + log1p(e^{-|x|}).
    @inlinable public static func log1pexp(_ x: Double) -> Double {
        Swift.max(x, 0) + Glibc.log1p(Glibc.exp(-Swift.abs(x)))
    }

    /// softplus(ξ) = log(1 + e^ξ). Derivative: `sigmoid(ξ)`.
    @inlinable public static func softplus(_ x: Double) -> Double { log1pexp(x) }

    /// The inverse of softplus for θ > 0: θ + log(−expm1(−θ)); θ itself for θ > 35.
    @inlinable public static func softplusInverse(_ theta: Double) -> Double {
        precondition(theta > 0, "softplusInverse needs a positive argument, got \(theta)")
        return theta > 35 ? theta : theta + Glibc.log(-Glibc.expm1(-theta))
    }

    /// eˣ up to `cap`, continued along its tangent above it, e^cap (1 + x − cap), with the derivative (eˣ, then
    /// e^cap): finite for every finite x, increasing, convex, C¹. The clamp of an exponential link's log-rate.
    @inlinable public static func expLinearAbove(_ x: Double, cap: Double) -> (value: Double, derivative: Double) {
        guard x > cap else {
            let e = Glibc.exp(x)
            return (e, e)
        }
        let e = Glibc.exp(cap)
        return (e * (1 + (x - cap)), e)
    }

    /// The logistic sigmoid 1 / (1 + e^{−x}), stable for large |x|.
    @inlinable public static func sigmoid(_ x: Double) -> Double {
        if x >= 0 { return 1 / (1 + Glibc.exp(-x)) }
        let e = Glibc.exp(x)
        return e / (1 + e)
    }

    /// log σ(x) = −softplus(−x).
    @inlinable public static func logSigmoid(_ x: Double) -> Double { -log1pexp(-x) }

    /// The standard normal CDF Φ(z).
    @inlinable public static func normalCDF(_ z: Double) -> Double { 0.5 * Glibc.erfc(-z / 2.0.squareRoot()) }

    /// log φ(z) for the standard normal density.
    @inlinable public static func logNormalPDF(_ z: Double) -> Double { -0.5 * z * z - 0.5 * logTwoPi }

    /// log Φ(z), accurate for very negative z (asymptotic series below −30).
    public static func logNormalCDF(_ z: Double) -> Double {
        if z > -30 { return Glibc.log(0.5 * Glibc.erfc(-z / 2.0.squareRoot())) }
        let z2 = 1 / (z * z)
        return -0.5 * z * z - Glibc.log(-z) - 0.5 * logTwoPi + Glibc.log(1 - z2 + 3 * z2 * z2 - 15 * z2 * z2 * z2)
    }

    /// The inverse Mills ratio φ(z)/Φ(z), computed as exp(log φ − log Φ).
    public static func inverseMillsRatio(_ z: Double) -> Double {
        Glibc.exp(logNormalPDF(z) - logNormalCDF(z))
    }

    /// log Σ exp(xᵢ) with max subtraction; −∞ for an empty input.
    public static func logSumExp(_ xs: [Double]) -> Double {
        guard let m = xs.max(), m.isFinite else { return xs.max() ?? -.infinity }
        var s = 0.0
        for x in xs { s += Glibc.exp(x - m) }
        return m + Glibc.log(s)
    }

    /// log y! = lgamma(y + 1).
    @inlinable public static func logFactorial(_ y: Double) -> Double { Glibc.lgamma(y + 1) }
}
