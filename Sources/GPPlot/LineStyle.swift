/// Stroke pattern of lines, contours and reference lines.
public enum LineStyle: Sendable, Hashable {
    case solid
    case dashed
    case dotted
    case dashDot
    /// Alternating dash and gap lengths in pixels (SVG `stroke-dasharray`).
    case custom([Double])

    /// The dash array in pixels, or nil for a solid stroke.
    var dashArray: [Double]? {
        switch self {
        case .solid: return nil
        case .dashed: return [6, 4]
        case .dotted: return [1.5, 3]
        case .dashDot: return [6, 3, 1.5, 3]
        case .custom(let pattern):
            let cleaned = pattern.filter { $0.isFinite && $0 >= 0 }
            return cleaned.isEmpty || cleaned.allSatisfy({ $0 == 0 }) ? nil : cleaned
        }
    }

    /// ` stroke-dasharray="…"` or the empty string.
    var svgAttribute: String {
        guard let dashes = dashArray else { return "" }
        return " stroke-dasharray=\"\(dashes.map(fmt).joined(separator: ","))\""
    }
}
