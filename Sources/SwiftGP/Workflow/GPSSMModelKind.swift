import Foundation
import GPLinearAlgebra

/// `--model gpssm`: a GP state-space model of one output series (`--target`) driven by control series
/// (`--input`), rows in time order (docs/methods/gpssm.md#command-line). Trains by free-form VI: SGHMC over
/// the trajectory with the inducing values marginalised (`collapsed`, the default) or sampled too
/// (`--inference free-form`), Adam over the hyperparameters; `--inference gaussian-vi` runs the PR-SSM baseline with `--latent-dims` latent states,
/// `--inducing` inducing points and the `--kernel` family for every transition GP. `predict` continues the
/// series: its rows are the controls after the training series, and each row's prediction is y at that step
/// by free simulation from the posterior draws. The model file embeds the training series and the draws.
/// - Complexity: iterations × O(T M D (M + D + D_c)) to train; O(H S M² D) to predict H steps.
public struct GPSSMModelKind: ModelKind {
    public init() {}
    public var name: String { "gpssm" }
    public var summary: String { "GP state-space model of a series (--input controls, --target output, --latent-dims D): free-form VI" }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var objectiveName: String { "GPSSM energy (log joint at the last draw)" }
    public var predictsWholeSequence: Bool { true }
    public func task(for likelihood: String) -> ModelTask { .regression }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        let series = try GPSSMSeries(outputs: Matrix(column: data.y), controls: data.x)
        let dx = settings.latentDimension, dc = series.controlDimension
        let m = min(settings.inducing, series.steps)
        let template = try settings.kernel.makeKernel(dimension: dx + dc)
        var model = try GPSSM.standard(for: series, latentDimension: dx, inducingCount: m, seed: settings.options.seed)
        model.transitions = (0..<dx).map { _ in template }
        let iterations = max(2, settings.options.maxIterations)
        settings.status?("gpssm: \(settings.gpssmMethod.rawValue) inference, \(dx) latent states, \(m) inducing points, \(iterations) iterations")
        let posterior: GPSSMPosterior, report: FitReport
        switch settings.gpssmMethod {
        case .freeForm, .collapsed, .particleGibbs:
            let burnIn = iterations / 2, thinning = max(1, (iterations - burnIn) / 20)
            let options = GPSSMFitOptions(form: settings.gpssmMethod == .freeForm ? .freeForm : .collapsed, iterations: iterations,
                                          sampler: SGHMC(stepSize: settings.gpssmMethod == .freeForm ? 0.05 : 0.1, friction: 0.05, burnIn: burnIn,
                                                         thinning: thinning),
                                          learningRate: settings.learningRate, seed: settings.options.seed,
                                          particleGibbs: settings.gpssmMethod == .particleGibbs
                                              ? ParticleGibbs(particles: 100, burnIn: burnIn, thinning: thinning) : nil,
                                          progress: settings.options.progress)
            (posterior, report) = try model.fitFreeForm(series, options: options)
        case .gaussianVI:
            (posterior, report) = try model.fitGaussianVI(series, options: GaussianVIOptions(
                iterations: iterations, window: min(50, series.outputs.rows), learningRate: settings.learningRate,
                seed: settings.options.seed, progress: settings.options.progress))
        }
        return TrainedState(
            kernel: KernelSpec(try settings.kernel.makeKernel(dimension: dc)),
            likelihood: ComponentSpec(kind: "gaussian", parameters: GaussianLikelihood(variance: posterior.model.emissionVariance.value[0]).parameters),
            mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: posterior.model.jitter, report: report,
            data: TrainingData(x: (0..<data.x.rows).map { data.x.row($0) }, y: data.y),
            state: .gpssm(GPSSMState(posterior)), predictor: GPSSMPredictor(posterior: posterior))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        guard let data = file.data else { throw ModelFileError.invalid(detail: "a gpssm model needs its training 'data'") }
        guard case let .gpssm(state) = file.state else { throw ModelFileError.invalid(detail: "a gpssm model needs a gpssm 'state'") }
        let series: GPSSMSeries
        do {
            series = try GPSSMSeries(outputs: Matrix(column: data.y),
                                     controls: Matrix(rows: data.x.count, cols: file.features.count, storage: (0..<file.features.count).flatMap { j in data.x.map { $0[j] } }))
        } catch let error as TrainingError {
            throw ModelFileError.invalid(detail: "'data': \(error)")
        }
        return GPSSMPredictor(posterior: try state.posterior(series: series, jitter: file.jitterPolicy.policy))
    }
}

