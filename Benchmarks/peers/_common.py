"""Shared by the peer scripts: one thread everywhere, CSV loading, scores and the one-line JSON output.

Import this module FIRST in a peer script: it pins OPENBLAS_NUM_THREADS / OMP_NUM_THREADS /
MKL_NUM_THREADS (and TensorFlow's thread pools) to 1 before numpy, torch or tensorflow is imported.
Other OpenBLAS variables (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE) are left as the caller sets them.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
             "NUMEXPR_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import json  # noqa: E402
import math  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

try:
    from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402
except ImportError:  # pragma: no cover - optional
    threadpool_info = threadpool_limits = None

_LIMITER = threadpool_limits(limits=1) if threadpool_limits is not None else None

# The benchmark's model at its fixed initial point (same on every side; Benchmarks/README.md).
INITIAL_LENGTHSCALE = 1.0
INITIAL_SIGNAL_VARIANCE = 1.0
INITIAL_NOISE_VARIANCE = 0.1
NOISE_FLOOR = 1e-6
# scipy L-BFGS-B's defaults, used as the stopping rule on every side: ||proj g||_inf <= 1e-5, or a relative
# objective change <= factr * eps = 1e7 * 2.22e-16.
GRADIENT_TOLERANCE = 1e-5
RELATIVE_TOLERANCE = 1e7 * np.finfo(float).eps
LBFGS_MEMORY = 10

perf_counter = time.perf_counter


def load(path):
    """(X, y) float64 arrays from a CSV with a header; the target is the column `y`, else the last."""
    with open(path) as fh:
        header = [h.strip() for h in fh.readline().strip().split(",")]
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if data.shape[1] != len(header) or data.shape[1] < 2:
        raise SystemExit(f"{path}: header has {len(header)} columns, data has {data.shape[1]}")
    yi = header.index("y") if "y" in header else len(header) - 1
    X = np.delete(data, yi, axis=1)
    y = data[:, yi]
    return np.ascontiguousarray(X), np.ascontiguousarray(y)


def scores(mean, variance, y):
    """(test RMSE, mean NLPD) of observed targets under N(mean, variance), in standardised units."""
    mean = np.asarray(mean, dtype=np.float64).reshape(-1)
    variance = np.asarray(variance, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    r = y - mean
    rmse = float(np.sqrt(np.mean(r * r)))
    nlpd = float(np.mean(0.5 * (math.log(2 * math.pi) + np.log(variance) + r * r / variance)))
    return rmse, nlpd


def median(xs):
    return float(statistics.median(xs))


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def blas_info():
    """numpy's BLAS as threadpoolctl sees it (name, version, architecture, threads)."""
    if threadpool_info is None:
        return None
    out = []
    for p in threadpool_info():
        if p.get("user_api") == "blas":
            out.append({k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads")})
    return out


def finite(v):
    v = float(v)
    return v if math.isfinite(v) else None


def emit(obj):
    """Prints ONE JSON line (the result) and flushes."""
    obj = dict(obj)
    obj.setdefault("peak_rss_mib_self", peak_rss_mib())
    print(json.dumps(obj), flush=True)


def fail(message):
    print(f"peer error: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def exact_main(doc, lml_mode, fit_mode, argv=None):
    """The command line every exact-GP peer shares: `--data F` times LML + gradient (`lml_mode`), `--train F
    --test G` runs a capped fit (`fit_mode`). Returns the exit status."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--data", help="CSV: header, x1..xd, y (LML + gradient timing)")
    ap.add_argument("--train", help="training CSV (fit mode)")
    ap.add_argument("--test", help="test CSV (fit mode)")
    ap.add_argument("--iterations", type=int, default=100, help="optimiser iteration cap (fit mode)")
    ap.add_argument("--repeats", type=int, default=3, help="timed repeats (default 3)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed warm-up calls (LML mode)")
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")
    if args.data:
        lml_mode(args)
    elif args.train and args.test:
        fit_mode(args)
    else:
        ap.error("give --data, or --train and --test")
    return 0

def svgp_main(doc, fit_runs, argv=None):
    """The command line every SVGP peer shares: parses and checks the options, loads the CSVs and the batch
    file, calls `fit_runs(args, X, y, Xt, yt, fixed)` -> (library header dict, optimiser description, runs)
    (each run a dict with fit, times, predict, initial_elbo, final_elbo, minibatch_elbo, metrics, hyper),
    and prints the one result line. Returns the exit status."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--inducing", type=int, required=True)
    ap.add_argument("--batch-size", type=int, required=True)
    ap.add_argument("--iterations", type=int, required=True)
    ap.add_argument("--likelihood", choices=["gaussian", "bernoulli"], default="gaussian")
    ap.add_argument("--learning-rate", type=float, default=0.01)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--batches", help="text file, one line of B row indices per iteration (SwiftGP's order)")
    args = ap.parse_args(argv)
    if args.repeats < 1 or args.iterations < 1:
        ap.error("--repeats and --iterations must be >= 1")
    X, y = load(args.train)
    Xt, yt = load(args.test)
    n, d = X.shape
    if not 1 <= args.inducing <= n:
        ap.error(f"--inducing must be in 1...{n}")
    fixed = load_batches(args.batches, args.iterations, args.batch_size, n) if args.batches else None
    header, optimizer, runs = fit_runs(args, X, y, Xt, yt, fixed)
    last = runs[-1]
    per_iter = [median(r["times"][1:] or r["times"]) for r in runs]
    out = header
    out.update({
        "benchmark": "svgp-fit", "n": int(n), "d": int(d), "n_test": int(len(yt)),
        "likelihood": args.likelihood, "inducing": args.inducing, "batch_size": args.batch_size,
        "iterations": args.iterations, "learning_rate": args.learning_rate, "seed": args.seed,
        "batch_order": "SwiftGP's (--batches)" if fixed is not None else "own (numpy permutation per epoch)",
        "optimizer": optimizer,
        "fit_seconds_median": median([r["fit"] for r in runs]), "fit_seconds_all": [r["fit"] for r in runs],
        "seconds_per_iteration": median(per_iter), "seconds_per_iteration_all": per_iter,
        "seconds_per_iteration_method": "median of the timed iterations 2..N",
        "first_iteration_seconds": last["times"][0],
        "initial_elbo": last["initial_elbo"], "final_elbo": last["final_elbo"],
        "minibatch_elbo": last["minibatch_elbo"],
        "predict_seconds_median": median([r["predict"] for r in runs]),
        "predict_seconds_all": [r["predict"] for r in runs],
    })
    out.update(last["metrics"])
    out.update(last["hyper"])
    emit(out)
    return 0


def batches(n, b, rng, fixed=None):
    """Minibatch index arrays: the rows of `fixed` in order, else a fresh permutation per epoch cut into b
    (None every time when b >= n: the whole data set)."""
    if fixed is not None:
        for row in fixed:
            yield row
        raise SystemExit("--batches has fewer rows than --iterations")
    if b >= n:
        while True:
            yield None
    while True:
        order = rng.permutation(n)
        for s in range(0, n - b + 1, b):
            yield order[s:s + b]


def probit_scores(mean, var, y):
    """(error rate, NLPD) for probit predictions p(y=1) = Φ(μ/√(1+v)) from latent moments, y in {0, 1}."""
    from scipy.special import log_ndtr

    t = np.asarray(mean).reshape(-1) / np.sqrt(1.0 + np.asarray(var).reshape(-1))
    y = np.asarray(y).reshape(-1)
    s = 2.0 * y - 1.0
    err = float(np.mean((np.exp(log_ndtr(t)) > 0.5) != (y > 0.5)))
    return err, float(-np.mean(log_ndtr(s * t)))


def load_batches(path, iterations, b, n):
    """The first `iterations` rows of a batch file (one line of b indices per iteration), as int arrays."""
    rows = []
    with open(path) as fh:
        for line in fh:
            if len(rows) == iterations:
                break
            idx = np.array([int(v) for v in line.split()], dtype=np.int64)
            if len(idx) != b or idx.min() < 0 or idx.max() >= n:
                raise SystemExit(f"{path}: line {len(rows) + 1} is not {b} indices in 0..<{n}")
            rows.append(idx)
    if len(rows) < iterations:
        raise SystemExit(f"{path}: {len(rows)} batches, {iterations} needed")
    return rows
