import Foundation
import GPLinearAlgebra
import SwiftGP

/// `swiftgp-bench io --data F.csv [--repeats R]`: the CLI's I/O alone (medians over R runs): reading the
/// CSV with `DataTable.read` (what `fit`, `predict` and `evaluate` do first), and writing one prediction
/// row per data row (`mean,variance,lower95,upper95`, as `predict` writes them) to a file through
/// `AtomicFile` (temporary file, sync, rename).
func ioCommand(_ args: Arguments) throws {
    let path = try args.require("data")
    let repeats = try args.int("repeats", default: 5)
    var reads: [Double] = [], writes: [Double] = []
    var table = try DataTable.read(csv: path)
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("swiftgp-bench-io-\(getpid()).csv").path
    defer { unlink(output) }
    for _ in 0..<repeats {
        let (t, seconds) = try timed { try DataTable.read(csv: path) }
        table = t
        reads.append(seconds)
        // Predictions of the size predict writes: the first column as mean, the second's square as variance.
        let mean = table.values.column(0), variance = table.values.column(table.values.cols - 1).map { $0 * $0 + 1e-3 }
        let (_, w) = try timed {
            let out = try AtomicFile(try OutputDestination(output))
            var start = 0
            while start < mean.count {
                let end = min(mean.count, start + 4096)
                let block = Prediction.regression(mean: Array(mean[start..<end]), variance: Array(variance[start..<end]))
                if start == 0 { out.write(block.csvHeader) }
                out.write(block.csvRows)
                start = end
            }
            try out.commit()
        }
        writes.append(w)
    }
    emit(header() + [
        ("benchmark", .string("io")), ("rows", .int(table.rowCount)), ("columns", .int(table.columns.count)),
        ("read_seconds", .number(median(reads))), ("write_seconds", .number(median(writes))),
        ("read_seconds_all", .numbers(reads)), ("write_seconds_all", .numbers(writes)),
    ])
}
