/// What `LatentFactorModel.fit` did, with the final posteriors.
/// - Complexity: O(Σ T n_z²) memory for the posteriors.
public struct LatentFactorFit: Sendable {
    /// One posterior per trial, from an E-step with the final parameters.
    public var posteriors: [LatentPosterior]
    public var iterations: Int
    public var converged: Bool
    /// Total ELBO over trials after each E-step.
    public var elboHistory: [Double]
    public var seconds: Double
}
