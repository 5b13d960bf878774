/// Clinger's fast path for decimal numbers: text with at most 19 significant digits whose integer
/// mantissa m ≤ 2⁵³ and decimal exponent |e| ≤ 22 is m · 10^e (or m / 10^−e) in ONE correctly rounded
/// floating-point operation, because m and 10^|e| are both exact doubles. Anything else (more digits,
/// larger exponents, `inf`, hex) returns nil and is left to `strtod`.
/// - Complexity: O(length of the text).
enum DecimalText {
    /// 10⁰ … 10²², all exact doubles.
    static let powers: [Double] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    /// The value of `bytes[start..<end]` when it is `[+-]digits[.digits][(e|E)[+-]digits]` within the fast
    /// path's limits, else nil.
    static func value(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 } else if bytes[i] == UInt8(ascii: "+") { i += 1 }
        var mantissa: UInt64 = 0
        var significant = 0, exponent = 0, digits = 0
        func digit(_ b: UInt8) -> UInt64? { b >= 48 && b <= 57 ? UInt64(b - 48) : nil }
        while i < end, let d = digit(bytes[i]) {
            if mantissa != 0 || d != 0 { significant += 1 }
            guard significant <= 19 else { return nil }
            mantissa = mantissa * 10 + d
            digits += 1
            i += 1
        }
        if i < end, bytes[i] == UInt8(ascii: ".") {
            i += 1
            while i < end, let d = digit(bytes[i]) {
                if mantissa != 0 || d != 0 { significant += 1 }
                guard significant <= 19 else { return nil }
                mantissa = mantissa * 10 + d
                exponent -= 1
                digits += 1
                i += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < end, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            var negativeExponent = false
            if i < end, bytes[i] == UInt8(ascii: "-") { negativeExponent = true; i += 1 } else if i < end, bytes[i] == UInt8(ascii: "+") { i += 1 }
            var e = 0, exponentDigits = 0
            while i < end, let d = digit(bytes[i]) {
                guard exponentDigits < 4 else { return nil }
                e = e * 10 + Int(d)
                exponentDigits += 1
                i += 1
            }
            guard exponentDigits > 0 else { return nil }
            exponent += negativeExponent ? -e : e
        }
        guard i == end, mantissa <= 1 << 53 else { return nil }
        var v = Double(mantissa)
        if exponent < 0 {
            guard exponent >= -22 else { return nil }
            v /= powers[-exponent]
        } else if exponent > 0 {
            guard exponent <= 22 else { return nil }
            v *= powers[exponent]
        }
        return negative ? -v : v
    }
}
