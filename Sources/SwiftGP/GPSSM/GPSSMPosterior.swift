import GPLinearAlgebra

/// The posterior of a trained GPSSM as draws (kept SGHMC draws, or draws from the Gaussian baseline) (docs/methods/gpssm.md#prediction): one
/// trajectory x₀…x_T per draw and its whitened inducing values (sampled in the free form; drawn from
/// q(w | x) in the collapsed form, seeded by the draw's index), with the trained model.
/// - Complexity: O(S T D) memory for S draws.
public struct GPSSMPosterior: Sendable {
    public var model: GPSSM
    public let series: GPSSMSeries
    public var method: GPSSMMethod
    /// Kept trajectories, each (T+1) × D.
    public var trajectories: [Matrix]
    /// Whitened inducing values per draw, each M × D.
    public var whitened: [Matrix]

    /// From stored draws (a saved model).
    /// - Throws: `TrainingError.invalidData` when there are no draws or their shapes do not fit.
    public init(model: GPSSM, series: GPSSMSeries, method: GPSSMMethod, trajectories: [Matrix], whitened: [Matrix]) throws {
        guard !trajectories.isEmpty, trajectories.count == whitened.count else {
            throw TrainingError.invalidData("a GPSSM posterior needs the same positive number of trajectories and inducing draws")
        }
        for x in trajectories where x.rows != series.outputs.rows || x.cols != model.latentDimension {
            throw TrainingError.invalidData("a trajectory is \(x.rows) × \(x.cols), expected \(series.outputs.rows) × \(model.latentDimension)")
        }
        for w in whitened where w.rows != model.inducingCount || w.cols != model.latentDimension {
            throw TrainingError.invalidData("an inducing draw is \(w.rows) × \(w.cols), expected \(model.inducingCount) × \(model.latentDimension)")
        }
        self.model = model
        self.series = series
        self.method = method
        self.trajectories = trajectories
        self.whitened = whitened
    }

    /// From the engine's kept samples (columns: `inducing.whitened` then `states` in the free form, `states`
    /// alone in the collapsed form).
    init(model: GPSSM, series: GPSSMSeries, form: GPSSMEnergy.Form, samples: ParameterSamples) throws {
        let t1 = series.outputs.rows, dx = model.latentDimension, mw = model.inducingCount * dx
        let transition = try GPSSMTransition(model: model)
        var xs: [Matrix] = [], ws: [Matrix] = []
        for (s, row) in samples.values.enumerated() {
            let offset = form == .freeForm ? mw : 0
            let x = Matrix(rows: t1, cols: dx, storage: Array(row[offset..<(offset + t1 * dx)]))
            xs.append(x)
            if form == .freeForm {
                ws.append(Matrix(rows: model.inducingCount, cols: dx, storage: Array(row[0..<mw])))
            } else {
                var g = SeededGenerator(seed: UInt64(s) &+ 0x5eed)
                ws.append(try transition.whitenedGivenStates(x, series: series, using: &g))
            }
        }
        try self.init(model: model, series: series, method: form == .freeForm ? .freeForm : .collapsed, trajectories: xs, whitened: ws)
    }

    /// Free simulation from the end of the series: every draw's x_T and w start `pathsPerDraw` paths
    /// x_{t+1} = m(x_t) + a_tᵀw + √(b_t + Q) ε over `steps` steps, with controls c_T (the series' last) and
    /// then the rows of `futureControls` (u_{T+1}…; its last row would drive a step beyond the horizon and is
    /// not read). Outputs are C x_t + d.
    /// - Throws: `TrainingError.invalidData` when the controls do not cover the horizon or have the wrong width, or
    ///   `pathsPerDraw` < 1.
    /// - Complexity: O(steps × S × pathsPerDraw × D M (M + D + D_c)).
    public func freeRun(steps h: Int, futureControls: Matrix? = nil, pathsPerDraw: Int = 1, seed: UInt64 = 0) throws -> GPSSMForecast {
        let dc = model.controlDimension
        guard h >= 1 else { throw TrainingError.invalidData("the horizon must be at least one step, got \(h)") }
        guard pathsPerDraw >= 1 else { throw TrainingError.invalidData("need at least one path per draw, got \(pathsPerDraw)") }
        let future = futureControls ?? Matrix(rows: h, cols: dc)
        guard future.cols == dc, dc == 0 || future.rows >= h - 1 else {
            throw TrainingError.invalidData("free simulation over \(h) steps needs \(h - 1) future control rows of width \(dc), got \(future.rows) × \(future.cols)")
        }
        let transition = try GPSSMTransition(model: model)
        let dx = model.latentDimension
        var state = Matrix(rows: pathsPerDraw * trajectories.count, cols: dx)
        for (s, x) in trajectories.enumerated() {
            for r in 0..<pathsPerDraw { for j in 0..<dx { state[s * pathsPerDraw + r, j] = x[x.rows - 1, j] } }
        }
        var g = SeededGenerator(seed: seed)
        var paths = [Matrix](repeating: Matrix(rows: h, cols: model.outputDimension), count: state.rows)
        for t in 0..<h {
            let control = t == 0 ? series.controls.row(series.outputs.rows - 1) : (dc == 0 ? [] : future.row(t - 1))
            advance(&state, draws: pathsPerDraw, control: control, transition: transition, using: &g)
            record(state, step: t, into: &paths)
        }
        return GPSSMForecast(paths: paths, noiseVariance: model.emissionVariance.value)
    }

