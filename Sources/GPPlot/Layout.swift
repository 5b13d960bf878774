import Foundation

/// A rectangle in SVG pixel coordinates (y grows downwards).
struct PixelRect: Sendable, Equatable {
    var left: Double
    var top: Double
    var width: Double
    var height: Double

    var right: Double { left + width }
    var bottom: Double { top + height }

    func contains(_ x: Double, _ y: Double) -> Bool {
        x >= left && x <= right && y >= top && y <= bottom
    }
}

/// Maps data values on one axis to pixels: axis space [t0, t1] → pixels [p0, p1].
struct AxisMap: Sendable {
    var scale: AxisScale
    var t0: Double
    var t1: Double
    var p0: Double
    var p1: Double

    /// Pixel position of a data value, or nil when it cannot be shown (NaN, ∞, ≤ 0 on log).
    func pixel(_ value: Double) -> Double? {
        scale.transform(value).map(pixel(t:))
    }

    /// Pixel position of an axis-space value.
    func pixel(t: Double) -> Double {
        p0 + (t - t0) / (t1 - t0) * (p1 - p0)
    }

    /// Whether the data value lies inside the axis range (with a small tolerance).
    func contains(_ value: Double) -> Bool {
        guard let t = scale.transform(value) else { return false }
        let slack = 1e-9 * (t1 - t0)
        return t >= t0 - slack && t <= t1 + slack
    }

    var lowerValue: Double { scale.inverse(t0) }
    var upperValue: Double { scale.inverse(t1) }
}

/// Running min/max in axis space.
struct Extent {
    var lo = Double.infinity
    var hi = -Double.infinity

    var isEmpty: Bool { lo > hi }

    mutating func add(_ t: Double) {
        lo = min(lo, t)
        hi = max(hi, t)
    }
}

/// Everything needed to draw a figure, computed once by `Figure.layout()`.
struct FigureLayout {
    var plot: PixelRect
    var x: AxisMap
    var y: AxisMap
    var xTicks: AxisTicks
    var yTicks: AxisTicks
    var legendEntries: [LegendEntry]
    var legendRect: PixelRect?
    var colorBar: ColorBarLayout?
    var tickFont: Double
    var labelFont: Double
    var titleFont: Double
}

struct ColorBarLayout {
    var heatmap: HeatmapSeries
    var bar: PixelRect
    var ticks: AxisTicks
    var lo: Double
    var hi: Double
    var labelX: Double
}

enum LayoutMetrics {
    static let tickLength = 5.0
    static let minorTickLength = 3.0
    static let legendPad = 6.0
    static let legendSample = 22.0
    static let legendGap = 6.0
    static let legendInset = 8.0
    static let colorBarGap = 12.0
    static let colorBarWidth = 14.0
}

extension Figure {
    /// Axis-space edges of the heatmap cells along one axis (count n + 1): halfway between
    /// neighbouring grid values, extended by half a spacing at the ends; nil where undefined.
    static func cellEdges(_ values: [Double], scale: AxisScale) -> [Double?] {
        let t = values.map(scale.transform)
        let n = t.count
        guard n > 0 else { return [] }
        if n == 1 { return t[0].map { [$0 - 0.5, $0 + 0.5] } ?? [nil, nil] }
        var edges = [Double?](repeating: nil, count: n + 1)
        for k in 1..<n {
            if let a = t[k - 1], let b = t[k] { edges[k] = (a + b) / 2 }
        }
        if let a = t[0], let b = t[1] { edges[0] = a - (b - a) / 2 }
        if let a = t[n - 2], let b = t[n - 1] { edges[n] = b + (b - a) / 2 }
        return edges
    }

    /// Axis-space range from explicit data-unit bounds, nil if they cannot be shown on `scale`.
    private func explicitRange(_ range: ClosedRange<Double>?, _ scale: AxisScale) -> (Double, Double)? {
        guard let range, let a = scale.transform(range.lowerBound), let b = scale.transform(range.upperBound) else {
            return nil
        }
        return b > a ? (a, b) : widen(a, scale)
    }

    /// A non-degenerate range around a single axis-space value.
    private func widen(_ t: Double, _ scale: AxisScale) -> (Double, Double) {
        switch scale {
        case .log10: return (t - 0.5, t + 0.5)
        case .linear: return t == 0 ? (-1, 1) : (t - 0.1 * abs(t), t + 0.1 * abs(t))
        }
    }

