import Foundation
import GPLinearAlgebra

/// Which optimiser `Trainer.fit` runs.
public enum OptimizerChoice: Sendable, Equatable {
    case lbfgs(memory: Int = 10)
    case adam(learningRate: Double = 0.01, decay: Double = 1)

    func make() -> any Optimizer {
        switch self {
        case let .lbfgs(m): return LBFGS(memory: m)
        case let .adam(lr, decay): return Adam(learningRate: lr, decay: decay)
        }
    }
}

/// A snapshot of training, handed to the progress callback after every iteration.
public struct FitProgress: Sendable {
    /// The current run (0-based) of `runs`: the screened starting points, then the restarts.
    public var restart: Int
    public var runs: Int = 1
    public var iteration: Int
    public var maxIterations: Int
    /// The objective (maximised) at the current point; on a minibatch for stochastic objectives.
    public var objective: Double
    public var elapsedSeconds: Double
    /// A linear extrapolation of the time left in this restart, assuming every iteration runs.
    public var estimatedSecondsLeft: Double
}

/// What the progress callback asks of the fit after an iteration: go on, or stop here. A stopped fit keeps
/// the best parameters so far, skips its remaining restarts and reports `FitReport.stoppedByCaller`.
/// - Complexity: O(1).
public enum FitDecision: Sendable, Equatable {
    case `continue`
    case stop
}

/// Settings of the one training loop (docs/methods/training.md#the-fit-loop).
public struct FitOptions: Sendable {
    public var optimizer: OptimizerChoice
    public var maxIterations: Int
    /// Stop when ‖∇_ξ‖∞ falls below this.
    public var gradientTolerance: Double
    /// Stop when the relative objective change stays below this for `patience` iterations.
    public var relativeTolerance: Double
    public var patience: Int
    /// Minibatch size for stochastic objectives (nil: full data).
    public var batchSize: Int?
    /// Seeds minibatches, restart perturbations and samplers.
    public var seed: UInt64
    /// Extra optimisation runs from randomly perturbed starting points (ξ + N(0, I)); the best is kept.
    public var restarts: Int
    /// Parameter groups with their updaters; parameters no group names are moved by `optimizer`.
    public var groups: [ParameterGroup]
    /// Priors placed on the parameters they name before training (MAP); they stay on the trained model.
    public var priors: [ParameterPrior] = []
    /// The optimiser steps in the first `optimizerIterations` iterations only (nil: in all). With a sampling
    /// group set to its burn-in, the kept draws all come from one model: Monte Carlo EM during burn-in, then
    /// sampling with the hyperparameters fixed (FFVD's protocol, docs/methods/training.md#the-fit-loop).
    public var optimizerIterations: Int? = nil
    /// The default multi-start screen (on unless set to nil); used by objectives with a `dataSummary`.
    public var screen: StartScreen? = StartScreen()
    /// Called after every iteration; `.stop` ends the fit there. The fit also stops when the task running it
    /// is cancelled (`Task.isCancelled`; the `async` fits then throw `CancellationError`). A trace needs no
    /// callback (`FitReport.history`); to collect one in the callback under Swift 6, capture a `Mutex`.
    public var progress: (@Sendable (FitProgress) -> FitDecision)?

    public init(optimizer: OptimizerChoice = .lbfgs(), maxIterations: Int = 1000, gradientTolerance: Double = 1e-5,
                relativeTolerance: Double = 1e-9, patience: Int = 3, batchSize: Int? = nil, seed: UInt64 = 0,
                restarts: Int = 0, groups: [ParameterGroup] = [], progress: (@Sendable (FitProgress) -> FitDecision)? = nil) {
        self.optimizer = optimizer
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
        self.relativeTolerance = relativeTolerance
        self.patience = patience
        self.batchSize = batchSize
        self.seed = seed
        self.restarts = restarts
        self.groups = groups
        self.progress = progress
    }
}