    /// Free simulation of a NEW series driven by `controls` (H × D_c; row t drives x_t → x_{t+1}, so the last
    /// row is not read): every draw starts `pathsPerDraw` paths at x₀ ~ N(μ₀, diag Σ₀) and its w; the outputs
    /// C x_t + d, t = 0…H−1 (plus R in the forecast's variance).
    /// - Throws: `TrainingError.invalidData` for controls of the wrong width, no rows, or `pathsPerDraw` < 1.
    /// - Complexity: O(H × S × pathsPerDraw × D M (M + D + D_c)).
    public func freeRun(newSeriesControls controls: Matrix, pathsPerDraw: Int = 1, seed: UInt64 = 0) throws -> GPSSMForecast {
        try checkNewSeries(controls, count: pathsPerDraw, of: "paths per draw")
        let transition = try GPSSMTransition(model: model)
        var g = SeededGenerator(seed: seed)
        var state = model.drawInitialStates(pathsPerDraw * trajectories.count, using: &g)
        var paths = [Matrix](repeating: Matrix(rows: controls.rows, cols: model.outputDimension), count: state.rows)
        for t in 0..<controls.rows {
            if t > 0 { advance(&state, draws: pathsPerDraw, control: controls.row(t - 1), transition: transition, using: &g) }
            record(state, step: t, into: &paths)
        }
        return GPSSMForecast(paths: paths, noiseVariance: model.emissionVariance.value)
    }

    /// One-step-ahead prediction of a NEW series by a bootstrap particle filter per draw (docs/methods/gpssm.md#prediction):
    /// `particles` states start at x₀ ~ N(μ₀, diag Σ₀); at step t the prediction of y_t is the particles' outputs
    /// C x_t + d (moment matched, plus R), then the particles are weighted by N(y_t; C x_t + d, diag R), resampled
    /// (systematic) and moved through the transition with control row t. A row whose outputs are not all finite
    /// (a missing value) is predicted and not used. Draws are mixed with equal weight.
    /// - Throws: `TrainingError.invalidData` for shapes that do not fit the model, no rows, or `particles` < 1.
    /// - Complexity: O(T × S × particles × D M (M + D + D_c)).
    public func filteredOneStepAhead(outputs y: Matrix, controls: Matrix, particles: Int = 200, seed: UInt64 = 0) throws -> GPSSMForecast {
        try checkNewSeries(controls, count: particles, of: "particles")
        let dy = model.outputDimension
        guard y.rows == controls.rows, y.cols == dy else {
            throw TrainingError.invalidData("outputs are \(y.rows) × \(y.cols), expected \(controls.rows) × \(dy)")
        }
        let transition = try GPSSMTransition(model: model)
        let r = model.emissionVariance.value
        var g = SeededGenerator(seed: seed)
        var means: [Matrix] = [], variances: [Matrix] = []
        for draw in 0..<trajectories.count {
            let mine = GPSSMPosterior.single(self, draw: draw)
            var state = model.drawInitialStates(particles, using: &g)
            var mean = Matrix(rows: y.rows, cols: dy), variance = Matrix(rows: y.rows, cols: dy)
            for t in 0..<y.rows {
                if t > 0 { mine.advance(&state, draws: particles, control: controls.row(t - 1), transition: transition, using: &g) }
                let outputs = model.emissionMeans(state)
                let p = Double(particles)
                for o in 0..<dy {
                    let column = outputs.column(o)
                    let m = column.reduce(0, +) / p
                    mean[t, o] = m
                    variance[t, o] = column.reduce(0) { $0 + ($1 - m) * ($1 - m) } / p + r[o]
                }
                let observed = y.row(t)
                guard observed.allSatisfy(\.isFinite) else { continue }
                let logWeights = model.emissionLogWeights(outputs, observed: observed)
                state = state.selectingRows(ParticleWeights(logWeights: logWeights).systematic(using: &g))
            }
            means.append(mean)
            variances.append(variance)
        }
        return GPSSMForecast(means: means, variances: variances)
    }