    private func finalRange(loose: Extent, tight: Extent, scale: AxisScale) -> (Double, Double) {
        var lo = Double.infinity, hi = -Double.infinity
        if !loose.isEmpty {
            if loose.hi - loose.lo <= 1e-12 * max(abs(loose.lo), abs(loose.hi)) {
                (lo, hi) = widen(loose.lo, scale)
            } else {
                let pad = max(0, padding) * (loose.hi - loose.lo)
                (lo, hi) = (loose.lo - pad, loose.hi + pad)
            }
        }
        if !tight.isEmpty {
            lo = min(lo, tight.lo)
            hi = max(hi, tight.hi)
        }
        if lo > hi { return (0, 1) }  // no data: [0, 1] linear, [1, 10] log
        if hi - lo <= 1e-12 * max(abs(lo), abs(hi)) { return widen(lo, scale) }
        return (lo, hi)
    }

    /// The x and y ranges in axis space: explicit ones, else data extents plus padding.
    /// With one explicit range, the other axis is fitted to the points inside it.
    func axisRanges() -> (x: (Double, Double), y: (Double, Double)) {
        let explicitX = explicitRange(xRange, xScale)
        let explicitY = explicitRange(yRange, yScale)
        func inside(_ t: Double, _ r: (Double, Double)?) -> Bool {
            guard let r else { return true }
            let slack = 1e-9 * (r.1 - r.0)
            return t >= r.0 - slack && t <= r.1 + slack
        }
        var looseX = Extent(), looseY = Extent(), tightX = Extent(), tightY = Extent()

        func addPoint(_ x: Double, _ y: Double) {
            guard let tx = xScale.transform(x), let ty = yScale.transform(y) else { return }
            if inside(tx, explicitX) { looseY.add(ty) }
            if inside(ty, explicitY) { looseX.add(tx) }
        }

        for item in series {
            switch item {
            case .line(let s):
                for k in s.x.indices { addPoint(s.x[k], s.y[k]) }
            case .scatter(let s):
                for k in s.x.indices { addPoint(s.x[k], s.y[k]) }
            case .band(let s):
                for k in s.x.indices where s.lower[k].isFinite && s.upper[k].isFinite {
                    addPoint(s.x[k], s.lower[k])
                    addPoint(s.x[k], s.upper[k])
                }
            case .contour(let s):
                for v in s.x { if let t = xScale.transform(v) { tightX.add(t) } }
                for v in s.y { if let t = yScale.transform(v) { tightY.add(t) } }
            case .heatmap(let s):
                for e in Self.cellEdges(s.x, scale: xScale) { if let e { tightX.add(e) } }
                for e in Self.cellEdges(s.y, scale: yScale) { if let e { tightY.add(e) } }
            case .reference(let s):
                if s.vertical {
                    if let t = xScale.transform(s.value) { looseX.add(t) }
                } else {
                    if let t = yScale.transform(s.value) { looseY.add(t) }
                }
            }
        }
        let x = explicitX ?? finalRange(loose: looseX, tight: tightX, scale: xScale)
        let y = explicitY ?? finalRange(loose: looseY, tight: tightY, scale: yScale)
        return (x, y)
    }

    private func ticks(explicit: [Double]?, scale: AxisScale, range: (Double, Double), target: Int) -> AxisTicks {
        let lo = scale.inverse(range.0), hi = scale.inverse(range.1)
        if let explicit {
            let map = AxisMap(scale: scale, t0: range.0, t1: range.1, p0: 0, p1: 1)
            let kept = explicit.filter(map.contains).sorted()
            return AxisTicks(major: kept, minor: [], labels: kept.map { TickLabel(value: $0, text: shortest($0)) })
        }
        return Ticks.compute(scale: scale, lower: lo, upper: hi, targetCount: target)
    }

