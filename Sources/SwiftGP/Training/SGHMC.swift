import GPLinearAlgebra

/// Settings of stochastic-gradient Hamiltonian Monte Carlo (Chen, Fox & Guestrin 2014) with the
/// scale-adapted preconditioner of Springenberg et al. (2016) (docs/methods/training.md#sghmc).
///
/// In the unconstrained space ξ, with U(ξ) = −log p(θ(ξ) | data) − log|dθ/dξ| and g = ∇U (a minibatch
/// estimate when the objective is stochastic), every iteration does
///
///     v ← v − ε² M⁻¹ g − α v + N(0, 2ε²α M⁻¹),     ξ ← ξ + v,
///
/// with M⁻¹ = 1/√V̂ per coordinate: SGHMC with learning rate η = ε²M⁻¹ and the gradient-noise estimate B̂
/// taken as 0 (for a Gaussian target with precision P the stationary variance is then 1/P to O(ηP), where
/// subtracting a further ε⁴ would shrink it by ηP/2α). During burn-in V̂ (a running mean of g²) and its window τ adapt:
/// r = 1/(τ+1), ḡ ← (1−r)ḡ + r g, V̂ ← (1−r)V̂ + r g², τ ← max(1, τ + 1 − τ ḡ²/V̂). After burn-in every
/// `thinning`-th state is kept as a sample.
/// - Complexity: O(p) per iteration beyond the gradient evaluation.
public struct SGHMC: Sendable {
    /// ε, the step size.
    public var stepSize: Double
    /// α ∈ (0, 1), the friction (momentum decay per iteration).
    public var friction: Double
    /// Iterations before samples are kept; the preconditioner adapts during them.
    public var burnIn: Int
    /// Keep every `thinning`-th state after burn-in.
    public var thinning: Int
    /// Adapt the preconditioner during burn-in (false: M = I).
    public var adaptsPreconditioner: Bool
    /// The starting V̂ of every coordinate, in squared units of ∇U; nil: the first gradient's square. A
    /// chain started at a mode (g ≈ 0) needs a value: there the first gradient would make M⁻¹ huge and the
    /// first step a jump. Springenberg et al. and FFVD start at 1 for the per-datum potential U/N, i.e. N².
    public var initialSecondMoment: Double?

    public init(stepSize: Double = 0.01, friction: Double = 0.05, burnIn: Int = 1000, thinning: Int = 10,
                adaptsPreconditioner: Bool = true, initialSecondMoment: Double? = nil) {
        self.stepSize = stepSize
        self.friction = friction
        self.burnIn = burnIn
        self.thinning = thinning
        self.adaptsPreconditioner = adaptsPreconditioner
        self.initialSecondMoment = initialSecondMoment
    }
}

/// Whether a sampling group keeps the state after `iteration` completed iterations: after `burnIn` of them, every
/// `thinning`-th (SGHMC and particle Gibbs alike).
func keepsSample(after iteration: Int, burnIn: Int, thinning: Int) -> Bool {
    iteration > burnIn && (iteration - burnIn) % max(1, thinning) == 0
}

/// The sampler's state over one vector ξ (velocity and the adapted preconditioner).
struct SGHMCState {
    let settings: SGHMC
    var velocity: [Double]
    var meanGradient: [Double]
    var meanSquare: [Double]
    var window: [Double]
    var iteration = 0

    init(settings: SGHMC, dimension: Int) {
        self.settings = settings
        velocity = [Double](repeating: 0, count: dimension)
        meanGradient = velocity
        meanSquare = [Double](repeating: 1, count: dimension)
        window = [Double](repeating: 1, count: dimension)
    }

    /// Whether the state after this many completed iterations is kept as a sample.
    var keepsCurrent: Bool { keepsSample(after: iteration, burnIn: settings.burnIn, thinning: settings.thinning) }

    /// One step from ξ with g = ∇U(ξ).
    mutating func step(_ xi: inout [Double], gradient g: [Double], using generator: inout SeededGenerator) {
        let eps = settings.stepSize, alpha = settings.friction
        let adapting = settings.adaptsPreconditioner && iteration < settings.burnIn
        if adapting && iteration == 0 {
            // Start the second-moment estimate at the given value, or at the first gradient so M⁻¹ begins on
            // the right scale.
            for i in xi.indices { meanSquare[i] = settings.initialSecondMoment ?? max(g[i] * g[i], 1e-16) }
        }
        for i in xi.indices {
            if adapting {
                let r = 1 / (window[i] + 1)
                meanGradient[i] = (1 - r) * meanGradient[i] + r * g[i]
                meanSquare[i] = (1 - r) * meanSquare[i] + r * g[i] * g[i]
                window[i] = max(1, window[i] + 1 - window[i] * meanGradient[i] * meanGradient[i] / max(meanSquare[i], 1e-300))
            }
            let minv = settings.adaptsPreconditioner ? 1 / (meanSquare[i] + 1e-16).squareRoot() : 1
            let noiseVariance = 2 * eps * eps * alpha * minv
            velocity[i] += -eps * eps * minv * g[i] - alpha * velocity[i] + noiseVariance.squareRoot() * generator.normal()
            xi[i] += velocity[i]
        }
        iteration += 1
    }
}

/// Draws kept by a sampler group: constrained values, one row per sample, columns named like
/// `ParameterVector.names` (`kernel.lengthscale[0]`, …).
/// - Complexity: O(samples × p) memory.
public struct ParameterSamples: Sendable, Codable, Equatable {
    public var names: [String]
    public var values: [[Double]]

    public init(names: [String], values: [[Double]] = []) {
        self.names = names
        self.values = values
    }

    public var count: Int { values.count }

    /// The sample mean of each column.
    public var mean: [Double] {
        guard !values.isEmpty else { return [] }
        var m = [Double](repeating: 0, count: names.count)
        for row in values { for j in row.indices { m[j] += row[j] / Double(values.count) } }
        return m
    }

    /// The sample covariance (divisor n − 1), row-major p × p.
    public var covariance: [[Double]] {
        let p = names.count, n = values.count, m = mean
        var c = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        guard n > 1 else { return c }
        for row in values {
            for i in 0..<p { for j in 0..<p { c[i][j] += (row[i] - m[i]) * (row[j] - m[j]) / Double(n - 1) } }
        }
        return c
    }
}
