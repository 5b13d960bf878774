import GPLinearAlgebra

/// Choices of initial inducing inputs Z.
public enum InducingPoints {
    /// M distinct rows of X chosen uniformly at random (seeded).
    /// - Complexity: O(n + M d).
    public static func randomSubset(of x: Matrix, count m: Int, seed: UInt64) -> Matrix {
        precondition(m >= 1 && m <= x.rows, "need 1 ≤ M ≤ n inducing points (M = \(m), n = \(x.rows))")
        var g = SeededGenerator(seed: seed)
        var idx = Array(0..<x.rows)
        idx.shuffle(using: &g)
        return x.selectingRows(Array(idx.prefix(m)))
    }

    /// k-means++ seeding (Arthur & Vassilvitskii 2007) followed by `iterations` Lloyd steps, on at most
    /// `sampleSize` seeded rows of X. Returns M centres.
    /// - Complexity: O(s M d (1 + iterations)) for s sampled rows.
    public static func kMeans(of x: Matrix, count m: Int, seed: UInt64, iterations: Int = 10,
                              sampleSize: Int = 20_000) -> Matrix {
        precondition(m >= 1 && m <= x.rows, "need 1 ≤ M ≤ n inducing points (M = \(m), n = \(x.rows))")
        var g = SeededGenerator(seed: seed)
        let data = x.rows > sampleSize ? randomSubset(of: x, count: sampleSize, seed: seed &+ 1) : x
        let n = data.rows, d = data.cols
        func dist2(_ i: Int, _ c: Matrix, _ j: Int) -> Double {
            var s = 0.0
            for k in 0..<d { let t = data[i, k] - c[j, k]; s += t * t }
            return s
        }
        var centres = Matrix(rows: m, cols: d)
        let first = Int(g.next() % UInt64(n))
        for k in 0..<d { centres[0, k] = data[first, k] }
        var nearest = (0..<n).map { dist2($0, centres, 0) }
        for c in 1..<m {
            let total = nearest.reduce(0, +)
            var pick = n - 1
            if total > 0 {
                var r = g.uniform() * total
                for i in 0..<n { r -= nearest[i]; if r <= 0 { pick = i; break } }
            } else {
                pick = Int(g.next() % UInt64(n))
            }
            for k in 0..<d { centres[c, k] = data[pick, k] }
            for i in 0..<n { nearest[i] = min(nearest[i], dist2(i, centres, c)) }
        }
        for _ in 0..<iterations {
            var sums = Matrix(rows: m, cols: d)
            var counts = [Int](repeating: 0, count: m)
            for i in 0..<n {
                var best = 0, bestD = Double.infinity
                for c in 0..<m { let dd = dist2(i, centres, c); if dd < bestD { bestD = dd; best = c } }
                counts[best] += 1
                for k in 0..<d { sums[best, k] += data[i, k] }
            }
            for c in 0..<m where counts[c] > 0 { for k in 0..<d { centres[c, k] = sums[c, k] / Double(counts[c]) } }
        }
        return centres
    }
}