    /// The posterior restricted to one draw.
    private static func single(_ p: GPSSMPosterior, draw: Int) -> GPSSMPosterior {
        var q = p
        q.trajectories = [p.trajectories[draw]]
        q.whitened = [p.whitened[draw]]
        return q
    }

    private func checkNewSeries(_ controls: Matrix, count: Int, of what: String) throws {
        guard count >= 1 else { throw TrainingError.invalidData("need at least one of the \(what), got \(count)") }
        guard controls.rows >= 1 else { throw TrainingError.invalidData("a new series needs at least one row") }
        guard controls.cols == model.controlDimension else {
            throw TrainingError.invalidData("controls have \(controls.cols) columns, the model was trained with \(model.controlDimension)")
        }
        if let i = controls.storage.firstIndex(where: { !$0.isFinite }) {
            throw TrainingError.invalidData("control at row \(i % controls.rows), column \(i / controls.rows) is not finite")
        }
    }

    /// x ← m(x) + aᵀw + √(b + Q) ε for every row, with control `control`; rows s·perDraw …< (s+1)·perDraw use
    /// draw s's whitened values.
    private func advance(_ state: inout Matrix, draws perDraw: Int, control: [Double], transition: GPSSMTransition,
                         using g: inout SeededGenerator) {
        let dx = model.latentDimension
        let ws = (0..<state.rows).map { whitened[$0 / perDraw] }
        let (mean, variance) = transition.step(states: state, control: control, whitened: ws)
        for i in 0..<state.rows { for j in 0..<dx { state[i, j] = mean[i, j] + variance[i, j].squareRoot() * g.normal() } }
    }

    /// Writes C x + d of every row of `state` into row `t` of its path.
    private func record(_ state: Matrix, step t: Int, into paths: inout [Matrix]) {
        let outputs = model.emissionMeans(state)
        for i in 0..<state.rows { for o in 0..<model.outputDimension { paths[i][t, o] = outputs[i, o] } }
    }

    /// The learned transition m(x̃) + f(x̃) at the rows of `inputs` (n × (D + D_c)), mixed over the draws by
    /// moment matching: mean and variance (of f, without Q) per row and latent dimension.
    /// - Throws: `TrainingError.invalidData` for inputs of the wrong width; `LinearAlgebraError` if K(Z, Z) fails.
    /// - Complexity: O(S n D M (M + D + D_c)).
    public func transition(at inputs: Matrix) throws -> (mean: Matrix, variance: Matrix) {
        guard inputs.cols == model.inputDimension else {
            throw TrainingError.invalidData("transition inputs need \(model.inputDimension) columns, got \(inputs.cols)")
        }
        let transition = try GPSSMTransition(model: model)
        let q = model.processVariance.value
        var means: [Matrix] = [], variances: [Matrix] = []
        for w in whitened {
            let (m, v) = transition.step(inputs, whitened: [w])
            means.append(m)
            variances.append(Matrix(rows: v.rows, cols: v.cols, storage: (0..<v.count).map { v.storage[$0] - q[$0 / v.rows] }))
        }
        let mixed = GPSSMForecast(means: means, variances: variances)
        return (mixed.mean, mixed.variance)
    }

    /// One-step-ahead prediction of y_t, t = 1…T, from each draw's x_{t−1}: mean C(m(x_{t−1}) + aᵀw) + d and
    /// variance Σ_d C²_jd (b_d + Q_d) + R_j, mixed over draws by moment matching.
    /// - Complexity: O(S T D M (M + D + D_c)).
    public func oneStepAhead() throws -> GPSSMForecast {
        let transition = try GPSSMTransition(model: model)
        let n = series.steps, dy = model.outputDimension, dx = model.latentDimension
        let cm = model.c, offset = model.emissionOffset.value, r = model.emissionVariance.value
        var means: [Matrix] = [], variances: [Matrix] = []
        for (x, w) in zip(trajectories, whitened) {
            let inputs = GPSSMTransition.inputs(states: x, controls: series.controls, count: n)
            let (m, v) = transition.step(inputs, whitened: [w])
            var ym = Matrix(rows: n, cols: dy), yv = Matrix(rows: n, cols: dy)
            for t in 0..<n {
                for o in 0..<dy {
                    var mu = offset[o], s2 = r[o]
                    for j in 0..<dx { mu += cm[o, j] * m[t, j]; s2 += cm[o, j] * cm[o, j] * v[t, j] }
                    ym[t, o] = mu
                    yv[t, o] = s2
                }
            }
            means.append(ym)
            variances.append(yv)
        }
        return GPSSMForecast(means: means, variances: variances)
    }
}