/// Free simulation from the end of the training series over the rows given (the next controls):
/// moment-matched mean and variance of y per step, from 10 paths per posterior draw (seed 0, so a loaded
/// model predicts bit-identically).
struct GPSSMPredictor: ModelPredictor {
    let posterior: GPSSMPosterior
    func predict(_ x: Matrix) throws -> Prediction {
        guard x.rows >= 1 else { return .regression(mean: [], variance: []) }
        let forecast = try posterior.freeRun(steps: x.rows, futureControls: x, pathsPerDraw: 10, seed: 0)
        return .regression(mean: forecast.mean.column(0), variance: forecast.variance.column(0))
    }
}

/// A gpssm model's predictions for a new series (`swiftgp predict --sequence new`), on the original scale:
/// the free run from the initial state over its controls, and, where the series' outputs were given, the
/// filtered one-step-ahead predictions (`GPSSMPosterior.filteredOneStepAhead`).
public struct GPSSMSeriesPrediction: Sendable {
    public var freeRun: Prediction
    public var oneStep: (mean: [Double], variance: [Double])?

    /// `mean,variance,lower95,upper95` of the free run, then `one_step_mean,one_step_variance` when present.
    public var csv: String {
        var out = String(freeRun.csvHeader.dropLast()) + (oneStep == nil ? "" : ",one_step_mean,one_step_variance") + "\n"
        for (i, row) in freeRun.csvRows.split(separator: "\n").enumerated() {
            out += row
            if let o = oneStep { out += ",\(o.mean[i].description),\(o.variance[i].description)" }
            out += "\n"
        }
        return out
    }
}

extension TrainedModel {
    /// Applies a gpssm model to a NEW series (not a continuation of the training one): raw controls `x` (its
    /// feature columns, one row per step) and, when given, raw outputs `y` (NaN: missing). The free run uses 10
    /// paths per posterior draw, the filter 200 particles per draw (seed 0, so a loaded model predicts
    /// bit-identically).
    /// - Throws: `PredictionError.inputColumns`; `TrainingError.invalidData` for a model of another kind or
    ///   unusable rows; numerical errors of the transition.
    public func predictNewSeries(controls x: Matrix, outputs y: [Double]?) throws -> GPSSMSeriesPrediction {
        guard let predictor = predictor as? GPSSMPredictor else {
            throw TrainingError.invalidData("--sequence new applies to gpssm models only, not \(file.model)")
        }
        try PredictionError.checkColumns(x, expected: file.features.count)
        let sx = file.standardization.x, sy = file.standardization.y
        let controls = sx?.apply(x) ?? x
        let run = try predictor.posterior.freeRun(newSeriesControls: controls, pathsPerDraw: 10, seed: 0)
        var mean = run.mean.column(0), variance = run.variance.column(0)
        var oneStep: (mean: [Double], variance: [Double])? = nil
        if let y {
            guard y.count == x.rows else { throw TrainingError.invalidData("\(y.count) outputs for \(x.rows) rows") }
            let f = try predictor.posterior.filteredOneStepAhead(outputs: Matrix(column: sy?.apply(y) ?? y), controls: controls, seed: 0)
            oneStep = (sy?.invert(f.mean.column(0)) ?? f.mean.column(0), sy?.invertVariance(f.variance.column(0)) ?? f.variance.column(0))
        }
        if let sy {
            mean = sy.invert(mean)
            variance = sy.invertVariance(variance)
        }
        return GPSSMSeriesPrediction(freeRun: .regression(mean: mean, variance: variance), oneStep: oneStep)
    }
}
