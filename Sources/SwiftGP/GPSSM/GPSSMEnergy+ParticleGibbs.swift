import GPLinearAlgebra

extension GPSSMEnergy {
    /// The particle-Gibbs update (`Updater.particleGibbs`; docs/methods/gpssm.md#particle-gibbs): a blocked Gibbs
    /// sweep. w is drawn from its exact conditional given the current trajectory (the Gaussian q(w | x) of the
    /// collapsed form), unless the group leaves `inducing.whitened` out of a free-form energy (then the current
    /// w is used); then the trajectory is drawn by conditional SMC with ancestor sampling
    /// (`ConditionalSMC`), the current trajectory as the reference. In the free form with `inducing.whitened`
    /// in the group the drawn w is kept, so the engine records both.
    /// - Throws: `TrainingError.unsupportedUpdate` for another update or parameters; `TrainingError.invalidGroups`
    ///   for fewer than two particles; numerical failures of K(Z, Z) or q(w | x).
    /// - Complexity: O(T N D M (M + D + D_c) + D (T M² + M³)) for N particles.
    public mutating func update(_ update: ClosedFormUpdate, parameters names: [String], batch: [Int]?) throws {
        guard case let .particleGibbs(particles, seed) = update, names.contains("states"),
              Set(names).isSubset(of: ["states", "inducing.whitened"]) else {
            throw TrainingError.unsupportedUpdate(updater: "\(update) of \(names)", objective: "the GPSSM energy")
        }
        guard particles >= 2 else { throw TrainingError.invalidGroups("particle Gibbs needs at least 2 particles, got \(particles)") }
        var generator = SeededGenerator(seed: seed)
        let transition = try GPSSMTransition(model: model)
        let keepsW = form == .freeForm && !names.contains("inducing.whitened")
        let w = keepsW ? Matrix(rows: model.inducingCount, cols: model.latentDimension, storage: model.inducingValues.value)
            : try transition.whitenedGivenStates(trajectory, series: series, using: &generator)
        if form == .freeForm && !keepsW { model.inducingValues.value = w.storage }
        let smc = ConditionalSMC(transition: transition, whitened: w, series: series, particles: particles)
        states.value = smc.draw(reference: trajectory, using: &generator).storage
    }
}

/// Conditional SMC with ancestor sampling (Andrieu, Doucet & Holenstein 2010; Lindsten, Jordan & Schön 2014) for
/// the states of a GPSSM given whitened inducing values w (docs/methods/gpssm.md#particle-gibbs): a Markov kernel
/// that leaves p(x | w, y) of the augmented model invariant, x₀ ~ N(μ₀, Σ₀),
/// x_t ~ N(m(x_{t−1}) + a_tᵀw, diag(b_t + Q)), y_t ~ N(C x_t + d, diag R).
///
/// N − 1 particles are free and the last is the reference trajectory. Per step: multinomial resampling of the
/// free particles' ancestors by their weights, the reference's ancestor drawn ∝ w_j p(x*_t | x_{t−1}^j)
/// (ancestor sampling), the bootstrap proposal (the transition), weights N(y_t; C x_t + d, R). At the end one
/// particle is drawn by its weight and its ancestry traced back.
/// - Complexity: O(T N D M (M + D + D_c)) time, O(T N D) memory.
struct ConditionalSMC {
    let transition: GPSSMTransition
    let whitened: Matrix
    let series: GPSSMSeries
    let particles: Int

    func draw(reference: Matrix, using g: inout SeededGenerator) -> Matrix {
        let model = transition.model
        let t1 = series.outputs.rows, dx = model.latentDimension, dc = series.controlDimension, n = particles
        let mu0 = model.initialMean.value, s0 = model.initialVariance.value
        var xs = [Matrix](repeating: Matrix(rows: n, cols: dx), count: t1)
        var ancestors = [[Int]](repeating: [], count: t1)
        for i in 0..<(n - 1) { for j in 0..<dx { xs[0][i, j] = mu0[j] + s0[j].squareRoot() * g.normal() } }
        for j in 0..<dx { xs[0][n - 1, j] = reference[0, j] }
        var logWeights = emissionLogDensities(xs[0], step: 0)
        for t in 1..<t1 {
            var inputs = Matrix(rows: n, cols: dx + dc)
            for i in 0..<n {
                for j in 0..<dx { inputs[i, j] = xs[t - 1][i, j] }
                for j in 0..<dc { inputs[i, dx + j] = series.controls[t - 1, j] }
            }
            let (mean, variance) = transition.step(inputs, whitened: [whitened])
            var parents = Self.categorical(logWeights, count: n - 1, using: &g)
            // Ancestor sampling: the reference's parent ∝ w_j N(x*_t; mean_j, variance_j).
            var referenceWeights = logWeights
            for k in 0..<n {
                for j in 0..<dx {
                    let r = reference[t, j] - mean[k, j]
                    referenceWeights[k] -= 0.5 * (Math.log(variance[k, j]) + r * r / variance[k, j])
                }
            }
            parents += Self.categorical(referenceWeights, count: 1, using: &g)
            for i in 0..<(n - 1) {
                let a = parents[i]
                for j in 0..<dx { xs[t][i, j] = mean[a, j] + variance[a, j].squareRoot() * g.normal() }
            }
            for j in 0..<dx { xs[t][n - 1, j] = reference[t, j] }
            ancestors[t] = parents
            logWeights = emissionLogDensities(xs[t], step: t)
        }
        var k = Self.categorical(logWeights, count: 1, using: &g)[0]
        var path = Matrix(rows: t1, cols: dx)
        for t in stride(from: t1 - 1, through: 0, by: -1) {
            for j in 0..<dx { path[t, j] = xs[t][k, j] }
            if t > 0 { k = ancestors[t][k] }
        }
        return path
    }

    /// log N(y_t; C x + d, diag R) (without the constant) for every particle row of `x`.
    private func emissionLogDensities(_ x: Matrix, step t: Int) -> [Double] {
        let model = transition.model
        let cm = model.c, d = model.emissionOffset.value, r = model.emissionVariance.value
        return (0..<x.rows).map { i in
            var s = 0.0
            for o in 0..<model.outputDimension {
                var f = d[o]
                for j in 0..<model.latentDimension { f += cm[o, j] * x[i, j] }
                let e = series.outputs[t, o] - f
                s -= 0.5 * e * e / r[o]
            }
            return s
        }
    }

    /// `count` independent draws of an index with probabilities ∝ exp(logWeights) (inverse CDF, binary search).
    static func categorical(_ logWeights: [Double], count: Int, using g: inout SeededGenerator) -> [Int] {
        let top = logWeights.max() ?? 0
        var cumulative = [Double](), total = 0.0
        cumulative.reserveCapacity(logWeights.count)
        for lw in logWeights {
            total += Math.exp(lw - top)
            cumulative.append(total)
        }
        return (0..<count).map { _ in
            let u = g.uniform() * total
            var lo = 0, hi = cumulative.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if cumulative[mid] < u { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }
}
