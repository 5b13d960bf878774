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

    /// Σₙ hₙ and its adjoints ∂/∂mₙ, ∂/∂vₙ.
    /// - Throws: `LinearAlgebraError.nonFinite` when a cavity is improper (τ₋ₙ ≤ 0) or a term is not finite.
    /// - Complexity: O(n) likelihood evaluations.
    public func terms(_ likelihood: any ScalarLikelihood, _ y: [Double], sites: GaussianSites, mean m: [Double],
                      variance v: [Double]) throws -> (value: Double, meanAdjoint: [Double], varianceAdjoint: [Double]) {
        let n = y.count
        var total = 0.0
        var mbar = [Double](repeating: 0, count: n), vbar = mbar
        for i in 0..<n {
            let nu = sites.first[i], tau = sites.second[i]
            switch self {
            case .elbo:
                let e = likelihood.expectation(y[i], mean: m[i], variance: v[i])
                total += e.value - nu * m[i] + 0.5 * tau * (m[i] * m[i] + v[i])
                mbar[i] = e.dMean - nu + tau * m[i]
                vbar[i] = e.dVariance + 0.5 * tau
            case .epLike:
                let vi = v[i], mi = m[i]
                let tc = 1 / vi - tau, nc = mi / vi - nu
                guard vi > 0, tc > 0 else { throw LinearAlgebraError.nonFinite(size: n) }
                // The tilted normaliser at μ = ν₋/τ₋, s² = 1/τ₋, and its derivatives in (τ₋, ν₋).
                let mu = nc / tc, s2 = 1 / tc
                let z = likelihood.tiltedNormaliser(y[i], mean: mu, variance: s2)
                let dTiltTau = -z.dMean * nc / (tc * tc) - z.dVariance / (tc * tc)
                let dTiltNu = z.dMean / tc
                // The site under the cavity: −½ log(1 + τ̃/τ₋) + (ν̃ + ν₋)²/(2(τ̃ + τ₋)) − ν₋²/(2τ₋).
                let a = nu + nc, c = tau + tc
                let site = -0.5 * Math.log1p(tau / tc) + a * a / (2 * c) - nc * nc / (2 * tc)
                let dSiteTau = 0.5 * tau / (tc * c) - a * a / (2 * c * c) + nc * nc / (2 * tc * tc)
                let dSiteNu = a / c - nc / tc
                total += z.value - site
                // τ₋ = 1/v − τ̃, ν₋ = m/v − ν̃.
                let gTau = dTiltTau - dSiteTau, gNu = dTiltNu - dSiteNu
                mbar[i] = gNu / vi
                vbar[i] = -gTau / (vi * vi) - gNu * mi / (vi * vi)
            }
        }
        guard total.isFinite else { throw LinearAlgebraError.nonFinite(size: n) }
        return (total, mbar, vbar)
    }
}
