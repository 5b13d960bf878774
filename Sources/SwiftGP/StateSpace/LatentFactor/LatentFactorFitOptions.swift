/// Settings of `LatentFactorModel.fit` (docs/methods/state-space.md#cvhm-em). Defaults favour few, well-damped E-steps.
/// - Complexity: a value; the costs they control are documented on `LatentFactorModel`.
public struct LatentFactorFitOptions: Sendable {
    /// Outer EM iterations (at most).
    public var iterations: Int
    /// CVI steps per E-step (cvhmax: 5).
    public var cviIterations: Int
    /// β, the CVI damping (cvhmax: 0.1; BayesNewton: 1).
    public var cviStepSize: Double
    /// CVI steps when inferring with fixed parameters (`infer`).
    public var inferenceIterations: Int
    /// L-BFGS iterations per Poisson readout M-step.
    public var readoutIterations: Int
    /// γ, an L2 penalty ½γ‖C‖² in the Poisson readout M-step.
    public var readoutPenalty: Double
    /// Learn the latent kernels' trainable hyperparameters by Whittle (requires regular bins).
    public var learnKernels: Bool
    /// FFBS draws per trial for the posterior-averaged periodogram.
    public var periodogramSamples: Int
    /// L-BFGS iterations per kernel M-step.
    public var kernelIterations: Int
    /// EM iterations with the readout alone before the kernel M-steps start: the first E-steps, from a PCA
    /// readout, mix the latents, and fitting kernels to them can lock a latent into the wrong regime
    /// (e.g. ω → 0, ℓ → 0 for an oscillatory one).
    public var kernelWarmup: Int
    /// The Whittle form of the kernel M-step. Trials are short (hundreds of bins) and the latents smooth
    /// per bin, where the periodogram's leakage biases the plain (aliased) form towards short lengthscales;
    /// the debiased form compares with the exact expected periodogram instead.
    public var whittleVariant: WhittleLikelihood.Variant
    /// Stop when max |ΔC|, |Δd| (relative to 1 + |value|) stays below this for two iterations…
    public var tolerance: Double
    /// … or when the relative change of the total ELBO does (C has a slowly drifting rotation gauge when
    /// the latent kernels are equal, so the ELBO is the more reliable signal).
    public var elboTolerance: Double
    /// Initialise C and d from the data (PCA of smoothed log-counts); false keeps the model's values.
    public var initialiseReadout: Bool
    public var smoother: StateSpaceSmoother.Method
    /// Cap on the log-rate inside exponentials (overflow guard).
    public var maxLogRate: Double
    public var seed: UInt64
    /// Called after every EM iteration with (iteration, total ELBO).
    public var progress: (@Sendable (Int, Double) -> Void)?

    public init(iterations: Int = 50, cviIterations: Int = 3, cviStepSize: Double = 0.5, inferenceIterations: Int = 20,
                readoutIterations: Int = 25, readoutPenalty: Double = 0, learnKernels: Bool = false,
                periodogramSamples: Int = 16, kernelIterations: Int = 20, kernelWarmup: Int = 5,
                whittleVariant: WhittleLikelihood.Variant = .debiased, tolerance: Double = 1e-4,
                elboTolerance: Double = 1e-6, initialiseReadout: Bool = true, smoother: StateSpaceSmoother.Method = .bidirectional,
                maxLogRate: Double = 30, seed: UInt64 = 0, progress: (@Sendable (Int, Double) -> Void)? = nil) {
        self.iterations = iterations
        self.cviIterations = cviIterations
        self.cviStepSize = cviStepSize
        self.inferenceIterations = inferenceIterations
        self.readoutIterations = readoutIterations
        self.readoutPenalty = readoutPenalty
        self.learnKernels = learnKernels
        self.periodogramSamples = periodogramSamples
        self.kernelIterations = kernelIterations
        self.kernelWarmup = kernelWarmup
        self.whittleVariant = whittleVariant
        self.tolerance = tolerance
        self.elboTolerance = elboTolerance
        self.initialiseReadout = initialiseReadout
        self.smoother = smoother
        self.maxLogRate = maxLogRate
        self.seed = seed
        self.progress = progress
    }
}
