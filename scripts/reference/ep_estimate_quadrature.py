#!/usr/bin/env python3
"""The EP-like marginal-likelihood estimate with exact probit integrals and with a 20-point Gauss–Hermite rule.

Run from the repository root with NumPy and SciPy (the benchmark peers' environment has them):

    Benchmarks/.venv-peers/bin/python scripts/reference/ep_estimate_quadrature.py

An independent NumPy implementation (docs/methods/classification.md#the-published-means): for a kernel (isotropic
Matérn-5/2, variance σ², lengthscale ℓ) on one training fold of the uci27 protocol (X z-scored over the whole set),
CVI runs to its fixed point (β = 0.5, 3,000 updates, E[log Φ] by 200-point Gauss–Hermite: log Φ is smooth), then the
estimate

    log Z_sites(θ) + Σₙ [log ∫ Φ(yₙ f) N(f; μ₋ₙ, s²₋ₙ) df − log ∫ tₙ(f) N(f; μ₋ₙ, s²₋ₙ) df]

is evaluated twice: with the exact tilted normaliser log Φ(yₙ μ₋ₙ / √(1 + s²₋ₙ)), and with the 20-point rule
log Σᵢ (wᵢ/√π) Φ(yₙ(μ₋ₙ + √(2 s²₋ₙ) tᵢ)) that GPflow's quadrature takes for a Bernoulli with a custom link. The
kernels: a variance sweep at one lengthscale, the point SwiftGP's EP-like fit ends at, and the point the paper's
code ends at on the same fold (its printed hyperparameters). Prints a table; writes nothing.
"""
import json, math, os

import numpy as np
from scipy import special

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "uci27")

# (set, cv-seed, fold, lengthscale of the sweep, [(label, variance, lengthscale)]).
CASES = [
    ("trains", "5", 1, 4.69, [("SwiftGP's end", 14.52, 4.160), ("paper code's end", 200.9, 4.686)]),
    ("balloons", "4", 1, 1.49, [("SwiftGP's end", 6.470, 1.349), ("paper code's end", 387.6, 1.490)]),
]
GH20 = np.polynomial.hermite.hermgauss(20)
GH200 = np.polynomial.hermite.hermgauss(200)


def fold(name, seed, k):
    raw = np.loadtxt(os.path.join(DATA, f"{name}.csv"), delimiter=",", skiprows=1)
    x, y = raw[:, :-1], raw[:, -1]
    x = (x - x.mean(0)) / (1e-6 + x.std(0))
    with open(os.path.join(DATA, "folds", f"{name}.json")) as fh:
        rows = json.load(fh)["cv_seeds"][seed][k]["train_rows"]
    return x[rows], 2 * y[rows] - 1


def matern52(x, variance, lengthscale):
    r = np.sqrt(np.maximum(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1), 0)) / lengthscale
    return variance * (1 + math.sqrt(5) * r + 5 * r * r / 3) * np.exp(-math.sqrt(5) * r)


def posterior(k, l1, l2):
    """Marginals of q ∝ N(0, K) Πₙ exp(λ₁ₙ f − ½ λ₂ₙ f²) and log ∫ N(0, K) Π tₙ."""
    sw = np.sqrt(l2)
    b = np.eye(len(l1)) + sw[:, None] * k * sw[None, :]
    chol = np.linalg.cholesky(b)
    a = np.linalg.solve(chol, sw[:, None] * k)           # L⁻¹ W½ K
    sigma = k - a.T @ a
    m = sigma @ l1
    log_z_sites = -np.log(np.diag(chol)).sum() + 0.5 * l1 @ m
    return m, np.diag(sigma), log_z_sites


def cvi(k, y, beta=0.5, iterations=3000):
    l1, l2 = np.zeros(len(y)), np.full(len(y), 1e-6)
    t, w = GH200[0], GH200[1] / math.sqrt(math.pi)
    for _ in range(iterations):
        m, v, _ = posterior(k, l1, l2)
        f = m[:, None] + np.sqrt(2 * v)[:, None] * t[None, :]
        z = y[:, None] * f
        lam = np.exp(-0.5 * z * z - 0.5 * math.log(2 * math.pi) - special.log_ndtr(z))
        d1 = (w * y[:, None] * lam).sum(1)                 # E[∂f log Φ(y f)]
        d2 = 0.5 * (w * (-lam * (z + lam))).sum(1)          # ½ E[∂²f log Φ(y f)]
        l1 = (1 - beta) * l1 + beta * (d1 - 2 * d2 * m)
        l2 = (1 - beta) * l2 + beta * (-2 * d2)
    return l1, l2


def ep_estimate(k, y, l1, l2, tilted):
    m, v, log_z_sites = posterior(k, l1, l2)
    kappa = 1 - l2 * v
    mu, s2 = (m - l1 * v) / kappa, v / kappa                 # cavities
    w = 1 + l2 * s2
    site = -0.5 * np.log(w) + (2 * mu * l1 + l1 * l1 * s2 - l2 * mu * mu) / (2 * w)
    return log_z_sites + (tilted(y, mu, s2) - site).sum()


def exact(y, mu, s2):
    return special.log_ndtr(y * mu / np.sqrt(1 + s2))


def gauss_hermite20(y, mu, s2):
    t, w = GH20
    p = (w / math.sqrt(math.pi) * special.ndtr(y[:, None] * (mu[:, None] + np.sqrt(2 * s2)[:, None] * t[None, :]))).sum(1)
    return np.log(p)


def main():
    for name, seed, k, sweep_lengthscale, points in CASES:
        x, y = fold(name, seed, k)
        print(f"{name}, cv-seed {seed}, fold {k} (n = {len(y)}): EP-like estimate at CVI's fixed point")
        print(f"  {'kernel':<38} {'exact':>10} {'20-point':>10}")
        rows = [(f"sweep σ² = {s:g}, ℓ = {sweep_lengthscale}", s, sweep_lengthscale) for s in [1, 4, 16, 64, 256, 1024]]
        for label, variance, lengthscale in rows + [(f"{l} (σ² {s:g}, ℓ {ls:g})", s, ls) for l, s, ls in points]:
            kk = matern52(x, variance, lengthscale) + 1e-6 * np.eye(len(y))
            l1, l2 = cvi(kk, y)
            print(f"  {label:<38} {ep_estimate(kk, y, l1, l2, exact):>10.4f} {ep_estimate(kk, y, l1, l2, gauss_hermite20):>10.4f}")


if __name__ == "__main__":
    main()
