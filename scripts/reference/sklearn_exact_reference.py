#!/usr/bin/env python3
"""Reference values for exact GP regression, computed with scikit-learn.

Run from the repository root:

    python3 scripts/reference/sklearn_exact_reference.py

Writes Tests/SwiftGPTests/Fixtures/sklearn_exact_reference.json (atomically:
a temporary file in the same directory, then os.replace). The Swift tests
compare against these numbers to 1e-8 relative, so the conventions below are
exactly what the Swift side must reproduce.

CONVENTIONS
-----------
Data
  * datasets/diabetes/diabetes_train.csv (354 rows) and diabetes_test.csv
    (88 rows); header age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,progression.
    Features = the first 10 columns (in that order), target = progression.
  * Standardisation uses TRAIN statistics only, with the POPULATION standard
    deviation (ddof=0, i.e. divide by n, not n-1):
        x_std_ij = (x_ij - x_mean_j) / x_std_j       (train and test)
        y_std_i  = (y_i  - y_mean)   / y_std          (train; test y only for RMSE)
    x_mean, x_std, y_mean, y_std are stored in the JSON.
  * Every GP quantity (lml, gradients, predictions, variances,
    hyperparameters) is on the STANDARDISED scale. Only `test_rmse` is on the
    original `progression` scale: rmse(y_test, latent_mean * y_std + y_mean).

Kernels (r = || (x - x') / lengthscale ||, one lengthscale per feature, ARD)
  * Matern 5/2: k(x,x') = s2 * (1 + sqrt(5) r + 5/3 r^2) * exp(-sqrt(5) r)
  * RBF:        k(x,x') = s2 * exp(-r^2 / 2)
  s2 = `signal_variance` (a VARIANCE: sklearn ConstantKernel.constant_value,
  no squaring), lengthscales are plain (not squared) lengths.
  * Noise: `noise_variance` (sklearn WhiteKernel.noise_level, a variance) is
    added to the diagonal of the TRAINING covariance only.
  * sklearn's GaussianProcessRegressor adds `alpha` (default 1e-10) to the
    training diagonal; this script sets alpha=0.0 for every model that has a
    WhiteKernel, so the noise on the diagonal is exactly `noise_variance`
    (no hidden jitter).  normalize_y=False (the data are standardised here).

Log marginal likelihood (natural log, summed over the n training points):
    lml = -1/2 y^T K_y^{-1} y - 1/2 log det K_y - n/2 log(2 pi),
    K_y = K_f(X, X) + noise_variance * I.

Gradient (`lml_gradient_log`): d lml / d log(theta_i) (derivative w.r.t. the
NATURAL LOG of each hyperparameter, = theta_i * d lml / d theta_i), in the order
    [signal_variance, lengthscale_1, ..., lengthscale_10, noise_variance]
(stored as `gradient_order`). This is sklearn's own theta order for the
expression ConstantKernel * Kernel + WhiteKernel (Sum(Product(C, K), White));
the script asserts that order from kernel.hyperparameters rather than assuming it.

Predictions at the standardised TEST inputs:
  * `latent_mean`      = E[f*]   = K_f(X*, X) K_y^{-1} y
  * `latent_variance`  = Var[f*] = k_f(x*, x*) - K_f(x*, X) K_y^{-1} K_f(X, x*)
                         (noise-free, diagonal only)
  * `observed_variance`= latent_variance + noise_variance  (Var[y*])
  The latent variance is obtained from a second regressor whose kernel has no
  WhiteKernel and alpha = noise_variance (sklearn adds alpha only to the
  training diagonal), as std**2; the script asserts that this second model has
  the same mean and lml as the first, that the first model's std**2 equals
  latent + noise, and cross-checks everything against an independent
  NumPy implementation (and the gradient against central finite differences).

Optimised cases: sklearn default bounds (1e-5, 1e5) for every hyperparameter,
optimizer fmin_l_bfgs_b in log space, n_restarts_optimizer=10,
random_state=0, starting at signal 1, lengthscales 1, noise 1. These numbers
are informative (another optimiser may stop at a different local optimum);
`lml` is log_marginal_likelihood_value_ at the stored hyperparameters.
`restart_lml` lists the final lml of each of the 11 runs (first run = from
the initial theta), and `warnings` any ConvergenceWarning (e.g. a
hyperparameter at a bound).
"""

