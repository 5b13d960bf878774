#!/usr/bin/env python3
"""Reference values for Laplace GP classification, computed with scikit-learn's GaussianProcessClassifier.

Run from the repository root (scikit-learn 1.9.1, the pin of Benchmarks/requirements-peers.txt):

    Benchmarks/.venv-peers/bin/python scripts/reference/sklearn_gpc_reference.py

Writes Tests/SwiftGPTests/Fixtures/sklearn_gpc_reference.json (a temporary file, then os.replace).

CONVENTIONS
-----------
Data: seeded synthetic set (numpy default_rng(17)), x ~ N(0, I_2), n_train = 60, n_test = 25,
  y = 1[ sin(2 x1) + 0.5 x2 + 0.3 eps > 0 ], eps ~ N(0, 1). Stored in the JSON.
Kernel: ConstantKernel(variance) * Matern(length_scale=[l1, l2], nu=2.5) (ARD), hyperparameters FIXED
  (optimizer=None), so `lml` is the Laplace log marginal likelihood at exactly these values.
Likelihood: logistic (sklearn's only link), labels 0/1.
`lml_gradient_log`: d lml / d log(theta) in sklearn's theta order [variance, l1, l2] (asserted below).
Latent test moments (from the fitted base estimator's own W_sr_, L_, pi_):
  f_star   = K(X, X*)^T (y - pi)
  var_star = k(x*, x*) - || L^{-1} (W_sr K(X, X*)) ||^2
`p1` = predict_proba[:, 1]: sklearn's erf-combination approximation of the logistic-Gaussian integral
  (the Swift test applies the same formula to its own latent moments).
"""
import json
import os
import sys

import numpy as np
import sklearn
from scipy.linalg import solve_triangular
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.gaussian_process.kernels import ConstantKernel, Matern

OUT = os.path.join("Tests", "SwiftGPTests", "Fixtures", "sklearn_gpc_reference.json")


def case(x, y, xt, variance, lengthscale):
    kernel = ConstantKernel(variance) * Matern(length_scale=lengthscale, nu=2.5)
    gpc = GaussianProcessClassifier(kernel=kernel, optimizer=None).fit(x, y)
    base = gpc.base_estimator_
    names = [h.name for h in gpc.kernel_.hyperparameters]
    assert names == ["k1__constant_value", "k2__length_scale"], names
    lml, grad = gpc.log_marginal_likelihood(gpc.kernel_.theta, eval_gradient=True)
    assert abs(lml - gpc.log_marginal_likelihood_value_) < 1e-9
    ks = base.kernel_(base.X_train_, xt)
    f_star = ks.T.dot(base.y_train_ - base.pi_)
    v = solve_triangular(base.L_, base.W_sr_[:, None] * ks, lower=True)
    var_star = base.kernel_.diag(xt) - np.einsum("ij,ij->j", v, v)
    return {
        "variance": variance,
        "lengthscale": list(lengthscale),
        "lml": float(lml),
        "lml_gradient_log": [float(g) for g in grad],
        "gradient_order": ["variance", "lengthscale_1", "lengthscale_2"],
        "latent_mean": f_star.tolist(),
        "latent_variance": var_star.tolist(),
        "p1": gpc.predict_proba(xt)[:, 1].tolist(),
    }


def main():
    rng = np.random.default_rng(17)
    x = rng.standard_normal((85, 2))
    y = (np.sin(2 * x[:, 0]) + 0.5 * x[:, 1] + 0.3 * rng.standard_normal(85) > 0).astype(float)
    x_train, y_train, x_test = x[:60], y[:60], x[60:]
    out = {
        "sklearn_version": sklearn.__version__,
        "x_train": x_train.tolist(),
        "y_train": y_train.tolist(),
        "x_test": x_test.tolist(),
        "cases": [case(x_train, y_train, x_test, 1.3, [0.8, 1.5]), case(x_train, y_train, x_test, 4.0, [2.0, 0.5])],
    }
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    os.replace(tmp, OUT)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
