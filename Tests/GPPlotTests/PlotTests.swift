import Foundation
import Testing
@testable import GPPlot

@Suite("SVG document")
struct DocumentTests {
    /// A figure using every kind of series, with awkward text everywhere.
    static func kitchenSink() -> Figure {
        var fig = Figure(width: 720, height: 420, title: "Exact GP <on> \"Snelson\" & 'data'")
        fig.xLabel = "x < 5 & y > 2"
        fig.yLabel = "f(x) ± 2σ"
        let xs = (0..<100).map { Double($0) / 10 }
        fig.band(x: xs, lower: xs.map { sin($0) - 0.5 }, upper: xs.map { sin($0) + 0.5 }, label: "±2σ", color: .blue, opacity: 0.2)
        fig.line(x: xs, y: xs.map(sin), label: "posterior <mean>", color: .blue)
        fig.line(x: xs, y: xs.map(cos), label: "dashed", color: .red, style: .dashed)
        fig.scatter(x: [1, 2, 3], y: [0.1, 0.5, -0.2], label: "data", color: .black, radius: 2)
        fig.scatter(x: [4, 5], y: [0.3, -0.3], label: "×", marker: .cross)
        fig.scatter(x: [6, 7], y: [0.3, -0.3], label: "squares", marker: .square)
        let grid = (0..<21).map { Double($0) / 2 }
        let gy = (0..<21).map { -1.5 + 3 * Double($0) / 20 }
        let z = gy.map { y in grid.map { x in 1 / (1 + exp(-(x - 5) - y)) } }
        fig.heatmap(x: grid, y: gy, z: z, colorMap: .blueRed, range: 0...1, label: "p & q", opacity: 0.4)
        fig.contour(x: grid, y: gy, z: z, levels: [0.5], color: .red, label: "p=0.5")
        fig.horizontalLine(at: 0, label: "zero")
        return fig
    }

    @Test func parsesAsSVG11XML() throws {
        let svg = Self.kitchenSink().svg()
        let doc = parseSVG(svg)
        #expect(doc.error == nil, "XMLParser: \(String(describing: doc.error))")
        let root = try #require(doc.root)
        #expect(root.name == "svg")
        #expect(root.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(root.attributes["version"] == "1.1")
        #expect(root.attributes["width"] == "720")
        #expect(root.attributes["viewBox"] == "0 0 720 420")
        #expect(svg.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"))
        // Every kind of element made it into the document.
        for cls in ["line", "band", "contour", "reference", "grid", "ticks", "scatter"] {
            #expect(!doc.elements(named: "path", class: cls).isEmpty, "missing path of class \(cls)")
        }
        #expect(doc.elements(named: "rect", class: "frame").count == 1)
        #expect(doc.elements(named: "g", class: "scatter").count == 1)  // the circles
        #expect(doc.elements(named: "g", class: "heatmap").count == 1)
        #expect(doc.elements(named: "g", class: "legend").count == 1)
        // clip-path references resolve to a defined id.
        let clipIDs = Set(doc.elements(named: "clipPath").compactMap { $0.attributes["id"] })
        for g in doc.elements(named: "g") {
            if let ref = g.attributes["clip-path"] {
                #expect(clipIDs.contains(String(ref.dropFirst(5).dropLast())))
            }
        }
    }

    @Test func textIsEscapedAndRoundTrips() throws {
        let fig = Self.kitchenSink()
        let svg = fig.svg()
        #expect(!svg.contains("<on>"))
        #expect(svg.contains("Exact GP &lt;on&gt; &quot;Snelson&quot; &amp; &apos;data&apos;"))
        let doc = parseSVG(svg)
        #expect(doc.error == nil)
        let texts = doc.texts
        #expect(texts.contains("Exact GP <on> \"Snelson\" & 'data'"))
        #expect(texts.contains("x < 5 & y > 2"))
        #expect(texts.contains("f(x) ± 2σ"))
        #expect(texts.contains("posterior <mean>"))
        #expect(texts.contains("p & q"))
    }

    @Test func escapeFunction() {
        #expect(xmlEscape("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&apos;f")
        #expect(xmlEscape("tab\tok\u{1}bell\u{7}") == "tab\tokbell")
        #expect(xmlEscape("±2σ") == "±2σ")
    }

    @Test func compactNumbers() {
        #expect(fmt(12) == "12")
        #expect(fmt(12.5) == "12.5")
        #expect(fmt(-0.25) == "-0.25")
        #expect(fmt(1.005) == "1" || fmt(1.005) == "1.01")
        #expect(fmt(3.14159) == "3.14")
        #expect(fmt(0.0001) == "0")
        #expect(fmt(-0.001) == "0")
        #expect(fmt(0.07) == "0.07")
        #expect(fmt(.nan) == "0")
    }

