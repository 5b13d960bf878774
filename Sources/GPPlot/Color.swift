/// An sRGB colour with opacity. Components are in 0...1.
///
/// Named colours follow the Tableau-10 palette (`.blue` is #1f77b4, …), which is also the
/// order in which series without an explicit colour are coloured (`Color.palette`).
public struct Color: Sendable, Hashable, CustomStringConvertible {
    public var red: Double
    public var green: Double
    public var blue: Double
    /// Opacity in 0...1 (emitted as `fill-opacity`/`stroke-opacity`, as SVG 1.1 has no rgba()).
    public var alpha: Double

    /// A colour from components in 0...1 (values outside are clamped).
    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        func clamp(_ v: Double) -> Double { v.isNaN ? 0 : min(max(v, 0), 1) }
        self.red = clamp(red)
        self.green = clamp(green)
        self.blue = clamp(blue)
        self.alpha = clamp(alpha)
    }

    /// A colour from 8-bit components 0...255, e.g. `Color(r: 31, g: 119, b: 180)`.
    public init(r: Int, g: Int, b: Int, alpha: Double = 1) {
        self.init(red: Double(r) / 255, green: Double(g) / 255, blue: Double(b) / 255, alpha: alpha)
    }

    /// A colour from a 24-bit 0xRRGGBB integer, e.g. `Color(hex: 0x1f77b4)`.
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(r: Int((hex >> 16) & 0xFF), g: Int((hex >> 8) & 0xFF), b: Int(hex & 0xFF), alpha: alpha)
    }

    /// Parses "#rgb", "#rrggbb" or "#rrggbbaa" (the "#" is optional); nil if malformed.
    public init?(hex: String) {
        var digits = Substring(hex.trimmingCharacters(in: .whitespaces))
        if digits.hasPrefix("#") { digits = digits.dropFirst() }
        guard digits.allSatisfy(\.isHexDigit) else { return nil }
        if digits.count == 3 {
            digits = Substring(digits.map { "\($0)\($0)" }.joined())
        }
        guard digits.count == 6 || digits.count == 8, let value = UInt64(digits, radix: 16) else { return nil }
        if digits.count == 6 {
            self.init(hex: UInt32(value))
        } else {
            self.init(hex: UInt32(value >> 8), alpha: Double(value & 0xFF) / 255)
        }
    }

    /// The same colour with a different opacity.
    public func withAlpha(_ alpha: Double) -> Color {
        Color(red: red, green: green, blue: blue, alpha: alpha)
    }

    /// Linear interpolation in sRGB between `self` (t = 0) and `other` (t = 1).
    public func mixed(with other: Color, _ t: Double) -> Color {
        let u = min(max(t, 0), 1)
        return Color(
            red: red + (other.red - red) * u, green: green + (other.green - green) * u,
            blue: blue + (other.blue - blue) * u, alpha: alpha + (other.alpha - alpha) * u)
    }

    /// "#rrggbb" (opacity not included).
    public var hexString: String {
        func byte(_ v: Double) -> String {
            let s = String(Int((v * 255).rounded()), radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + byte(red) + byte(green) + byte(blue)
    }

    public var description: String {
        alpha < 1 ? "\(hexString) @ \(fmt(alpha))" : hexString
    }

    public static let black = Color(hex: 0x000000)
    public static let white = Color(hex: 0xFFFFFF)
    public static let blue = Color(hex: 0x1F77B4)
    public static let orange = Color(hex: 0xFF7F0E)
    public static let green = Color(hex: 0x2CA02C)
    public static let red = Color(hex: 0xD62728)
    public static let purple = Color(hex: 0x9467BD)
    public static let brown = Color(hex: 0x8C564B)
    public static let pink = Color(hex: 0xE377C2)
    public static let gray = Color(hex: 0x7F7F7F)
    public static let olive = Color(hex: 0xBCBD22)
    public static let cyan = Color(hex: 0x17BECF)
    public static let lightGray = Color(hex: 0xD3D3D3)
    public static let darkGray = Color(hex: 0x404040)

    /// Default colour cycle for series added without an explicit colour.
    public static let palette: [Color] = [.blue, .orange, .green, .red, .purple, .brown, .pink, .gray, .olive, .cyan]
}
