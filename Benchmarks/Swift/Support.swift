import Foundation
import GPLinearAlgebra
import SwiftGP

// Shared helpers of `swiftgp-bench`: argument parsing, timing, data loading and one-line JSON output.

/// A command-line failure: printed to stderr, exit status 2.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// `--key value` options and bare flags after the subcommand.
struct Arguments {
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []

    init(_ argv: ArraySlice<String>, flags known: Set<String> = []) throws {
        var it = argv.makeIterator()
        while let a = it.next() {
            guard a.hasPrefix("--") else { throw BenchError("unexpected argument '\(a)'") }
            let key = String(a.dropFirst(2))
            if let eq = key.firstIndex(of: "=") {
                values[String(key[..<eq]), default: []].append(String(key[key.index(after: eq)...]))
            } else if known.contains(key) {
                flags.insert(key)
            } else {
                guard let v = it.next() else { throw BenchError("--\(key) needs a value") }
                values[key, default: []].append(v)
            }
        }
    }

    func string(_ key: String) -> String? { values[key]?.last }
    func require(_ key: String) throws -> String {
        guard let v = string(key) else { throw BenchError("missing --\(key)") }
        return v
    }
    func int(_ key: String, default d: Int) throws -> Int {
        guard let s = string(key) else { return d }
        guard let v = Int(s) else { throw BenchError("--\(key): '\(s)' is not an integer") }
        return v
    }
    func double(_ key: String, default d: Double) throws -> Double {
        guard let s = string(key) else { return d }
        guard let v = Double(s) else { throw BenchError("--\(key): '\(s)' is not a number") }
        return v
    }
    func flag(_ key: String) -> Bool { flags.contains(key) }
}

/// Monotonic wall-clock seconds.
@inline(__always) func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Seconds taken by `body`, and its result.
@inline(__always) func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let t0 = now()
    let r = try body()
    return (r, now() - t0)
}

func median(_ xs: [Double]) -> Double {
    precondition(!xs.isEmpty, "median of nothing")
    let s = xs.sorted()
    let m = s.count / 2
    return s.count % 2 == 1 ? s[m] : 0.5 * (s[m - 1] + s[m])
}

/// A benchmark CSV: header `x1..xd,y` (target: the column named `y`, else the last), already standardised.
struct Dataset {
    let x: Matrix
    let y: [Double]
    var n: Int { x.rows }
    var d: Int { x.cols }

    init(csv path: String) throws {
        let table = try DataTable.read(csv: path)
        guard table.columns.count >= 2 else { throw BenchError("\(path): need at least one input column and y") }
        let yName = table.columns.contains("y") ? "y" : table.columns.last!
        y = try table.column(yName)
        x = try table.matrix(columns: table.columns.filter { $0 != yName })
    }
}

/// JSON values printed in a fixed key order (one line, for the harness to parse).
indirect enum JSON {
    case number(Double)
    case int(Int)
    case string(String)
    case bool(Bool)
    case array([JSON])
    case object([(String, JSON)])
    case null

    static func numbers(_ xs: [Double]) -> JSON { .array(xs.map { .number($0) }) }

    var text: String {
        switch self {
        case let .number(v):
            guard v.isFinite else { return "null" }
            // Round-trippable shortest representation.
            return "\(v)"
        case let .int(v): return "\(v)"
        case let .string(s): return JSON.quote(s)
        case let .bool(b): return b ? "true" : "false"
        case .null: return "null"
        case let .array(xs): return "[" + xs.map(\.text).joined(separator: ", ") + "]"
        case let .object(kv): return "{" + kv.map { JSON.quote($0.0) + ": " + $0.1.text }.joined(separator: ", ") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// Prints one JSON line to stdout and flushes.
func emit(_ object: [(String, JSON)]) {
    FileHandle.standardOutput.write(Data((JSON.object(object).text + "\n").utf8))
}

/// Peak resident set size of this process so far, in MiB (the harness also measures it from outside).
func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Library metadata common to every line.
func header(_ library: String = "SwiftGP") -> [(String, JSON)] {
    [("library", .string(library)), ("version", .string(swiftGPVersionString)), ("blas_threads", .int(BLASThreads.current))]
}

let swiftGPVersionString: String = ProcessInfo.processInfo.environment["SWIFTGP_BENCH_VERSION"] ?? "main"
