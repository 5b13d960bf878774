/// One connected iso-line produced by marching squares, in data coordinates.
public struct ContourLine: Sendable, Equatable {
    /// The z value the line follows.
    public var level: Double
    /// Vertices in order. For a closed line the first point is not repeated at the end.
    public var points: [PlotPoint]
    /// True when the line forms a loop; false when it ends at the grid boundary or at NaN cells.
    public var isClosed: Bool

    public init(level: Double, points: [PlotPoint], isClosed: Bool) {
        self.level = level
        self.points = points
        self.isClosed = isClosed
    }
}
