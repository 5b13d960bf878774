import Foundation
import GPLinearAlgebra

/// Small helpers for tests: seeded random inputs and locating repository files.
public enum TestData {
    /// An `n × d` matrix of uniform draws in [low, high).
    public static func uniform(_ n: Int, _ d: Int, low: Double = -2, high: Double = 2, seed: UInt64) -> Matrix {
        var g = SeededGenerator(seed: seed)
        return Matrix(rows: n, cols: d, storage: (0..<(n * d)).map { _ in low + (high - low) * g.uniform() })
    }

    /// The repository root (the directory holding Package.swift), found from this source file.
    public static var repositoryRoot: URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }

    /// The directory holding the built products (executables) of the running test process.
    public static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }
}