    @Test func emptyFigureStillRenders() {
        let doc = parseSVG(Figure().svg())
        #expect(doc.error == nil)
        #expect(doc.elements(named: "g", class: "legend").isEmpty)
    }

    @Test func gridOfPanelsParsesWithUniqueIDs() throws {
        var grid = FigureGrid(columns: 2, title: "Panels & more")
        for k in 0..<3 {
            var f = Figure(width: 300, height: 200, title: "panel \(k)")
            f.line(x: [0, 1, 2], y: [0, Double(k), 1])
            grid.append(f)
        }
        #expect(grid.width == 600)
        #expect(grid.height == 436)
        let doc = parseSVG(grid.svg())
        #expect(doc.error == nil)
        let ids = doc.elements.compactMap { $0.attributes["id"] }
        #expect(ids.count == 3)
        #expect(Set(ids).count == ids.count)
        #expect(doc.texts.contains("Panels & more"))
    }
}

@Suite("Coordinate mapping")
struct MappingTests {
    /// 400×300 figure, plot area [60, 380] × [20, 260], x ∈ [0, 10], y ∈ [0, 100].
    static func fixedFigure() -> Figure {
        var fig = Figure(width: 400, height: 300)
        fig.margins = Margins(top: 20, right: 20, bottom: 40, left: 60)
        fig.xRange = 0...10
        fig.yRange = 0...100
        return fig
    }

    @Test func lineMapsDataToPixels() throws {
        var fig = Self.fixedFigure()
        fig.line(x: [0, 5, 10, 2.5], y: [0, 50, 100, 12.5])
        let doc = parseSVG(fig.svg())
        let path = try #require(doc.elements(named: "path", class: "line").first)
        let d = try #require(path.attributes["d"])
        #expect(d == "M60,260L220,140L380,20L140,230")
        #expect(subpaths(d) == [[60, 260, 220, 140, 380, 20, 140, 230]])
    }

    @Test func logAxisMapsDecadesEvenly() throws {
        var fig = Self.fixedFigure()
        fig.xScale = .log10
        fig.xRange = 1...10_000
        fig.line(x: [1, 10, 100, 10_000], y: [0, 0, 50, 100])
        let d = try #require(parseSVG(fig.svg()).elements(named: "path", class: "line").first?.attributes["d"])
        #expect(d == "M60,260L140,260L220,140L380,20")
    }

    @Test func nanBreaksLineIntoTwoSubpaths() throws {
        var fig = Self.fixedFigure()
        fig.line(x: [0, 1, 2, 3, 4, 5], y: [0, 10, .nan, 30, 40, 50])
        let d = try #require(parseSVG(fig.svg()).elements(named: "path", class: "line").first?.attributes["d"])
        let parts = subpaths(d)
        #expect(parts.count == 2)
        #expect(parts.first == [60, 260, 92, 236])
        #expect(parts.last == [156, 188, 188, 164, 220, 140])
    }

    @Test func infinityAndNonPositiveOnLogAxisAlsoBreak() throws {
        var fig = Self.fixedFigure()
        fig.yScale = .log10
        fig.yRange = 1...100
        fig.line(x: [0, 1, 2, 3, 4, 5, 6], y: [1, 10, 0, 10, .infinity, 10, 100])
        let d = try #require(parseSVG(fig.svg()).elements(named: "path", class: "line").first?.attributes["d"])
        #expect(subpaths(d).count == 3)
    }

    @Test func bandIsClosedPolygonAndSplitsAtNaN() throws {
        var fig = Self.fixedFigure()
        fig.band(x: [0, 5, 10], lower: [0, 0, 0], upper: [50, 100, 50])
        let d = try #require(parseSVG(fig.svg()).elements(named: "path", class: "band").first?.attributes["d"])
        #expect(d == "M60,140L220,20L380,140L380,260L220,260L60,260Z")

        var split = Self.fixedFigure()
        split.band(x: [0, 1, 2, 3, 4, 5], lower: [0, 0, 0, 0, 0, 0], upper: [10, 10, .nan, 10, 10, 10])
        let d2 = try #require(parseSVG(split.svg()).elements(named: "path", class: "band").first?.attributes["d"])
        #expect(d2.filter { $0 == "M" }.count == 2)
        #expect(d2.filter { $0 == "Z" }.count == 2)
    }

