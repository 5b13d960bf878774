/// What the vector-function tests (`VectorExpTests`, `VectorLogTests`) share: the error measure and the loop that
/// feeds inputs eight lanes at a time.

/// Distance of `a` from the reference `b` in units in the last place of `b` (the references are glibc's functions,
/// correctly rounded in practice).
func ulps(_ a: Double, _ b: Double) -> Double {
    if a == b { return 0 }
    return abs(a - b) / max(b.ulp, Double.leastNonzeroMagnitude)
}

/// Runs `f` on `xs` in groups of eight lanes (the last group padded with `padding`) and hands each input with its
/// lane's result to `check`, in order.
func eachLane(_ xs: [Double], padding: Double, _ f: (SIMD8<Double>) -> SIMD8<Double>, _ check: (Double, Double) -> Void) {
    var i = 0
    while i < xs.count {
        var lanes = SIMD8<Double>(repeating: padding)
        for l in 0..<8 where i + l < xs.count { lanes[l] = xs[i + l] }
        let r = f(lanes)
        for l in 0..<8 where i + l < xs.count { check(xs[i + l], r[l]) }
        i += 8
    }
}
