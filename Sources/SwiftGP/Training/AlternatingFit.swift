import GPLinearAlgebra

/// A model trained by alternating two steps (variational EM, coordinate ascent): an E-step that infers
/// latent state with the parameters fixed and returns the bound it attains, then an M-step that moves the
/// parameters with that state fixed, usually by one `Trainer.fit` run through `context.fit`
/// (docs/methods/training.md#em-and-alternating-fits).
///
/// `Trainer.alternate` drives it with the same `FitOptions` as `Trainer.fit`: `maxIterations` outer
/// iterations, `relativeTolerance` on the bound with `patience`, `seed`, `restarts`, `progress`, and the
/// same `FitReport`.
public protocol AlternatingModel {
    /// The E-step. Returns the bound (maximised) the model attains after it.
    mutating func expectationStep(_ context: inout AlternatingContext) throws -> Double
    /// The M-step. Its outcome can declare the parameters settled or forbid stopping (warm-up).
    mutating func maximizationStep(_ context: inout AlternatingContext) throws -> MaximizationOutcome
    /// After the last iteration (e.g. a final E-step with the final parameters). Returns the final bound, or
    /// nil to report the last E-step's. Default: nil.
    mutating func finish(_ context: inout AlternatingContext) throws -> Double?
    /// Moves the starting point of a restart. Default: nothing (a `Parameterised` model perturbs its
    /// trainable parameters by ξ + N(0, I)).
    mutating func perturb(using generator: inout SeededGenerator)
    /// What the start screen needs to know about the data, or nil (no screen). Default: nil.
    var dataSummary: DataSummary? { get }
    /// The parameters the start screen sets, named as `StartScreen` reads them (`kernel.*`,
    /// `likelihood.variance`). Default: none.
    var screenedParameters: [Parameter] { get }
    /// Sets the screened parameters (a candidate of the screen). Default: nothing.
    mutating func setScreenedParameters(_ parameters: [Parameter]) throws
}

extension AlternatingModel {
    public mutating func finish(_ context: inout AlternatingContext) throws -> Double? { nil }
    public mutating func perturb(using generator: inout SeededGenerator) {}
    public var dataSummary: DataSummary? { nil }
    public var screenedParameters: [Parameter] { [] }
    public mutating func setScreenedParameters(_ parameters: [Parameter]) throws {}
}

extension AlternatingModel where Self: Parameterised {
    public mutating func perturb(using generator: inout SeededGenerator) {
        let space = ParameterVector(parameters)
        var xi = space.unconstrained
        for i in xi.indices { xi[i] += generator.normal() }
        parameters = space.parameters(at: xi)
    }
}

/// What an M-step says about convergence.
public enum MaximizationOutcome: Sendable, Equatable {
    /// No opinion: convergence is judged on the bound alone.
    case undecided
    /// The parameters moved less than the model's own tolerance: counts as a quiet iteration.
    case settled
    /// The run must not stop after this iteration (e.g. a warm-up phase).
    case mustContinue
}

/// What the alternating driver hands to each step: the iteration, the seeded generator, and the one way
/// to run an inner fit so that its evaluations and jitter count towards the report.
public struct AlternatingContext {
    /// The current outer iteration, from 1.
    public internal(set) var iteration: Int
    public var generator: SeededGenerator
    public internal(set) var evaluations = 0
    public internal(set) var maxJitter = 0.0
    /// The optimiser of the last warm-started fit.
    var warmOptimizer: (any Optimizer)? = nil

    /// Runs `Trainer.fit` on an M-step (or E-step) objective, accumulating its evaluations and jitter. With
    /// `warmStart`, the optimiser continues from the last warm-started fit of this run (L-BFGS with its
    /// curvature pairs: successive M-steps' objectives differ only by the E-step's state, so their curvature
    /// carries over and each M-step after the first starts with a scaled quasi-Newton step).
    @discardableResult
    public mutating func fit<O: Objective>(_ objective: inout O, options: FitOptions, warmStart: Bool = false) throws -> FitReport {
        var carried = warmStart ? warmOptimizer : nil
        let report = try Trainer.fit(&objective, options: options, carrying: &carried)
        if warmStart { warmOptimizer = carried }
        evaluations += report.evaluations
        maxJitter = max(maxJitter, report.maxJitter)
        return report
    }

    /// Records jitter a step added outside `fit` (e.g. a smoother's factorisations).
    public mutating func noteJitter(_ jitter: Double) { maxJitter = max(maxJitter, jitter) }
}

