import GPLinearAlgebra

/// The Gaussian-VI baseline (PR-SSM, Doerr et al. 2018; docs/methods/gpssm.md#gaussian-vi-baseline): q(w⁽ᵈ⁾) =
/// N(m_d, L_d L_dᵀ) over the whitened inducing values and trajectories sampled forward,
///
///     x_{t₀} ~ N(s_{t₀}, diag σ²_s),  f_t⁽ᵈ⁾ ~ N(a_tᵀm_d, b_t + ‖L_dᵀa_t‖²),  x_t = m(x_{t−1}) + f_t + Q^{½} ε_t,
///
///     L = (T+1)/|W| Σ_{t ∈ W} (1/S) Σ_s log N(y_t; C x_t⁽ˢ⁾ + d, R) − Σ_d KL[q(w⁽ᵈ⁾) ‖ N(0, I)] − [t₀ = 0] KL[q(x₀) ‖ p(x₀)],
///
/// on a window W = t₀…t₀+len−1 of the series (a minibatch of one window start; the whole series when the
/// engine asks for full data). q(x_{t₀}) is a free mean per time step (`start.mean`, (T+1) × D) with one shared
/// variance (`start.variance`) — the recognition model reduced to a lookup. The means m_d are the model's
/// `inducing.whitened`; `q.sqrt` holds the D packed lower triangles. The reparametrisation noise of an
/// evaluation is seeded from the window and the bits of the point evaluated, so Adam sees fresh noise at
/// every iteration and a fit is reproducible from its seed.
/// - Complexity: O(S |W| D M (M + D + D_c) + D M³) per evaluation.
public struct PRSSMObjective: TapeObjective, ModelObjective, Sendable {
    public var model: GPSSM
    public var sqrt: Parameter
    public var startMean: Parameter
    public var startVariance: Parameter
    public let series: GPSSMSeries
    /// Window length |W|.
    public let window: Int
    /// Trajectories per evaluation S.
    public let trajectories: Int
    /// Common random numbers: when set, every evaluation draws its noise from this seed (gradient checks,
    /// paired comparisons); nil (default) seeds from the window and the point evaluated.
    public var fixedNoise: UInt64? = nil

    /// q(w) starts at N(w, 10⁻² I)… with the model's w as mean; q(x_{t₀}) at `states` with variance 0.01.
    /// - Throws: `TrainingError.invalidData` when shapes do not match or the window is outside 2…T+1.
    public init(model: GPSSM, series: GPSSMSeries, states: Matrix, window: Int, trajectories: Int = 10) throws {
        guard series.outputDimension == model.outputDimension, series.controlDimension == model.controlDimension else {
            throw TrainingError.invalidData("the series' widths (\(series.outputDimension) outputs, \(series.controlDimension) controls) do not match the model's")
        }
        guard states.rows == series.outputs.rows, states.cols == model.latentDimension else {
            throw TrainingError.invalidData("states must be \(series.outputs.rows) × \(model.latentDimension)")
        }
        guard window >= 2, window <= series.outputs.rows else {
            throw TrainingError.invalidData("the window must hold 2…\(series.outputs.rows) steps, got \(window)")
        }
        guard trajectories >= 1 else { throw TrainingError.invalidData("need at least one sampled trajectory") }
        self.model = model
        self.series = series
        self.window = window
        self.trajectories = trajectories
        let m = model.inducingCount
        var packed: [Double] = []
        for _ in 0..<model.latentDimension { for j in 0..<m { for i in j..<m { packed.append(i == j ? 0.1 : 0) } } }
        sqrt = Parameter("q.sqrt", packed, .identity)
        startMean = Parameter("start.mean", states.storage, .identity)
        startVariance = Parameter("start.variance", [Double](repeating: 0.01, count: model.latentDimension), .positive(lowerBound: 1e-8))
    }

    public var parameters: [Parameter] {
        get { model.parameters + [sqrt, startMean, startVariance] }
        set {
            let k = newValue.count
            model.parameters = Array(newValue[0..<(k - 3)])
            sqrt.assign(from: newValue[k - 3])
            startMean.assign(from: newValue[k - 2])
            startVariance.assign(from: newValue[k - 1])
        }
    }

    /// Window starts 0…T+1−|W|: one per minibatch index.
    public var minibatchPopulation: Int? { series.outputs.rows - window + 1 }

