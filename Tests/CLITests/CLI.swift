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

    /// Runs `swiftgp` with `arguments`; `stdin` (when given) is its standard input, and `stdout` a file to
    /// write standard output to instead of the captured one (e.g. `/dev/full`).
    static func run(_ arguments: [String], stdin: String? = nil, stdout: String? = nil, executable: String? = nil) throws -> CLIResult {
        let process = try start(arguments, stdin: stdin, stdout: stdout, executable: executable)
        process.process.waitUntilExit()
        return try process.result()
    }

    /// A started `swiftgp` process and its captured output.
    struct Running {
        let process: Process
        let directory: URL
        let stdoutPath: String?

        func result() throws -> CLIResult {
            defer { try? FileManager.default.removeItem(at: directory) }
            let captured = try String(contentsOf: directory.appendingPathComponent("stdout"), encoding: .utf8)
            return CLIResult(status: process.terminationStatus,
                             stdout: stdoutPath == nil ? captured : "",
                             stderr: try String(contentsOf: directory.appendingPathComponent("stderr"), encoding: .utf8))
        }
    }

    /// Starts `swiftgp` (or `executable`, e.g. a shell that sets limits first) with `arguments`.
    static func start(_ arguments: [String], stdin: String? = nil, stdout: String? = nil, executable: String? = nil) throws -> Running {
        let dir = try Scratch.directory()
        let out = dir.appendingPathComponent("stdout"), err = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = arguments
        // Files, not pipes: no deadlock however much a command prints.
        process.standardOutput = try stdout.map { try FileHandle(forWritingAtPath: $0) ?? FileHandle(forWritingTo: URL(fileURLWithPath: $0)) }
            ?? FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        if let stdin {
            let input = dir.appendingPathComponent("stdin")
            try stdin.write(to: input, atomically: false, encoding: .utf8)
            process.standardInput = try FileHandle(forReadingFrom: input)
        }
        try process.run()
        return Running(process: process, directory: dir, stdoutPath: stdout)
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
