import GPLinearAlgebra

/// Sparse GP regression with the collapsed bound of Titsias (2009) (docs/methods/sparse-variational.md#sgpr): the optimal
/// q(u) is integrated out analytically, leaving a deterministic objective for L-BFGS.
///
/// L = log N(y; 0, Q_ff + σ²I) − tr(K_ff − Q_ff)/(2σ²), Q_ff = K_fu K_uu⁻¹ K_uf, evaluated stably with
/// A = L⁻¹K_uf/σ, B = I + AAᵀ, c = L_B⁻¹Ay/σ. `upperBound` is Titsias (2014)'s bound from above.
/// With known per-point noise variances s (`noise:`), σ²I becomes Λ = diag(σ² + sₙ) throughout:
/// A = L⁻¹K_uf Λ^{-1/2}, c = L_B⁻¹AΛ^{-1/2}y, and the trace term is tr(Λ⁻¹(K_ff − Q_ff))/2.
/// - Complexity: O(N M² + M³) per evaluation, O(N M) memory.
public struct SGPR: Parameterised, Sendable {
    public var kernel: any Kernel
    public var likelihood: GaussianLikelihood
    /// Z, column-major `M × d`.
    public var inducingInputs: Parameter
    public let inputDimension: Int
    public var jitter: JitterPolicy

    public init(kernel: any Kernel, likelihood: GaussianLikelihood = GaussianLikelihood(), inducing z: Matrix,
                jitter: JitterPolicy = .standard) {
        self.kernel = kernel
        self.likelihood = likelihood
        self.inducingInputs = Parameter("inducing", z.storage, .identity)
        self.inputDimension = z.cols
        self.jitter = jitter
    }

    public var inducingCount: Int { inducingInputs.count / inputDimension }
    public var z: Matrix { Matrix(rows: inducingCount, cols: inputDimension, storage: inducingInputs.value) }

    /// `kernel.*`, `likelihood.variance`, `inducing`.
    public var parameters: [Parameter] {
        get { kernel.parameters.map { $0.prefixed("kernel") } + likelihood.parameters.map { $0.prefixed("likelihood") } + [inducingInputs] }
        set {
            let g = splitParameters(newValue, counts: [kernel.parameters.count, 1, 1])
            kernel.parameters = g[0]
            likelihood.parameters = g[1]
            inducingInputs.assign(from: g[2][0])
        }
    }

    public func bound(_ x: Matrix, _ y: [Double], noise: [Double]? = nil) -> SGPRBound {
        SGPRBound(model: self, x: x, y: y, noise: noise)
    }

    /// Maximises the collapsed bound with the shared engine. `noise`: known per-point noise variances sₙ ≥ 0,
    /// added to the learned σ².
    @discardableResult
    public mutating func fit(_ x: Matrix, _ y: [Double], noise: [Double]? = nil, options: FitOptions = FitOptions()) throws -> FitReport {
        var start = self
        start.kernel = kernel.sizedToData(DataSummary(x: x, y: y).inputScales)
        try TrainingDataCheck.check(x: x, y: y, noise: noise, kernel: start.kernel, likelihood: likelihood, inputDimension: inputDimension)
        let (model, report) = try start.bound(x, y, noise: noise).trained(options: options)
        self = model
        return report
    }

    /// Titsias (2014): U = −(N/2) log 2π − ½ log|Q_ff + σ²I| − ½ yᵀ(Q_ff + (σ² + t)I)⁻¹y, t = tr(K_ff − Q_ff).
    /// log p(y) ≤ U. - Complexity: O(N M² + M³).
    public func upperBound(_ x: Matrix, _ y: [Double]) throws -> Double {
        let lz = try Cholesky(kernel.gram(z), policy: jitter, isLatentPrior: true)
        let a0 = lz.solveLower(kernel.cross(z, x))        // L⁻¹ K_uf
        let s2 = likelihood.variance.scalar
        let n = Double(x.rows)
        let t = max(0, kernel.diagonal(x).reduce(0, +) - a0.frobeniusNormSquared)
        func woodbury(_ noise: Double) throws -> (logDet: Double, quad: Double) {
            let a = (1 / noise.squareRoot()) * a0
            var b = Matrix.identity(inducingCount)
            syrk(.none, .lower, a, beta: 1, into: &b)
            let lb = try Cholesky(b, policy: jitter)
            let c = lb.solveLower(matvec(a, y).map { $0 / noise.squareRoot() })
            return (lb.logDeterminant + n * Math.log(noise), dot(y, y) / noise - dot(c, c))
        }
        let logDet = try woodbury(s2).logDet
        let quad = try woodbury(s2 + t).quad
        return -0.5 * n * Math.logTwoPi - 0.5 * logDet - 0.5 * quad
    }