import json
import os
import platform
import sys
import tempfile
import warnings

import numpy as np
import scipy
import scipy.linalg
import sklearn
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TRAIN_CSV = "datasets/diabetes/diabetes_train.csv"
TEST_CSV = "datasets/diabetes/diabetes_test.csv"
OUT_JSON = "Tests/SwiftGPTests/Fixtures/sklearn_exact_reference.json"
FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
TARGET = "progression"

FIXED_SIGNAL = 0.8
FIXED_NOISE = 0.3
FIXED_LENGTHSCALES = [0.5 + 0.25 * d for d in range(10)]
GRADIENT_ORDER = (
    ["signal_variance"] + [f"lengthscale_{i + 1}" for i in range(10)] + ["noise_variance"]
)


# --------------------------------------------------------------------------- data
def load_csv(rel):
    path = os.path.join(ROOT, rel)
    with open(path) as fh:
        header = fh.readline().strip().split(",")
    if header != FEATURES + [TARGET]:
        raise SystemExit(f"unexpected header in {rel}: {header}")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    return data[:, :10], data[:, 10]


def flist(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64).ravel()]


# ------------------------------------------------ independent NumPy implementation
def numpy_kernel(kind, A, B, s2, ls):
    """Signal kernel and per-dimension scaled squared distances D[..., k]."""
    ls = np.asarray(ls, dtype=np.float64)
    D = ((A[:, None, :] - B[None, :, :]) / ls) ** 2
    r2 = D.sum(-1)
    if kind == "matern52":
        r = np.sqrt(r2)
        K = s2 * (1.0 + np.sqrt(5.0) * r + 5.0 / 3.0 * r2) * np.exp(-np.sqrt(5.0) * r)
    else:
        K = s2 * np.exp(-0.5 * r2)
    return K, D


def numpy_exact(kind, X, y, Xs, s2, ls, noise):
    n = X.shape[0]
    Kf, D = numpy_kernel(kind, X, X, s2, ls)
    Ky = Kf + noise * np.eye(n)
    L = np.linalg.cholesky(Ky)
    a = scipy.linalg.cho_solve((L, True), y)
    lml = -0.5 * y @ a - np.log(np.diag(L)).sum() - 0.5 * n * np.log(2.0 * np.pi)
    Kinv = scipy.linalg.cho_solve((L, True), np.eye(n))
    W = np.outer(a, a) - Kinv
    grads = [0.5 * np.sum(W * Kf)]  # dK/dlog s2 = Kf
    if kind == "matern52":
        r = np.sqrt(D.sum(-1))
        base = s2 * 5.0 / 3.0 * (1.0 + np.sqrt(5.0) * r) * np.exp(-np.sqrt(5.0) * r)
    else:
        base = Kf
    for k in range(X.shape[1]):
        grads.append(0.5 * np.sum(W * (base * D[:, :, k])))  # dK/dlog l_k
    grads.append(0.5 * noise * np.trace(W))  # dK/dlog noise = noise I
    Ks, _ = numpy_kernel(kind, Xs, X, s2, ls)
    mean = Ks @ a
    V = scipy.linalg.solve_triangular(L, Ks.T, lower=True)
    var = s2 - np.sum(V * V, axis=0)
    return lml, np.array(grads), mean, var


def numpy_lml(kind, X, y, log_theta):
    s2, ls, noise = np.exp(log_theta[0]), np.exp(log_theta[1:-1]), np.exp(log_theta[-1])
    Kf, _ = numpy_kernel(kind, X, X, s2, ls)
    L = np.linalg.cholesky(Kf + noise * np.eye(X.shape[0]))
    a = scipy.linalg.cho_solve((L, True), y)
    return -0.5 * y @ a - np.log(np.diag(L)).sum() - 0.5 * X.shape[0] * np.log(2.0 * np.pi)


