import ArgumentParser
import Foundation
import GPMPI
import SwiftGP

/// `swiftgp-mpi allreduce`: checks the sum of an allreduce exactly and times it per message length (the
/// loopback measurement of the cost model's latency α and inverse bandwidth β, docs/methods/distributed.md).
/// Rank 0 prints one JSON object per length: {"ranks", "doubles", "seconds"} (the median over repeats).
struct AllreduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allreduce",
        abstract: "Check and time MPI_Allreduce of doubles (prints JSON lines on rank 0).")

    @Option(help: ArgumentHelp("Comma-separated message lengths in doubles.", valueName: "n,n,…"))
    var doubles: String = "1,16,256,4096,65536,262144"

    @Option(help: "Timed reductions per length.")
    var repeats: Int = 20

    func validate() throws {
        guard (1...100_000).contains(repeats) else { throw ValidationError("--repeats must be between 1 and 100000") }
        _ = try lengths()
    }

    func lengths() throws -> [Int] {
        try doubles.split(separator: ",").map {
            guard let n = Int($0.trimmingCharacters(in: .whitespaces)), (1...100_000_000).contains(n) else {
                throw ValidationError("--doubles: '\($0)' is not a length between 1 and 100000000")
            }
            return n
        }
    }

    func run() throws {
        try withWorld { world in
            let reducer = world.reducer
            let r = Double(world.size)
            for n in try lengths() {
                // Rank k sends (k + 1)(i + 1): the sum is R(R + 1)/2 · (i + 1), exact in binary floating point.
                var times: [Double] = []
                // Untimed warm-up: the first reductions of a length set up buffers and connections.
                for _ in 0..<3 {
                    var w = [Double](repeating: 1, count: n)
                    try reducer.sum(&w)
                }
                for _ in 0..<repeats {
                    var v = (0..<n).map { Double(world.rank + 1) * Double($0 + 1) }
                    world.barrier()
                    let t0 = MPIWorld.time()
                    try reducer.sum(&v)
                    times.append(MPIWorld.time() - t0)
                    for i in [0, n / 2, n - 1] where v[i] != r * (r + 1) / 2 * Double(i + 1) {
                        throw ReductionError("allreduce over \(world.size) ranks: element \(i) is \(v[i]), expected \(r * (r + 1) / 2 * Double(i + 1))")
                    }
                }
                // Every rank's median, then the slowest rank's: the time the reduction holds the job.
                var median = [times.sorted()[times.count / 2]]
                var all = [Double](repeating: 0, count: world.size)
                all[world.rank] = median[0]
                try reducer.sum(&all)
                median[0] = all.max() ?? median[0]
                if world.rank == 0 {
                    print("{\"ranks\": \(world.size), \"doubles\": \(n), \"seconds\": \(median[0])}")
                }
            }
        }
    }
}
