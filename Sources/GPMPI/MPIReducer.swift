import CMPI
import SwiftGP

/// The MPI world of this process: `MPI_Init` on creation, `MPI_Finalize` on `finalize()`. One per process.
/// Its reducer sums over every process of `MPI_COMM_WORLD` with `MPI_Allreduce(MPI_IN_PLACE, …, MPI_SUM)`.
/// - Complexity: initialisation is Open MPI's start-up (tens of milliseconds); O(1) afterwards.
public final class MPIWorld: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private var finalized = false

    /// Initialises MPI (`mpirun`/`mpiexec` start the processes; a process started alone is a world of one).
    /// - Throws: `ReductionError` when MPI does not start.
    public init() throws {
        var initialized: Int32 = 0
        MPI_Initialized(&initialized)
        if initialized == 0 {
            guard MPI_Init(nil, nil) == swiftgp_mpi_success() else { throw ReductionError("MPI_Init failed") }
        }
        var r: Int32 = 0, s: Int32 = 0
        MPI_Comm_rank(swiftgp_mpi_comm_world(), &r)
        MPI_Comm_size(swiftgp_mpi_comm_world(), &s)
        rank = Int(r)
        size = Int(s)
    }

    /// The allreduce over every process of the world.
    public var reducer: MPIReducer { MPIReducer(rank: rank, size: size) }

    /// Waits for every process.
    public func barrier() { MPI_Barrier(swiftgp_mpi_comm_world()) }

    /// Wall-clock seconds (`MPI_Wtime`).
    public static func time() -> Double { MPI_Wtime() }

    /// Ends MPI; call once, after the last reduction, before the process exits.
    public func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    /// Ends every process of the world with `code` (a failure on one rank must not leave the others waiting
    /// in a reduction).
    public func abort(code: Int32) -> Never {
        MPI_Abort(swiftgp_mpi_comm_world(), code)
        fatalError("MPI_Abort returned")
    }
}

/// `Reducer` over `MPI_COMM_WORLD`: `MPI_Allreduce` of doubles, in place, with `MPI_SUM`. Open MPI's
/// reduction of a given length on a given number of processes is deterministic, so every rank receives the
/// identical sum and takes the identical optimiser step.
/// - Complexity: one allreduce of n doubles, ≈ α ⌈log₂ R⌉ + β n (docs/methods/distributed.md#cost-model).
public struct MPIReducer: Reducer {
    public let rank: Int
    public let size: Int

    public func sum(_ values: inout [Double]) throws {
        guard !values.isEmpty else { return }
        guard values.count <= Int(Int32.max) else { throw ReductionError("allreduce of \(values.count) doubles exceeds MPI's count") }
        let status = values.withUnsafeMutableBufferPointer { buffer in
            MPI_Allreduce(swiftgp_mpi_in_place(), buffer.baseAddress, Int32(buffer.count), swiftgp_mpi_double(),
                          swiftgp_mpi_sum(), swiftgp_mpi_comm_world())
        }
        guard status == swiftgp_mpi_success() else { throw ReductionError("MPI_Allreduce failed with code \(status)") }
    }
}