/// What a training run did.
public struct FitReport: Sendable, Codable {
    /// The final objective (maximised; plus the log prior when parameters have priors) at the returned
    /// parameters, on the full data.
    public var objective: Double
    public var iterations: Int
    public var evaluations: Int
    public var converged: Bool
    /// Why the run stopped: `gradient tolerance`, `relative tolerance`, `max iterations`, `line search stalled`,
    /// `stopped by the progress callback`, `cancelled`.
    public var stopReason: String
    /// True when the progress callback returned `.stop` or the task was cancelled.
    public var stoppedByCaller: Bool { stopReason == Self.stoppedReason || stopReason == Self.cancelledReason }
    static let stoppedReason = "stopped by the progress callback"
    static let cancelledReason = "cancelled"
    /// The stop reason for a caller's stop (`.stop`, or the running task cancelled), nil to go on.
    static func callerStop(_ decision: FitDecision?) -> String? {
        if Task.isCancelled { return cancelledReason }
        return decision == .stop ? stoppedReason : nil
    }
    /// Objective after each iteration of the best run.
    public var history: [Double]
    public var seconds: Double
    /// The largest jitter any factorisation added during the run.
    public var maxJitter: Double
    /// Final objective of every run (the initial point first), when restarts were used.
    public var restartObjectives: [Double]
    /// The draws of a sampler group (`Updater.sampler`), nil without one.
    public var samples: ParameterSamples?
    /// What the start screen evaluated and chose, nil without a screen.
    public var screen: ScreenReport?
    /// Signs that the fit ended degenerate (a vanished signal, a parameter at its bound).
    public var warnings: [FitWarning] = []

    public init(objective: Double, iterations: Int, evaluations: Int, converged: Bool, stopReason: String,
                history: [Double], seconds: Double, maxJitter: Double, restartObjectives: [Double] = [],
                samples: ParameterSamples? = nil) {
        self.objective = objective
        self.iterations = iterations
        self.evaluations = evaluations
        self.converged = converged
        self.stopReason = stopReason
        self.history = history
        self.seconds = seconds
        self.maxJitter = maxJitter
        self.restartObjectives = restartObjectives
        self.samples = samples
    }
}

/// THE hyperparameter-learning engine: one loop that trains every model (docs/methods/training.md).
///
/// It assigns the objective's parameters to updaters (`FitOptions.groups`: closed-form updates such as
/// natural gradients or CVI sites, the optimiser, an SGHMC sampler), flattens the optimiser's parameters
/// to one unconstrained vector ξ (`ParameterVector`), and per iteration runs the closed-form updates, one
/// optimiser step on −(objective + log prior) and one sampler step, drawing seeded minibatches for
/// stochastic objectives; it checks convergence, records history and diagnostics, and writes the best
/// parameters back. `Trainer.alternate` (EM) drives models whose steps are whole fits.
public enum Trainer {
    /// Trains `objective` in place. Numerical failures at trial points are treated as −∞ (the optimiser
    /// backs off); a failure at the starting point is rethrown.
    /// - Throws: `TrainingError` when a group asks for an update the objective does not offer; numerical
    ///   failures at the starting point.
    /// - Complexity: iterations × (evaluation cost + O(m p)).
    @discardableResult
    public static func fit<O: Objective>(_ objective: inout O, options: FitOptions = FitOptions()) throws -> FitReport {
        var fresh: (any Optimizer)? = nil
        return try fit(&objective, options: options, carrying: &fresh)
    }

