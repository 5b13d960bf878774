import GPLinearAlgebra

/// Additive Gaussian observation noise y = f + ε, ε ~ N(0, σ²), with σ² ≥ `floor` (default 1e−6, as
/// GPflow) enforced by the constraint `positive(lowerBound: floor)`.
public struct GaussianLikelihood: Parameterised, Sendable {
    public var variance: Parameter

    public init(variance: Double = 1, floor: Double = 1e-6) {
        self.variance = Parameter("variance", max(variance, floor * (1 + 1e-9)), .positive(lowerBound: floor))
    }

    public var parameters: [Parameter] {
        get { [variance] }
        set { variance.assign(from: newValue[0]) }
    }
}
