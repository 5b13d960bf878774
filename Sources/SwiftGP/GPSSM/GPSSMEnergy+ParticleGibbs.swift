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
        let t1 = series.outputs.rows, dx = model.latentDimension, n = particles
        var xs = [Matrix](repeating: Matrix(rows: n, cols: dx), count: t1)
        var ancestors = [[Int]](repeating: [], count: t1)
        let free = model.drawInitialStates(n - 1, using: &g)
        for i in 0..<(n - 1) { for j in 0..<dx { xs[0][i, j] = free[i, j] } }
        for j in 0..<dx { xs[0][n - 1, j] = reference[0, j] }
        var logWeights = emissionLogWeights(xs[0], step: 0)
        for t in 1..<t1 {
            let (mean, variance) = transition.step(states: xs[t - 1], control: series.controls.row(t - 1), whitened: [whitened])
            var parents = ParticleWeights(logWeights: logWeights).multinomial(count: n - 1, using: &g)
            // Ancestor sampling: the reference's parent ∝ w_j N(x*_t; mean_j, variance_j).
            var referenceWeights = logWeights
            for k in 0..<n {
                for j in 0..<dx {
                    let r = reference[t, j] - mean[k, j]
                    referenceWeights[k] -= 0.5 * (Math.log(variance[k, j]) + r * r / variance[k, j])
                }
            }
            parents += ParticleWeights(logWeights: referenceWeights).multinomial(count: 1, using: &g)
            for i in 0..<(n - 1) {
                let a = parents[i]
                for j in 0..<dx { xs[t][i, j] = mean[a, j] + variance[a, j].squareRoot() * g.normal() }
            }
            for j in 0..<dx { xs[t][n - 1, j] = reference[t, j] }
            ancestors[t] = parents
            logWeights = emissionLogWeights(xs[t], step: t)
        }
        var k = ParticleWeights(logWeights: logWeights).multinomial(count: 1, using: &g)[0]
        var path = Matrix(rows: t1, cols: dx)
        for t in stride(from: t1 - 1, through: 0, by: -1) {
            for j in 0..<dx { path[t, j] = xs[t][k, j] }
            if t > 0 { k = ancestors[t][k] }
        }
        return path
    }

    /// The particles' log weights at step t: log N(y_t; C x + d, diag R) without its constant.
    private func emissionLogWeights(_ x: Matrix, step t: Int) -> [Double] {
        transition.model.emissionLogWeights(transition.model.emissionMeans(x), observed: series.outputs.row(t))
    }
}
