import GPLinearAlgebra

/// What the hyperparameters maximise once the sites are frozen (docs/methods/classification.md#objectives):
/// both are log Z_sites(θ) + Σₙ hₙ(mₙ, vₙ) over the posterior marginals of `SitePosterior`.
///
/// - `elbo`: hₙ = E_q[log p(yₙ | fₙ)] − E_q[log tₙ(fₙ)], E_q[log tₙ] = ν̃ₙ mₙ − ½ τ̃ₙ (mₙ² + vₙ): the ELBO of q (a
///   lower bound for any sites; its gradient equals the variational one at a CVI fixed point).
/// - `epLike`: hₙ = log ∫ p(yₙ | f) N(f; μ₋ₙ, s²₋ₙ) df − log ∫ tₙ(f) N(f; μ₋ₙ, s²₋ₙ) df with the cavity
///   τ₋ₙ = 1/vₙ − τ̃ₙ = 1/s²₋ₙ, ν₋ₙ = mₙ/vₙ − ν̃ₙ = μ₋ₙ/s²₋ₙ: the EP marginal-likelihood estimate at the sites
///   (Li, John & Solin 2023).
public enum SiteEnergy: String, Sendable, Codable, CaseIterable {
    case elbo
    case epLike = "ep-like"

    /// Σₙ hₙ and its adjoints ∂/∂mₙ, ∂/∂vₙ, ∂/∂rₙ, where (mₙ, vₙ) are q's marginals of the value the site
    /// tₙ acts on and rₙ ≥ 0 (`residual`, nil: 0) is variance the likelihood's argument has beyond it: 0 for a
    /// full GP, the Nyström residual kₙₙ − qₙₙ when the site acts on the projection aₙᵀu of a sparse GP
    /// (`SparseSiteObjective`). The likelihood term sees N(mₙ, vₙ + rₙ) (ELBO) or the cavity widened by rₙ
    /// (EP-like). The EP-like cavity is computed as s²₋ₙ = vₙ/κₙ, μ₋ₙ = (mₙ − ν̃ₙvₙ)/κₙ with κₙ = 1 − τ̃ₙvₙ
    /// (finite as vₙ → 0), and the site under it as −½ log(1 + τ̃s²) + (2μν̃ + ν̃²s² − τ̃μ²)/(2(1 + τ̃s²)).
    /// - Throws: `LinearAlgebraError.nonFinite` when a cavity is improper (κₙ ≤ 0) or a term is not finite.
    /// - Complexity: O(n) likelihood evaluations.
    public func terms(_ likelihood: any ScalarLikelihood, _ y: [Double], sites: GaussianSites, mean m: [Double],
                      variance v: [Double], residual: [Double]? = nil)
        throws -> (value: Double, meanAdjoint: [Double], varianceAdjoint: [Double], residualAdjoint: [Double]) {
        let n = y.count
        var total = 0.0
        var mbar = [Double](repeating: 0, count: n), vbar = mbar, rbar = mbar
        for i in 0..<n {
            let nu = sites.first[i], tau = sites.second[i], r = residual?[i] ?? 0
            switch self {
            case .elbo:
                let e = likelihood.expectation(y[i], mean: m[i], variance: v[i] + r)
                total += e.value - nu * m[i] + 0.5 * tau * (m[i] * m[i] + v[i])
                mbar[i] = e.dMean - nu + tau * m[i]
                vbar[i] = e.dVariance + 0.5 * tau
                rbar[i] = e.dVariance
            case .epLike:
                let vi = v[i], kappa = 1 - tau * vi
                guard vi >= 0, kappa > 0 else { throw LinearAlgebraError.nonFinite(size: n) }
                let mu = (m[i] - nu * vi) / kappa, s2 = vi / kappa
                // The tilted normaliser under the cavity widened by r.
                let z = likelihood.tiltedNormaliser(y[i], mean: mu, variance: s2 + r)
                // The site under the cavity, with w = 1 + τ̃s² = 1/κ.
                let w = 1 / kappa, d = nu - tau * mu
                let site = -0.5 * Math.log(w) + (2 * mu * nu + nu * nu * s2 - tau * mu * mu) / (2 * w)
                let siteMu = d / w, siteS2 = -0.5 * tau / w + d * d / (2 * w * w)
                total += z.value - site
                // μ₋ and s²₋ as functions of (m, v): ∂μ/∂m = 1/κ, ∂μ/∂v = (τ̃μ − ν̃)/κ, ∂s²/∂v = 1/κ².
                let hMu = z.dMean - siteMu, hS2 = z.dVariance - siteS2
                mbar[i] = hMu / kappa
                vbar[i] = hMu * (tau * mu - nu) / kappa + hS2 / (kappa * kappa)
                rbar[i] = z.dVariance
            }
        }
        guard total.isFinite else { throw LinearAlgebraError.nonFinite(size: n) }
        return (total, mbar, vbar, rbar)
    }
}
