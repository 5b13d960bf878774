import CLAPACK

extension MaximinOrdering {
    /// The exact maximin ordering by a brute-force scan, for many input dimensions (`PreviousPointScan.preferred`),
    /// where the k-d tree radius queries of `exact` visit nearly every node: after each selection one dgemv gives
    /// X p, the squared distances ‖xᵢ‖² + ‖p‖² − 2 xᵢ·p lower every unselected point's distance to the selected set
    /// (and remember which selected point is nearest), and the farthest point is next (ties: the smaller index). ℓ
    /// is the exact distance (difference form) to the nearest selected point. Same start and tie rule as `exact`.
    /// - Complexity: O(n² d) flops in dgemv and O(n²) comparisons; O(n) memory.
    static func scanned(_ x: Matrix) -> MaximinOrdering {
        let n = x.rows, d = x.cols
        guard n > 0 else { return MaximinOrdering(order: [], lengths: []) }
        var norms = [Double](repeating: 0, count: n)
        for j in 0..<d { for i in 0..<n { norms[i] += x[i, j] * x[i, j] } }
        var distance = [Double](repeating: .infinity, count: n), nearest = [Int](repeating: -1, count: n)
        var selected = [Bool](repeating: false, count: n)
        var dots = [Double](repeating: 0, count: n)
        var order: [Int] = [], lengths: [Double] = []
        order.reserveCapacity(n)
        lengths.reserveCapacity(n)
        var next = centralPoint(x)
        while true {
            selected[next] = true
            order.append(next)
            if nearest[next] < 0 {
                lengths.append(.infinity)
            } else {
                var s = 0.0
                for j in 0..<d {
                    let t = x[next, j] - x[nearest[next], j]
                    s += t * t
                }
                lengths.append(s.squareRoot())
            }
            let p = x.row(next)
            if d > 0 {
                cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(n), Int32(d), 1, x.storage, Int32(n), p, 1, 0, &dots, 1)
            }
            var best = -1, bestDistance = -1.0
            for i in 0..<n where !selected[i] {
                let e = max(0, norms[i] + norms[next] - 2 * dots[i])
                if e < distance[i] {
                    distance[i] = e
                    nearest[i] = next
                }
                if distance[i] > bestDistance {
                    best = i
                    bestDistance = distance[i]
                }
            }
            guard best >= 0 else { break }
            next = best
        }
        return MaximinOrdering(order: order, lengths: lengths)
    }
}
