import GPLinearAlgebra

/// The starting memberships of MagmaClust (docs/methods/magmaclust.md#initialisation): k-means on the
/// observed curves, each task summarised by its curve linearly interpolated at `points` inputs spread over
/// the union's range (one input column), or by the mean and spread of its targets (several columns). The
/// best of `restarts` seeded k-means++ runs (smallest within-cluster sum of squares) gives hard memberships.
/// - Complexity: O(restarts · M K p) for M tasks and p features, + O(Σ n_i log n_i).
enum TaskClustering {
    static func features(_ data: MultiTaskData, points: Int = 20) -> Matrix {
        let m = data.taskCount
        if data.dimension == 1 {
            let lo = data.union[0, 0], hi = data.union[data.union.rows - 1, 0]
            let grid = (0..<points).map { lo + (hi - lo) * Double($0) / Double(max(1, points - 1)) }
            var f = Matrix(rows: m, cols: points)
            for i in 0..<m {
                let order = (0..<data.inputs[i].rows).sorted { data.inputs[i][$0, 0] < data.inputs[i][$1, 0] }
                let t = order.map { data.inputs[i][$0, 0] }, y = order.map { data.targets[i][$0] }
                for (j, g) in grid.enumerated() { f[i, j] = interpolate(t, y, at: g) }
            }
            return f
        }
        var f = Matrix(rows: m, cols: 2)
        for i in 0..<m {
            let y = data.targets[i]
            let mean = y.reduce(0, +) / Double(y.count)
            f[i, 0] = mean
            f[i, 1] = (y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(y.count)).squareRoot()
        }
        return f
    }

    /// Piecewise-linear interpolation of (t, y) (t sorted), constant beyond the ends.
    static func interpolate(_ t: [Double], _ y: [Double], at x: Double) -> Double {
        if x <= t[0] { return y[0] }
        if x >= t[t.count - 1] { return y[y.count - 1] }
        var hi = 1
        while t[hi] < x { hi += 1 }
        let lo = hi - 1
        let span = t[hi] - t[lo]
        return span > 0 ? y[lo] + (y[hi] - y[lo]) * (x - t[lo]) / span : y[hi]
    }

    /// Hard memberships (M × K, one 1 per row) from the best of `restarts` k-means runs.
    static func memberships(_ data: MultiTaskData, clusters k: Int, seed: UInt64, restarts: Int = 50) -> [[Double]] {
        let f = features(data)
        var bestLabels = [Int](repeating: 0, count: f.rows), bestCost = Double.infinity
        var g = SeededGenerator(seed: seed)
        for _ in 0..<max(1, restarts) {
            let centres = InducingPoints.kMeans(of: f, count: k, seed: g.next(), iterations: 20)
            var labels: [Int] = [], cost = 0.0
            for i in 0..<f.rows {
                var best = 0, bestD = Double.infinity
                for c in 0..<k {
                    var s = 0.0
                    for j in 0..<f.cols { let d = f[i, j] - centres[c, j]; s += d * d }
                    if s < bestD { bestD = s; best = c }
                }
                labels.append(best)
                cost += bestD
            }
            if cost < bestCost { bestCost = cost; bestLabels = labels }
        }
        return bestLabels.map { l in (0..<k).map { $0 == l ? 1.0 : 0.0 } }
    }
}
