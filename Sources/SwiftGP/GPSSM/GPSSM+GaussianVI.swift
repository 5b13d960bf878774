import GPLinearAlgebra

/// Settings of the Gaussian-VI (PR-SSM) baseline (docs/methods/gpssm.md#gaussian-vi-baseline): Adam on
/// `PRSSMObjective` over seeded window minibatches, through `Trainer.fit`.
/// - Complexity: `iterations` × O(S |W| D M (M + D + D_c) + D M³).
public struct GaussianVIOptions: Sendable {
    public var iterations: Int
    /// Window length |W| of a minibatch.
    public var window: Int
    /// Sampled trajectories S per evaluation.
    public var trajectories: Int
    public var learningRate: Double
    /// Posterior draws kept for prediction.
    public var draws: Int
    public var seed: UInt64
    public var progress: (@Sendable (FitProgress) -> FitDecision)?

    public init(iterations: Int = 2000, window: Int = 50, trajectories: Int = 10, learningRate: Double = 0.01,
                draws: Int = 20, seed: UInt64 = 0, progress: (@Sendable (FitProgress) -> FitDecision)? = nil) {
        self.iterations = iterations
        self.window = window
        self.trajectories = trajectories
        self.learningRate = learningRate
        self.draws = draws
        self.seed = seed
        self.progress = progress
    }
}

extension GPSSM {
    /// Trains the PR-SSM baseline and returns `options.draws` posterior draws: w ~ q(w), and a trajectory
    /// that holds the recognition means up to the last window's start and, from there to T, a path sampled
    /// forward from q(x_{T+1−|W|}) with that w (so free runs continue from the end of the series).
    /// - Throws: `TrainingError.invalidData` for a series that does not fit; numerical failures at the start.
    /// - Complexity: as `GaussianVIOptions`, plus O(draws |W| D M²) for the draws.
    public func fitGaussianVI(_ series: GPSSMSeries, states: Matrix? = nil,
                              options: GaussianVIOptions = GaussianVIOptions()) throws -> (posterior: GPSSMPosterior, report: FitReport) {
        guard options.draws >= 1 else { throw TrainingError.invalidData("need at least one posterior draw") }
        let x = states ?? Self.initialStates(series, latentDimension: latentDimension, offset: emissionOffset.value)
        let window = min(options.window, series.outputs.rows)
        var objective = try PRSSMObjective(model: self, series: series, states: x, window: window, trajectories: options.trajectories)
        var fit = FitOptions(optimizer: .adam(learningRate: options.learningRate), maxIterations: options.iterations,
                             batchSize: 1, seed: options.seed, progress: options.progress)
        fit.screen = nil
        let report = try Trainer.fit(&objective, options: fit)
        let trained = objective.model
        let transition = try GPSSMTransition(model: trained)
        var g = SeededGenerator(seed: options.seed &+ 0x9e3779b97f4a7c15)
        let dx = latentDimension, mz = inducingCount, t1 = series.outputs.rows, packed = mz * (mz + 1) / 2
        let recognition = Matrix(rows: t1, cols: dx, storage: objective.startMean.value)
        let start = t1 - window
        var trajectories: [Matrix] = [], whitened: [Matrix] = []
        for _ in 0..<options.draws {
            var w = Matrix(rows: mz, cols: dx)
            for d in 0..<dx {
                var l = Matrix(rows: mz, cols: mz)
                var k = d * packed
                for j in 0..<mz { for i in j..<mz { l[i, j] = objective.sqrt.value[k]; k += 1 } }
                let e = (0..<mz).map { _ in g.normal() }
                let draw = matvec(l, e)
                for i in 0..<mz { w[i, d] = trained.inducingValues.value[i + d * mz] + draw[i] }
            }
            var path = recognition
            for d in 0..<dx { path[start, d] += objective.startVariance.value[d].squareRoot() * g.normal() }
            for t in (start + 1)..<t1 {
                var input = Matrix(rows: 1, cols: trained.inputDimension)
                for j in 0..<dx { input[0, j] = path[t - 1, j] }
                for j in 0..<trained.controlDimension { input[0, dx + j] = series.controls[t - 1, j] }
                let (mean, variance) = transition.step(input, whitened: [w])
                for j in 0..<dx { path[t, j] = mean[0, j] + variance[0, j].squareRoot() * g.normal() }
            }
            trajectories.append(path)
            whitened.append(w)
        }
        let posterior = try GPSSMPosterior(model: trained, series: series, method: .gaussianVI,
                                           trajectories: trajectories, whitened: whitened)
        return (posterior, report)
    }
}
