import Foundation

/// A single plot — axes, data series, labels and a legend — rendered to an SVG 1.1 document.
///
/// `Figure` is a value type: configure its properties, add series with the mutating methods
/// (drawn in call order, later on top), then call `svg()` or `write(to:)`.
///
/// Data conventions:
/// - Non-finite values (NaN, ±∞), and values ≤ 0 on a log axis, are skipped; lines and
///   bands are broken there (a new subpath starts after the gap).
/// - Grids for `contour`/`heatmap` are `z[i][j]` at `(x[j], y[i])`: rows follow y.
/// - Mismatched array lengths are programming errors and trap with a message.
/// - Series added without a colour take the next colour of `Color.palette`.
public struct Figure: Sendable {
    /// Size of the whole SVG in pixels.
    public var width: Double
    public var height: Double
    /// Title centred above the plot area.
    public var title: String?
    public var xLabel: String?
    public var yLabel: String?
    public var xScale: AxisScale = .linear
    public var yScale: AxisScale = .linear
    /// Explicit axis ranges in data units (nil: automatic from the data plus `padding`).
    /// On a log axis a range whose lower bound is ≤ 0 is ignored.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// Explicit major tick positions (nil: automatic "nice" ticks). Values outside the range are not drawn.
    public var xTicks: [Double]?
    public var yTicks: [Double]?
    /// Fraction of the data span added on each side of automatic ranges (in axis space,
    /// i.e. in decades on log axes). Contour and heatmap grids are fitted tightly.
    public var padding: Double = 0.04
    public var legend: LegendPosition = .best
    /// Light grid lines at the major ticks.
    public var showGrid: Bool = true
    /// Short minor tick marks (log axes only).
    public var showMinorTicks: Bool = true
    /// Explicit margins around the plot area (nil: computed from labels and legend).
    public var margins: Margins?
    /// Base font size in pixels (tick labels are slightly smaller, the title larger).
    public var fontSize: Double = 12
    public var fontFamily: String = "Helvetica, Arial, sans-serif"
    /// Background fill of the whole figure (nil: transparent).
    public var background: Color? = .white

    var series: [Series] = []
    var paletteIndex = 0

    /// An empty figure of the given pixel size.
    public init(width: Double = 640, height: Double = 400, title: String? = nil) {
        self.width = width
        self.height = height
        self.title = title
    }

    private mutating func resolve(_ color: Color?) -> Color {
        if let color { return color }
        defer { paletteIndex += 1 }
        return Color.palette[paletteIndex % Color.palette.count]
    }

    /// A polyline through (x[k], y[k]); broken at non-finite points.
    public mutating func line(
        x: [Double], y: [Double], label: String? = nil, color: Color? = nil,
        width: Double = 1.75, style: LineStyle = .solid
    ) {
        precondition(x.count == y.count, "line: x has \(x.count) values but y has \(y.count)")
        series.append(.line(LineSeries(x: x, y: y, label: label, color: resolve(color), width: width, style: style)))
    }

    /// A marker at each (x[k], y[k]); non-finite points are skipped.
    public mutating func scatter(
        x: [Double], y: [Double], label: String? = nil, color: Color? = nil,
        radius: Double = 3, marker: Marker = .circle
    ) {
        precondition(x.count == y.count, "scatter: x has \(x.count) values but y has \(y.count)")
        series.append(.scatter(ScatterSeries(
            x: x, y: y, label: label, color: resolve(color), radius: radius, marker: marker)))
    }

    /// A filled region between the curves (x, lower) and (x, upper), e.g. a ±2σ band.
    /// A point where x, lower or upper is non-finite splits the band into separate pieces.
    public mutating func band(
        x: [Double], lower: [Double], upper: [Double], label: String? = nil, color: Color? = nil,
        opacity: Double = 0.2
    ) {
        precondition(x.count == lower.count && x.count == upper.count,
                     "band: x, lower, upper have \(x.count), \(lower.count), \(upper.count) values")
        series.append(.band(BandSeries(
            x: x, lower: lower, upper: upper, label: label, color: resolve(color), opacity: opacity)))
    }

    /// Iso-lines of the grid `z[i][j]` at `(x[j], y[i])` at each of `levels`, by marching squares.
    /// One legend entry per call. NaN cells leave holes.
    public mutating func contour(
        x: [Double], y: [Double], z: [[Double]], levels: [Double], color: Color? = nil,
        label: String? = nil, width: Double = 1.5, style: LineStyle = .solid
    ) {
        checkGrid("contour", x: x, y: y, z: z)
        series.append(.contour(ContourSeries(
            x: x, y: y, z: z, levels: levels, label: label, color: resolve(color), width: width, style: style)))
    }

    /// A filled colour field: each grid value `z[i][j]` at `(x[j], y[i])` colours the cell
    /// around it (cell edges halfway between grid points), quantised into `steps` colours of
    /// `colorMap` over `range` (default: min...max of the finite values; values outside are
    /// clamped; NaN cells stay empty). x and y must be monotonic. The first heatmap also gets
    /// a colour bar to the right of the plot, titled with `label`. Does not use the palette.
    public mutating func heatmap(
        x: [Double], y: [Double], z: [[Double]], colorMap: ColorMap = .viridis,
        range: ClosedRange<Double>? = nil, steps: Int = 32, label: String? = nil, opacity: Double = 1
    ) {
        checkGrid("heatmap", x: x, y: y, z: z)
        series.append(.heatmap(HeatmapSeries(
            x: x, y: y, z: z, colorMap: colorMap, range: range, steps: min(max(steps, 2), 256),
            label: label, opacity: opacity)))
    }

    /// A horizontal line across the whole plot at `y` (included in the automatic y range).
    public mutating func horizontalLine(
        at y: Double, label: String? = nil, color: Color = .gray, width: Double = 1, style: LineStyle = .dashed
    ) {
        series.append(.reference(ReferenceLine(
            value: y, vertical: false, label: label, color: color, width: width, style: style)))
    }

    /// A vertical line across the whole plot at `x` (included in the automatic x range).
    public mutating func verticalLine(
        at x: Double, label: String? = nil, color: Color = .gray, width: Double = 1, style: LineStyle = .dashed
    ) {
        series.append(.reference(ReferenceLine(
            value: x, vertical: true, label: label, color: color, width: width, style: style)))
    }

    /// Writes `svg()` to `path` atomically: the document goes to a temporary file in the same
    /// directory, which is then renamed over `path`. On failure throws `PlotWriteError`
    /// (naming the path) and leaves neither a partial file nor the temporary file behind.
    public func write(to path: String) throws {
        try writeFileAtomically(Data(svg().utf8), to: path)
    }

    /// `write(to:)` for a file URL.
    public func write(to url: URL) throws {
        try write(to: url.path)
    }

    private func checkGrid(_ what: String, x: [Double], y: [Double], z: [[Double]]) {
        precondition(z.count == y.count, "\(what): z has \(z.count) rows but y has \(y.count) values")
        for (i, row) in z.enumerated() {
            precondition(row.count == x.count, "\(what): z[\(i)] has \(row.count) values but x has \(x.count)")
        }
    }
}
