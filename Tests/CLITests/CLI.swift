import Foundation
import GPTestSupport

/// The result of running the `swiftgp` binary.
struct CLIResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs the built `swiftgp` executable (next to the test bundle) as a subprocess.
enum CLI {
    static let binary = TestData.productsDirectory.appendingPathComponent("swiftgp")

    static func run(_ arguments: [String]) throws -> CLIResult {
        let dir = try Scratch.directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        // Files, not pipes: no deadlock however much a command prints.
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return CLIResult(status: process.terminationStatus,
                         stdout: try String(contentsOf: out, encoding: .utf8),
                         stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

/// Temporary directories for test files (never inside the repository).
enum Scratch {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgp-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `body` with a fresh directory, removed afterwards.
    static func with<T>(_ body: (URL) throws -> T) throws -> T {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(at: dir) }
        return try body(dir)
    }

    /// Writes `text` to `name` in `dir` and returns its path.
    @discardableResult
    static func write(_ text: String, _ name: String, in dir: URL) throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: false, encoding: .utf8)
        return url.path
    }
}

/// The shipped diabetes split.
enum Diabetes {
    static let train = TestData.repositoryRoot.appendingPathComponent("datasets/diabetes/diabetes_train.csv").path
    static let test = TestData.repositoryRoot.appendingPathComponent("datasets/diabetes/diabetes_test.csv").path
}

/// Parses `mean,variance,lower95,upper95` CSV into columns.
func parsePredictions(_ csv: String) -> (header: String, columns: [[Double]]) {
    let lines = csv.split(separator: "\n").map(String.init)
    let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0)! } }
    let width = rows.first?.count ?? 0
    return (lines.first ?? "", (0..<width).map { c in rows.map { $0[c] } })
}
