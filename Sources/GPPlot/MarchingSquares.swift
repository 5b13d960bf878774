/// Marching-squares iso-line extraction on a rectilinear grid.
///
/// The grid is `z[i][j]` at `(x[j], y[i])` (row i follows y, column j follows x), the same
/// convention as `Figure.contour` and `Figure.heatmap`. A corner counts as "above" when
/// z ≥ level; crossings are placed by linear interpolation along cell edges; saddle cells
/// are resolved with the cell-centre average. Cells with a non-finite corner are skipped,
/// so lines stop at NaN holes. Segments are joined into polylines through shared edges.
public enum MarchingSquares {
    /// The iso-lines of `z` at `level`, in a deterministic order.
    public static func contours(x: [Double], y: [Double], z: [[Double]], level: Double) -> [ContourLine] {
        let nx = x.count, ny = y.count
        precondition(z.count == ny, "contour: z has \(z.count) rows but y has \(ny) values")
        for (i, row) in z.enumerated() {
            precondition(row.count == nx, "contour: z[\(i)] has \(row.count) values but x has \(nx)")
        }
        guard nx >= 2, ny >= 2, level.isFinite else { return [] }

        // Edge ids: horizontal edge (i, j)-(i, j+1) → 2(i·nx + j); vertical (i, j)-(i+1, j) → 2(i·nx + j) + 1.
        let edgeCount = 2 * nx * ny
        var neighbour = [Int](repeating: -1, count: 2 * edgeCount)  // two slots per edge
        var crossing = [PlotPoint](repeating: PlotPoint(x: 0, y: 0), count: edgeCount)
        var hasCrossing = [Bool](repeating: false, count: edgeCount)

        func horizontal(_ i: Int, _ j: Int) -> Int { 2 * (i * nx + j) }
        func vertical(_ i: Int, _ j: Int) -> Int { 2 * (i * nx + j) + 1 }

        func point(on edge: Int) -> PlotPoint {
            let cell = edge / 2
            let i = cell / nx, j = cell % nx
            let (ia, ja, ib, jb) = edge % 2 == 0 ? (i, j, i, j + 1) : (i, j, i + 1, j)
            let za = z[ia][ja], zb = z[ib][jb]
            let t = za == zb ? 0.5 : min(max((level - za) / (zb - za), 0), 1)
            return PlotPoint(x: x[ja] + (x[jb] - x[ja]) * t, y: y[ia] + (y[ib] - y[ia]) * t)
        }

        func connect(_ a: Int, _ b: Int) {
            for edge in [a, b] where !hasCrossing[edge] {
                hasCrossing[edge] = true
                crossing[edge] = point(on: edge)
            }
            if neighbour[2 * a] < 0 { neighbour[2 * a] = b } else { neighbour[2 * a + 1] = b }
            if neighbour[2 * b] < 0 { neighbour[2 * b] = a } else { neighbour[2 * b + 1] = a }
        }

        for i in 0..<(ny - 1) {
            for j in 0..<(nx - 1) {
                let bl = z[i][j], br = z[i][j + 1], tr = z[i + 1][j + 1], tl = z[i + 1][j]
                guard bl.isFinite, br.isFinite, tr.isFinite, tl.isFinite else { continue }
                let index = (bl >= level ? 1 : 0) | (br >= level ? 2 : 0) | (tr >= level ? 4 : 0) | (tl >= level ? 8 : 0)
                let bottom = horizontal(i, j), top = horizontal(i + 1, j)
                let left = vertical(i, j), right = vertical(i, j + 1)
                switch index {
                case 0, 15: break
                case 1, 14: connect(left, bottom)
                case 2, 13: connect(bottom, right)
                case 3, 12: connect(left, right)
                case 4, 11: connect(right, top)
                case 6, 9: connect(bottom, top)
                case 7, 8: connect(left, top)
                case 5:
                    if (bl + br + tr + tl) / 4 >= level {
                        connect(bottom, right); connect(left, top)
                    } else {
                        connect(left, bottom); connect(right, top)
                    }
                case 10:
                    if (bl + br + tr + tl) / 4 >= level {
                        connect(left, bottom); connect(right, top)
                    } else {
                        connect(bottom, right); connect(left, top)
                    }
                default: break
                }
            }
        }

        // Walk chains: open ones first (they start at degree-1 edges), then the remaining loops.
        var visited = [Bool](repeating: false, count: edgeCount)
        var lines: [ContourLine] = []

        func walk(from start: Int) -> (points: [PlotPoint], closed: Bool) {
            var points = [crossing[start]]
            visited[start] = true
            var previous = -1, current = start
            while true {
                let a = neighbour[2 * current], b = neighbour[2 * current + 1]
                let next: Int
                if a >= 0 && a != previous && !visited[a] {
                    next = a
                } else if b >= 0 && b != previous && !visited[b] {
                    next = b
                } else {
                    let closes = (a == start || b == start) && current != start && points.count > 2
                    return (points, closes)
                }
                visited[next] = true
                points.append(crossing[next])
                previous = current
                current = next
            }
        }

        for edge in 0..<edgeCount where hasCrossing[edge] && !visited[edge] && neighbour[2 * edge + 1] < 0 {
            let chain = walk(from: edge)
            lines.append(ContourLine(level: level, points: chain.points, isClosed: false))
        }
        for edge in 0..<edgeCount where hasCrossing[edge] && !visited[edge] {
            let chain = walk(from: edge)
            lines.append(ContourLine(level: level, points: chain.points, isClosed: chain.closed))
        }
        return lines
    }
}