    public func objective(on tape: Tape, parameters p: ParameterLeaves, batch: [Int]?) throws -> Var {
        let m = model, t1 = series.outputs.rows
        let dx = m.latentDimension, dy = m.outputDimension, dc = m.controlDimension, din = m.inputDimension
        let mz = m.inducingCount, s = trajectories
        let start = batch?.first ?? 0
        let length = batch == nil ? t1 : window
        var generator = SeededGenerator(seed: noiseSeed(start: start))
        func noise(_ rows: Int, _ cols: Int) -> Var {
            tape.leaf(Matrix(rows: rows, cols: cols, storage: (0..<(rows * cols)).map { _ in generator.normal() }))
        }
        // Per latent dimension: chol K_d(Z, Z), q(w⁽ᵈ⁾)'s mean and square root.
        let z = p["inducing.inputs"], w = reshaped(p["inducing.whitened"], rows: mz, cols: dx)
        let packedCount = mz * (mz + 1) / 2
        var factors: [Var] = [], means: [Var] = [], roots: [Var] = []
        var total = tape.constant(0)
        for d in 0..<dx {
            let kp = p.scoped("transition.\(d)")
            factors.append(try cholesky(m.transitions[d].gram(inputs: z, dimension: din, on: kp), policy: m.jitter, isLatentPrior: true))
            means.append(selectingColumn(w, d))
            let root = lowerTriangular(packed: selectingRows(p["q.sqrt"], Array((d * packedCount)..<((d + 1) * packedCount))), size: mz)
            roots.append(root)
            // KL[N(m, L Lᵀ) ‖ N(0, I)] = ½(‖L‖²_F + ‖m‖² − M − log|L Lᵀ|).
            total = total - 0.5 * (sumOfSquares(root) + sumOfSquares(means[d]) - tape.constant(Double(mz)) - logDiagonalSquares(root))
        }
        // x_{t₀} ~ q(x_{t₀}), S rows.
        let startRow = reshaped(selectingRows(reshaped(p["start.mean"], rows: t1, cols: dx), [start]), rows: dx, cols: 1)
        let ones = tape.leaf(Matrix(rows: s, cols: 1, repeating: 1))
        let sd = reshaped(squareRoot(p["start.variance"]), rows: 1, cols: dx)
        var x = matmul(ones, startRow, .none, .transposed) + hadamard(matmul(ones, sd), noise(s, dx))
        if start == 0 {
            // KL[N(s₀, diag σ²_s) ‖ N(μ₀, diag Σ₀)] = ½ Σ [σ²/Σ₀ + (s₀ − μ₀)²/Σ₀ − 1 − log(σ²/Σ₀)].
            let ratio = hadamard(p["start.variance"], reciprocal(p["initial.variance"]))
            let diff = startRow - p["initial.mean"]
            total = total - 0.5 * (sum(ratio) + sum(hadamard(hadamard(diff, diff), reciprocal(p["initial.variance"])))
                                   - tape.constant(Double(dx)) - sum(log(ratio)))
        }
        let cm = reshaped(p["emission.matrix"], rows: dy, cols: dx)
        let offset = matmul(ones, p["emission.offset"], .none, .transposed)
        let qsd = reshaped(squareRoot(p["process.variance"]), rows: 1, cols: dx)
        var likelihood = tape.constant(0)
        for t in start..<(start + length) {
            if t > start {
                let c = Matrix(rows: s, cols: dc, storage: (0..<dc).flatMap { j in [Double](repeating: series.controls[t - 1, j], count: s) })
                let inputs = dc == 0 ? x : concatenatingColumns([x, tape.leaf(c)])
                var columns: [Var] = []
                let eps = noise(s, dx)
                for d in 0..<dx {
                    let kp = p.scoped("transition.\(d)"), kernel = m.transitions[d]
                    let kzx = kernel.cross(inputs: z, inputs: inputs, dimension: din, on: kp)
                    let moments = whitenedMarginals(cholesky: factors[d], crossCovariance: kzx, mean: means[d], sqrt: roots[d])
                    let variance = kernel.diagonal(inputs: inputs, dimension: din, on: kp) + selectingColumn(moments, 1)
                    let f = selectingColumn(moments, 0) + hadamard(flooredSquareRoot(variance), selectingColumn(eps, d))
                    columns.append(m.meanFunction == .identity ? selectingColumn(x, d) + f : f)
                }
                x = concatenatingColumns(columns) + hadamard(matmul(ones, qsd), noise(s, dx))
            }
            let yt = tape.leaf(Matrix(rows: s, cols: dy, storage: (0..<dy).flatMap { j in [Double](repeating: series.outputs[t, j], count: s) }))
            likelihood = likelihood + diagonalGaussianLogDensity(residual: yt - matmul(x, cm, .none, .transposed) - offset,
                                                                 variances: p["emission.variance"])
        }
        return total + (Double(t1) / Double(length * s)) * likelihood
    }

    /// A seed from the window start and the bits of the current parameter values (FNV-1a).
    private func noiseSeed(start: Int) -> UInt64 {
        if let fixedNoise { return fixedNoise ^ UInt64(start) }
        var h: UInt64 = 0xcbf29ce484222325 ^ UInt64(start)
        for p in parameters { for v in p.value { h = (h ^ v.bitPattern) &* 0x100000001b3 } }
        return h
    }
}

/// √max(v, 10⁻¹²) elementwise (a marginal variance that rounding pushed to or below zero).
func flooredSquareRoot(_ a: Var) -> Var {
    elementwise(a, { max($0, 1e-12).squareRoot() }, derivative: { $0 > 1e-12 ? 0.5 / $0.squareRoot() : 0 })
}
