import Foundation

/// ` fill="#rrggbb"` plus `fill-opacity` when not opaque.
func fillAttributes(_ color: Color, opacity: Double = 1) -> String {
    let a = color.alpha * opacity
    return " fill=\"\(color.hexString)\"" + (a < 1 ? " fill-opacity=\"\(fmt(max(0, a)))\"" : "")
}

/// ` stroke="#rrggbb" stroke-width="w"` plus opacity and dash pattern when needed.
func strokeAttributes(_ color: Color, width: Double, style: LineStyle = .solid) -> String {
    var s = " stroke=\"\(color.hexString)\" stroke-width=\"\(fmt(width))\""
    if color.alpha < 1 { s += " stroke-opacity=\"\(fmt(color.alpha))\"" }
    return s + style.svgAttribute
}

/// A pixel coordinate rounded to the 0.01 px that `fmt` writes.
func roundedPixel(_ v: Double) -> Double { (v * 100).rounded() / 100 }

extension Figure {
    /// The figure as a standalone SVG 1.1 document (UTF-8 text with an XML declaration).
    public func svg() -> String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\">\n"
        render(into: &s, idPrefix: "gpplot")
        s += "</svg>\n"
        return s
    }

    /// Appends the figure's elements (no `<svg>` wrapper); ids start with `idPrefix`.
    func render(into s: inout String, idPrefix: String) {
        let L = layout()
        let p = L.plot
        let geometry = [p.left, p.top, p.width, p.height].map { fmt($0).replacingOccurrences(of: ".", with: "_") }
        let clipID = "\(idPrefix)-clip-" + geometry.joined(separator: "-")

        s += "<g font-family=\"\(xmlEscape(fontFamily))\" font-size=\"\(fmt(fontSize))\">\n"
        if let background {
            s += "<rect class=\"background\" width=\"\(fmt(width))\" height=\"\(fmt(height))\"\(fillAttributes(background))/>\n"
        }
        s += "<defs><clipPath id=\"\(clipID)\"><rect x=\"\(fmt(p.left))\" y=\"\(fmt(p.top))\" width=\"\(fmt(p.width))\" height=\"\(fmt(p.height))\"/></clipPath></defs>\n"

        // Grid lines at the major ticks.
        if showGrid {
            var d = ""
            for v in L.xTicks.major where L.x.contains(v) {
                if let px = L.x.pixel(v) { d += "M\(fmt(px)),\(fmt(p.top))V\(fmt(p.bottom))" }
            }
            for v in L.yTicks.major where L.y.contains(v) {
                if let py = L.y.pixel(v) { d += "M\(fmt(p.left)),\(fmt(py))H\(fmt(p.right))" }
            }
            if !d.isEmpty { s += "<path class=\"grid\" d=\"\(d)\" fill=\"none\" stroke=\"#e6e6e6\" stroke-width=\"1\"/>\n" }
        }

        // Data, clipped to the plot area.
        s += "<g clip-path=\"url(#\(clipID))\">\n"
        for item in series {
            switch item {
            case .line(let line): renderLine(line, L, into: &s)
            case .scatter(let scatter): renderScatter(scatter, L, into: &s)
            case .band(let band): renderBand(band, L, into: &s)
            case .contour(let contour): renderContour(contour, L, into: &s)
            case .heatmap(let heatmap): renderHeatmap(heatmap, L, into: &s)
            case .reference(let reference): renderReference(reference, L, into: &s)
            }
        }
        s += "</g>\n"

        renderAxes(L, into: &s)
        if let colorBar = L.colorBar { renderColorBar(colorBar, L, into: &s) }
        if let rect = L.legendRect { renderLegend(L.legendEntries, rect: rect, font: L.tickFont, into: &s) }
        s += "</g>\n"
    }

    // MARK: - Series

    /// Path data through the given points; a point that cannot be shown ends the current subpath.
    /// Consecutive points that round to the same pixel coordinates are written once.
    static func polylineData(_ xs: [Double], _ ys: [Double], _ L: FigureLayout, closeRuns: Bool = false) -> String {
        var d = ""
        var penDown = false
        var last = ""
        var runLength = 0
        var broken = false
        for k in xs.indices {
            guard let px = L.x.pixel(xs[k]), let py = L.y.pixel(ys[k]) else {
                penDown = false
                broken = true
                continue
            }
            let point = "\(fmt(px)),\(fmt(py))"
            if !penDown {
                d += "M" + point
                penDown = true
                runLength = 1
            } else if point != last {
                d += "L" + point
                runLength += 1
            }
            last = point
        }
        if closeRuns && !broken && runLength > 2 { d += "Z" }
        return d
    }

    private func renderLine(_ line: LineSeries, _ L: FigureLayout, into s: inout String) {
        let d = Self.polylineData(line.x, line.y, L)
        guard !d.isEmpty else { return }
        s += "<path class=\"line\" d=\"\(d)\" fill=\"none\"\(strokeAttributes(line.color, width: line.width, style: line.style)) stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n"
    }

    private func renderScatter(_ scatter: ScatterSeries, _ L: FigureLayout, into s: inout String) {
        var points: [(Double, Double)] = []
        for k in scatter.x.indices {
            if let px = L.x.pixel(scatter.x[k]), let py = L.y.pixel(scatter.y[k]) { points.append((px, py)) }
        }
        guard !points.isEmpty else { return }
        let r = scatter.radius
        switch scatter.marker {
        case .circle:
            s += "<g class=\"scatter\"\(fillAttributes(scatter.color))>\n"
            for (px, py) in points {
                s += "<circle cx=\"\(fmt(px))\" cy=\"\(fmt(py))\" r=\"\(fmt(r))\"/>\n"
            }
            s += "</g>\n"
        case let marker:
            let d = points.compactMap { marker.pathData(x: $0.0, y: $0.1, r: r) }.joined()
            if marker.isStroked {
                s += "<path class=\"scatter\" d=\"\(d)\" fill=\"none\"\(strokeAttributes(scatter.color, width: max(1, r / 2)))/>\n"
            } else {
                s += "<path class=\"scatter\" d=\"\(d)\"\(fillAttributes(scatter.color))/>\n"
            }
        }
    }

    private func renderBand(_ band: BandSeries, _ L: FigureLayout, into s: inout String) {
        var d = ""
        var run: [(Double, Double, Double)] = []  // (px, pyLower, pyUpper)
        func flush() {
            if run.count >= 2 {
                d += "M" + run.map { "\(fmt($0.0)),\(fmt($0.2))" }.joined(separator: "L")
                d += "L" + run.reversed().map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: "L") + "Z"
            }
            run.removeAll(keepingCapacity: true)
        }
        for k in band.x.indices {
            if let px = L.x.pixel(band.x[k]), let lo = L.y.pixel(band.lower[k]), let hi = L.y.pixel(band.upper[k]) {
                run.append((px, lo, hi))
            } else {
                flush()
            }
        }
        flush()
        guard !d.isEmpty else { return }
        s += "<path class=\"band\" d=\"\(d)\"\(fillAttributes(band.color, opacity: band.opacity)) stroke=\"none\"/>\n"
    }

    private func renderContour(_ contour: ContourSeries, _ L: FigureLayout, into s: inout String) {
        for level in contour.levels {
            let lines = MarchingSquares.contours(x: contour.x, y: contour.y, z: contour.z, level: level)
            let d = lines.map { line in
                Self.polylineData(line.points.map(\.x), line.points.map(\.y), L, closeRuns: line.isClosed)
            }.joined()
            guard !d.isEmpty else { continue }
            s += "<path class=\"contour\" d=\"\(d)\" fill=\"none\"\(strokeAttributes(contour.color, width: contour.width, style: contour.style)) stroke-linejoin=\"round\"/>\n"
        }
    }

    private func renderHeatmap(_ heatmap: HeatmapSeries, _ L: FigureLayout, into s: inout String) {
        let (lo, hi) = heatmap.valueRange
        // Edges are rounded once, so neighbouring cells share exactly the same coordinate
        // (no hairline seams under crispEdges).
        let xEdges = Self.cellEdges(heatmap.x, scale: xScale).map { $0.map { roundedPixel(L.x.pixel(t: $0)) } }
        let yEdges = Self.cellEdges(heatmap.y, scale: yScale).map { $0.map { roundedPixel(L.y.pixel(t: $0)) } }
        var colours: [Int: String] = [:]
        func colour(_ q: Int) -> String {
            if let c = colours[q] { return c }
            let c = heatmap.bandColor(q).hexString
            colours[q] = c
            return c
        }
        let opacity = heatmap.opacity < 1 ? " opacity=\"\(fmt(max(0, heatmap.opacity)))\"" : ""
        s += "<g class=\"heatmap\" shape-rendering=\"crispEdges\"\(opacity)>\n"
        for i in heatmap.y.indices {
            guard let ya = yEdges[i], let yb = yEdges[i + 1] else { continue }
            let top = fmt(min(ya, yb)), rowHeight = fmt(abs(yb - ya))
            var runStart = 0
            var runBand: Int? = nil
            func flush(_ end: Int) {
                guard let q = runBand, let xa = xEdges[runStart], let xb = xEdges[end] else { return }
                s += "<rect x=\"\(fmt(min(xa, xb)))\" y=\"\(top)\" width=\"\(fmt(abs(xb - xa)))\" height=\"\(rowHeight)\" fill=\"\(colour(q))\"/>\n"
            }
            for j in heatmap.x.indices {
                let defined = xEdges[j] != nil && xEdges[j + 1] != nil
                let q = defined ? heatmap.bandIndex(heatmap.z[i][j], lo: lo, hi: hi) : nil
                if q != runBand || (q != nil && xEdges[runStart] == nil) {
                    flush(j)
                    runStart = j
                    runBand = q
                }
            }
            flush(heatmap.x.count)
        }
        s += "</g>\n"
    }

    private func renderReference(_ reference: ReferenceLine, _ L: FigureLayout, into s: inout String) {
        let p = L.plot
        let d: String
        if reference.vertical {
            guard let px = L.x.pixel(reference.value) else { return }
            d = "M\(fmt(px)),\(fmt(p.top))V\(fmt(p.bottom))"
        } else {
            guard let py = L.y.pixel(reference.value) else { return }
            d = "M\(fmt(p.left)),\(fmt(py))H\(fmt(p.right))"
        }
        s += "<path class=\"reference\" d=\"\(d)\" fill=\"none\"\(strokeAttributes(reference.color, width: reference.width, style: reference.style))/>\n"
    }

    // MARK: - Axes, colour bar, legend

    /// Labels that fit without overlapping: major-tick labels first, then the others.
    /// `extent` is the label's size along the axis; returns (label, pixel position).
    private static func placeLabels(
        _ labels: [TickLabel], major: [Double], map: AxisMap, extent: (TickLabel) -> Double
    ) -> [(TickLabel, Double)] {
        var placed: [(TickLabel, Double, Double)] = []  // label, position, half extent
        let majorSet = Set(major)
        for pass in 0..<2 {
            for label in labels where majorSet.contains(label.value) == (pass == 0) {
                guard map.contains(label.value), let position = map.pixel(label.value) else { continue }
                let half = extent(label) / 2 + 3
                let overlaps = placed.contains { abs($0.1 - position) < $0.2 + half }
                if !overlaps { placed.append((label, position, half)) }
            }
        }
        return placed.sorted { $0.1 < $1.1 }.map { ($0.0, $0.1) }
    }

    private func renderAxes(_ L: FigureLayout, into s: inout String) {
        let p = L.plot
        let tickLength = LayoutMetrics.tickLength, minorLength = LayoutMetrics.minorTickLength
        s += "<rect class=\"frame\" x=\"\(fmt(p.left))\" y=\"\(fmt(p.top))\" width=\"\(fmt(p.width))\" height=\"\(fmt(p.height))\" fill=\"none\" stroke=\"#444\" stroke-width=\"1\"/>\n"

        var d = ""
        for v in L.xTicks.major where L.x.contains(v) {
            if let px = L.x.pixel(v) { d += "M\(fmt(px)),\(fmt(p.bottom))v\(fmt(tickLength))" }
        }
        for v in L.yTicks.major where L.y.contains(v) {
            if let py = L.y.pixel(v) { d += "M\(fmt(p.left)),\(fmt(py))h\(fmt(-tickLength))" }
        }
        if showMinorTicks {
            for v in L.xTicks.minor where L.x.contains(v) {
                if let px = L.x.pixel(v) { d += "M\(fmt(px)),\(fmt(p.bottom))v\(fmt(minorLength))" }
            }
            for v in L.yTicks.minor where L.y.contains(v) {
                if let py = L.y.pixel(v) { d += "M\(fmt(p.left)),\(fmt(py))h\(fmt(-minorLength))" }
            }
        }
        if !d.isEmpty { s += "<path class=\"ticks\" d=\"\(d)\" fill=\"none\" stroke=\"#444\" stroke-width=\"1\"/>\n" }

        let font = L.tickFont
        let xLabels = Self.placeLabels(L.xTicks.labels, major: L.xTicks.major, map: L.x) {
            estimatedTextWidth($0.text, fontSize: font)
        }
        let yLabels = Self.placeLabels(L.yTicks.labels, major: L.yTicks.major, map: L.y) { _ in font * 1.1 }
        s += "<g class=\"tick-labels\" font-size=\"\(fmt(font))\" fill=\"#333\">\n"
        let xBaseline = p.bottom + tickLength + 3 + font * 0.8
        for (label, px) in xLabels {
            s += "<text x=\"\(fmt(px))\" y=\"\(fmt(xBaseline))\" text-anchor=\"middle\">\(xmlEscape(label.text))</text>\n"
        }
        for (label, py) in yLabels {
            s += "<text x=\"\(fmt(p.left - tickLength - 4))\" y=\"\(fmt(py))\" dy=\"0.35em\" text-anchor=\"end\">\(xmlEscape(label.text))</text>\n"
        }
        s += "</g>\n"

        if let xLabel, !xLabel.isEmpty {
            let y = xBaseline + 6 + L.labelFont * 1.1
            s += "<text class=\"x-label\" x=\"\(fmt(p.left + p.width / 2))\" y=\"\(fmt(y))\" text-anchor=\"middle\" font-size=\"\(fmt(L.labelFont))\">\(xmlEscape(xLabel))</text>\n"
        }
        if let yLabel, !yLabel.isEmpty {
            let x = margins == nil ? 8 + L.labelFont * 0.85 : max(L.labelFont, p.left - 50)
            s += "<text class=\"y-label\" transform=\"translate(\(fmt(x)),\(fmt(p.top + p.height / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"\(fmt(L.labelFont))\">\(xmlEscape(yLabel))</text>\n"
        }
        if let title, !title.isEmpty {
            let y = max(L.titleFont, p.top - 10 - L.titleFont * 0.25)
            s += "<text class=\"title\" x=\"\(fmt(p.left + p.width / 2))\" y=\"\(fmt(y))\" text-anchor=\"middle\" font-size=\"\(fmt(L.titleFont))\" font-weight=\"bold\">\(xmlEscape(title))</text>\n"
        }
    }

    private func renderColorBar(_ c: ColorBarLayout, _ L: FigureLayout, into s: inout String) {
        let bar = c.bar
        let h = c.heatmap
        let stepHeight = bar.height / Double(h.steps)
        s += "<g class=\"colorbar\" shape-rendering=\"crispEdges\">\n"
        for q in 0..<h.steps {
            let top = roundedPixel(bar.bottom - Double(q + 1) * stepHeight)
            let bottom = roundedPixel(bar.bottom - Double(q) * stepHeight)
            s += "<rect x=\"\(fmt(bar.left))\" y=\"\(fmt(top))\" width=\"\(fmt(bar.width))\" height=\"\(fmt(bottom - top))\" fill=\"\(h.bandColor(q).hexString)\"/>\n"
        }
        s += "</g>\n"
        s += "<rect x=\"\(fmt(bar.left))\" y=\"\(fmt(bar.top))\" width=\"\(fmt(bar.width))\" height=\"\(fmt(bar.height))\" fill=\"none\" stroke=\"#444\" stroke-width=\"1\"/>\n"
        guard c.hi > c.lo else { return }
        let map = AxisMap(scale: .linear, t0: c.lo, t1: c.hi, p0: bar.bottom, p1: bar.top)
        let labels = Self.placeLabels(c.ticks.labels, major: c.ticks.major, map: map) { _ in L.tickFont * 1.1 }
        var d = ""
        for (_, py) in labels { d += "M\(fmt(bar.right)),\(fmt(py))h\(fmt(LayoutMetrics.minorTickLength))" }
        if !d.isEmpty { s += "<path d=\"\(d)\" stroke=\"#444\" stroke-width=\"1\"/>\n" }
        s += "<g font-size=\"\(fmt(L.tickFont))\" fill=\"#333\">\n"
        for (label, py) in labels {
            s += "<text x=\"\(fmt(bar.right + LayoutMetrics.minorTickLength + 3))\" y=\"\(fmt(py))\" dy=\"0.35em\">\(xmlEscape(label.text))</text>\n"
        }
        s += "</g>\n"
        if let label = h.label, !label.isEmpty {
            s += "<text transform=\"translate(\(fmt(c.labelX)),\(fmt(bar.top + bar.height / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"\(fmt(L.labelFont))\">\(xmlEscape(label))</text>\n"
        }
    }

    private func renderLegend(_ entries: [LegendEntry], rect: PixelRect, font: Double, into s: inout String) {
        let pad = LayoutMetrics.legendPad, sample = LayoutMetrics.legendSample
        let rowHeight = font + 5
        s += "<g class=\"legend\" font-size=\"\(fmt(font))\">\n"
        s += "<rect x=\"\(fmt(rect.left))\" y=\"\(fmt(rect.top))\" width=\"\(fmt(rect.width))\" height=\"\(fmt(rect.height))\" rx=\"3\" fill=\"#fff\" fill-opacity=\"0.85\" stroke=\"#bbb\" stroke-width=\"0.8\"/>\n"
        for (k, entry) in entries.enumerated() {
            let cy = rect.top + pad - 1 + rowHeight * (Double(k) + 0.5)
            let x0 = rect.left + pad
            switch entry.symbol {
            case let .line(color, width, style):
                s += "<path d=\"M\(fmt(x0)),\(fmt(cy))h\(fmt(sample))\" fill=\"none\"\(strokeAttributes(color, width: min(width, 4), style: style))/>\n"
            case let .marker(color, marker, radius):
                let r = min(radius, 5), cx = x0 + sample / 2
                if let d = marker.pathData(x: cx, y: cy, r: r) {
                    s += marker.isStroked
                        ? "<path d=\"\(d)\" fill=\"none\"\(strokeAttributes(color, width: max(1, r / 2)))/>\n"
                        : "<path d=\"\(d)\"\(fillAttributes(color))/>\n"
                } else {
                    s += "<circle cx=\"\(fmt(cx))\" cy=\"\(fmt(cy))\" r=\"\(fmt(r))\"\(fillAttributes(color))/>\n"
                }
            case let .patch(color, opacity):
                s += "<rect x=\"\(fmt(x0))\" y=\"\(fmt(cy - 5))\" width=\"\(fmt(sample))\" height=\"10\"\(fillAttributes(color, opacity: opacity))/>\n"
            }
            s += "<text x=\"\(fmt(x0 + sample + LayoutMetrics.legendGap))\" y=\"\(fmt(cy))\" dy=\"0.35em\">\(xmlEscape(entry.label))</text>\n"
        }
        s += "</g>\n"
    }
}
