/// Tick marks and labels for one axis, all in data units.
public struct AxisTicks: Sendable, Equatable {
    /// Long tick marks (and grid lines).
    public var major: [Double]
    /// Short tick marks (log axes: 2×, 3×, … 9× each decade).
    public var minor: [Double]
    /// Labelled positions, ascending. Normally the major ticks; on log axes spanning fewer
    /// than two decade ticks, the 2× and 5× minor ticks are labelled too.
    public var labels: [TickLabel]

    public init(major: [Double], minor: [Double] = [], labels: [TickLabel]) {
        self.major = major
        self.minor = minor
        self.labels = labels
    }
}

/// A tick label: a position in data units and the text shown there.
public struct TickLabel: Sendable, Hashable {
    public var value: Double
    public var text: String

    public init(value: Double, text: String) {
        self.value = value
        self.text = text
    }
}
