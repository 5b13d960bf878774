/// How a `GPClassifier` approximates its posterior and what its hyperparameters maximise
/// (docs/methods/classification.md):
/// - `laplace`: the Laplace approximation and its marginal likelihood (scikit-learn's objective);
/// - `vi`: CVI sites (variational Gaussian posterior), hyperparameters on the ELBO (variational EM);
/// - `epLike`: CVI sites, hyperparameters on the EP-like estimate (Li, John & Solin 2023).
public enum ClassificationInference: String, Sendable, Codable, CaseIterable {
    case laplace
    case vi
    case epLike = "ep-like"

    /// The energy the hyperparameters maximise with frozen sites (nil for Laplace, which has its own objective).
    public var energy: SiteEnergy? {
        switch self {
        case .laplace: return nil
        case .vi: return .elbo
        case .epLike: return .epLike
        }
    }
}

/// The CVI side of `vi` and `ep-like` training: rounds of `cviIterations` site updates with damping `stepSize`,
/// then `mStepIterations` optimiser iterations, for at most `FitOptions.maxIterations` rounds, until a round
/// changes the energy by less than `roundTolerance` (relative). Variational EM's bound creeps up by ever smaller
/// amounts: on breast cancer (n = 455) VI ran 520 rounds (1443 s) to 1e-9 and 42 (78 s) to 1e-5, with the same
/// test accuracy and a slightly better test NLPD (docs/methods/classification.md#rounds). With `extrapolation`
/// (the default) every third round jumps along the last two rounds' path when that raises the bound
/// (docs/methods/classification.md#extrapolated-rounds), which cuts the creep.
public struct SiteTrainingSettings: Sendable, Equatable {
    public var cviIterations: Int
    public var stepSize: Double
    public var mStepIterations: Int
    public var roundTolerance: Double
    public var extrapolation: Bool

    public init(cviIterations: Int = 10, stepSize: Double = 0.5, mStepIterations: Int = 20, roundTolerance: Double = 1e-5,
                extrapolation: Bool = true) {
        self.cviIterations = cviIterations
        self.stepSize = stepSize
        self.mStepIterations = mStepIterations
        self.roundTolerance = roundTolerance
        self.extrapolation = extrapolation
    }
}
