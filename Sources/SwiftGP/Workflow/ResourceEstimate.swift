/// What a fit will cost before it starts: the peak memory of its buffers and the floating-point work of
/// one objective evaluation (the dominant terms of the kind's complexity, not a measurement).
/// - Complexity: O(1).
public struct ResourceEstimate: Sendable, Equatable {
    /// Peak bytes of the fit's data and work buffers.
    public var bytes: Double
    /// Floating-point operations per objective evaluation (one optimiser iteration takes one or a few).
    public var flopsPerEvaluation: Double

    /// A conservative one-core rate for dense factorisations on the machines SwiftGP targets.
    public static let flopsPerSecond = 1e10

    public init(bytes: Double, flopsPerEvaluation: Double) {
        self.bytes = bytes
        self.flopsPerEvaluation = flopsPerEvaluation
    }

    public var secondsPerEvaluation: Double { flopsPerEvaluation / Self.flopsPerSecond }
}
