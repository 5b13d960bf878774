import Foundation
import GPLinearAlgebra
/// `--model statespace`: GP regression or count regression on one input (time) in linear time
/// (docs/methods/state-space.md#overview). Gaussian: `StateSpaceGP` trained on the Kalman log marginal likelihood. Poisson
/// (counts, exp link): `StateSpaceCVI`, hyperparameters by variational EM, or (`--inference ep-like`) by rounds of CVI
/// site updates and L-BFGS steps on the EP-like estimate (docs/methods/state-space.md#ep-like-objective). The model file embeds the
/// training data, from which the posterior is rebuilt on load.
/// Register it with one entry in `ModelKinds.all`.
/// - Complexity: O(T d³) per training iteration and to load; O(T d²) memory.
public struct StateSpaceModelKind: ModelKind {
    public init() {}
    public var name: String { "statespace" }
    public var summary: String { "state-space GP on one input (time), O(T): Matérn / Hida–Matérn kernels" }
    public var likelihoods: [String] { LikelihoodCatalogue.names(acceptedBy: name) }
    public var acceptedKernels: KernelCatalogue.Models { .stateSpace }
    public var objectiveName: String { "log marginal likelihood (Kalman) / ELBO (CVI) / EP-like estimate (--inference ep-like)" }
    public func task(for likelihood: String) -> ModelTask { LikelihoodCatalogue.task(of: likelihood) }

    static func kernel(_ k: any Kernel) throws -> any StateSpaceKernel {
        guard let s = stateSpaceForm(of: k) else { throw StateSpaceError.noStateSpaceForm(kernel: k.summary) }
        return s
    }

    public func train(_ data: TrainingSet, settings: FitSettings) throws -> TrainedState {
        guard data.x.cols == 1 else { throw StateSpaceError.notOneDimensional(columns: data.x.cols) }
        let kernel = try Self.kernel(settings.kernel.makeKernel(dimension: 1))
        let stored = TrainingData(x: data.x.storage.map { [$0] }, y: data.y)
        if settings.likelihood == "poisson" {
            var cvi = try StateSpaceCVI(kernel: kernel, likelihood: Poisson(), times: data.x.storage, y: data.y)
            let report: FitReport
            if settings.inference == .epLike {
                settings.status?("statespace: ep-like by CVI site rounds")
                report = try cvi.fit(siteEnergy: .epLike, options: settings.options)
            } else {
                report = try cvi.fit(iterations: settings.options.maxIterations, priors: settings.options.priors)
            }
            return TrainedState(kernel: KernelSpec(cvi.kernel), likelihood: ComponentSpec(kind: "poisson", parameters: []),
                                mean: ComponentSpec(kind: "zero", parameters: []), jitterPolicy: cvi.jitter, report: report,
                                data: stored, predictor: StateSpaceCountPredictor(cvi: cvi))
        }
        var gp = StateSpaceGP(kernel: kernel, likelihood: GaussianLikelihood(variance: 1, floor: settings.noiseFloor))
        let report = try gp.fit(data.x.storage, data.y, options: settings.options)
        let posterior = try gp.posterior(data.x.storage, data.y)
        return TrainedState(
            kernel: KernelSpec(gp.kernel), likelihood: ComponentSpec(kind: "gaussian", parameters: gp.likelihood.parameters),
            mean: ComponentSpec(kind: gp.mean.kind, parameters: gp.mean.parameters), jitterPolicy: gp.jitter,
            report: report, data: stored, predictor: StateSpacePredictor(posterior: posterior))
    }

    public func predictor(for file: ModelFile) throws -> any ModelPredictor {
        guard let data = file.data else { throw ModelFileError.invalid(detail: "a statespace model needs its training 'data'") }
        guard file.features.count == 1 else { throw StateSpaceError.notOneDimensional(columns: file.features.count) }
        let kernel = try Self.kernel(file.kernel.makeKernel(inputDimension: 1))
        let times = data.x.map { $0[0] }
        if file.likelihood.kind == "poisson" {
            var cvi = try StateSpaceCVI(kernel: kernel, likelihood: Poisson(), times: times, y: data.y,
                                        jitter: file.jitterPolicy.policy)
            try cvi.run(maxIterations: 200, tolerance: 1e-9)
            return StateSpaceCountPredictor(cvi: cvi)
        }
        let gp = StateSpaceGP(kernel: kernel, likelihood: try file.likelihood.gaussianLikelihood(),
                              mean: try file.mean.meanFunction(inputDimension: 1), jitter: file.jitterPolicy.policy)
        return StateSpacePredictor(posterior: try gp.posterior(times, data.y))
    }
}

/// Predictive mean and variance of y (latent variance plus noise) from a state-space posterior.
struct StateSpacePredictor: ModelPredictor {
    let posterior: StateSpacePosterior
    func predict(_ x: Matrix) throws -> Prediction {
        let p = try posterior.predictObserved(at: x.storage)
        return .regression(mean: p.mean, variance: p.variance)
    }
}

/// Predictive moments of counts y ~ Poisson(e^f) under the CVI posterior of f.
struct StateSpaceCountPredictor: ModelPredictor {
    let cvi: StateSpaceCVI
    func predict(_ x: Matrix) throws -> Prediction {
        let f = try cvi.predict(at: x.storage)
        var mean = f.mean, variance = f.variance
        for i in mean.indices { (mean[i], variance[i]) = cvi.likelihood.predictive(mean: f.mean[i], variance: f.variance[i]) }
        return .regression(mean: mean, variance: variance)
    }
}