    /// `fit`, with the optimiser's state carried in and out: a non-nil `optimizer` (of the last carried fit)
    /// starts where it stopped (L-BFGS keeps its curvature pairs, Adam its moments) instead of afresh from
    /// `options.optimizer`; on return it holds the optimiser as the first run left it.
    static func fit<O: Objective>(_ objective: inout O, options: FitOptions, carrying optimizer: inout (any Optimizer)?) throws -> FitReport {
        let clock = ContinuousClock()
        let t0 = clock.now
        var parameters = objective.parameters
        if !options.priors.isEmpty {
            try ParameterPrior.apply(options.priors, to: &parameters)
            objective.parameters = parameters
        }
        let assignment = try GroupAssignment(parameters, groups: options.groups)
        let space = ParameterVector(parameters, selecting: assignment.optimizerMask)
        // Priors do not change during a fit: the parameters that carry one are found once.
        let priored = parameters.indices.filter { parameters[$0].prior != nil }
        // What the screen and the warnings need to know about the data, computed once (O(n d), or a sort).
        let data = objective.dataSummary
        if space.count > 0, case .lbfgs = options.optimizer, let n = objective.minibatchPopulation, let b = options.batchSize, b < n {
            throw TrainingError.deterministicOptimizerOnMinibatches(batchSize: b, population: n)
        }
        var generator = SeededGenerator(seed: options.seed)
        // Starting points: the given one, or the best few of the screen.
        // Each start is the full parameter list (the screen may have adapted state outside ξ) and its ξ.
        var starts = [(parameters: parameters, xi: space.unconstrained)]
        var screenReport: ScreenReport? = nil
        if let screen = options.screen, screen.keep > 0, space.count > 0, let data {
            let s0 = clock.now
            let candidates = screen.candidates(from: parameters, data: data)
            var screened: [(parameters: [Parameter], xi: [Double])] = []
            var values: [Double] = []
            for c in candidates {
                var o = objective
                o.parameters = c
                var v = -Double.infinity
                if space.isInterior(at: ParameterVector(c, selecting: space.selected).unconstrained),
                   let s = try? o.screeningValue() {
                    v = s + o.logPrior
                }
                values.append(v.isFinite ? v : -.infinity)
                screened.append((o.parameters, ParameterVector(o.parameters, selecting: space.selected).unconstrained))
            }
            let ranked = values.indices.filter { values[$0] > -.infinity }.sorted { values[$0] > values[$1] }
            let chosen = Array(ranked.prefix(screen.keep))
            if !chosen.isEmpty { starts = chosen.map { screened[$0] } }
            screenReport = ScreenReport(evaluated: candidates.count, objectives: values, optimised: chosen,
                                        seconds: (clock.now - s0).seconds)
        }
        var runs = starts
        for _ in 0..<max(0, options.restarts) {
            var start = starts[0]
            for i in start.xi.indices { start.xi[i] += generator.normal() }
            runs.append(start)
        }
        var best: (parameters: [Parameter], report: FitReport)? = nil
        var finals: [Double] = []
        var firstError: Error? = nil
        for (restart, start) in runs.enumerated() {
            do {
                var from = objective
                from.parameters = start.parameters
                var carried = restart == 0 ? optimizer : nil
                let (parameters, report) = try run(from, space: space, assignment: assignment, priored: priored, from: start.xi,
                                                   options: options, restart: restart, runs: runs.count, optimizer: &carried,
                                                   generator: &generator)
                if restart == 0 { optimizer = carried }
                finals.append(report.objective)
                if best == nil || report.objective > best!.report.objective { best = (parameters, report) }
                if report.stoppedByCaller {
                    best?.report.stopReason = report.stopReason
                    break
                }
            } catch let error as TrainingError {
                throw error
            } catch {
                // A restart that cannot even start is skipped; the initial point's failure is reported.
                finals.append(-.infinity)
                if restart == 0 { firstError = error }
            }
        }
        guard var chosen = best else { throw firstError ?? LinearAlgebraError.nonFinite(size: 0) }
        objective.parameters = chosen.parameters
        chosen.report.seconds = (clock.now - t0).seconds
        chosen.report.restartObjectives = finals
        chosen.report.screen = screenReport
        chosen.report.warnings = FitWarning.check(chosen.parameters, data: data)
        return chosen.report
    }

    /// The objective plus Σ log p(θ) over the parameters `priored` (the indices of those with a prior), and
    /// its gradient.
    static func evaluateWithPriors<O: Objective>(_ objective: O, batch: [Int]?, priored: [Int]) throws -> Evaluation {
        var e = try objective.evaluate(batch: batch)
        guard !priored.isEmpty else { return e }
        let ps = objective.parameters
        for i in priored {
            guard let prior = ps[i].prior else { continue }
            for (j, v) in ps[i].value.enumerated() {
                e.value += prior.logDensity(v)
                if i < e.gradient.count && j < e.gradient[i].count { e.gradient[i][j] += prior.derivative(v) }
            }
        }
        return e
    }

    /// The full-data objective plus the log prior.
    static func fullValueWithPriors<O: Objective>(_ objective: O) throws -> Double {
        try objective.fullValue() + objective.logPrior
    }