    /// Computes ranges, ticks, margins, the plot rectangle, the legend box and the colour bar.
    func layout() -> FigureLayout {
        let tickFont = (fontSize * 0.92 * 100).rounded() / 100
        let labelFont = fontSize
        let titleFont = (fontSize * 1.3 * 100).rounded() / 100
        let (xr, yr) = axisRanges()

        let entries = legend == .hidden ? [] : series.compactMap(\.legendEntry).filter { !$0.label.isEmpty }
        let legendTextWidth = entries.map { estimatedTextWidth($0.label, fontSize: tickFont) }.max() ?? 0
        let legendWidth = LayoutMetrics.legendPad * 2 + LayoutMetrics.legendSample + LayoutMetrics.legendGap + legendTextWidth
        let rowHeight = tickFont + 5
        let legendHeight = LayoutMetrics.legendPad * 2 - 2 + Double(entries.count) * rowHeight
        let outsideLegend = legend == .outsideRight && !entries.isEmpty ? legendWidth + 12 : 0

        // Colour bar of the first heatmap.
        var colorBarSeries: HeatmapSeries?
        for case .heatmap(let h) in series { colorBarSeries = h; break }
        var colorBarTicks = AxisTicks(major: [], minor: [], labels: [])
        var colorBarExtra = 0.0
        var colorBarRange = (0.0, 1.0)
        if let h = colorBarSeries {
            colorBarRange = h.valueRange
            let target = max(2, Int(((height - 60) / 55).rounded()))
            colorBarTicks = Ticks.linearAxis(lower: colorBarRange.0, upper: colorBarRange.1, targetCount: target)
            let labelsWidth = colorBarTicks.labels.map { estimatedTextWidth($0.text, fontSize: tickFont) }.max() ?? 0
            colorBarExtra = LayoutMetrics.colorBarGap + LayoutMetrics.colorBarWidth + LayoutMetrics.minorTickLength + 4
                + labelsWidth + (h.label.map { _ in 8 + labelFont * 1.2 } ?? 0) + 6
        }

        // Ticks from an estimate of the plot size, then margins from the tick labels.
        let estimatedWidth = max(40, width - 90 - colorBarExtra - outsideLegend)
        let estimatedHeight = max(40, height - (title == nil ? 14 : 44) - (xLabel == nil ? 30 : 50))
        let xTicks = ticks(explicit: self.xTicks, scale: xScale, range: xr,
                           target: max(2, Int((estimatedWidth / 90).rounded())))
        let yTicks = ticks(explicit: self.yTicks, scale: yScale, range: yr,
                           target: max(2, Int((estimatedHeight / 55).rounded())))

        let plot: PixelRect
        if let m = margins {
            plot = PixelRect(left: m.left, top: m.top, width: max(1, width - m.left - m.right),
                             height: max(1, height - m.top - m.bottom))
        } else {
            let yLabelWidth = yTicks.labels.map { estimatedTextWidth($0.text, fontSize: tickFont) }.max() ?? 0
            let lastXLabel = xTicks.labels.last.map { estimatedTextWidth($0.text, fontSize: tickFont) } ?? 0
            let left = 8 + (yLabel == nil ? 0 : labelFont * 1.1 + 8) + yLabelWidth + 4 + LayoutMetrics.tickLength
            let bottom = LayoutMetrics.tickLength + 4 + tickFont + (xLabel == nil ? 0 : 6 + labelFont * 1.2) + 8
            let top = title == nil ? 12 : 10 + titleFont * 1.2 + 8
            let right = max(14, lastXLabel / 2 + 4) + colorBarExtra + outsideLegend
            plot = PixelRect(left: left, top: top, width: max(1, width - left - right),
                             height: max(1, height - top - bottom))
        }
        let xMap = AxisMap(scale: xScale, t0: xr.0, t1: xr.1, p0: plot.left, p1: plot.right)
        let yMap = AxisMap(scale: yScale, t0: yr.0, t1: yr.1, p0: plot.bottom, p1: plot.top)

        var colorBar: ColorBarLayout?
        if let h = colorBarSeries {
            let bar = PixelRect(left: plot.right + LayoutMetrics.colorBarGap, top: plot.top,
                                width: LayoutMetrics.colorBarWidth, height: plot.height)
            let labelsWidth = colorBarTicks.labels.map { estimatedTextWidth($0.text, fontSize: tickFont) }.max() ?? 0
            colorBar = ColorBarLayout(
                heatmap: h, bar: bar, ticks: colorBarTicks, lo: colorBarRange.0, hi: colorBarRange.1,
                labelX: bar.right + LayoutMetrics.minorTickLength + 4 + labelsWidth + 8 + labelFont * 0.85)
        }

        var legendRect: PixelRect?
        if !entries.isEmpty {
            let inset = LayoutMetrics.legendInset
            let w = legendWidth, h = legendHeight
            let topRight = PixelRect(left: plot.right - inset - w, top: plot.top + inset, width: w, height: h)
            let topLeft = PixelRect(left: plot.left + inset, top: plot.top + inset, width: w, height: h)
            let bottomRight = PixelRect(left: plot.right - inset - w, top: plot.bottom - inset - h, width: w, height: h)
            let bottomLeft = PixelRect(left: plot.left + inset, top: plot.bottom - inset - h, width: w, height: h)
            switch legend {
            case .topRight: legendRect = topRight
            case .topLeft: legendRect = topLeft
            case .bottomRight: legendRect = bottomRight
            case .bottomLeft: legendRect = bottomLeft
            case .outsideRight:
                let left = (colorBar.map { $0.labelX + labelFont * 0.5 + 6 } ?? plot.right) + 12
                legendRect = PixelRect(left: left, top: plot.top, width: w, height: h)
            case .hidden:
                legendRect = nil
            case .best:
                let samples = occupancySamples(x: xMap, y: yMap, plot: plot)
                let candidates = [topRight, topLeft, bottomLeft, bottomRight]
                let scores = candidates.map { rect in samples.reduce(0) { $0 + (rect.contains($1.0, $1.1) ? 1 : 0) } }
                let best = scores.indices.min { scores[$0] < scores[$1] } ?? 0
                legendRect = candidates[best]
            }
        }

        return FigureLayout(
            plot: plot, x: xMap, y: yMap, xTicks: xTicks, yTicks: yTicks, legendEntries: entries,
            legendRect: legendRect, colorBar: colorBar, tickFont: tickFont, labelFont: labelFont, titleFont: titleFont)
    }

