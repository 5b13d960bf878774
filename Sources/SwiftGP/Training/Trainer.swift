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
    public var restart: Int
    public var iteration: Int
    public var maxIterations: Int
    /// The objective (maximised) at the current point; on a minibatch for stochastic objectives.
    public var objective: Double
    public var elapsedSeconds: Double
    /// A linear extrapolation of the time left in this restart, assuming every iteration runs.
    public var estimatedSecondsLeft: Double
}

/// Settings of the one training loop (ALGORITHMS §8.3).
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
    /// Seeds minibatches and restart perturbations.
    public var seed: UInt64
    /// Extra optimisation runs from randomly perturbed starting points (ξ + N(0, I)); the best is kept.
    public var restarts: Int
    public var progress: (@Sendable (FitProgress) -> Void)?

    public init(optimizer: OptimizerChoice = .lbfgs(), maxIterations: Int = 1000, gradientTolerance: Double = 1e-5,
                relativeTolerance: Double = 1e-9, patience: Int = 3, batchSize: Int? = nil, seed: UInt64 = 0,
                restarts: Int = 0, progress: (@Sendable (FitProgress) -> Void)? = nil) {
        self.optimizer = optimizer
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
        self.relativeTolerance = relativeTolerance
        self.patience = patience
        self.batchSize = batchSize
        self.seed = seed
        self.restarts = restarts
        self.progress = progress
    }
}

/// What a training run did.
public struct FitReport: Sendable, Codable {
    /// The final objective (maximised) at the returned parameters, on the full data.
    public var objective: Double
    public var iterations: Int
    public var evaluations: Int
    public var converged: Bool
    /// Why the run stopped: `gradient tolerance`, `relative tolerance`, `max iterations`, `line search stalled`.
    public var stopReason: String
    /// Objective after each iteration of the best run.
    public var history: [Double]
    public var seconds: Double
    /// The largest jitter any factorisation added during the run.
    public var maxJitter: Double
    /// Final objective of every run (the initial point first), when restarts were used.
    public var restartObjectives: [Double]
}

/// THE hyperparameter-learning engine: one loop that trains every model (ALGORITHMS §8).
///
/// It flattens the objective's trainable parameters to one unconstrained vector ξ (`ParameterVector`),
/// minimises −objective with the chosen optimiser (drawing seeded minibatches for stochastic
/// objectives), checks convergence, records history and diagnostics, and writes the best parameters back.
public enum Trainer {
    /// Trains `objective` in place. Numerical failures at trial points are treated as −∞ (the optimiser
    /// backs off); a failure at the starting point is rethrown.
    /// - Complexity: iterations × (evaluation cost + O(m p)).
    @discardableResult
    public static func fit<O: Objective>(_ objective: inout O, options: FitOptions = FitOptions()) throws -> FitReport {
        let clock = ContinuousClock()
        let t0 = clock.now
        let space = ParameterVector(objective.parameters)
        let start = space.unconstrained
        var generator = SeededGenerator(seed: options.seed)
        var best: (parameters: [Parameter], report: FitReport)? = nil
        var finals: [Double] = []
        var firstError: Error? = nil
        for restart in 0...max(0, options.restarts) {
            var xi0 = start
            if restart > 0 { for i in xi0.indices { xi0[i] += generator.normal() } }
            do {
                let (parameters, report) = try run(objective, space: space, from: xi0, options: options, restart: restart,
                                                   generator: &generator)
                finals.append(report.objective)
                if best == nil || report.objective > best!.report.objective { best = (parameters, report) }
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
        return chosen.report
    }

    private static func run<O: Objective>(_ objective: O, space: ParameterVector, from xi0: [Double],
                                          options: FitOptions, restart: Int,
                                          generator: inout SeededGenerator) throws -> ([Parameter], FitReport) {
        let clock = ContinuousClock()
        let t0 = clock.now
        var model = objective
        var optimizer = options.optimizer.make()
        var evaluations = 0
        var maxJitter = 0.0
        var stream: MinibatchStream? = nil
        if let n = objective.minibatchPopulation, let b = options.batchSize, b < n {
            stream = MinibatchStream(population: n, batchSize: b)
        }
        func nextBatch() -> [Int]? { stream?.next(using: &generator) }
        func sample(_ xi: [Double], batch: [Int]?) -> OptimizerSample {
            evaluations += 1
            model.parameters = space.parameters(at: xi, fixedFrom: model.parameters)
            guard let e = try? model.evaluate(batch: batch), e.value.isFinite else {
                return .failed(dimension: space.count)
            }
            maxJitter = max(maxJitter, e.jitter)
            let g = space.unconstrainedGradient(e.gradient, at: xi)
            return OptimizerSample(value: -e.value, gradient: g.map { -$0 })
        }

        var xi = xi0
        // The starting point must evaluate; report its error otherwise.
        model.parameters = space.parameters(at: xi, fixedFrom: model.parameters)
        _ = try model.evaluate(batch: nextBatch())
        stream?.restartEpoch()
        var current: OptimizerSample? = nil
        var history: [Double] = []
        var quiet = 0
        var stopReason = "max iterations"
        var converged = false
        var iteration = 0
        while iteration < options.maxIterations {
            let batch = nextBatch()
            model.parameters = space.parameters(at: xi, fixedFrom: model.parameters)
            try model.innerStep(batch: batch)
            // Stochastic optimisers step from a fresh minibatch evaluation; its value is the one reported.
            let fresh = optimizer.reevaluatesEachIteration ? sample(xi, batch: batch) : nil
            if let fresh { current = fresh }
            let previous = fresh == nil ? (current?.value ?? history.last.map { -$0 }) : history.last.map { -$0 }
            let outcome = optimizer.step(&xi, current: &current) { sample($0, batch: batch) }
            iteration += 1
            if outcome == .stalled {
                stopReason = "line search stalled"
                converged = current.map { ($0.gradient.map(abs).max() ?? 0) <= 100 * options.gradientTolerance } ?? false
                break
            }
            let value = fresh?.value ?? current?.value ?? sample(xi, batch: batch).value
            history.append(-value)
            let elapsed = (clock.now - t0).seconds
            options.progress?(FitProgress(
                restart: restart, iteration: iteration, maxIterations: options.maxIterations, objective: -value,
                elapsedSeconds: elapsed,
                estimatedSecondsLeft: elapsed / Double(iteration) * Double(options.maxIterations - iteration)))
            if let g = current?.gradient, (g.map(abs).max() ?? 0) <= options.gradientTolerance {
                stopReason = "gradient tolerance"
                converged = true
                break
            }
            if let prev = previous, prev.isFinite {
                let rel = abs(prev - value) / max(abs(prev), abs(value), 1)
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
        let final = try model.fullValue()
        let report = FitReport(objective: final, iterations: iteration, evaluations: evaluations,
                               converged: converged, stopReason: stopReason, history: history,
                               seconds: (clock.now - t0).seconds, maxJitter: maxJitter, restartObjectives: [])
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
