#!/usr/bin/env python3
"""The Friedman-1 data and scikit-learn's optimum on it: the reference for "a default fit finds the optimum".

Run from the repository root with scikit-learn installed (the benchmark peers' environment has it):

    Benchmarks/.venv-peers/bin/python scripts/reference/friedman1_reference.py

Writes (atomically: a temporary file in the same directory, then os.replace)
  * Tests/SwiftGPTests/Fixtures/friedman1_train.csv  header x1..x10,y; 1600 rows
  * Tests/SwiftGPTests/Fixtures/friedman1_test.csv   400 rows
  * Tests/SwiftGPTests/Fixtures/friedman1_reference.json

Data: sklearn.datasets.make_friedman1(n_samples=2000, n_features=10, noise=1.0, random_state=0); the first
1600 rows train, the last 400 test. Values are written with 17 significant digits so every reader parses the
same doubles.

Model (as `swiftgp fit --model exact --kernel matern52` sees it): X and y standardised with the TRAIN means
and POPULATION (ddof = 0) standard deviations; kernel ConstantKernel(1) * Matern(length_scale=ones(10),
nu=2.5) + WhiteKernel(1) with sklearn's default bounds (1e-5, 1e5); alpha = 0; normalize_y = False.

Reference values (log marginal likelihood, natural log, summed over the 1600 training points):
  * lml_default_standardized: scikit-learn's L-BFGS-B optimum from its default start (the issue's +194);
  * lml_best_standardized: the best of that and 9 seeded restarts (n_restarts_optimizer=9, random_state=0);
  * the same two on the DATA scale: lml_standardized - n * log(y_std), which is what `TrainingRecord.objective`
    reports, and does not depend on how the data were standardised;
  * test_rmse / test_nlpd of the best model on the original y scale (NLPD: mean negative log predictive
    density of y, i.e. latent variance plus noise).
"""
import json, math, os, tempfile

import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "SwiftGPTests", "Fixtures")


def atomic_write(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def csv(x, y):
    header = ",".join([f"x{j + 1}" for j in range(x.shape[1])] + ["y"])
    rows = [",".join(f"{v:.17g}" for v in list(xi) + [yi]) for xi, yi in zip(x, y)]
    return header + "\n" + "\n".join(rows) + "\n"


def kernel(d):
    return ConstantKernel(1.0) * Matern(length_scale=np.ones(d), nu=2.5) + WhiteKernel(1.0)


def main():
    x, y = make_friedman1(n_samples=2000, n_features=10, noise=1.0, random_state=0)
    xtr, ytr, xte, yte = x[:1600], y[:1600], x[1600:], y[1600:]
    # Round-trip through the 17-digit text so both sides use identical doubles.
    xtr = np.array([[float(f"{v:.17g}") for v in r] for r in xtr]); ytr = np.array([float(f"{v:.17g}") for v in ytr])
    xte = np.array([[float(f"{v:.17g}") for v in r] for r in xte]); yte = np.array([float(f"{v:.17g}") for v in yte])
    xm, xs = xtr.mean(0), xtr.std(0)
    ym, ys = ytr.mean(), ytr.std()
    z, t = (xtr - xm) / xs, (ytr - ym) / ys
    default = GaussianProcessRegressor(kernel(10), alpha=0.0, normalize_y=False).fit(z, t)
    best = GaussianProcessRegressor(kernel(10), alpha=0.0, normalize_y=False, n_restarts_optimizer=9,
                                    random_state=0).fit(z, t)
    n = len(ytr)
    mean, sd = best.predict((xte - xm) / xs, return_std=True)
    mu, var = mean * ys + ym, (sd ** 2) * ys ** 2      # sklearn's std includes the WhiteKernel noise
    rmse = float(np.sqrt(np.mean((mu - yte) ** 2)))
    nlpd = float(np.mean(0.5 * np.log(2 * math.pi * var) + 0.5 * (yte - mu) ** 2 / var))
    ref = {
        "n_train": n, "n_test": len(yte), "y_mean": ym, "y_std": ys,
        "lml_default_standardized": float(default.log_marginal_likelihood_value_),
        "lml_best_standardized": float(best.log_marginal_likelihood_value_),
        "lml_default": float(default.log_marginal_likelihood_value_ - n * math.log(ys)),
        "lml_best": float(best.log_marginal_likelihood_value_ - n * math.log(ys)),
        "kernel_default": str(default.kernel_), "kernel_best": str(best.kernel_),
        "test_rmse": rmse, "test_nlpd": nlpd,
    }
    atomic_write(os.path.join(OUT, "friedman1_train.csv"), csv(xtr, ytr))
    atomic_write(os.path.join(OUT, "friedman1_test.csv"), csv(xte, yte))
    atomic_write(os.path.join(OUT, "friedman1_reference.json"), json.dumps(ref, indent=2, sort_keys=True) + "\n")
    print(json.dumps(ref, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
