import GPLinearAlgebra

/// log Z_sites(θ) = log ∫ p_θ(f) Πₖ t_k(f_k) df for fixed scalar Gaussian sites t_k(f) = exp(j_k f − ½𝒥_k f²),
/// as a trainable objective over the kernel's parameters: the M-step of variational EM for CVI
/// (Chang et al. 2020; docs/methods/state-space.md#cvi-hyperparameters).
///
/// Writing t_k(f) = exp(j_k²/2𝒥_k) √(2π/𝒥_k) N(ỹ_k; f, 1/𝒥_k) with ỹ_k = j_k/𝒥_k,
///
///     log Z_sites(θ) = log p_θ(ỹ | R_k = 1/𝒥_k) + Σₖ [j_k²/(2𝒥_k) + ½ log(2π/𝒥_k)],
///
/// a Kalman log-likelihood with per-step noise (sites with 𝒥_k = 0 carry nothing). At a CVI fixed point
/// ∂ELBO/∂θ = ∂log Z_sites/∂θ: the ELBO's other terms E_q[log p] − E_q[log t] have zero derivative in
/// q's marginals there, because the sites match the likelihood's gradients. So maximising this with the
/// sites frozen, then re-running CVI, ascends the ELBO.
/// - Complexity: O(T d³) value and gradient.
public struct SiteMarginalLikelihood: TapeObjective, Sendable {
    public var kernel: any StateSpaceKernel
    /// Sorted times.
    public let times: [Double]
    public let sites: GaussianSites
    let pseudo: [Double]
    let noise: [Double]
    let constant: Double

    public init(kernel: any StateSpaceKernel, times: [Double], sites: GaussianSites) {
        precondition(sites.dimension == 1 && sites.count == times.count, "one scalar site per time")
        for k in 1..<max(1, times.count) { precondition(times[k] >= times[k - 1], "times must be sorted") }
        self.kernel = kernel
        self.times = times
        self.sites = sites
        var pseudo = [Double](repeating: .nan, count: times.count)
        var noise = [Double](repeating: 1, count: times.count)
        var c = 0.0
        for k in times.indices where sites.second[k] > 0 {
            let j = sites.first[k], jj = sites.second[k]
            pseudo[k] = j / jj
            noise[k] = 1 / jj
            c += j * j / (2 * jj) + 0.5 * Math.log(2 * Double.pi / jj)
        }
        self.pseudo = pseudo
        self.noise = noise
        self.constant = c
    }

    /// `kernel.*`.
    public var parameters: [Parameter] {
        get { kernel.parameters.map { $0.prefixed("kernel") } }
        set { kernel.parameters = newValue }
    }

    public func objective(on tape: Tape, parameters p: ParameterLeaves, batch: [Int]?) throws -> Var {
        let value = kalmanLogLikelihood(kernel: kernel, times: times, residual: tape.leaf(pseudo),
                                        kernelParameters: p.scoped("kernel"), noiseVariances: noise)
        guard value.scalar.isFinite else { throw LinearAlgebraError.nonFinite(size: times.count) }
        return value + tape.constant(constant)
    }
}
