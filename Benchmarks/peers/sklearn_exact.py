#!/usr/bin/env python3
"""Benchmark peer: scikit-learn exact GP regression.

Usage:
    python3 Benchmarks/peers/sklearn_exact.py --data FILE.csv [--repeats R]
    python3 Benchmarks/peers/sklearn_exact.py --train F.csv --test G.csv --iterations N [--repeats R]

FILE.csv: one header row, columns x1..xd then y (all numeric, already
standardised; the target is the column named "y", else the last column).

Model: ConstantKernel(1.0) * Matern(length_scale=ones(d), nu=2.5)
       + WhiteKernel(noise_level=0.1), GaussianProcessRegressor with
       alpha=0.0 (no hidden 1e-10 jitter, so the lml is exactly that of the
       stated model), normalize_y=False.

LML mode (--data) timed: gpr.log_marginal_likelihood(theta, eval_gradient=True)
at the initial theta (log of [1, 1 x d, 0.1]). The regressor is fitted once
beforehand (optimizer=None), then one untimed warm-up call, then R timed calls
(time.perf_counter); the median is reported.

Fit mode (--train/--test): scipy.optimize.minimize(method="L-BFGS-B",
jac=True, maxiter=N, defaults maxcor=10, pgtol=1e-5, factr=1e7) on sklearn's
log-parametrised objective (bounds 1e-6..1e6 on every hyperparameter), from the
same initial point. Predict time: a GaussianProcessRegressor with the fitted
kernel and optimizer=None is fitted (Cholesky) and predicts mean and std of y*
at the test inputs (the WhiteKernel adds the noise, so this is the observed
predictive, as on every side).

Prints ONE JSON line:
    {"library": "scikit-learn", "version": ..., "n": ..., "d": ..., "lml": ...,
     "seconds_median": ..., "seconds_all": [...]}            (LML mode)
    {"library": "scikit-learn", ..., "fit_seconds_median": ..., "iterations": ...,
     "final_lml": ..., "predict_seconds_median": ..., "test_rmse": ..., "test_nlpd": ...}  (fit mode)

Threads: pinned to one by _common (OPENBLAS_NUM_THREADS / OMP_NUM_THREADS /
MKL_NUM_THREADS = 1 before numpy is imported, threadpoolctl limits when
importable). OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are left as the caller sets them.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402  (pins threads before numpy)


import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.optimize  # noqa: E402
import sklearn  # noqa: E402
from sklearn.gaussian_process import GaussianProcessRegressor  # noqa: E402
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel  # noqa: E402

LIBRARY = "scikit-learn"
BOUNDS = (1e-6, 1e6)


def make_kernel(d):
    return (ConstantKernel(C.INITIAL_SIGNAL_VARIANCE, constant_value_bounds=BOUNDS)
            * Matern(length_scale=np.full(d, C.INITIAL_LENGTHSCALE), length_scale_bounds=BOUNDS, nu=2.5)
            + WhiteKernel(noise_level=C.INITIAL_NOISE_VARIANCE, noise_level_bounds=BOUNDS))


def header():
    return {"library": LIBRARY, "version": sklearn.__version__, "scipy": scipy.__version__,
            "numpy": np.__version__, "blas": C.blas_info()}


def lml_mode(args):
    X, y = C.load(args.data)
    n, d = X.shape
    gpr = GaussianProcessRegressor(kernel=make_kernel(d), alpha=0.0, optimizer=None, normalize_y=False)
    gpr.fit(X, y)
    theta = gpr.kernel_.theta.copy()
    for _ in range(args.warmup):
        lml, _ = gpr.log_marginal_likelihood(theta, eval_gradient=True)
    times = []
    for _ in range(args.repeats):
        t0 = C.perf_counter()
        lml, grad = gpr.log_marginal_likelihood(theta, eval_gradient=True)
        times.append(C.perf_counter() - t0)
    out = header()
    out.update({"benchmark": "exact-lml", "n": int(n), "d": int(d), "lml": float(lml),
                "seconds_median": C.median(times), "seconds_all": [float(t) for t in times]})
    C.emit(out)


def fit_mode(args):
    X, y = C.load(args.train)
    Xt, yt = C.load(args.test)
    n, d = X.shape
    fit_times, predict_times = [], []
    for _ in range(args.repeats):
        info = {}

        def optimizer(obj_func, initial_theta, bounds):
            res = scipy.optimize.minimize(obj_func, initial_theta, method="L-BFGS-B", jac=True, bounds=bounds,
                                          options={"maxiter": args.iterations, "maxcor": C.LBFGS_MEMORY})
            info.update(nit=int(res.nit), nfev=int(res.nfev), message=str(res.message))
            return res.x, res.fun

        gpr = GaussianProcessRegressor(kernel=make_kernel(d), alpha=0.0, optimizer=optimizer,
                                       n_restarts_optimizer=0, normalize_y=False)
        t0 = C.perf_counter()
        gpr.fit(X, y)
        fit_times.append(C.perf_counter() - t0)
        t0 = C.perf_counter()
        post = GaussianProcessRegressor(kernel=gpr.kernel_, alpha=0.0, optimizer=None, normalize_y=False).fit(X, y)
        mean, std = post.predict(Xt, return_std=True)
        predict_times.append(C.perf_counter() - t0)
    rmse, nlpd = C.scores(mean, std ** 2, yt)
    params = np.exp(gpr.kernel_.theta)  # [signal variance, lengthscales..., noise]
    fit_med = C.median(fit_times)
    out = header()
    out.update({
        "benchmark": "exact-fit", "n": int(n), "d": int(d), "n_test": int(len(yt)),
        "optimizer": "scipy L-BFGS-B (m=10), log parameters",
        "iteration_cap": args.iterations, "iterations": info["nit"], "evaluations": info["nfev"],
        "stop_reason": info["message"],
        "fit_seconds_median": fit_med, "fit_seconds_all": fit_times,
        "seconds_per_iteration": fit_med / max(1, info["nit"]),
        "final_lml": float(gpr.log_marginal_likelihood_value_),
        "predict_seconds_median": C.median(predict_times), "predict_seconds_all": predict_times,
        "test_rmse": rmse, "test_nlpd": nlpd,
        "lengthscales": [float(v) for v in params[1:1 + d]],
        "signal_variance": float(params[0]), "noise_variance": float(params[-1]),
    })
    C.emit(out)


def main(argv=None):
    return C.exact_main(__doc__, lml_mode, fit_mode, argv)


if __name__ == "__main__":
    sys.exit(main())
