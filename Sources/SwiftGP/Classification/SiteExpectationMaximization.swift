import GPLinearAlgebra

/// Rounds of CVI site updates, then hyperparameter steps on a `SiteEnergy` with the sites frozen, on the
/// engine's alternating driver (`Trainer.alternate`; docs/methods/classification.md#rounds): the scheme of
/// Li, John & Solin (2023) for the EP-like objective, and variational EM for the ELBO.
///
/// E-step: `cviIterations` site updates with damping `stepSize` (an inner `Trainer.fit` whose only updater is
/// `Updater.sites`), then the energy at the new sites is the round's bound. When it is lower than the previous
/// round's, the previous kernel and sites are restored and the run stops (the M-step reports `.settled`; the
/// driver runs with patience 1). M-step: `mStepIterations` optimiser iterations on the kernel, sites fixed.
/// Generic over the site objective: the full GP's `SiteObjective` (O(n³) per evaluation) or the sparse
/// `SparseSiteObjective` (O(n M²)); both name their sites `sites.*`, and everything else is fixed in the E-step.
/// - Complexity: rounds × (cviIterations + mStepIterations evaluations) × one evaluation.
struct SiteExpectationMaximization<SiteModel: Objective>: AlternatingModel {
    var objective: SiteModel
    let cviIterations: Int
    let stepSize: Double
    let mStep: FitOptions
    /// The data the start screen reads (`dataSummary`); nil: no screen.
    let screenData: DataSummary?
    private(set) var previous: (parameters: [Parameter], bound: Double)? = nil
    private(set) var reverted = false

    init(objective: SiteModel, cviIterations: Int, stepSize: Double, mStep: FitOptions, screenData: DataSummary? = nil) {
        self.objective = objective
        self.cviIterations = cviIterations
        self.stepSize = stepSize
        self.mStep = mStep
        self.screenData = screenData
    }

    var dataSummary: DataSummary? { screenData }

    /// `kernel.*`: each candidate of the screen is ranked by the bound after one E-step from it.
    var screenedParameters: [Parameter] { objective.parameters.filter { $0.name.hasPrefix("kernel.") } }

    mutating func setScreenedParameters(_ parameters: [Parameter]) throws {
        let byName = Dictionary(parameters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        objective.parameters = objective.parameters.map { byName[$0.name] ?? $0 }
    }

    /// Site updates only: every other parameter (kernel, inducing inputs) is fixed.
    private var eStep: FitOptions {
        var o = FitOptions(maxIterations: cviIterations, relativeTolerance: 1e-10, patience: 1,
                           groups: [ParameterGroup("sites", updater: .sites(stepSize: stepSize)), ParameterGroup("*", updater: .fixed)])
        o.screen = nil
        return o
    }

    mutating func expectationStep(_ context: inout AlternatingContext) throws -> Double {
        try context.fit(&objective, options: eStep)
        let bound = try objective.fullValue() + objective.logPrior
        if let p = previous, !(bound >= p.bound) {
            objective.parameters = p.parameters
            reverted = true
            return p.bound
        }
        previous = (objective.parameters, bound)
        return bound
    }

    mutating func maximizationStep(_ context: inout AlternatingContext) throws -> MaximizationOutcome {
        if reverted { return .settled }
        var options = mStep
        options.groups = [ParameterGroup("sites", updater: .fixed)] + mStep.groups
        options.screen = nil
        do {
            try context.fit(&objective, options: options)
        } catch is LinearAlgebraError {
            // No step from the current sites evaluates: keep the round as it is; the next E-step decides.
        }
        return .undecided
    }

    /// Unless the run stopped on a decrease, one more E-step brings the sites up to the last M-step's kernel
    /// (reverting if the bound fell).
    mutating func finish(_ context: inout AlternatingContext) throws -> Double? {
        if reverted { return previous?.bound }
        return try expectationStep(&context)
    }
}

extension SiteTrainingSettings {
    /// Runs the rounds on `objective` (at most `options.maxIterations` of them; each M-step `mStepIterations`
    /// iterations of `options.optimizer`), leaving it at the last accepted kernel and sites. With `screenData`
    /// (and `options.screen`), the kernel starts from the best candidates of the start screen, each ranked by the
    /// bound after one E-step.
    /// - Throws: `TrainingError.invalidGroups` for unusable settings; numerical failures at the start.
    func trainRounds<SiteModel: Objective>(_ objective: inout SiteModel, options: FitOptions,
                                           screenData: DataSummary? = nil) throws -> FitReport {
        guard cviIterations >= 1, mStepIterations >= 0, stepSize > 0, stepSize <= 1, roundTolerance >= 0 else {
            throw TrainingError.invalidGroups("CVI needs at least one site update per round, a step size in (0, 1] and a round tolerance ≥ 0")
        }
        var mStep = options
        mStep.maxIterations = mStepIterations
        mStep.restarts = 0
        mStep.progress = nil
        var em = SiteExpectationMaximization(objective: objective, cviIterations: cviIterations, stepSize: stepSize, mStep: mStep,
                                             screenData: screenData)
        var outer = options
        outer.patience = 1
        outer.relativeTolerance = roundTolerance
        let report = try Trainer.alternate(&em, options: outer)
        objective = em.objective
        return report
    }
}
