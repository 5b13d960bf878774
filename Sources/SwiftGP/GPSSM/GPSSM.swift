import GPLinearAlgebra

/// A Gaussian-process state-space model (docs/methods/gpssm.md#model):
///
///     x₀ ~ N(μ₀, diag Σ₀),  x_t = m(x_{t−1}) + f(x_{t−1}, c_{t−1}) + v_t,  v_t ~ N(0, diag Q),
///     y_t = C x_t + d + e_t,  e_t ~ N(0, diag R),
///
/// with f = (f⁽¹⁾, …, f⁽ᴰ⁾) independent GPs (one kernel per latent dimension) on the joint input
/// x̃ = (x, c) of dimension D + D_c, m the identity (residual form) or zero. Each f⁽ᵈ⁾ carries M whitened
/// inducing values w⁽ᵈ⁾ at shared inducing inputs Z: u⁽ᵈ⁾ = L_d w⁽ᵈ⁾, L_d = chol K_d(Z, Z), p(w) = N(0, I).
/// The latent trajectory is not part of the model: it lives in `GPSSMEnergy` (sampled) or is simulated.
///
/// Parameters: `transition.<d>.*` (kernel d), `inducing.inputs` (Z, column-major M × (D + D_c)),
/// `inducing.whitened` (w, column-major M × D: column d is w⁽ᵈ⁾), `process.variance` (Q), `emission.matrix`
/// (C, column-major D_y × D), `emission.offset` (d), `emission.variance` (R), `initial.mean` (μ₀),
/// `initial.variance` (Σ₀).
/// - Complexity: O(D M² (M + D + D_c)) memory-light; the energy costs O(T M D (M + D + D_c) + D M³).
public struct GPSSM: Parameterised, Sendable {
    /// m(x): the identity (x_t = x_{t−1} + f + v) or zero (x_t = f + v).
    public enum MeanFunction: String, Sendable, Codable, CaseIterable {
        case identity, zero
    }

    public var transitions: [any Kernel]
    public var meanFunction: MeanFunction
    public let latentDimension: Int
    public let controlDimension: Int
    public let outputDimension: Int
    public var inducingInputs: Parameter
    public var inducingValues: Parameter
    public var processVariance: Parameter
    public var emissionMatrix: Parameter
    public var emissionOffset: Parameter
    public var emissionVariance: Parameter
    public var initialMean: Parameter
    public var initialVariance: Parameter
    public var jitter: JitterPolicy

    /// A model with the given transition kernels (one per latent dimension, each on D + D_c inputs) and
    /// inducing inputs Z (M × (D + D_c)). C starts as [I 0] (the first D_y latent dimensions are observed),
    /// d at 0, w at 0, Q at 0.01, R at 0.1, x₀ ~ N(0, I).
    /// - Throws: `TrainingError.invalidData` when D < D_y, there are no kernels, or Z has the wrong width.
    public init(transitions: [any Kernel], inducing z: Matrix, outputDimension dy: Int, controlDimension dc: Int = 0,
                meanFunction: MeanFunction = .identity, processVariance q: Double = 0.01,
                emissionVariance r: Double = 0.1, jitter: JitterPolicy = .standard) throws {
        let dx = transitions.count
        guard dx >= 1 else { throw TrainingError.invalidData("a GPSSM needs at least one latent dimension") }
        guard dy >= 1, dx >= dy else {
            throw TrainingError.invalidData("the latent dimension (\(dx)) must be at least the output dimension (\(dy))")
        }
        guard dc >= 0, z.cols == dx + dc, z.rows >= 1 else {
            throw TrainingError.invalidData("inducing inputs must have \(dx + dc) columns (latent + control), got \(z.cols)")
        }
        guard q > 0, r > 0 else { throw TrainingError.invalidData("noise variances must be positive") }
        self.transitions = transitions
        self.meanFunction = meanFunction
        latentDimension = dx
        controlDimension = dc
        outputDimension = dy
        inducingInputs = Parameter("inputs", z.storage, .identity)
        inducingValues = Parameter("whitened", [Double](repeating: 0, count: z.rows * dx), .identity)
        processVariance = Parameter("variance", [Double](repeating: q, count: dx), .positive(lowerBound: 1e-6))
        var c = [Double](repeating: 0, count: dy * dx)
        for i in 0..<dy { c[i + i * dy] = 1 }
        emissionMatrix = Parameter("matrix", c, .identity)
        emissionOffset = Parameter("offset", [Double](repeating: 0, count: dy), .identity)
        emissionVariance = Parameter("variance", [Double](repeating: r, count: dy), .positive(lowerBound: 1e-6))
        initialMean = Parameter("mean", [Double](repeating: 0, count: dx), .identity)
        initialVariance = Parameter("variance", [Double](repeating: 1, count: dx), .positive(lowerBound: 1e-6))
        self.jitter = jitter
    }

    /// M, the number of inducing points.
    public var inducingCount: Int { inducingInputs.count / inputDimension }
    /// D + D_c, the width of a transition input.
    public var inputDimension: Int { latentDimension + controlDimension }
    /// Z as an M × (D + D_c) matrix.
    public var z: Matrix { Matrix(rows: inducingCount, cols: inputDimension, storage: inducingInputs.value) }
    /// w as an M × D matrix (column d is w⁽ᵈ⁾).
    public var whitened: Matrix { Matrix(rows: inducingCount, cols: latentDimension, storage: inducingValues.value) }
    /// C as a D_y × D matrix.
    public var c: Matrix { Matrix(rows: outputDimension, cols: latentDimension, storage: emissionMatrix.value) }

    public var parameters: [Parameter] {
        get {
            var ps: [Parameter] = []
            for (d, k) in transitions.enumerated() { ps += k.parameters.map { $0.prefixed("transition.\(d)") } }
            ps += [inducingInputs.prefixed("inducing"), inducingValues.prefixed("inducing"),
                   processVariance.prefixed("process"), emissionMatrix.prefixed("emission"),
                   emissionOffset.prefixed("emission"), emissionVariance.prefixed("emission"),
                   initialMean.prefixed("initial"), initialVariance.prefixed("initial")]
            return ps
        }
        set {
            let counts = transitions.map { $0.parameters.count } + [8]
            let g = splitParameters(newValue, counts: counts)
            for d in transitions.indices { transitions[d].parameters = g[d] }
            let own = g[transitions.count]
            inducingInputs.assign(from: own[0])
            inducingValues.assign(from: own[1])
            processVariance.assign(from: own[2])
            emissionMatrix.assign(from: own[3])
            emissionOffset.assign(from: own[4])
            emissionVariance.assign(from: own[5])
            initialMean.assign(from: own[6])
            initialVariance.assign(from: own[7])
        }
    }
}
