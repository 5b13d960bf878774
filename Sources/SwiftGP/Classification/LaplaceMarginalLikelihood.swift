import GPLinearAlgebra

/// The Laplace approximation's log marginal likelihood (Rasmussen & Williams 2006, alg. 3.1, 3.2, 5.1;
/// scikit-learn's `GaussianProcessClassifier` objective) as an engine objective over the kernel
/// (docs/methods/classification.md#laplace):
///
///     log q(y | θ) = −½ âᵀ f̂ + Σₙ log p(yₙ | f̂ₙ) − ½ log |B|,   f̂ = K â the mode, B = I + W½ K W½, W = −∇² log p(y | f̂).
///
/// Newton's step is the mean of the `SitePosterior` with sites τ̃ = W, ν̃ = W f + ∇log p (halved while ψ
/// falls); it stops when ψ(f) = −½ aᵀ f + Σ log p changes by less than `newtonTolerance`.
/// The gradient (alg. 5.1, implicit dependence of f̂ included) needs ∂³ log p; as one kernel VJP:
/// K̄ = ½ ââᵀ − ½ P + sym((I − P K) s₂ âᵀ), P = W½ B⁻¹ W½, s₂ = ∂(−½ log|B|)/∂f̂ = ½ diag(Σ) ∘ ∂³ log p
/// (R&W write −½ diag(Σ) ∘ ∂³ log p with the logistic's ∂³ taken as π(1 − π)(1 − 2π), its negative; so does scikit-learn)
/// (`SitePosterior.gramAdjoint` with m̄ = s₂).
/// - Complexity: O(n³) per Newton step and per evaluation's gradient, O(n²) memory.
public struct LaplaceMarginalLikelihood: Objective, Sendable {
    public var kernel: any Kernel
    public let likelihood: any ScalarLikelihood
    public let x: Matrix
    public let y: [Double]
    public let jitter: JitterPolicy
    public var newtonTolerance = 1e-10
    public var maxNewtonIterations = 100

    /// The inputs' scales and the likelihood's latent scale, for the start screen (`DataSummary(x:y:latentOf:)`).
    public var dataSummary: DataSummary? { DataSummary(x: x, y: y, latentOf: likelihood) }

    public init(kernel: any Kernel, likelihood: any ScalarLikelihood, x: Matrix, y: [Double], jitter: JitterPolicy = .standard) {
        precondition(x.rows == y.count, "\(x.rows) input rows but \(y.count) targets")
        self.kernel = kernel
        self.likelihood = likelihood
        self.x = x
        self.y = y
        self.jitter = jitter
    }

    /// `kernel.*`.
    public var parameters: [Parameter] {
        get { kernel.parameters.map { $0.prefixed("kernel") } }
        set { kernel.parameters = newValue }
    }

    /// The Laplace sites at f: τ̃ = W = −∂² log p (clamped at 0), ν̃ = W f + ∂ log p; and Σ log p.
    func sites(at f: [Double]) -> (sites: GaussianSites, logLikelihood: Double) {
        var s = GaussianSites(count: y.count, dimension: 1)
        var total = 0.0
        for n in y.indices {
            let l = likelihood.logDensityAndCurvature(y[n], f[n])
            let w = max(0, -l.d2f)
            s.second[n] = w
            s.first[n] = w * f[n] + l.df
            total += l.value
        }
        return (s, total)
    }

    /// The mode f̂ = K â by Newton's method from f = 0, and the posterior with the Laplace sites at f̂.
    /// - Throws: `LinearAlgebraError` when B cannot be factorised or ψ is not finite.
    public func mode(gram k: Matrix) throws -> (f: [Double], a: [Double], psi: Double, posterior: SitePosterior) {
        let n = y.count
        var f = [Double](repeating: 0, count: n), a = f
        var psi = sites(at: f).logLikelihood
        for _ in 0..<maxNewtonIterations {
            let s = sites(at: f).sites
            let step = try SitePosterior(kernel: kernel, x: x, sites: s, gram: k, policy: jitter, withVariances: false)
            // Newton's target (a, f) = (ϱ, m); halve the step while ψ falls.
            var t = 1.0
            var next: (f: [Double], a: [Double], psi: Double)? = nil
            while t >= 1.0 / 1024 {
                let ta = (0..<n).map { a[$0] + t * (step.rho[$0] - a[$0]) }
                let tf = (0..<n).map { f[$0] + t * (step.mean[$0] - f[$0]) }
                let tpsi = -0.5 * dot(ta, tf) + sites(at: tf).logLikelihood
                if tpsi.isFinite && tpsi >= psi - 1e-12 * max(1, abs(psi)) { next = (tf, ta, tpsi); break }
                t *= 0.5
            }
            guard let accepted = next else { break }
            let change = accepted.psi - psi
            (f, a, psi) = accepted
            if abs(change) < newtonTolerance { break }
        }
        guard psi.isFinite else { throw LinearAlgebraError.nonFinite(size: n) }
        let posterior = try SitePosterior(kernel: kernel, x: x, sites: sites(at: f).sites, gram: k, policy: jitter)
        return (f, a, psi, posterior)
    }

    /// The Laplace posterior at the current kernel.
    public func posterior() throws -> SitePosterior { try mode(gram: kernel.gram(x)).posterior }

    public func value(batch: [Int]?) throws -> Double {
        let m = try mode(gram: kernel.gram(x))
        return m.psi - 0.5 * m.posterior.factor.logDeterminant
    }

    /// - Throws: `TrainingError.invalidData` when the likelihood has no third derivative.
    public func evaluate(batch: [Int]?) throws -> Evaluation {
        let m = try mode(gram: kernel.gram(x))
        var third = [Double](repeating: 0, count: y.count)
        for n in y.indices {
            guard let d3 = likelihood.logDensityThirdDerivative(y[n], m.f[n]) else {
                throw TrainingError.invalidData("the \(likelihood.kind) likelihood offers no third derivative for the Laplace gradient")
            }
            third[n] = d3
        }
        let q = m.posterior
        let s2 = (0..<y.count).map { 0.5 * q.variance[$0] * third[$0] }
        let adjoint = q.gramAdjoint(meanAdjoint: s2, varianceAdjoint: [Double](repeating: 0, count: y.count))
        return Evaluation(value: m.psi - 0.5 * q.factor.logDeterminant,
                          gradient: splitGradient(kernel.gramGradient(x, adjoint: adjoint), kernel.parameters),
                          jitter: q.factor.jitter)
    }
}
