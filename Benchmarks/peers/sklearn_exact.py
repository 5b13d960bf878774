#!/usr/bin/env python3
"""Benchmark peer: scikit-learn exact-GP log marginal likelihood + gradient.

Usage:
    python3 Benchmarks/peers/sklearn_exact.py --data FILE.csv [--repeats R]

FILE.csv: one header row, columns x1..xd then y (all numeric, already
standardised; the target is the column named "y", else the last column).

Model: ConstantKernel(1.0) * Matern(length_scale=ones(d), nu=2.5)
       + WhiteKernel(noise_level=0.1), GaussianProcessRegressor with
       alpha=0.0 (no hidden 1e-10 jitter, so the lml is exactly that of the
       stated model), normalize_y=False, optimizer=None.

Timed: gpr.log_marginal_likelihood(theta, eval_gradient=True) at the initial
theta (log of [1, 1 x d, 0.1]). The regressor is fitted once beforehand (no
optimisation), then one untimed warm-up call, then R timed calls
(time.perf_counter); the median is reported.

Prints ONE JSON line:
    {"library": "scikit-learn", "version": ..., "n": ..., "d": ..., "lml": ...,
     "seconds_median": ..., "seconds_all": [...]}

Threads: pinned to one. OPENBLAS_NUM_THREADS / OMP_NUM_THREADS /
MKL_NUM_THREADS are set to 1 before numpy is imported, and threadpoolctl's
threadpool_limits(1) is applied as well when it is importable. Other
OpenBLAS variables (e.g. OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE) are left as the
caller's environment sets them.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

try:
    from threadpoolctl import threadpool_limits  # noqa: E402
except ImportError:  # pragma: no cover - optional
    threadpool_limits = None

import sklearn  # noqa: E402
from sklearn.gaussian_process import GaussianProcessRegressor  # noqa: E402
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel  # noqa: E402


def load(path):
    with open(path) as fh:
        header = [h.strip() for h in fh.readline().strip().split(",")]
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if data.shape[1] != len(header) or data.shape[1] < 2:
        raise SystemExit(f"{path}: header has {len(header)} columns, data has {data.shape[1]}")
    yi = header.index("y") if "y" in header else len(header) - 1
    X = np.delete(data, yi, axis=1)
    y = data[:, yi]
    return np.ascontiguousarray(X), np.ascontiguousarray(y)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="CSV: header, x1..xd, y")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats (default 3)")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")

    limiter = threadpool_limits(limits=1) if threadpool_limits is not None else None

    X, y = load(args.data)
    n, d = X.shape
    kernel = ConstantKernel(1.0) * Matern(length_scale=np.ones(d), nu=2.5) + WhiteKernel(noise_level=0.1)
    gpr = GaussianProcessRegressor(kernel=kernel, alpha=0.0, optimizer=None, normalize_y=False)
    gpr.fit(X, y)
    theta = gpr.kernel_.theta.copy()

    lml, _ = gpr.log_marginal_likelihood(theta, eval_gradient=True)  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        lml, grad = gpr.log_marginal_likelihood(theta, eval_gradient=True)
        times.append(time.perf_counter() - t0)

    if limiter is not None:
        limiter.restore_original_limits()

    print(
        json.dumps(
            {
                "library": "scikit-learn",
                "version": sklearn.__version__,
                "n": int(n),
                "d": int(d),
                "lml": float(lml),
                "seconds_median": float(statistics.median(times)),
                "seconds_all": [float(t) for t in times],
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
