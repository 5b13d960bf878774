#!/usr/bin/env python3
"""Benchmark peer: scikit-learn GaussianProcessClassifier (Laplace, logistic link) on one UCI set.

Usage:
    python3 Benchmarks/peers/sklearn_gpc.py --data F.csv --folds F.json [--seeds K]

The protocol of suite `classification` (Benchmarks/README.md), as on the SwiftGP side: X z-scored over the
whole set, (X - mean) / (1e-6 + std) (population std); the folds' train/test rows for the first K cv-seeds in
the order 42, 1..9; kernel ConstantKernel(1.0) * Matern(length_scale=1.0, nu=2.5) (isotropic, variance 1,
lengthscale 1 at the start), hyperparameters by sklearn's own L-BFGS-B (optimizer "fmin_l_bfgs_b", no
restarts); test log-likelihood = mean log p(y*) with p clipped at 1e-12 (predict_proba: sklearn's erf
approximation of the logistic integral), accuracy, fit seconds (fit + predict_proba).

Prints ONE JSON line: {"library": "scikit-learn", "version": ..., "n": ..., "d": ...,
    "methods": {"sklearn-laplace": {"loglik": [...], "accuracy": [...], "seconds": [...], "failures": 0}}}
"""

import _common  # noqa: F401  (pins threads first)

import argparse
import json
import warnings

import numpy as np
import sklearn
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.gaussian_process.kernels import ConstantKernel, Matern


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--folds", required=True)
    ap.add_argument("--seeds", type=int, default=10)
    a = ap.parse_args()
    X, y = _common.load(a.data)
    X = (X - X.mean(axis=0)) / (1e-6 + X.std(axis=0))
    with open(a.folds) as fh:
        seeds = json.load(fh)["cv_seeds"]
    order = [s for s in ["42", "1", "2", "3", "4", "5", "6", "7", "8", "9"] if s in seeds][: a.seeds]
    out = {"loglik": [], "accuracy": [], "seconds": [], "failures": 0}
    warnings.filterwarnings("ignore")
    for s in order:
        for fold in seeds[s]:
            tr, te = np.array(fold["train_rows"]), np.array(fold["test_rows"])
            t0 = _common.perf_counter()
            try:
                kernel = ConstantKernel(1.0) * Matern(length_scale=1.0, nu=2.5)
                gpc = GaussianProcessClassifier(kernel=kernel, n_restarts_optimizer=0).fit(X[tr], y[tr])
                p1 = gpc.predict_proba(X[te])[:, 1]
            except Exception:  # noqa: BLE001 - a failed fold is counted, not fatal
                out["failures"] += 1
                continue
            out["seconds"].append(_common.perf_counter() - t0)
            py = np.where(y[te] == 1, p1, 1 - p1)
            out["loglik"].append(float(np.mean(np.log(np.maximum(py, 1e-12)))))
            out["accuracy"].append(float(np.mean((p1 > 0.5) == (y[te] == 1))))
    _common.emit({"library": "scikit-learn", "version": sklearn.__version__, "n": int(X.shape[0]), "d": int(X.shape[1]),
                  "methods": {"sklearn-laplace": out}})


if __name__ == "__main__":
    main()
