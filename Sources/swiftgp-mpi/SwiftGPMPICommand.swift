import ArgumentParser
import GPMPI
import GPCommandOptions
import SwiftGP

/// `swiftgp-mpi`: the data-parallel fit over MPI (docs/methods/distributed.md). Start it with
/// `mpirun -n R swiftgp-mpi …`; rank 0 prints and writes files.
@main
struct SwiftGPMPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftgp-mpi",
        abstract: "Data-parallel SVGP and SGPR fits over MPI (start with mpirun -n R).",
        version: SwiftGPVersion.string,
        subcommands: [DistributedFitCommand.self, AllreduceCommand.self])

    /// Runs with `swiftgp`'s exit codes (`ExitStatus`); with more than one rank `withWorld` aborts the job first.
    static func main() { runMappingErrors(name: "swiftgp-mpi") }
}

/// Runs `body` with an initialised MPI world, finalising it afterwards. An error on any rank is printed
/// (rank 0 prints without a prefix) and, with more than one rank, aborts the whole job: the other ranks would
/// otherwise wait forever in their next reduction.
func withWorld(_ body: (MPIWorld) throws -> Void) throws {
    // mpirun ends the other ranks with SIGTERM when one aborts: rank 0's temporary model file goes with it.
    AtomicFile.removeTemporaryFilesOnSignals()
    let world = try MPIWorld()
    do {
        try body(world)
    } catch {
        if world.size > 1 {
            let message = "\(error)"
            Console.error("swiftgp-mpi: rank \(world.rank): error: \(message)")
            world.abort(code: 1)
        }
        world.finalize()
        throw error
    }
    world.finalize()
}
