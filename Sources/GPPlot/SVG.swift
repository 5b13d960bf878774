import Foundation

// Low-level helpers shared by the renderers: compact number formatting, XML escaping,
// text-width estimation and a few maths wrappers (free functions, so that members named
// `log10` elsewhere in the module never shadow the C functions).

/// Base-10 logarithm (a free function so that `AxisScale.log10` cannot shadow it).
@inline(__always) func decimalLog(_ x: Double) -> Double { log10(x) }

/// Exact powers of ten for |e| ≤ 22, `pow` beyond.
func powerOfTen(_ e: Int) -> Double {
    if e >= 0 && e < exactPowersOfTen.count { return exactPowersOfTen[e] }
    if e < 0 && -e < exactPowersOfTen.count { return 1 / exactPowersOfTen[-e] }
    return pow(10, Double(e))
}

private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// `n · 10^e`, computed so that e.g. `scaledInteger(3, -1)` is exactly the literal `0.3`.
func scaledInteger(_ n: Int, _ e: Int) -> Double {
    if e >= 0 { return Double(n) * powerOfTen(e) }
    if -e < exactPowersOfTen.count { return Double(n) / exactPowersOfTen[-e] }
    return Double(n) * pow(10, Double(e))
}

/// Formats a coordinate with at most two decimals and no trailing zeros ("12", "12.5", "-0.25").
/// Non-finite values become "0"; magnitudes are clamped to 1e9 to keep output well formed.
func fmt(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let clamped = min(max(value, -1e9), 1e9)
    let scaled = Int64((clamped * 100).rounded())
    if scaled == 0 { return "0" }
    let negative = scaled < 0
    let magnitude = negative ? -scaled : scaled
    let whole = magnitude / 100
    let fraction = magnitude % 100
    var text = negative ? "-" : ""
    text += String(whole)
    if fraction != 0 {
        text += "."
        if fraction % 10 == 0 {
            text += String(fraction / 10)
        } else {
            if fraction < 10 { text += "0" }
            text += String(fraction)
        }
    }
    return text
}

/// Formats `value` with exactly `decimals` digits after the point, never printing "-0".
func fixed(_ value: Double, decimals: Int) -> String {
    let d = max(0, min(decimals, 15))
    var v = value
    if abs(v) < 0.5 * powerOfTen(-d) { v = 0 }
    return String(format: "%.\(d)f", v)
}

/// The shortest faithful text for an arbitrary value: "3", "0.25", "1e-07".
func shortest(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "-∞") }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
}

private let superscriptDigits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]

/// An integer written with Unicode superscript characters, e.g. -5 → "⁻⁵".
func superscript(_ n: Int) -> String {
    var out = n < 0 ? "⁻" : ""
    for ch in String(abs(n)) {
        if let d = ch.wholeNumberValue { out.append(superscriptDigits[d]) }
    }
    return out
}

/// Escapes text for use in XML character data and attribute values (both quote kinds),
/// dropping characters that XML 1.0 does not allow at all (most C0 control characters).
func xmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            let v = scalar.value
            if v < 0x20 || v == 0xFFFE || v == 0xFFFF { continue }
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// A rough width, in pixels, of `text` set in a Helvetica-like sans-serif font.
func estimatedTextWidth(_ text: String, fontSize: Double) -> Double {
    var em = 0.0
    for ch in text {
        switch ch {
        case ".", ",", ":", ";", "'", "|", "i", "j", "l", " ", "!", "I": em += 0.28
        case "f", "t", "r", "(", ")", "[", "]", "-": em += 0.36
        case "m", "w", "M", "W", "%", "@": em += 0.86
        case "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹", "⁻": em += 0.4
        case "0"..."9": em += 0.56
        default: em += ch.isUppercase ? 0.68 : 0.56
        }
    }
    return em * fontSize
}
