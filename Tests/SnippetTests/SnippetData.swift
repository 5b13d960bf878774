import Foundation
import SwiftGP

/// Small seeded data sets that declare the free variables of the documentation's snippets (`x`, `y`,
/// `xTest`, `times`, …; see the `<!-- snippet setup: … -->` comments in the Markdown).
/// - Complexity: O(rows · columns).
enum SnippetData {
    /// y = Σ_d sin(x_d) + noise (σ = 0.1), x uniform on [−3, 3]^columns; a test set of `rows / 4` points.
    static func regression(columns: Int, rows: Int = 120, seed: UInt64 = 0) -> (x: Matrix, y: [Double], xTest: Matrix) {
        var rng = SeededGenerator(seed: seed)
        func inputs(_ n: Int) -> Matrix {
            Matrix(rows: n, cols: columns, storage: (0..<(n * columns)).map { _ in Double.random(in: -3...3, using: &rng) })
        }
        let x = inputs(rows), xTest = inputs(rows / 4)
        let y = (0..<rows).map { i in
            (0..<columns).reduce(0.1 * Double.random(in: -1.7...1.7, using: &rng)) { $0 + Math.sin(x[i, $1]) }
        }
        return (x, y, xTest)
    }

    /// Two classes in the plane: y = 1 where x₁² + x₂² < 2 (labels 0/1), x uniform on [−2, 2]².
    static func classification(rows: Int = 150, seed: UInt64 = 0) -> (x: Matrix, y: [Double], xTest: Matrix) {
        var rng = SeededGenerator(seed: seed)
        func inputs(_ n: Int) -> Matrix {
            Matrix(rows: n, cols: 2, storage: (0..<(2 * n)).map { _ in Double.random(in: -2...2, using: &rng) })
        }
        let x = inputs(rows), xTest = inputs(rows / 4)
        let y = (0..<rows).map { i in x[i, 0] * x[i, 0] + x[i, 1] * x[i, 1] < 2 ? 1.0 : 0.0 }
        return (x, y, xTest)
    }

    /// A noisy oscillation sampled at irregular times on [0, 20]; `newTimes` a regular grid over the same span.
    static func timeSeries(count: Int = 200, seed: UInt64 = 0) -> (times: [Double], y: [Double], newTimes: [Double]) {
        var rng = SeededGenerator(seed: seed)
        let times = (0..<count).map { _ in Double.random(in: 0...20, using: &rng) }
        let y = times.map { Math.sin(2 * $0) + 0.3 * Math.cos(0.4 * $0) + 0.1 * Double.random(in: -1.7...1.7, using: &rng) }
        return (times, y, (0...40).map { Double($0) / 2 })
    }

    /// A file of this repository, by its path from the root (found from this source file).
    static func repositoryFile(_ relative: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(relative).path
    }

    /// A fresh path in the temporary directory.
    static func temporaryFile(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("snippet-\(UUID().uuidString)-\(name)").path
    }
}
