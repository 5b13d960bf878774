import Foundation
import GPPlot

// `swiftgp-bench plot --input results.json --output fig.svg`: a log-log scaling plot.
//
// The input is a suite's results JSON written by `Benchmarks/run`; the plot reads its `scaling` object
// (or the top level when it has `series` itself):
//   {"title": "...", "x_label": "n", "y_label": "seconds",
//    "series": [{"label": "SwiftGP", "x": [500, 1000], "y": [0.01, 0.05], "style": "solid"}, ...]}
// `style` is `solid` (a measured library, drawn with markers) or `dashed`/`dotted` (a reference such as the
// LAPACK floor). Points with y ≤ 0 or null are skipped.

func plotCommand(_ args: Arguments) throws {
    let input = try args.require("input")
    let output = try args.require("output")
    let data = try Data(contentsOf: URL(fileURLWithPath: input))
    guard let root = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw BenchError("\(input): not a JSON object")
    }
    let spec = (root["scaling"] as? [String: Any]) ?? root
    guard let series = spec["series"] as? [[String: Any]], !series.isEmpty else {
        throw BenchError("\(input): no scaling.series to plot")
    }
    var figure = Figure(width: 720, height: 460, title: spec["title"] as? String ?? "Scaling")
    figure.xLabel = spec["x_label"] as? String ?? "n"
    figure.yLabel = spec["y_label"] as? String ?? "seconds"
    figure.xScale = .log10
    figure.yScale = .log10
    figure.legend = .best
    let markers: [Marker] = [.circle, .square, .diamond, .triangle, .cross, .plus]
    var xs: Set<Double> = []
    for (k, s) in series.enumerated() {
        let label = s["label"] as? String ?? "series \(k + 1)"
        let x = (s["x"] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
        let y = (s["y"] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
        guard x.count == y.count else { throw BenchError("\(label): x has \(x.count) values, y \(y.count)") }
        let color = Color.palette[k % Color.palette.count]
        let styleName = s["style"] as? String ?? "solid"
        let style: LineStyle = styleName == "dashed" ? .dashed : styleName == "dotted" ? .dotted : .solid
        figure.line(x: x, y: y, label: label, color: color, width: style == .solid ? 2 : 1.5, style: style)
        if style == .solid {
            figure.scatter(x: x, y: y, color: color, radius: 3.5, marker: markers[k % markers.count])
        }
        for v in x where v.isFinite && v > 0 { xs.insert(v) }
    }
    if !xs.isEmpty { figure.xTicks = xs.sorted() }
    try figure.write(to: output)
    emit([("plot", .string(output)), ("series", .int(series.count))])
}