/// How a GPSSM posterior was inferred.
public enum GPSSMMethod: String, Sendable, Codable, CaseIterable {
    /// FFVD: SGHMC over trajectories and whitened inducing values.
    case freeForm = "free-form"
    /// FFVD with w marginalised: SGHMC over trajectories, w drawn from q(w | x).
    case collapsed
    /// The PR-SSM baseline: Gaussian q(w), trajectories sampled forward.
    case gaussianVI = "gaussian-vi"
    /// FFVD with particle Gibbs: w from q(w | x), trajectories by conditional SMC (collapsed form).
    case particleGibbs = "particle-gibbs"
}

/// Predictive summaries of GPSSM outputs over a horizon (docs/methods/gpssm.md#prediction): per step and
/// output, the mean and the moment-matched variance of a mixture of Gaussian components (sampled paths with
/// the observation noise R, or one-step Gaussians).
/// - Complexity: O(S H D_y) to build.
public struct GPSSMForecast: Sendable {
    /// H × D_y.
    public let mean: Matrix
    /// H × D_y: across-component variance of the means plus the mean component variance.
    public let variance: Matrix
    /// The component means (sampled noiseless output paths for a free run), each H × D_y.
    public let components: [Matrix]

    /// From sampled noiseless output paths with observation noise variances R (one per output).
    init(paths: [Matrix], noiseVariance r: [Double]) {
        self.init(means: paths, variances: paths.map { p in
            Matrix(rows: p.rows, cols: p.cols, storage: (0..<p.count).map { r[$0 / p.rows] })
        })
    }

    /// From Gaussian components (means and variances, each H × D_y), moment matched.
    init(means: [Matrix], variances: [Matrix]) {
        let s = Double(means.count), rows = means[0].rows, cols = means[0].cols
        var mean = Matrix(rows: rows, cols: cols), second = Matrix(rows: rows, cols: cols)
        for (m, v) in zip(means, variances) {
            for i in 0..<m.count {
                mean.storage[i] += m.storage[i] / s
                second.storage[i] += (v.storage[i] + m.storage[i] * m.storage[i]) / s
            }
        }
        self.mean = mean
        variance = Matrix(rows: rows, cols: cols, storage: (0..<mean.count).map {
            max(second.storage[$0] - mean.storage[$0] * mean.storage[$0], 1e-300)
        })
        components = means
    }

    /// The number of steps H.
    public var steps: Int { mean.rows }

    /// √(mean of (y − ȳ)²) over the first `horizon` steps and all outputs; `scale` multiplies each output's
    /// error (back to original units).
    /// - Throws: `TrainingError.invalidData` when y does not cover the horizon or `scale` has the wrong length.
    public func rmse(_ y: Matrix, horizon: Int? = nil, scale: [Double]? = nil) throws -> Double {
        let h = try checkedHorizon(y, horizon)
        if let scale, scale.count != y.cols {
            throw TrainingError.invalidData("\(scale.count) scales for \(y.cols) outputs")
        }
        var s = 0.0
        for o in 0..<y.cols {
            let k = scale?[o] ?? 1
            for t in 0..<h { let e = k * (y[t, o] - mean[t, o]); s += e * e }
        }
        return (s / Double(h * y.cols)).squareRoot()
    }

    /// Mean negative log predictive density of y under the moment-matched Gaussians N(ȳ_t, s²_t), per step and
    /// output, over the first `horizon` steps (standardised units).
    /// - Throws: `TrainingError.invalidData` when y does not cover the horizon.
    public func meanNegativeLogLikelihood(_ y: Matrix, horizon: Int? = nil) throws -> Double {
        let h = try checkedHorizon(y, horizon)
        var s = 0.0
        for o in 0..<y.cols {
            for t in 0..<h {
                let v = variance[t, o], e = y[t, o] - mean[t, o]
                s += 0.5 * (Math.logTwoPi + Math.log(v) + e * e / v)
            }
        }
        return s / Double(h * y.cols)
    }

    private func checkedHorizon(_ y: Matrix, _ horizon: Int?) throws -> Int {
        let h = horizon ?? steps
        guard y.cols == mean.cols, h >= 1, h <= steps, y.rows >= h else {
            throw TrainingError.invalidData("targets \(y.rows) × \(y.cols) do not cover \(h) steps of \(mean.cols) outputs")
        }
        return h
    }
}
