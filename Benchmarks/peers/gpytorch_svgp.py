#!/usr/bin/env python3
"""Benchmark peer: GPyTorch SVGP (float64, CPU, one thread), suite `svgp`.

Usage:
    python Benchmarks/peers/gpytorch_svgp.py --train F.csv --test G.csv --inducing M --batch-size B
        --iterations N --likelihood gaussian|bernoulli [--learning-rate 0.01] [--seed S] [--repeats R]
        [--batches FILE]

Model: gpytorch.models.ApproximateGP with VariationalStrategy(learn_inducing_locations=True) (whitened)
+ CholeskyVariationalDistribution(M), ZeroMean, ScaleKernel(MaternKernel(nu=2.5, ard_num_dims=d)),
GaussianLikelihood(noise_constraint=GreaterThan(1e-6)) or BernoulliLikelihood (probit, 20-point
Gauss-Hermite). Initial point as on every side (Benchmarks/README.md, suite svgp): Z = the first M training
rows, lengthscales 1, outputscale 1, noise 0.1, q(u) = N(0, I) exactly (GPyTorch's own initialisation adds
N(0, 1e-3²) noise to the mean; it is replaced before the first step).

Training: VariationalELBO(num_data=N) (GPyTorch divides the ELBO by N; Adam is invariant to that scale up to
its ε), torch.optim.Adam(lr, betas (0.9, 0.999), eps 1e-8) on every parameter (Z, q(u), kernel, likelihood),
N iterations on minibatches of B rows: the rows of --batches (one line of B indices per iteration, the
order SwiftGP's engine draws; see Benchmarks/README.md), else drawn without replacement and reshuffled every
epoch (numpy default_rng(seed) permutation; a last partial batch is dropped). Each iteration (batch gather, forward,
backward, step) is timed; `seconds_per_iteration` is the median over iterations 2..N (the first, which pays
one-time set-up, is reported as `first_iteration_seconds`). Fit time: the whole loop.

Final ELBO: Σ over the full training data (chunks of 4096 rows) of E_q[log p(y|f)] − KL[q(u) ‖ p(u)], in
nats (not divided by N); `initial_elbo` is the same at the initial point (a check that every side evaluates
the same model). Predict: model.eval(), then likelihood(model(X*)) (observed mean and variance, or
p(y = 1) = Φ(μ/√(1+v))).

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
CHUNK = 4096


class Model(gpytorch.models.ApproximateGP):
    def __init__(self, z):
        m, d = z.shape
        q = gpytorch.variational.CholeskyVariationalDistribution(m)
        strategy = gpytorch.variational.VariationalStrategy(self, z, q, learn_inducing_locations=True)
        super().__init__(strategy)
        self.mean_module = gpytorch.means.ZeroMean()
        self.covar_module = gpytorch.kernels.ScaleKernel(gpytorch.kernels.MaternKernel(nu=2.5, ard_num_dims=d))

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))


def build(X, m, likelihood):
    d = X.shape[1]
    model = Model(X[:m].clone())
    model.covar_module.outputscale = torch.tensor(C.INITIAL_SIGNAL_VARIANCE)
    model.covar_module.base_kernel.lengthscale = torch.full((1, d), C.INITIAL_LENGTHSCALE)
    with torch.no_grad():  # q(u) = N(0, I) exactly, and mark it initialised so GPyTorch keeps it.
        vd = model.variational_strategy._variational_distribution
        vd.variational_mean.zero_()
        vd.chol_variational_covar.copy_(torch.eye(m))
        model.variational_strategy.variational_params_initialized.fill_(1)
    if likelihood == "gaussian":
        lik = gpytorch.likelihoods.GaussianLikelihood(
            noise_constraint=gpytorch.constraints.GreaterThan(C.NOISE_FLOOR))
        lik.noise = torch.tensor(C.INITIAL_NOISE_VARIANCE)
    else:
        lik = gpytorch.likelihoods.BernoulliLikelihood()
    return model, lik


def full_elbo(model, lik, X, y):
    """Σ_n E_q[log p(y_n | f_n)] − KL over the full data, accumulated in chunks (train mode, no grad)."""
    model.train()
    lik.train()
    total = 0.0
    with torch.no_grad():
        for s in range(0, X.shape[0], CHUNK):
            out = model(X[s:s + CHUNK])
            total += float(lik.expected_log_prob(y[s:s + CHUNK], out).sum())
        kl = float(model.variational_strategy.kl_divergence())
    return total - kl


def header():
    return {"library": LIBRARY, "version": gpytorch.__version__, "torch": torch.__version__,
            "linear_operator": linear_operator.__version__, "torch_threads": torch.get_num_threads(),
            "blas": C.blas_info()}


def one_fit(args, X, y, Xt, yt, fixed):
    n = X.shape[0]
    model, lik = build(X, args.inducing, args.likelihood)
    initial = full_elbo(model, lik, X, y)
    model.train()
    lik.train()
    mll = gpytorch.mlls.VariationalELBO(lik, model, num_data=n)
    opt = torch.optim.Adam(list(model.parameters()) + list(lik.parameters()), lr=args.learning_rate,
                           betas=(0.9, 0.999), eps=1e-8)
    rng = np.random.default_rng(args.seed)
    stream = C.batches(n, args.batch_size, rng, fixed)
    times = []
    last = None
    t_fit = C.perf_counter()
    for _ in range(args.iterations):
        t0 = C.perf_counter()
        idx = next(stream)
        xb, yb = (X, y) if idx is None else (X[idx], y[idx])
        opt.zero_grad(set_to_none=True)
        loss = -mll(model(xb), yb)
        loss.backward()
        opt.step()
        times.append(C.perf_counter() - t0)
        last = loss
    fit = C.perf_counter() - t_fit
    minibatch_elbo = -float(last.detach()) * n
    final = full_elbo(model, lik, X, y)
    t0 = C.perf_counter()
    model.eval()
    lik.eval()
    with torch.no_grad():
        f = model(Xt)
        pred = lik(f)
        if args.likelihood == "gaussian":
            mean, var = pred.mean.numpy().copy(), pred.variance.numpy().copy()
        else:
            _ = pred.probs.numpy().copy()
            mean, var = f.mean.numpy().copy(), f.variance.numpy().copy()
    predict = C.perf_counter() - t0
    if args.likelihood == "gaussian":
        rmse, nlpd = C.scores(mean, var, yt.numpy())
        metrics = {"test_rmse": rmse, "test_nlpd": nlpd}
    else:
        err, nlpd = C.probit_scores(mean, var, yt.numpy())
        metrics = {"test_error": err, "test_nlpd": nlpd}
    hyper = {"lengthscales": model.covar_module.base_kernel.lengthscale.detach().reshape(-1).tolist(),
             "signal_variance": float(model.covar_module.outputscale.detach())}
    if args.likelihood == "gaussian":
        hyper["noise_variance"] = float(lik.noise.detach().reshape(-1)[0])
    return {"fit": fit, "times": times, "predict": predict, "initial_elbo": initial, "final_elbo": final,
            "minibatch_elbo": minibatch_elbo,
            "metrics": metrics, "hyper": hyper}


def fit_runs(args, Xn, yn, Xtn, ytn, fixed):
    X, y, Xt, yt = (torch.from_numpy(a) for a in (Xn, yn, Xtn, ytn))
    fixed = None if fixed is None else [torch.from_numpy(b) for b in fixed]
    with gpytorch.settings.max_cholesky_size(10 ** 9):
        runs = [one_fit(args, X, y, Xt, yt, fixed) for _ in range(args.repeats)]
    return header(), "torch.optim.Adam (0.9, 0.999, eps 1e-8) on all parameters; VariationalELBO(num_data=N)", runs


def main(argv=None):
    return C.svgp_main(__doc__, fit_runs, argv)


if __name__ == "__main__":
    sys.exit(main())
