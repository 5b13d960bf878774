import GPLinearAlgebra

/// Rounds of CVI site updates, then hyperparameter steps on a `SiteEnergy` with the sites frozen, on the
/// engine's alternating driver (`Trainer.alternate`; docs/methods/classification.md#rounds): the scheme of
/// Li, John & Solin (2023) for the EP-like objective, and variational EM for the ELBO.
///
/// E-step: `cviIterations` site updates with damping `stepSize` (an inner `Trainer.fit` whose only updater is
/// `Updater.sites`), then the energy at the new sites is the round's bound. When it is lower than the previous
/// round's, the previous kernel and sites are restored and the run stops (the M-step reports `.settled`; the
/// driver runs with patience 1). M-step: at most `mStepIterations` optimiser iterations on the kernel, sites fixed,
/// ending at the first iteration that changes the energy by less than the round tolerance; the optimiser is
/// warm-started from the previous M-step (`AlternatingContext.fit(warmStart:)`: L-BFGS keeps its curvature pairs,
/// since the rounds' M-step objectives differ only by the sites).
/// Generic over the site objective: the full GP's `SiteObjective` (O(n³) per evaluation) or the sparse
/// `SparseSiteObjective` (O(n M²)); both name their sites `sites.*`, and everything else is fixed in the E-step.
///
/// With `extrapolates`, the rounds are accelerated (docs/methods/classification.md#extrapolated-rounds): after
/// every two plain M-steps, the non-site parameters ξ₀ → ξ₁ → ξ₂ jump to ξ₀ − 2αr + α²v (r = ξ₁ − ξ₀,
/// v = ξ₂ − 2ξ₁ + ξ₀, α = −‖r‖/‖v‖ in [−cap, −1]; SQUAREM, Varadhan & Roland 2008). The next E-step keeps the
/// jump only if its bound does not fall below the last round's; otherwise it falls back to ξ₂ and the sites it
/// had, so the plain rounds' stop-and-revert rule still decides every stop.
/// - Complexity: rounds × (cviIterations + mStepIterations evaluations) × one evaluation; a rejected jump costs
///   one more E-step.
struct SiteExpectationMaximization<SiteModel: Objective>: AlternatingModel {
    var objective: SiteModel
    let cviIterations: Int
    let stepSize: Double
    let mStep: FitOptions
    /// The data the start screen reads (`dataSummary`); nil: no screen.
    let screenData: DataSummary?
    private(set) var previous: (parameters: [Parameter], bound: Double)? = nil
    private(set) var reverted = false
    /// Whether the rounds are extrapolated.
    let extrapolates: Bool
    /// ξ of the non-site parameters along the current chain of plain rounds: the E-step's, then after each M-step.
    private var chain: [[Double]] = []
    /// The parameters (kernel after the plain M-step, sites before the E-step) to fall back to when the E-step
    /// at an extrapolated point lowers the bound.
    private var fallback: [Parameter]? = nil
    /// |α|'s cap: ×4 after a kept jump at the cap, halved (down to 1, no jump) after a rejected one.
    private var stepCap = 4.0

    init(objective: SiteModel, cviIterations: Int, stepSize: Double, mStep: FitOptions, screenData: DataSummary? = nil,
         extrapolates: Bool = false) {
        self.objective = objective
        self.cviIterations = cviIterations
        self.stepSize = stepSize
        self.mStep = mStep
        self.screenData = screenData
        self.extrapolates = extrapolates
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

    /// The bound after one E-step from the current parameters.
    private mutating func siteStep(_ context: inout AlternatingContext) throws -> Double {
        try context.fit(&objective, options: eStep)
        return try objective.fullValue() + objective.logPrior
    }

    mutating func expectationStep(_ context: inout AlternatingContext) throws -> Double {
        var bound: Double
        if let plain = fallback {
            // At an extrapolated point: keep it only if the bound does not fall (a failed E-step counts as a fall).
            fallback = nil
            let jumped = try? siteStep(&context)
            if let jumped, let p = previous, jumped >= p.bound {
                bound = jumped
            } else {
                objective.parameters = plain
                chain = []
                stepCap = max(1, stepCap / 2)
                bound = try siteStep(&context)
            }
        } else {
            bound = try siteStep(&context)
        }
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
        let space = extrapolates ? ParameterVector(objective.parameters, selecting: objective.parameters.map {
            $0.isTrainable && !$0.name.hasPrefix("sites.")
        }) : nil
        if let space, chain.isEmpty { chain = [space.unconstrained] }
        do {
            try context.fit(&objective, options: options, warmStart: true)
        } catch is LinearAlgebraError {
            // No step from the current sites evaluates: keep the round as it is; the next E-step decides.
        }
        if let space { extrapolate(space) }
        return .undecided
    }

    /// Appends the M-step's ξ to the chain; with three, jumps to the SQUAREM point (a proposal the next E-step
    /// keeps or rejects) and starts the next chain there.
    private mutating func extrapolate(_ space: ParameterVector) {
        let moved = ParameterVector(objective.parameters, selecting: space.selected)
        chain.append(moved.unconstrained)
        guard chain.count == 3 else { return }
        let (x0, x1, x2) = (chain[0], chain[1], chain[2])
        let r = zip(x1, x0).map { $0 - $1 }
        let v = x0.indices.map { x2[$0] - 2 * x1[$0] + x0[$0] }
        let rn = r.map { $0 * $0 }.reduce(0, +).squareRoot(), vn = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        let alpha = vn > 0 ? min(-1, max(-stepCap, -rn / vn)) : -1
        guard alpha < -1, rn.isFinite, vn.isFinite else {
            chain.removeFirst()
            return
        }
        let jump = x0.indices.map { x0[$0] - 2 * alpha * r[$0] + alpha * alpha * v[$0] }
        guard moved.isInterior(at: jump) else {
            chain.removeFirst()
            return
        }
        if alpha == -stepCap { stepCap *= 4 }
        fallback = objective.parameters
        objective.parameters = moved.parameters(at: jump, fixedFrom: objective.parameters)
        chain = [jump]
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
        // The next round re-opens the M-step: one iteration below the tolerance ends it.
        mStep.patience = 1
        var em = SiteExpectationMaximization(objective: objective, cviIterations: cviIterations, stepSize: stepSize, mStep: mStep,
                                             screenData: screenData, extrapolates: extrapolation)
        var outer = options
        outer.patience = 1
        outer.relativeTolerance = roundTolerance
        let report = try Trainer.alternate(&em, options: outer)
        objective = em.objective
        return report
    }
}
