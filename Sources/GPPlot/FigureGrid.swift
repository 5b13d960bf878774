import Foundation

/// Several figures laid out row by row in a grid and rendered into one SVG document.
///
/// Every cell is as large as the largest panel; each panel keeps its own axes and legend.
public struct FigureGrid: Sendable {
    /// Number of panels per row.
    public var columns: Int
    public var panels: [Figure]
    /// Optional title above the whole grid.
    public var title: String?
    /// Gap in pixels between cells.
    public var spacing: Double = 0
    public var background: Color? = .white

    public init(columns: Int, panels: [Figure] = [], title: String? = nil) {
        self.columns = max(1, columns)
        self.panels = panels
        self.title = title
    }

    /// Adds a panel at the next free cell.
    public mutating func append(_ figure: Figure) {
        panels.append(figure)
    }

    private var cellWidth: Double { panels.map(\.width).max() ?? 0 }
    private var cellHeight: Double { panels.map(\.height).max() ?? 0 }
    private var rows: Int { (panels.count + max(1, columns) - 1) / max(1, columns) }
    private var titleHeight: Double { title?.isEmpty == false ? 36 : 0 }

    /// Total width in pixels.
    public var width: Double {
        let n = Double(min(max(1, columns), max(1, panels.count)))
        return n * cellWidth + (n - 1) * spacing
    }

    /// Total height in pixels.
    public var height: Double {
        titleHeight + Double(rows) * cellHeight + Double(max(0, rows - 1)) * spacing
    }

    /// The grid as a standalone SVG 1.1 document.
    public func svg() -> String {
        let w = width, h = height
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        s += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(fmt(w))\" height=\"\(fmt(h))\" viewBox=\"0 0 \(fmt(w)) \(fmt(h))\">\n"
        if let background {
            s += "<rect width=\"\(fmt(w))\" height=\"\(fmt(h))\"\(fillAttributes(background))/>\n"
        }
        if let title, !title.isEmpty {
            let family = panels.first?.fontFamily ?? "Helvetica, Arial, sans-serif"
            s += "<text x=\"\(fmt(w / 2))\" y=\"24\" text-anchor=\"middle\" font-family=\"\(xmlEscape(family))\" font-size=\"17\" font-weight=\"bold\">\(xmlEscape(title))</text>\n"
        }
        let columns = max(1, self.columns)
        for (index, panel) in panels.enumerated() {
            let x = Double(index % columns) * (cellWidth + spacing)
            let y = titleHeight + Double(index / columns) * (cellHeight + spacing)
            s += "<g transform=\"translate(\(fmt(x)),\(fmt(y)))\">\n"
            panel.render(into: &s, idPrefix: "gpplot-p\(index)")
            s += "</g>\n"
        }
        s += "</svg>\n"
        return s
    }

    /// Writes `svg()` atomically, like `Figure.write(to:)`.
    public func write(to path: String) throws {
        try writeFileAtomically(Data(svg().utf8), to: path)
    }

    /// `write(to:)` for a file URL.
    public func write(to url: URL) throws {
        try write(to: url.path)
    }
}
