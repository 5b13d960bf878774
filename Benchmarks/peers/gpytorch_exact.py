#!/usr/bin/env python3
"""Benchmark peer: GPyTorch exact GP regression (float64, CPU, one thread).

Usage:
    python Benchmarks/peers/gpytorch_exact.py --data FILE.csv [--repeats R]
    python Benchmarks/peers/gpytorch_exact.py --train F.csv --test G.csv --iterations N [--repeats R]

Model: gpytorch.models.ExactGP with ZeroMean, ScaleKernel(MaternKernel(nu=2.5, ard_num_dims=d)),
GaussianLikelihood(noise_constraint=GreaterThan(1e-6)); lengthscales 1, outputscale 1, noise 0.1.
Everything in float64. `gpytorch.settings.max_cholesky_size(10**9)`: exact Cholesky-based solves and
log-determinants at every n (by default GPyTorch switches to CG/Lanczos above n = 800).

LML mode: one call = ExactMarginalLogLikelihood forward (model(X), mll(output, y)) + backward
(loss.backward()) at the initial point, after one untimed warm-up. GPyTorch's mll is divided by n;
the reported lml is multiplied back.

Fit mode: torch.optim.LBFGS(lr=1, max_iter=N, history_size=10, line_search_fn="strong_wolfe",
tolerance_grad=1e-5, tolerance_change=2.2e-9), one .step(closure) (= up to N iterations), on
GPyTorch's softplus raw parameters. Predict time: model.train() then model.eval() (clears the
prediction caches), then likelihood(model(X*)) mean and variance (observed predictive) under no_grad.

Threads: torch.set_num_threads(1), torch.set_num_interop_threads(1), plus the environment of _common.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402  (pins threads before torch)
import _gpytorch  # noqa: E402,F401  (one torch thread, float64)


import numpy as np  # noqa: E402
import torch  # noqa: E402


import gpytorch  # noqa: E402
import linear_operator  # noqa: E402

LIBRARY = "GPyTorch"


class Model(gpytorch.models.ExactGP):
    def __init__(self, X, y, likelihood):
        super().__init__(X, y, likelihood)
        d = X.shape[1]
        self.mean_module = gpytorch.means.ZeroMean()
        self.covar_module = gpytorch.kernels.ScaleKernel(gpytorch.kernels.MaternKernel(nu=2.5, ard_num_dims=d))

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def build(X, y):
    lik = gpytorch.likelihoods.GaussianLikelihood(noise_constraint=gpytorch.constraints.GreaterThan(C.NOISE_FLOOR))
    model = Model(X, y, lik)
    d = X.shape[1]
    lik.noise = torch.tensor(C.INITIAL_NOISE_VARIANCE)
    model.covar_module.outputscale = torch.tensor(C.INITIAL_SIGNAL_VARIANCE)
    model.covar_module.base_kernel.lengthscale = torch.full((1, d), C.INITIAL_LENGTHSCALE)
    mll = gpytorch.mlls.ExactMarginalLogLikelihood(lik, model)
    return model, lik, mll


def settings():
    return gpytorch.settings.max_cholesky_size(10 ** 9)


def header():
    return {"library": LIBRARY, "version": gpytorch.__version__, "torch": torch.__version__,
            "linear_operator": linear_operator.__version__, "torch_threads": torch.get_num_threads(),
            "blas": C.blas_info()}


def tensors(path):
    X, y = C.load(path)
    return torch.from_numpy(X), torch.from_numpy(y)


def lml_mode(args):
    X, y = tensors(args.data)
    n, d = X.shape
    model, lik, mll = build(X, y)
    model.train()
    lik.train()

    def call():
        model.zero_grad(set_to_none=True)
        out = mll(model(X), y)
        (-out).backward()
        return float(out.detach()) * n

    with settings():
        for _ in range(args.warmup):
            lml = call()
        times = []
        for _ in range(args.repeats):
            t0 = C.perf_counter()
            lml = call()
            times.append(C.perf_counter() - t0)
    out = header()
    out.update({"benchmark": "exact-lml", "n": int(n), "d": int(d), "lml": lml,
                "seconds_median": C.median(times), "seconds_all": times})
    C.emit(out)


def fit_mode(args):
    X, y = tensors(args.train)
    Xt, yt = tensors(args.test)
    n, d = X.shape
    fit_times, predict_times = [], []
    with settings():
        for _ in range(args.repeats):
            model, lik, mll = build(X, y)
            model.train()
            lik.train()
            opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=args.iterations,
                                    history_size=C.LBFGS_MEMORY, line_search_fn="strong_wolfe",
                                    tolerance_grad=C.GRADIENT_TOLERANCE, tolerance_change=C.RELATIVE_TOLERANCE)

            def closure():
                opt.zero_grad()
                loss = -mll(model(X), y)
                loss.backward()
                return loss

            t0 = C.perf_counter()
            opt.step(closure)
            fit_times.append(C.perf_counter() - t0)
            state = opt.state[opt._params[0]]
            with torch.no_grad():
                final = float(mll(model(X), y)) * n
            t0 = C.perf_counter()
            model.train()
            model.eval()
            lik.eval()
            with torch.no_grad():
                pred = lik(model(Xt))
                mean, var = pred.mean.numpy().copy(), pred.variance.numpy().copy()
            predict_times.append(C.perf_counter() - t0)
    rmse, nlpd = C.scores(mean, var, yt.numpy())
    iters = int(state.get("n_iter", 0))
    fit_med = C.median(fit_times)
    out = header()
    out.update({
        "benchmark": "exact-fit", "n": int(n), "d": int(d), "n_test": int(len(yt)),
        "optimizer": "torch.optim.LBFGS (m=10, strong Wolfe), softplus raw parameters",
        "iteration_cap": args.iterations, "iterations": iters, "evaluations": int(state.get("func_evals", 0)),
        "stop_reason": "max iterations" if iters >= args.iterations else "tolerance",
        "fit_seconds_median": fit_med, "fit_seconds_all": fit_times,
        "seconds_per_iteration": fit_med / max(1, iters),
        "final_lml": final,
        "predict_seconds_median": C.median(predict_times), "predict_seconds_all": predict_times,
        "test_rmse": rmse, "test_nlpd": nlpd,
        "lengthscales": model.covar_module.base_kernel.lengthscale.detach().reshape(-1).tolist(),
        "signal_variance": float(model.covar_module.outputscale.detach()),
        "noise_variance": float(lik.noise.detach().reshape(-1)[0]),
    })
    C.emit(out)


def main(argv=None):
    return C.exact_main(__doc__, lml_mode, fit_mode, argv)


if __name__ == "__main__":
    sys.exit(main())
