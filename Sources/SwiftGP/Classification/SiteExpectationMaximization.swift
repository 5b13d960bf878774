import GPLinearAlgebra

/// Rounds of CVI site updates, then hyperparameter steps on a `SiteEnergy` with the sites frozen, on the
/// engine's alternating driver (`Trainer.alternate`; docs/methods/classification.md#rounds): the scheme of
/// Li, John & Solin (2023) for the EP-like objective, and variational EM for the ELBO.
///
/// E-step: `cviIterations` site updates with damping `stepSize` (an inner `Trainer.fit` whose only updater is
/// `Updater.sites`), then the energy at the new sites is the round's bound. When it is lower than the previous
/// round's, the previous kernel and sites are restored and the run stops (the M-step reports `.settled`; the
/// driver runs with patience 1). M-step: `mStepIterations` optimiser iterations on the kernel, sites fixed.
/// - Complexity: rounds × (cviIterations + mStepIterations evaluations) × O(n³).
struct SiteExpectationMaximization: AlternatingModel {
    var objective: SiteObjective
    let cviIterations: Int
    let stepSize: Double
    let mStep: FitOptions
    private(set) var previous: (parameters: [Parameter], bound: Double)? = nil
    private(set) var reverted = false

    init(objective: SiteObjective, cviIterations: Int, stepSize: Double, mStep: FitOptions) {
        self.objective = objective
        self.cviIterations = cviIterations
        self.stepSize = stepSize
        self.mStep = mStep
    }

    /// Site updates only: the kernel is fixed.
    private var eStep: FitOptions {
        var o = FitOptions(maxIterations: cviIterations, relativeTolerance: 1e-10, patience: 1,
                           groups: [ParameterGroup("sites", updater: .sites(stepSize: stepSize)), ParameterGroup("kernel", updater: .fixed)])
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
        options.groups = [ParameterGroup("sites", updater: .fixed)]
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
