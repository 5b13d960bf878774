/// The adjusted Rand index (Hubert & Arabie 1985) of two labelings of the same items (labels 0, 1, …): 1 for
/// the same partition under any relabelling, about 0 for independent ones. Used to score clusterings
/// (docs/methods/magmaclust.md#tests). Two partitions with no pairs to disagree on score 1.
/// - Complexity: O(n + K_a K_b).
public func adjustedRandIndex(_ a: [Int], _ b: [Int]) -> Double {
    precondition(a.count == b.count, "labelings of \(a.count) and \(b.count) items")
    let ka = (a.max() ?? 0) + 1, kb = (b.max() ?? 0) + 1
    var table = [[Double]](repeating: [Double](repeating: 0, count: kb), count: ka)
    for (x, y) in zip(a, b) { table[x][y] += 1 }
    func pairs(_ v: Double) -> Double { v * (v - 1) / 2 }
    let index = table.flatMap { $0 }.reduce(0) { $0 + pairs($1) }
    let rows = table.map { $0.reduce(0, +) }.reduce(0) { $0 + pairs($1) }
    let columns = (0..<kb).map { j in table.reduce(0) { $0 + $1[j] } }.reduce(0) { $0 + pairs($1) }
    let expected = rows * columns / pairs(Double(a.count)), maximum = 0.5 * (rows + columns)
    return maximum == expected ? 1 : (index - expected) / (maximum - expected)
}
