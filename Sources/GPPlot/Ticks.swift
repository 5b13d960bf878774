import Foundation

/// "Nice" tick positions: 1-2-5 steps on linear axes, whole decades on log₁₀ axes.
///
/// Linear: the step is m·10ᵉ with m ∈ {1, 2, 5}, chosen as the candidate closest (in log
/// space) to span / targetCount; ticks are the multiples of the step inside [lower, upper]
/// (inclusive, with a 1e-9 relative tolerance), computed as integer·10ᵉ so that e.g. 0.6 is
/// exactly the literal 0.6. For [0, 0.97] with 5 targets this gives 0, 0.2, 0.4, 0.6, 0.8.
///
/// Log₁₀: major ticks at the powers of ten inside the range (every k-th decade when the range
/// spans more than targetCount + 3 decades), minor ticks at 2…9 × each decade. For [500, 4000]
/// the only major tick is 1000.
public enum Ticks {
    /// Nice linear tick values inside [lower, upper] (order of the bounds does not matter).
    public static func linear(lower: Double, upper: Double, targetCount: Int = 5) -> [Double] {
        linearWithExponent(lower: lower, upper: upper, targetCount: targetCount).values
    }

    /// Ticks and labels for an axis of the given scale over [lower, upper] (data units).
    public static func compute(scale: AxisScale, lower: Double, upper: Double, targetCount: Int = 5) -> AxisTicks {
        switch scale {
        case .linear: return linearAxis(lower: lower, upper: upper, targetCount: targetCount)
        case .log10: return logarithmic(lower: lower, upper: upper, targetCount: targetCount)
        }
    }

    /// Linear ticks with labels sharing one number of decimals (e.g. "0.0", "0.2", …).
    /// Labels switch to m×10ⁿ form when |values| ≥ 10⁶ or the step is below 10⁻⁴.
    public static func linearAxis(lower: Double, upper: Double, targetCount: Int = 5) -> AxisTicks {
        let (values, exponent) = linearWithExponent(lower: lower, upper: upper, targetCount: targetCount)
        return AxisTicks(major: values, minor: [], labels: linearLabels(values, stepExponent: exponent))
    }

    /// Log₁₀ ticks over [lower, upper] (both must be > 0, else the result is empty).
    /// If fewer than two labels would result, falls back to linear ticks inside the range.
    public static func logarithmic(lower: Double, upper: Double, targetCount: Int = 5) -> AxisTicks {
        guard lower.isFinite, upper.isFinite, lower > 0, upper > 0 else {
            return AxisTicks(major: [], minor: [], labels: [])
        }
        let lo = min(lower, upper), hi = max(lower, upper)
        let tolerance = 1e-9
        let tLo = decimalLog(lo), tHi = decimalLog(hi)
        let kLo = Int((tLo - tolerance).rounded(.up))
        let kHi = Int((tHi + tolerance).rounded(.down))
        let decades = tHi - tLo
        let target = max(1, targetCount)
        let stride = decades <= Double(target + 3) ? 1 : Int((decades / Double(target)).rounded(.up))

        var major: [Double] = []
        var minor: [Double] = []
        var minorLabelCandidates: [TickLabel] = []
        if kHi >= kLo {
            for k in kLo...kHi {
                if ((k % stride) + stride) % stride == 0 {
                    major.append(scaledInteger(1, k))
                } else {
                    minor.append(scaledInteger(1, k))
                }
            }
        }
        if stride == 1 {
            for k in (kLo - 1)...max(kLo - 1, kHi) {
                for m in 2...9 {
                    let v = scaledInteger(m, k)
                    if v >= lo * (1 - tolerance) && v <= hi * (1 + tolerance) {
                        minor.append(v)
                        if m == 2 || m == 5 { minorLabelCandidates.append(TickLabel(value: v, text: logLabel(m, k))) }
                    }
                }
            }
        }
        minor.sort()

        var labels = major.map { v in TickLabel(value: v, text: logLabel(1, Int(decimalLog(v).rounded()))) }
        if major.count < 2 && stride == 1 {
            labels += minorLabelCandidates
            labels.sort { $0.value < $1.value }
        }
        if labels.count < 2 {
            // Less than a decade with no useful log ticks: fall back to linear ticks in the range.
            let linear = linearAxis(lower: lo, upper: hi, targetCount: target)
            let kept = linear.labels.filter { $0.value > 0 }
            return AxisTicks(major: kept.map(\.value), minor: [], labels: kept)
        }
        return AxisTicks(major: major, minor: minor, labels: labels)
    }

    // MARK: - Internals

    /// Tick values and the decimal exponent e of the step m·10ᵉ.
    static func linearWithExponent(lower: Double, upper: Double, targetCount: Int) -> (values: [Double], exponent: Int) {
        guard lower.isFinite, upper.isFinite else { return ([], 0) }
        let lo = min(lower, upper), hi = max(lower, upper)
        let span = hi - lo
        let scale = max(abs(lo), abs(hi))
        if span <= 1e-12 * scale || span == 0 {
            let e = scale > 0 ? Int(decimalLog(scale).rounded(.down)) - 1 : 0
            return ([lo], e)
        }
        let raw = span / Double(max(1, targetCount))
        var e = Int(decimalLog(raw).rounded(.down))
        let normalized = raw / powerOfTen(e)
        let m: Int
        switch normalized {
        case ..<1.4142135623730951: m = 1
        case ..<3.1622776601683795: m = 2
        case ..<7.0710678118654755: m = 5
        default: m = 1; e += 1
        }
        let step = scaledInteger(m, e)
        let tolerance = 1e-9
        let kLo = (lo / step - tolerance).rounded(.up)
        let kHi = (hi / step + tolerance).rounded(.down)
        guard kHi >= kLo, kHi - kLo < 10_000, abs(kLo) < 1e15, abs(kHi) < 1e15 else { return ([], e) }
        let values = (Int(kLo)...Int(kHi)).map { k -> Double in
            let v = scaledInteger(k * m, e)
            return v == 0 ? 0 : v  // no -0
        }
        return (values, e)
    }

    /// Labels with a common number of decimals; m×10ⁿ form for very large or very small values.
    static func linearLabels(_ values: [Double], stepExponent e: Int) -> [TickLabel] {
        let maxAbs = values.map(abs).max() ?? 0
        if maxAbs >= 1e6 || (e < -4 && maxAbs > 0) {
            let exponent = Int(decimalLog(maxAbs).rounded(.down))
            let decimals = max(0, exponent - e)
            return values.map { v in
                if v == 0 { return TickLabel(value: v, text: "0") }
                let mantissa = fixed(v / powerOfTen(exponent), decimals: decimals)
                return TickLabel(value: v, text: "\(mantissa)×10\(superscript(exponent))")
            }
        }
        let decimals = max(0, -e)
        return values.map { TickLabel(value: $0, text: fixed($0, decimals: decimals)) }
    }

    /// "1000", "0.002", "10⁵", "2×10⁻⁶": plain numbers for 10⁻³ ≤ value < 10⁵.
    static func logLabel(_ mantissa: Int, _ exponent: Int) -> String {
        if exponent >= -3 && exponent <= 4 {
            return fixed(scaledInteger(mantissa, exponent), decimals: max(0, -exponent))
        }
        return mantissa == 1 ? "10\(superscript(exponent))" : "\(mantissa)×10\(superscript(exponent))"
    }
}
