#!/usr/bin/env python3
"""High-precision Gaussian expectations of every scalar likelihood, the reference for SwiftGP's quadrature.

Run from the repository root with SciPy installed (the benchmark peers' environment has it):

    Benchmarks/.venv-peers/bin/python scripts/reference/quadrature_reference.py

Writes Tests/SwiftGPTests/Fixtures/quadrature_reference.json (atomically). For each likelihood, target y, mean m
and variance v of the grid it records
    E  = E_{N(m,v)}[log p(y | f)],  dm = E[∂/∂f log p],  dv = ½ E[∂²/∂f² log p]  (= ∂E/∂v, Bonnet–Price),
computed with scipy.integrate.quad (epsabs 1e-13, epsrel 1e-12) on m ± 14√v with breakpoints at m and at the
likelihood's feature point; for v = 0 the limits g(m), g'(m), ½g''(m). Each row also records the tilted normaliser
    log Z = log ∫ p(y | f) N(f; m, v) df,  ∂m log Z = E_t[∂f log p],  ∂v log Z = ½ E_t[(∂f log p)² + ∂²f log p]
(t ∝ p(y | f) N(f; m, v); integrands scaled by exp(−c), c the largest log p + log N on a 4,001-point grid of the
interval, with epsabs 0) and the predictive mean E_{N(m,v)}[E[y | f]]. log p and its derivatives are written
here from SciPy's special functions, independently of the Swift code:
  gaussian (variance 0.3): −½log(2πσ²) − (y−f)²/2σ²;   bernoulli probit: log Φ(s f), s = 2y − 1;
  bernoulli logit: −log(1 + e^{−s f});   poisson (exposure 1): y f − e^f − log y!;
  studentt (ν = 3, scale σ ∈ {0.1, 1}): log Γ((ν+1)/2) − log Γ(ν/2) − ½ log νπ − log σ − (ν+1)/2 log(1 + r²/νσ²).
"""
import json, math, os, tempfile

import numpy as np
from scipy import integrate, special

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "SwiftGPTests", "Fixtures", "quadrature_reference.json")


def gaussian(s2):
    return (lambda y, f: -0.5 * math.log(2 * math.pi * s2) - 0.5 * (y - f) ** 2 / s2,
            lambda y, f: (y - f) / s2, lambda y, f: -1 / s2, None)


def probit():
    def lam(z): return math.exp(-0.5 * z * z - 0.5 * math.log(2 * math.pi) - special.log_ndtr(z))
    return (lambda y, f: float(special.log_ndtr((2 * y - 1) * f)),
            lambda y, f: (2 * y - 1) * lam((2 * y - 1) * f),
            lambda y, f: -lam((2 * y - 1) * f) * ((2 * y - 1) * f + lam((2 * y - 1) * f)), 0.0)


def logit():
    def sig(z): return float(special.expit(z))
    return (lambda y, f: -float(np.logaddexp(0, -(2 * y - 1) * f)),
            lambda y, f: (2 * y - 1) * sig(-(2 * y - 1) * f),
            lambda y, f: -sig((2 * y - 1) * f) * sig(-(2 * y - 1) * f), 0.0)


def poisson():
    return (lambda y, f: y * f - math.exp(f) - float(special.gammaln(y + 1)),
            lambda y, f: y - math.exp(f), lambda y, f: -math.exp(f), None)


def studentt(s, nu=3.0):
    c = float(special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2)) - 0.5 * math.log(nu * math.pi) - math.log(s)
    return (lambda y, f: c - (nu + 1) / 2 * math.log1p((y - f) ** 2 / (nu * s * s)),
            lambda y, f: (nu + 1) * (y - f) / (nu * s * s + (y - f) ** 2),
            lambda y, f: (nu + 1) * ((y - f) ** 2 - nu * s * s) / (nu * s * s + (y - f) ** 2) ** 2, "y")