def assert_close(name, a, b, rtol, atol=0.0):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if not np.allclose(a, b, rtol=rtol, atol=atol):
        err = np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))
        raise AssertionError(f"{name}: mismatch (max rel err {err:.3e}, rtol {rtol}, atol {atol})")


# ---------------------------------------------------------------------- sklearn
def base_kernel(kind, ls):
    if kind == "matern52":
        return Matern(length_scale=np.asarray(ls, dtype=np.float64), nu=2.5)
    return RBF(length_scale=np.asarray(ls, dtype=np.float64))


def check_theta_order(kernel):
    names = [h.name for h in kernel.hyperparameters if not h.fixed]
    dims = [h.n_elements for h in kernel.hyperparameters if not h.fixed]
    expected_names = ["k1__k1__constant_value", "k1__k2__length_scale", "k2__noise_level"]
    if names != expected_names or dims != [1, 10, 1] or kernel.theta.shape != (12,):
        raise AssertionError(f"unexpected sklearn theta layout: {list(zip(names, dims))}")
    # theta order == GRADIENT_ORDER, no reordering needed.


def hyper_from_kernel(k):
    return (
        float(k.k1.k1.constant_value),
        flist(k.k1.k2.length_scale),
        float(k.k2.noise_level),
    )


class RecordingGPR(GaussianProcessRegressor):
    """GaussianProcessRegressor that records the final lml of every optimiser run.

    Behaviour is unchanged: it only observes the result of the parent method.
    """

    def _constrained_optimization(self, obj_func, initial_theta, bounds):
        theta_opt, func_min = super()._constrained_optimization(obj_func, initial_theta, bounds)
        self.run_lml_.append(-float(func_min))
        return theta_opt, func_min

    def fit(self, X, y):
        self.run_lml_ = []
        return super().fit(X, y)


def fixed_case(kind, Xtr, ytr, Xte, yte_orig, y_mean, y_std):
    s2, noise, ls = FIXED_SIGNAL, FIXED_NOISE, FIXED_LENGTHSCALES
    kernel = ConstantKernel(s2) * base_kernel(kind, ls) + WhiteKernel(noise_level=noise)
    check_theta_order(kernel)
    gpr = GaussianProcessRegressor(kernel=kernel, alpha=0.0, optimizer=None, normalize_y=False)
    gpr.fit(Xtr, ytr)
    theta = gpr.kernel_.theta.copy()
    assert_close("theta", np.exp(theta), [s2] + ls + [noise], rtol=1e-15)
    lml, grad = gpr.log_marginal_likelihood(theta, eval_gradient=True)
    assert_close("lml vs log_marginal_likelihood_value_", lml, gpr.log_marginal_likelihood_value_, 1e-14)
    mean_y, std_y = gpr.predict(Xte, return_std=True)

    # Latent (noise-free) predictive variance: no WhiteKernel, noise as alpha.
    latent_kernel = ConstantKernel(s2) * base_kernel(kind, ls)
    gpr_f = GaussianProcessRegressor(kernel=latent_kernel, alpha=noise, optimizer=None, normalize_y=False)
    gpr_f.fit(Xtr, ytr)
    mean_f, std_f = gpr_f.predict(Xte, return_std=True)
    var_f = std_f**2
    lml_f, grad_f = gpr_f.log_marginal_likelihood(gpr_f.kernel_.theta, eval_gradient=True)

    assert_close("latent model lml", lml_f, lml, rtol=1e-10)
    assert_close("latent model mean", mean_f, mean_y, rtol=1e-10, atol=1e-12)
    assert_close("latent model gradient", grad_f, grad[:11], rtol=1e-9, atol=1e-10)
    assert_close("observed variance", std_y**2, var_f + noise, rtol=1e-10)

    # Independent NumPy implementation.
    lml_np, grad_np, mean_np, var_np = numpy_exact(kind, Xtr, ytr, Xte, s2, np.array(ls), noise)
    assert_close("numpy lml", lml_np, lml, rtol=1e-11)
    assert_close("numpy gradient", grad_np, grad, rtol=1e-9, atol=1e-9)
    assert_close("numpy latent mean", mean_np, mean_f, rtol=1e-10, atol=1e-12)
    assert_close("numpy latent variance", var_np, var_f, rtol=1e-10, atol=1e-13)

    # Central finite differences of the lml in log space.
    h = 1e-5
    fd = []
    for i in range(theta.size):
        tp, tm = theta.copy(), theta.copy()
        tp[i] += h
        tm[i] -= h
        fd.append((numpy_lml(kind, Xtr, ytr, tp) - numpy_lml(kind, Xtr, ytr, tm)) / (2 * h))
    assert_close("finite-difference gradient", fd, grad, rtol=1e-5, atol=1e-5)

    pred_orig = mean_f * y_std + y_mean
    rmse = float(np.sqrt(np.mean((pred_orig - yte_orig) ** 2)))
    return {
        "name": f"{kind}_fixed",
        "kernel": kind,
        "sklearn_kernel": repr(gpr.kernel_),
        "optimised": False,
        "sklearn_alpha": 0.0,
        "signal_variance": float(s2),
        "lengthscales": flist(ls),
        "noise_variance": float(noise),
        "lml": float(lml),
        "lml_gradient_log": flist(grad),
        "gradient_order": GRADIENT_ORDER,
        "latent_mean": flist(mean_f),
        "latent_variance": flist(var_f),
        "observed_variance": flist(var_f + noise),
        "test_rmse": rmse,
    }


