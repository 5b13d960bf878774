/// User-supplied text made safe to echo in a message: control characters (terminal escape sequences,
/// newlines) escaped as `\u{…}`, and anything beyond `limit` characters cut off with `…`.
/// - Complexity: O(min(text length, limit)).
public enum Echo {
    /// The default number of characters kept.
    public static let limit = 60

    /// A file name: escaped, and kept whole up to PATH_MAX.
    public static func path(_ s: some StringProtocol) -> String { text(s, limit: 4096) }

    public static func text(_ s: some StringProtocol, limit: Int = Echo.limit) -> String {
        var out = ""
        var count = 0
        for scalar in s.unicodeScalars {
            if count == limit { return out + "…" }
            count += 1
            switch scalar.value {
            case 0..<0x20, 0x7f..<0xa0, 0x2028, 0x2029: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
