import GPLinearAlgebra

/// The GPSSM energy Φ (docs/methods/gpssm.md#energy), the log density whose normalised exponential is the
/// optimal free-form posterior q*(x, w) ∝ exp Φ(x, w):
///
///     Φ = Σ_t log N(y_t; C x_t + d, R) + log N(x₀; μ₀, Σ₀) + log N(w; 0, I)
///       + Σ_{t=1}^T Σ_d [ log N(x_t⁽ᵈ⁾; m(x_{t−1})⁽ᵈ⁾ + a_tᵀ w⁽ᵈ⁾, Q_d) − b_t⁽ᵈ⁾/(2Q_d) ],
///
/// a_t = L_d⁻¹ k_d(Z, x̃_{t−1}), b_t = k_d(x̃_{t−1}, x̃_{t−1}) − ‖a_t‖². With `form == .collapsed` the whitened
/// values are integrated out: the transition term becomes, per latent dimension, the SGPR bound with inputs
/// x̃_{0:T−1}, targets δ⁽ᵈ⁾ = x⁽ᵈ⁾_{1:T} − m(x_{0:T−1})⁽ᵈ⁾ and noise Q_d (w then gets no gradient and no prior).
///
/// Its parameters are the model's followed by `states` (x₀…x_T, column-major (T+1) × D, unconstrained). SGHMC
/// samples `states` (and `inducing.whitened` in the free form) while Adam moves the rest: one `Trainer.fit`.
/// - Complexity: O(T M D (M + D + D_c) + D M³) per evaluation and gradient.
public struct GPSSMEnergy: TapeObjective, ModelObjective, Sendable {
    /// Whether the inducing values are sampled (`freeForm`) or marginalised (`collapsed`).
    public enum Form: String, Sendable, Codable, CaseIterable {
        case freeForm = "free-form", collapsed
    }

    public var model: GPSSM
    public var states: Parameter
    public let series: GPSSMSeries
    public let form: Form

    /// - Throws: `TrainingError.invalidData` when the series' widths do not match the model's, or the states
    ///   do not hold (T+1) × D values.
    public init(model: GPSSM, series: GPSSMSeries, states: Matrix, form: Form = .freeForm) throws {
        guard series.outputDimension == model.outputDimension else {
            throw TrainingError.invalidData("the series has \(series.outputDimension) outputs, the model \(model.outputDimension)")
        }
        guard series.controlDimension == model.controlDimension else {
            throw TrainingError.invalidData("the series has \(series.controlDimension) controls, the model \(model.controlDimension)")
        }
        guard states.rows == series.outputs.rows, states.cols == model.latentDimension else {
            throw TrainingError.invalidData("states must be \(series.outputs.rows) × \(model.latentDimension), got \(states.rows) × \(states.cols)")
        }
        self.model = model
        self.series = series
        self.form = form
        self.states = Parameter("states", states.storage, .identity)
    }

    /// The states x₀…x_T as a (T+1) × D matrix.
    public var trajectory: Matrix { Matrix(rows: series.outputs.rows, cols: model.latentDimension, storage: states.value) }

    public var parameters: [Parameter] {
        get { model.parameters + [states] }
        set {
            model.parameters = Array(newValue.dropLast())
            states.assign(from: newValue[newValue.count - 1])
        }
    }

    public func objective(on tape: Tape, parameters p: ParameterLeaves, batch: [Int]?) throws -> Var {
        let m = model, t1 = series.outputs.rows, n = t1 - 1
        let dx = m.latentDimension, dy = m.outputDimension, din = m.inputDimension, mz = m.inducingCount
        let x = reshaped(p["states"], rows: t1, cols: dx)
        // Emission: Σ_t log N(y_t; C x_t + d, R).
        let cm = reshaped(p["emission.matrix"], rows: dy, cols: dx)
        let ones = tape.leaf(Matrix(rows: t1, cols: 1, repeating: 1))
        let fitted = matmul(x, cm, .none, .transposed) + matmul(ones, p["emission.offset"], .none, .transposed)
        var total = diagonalGaussianLogDensity(residual: tape.leaf(series.outputs) - fitted, variances: p["emission.variance"])
        // Initial state: log N(x₀; μ₀, Σ₀).
        let x0 = selectingRows(x, [0]) - reshaped(p["initial.mean"], rows: 1, cols: dx)
        total = total + diagonalGaussianLogDensity(residual: x0, variances: p["initial.variance"])
        // Transition: increments δ = x_{1:T} − m(x_{0:T−1}) and inputs x̃_{0:T−1}.
        let next = selectingRows(x, Array(1...n))
        let delta = m.meanFunction == .identity ? next - selectingRows(x, Array(0..<n)) : next
        let inputs = transitionInputs(states: x, controls: series.controls)
        let z = p["inducing.inputs"], q = p["process.variance"]
        let w = reshaped(p["inducing.whitened"], rows: mz, cols: dx)
        var means: [Var] = []
        for d in 0..<dx {
            let kp = p.scoped("transition.\(d)"), kernel = m.transitions[d]
            let lz = try cholesky(kernel.gram(inputs: z, dimension: din, on: kp), policy: m.jitter, isLatentPrior: true)
            let a = triangularSolve(lz, kernel.cross(inputs: z, inputs: inputs, dimension: din, on: kp))   // M × T
            let qd = selectingRows(q, [d])
            // −Σ_t b_t/(2Q_d) with Σ_t b_t = Σ_t k(x̃_t, x̃_t) − ‖A‖²_F.
            let trace = sum(kernel.diagonal(inputs: inputs, dimension: din, on: kp)) - sumOfSquares(a)
            total = total - 0.5 * (reciprocal(qd) * trace)
            switch form {
            case .freeForm:
                means.append(matmul(a, selectingColumn(w, d), .transposed))
            case .collapsed:
                // SGPR with noise Q_d: Ã = A/√Q_d, B = I + ÃÃᵀ, c = L_B⁻¹Ãδ/√Q_d.
                let s = reciprocal(squareRoot(qd))
                let at = s * a
                let lb = try cholesky(addingDiagonal(matmul(at, at, .none, .transposed), tape.constant(1)), policy: m.jitter)
                let dd = selectingColumn(delta, d)
                let cvec = triangularSolve(lb, s * matmul(at, dd))
                total = total + tape.constant(-0.5 * Double(n) * Math.logTwoPi) - 0.5 * logDeterminant(cholesky: lb)
                    - (0.5 * Double(n)) * log(qd) - 0.5 * (reciprocal(qd) * sumOfSquares(dd)) + 0.5 * sumOfSquares(cvec)
            }
        }
        if form == .freeForm {
            total = total + diagonalGaussianLogDensity(residual: delta - concatenatingColumns(means), variances: q)
            // log p(w) = log N(w; 0, I).
            total = total + tape.constant(-0.5 * Double(mz * dx) * Math.logTwoPi) - 0.5 * sumOfSquares(w)
        }
        return total
    }
}