    private static func run<O: Objective>(_ objective: O, space: ParameterVector, assignment: GroupAssignment,
                                          priored: [Int], from xi0: [Double], options: FitOptions, restart: Int, runs: Int,
                                          optimizer carried: inout (any Optimizer)?,
                                          generator: inout SeededGenerator) throws -> ([Parameter], FitReport) {
        let clock = ContinuousClock()
        let t0 = clock.now
        var model = objective
        var optimizer = carried ?? options.optimizer.make()
        defer { carried = optimizer }
        var evaluations = 0
        var maxJitter = 0.0
        var stream: MinibatchStream? = nil
        if let n = objective.minibatchPopulation, let b = options.batchSize, b < n {
            stream = MinibatchStream(population: n, batchSize: b)
        }
        // The sampler's own vector and state.
        let samplerSpace = ParameterVector(model.parameters, selecting: assignment.samplerMask)
        var sampler = assignment.samplerSettings.map { SGHMCState(settings: $0, dimension: samplerSpace.count) }
        let gibbs = assignment.particleGibbs
        var samples = sampler.map { _ in ParameterSamples(names: samplerSpace.names) }
            ?? gibbs.map { ParameterSamples(names: ParameterVector(model.parameters, selecting: $0.mask).names) }
        var samplerXi = samplerSpace.unconstrained
        func nextBatch() -> [Int]? { stream?.next(using: &generator) }
        /// Appends the current values of the parameters `mask` selects to the kept samples.
        func keep(_ mask: [Bool]) {
            samples?.values.append(model.parameters.enumerated().filter { mask[$0.offset] }.flatMap(\.element.value))
        }
        func sample(_ xi: [Double], batch: [Int]?) -> OptimizerSample {
            evaluations += 1
            // A trial point on a domain boundary (softplus/exp underflow, σ saturation) is a failed point.
            guard space.isInterior(at: xi) else { return .failed(dimension: space.count) }
            model.parameters = space.parameters(at: xi, fixedFrom: model.parameters)
            guard let e = try? evaluateWithPriors(model, batch: batch, priored: priored), e.value.isFinite else {
                return .failed(dimension: space.count)
            }
            maxJitter = max(maxJitter, e.jitter)
            var g = space.unconstrainedGradient(e.gradient, at: xi)
            g.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] = -b[i] } }   // in place: no O(p) copy
            return OptimizerSample(value: -e.value, gradient: g)
        }

        var xi = xi0
        let hasOptimizer = space.count > 0
        var current: OptimizerSample? = nil
        // The starting point must evaluate; report its error otherwise. Without a gradient consumer the value
        // suffices. On the full data the evaluation is the optimiser's first sample (closed-form updates, which
        // change the objective before the first step, discard it below).
        model.parameters = space.parameters(at: xi, fixedFrom: model.parameters)
        let firstBatch = nextBatch()
        if hasOptimizer || sampler != nil {
            let e = try evaluateWithPriors(model, batch: firstBatch, priored: priored)
            if hasOptimizer, stream == nil, !optimizer.reevaluatesEachIteration, e.value.isFinite, space.isInterior(at: xi) {
                evaluations += 1
                maxJitter = max(maxJitter, e.jitter)
                current = OptimizerSample(value: -e.value, gradient: space.unconstrainedGradient(e.gradient, at: xi).map { -$0 })
            }
        } else {
            _ = try model.value(batch: firstBatch)
        }
        stream?.restartEpoch()
        var history: [Double] = []
        var quiet = 0
        var stopReason = "max iterations"
        var converged = false
        var iteration = 0
        let optimizerEnd = options.optimizerIterations ?? .max
        while iteration < options.maxIterations {
            let batch = nextBatch()
            // The closed-form updates and the kept draws read the parameters at ξ; without them, a stochastic
            // optimiser's fresh evaluation (`sample`) writes them itself (an O(p) copy saved per iteration).
            if !assignment.closedForm.isEmpty || gibbs != nil || !hasOptimizer || !optimizer.reevaluatesEachIteration
                || iteration >= optimizerEnd {
                model.parameters = space.parameters(at: xi, fixedFrom: model.parameters)
            }
            // 1. Closed-form updates (natural gradients, CVI sites), in the groups' order.
            for (updater, names) in assignment.closedForm {
                if let update = updater.closedFormUpdate(at: iteration, seed: options.seed) { try model.update(update, parameters: names, batch: batch) }
            }
            if let g = gibbs, g.settings.keeps(after: iteration + 1) { keep(g.mask) }
            // The objective changed under the optimiser: its cached sample is stale.
            if !assignment.closedForm.isEmpty { current = nil }
            // 2. The optimiser. Stochastic optimisers step from a fresh minibatch evaluation; its value is the
            //    one reported.
            var value: Double? = nil
            var previous = history.last.map { -$0 }
            if hasOptimizer, iteration < optimizerEnd {
                let fresh = optimizer.reevaluatesEachIteration ? sample(xi, batch: batch) : nil
                if let fresh { current = fresh }
                // (Not on the first iteration, whose start has no previous iteration to compare with.)
                if fresh == nil, iteration > 0, let c = current?.value { previous = c }
                let outcome = optimizer.step(&xi, current: &current) { sample($0, batch: batch) }
                if outcome == .stalled {
                    iteration += 1
                    stopReason = "line search stalled"
                    // Converged only if the convergence test itself passes at the point where the search stalled.
                    converged = current.map { ($0.gradient.map(abs).max() ?? 0) <= options.gradientTolerance } ?? false
                    break
                }
                value = fresh?.value ?? current?.value
            }
            // 3. The sampler: one SGHMC step on U = −(objective + log prior) − log|dθ/dξ|.
            if var state = sampler {
                model.parameters = space.parameters(at: xi, fixedFrom: model.parameters)
                evaluations += 1
                let e = try evaluateWithPriors(model, batch: batch, priored: priored)
                maxJitter = max(maxJitter, e.jitter)
                let g = samplerSpace.unconstrainedGradient(e.gradient, at: samplerXi)
                let j = samplerSpace.logJacobianGradient(at: samplerXi)
                state.step(&samplerXi, gradient: zip(g, j).map { -($0 + $1) }, using: &generator)
                model.parameters = samplerSpace.parameters(at: samplerXi, fixedFrom: model.parameters)
                if state.keepsCurrent { keep(samplerSpace.selected) }
                sampler = state
                value = -e.value
                current = nil
            }
            iteration += 1
            if value == nil {
                // No gradient updater ran (closed-form updates only): the value alone, without a reverse sweep.
                model.parameters = space.parameters(at: xi, fixedFrom: model.parameters)
                evaluations += 1
                value = (try? model.value(batch: batch) + model.logPrior).map { $0.isFinite ? -$0 : .infinity } ?? .infinity
            }
            let v = value ?? .infinity
            history.append(-v)
            let elapsed = (clock.now - t0).seconds
            let decision = options.progress?(FitProgress(
                restart: restart, runs: runs, iteration: iteration, maxIterations: options.maxIterations, objective: -v,
                elapsedSeconds: elapsed,
                estimatedSecondsLeft: elapsed / Double(iteration) * Double(options.maxIterations - iteration)))
            if let reason = FitReport.callerStop(decision) {
                stopReason = reason
                break
            }
            // A sampler runs its full course.
            if sampler != nil || gibbs != nil { continue }
            if hasOptimizer, let g = current?.gradient, (g.map(abs).max() ?? 0) <= options.gradientTolerance {
                stopReason = "gradient tolerance"
                converged = true
                break
            }
            if let prev = previous, prev.isFinite {
                let rel = abs(prev - v) / max(abs(prev), abs(v), 1)
                quiet = rel <= options.relativeTolerance ? quiet + 1 : 0
                if quiet >= options.patience {
                    stopReason = "relative tolerance"
                    converged = true
                    break
                }
            }
        }
        // The final objective on the full data.
        model.parameters = space.parameters(at: xi, fixedFrom: model.parameters)
        let final = try fullValueWithPriors(model)
        let report = FitReport(objective: final, iterations: iteration, evaluations: evaluations,
                               converged: converged, stopReason: stopReason, history: history,
                               seconds: (clock.now - t0).seconds, maxJitter: maxJitter, restartObjectives: [],
                               samples: samples)
        return (model.parameters, report)
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}
