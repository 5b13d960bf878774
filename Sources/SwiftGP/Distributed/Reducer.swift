/// Sums vectors across the processes of a data-parallel fit (docs/methods/distributed.md): the seam between
/// the training engine and a transport. Every process calls the same reductions in the same order with the
/// same lengths; each call returns, on every process, the elementwise sum over processes of their inputs.
/// `SerialReducer` is the one-process reducer (the identity); the optional `GPMPI` target adds the MPI
/// allreduce. A reducer must be deterministic: the same inputs give the same sum on every process, so every
/// process takes the identical optimiser step.
/// - Complexity: an implementation's allreduce, ≈ α log R + β n for n doubles over R processes.
public protocol Reducer: Sendable {
    /// This process's index, 0 ..< `size` (0 writes the model file and prints progress).
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// Replaces `values` with the elementwise sum of every process's `values`.
    /// - Throws: `ReductionError` when the transport fails.
    func sum(_ values: inout [Double]) throws
}

/// The one-process reducer: rank 0 of 1, the sum of one vector is itself.
/// - Complexity: O(1).
public struct SerialReducer: Reducer {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: inout [Double]) throws {}
}

/// A reduction that could not be carried out.
public struct ReductionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