extension Trainer {
    /// Trains an alternating model: per iteration, the E-step (bound → history, progress), then the M-step;
    /// stops when the bound's relative change (or a `.settled` M-step) stays below `relativeTolerance` for
    /// `patience` iterations, unless an M-step said `.mustContinue`, or after `maxIterations`.
    ///
    /// Models with a `dataSummary` get the start screen (`FitOptions.screen`, as `Trainer.fit`): each candidate
    /// of the design is ranked by the bound of one E-step from it, and the best `keep` (with the state their
    /// E-step reached) are trained. With `restarts`, each restart starts from a perturbed copy of the best start;
    /// the best final bound is kept.
    /// - Throws: the steps' errors (a run that fails is skipped; the first run's failure is rethrown).
    /// - Complexity: (screened candidates) E-steps + runs × iterations × (E-step + M-step).
    @discardableResult
    public static func alternate<M: AlternatingModel>(_ model: inout M, options: FitOptions = FitOptions()) throws -> FitReport {
        let clock = ContinuousClock()
        let t0 = clock.now
        var generator = SeededGenerator(seed: options.seed)
        let data = model.dataSummary
        var starts = [model]
        var screenReport: ScreenReport? = nil
        if let screen = options.screen, screen.keep > 0, let data, !model.screenedParameters.isEmpty {
            let s0 = clock.now
            var screened: [M] = [], values: [Double] = []
            for candidate in screen.candidates(from: model.screenedParameters, data: data) {
                var m = model
                var context = AlternatingContext(iteration: 0, generator: SeededGenerator(seed: options.seed))
                let bound = (try? m.setScreenedParameters(candidate)).flatMap { try? m.expectationStep(&context) }
                values.append(bound.map { $0.isFinite ? $0 : -.infinity } ?? -.infinity)
                screened.append(m)
            }
            let ranked = values.indices.filter { values[$0] > -.infinity }.sorted { values[$0] > values[$1] }
            let chosen = Array(ranked.prefix(screen.keep))
            if !chosen.isEmpty { starts = chosen.map { screened[$0] } }
            screenReport = ScreenReport(evaluated: values.count, objectives: values, optimised: chosen,
                                        seconds: (clock.now - s0).seconds)
        }
        let runs = starts.count + max(0, options.restarts)
        var best: (model: M, report: FitReport)? = nil
        var finals: [Double] = []
        var firstError: Error? = nil
        for run in 0..<runs {
            var candidate = starts[min(run, starts.count - 1)]
            if run >= starts.count {
                candidate = starts[0]
                candidate.perturb(using: &generator)
            }
            // The first run draws from the fit's seed itself; each further run from a seed drawn for it.
            var context = AlternatingContext(iteration: 0,
                                             generator: SeededGenerator(seed: run == 0 ? options.seed : generator.next()))
            do {
                let report = try runAlternating(&candidate, context: &context, options: options, restart: run, runs: runs)
                finals.append(report.objective)
                if best == nil || report.objective > best!.report.objective { best = (candidate, report) }
                if report.stoppedByCaller {
                    best?.report.stopReason = report.stopReason
                    break
                }
            } catch {
                finals.append(-.infinity)
                if run == 0 { firstError = error }
            }
        }
        guard var chosen = best else { throw firstError ?? LinearAlgebraError.nonFinite(size: 0) }
        model = chosen.model
        chosen.report.seconds = (clock.now - t0).seconds
        chosen.report.restartObjectives = runs > 1 ? finals : []
        chosen.report.screen = screenReport
        if data != nil { chosen.report.warnings = FitWarning.check(model.screenedParameters, data: data) }
        return chosen.report
    }

    private static func runAlternating<M: AlternatingModel>(_ model: inout M, context: inout AlternatingContext,
                                                            options: FitOptions, restart: Int, runs: Int) throws -> FitReport {
        let clock = ContinuousClock()
        let t0 = clock.now
        var history: [Double] = []
        var quiet = 0
        var converged = false
        var stopReason = "max iterations"
        while context.iteration < options.maxIterations {
            context.iteration += 1
            let bound = try model.expectationStep(&context)
            let previous = history.last
            history.append(bound)
            let elapsed = (clock.now - t0).seconds
            let decision = options.progress?(FitProgress(
                restart: restart, runs: runs, iteration: context.iteration, maxIterations: options.maxIterations, objective: bound,
                elapsedSeconds: elapsed,
                estimatedSecondsLeft: elapsed / Double(context.iteration) * Double(options.maxIterations - context.iteration)))
            if let reason = FitReport.callerStop(decision) {
                stopReason = reason
                break
            }
            let outcome = try model.maximizationStep(&context)
            let boundSettled = previous.map { abs(bound - $0) / max(abs(bound), abs($0), 1) <= options.relativeTolerance } ?? false
            quiet = (boundSettled || outcome == .settled) && outcome != .mustContinue ? quiet + 1 : 0
            if quiet >= max(1, options.patience) {
                converged = true
                stopReason = "relative tolerance"
                break
            }
        }
        let final = try model.finish(&context) ?? history.last ?? -.infinity
        return FitReport(objective: final, iterations: context.iteration, evaluations: context.evaluations,
                         converged: converged, stopReason: stopReason, history: history,
                         seconds: (clock.now - t0).seconds, maxJitter: context.maxJitter)
    }
}