CASES = [
    ("gaussian", gaussian(0.3), [-0.7, 1.1], [0, 1e-10, 1e-4, 0.01, 1, 4, 25, 100]),
    ("probit", probit(), [0, 1], [0, 1e-10, 1e-4, 0.01, 1, 2.25, 4, 25, 100, 400]),
    ("logit", logit(), [0, 1], [0, 1e-10, 1e-4, 0.01, 1, 2.25, 4, 25, 100, 400]),
    ("poisson", poisson(), [0, 3, 40], [0, 1e-10, 1e-4, 0.01, 1, 4]),
    ("studentt_0.1", studentt(0.1), [-0.3, 1.7], [0, 1e-10, 1e-4, 0.01, 1, 4, 25, 100]),
    ("studentt_1", studentt(1.0), [-0.3, 1.7], [0, 1e-10, 1e-4, 0.01, 1, 4, 25, 100]),
]
MEANS = [-3.0, -0.5, 0.0, 1.2, 4.0]
# E[y | f] of each likelihood.
CONDITIONAL_MEAN = {"gaussian": lambda f: f, "probit": lambda f: float(special.ndtr(f)),
                    "logit": lambda f: float(special.expit(f)), "poisson": math.exp,
                    "studentt_0.1": lambda f: f, "studentt_1": lambda f: f}


def expect(g, y, m, v, feature):
    if v == 0:
        return g(m)
    sd = math.sqrt(v)
    a, b = m - 14 * sd, m + 14 * sd
    pts = sorted({p for p in [m, feature] if p is not None and a < p < b})
    h = lambda f: g(f) * math.exp(-0.5 * (f - m) ** 2 / v) / math.sqrt(2 * math.pi * v)
    val, _ = integrate.quad(h, a, b, points=pts or None, limit=1000, epsabs=1e-13, epsrel=1e-12)
    return val


def tilted(lp, d1, d2, y, m, v, feature):
    """log Z, ∂m log Z, ∂v log Z of p(y | f) N(f; m, v)."""
    if v == 0:
        return lp(y, m), d1(y, m), 0.5 * (d1(y, m) ** 2 + d2(y, m))
    sd = math.sqrt(v)
    a, b = m - 14 * sd, m + 14 * sd
    pts = sorted({p for p in [m, feature] if p is not None and a < p < b})
    log_n = lambda f: -0.5 * (f - m) ** 2 / v - 0.5 * math.log(2 * math.pi * v)
    c = max(lp(y, f) + log_n(f) for f in np.linspace(a, b, 4001))
    w = lambda f: math.exp(lp(y, f) + log_n(f) - c)
    quad = lambda h: integrate.quad(h, a, b, points=pts or None, limit=2000, epsabs=0, epsrel=1e-12)[0]
    z0 = quad(w)
    z1 = quad(lambda f: w(f) * d1(y, f))
    z2 = quad(lambda f: w(f) * (d1(y, f) ** 2 + d2(y, f)))
    return c + math.log(z0), z1 / z0, 0.5 * z2 / z0


def main():
    rows = []
    for name, (lp, d1, d2, feature), ys, vs in CASES:
        for y in ys:
            fp = y if feature == "y" else feature
            for m in MEANS:
                for v in vs:
                    log_z, log_z_dm, log_z_dv = tilted(lp, d1, d2, y, m, v, fp)
                    rows.append({"likelihood": name, "y": y, "mean": m, "variance": v,
                                 "value": expect(lambda f: lp(y, f), y, m, v, fp),
                                 "d_mean": expect(lambda f: d1(y, f), y, m, v, fp),
                                 "d_variance": 0.5 * expect(lambda f: d2(y, f), y, m, v, fp),
                                 "log_z": log_z, "log_z_d_mean": log_z_dm, "log_z_d_variance": log_z_dv,
                                 "predictive_mean": expect(CONDITIONAL_MEAN[name], y, m, v, 0.0)})
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(OUT), prefix=".tmp-")
    with os.fdopen(fd, "w") as fh:
        json.dump({"rows": rows}, fh, indent=1)
        fh.write("\n")
    os.replace(tmp, OUT)
    print(f"{len(rows)} rows -> {OUT}")


if __name__ == "__main__":
    main()
