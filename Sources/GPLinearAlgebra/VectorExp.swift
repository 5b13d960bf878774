// e^x on eight lanes at once: the exponential of every kernel's pair loop (docs/methods/conventions.md#vector-exponential), written once.
//
// x = n·ln 2 + r with |r| ≤ ln2/2 (Cody–Waite: ln 2 split in a high part with trailing zero bits and a
// low part), e^r by its degree-13 Taylor polynomial
// (truncation error < 5e-18 relative on that interval; Horner for the low orders, Estrin for the rest), then the result is scaled by 2ⁿ in two steps
// 2^⌊n/2⌋ · 2^(n − ⌊n/2⌋), so subnormal results and the overflow threshold come out right without
// branches. Measured against glibc's `exp` over [−745, 709]: below 2 ulp (tested). Lanes hold NaN → NaN,
// +∞ → +∞, −∞ → 0.
//
// Why: glibc's scalar `exp` is a function call per pair; the kernels evaluate one per pair of points
// (n²/2 for a Gram matrix), and this polynomial runs eight lanes at a time (one AVX-512 register, or two AVX2 ones).

extension Math {
    /// e^x lane by lane (< 2 ulp from the correctly rounded value). - Complexity: O(1), branch-free.
    @inlinable @inline(__always)
    public static func exp(_ x: SIMD8<Double>) -> SIMD8<Double> {
        // Clamp so the integer conversion below is defined; NaN lanes are restored at the end.
        let lo = SIMD8<Double>(repeating: -746), hi = SIMD8<Double>(repeating: 710)
        var v = x.replacing(with: lo, where: x .< lo)
        v = v.replacing(with: hi, where: v .> hi)
        v = v.replacing(with: 0, where: .!(v .== v))
        // n = round(x / ln 2) via the 1.5·2⁵² shifter: the addition rounds to nearest, and the low bits of
        // the sum hold n (offset by the shifter's own bits).
        let shifter = SIMD8<Double>(repeating: 6755399441055744.0)
        let shifted = v * SIMD8(repeating: 1.4426950408889634) + shifter
        let kd = shifted - shifter
        // r = x − n·ln2 (ln2_hi has trailing zero bits, so n·ln2_hi is exact for |n| < 2048).
        // (Plain products and sums, not `addingProduct`: Swift's SIMD fused multiply–add is lane by lane
        // and does not vectorise; n·ln2_hi is exact, so the reduction needs no fusing.)
        var r = v - kd * SIMD8(repeating: 6.93147180369123816490e-01)
        r = r - kd * SIMD8(repeating: 1.90821492927058770002e-10)
        // e^r = 1 + r(1 + r(1/2 + r(1/6 + r·T(r)))), T(r) = Σ_{k=4}^{13} r^{k−4}/k! by Estrin's scheme (short
        // dependency chains; T's rounding is scaled by r⁴ ≤ 0.015), the last four steps by Horner.
        let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
        let a0 = SIMD8<Double>(repeating: 1.0 / 24) + r * SIMD8(repeating: 1.0 / 120)
        let a1 = SIMD8<Double>(repeating: 1.0 / 720) + r * SIMD8(repeating: 1.0 / 5040)
        let a2 = SIMD8<Double>(repeating: 1.0 / 40320) + r * SIMD8(repeating: 1.0 / 362880)
        let a3 = SIMD8<Double>(repeating: 1.0 / 3628800) + r * SIMD8(repeating: 1.0 / 39916800)
        let a4 = SIMD8<Double>(repeating: 1.0 / 479001600) + r * SIMD8(repeating: 1.0 / 6227020800)
        let tail = (a0 + r2 * a1) + r4 * (a2 + r2 * a3) + r8 * a4
        var p = SIMD8<Double>(repeating: 1.0 / 6) + r * tail
        p = SIMD8(repeating: 0.5) + r * p
        p = SIMD8(repeating: 1.0) + r * p
        p = SIMD8(repeating: 1.0) + r * p
        // 2ⁿ = 2^n1 · 2^n2 with n1 = ⌊n/2⌋: both factors are normal numbers for n ∈ [−1077, 1025].
        let n = unsafeBitCast(shifted, to: SIMD8<Int64>.self) &- unsafeBitCast(shifter, to: SIMD8<Int64>.self)
        let n1 = n &>> 1
        let n2 = n &- n1
        let bias = SIMD8<Int64>(repeating: 1023)
        let s1 = unsafeBitCast((n1 &+ bias) &<< 52, to: SIMD8<Double>.self)
        let s2 = unsafeBitCast((n2 &+ bias) &<< 52, to: SIMD8<Double>.self)
        var e = (p * s1) * s2
        e = e.replacing(with: x, where: .!(x .== x))                      // NaN in, NaN out
        e = e.replacing(with: .infinity, where: x .> 709.782712893384)    // past the overflow threshold
        return e
    }

    /// e^x through the vector path (bit-identical to a lane of `exp(_: SIMD8<Double>)`), for the scalar
    /// code that must agree exactly with a batch loop.
    @inlinable @inline(__always)
    public static func vectorExp(_ x: Double) -> Double { exp(SIMD8<Double>(repeating: x))[0] }
}
