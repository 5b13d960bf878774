/// Where the legend box goes.
public enum LegendPosition: Sendable, Hashable {
    /// The inside corner that covers the fewest data points (top right on ties).
    case best
    case topRight
    case topLeft
    case bottomRight
    case bottomLeft
    /// To the right of the plot area (the right margin grows to make room).
    case outsideRight
    /// No legend, even if series have labels.
    case hidden
}