    @Test func scatterCircles() throws {
        var fig = Self.fixedFigure()
        fig.scatter(x: [5, .nan, 10], y: [50, 1, 0], radius: 2.5)
        let circles = parseSVG(fig.svg()).elements(named: "circle")
        #expect(circles.count == 2)
        #expect(circles.map { $0.attributes["cx"] } == ["220", "380"])
        #expect(circles.map { $0.attributes["cy"] } == ["140", "260"])
        #expect(circles.allSatisfy { $0.attributes["r"] == "2.5" })
    }

    @Test func automaticRangesArePadded() {
        var fig = Figure()
        fig.line(x: [0, 10], y: [-1, 1])
        let (x, y) = fig.axisRanges()
        #expect(abs(x.0 - -0.4) < 1e-12 && abs(x.1 - 10.4) < 1e-12)
        #expect(abs(y.0 - -1.08) < 1e-12 && abs(y.1 - 1.08) < 1e-12)

        // An explicit x range fits y to the points inside it.
        fig.xRange = 0...5
        fig.line(x: [8], y: [100])
        let fitted = fig.axisRanges()
        #expect(fitted.x == (0, 5))
        #expect(fitted.y.1 < 2)

        // Log axes pad in decades and ignore non-positive values.
        var log = Figure()
        log.xScale = .log10
        log.scatter(x: [-5, 0, 10, 1000], y: [1, 1, 1, 2])
        let lr = log.axisRanges()
        #expect(abs(lr.x.0 - 0.92) < 1e-12 && abs(lr.x.1 - 3.08) < 1e-12)
    }
}

@Suite("Ticks")
struct TickTests {
    @Test func niceLinearTicks() {
        #expect(Ticks.linear(lower: 0, upper: 0.97, targetCount: 5) == [0, 0.2, 0.4, 0.6, 0.8])
        #expect(Ticks.linear(lower: 0, upper: 1, targetCount: 5) == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        // span/target = 3.18 is just above √10, so the step rounds to 5 rather than 2.
        #expect(Ticks.linear(lower: -3.7, upper: 12.2, targetCount: 5) == [0, 5, 10])
        #expect(Ticks.linear(lower: -3.7, upper: 12.2, targetCount: 6) == [-2, 0, 2, 4, 6, 8, 10, 12])
        #expect(Ticks.linear(lower: 0, upper: 100, targetCount: 5) == [0, 20, 40, 60, 80, 100])
        #expect(Ticks.linear(lower: 0, upper: 7, targetCount: 7) == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(Ticks.linear(lower: 0.1, upper: 0.35, targetCount: 5) == [0.1, 0.15, 0.2, 0.25, 0.3, 0.35])
        #expect(Ticks.linear(lower: 1, upper: 1, targetCount: 5) == [1])
        #expect(Ticks.linear(lower: .nan, upper: 1) == [])
        // Every step is 1, 2 or 5 times a power of ten.
        for (lo, hi) in [(0.0, 0.97), (-13.0, 1e4), (2e-7, 9e-7), (3.0, 3.3), (-1e9, 1e9)] {
            let t = Ticks.linear(lower: lo, upper: hi, targetCount: 6)
            #expect(t.count >= 2)
            let step = t[1] - t[0]
            let mantissa = step / pow(10, floor(log10(step)))
            #expect([1.0, 2.0, 5.0].contains { abs(mantissa - $0) < 1e-6 }, "step \(step) for \(lo)...\(hi)")
            #expect(t.first! >= lo && t.last! <= hi)
        }
    }

    @Test func linearLabelsShareDecimals() {
        let ticks = Ticks.linearAxis(lower: 0, upper: 0.97, targetCount: 5)
        #expect(ticks.labels.map(\.text) == ["0.0", "0.2", "0.4", "0.6", "0.8"])
        #expect(Ticks.linearAxis(lower: -10, upper: 30, targetCount: 4).labels.map(\.text) == ["-10", "0", "10", "20", "30"])
        #expect(Ticks.linearAxis(lower: 0, upper: 4e6, targetCount: 2).labels.map(\.text) == ["0", "2×10⁶", "4×10⁶"])
    }

    @Test func logTicksForBenchmarkRange() {
        let ticks = Ticks.logarithmic(lower: 500, upper: 4000)
        #expect(ticks.major == [1000])
        #expect(ticks.minor == [500, 600, 700, 800, 900, 2000, 3000, 4000])
        // Fewer than two decades inside the range: 2× and 5× minors are labelled as well.
        #expect(ticks.labels.map(\.text) == ["500", "1000", "2000"])
    }