    /// Pixel positions where data is drawn (vertices, points along segments, band interiors),
    /// used to put the legend where it hides the least. Capped at about 40 000 samples.
    private func occupancySamples(x: AxisMap, y: AxisMap, plot: PixelRect) -> [(Double, Double)] {
        var samples: [(Double, Double)] = []
        let budget = 40_000
        func addPolyline(_ xs: [Double], _ ys: [Double]) {
            let stride = max(1, xs.count / 4000)
            var previous: (Double, Double)?
            var k = 0
            while k < xs.count {
                if let px = x.pixel(xs[k]), let py = y.pixel(ys[k]) {
                    if let (qx, qy) = previous {
                        let steps = min(40, Int(hypot(px - qx, py - qy) / 6))
                        if steps > 1 {
                            for s in 1..<steps {
                                let u = Double(s) / Double(steps)
                                samples.append((qx + (px - qx) * u, qy + (py - qy) * u))
                            }
                        }
                    }
                    samples.append((px, py))
                    previous = (px, py)
                } else {
                    previous = nil
                }
                k += stride
            }
        }
        for item in series where samples.count < budget {
            switch item {
            case .line(let s):
                addPolyline(s.x, s.y)
            case .scatter(let s):
                for k in s.x.indices {
                    if let px = x.pixel(s.x[k]), let py = y.pixel(s.y[k]) { samples.append((px, py)) }
                }
            case .band(let s):
                addPolyline(s.x, s.lower)
                addPolyline(s.x, s.upper)
                let stride = max(1, s.x.count / 1000)
                for k in Swift.stride(from: 0, to: s.x.count, by: stride) {
                    guard let px = x.pixel(s.x[k]), let a = y.pixel(s.lower[k]), let b = y.pixel(s.upper[k]) else { continue }
                    let steps = min(40, Int(abs(b - a) / 6))
                    if steps > 1 { for q in 1..<steps { samples.append((px, a + (b - a) * Double(q) / Double(steps))) } }
                }
            case .contour(let s):
                for level in s.levels {
                    for line in MarchingSquares.contours(x: s.x, y: s.y, z: s.z, level: level) {
                        addPolyline(line.points.map(\.x), line.points.map(\.y))
                    }
                }
            case .heatmap, .reference:
                break
            }
        }
        return samples
    }
}
