import GPLinearAlgebra

/// The Kalman log marginal likelihood of a `StateSpaceGP` as a tape objective: the mean function on the
/// tape, then one fused `kalmanLogLikelihood` node whose VJP is the filter's reverse sweep.
/// - Complexity: O(T d³) value and gradient.
public struct StateSpaceMarginalLikelihood: TapeObjective, Sendable {
    public var model: StateSpaceGP
    /// Sorted times and the targets in that order.
    public let times: [Double]
    public let y: [Double]

    public init(model: StateSpaceGP, times: [Double], y: [Double]) {
        let s = sortedByTime(times, y)
        self.model = model
        self.times = s.times
        self.y = s.values
    }

    public var parameters: [Parameter] {
        get { model.parameters }
        set { model.parameters = newValue }
    }

    public var dataSummary: DataSummary? { DataSummary(x: Matrix(column: times), y: y) }

    public func objective(on tape: Tape, parameters p: ParameterLeaves, batch: [Int]?) throws -> Var {
        let m = model.mean.value(Matrix(column: times), on: p.scoped("mean"), tape: tape)
        let r = tape.leaf(y) - m
        let value = kalmanLogLikelihood(kernel: model.kernel, times: times, residual: r,
                                        kernelParameters: p.scoped("kernel"), noiseVariance: p["likelihood.variance"])
        guard value.scalar.isFinite else { throw LinearAlgebraError.nonFinite(size: times.count) }
        return value
    }
}
