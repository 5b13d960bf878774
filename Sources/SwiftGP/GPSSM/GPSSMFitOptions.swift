/// Settings of free-form VI for a GPSSM (docs/methods/gpssm.md#free-form-vi): one `Trainer.fit` in which an
/// SGHMC group samples the trajectory (and, in the free form, the whitened inducing values) while Adam moves
/// the hyperparameters on the same energy — Monte Carlo EM in one loop.
/// - Complexity: `iterations` × two energy evaluations (sampler and optimiser).
public struct GPSSMFitOptions: Sendable {
    /// Sample w (`freeForm`) or marginalise it (`collapsed`, the default: it mixes faster).
    public var form: GPSSMEnergy.Form
    /// Total iterations (burn-in included).
    public var iterations: Int
    /// The sampler (step size, friction, burn-in, thinning). Default ε = 0.1, α = 0.05 (FFVD's ε = 0.01 does not
    /// mix within a few thousand iterations; docs/methods/gpssm.md#free-form-vi).
    public var sampler: SGHMC
    /// Adam's learning rate for the hyperparameters.
    public var learningRate: Double
    /// Move the hyperparameters (false: sample only, hyperparameters fixed).
    public var learnsHyperparameters: Bool
    /// Move them during burn-in only (the default, FFVD's protocol): every kept draw then comes from the one
    /// trained model that predicts with it. false: Adam runs to the end, and draws kept early pair with a model
    /// that has since moved (docs/methods/gpssm.md#free-form-vi).
    public var hyperparametersInBurnInOnly: Bool
    public var seed: UInt64
    /// Iterations of a collapsed warm-up fit (nothing kept) before the fit: the pre-trained start FFVD uses. The
    /// free form then starts w at its conditional mean given the warm-up's last trajectory.
    public var warmUp: Int
    /// Draw the trajectory by particle Gibbs (conditional SMC with ancestor sampling, w drawn from q(w | x) each
    /// sweep) instead of SGHMC; its burn-in and thinning replace the sampler's. nil: SGHMC.
    public var particleGibbs: ParticleGibbs?
    /// Called after every iteration (the engine's progress callback).
    public var progress: (@Sendable (FitProgress) -> FitDecision)?

    public init(form: GPSSMEnergy.Form = .collapsed, iterations: Int = 3000,
                sampler: SGHMC = SGHMC(stepSize: 0.1, friction: 0.05, burnIn: 1500, thinning: 50),
                learningRate: Double = 0.01, learnsHyperparameters: Bool = true, hyperparametersInBurnInOnly: Bool = true,
                seed: UInt64 = 0, warmUp: Int = 0, particleGibbs: ParticleGibbs? = nil,
                progress: (@Sendable (FitProgress) -> FitDecision)? = nil) {
        self.hyperparametersInBurnInOnly = hyperparametersInBurnInOnly
        self.warmUp = warmUp
        self.particleGibbs = particleGibbs
        self.form = form
        self.iterations = iterations
        self.sampler = sampler
        self.learningRate = learningRate
        self.learnsHyperparameters = learnsHyperparameters
        self.seed = seed
        self.progress = progress
    }

    /// Iterations before draws are kept.
    var burnIn: Int { particleGibbs?.burnIn ?? sampler.burnIn }

    /// The engine's options: the sampling group (SGHMC or particle Gibbs) first, `inducing.whitened` fixed in the collapsed form,
    /// everything else Adam's (or fixed).
    func fitOptions() -> FitOptions {
        var groups: [ParameterGroup] = []
        let updater: Updater = particleGibbs.map { .particleGibbs($0) } ?? .sampler(sampler)
        switch form {
        case .freeForm: groups.append(ParameterGroup("states", "inducing.whitened", updater: updater))
        case .collapsed:
            groups.append(ParameterGroup("states", updater: updater))
            groups.append(ParameterGroup("inducing.whitened", updater: .fixed))
        }
        if !learnsHyperparameters { groups.append(ParameterGroup("*", updater: .fixed)) }
        var options = FitOptions(optimizer: .adam(learningRate: learningRate), maxIterations: iterations, seed: seed,
                                 groups: groups, progress: progress)
        options.screen = nil
        if hyperparametersInBurnInOnly { options.optimizerIterations = burnIn }
        return options
    }
}