    @Test func logTicksWideRanges() {
        let t = Ticks.logarithmic(lower: 1e-4, upper: 1e2)
        #expect(t.major == [1e-4, 1e-3, 1e-2, 1e-1, 1, 10, 100])
        #expect(t.labels.map(\.text) == ["10⁻⁴", "0.001", "0.01", "0.1", "1", "10", "100"])
        let wide = Ticks.logarithmic(lower: 1e-12, upper: 1e12, targetCount: 6)
        #expect(wide.major == [1e-12, 1e-8, 1e-4, 1, 1e4, 1e8, 1e12])
        // Narrow range without any 1×/2×/5× decade tick: falls back to linear ticks.
        let narrow = Ticks.logarithmic(lower: 1200, upper: 1800, targetCount: 5)
        #expect(narrow.major == [1200, 1300, 1400, 1500, 1600, 1700, 1800])
        #expect(narrow.minor.isEmpty)
        #expect(Ticks.logarithmic(lower: 0, upper: 10).major.isEmpty)
    }

    @Test func logAxisDrawsOnlyTicksInsideRange() throws {
        var fig = Figure(width: 500, height: 300)
        fig.xScale = .log10
        fig.yScale = .log10
        fig.xRange = 500...4000
        fig.yRange = 500...4000
        fig.line(x: [500, 4000], y: [500, 4000])
        let doc = parseSVG(fig.svg())
        #expect(doc.error == nil)
        let labels = doc.elements(named: "g", class: "tick-labels")
        #expect(labels.count == 1)
        let texts = doc.texts
        #expect(texts.contains("1000"))
        #expect(!texts.contains("100"))
        #expect(!texts.contains("10000"))
        // Exactly one major tick per axis: one vertical and one horizontal grid line.
        let grid = try #require(doc.elements(named: "path", class: "grid").first?.attributes["d"])
        #expect(subpaths(grid).count == 2)
    }
}

@Suite("Contours")
struct ContourTests {
    static let axis = (0...40).map { -2 + Double($0) * 0.1 }
    static let paraboloid = axis.map { y in axis.map { x in x * x + y * y } }

    @Test(arguments: [0.5, 1.0, 2.0])
    func circleContourHasExpectedRadius(level: Double) throws {
        let lines = MarchingSquares.contours(x: Self.axis, y: Self.axis, z: Self.paraboloid, level: level)
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        #expect(line.isClosed)
        #expect(line.points.count > 20)
        let radius = sqrt(level)
        for p in line.points {
            // Linear interpolation of x² on a 0.1 grid is off by at most h²/4 in z → ~0.0025/(2r) in r.
            #expect(abs(hypot(p.x, p.y) - radius) < 0.01, "point \(p) at radius \(hypot(p.x, p.y))")
        }
        // The loop goes all the way round: every quadrant is visited.
        let quadrants = Set(line.points.map { ($0.x >= 0 ? 1 : 0) + ($0.y >= 0 ? 2 : 0) })
        #expect(quadrants == [0, 1, 2, 3])
    }

    @Test func openContourAtBoundaryAndNoneOutsideRange() {
        // Radius 2.5 leaves the grid [-2, 2]²: four open arcs near the corners.
        let arcs = MarchingSquares.contours(x: Self.axis, y: Self.axis, z: Self.paraboloid, level: 6.25)
        #expect(arcs.count == 4)
        #expect(arcs.allSatisfy { !$0.isClosed })
        #expect(MarchingSquares.contours(x: Self.axis, y: Self.axis, z: Self.paraboloid, level: 100).isEmpty)
    }

    @Test func nanHoleOpensTheLoop() {
        var z = Self.paraboloid
        z[20][30] = .nan  // at (1, 0), on the unit circle
        let lines = MarchingSquares.contours(x: Self.axis, y: Self.axis, z: z, level: 1)
        #expect(lines.count == 1)
        #expect(lines.first?.isClosed == false)
    }

    @Test func figureContourIsClosedPath() throws {
        var fig = Figure(width: 400, height: 400)
        fig.contour(x: Self.axis, y: Self.axis, z: Self.paraboloid, levels: [1, 2], color: .red, label: "r")
        let doc = parseSVG(fig.svg())
        let paths = doc.elements(named: "path", class: "contour")
        #expect(paths.count == 2)
        #expect(paths.allSatisfy { ($0.attributes["d"] ?? "").hasSuffix("Z") })
        #expect(paths.allSatisfy { $0.attributes["stroke"] == "#d62728" })
    }
}

