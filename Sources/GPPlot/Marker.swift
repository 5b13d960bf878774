/// Symbol drawn at each point of a scatter series.
public enum Marker: Sendable, Hashable {
    /// Filled circle of the given radius.
    case circle
    /// Filled square with half-side equal to the radius.
    case square
    /// Filled diamond.
    case diamond
    /// Filled upward triangle.
    case triangle
    /// Stroked "×".
    case cross
    /// Stroked "+".
    case plus

    /// Whether the marker is drawn with a stroke (× and +) rather than filled.
    var isStroked: Bool { self == .cross || self == .plus }

    /// Path data for one marker centred at (x, y) with "radius" r (pixels); nil for circles.
    func pathData(x: Double, y: Double, r: Double) -> String? {
        switch self {
        case .circle:
            return nil
        case .square:
            return "M\(fmt(x - r)),\(fmt(y - r))h\(fmt(2 * r))v\(fmt(2 * r))h\(fmt(-2 * r))Z"
        case .diamond:
            let d = r * 1.3
            return "M\(fmt(x)),\(fmt(y - d))L\(fmt(x + d)),\(fmt(y))L\(fmt(x)),\(fmt(y + d))L\(fmt(x - d)),\(fmt(y))Z"
        case .triangle:
            let d = r * 1.25
            return "M\(fmt(x)),\(fmt(y - d))L\(fmt(x + d * 0.866)),\(fmt(y + d * 0.5))L\(fmt(x - d * 0.866)),\(fmt(y + d * 0.5))Z"
        case .cross:
            return "M\(fmt(x - r)),\(fmt(y - r))L\(fmt(x + r)),\(fmt(y + r))M\(fmt(x - r)),\(fmt(y + r))L\(fmt(x + r)),\(fmt(y - r))"
        case .plus:
            let d = r * 1.2
            return "M\(fmt(x - d)),\(fmt(y))H\(fmt(x + d))M\(fmt(x)),\(fmt(y - d))V\(fmt(y + d))"
        }
    }
}