def optimised_case(kind, Xtr, ytr, Xte, yte_orig, y_mean, y_std):
    kernel = ConstantKernel(1.0) * base_kernel(kind, np.ones(10)) + WhiteKernel(1.0)
    check_theta_order(kernel)
    gpr = RecordingGPR(
        kernel=kernel, alpha=0.0, normalize_y=False, n_restarts_optimizer=10, random_state=0
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gpr.fit(Xtr, ytr)
    warn_msgs = sorted({" ".join(str(w.message).split()) for w in caught})
    s2, ls, noise = hyper_from_kernel(gpr.kernel_)
    theta = gpr.kernel_.theta.copy()
    lml = float(gpr.log_marginal_likelihood_value_)
    lml_again, grad = gpr.log_marginal_likelihood(theta, eval_gradient=True)
    assert_close("optimised lml recomputed", lml_again, lml, rtol=1e-12)
    lml_np = numpy_lml(kind, Xtr, ytr, np.log(np.array([s2] + ls + [noise])))
    assert_close("optimised numpy lml", lml_np, lml, rtol=1e-10)
    if len(gpr.run_lml_) != 11 or max(gpr.run_lml_) != lml:
        raise AssertionError(f"unexpected optimiser runs: {gpr.run_lml_}")

    mean = gpr.predict(Xte)
    pred_orig = mean * y_std + y_mean
    rmse = float(np.sqrt(np.mean((pred_orig - yte_orig) ** 2)))
    return {
        "name": f"{kind}_optimised",
        "kernel": kind,
        "sklearn_kernel": repr(gpr.kernel_),
        "optimised": True,
        "sklearn_alpha": 0.0,
        "optimizer": "fmin_l_bfgs_b",
        "n_restarts_optimizer": 10,
        "random_state": 0,
        "initial": {"signal_variance": 1.0, "lengthscales": [1.0] * 10, "noise_variance": 1.0},
        "bounds": [1e-5, 1e5],
        "signal_variance": s2,
        "lengthscales": ls,
        "noise_variance": noise,
        "theta_log": flist(theta),
        "lml": lml,
        "lml_gradient_log": flist(grad),
        "gradient_order": GRADIENT_ORDER,
        "restart_lml": [float(v) for v in gpr.run_lml_],
        "warnings": warn_msgs,
        "test_rmse": rmse,
    }


def snelson_case():
    """Optimised RBF exact GP on the raw (unstandardised) Snelson 1-D data: the notebook's reference.

    Kernel ConstantKernel(1) * RBF(1) + WhiteKernel(1), alpha = 0, 5 restarts, random_state 0.
    """
    x = np.loadtxt(os.path.join(ROOT, "datasets/snelson1d/snelson_train_inputs.dat"))[:, None]
    y = np.loadtxt(os.path.join(ROOT, "datasets/snelson1d/snelson_train_outputs.dat"))
    kernel = ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(1.0)
    gpr = GaussianProcessRegressor(kernel=kernel, alpha=0.0, n_restarts_optimizer=5, random_state=0).fit(x, y)
    k = gpr.kernel_
    return {
        "name": "snelson_rbf_optimised",
        "data": "datasets/snelson1d (raw, 200 points)",
        "lml": float(gpr.log_marginal_likelihood_value_),
        "signal_variance": float(k.k1.k1.constant_value),
        "lengthscales": [float(k.k1.k2.length_scale)],
        "noise_variance": float(k.k2.noise_level),
    }


def main():
    Xtr_raw, ytr_raw = load_csv(TRAIN_CSV)
    Xte_raw, yte_raw = load_csv(TEST_CSV)
    if Xtr_raw.shape != (354, 10) or Xte_raw.shape != (88, 10):
        raise SystemExit(f"unexpected shapes {Xtr_raw.shape} {Xte_raw.shape}")

    x_mean = Xtr_raw.mean(axis=0)
    x_std = Xtr_raw.std(axis=0, ddof=0)
    y_mean = float(ytr_raw.mean())
    y_std = float(ytr_raw.std(ddof=0))
    Xtr = (Xtr_raw - x_mean) / x_std
    Xte = (Xte_raw - x_mean) / x_std
    ytr = (ytr_raw - y_mean) / y_std

    cases = []
    for kind in ("matern52", "rbf"):
        cases.append(fixed_case(kind, Xtr, ytr, Xte, yte_raw, y_mean, y_std))
    for kind in ("matern52", "rbf"):
        cases.append(optimised_case(kind, Xtr, ytr, Xte, yte_raw, y_mean, y_std))
    order = ["matern52_fixed", "rbf_fixed", "matern52_optimised", "rbf_optimised"]
    cases.sort(key=lambda c: order.index(c["name"]))
    cases.append(snelson_case())

    doc = {
        "description": "Exact GP regression reference values from scikit-learn "
        "(see scripts/reference/sklearn_exact_reference.py for conventions).",
        "generator": "scripts/reference/sklearn_exact_reference.py",
        "versions": {
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "conventions": {
            "standardisation": "train means, population std (ddof=0); applied to train and test X, train y",
            "scale": "all GP quantities on the standardised scale; test_rmse on the original progression scale",
            "matern52": "s2*(1+sqrt(5)r+5/3 r^2)*exp(-sqrt(5)r), r=||(x-x')/l||",
            "rbf": "s2*exp(-r^2/2), r=||(x-x')/l||",
            "signal_variance": "variance (sklearn ConstantKernel.constant_value), not an amplitude",
            "noise_variance": "variance added to the training diagonal only (sklearn alpha=0, no jitter)",
            "lml": "-1/2 y'Ky^-1 y - 1/2 log|Ky| - n/2 log(2pi), natural log",
            "lml_gradient_log": "d lml / d log(hyperparameter), in gradient_order",
            "latent_variance": "noise-free Var[f*] at test inputs; observed_variance = latent_variance + noise_variance",
        },
        "data": {
            "train": TRAIN_CSV,
            "test": TEST_CSV,
            "features": FEATURES,
            "target": TARGET,
            "n_train": int(Xtr.shape[0]),
            "n_test": int(Xte.shape[0]),
        },
        "x_mean": flist(x_mean),
        "x_std": flist(x_std),
        "y_mean": y_mean,
        "y_std": y_std,
        "cases": cases,
    }

    out_path = os.path.join(ROOT, OUT_JSON)
    out_dir = os.path.dirname(out_path)
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".sklearn_exact_reference.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=1, allow_nan=False)
            fh.write("\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, out_path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

    print(f"wrote {OUT_JSON}  (sklearn {sklearn.__version__}, numpy {np.__version__}, scipy {scipy.__version__})")
    for c in cases:
        print(f"  {c['name']:22s} lml = {c['lml']!r}" + (f"  test_rmse = {c['test_rmse']:.4f}" if 'test_rmse' in c else ''))
    return 0


if __name__ == "__main__":
    sys.exit(main())