@Suite("Heatmap and legend")
struct HeatmapLegendTests {
    @Test func heatmapCellsTileWithoutGaps() throws {
        let xs = (0..<7).map { Double($0) * 0.37 }
        let ys = (0..<5).map { Double($0) * 0.91 }
        let z = ys.map { y in xs.map { x in x * 10 + y } }  // every cell a different colour
        var fig = Figure(width: 333, height: 217)
        fig.heatmap(x: xs, y: ys, z: z, steps: 256)
        let doc = parseSVG(fig.svg())
        let heatmapIndex = try #require(doc.elements.firstIndex { $0.attributes["class"] == "heatmap" })
        let rects = doc.children(of: heatmapIndex)
        #expect(rects.allSatisfy { $0.name == "rect" })
        #expect(rects.count == xs.count * ys.count)
        let rows = Dictionary(grouping: rects) { $0.attributes["y"]! }
        #expect(rows.count == ys.count)
        for (_, row) in rows {
            let spans = row.map { (Double($0.attributes["x"]!)!, Double($0.attributes["width"]!)!) }.sorted { $0.0 < $1.0 }
            for (a, b) in zip(spans, spans.dropFirst()) {
                #expect(abs(a.0 + a.1 - b.0) < 1e-9, "gap between \(a) and \(b)")
            }
        }
    }

    @Test func bestLegendAvoidsTheData() throws {
        var fig = Figure(width: 400, height: 300)
        // Points crowd the top-right corner, so the legend must go elsewhere.
        let xs = (0..<200).map { 5 + Double($0 % 20) * 0.25 }
        let ys = (0..<200).map { 5 + Double($0 / 20) * 0.5 }
        fig.scatter(x: xs + [0], y: ys + [0], label: "crowd")
        let layout = fig.layout()
        let rect = try #require(layout.legendRect)
        #expect(rect.left < layout.plot.left + layout.plot.width / 2)
    }
}

@Suite("Colours")
struct ColorTests {
    @Test func hexParsing() throws {
        #expect(Color(hex: "#1f77b4") == Color.blue)
        #expect(Color(hex: "1F77B4") == Color(hex: 0x1F77B4))
        #expect(Color(hex: "#fff") == Color.white)
        let translucent = try #require(Color(hex: "#00000080"))
        #expect(abs(translucent.alpha - 128.0 / 255) < 1e-12)
        #expect(Color(hex: "#12345") == nil)
        #expect(Color(hex: "zzzzzz") == nil)
        #expect(Color(r: 255, g: 0, b: 128).hexString == "#ff0080")
        #expect(Color(red: 2, green: -1, blue: 0.5).hexString == "#ff0080")
    }

    @Test func paletteCyclesForUncolouredSeries() {
        var fig = Figure()
        fig.line(x: [0, 1], y: [0, 1])
        fig.line(x: [0, 1], y: [1, 0])
        let strokes = parseSVG(fig.svg()).elements(named: "path", class: "line").compactMap { $0.attributes["stroke"] }
        #expect(strokes == [Color.palette[0].hexString, Color.palette[1].hexString])
    }

    @Test func colorMapEnds() {
        #expect(ColorMap.grays.color(at: 0) == .white)
        #expect(ColorMap.grays.color(at: 1) == .black)
        #expect(ColorMap.grays.color(at: 0.5).hexString == "#808080")
        #expect(ColorMap.viridis.color(at: -3) == ColorMap.viridis.stops.first)
    }
}

@Suite("Atomic write")
struct WriteTests {
    @Test func writesFileAndLeavesNoTemporaries() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var fig = Figure(title: "written")
        fig.line(x: [0, 1], y: [0, 1])
        let path = dir.appendingPathComponent("plot.svg").path
        try fig.write(to: path)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["plot.svg"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == fig.svg())

        // Overwriting replaces the content in place, still without leftovers.
        fig.title = "rewritten"
        try fig.write(to: URL(fileURLWithPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["plot.svg"])
        #expect(try String(contentsOfFile: path, encoding: .utf8).contains("rewritten"))
    }

    @Test func missingDirectoryThrowsAndCreatesNothing() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("no-such-dir")
        let path = missing.appendingPathComponent("plot.svg").path
        let error = #expect(throws: PlotWriteError.self) {
            try Figure().write(to: path)
        }
        #expect(error?.path == path)
        #expect(error.map { "\($0)".contains(path) } == true)
        #expect(!FileManager.default.fileExists(atPath: missing.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func renameFailureRemovesTemporary() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // The destination is a non-empty directory, so the final rename must fail.
        let target = dir.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: target.appendingPathComponent("inner"), withIntermediateDirectories: true)
        #expect(throws: PlotWriteError.self) {
            try Figure().write(to: target.path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["taken"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path) == ["inner"])
    }
}
