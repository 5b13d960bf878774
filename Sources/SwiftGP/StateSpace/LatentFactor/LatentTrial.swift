import GPLinearAlgebra

/// One trial of a multi-output recording for the latent-factor model: T time bins × N outputs (spike
/// counts per bin for a Poisson readout, values for a Gaussian one). NaN marks a missing entry.
/// Trials may differ in length; a model's trials share its parameters.
/// - Complexity: O(T N) memory.
public struct LatentTrial: Sendable {
    /// Sorted bin times.
    public let times: [Double]
    /// T × N observations.
    public let observations: Matrix

    public init(times: [Double], observations: Matrix) {
        precondition(times.count == observations.rows, "\(times.count) times for \(observations.rows) rows")
        for k in 1..<max(1, times.count) { precondition(times[k] > times[k - 1], "trial times must be increasing") }
        self.times = times
        self.observations = observations
    }

    /// Regular bins t_k = start + k·binWidth.
    public init(observations: Matrix, binWidth: Double, start: Double = 0) {
        precondition(binWidth > 0, "bin width must be positive")
        self.init(times: (0..<observations.rows).map { start + Double($0) * binWidth }, observations: observations)
    }

    public var count: Int { times.count }
    public var outputCount: Int { observations.cols }

    /// The grid spacing when the bins are regular (relative tolerance 1e-9), else nil.
    public var regularSpacing: Double? {
        guard times.count >= 2 else { return nil }
        let dt = (times.last! - times.first!) / Double(times.count - 1)
        for k in 1..<times.count where abs(times[k] - times[k - 1] - dt) > 1e-9 * dt { return nil }
        return dt
    }
}
