/// A continuous colour map from [0, 1] to colours, interpolating linearly between evenly
/// spaced stops. Used by `Figure.heatmap` and its colour bar.
public struct ColorMap: Sendable, Hashable {
    /// The colours at t = 0, 1/(n-1), …, 1.
    public var stops: [Color]

    /// A map through the given stops (at least one).
    public init(stops: [Color]) {
        precondition(!stops.isEmpty, "ColorMap needs at least one colour stop")
        self.stops = stops
    }

    /// The colour at `t` (clamped to 0...1; NaN maps to 0).
    public func color(at t: Double) -> Color {
        guard stops.count > 1 else { return stops[0] }
        let u = t.isNaN ? 0 : min(max(t, 0), 1)
        let position = u * Double(stops.count - 1)
        let index = min(Int(position), stops.count - 2)
        return stops[index].mixed(with: stops[index + 1], position - Double(index))
    }

    /// Perceptually uniform dark purple → teal → yellow (matplotlib's viridis, 9 stops).
    public static let viridis = ColorMap(stops: [
        Color(hex: 0x440154), Color(hex: 0x472D7B), Color(hex: 0x3B528B), Color(hex: 0x2C728E),
        Color(hex: 0x21918C), Color(hex: 0x28AE80), Color(hex: 0x5EC962), Color(hex: 0xADDC30),
        Color(hex: 0xFDE725),
    ])
    /// Diverging blue → light grey → red (like matplotlib's coolwarm); good for probabilities around 0.5.
    public static let blueRed = ColorMap(stops: [
        Color(hex: 0x3B4CC0), Color(hex: 0x7B9FF9), Color(hex: 0xDDDDDD), Color(hex: 0xF49A7B), Color(hex: 0xB40426),
    ])
    /// White → blue.
    public static let blues = ColorMap(stops: [Color(hex: 0xF7FBFF), Color(hex: 0x6BAED6), Color(hex: 0x08306B)])
    /// White → black.
    public static let grays = ColorMap(stops: [.white, .black])
}