    /// The posterior with the optimal q(u): whitened S = B⁻¹, m = L_B⁻ᵀ c.
    /// - Throws: `TrainingError.invalidData` for unusable data, as `fit` does.
    public func posterior(_ x: Matrix, _ y: [Double], noise: [Double]? = nil) throws -> InducingPosterior {
        try TrainingDataCheck.check(x: x, y: y, noise: noise, kernel: kernel, likelihood: likelihood, inputDimension: inputDimension)
        let lz = try Cholesky(kernel.gram(z), policy: jitter, isLatentPrior: true)
        let s2 = likelihood.variance.scalar
        let w = (0..<x.rows).map { 1 / (s2 + (noise?[$0] ?? 0)).squareRoot() }    // Λ^{-1/2}
        var a = lz.solveLower(kernel.cross(z, x))
        a.scaleColumns(w)
        var b = Matrix.identity(inducingCount)
        syrk(.none, .lower, a, beta: 1, into: &b)
        let lb = try Cholesky(b, policy: jitter)
        let c = lb.solveLower(matvec(a, zip(w, y).map { $0 * $1 }))
        let mw = lb.solveUpper(Matrix(column: c))                 // whitened mean
        let sqrtW = lb.lowerInverse().transposed                  // L_B⁻ᵀ: a square root of B⁻¹
        return InducingPosterior(kernel: kernel, likelihood: likelihood, z: z, factor: lz,
                                 projectedMean: lz.solveUpper(mw), projectedSqrt: [lz.solveUpper(sqrtW)])
    }
}

/// The collapsed SGPR bound as a tape objective.
public struct SGPRBound: TapeObjective, ModelObjective, Sendable {
    public var model: SGPR
    public let x: Matrix
    public let y: [Double]
    /// Known per-point noise variances sₙ added to σ² (nil: none).
    public let noise: [Double]?

    public init(model: SGPR, x: Matrix, y: [Double], noise: [Double]? = nil) {
        precondition(x.rows == y.count, "\(x.rows) input rows but \(y.count) targets")
        precondition(noise.map { $0.count == y.count } ?? true, "\(noise?.count ?? 0) noise variances for \(y.count) targets")
        self.model = model
        self.x = x
        self.y = y
        self.noise = noise
    }

    public var dataSummary: DataSummary? { DataSummary(x: x, y: y) }

    public func objective(on tape: Tape, parameters p: ParameterLeaves, batch: [Int]?) throws -> Var {
        let kp = p.scoped("kernel"), noise = p["likelihood.variance"], z = p["inducing"]
        let d = model.inputDimension, n = Double(x.rows)
        let lz = try cholesky(model.kernel.gram(inputs: z, dimension: d, on: kp), policy: model.jitter, isLatentPrior: true)
        if let fixedNoise = self.noise {
            return try heteroscedasticBound(on: tape, kernelParameters: kp, noise: noise, fixedNoise: fixedNoise,
                                            z: z, factor: lz)
        }
        let invSigma = reciprocal(squareRoot(noise))
        let a = invSigma * triangularSolve(lz, model.kernel.cross(inputs: z, dimension: d, x, on: kp))   // L⁻¹K_uf/σ
        let b = addingDiagonal(matmul(a, a, .none, .transposed), tape.constant(1))
        let lb = try cholesky(b, policy: model.jitter)
        let yv = tape.leaf(y)
        let c = triangularSolve(lb, invSigma * matmul(a, yv))
        let invNoise = reciprocal(noise)
        let yy = dot(y, y)
        // −(N/2)log2π − Σlog L_Bᵢᵢ − (N/2)log σ² − yᵀy/(2σ²) + ½cᵀc − tr K_ff/(2σ²) + ½ tr(AAᵀ)
        return tape.constant(-0.5 * n * Math.logTwoPi) - 0.5 * logDeterminant(cholesky: lb) - (0.5 * n) * log(noise)
            - (0.5 * yy) * invNoise + 0.5 * sumOfSquares(c)
            - 0.5 * (invNoise * sum(model.kernel.diagonal(x, on: kp))) + 0.5 * sumOfSquares(a)
    }

    /// The bound with Λ = diag(σ² + sₙ): −(N/2)log2π − Σlog L_Bᵢᵢ − ½Σ log λₙ − ½yᵀΛ⁻¹y + ½cᵀc − ½Σ kₙₙ/λₙ + ½tr(AAᵀ),
    /// A = L⁻¹K_uf Λ^{-1/2}, c = L_B⁻¹AΛ^{-1/2}y. - Complexity: O(N M² + M³), as the homoscedastic bound.
    private func heteroscedasticBound(on tape: Tape, kernelParameters kp: [Var], noise: Var, fixedNoise: [Double],
                                      z: Var, factor lz: Var) throws -> Var {
        let n = x.rows, m = model.inducingCount
        let lambda = noise * tape.leaf([Double](repeating: 1, count: n)) + tape.leaf(fixedNoise)   // N × 1
        let invLambda = reciprocal(lambda)
        let w = squareRoot(invLambda)                                                              // Λ^{-1/2}
        let spread = matmul(tape.leaf([Double](repeating: 1, count: m)), w, .none, .transposed)    // M × N, rows wᵀ
        let a = hadamard(triangularSolve(lz, model.kernel.cross(inputs: z, dimension: model.inputDimension, x, on: kp)), spread)
        let lb = try cholesky(addingDiagonal(matmul(a, a, .none, .transposed), tape.constant(1)), policy: model.jitter)
        let yv = tape.leaf(y)
        let c = triangularSolve(lb, matmul(a, hadamard(w, yv)))
        return tape.constant(-0.5 * Double(n) * Math.logTwoPi) - 0.5 * logDeterminant(cholesky: lb) - 0.5 * sum(log(lambda))
            - 0.5 * inner(tape.leaf(y.map { $0 * $0 }), invLambda) + 0.5 * sumOfSquares(c)
            - 0.5 * inner(model.kernel.diagonal(x, on: kp), invLambda) + 0.5 * sumOfSquares(a)
    }
}
