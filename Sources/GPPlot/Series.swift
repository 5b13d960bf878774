/// The data items a `Figure` draws, in insertion order (internal representation).
enum Series: Sendable {
    case line(LineSeries)
    case scatter(ScatterSeries)
    case band(BandSeries)
    case contour(ContourSeries)
    case heatmap(HeatmapSeries)
    case reference(ReferenceLine)

    var legendEntry: LegendEntry? {
        switch self {
        case .line(let s):
            return s.label.map { LegendEntry(label: $0, symbol: .line(s.color, s.width, s.style)) }
        case .scatter(let s):
            return s.label.map { LegendEntry(label: $0, symbol: .marker(s.color, s.marker, s.radius)) }
        case .band(let s):
            return s.label.map { LegendEntry(label: $0, symbol: .patch(s.color, s.opacity)) }
        case .contour(let s):
            return s.label.map { LegendEntry(label: $0, symbol: .line(s.color, s.width, s.style)) }
        case .reference(let s):
            return s.label.map { LegendEntry(label: $0, symbol: .line(s.color, s.width, s.style)) }
        case .heatmap:
            return nil  // shown by the colour bar
        }
    }
}

struct LineSeries: Sendable {
    var x: [Double]
    var y: [Double]
    var label: String?
    var color: Color
    var width: Double
    var style: LineStyle
}

struct ScatterSeries: Sendable {
    var x: [Double]
    var y: [Double]
    var label: String?
    var color: Color
    var radius: Double
    var marker: Marker
}

struct BandSeries: Sendable {
    var x: [Double]
    var lower: [Double]
    var upper: [Double]
    var label: String?
    var color: Color
    var opacity: Double
}

struct ContourSeries: Sendable {
    var x: [Double]
    var y: [Double]
    var z: [[Double]]
    var levels: [Double]
    var label: String?
    var color: Color
    var width: Double
    var style: LineStyle
}

struct HeatmapSeries: Sendable {
    var x: [Double]
    var y: [Double]
    var z: [[Double]]
    var colorMap: ColorMap
    var range: ClosedRange<Double>?
    var steps: Int
    var label: String?
    var opacity: Double

    /// The value range mapped onto the colour map (explicit, else finite min...max of z).
    var valueRange: (lo: Double, hi: Double) {
        if let r = range { return (r.lowerBound, r.upperBound) }
        var lo = Double.infinity, hi = -Double.infinity
        for row in z { for v in row where v.isFinite { lo = min(lo, v); hi = max(hi, v) } }
        if lo > hi { return (0, 1) }
        return (lo, hi)
    }

    /// Index 0..<steps of the colour band containing `v`, or nil for non-finite values.
    func bandIndex(_ v: Double, lo: Double, hi: Double) -> Int? {
        guard v.isFinite else { return nil }
        let t = hi > lo ? (v - lo) / (hi - lo) : 0.5
        return min(steps - 1, max(0, Int((t * Double(steps)).rounded(.down))))
    }

    /// Colour of band `q`, sampled at the band's centre.
    func bandColor(_ q: Int) -> Color {
        colorMap.color(at: (Double(q) + 0.5) / Double(steps))
    }
}

/// A horizontal (`vertical == false`, at y = value) or vertical (at x = value) line across the plot.
struct ReferenceLine: Sendable {
    var value: Double
    var vertical: Bool
    var label: String?
    var color: Color
    var width: Double
    var style: LineStyle
}

struct LegendEntry: Sendable {
    enum Symbol: Sendable {
        case line(Color, Double, LineStyle)
        case marker(Color, Marker, Double)
        case patch(Color, Double)
    }
    var label: String
    var symbol: Symbol
}
