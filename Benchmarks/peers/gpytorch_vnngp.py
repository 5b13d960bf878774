#!/usr/bin/env python3
"""Benchmark peer: GPyTorch VNNGP (NNVariationalStrategy, mean-field; float64, CPU, one thread), suite `dklgp`.

Usage:
    python Benchmarks/peers/gpytorch_vnngp.py --train F.csv --test G.csv --likelihood gaussian|studentt|logit
        [--k 20] [--epochs 10] [--batch-size 128] [--learning-rate 0.1] [--decay 0.9] [--seed S]
        [--test-target latent|observed]

Model (Wu, Pleiss & Cunningham 2022): ApproximateGP with NNVariationalStrategy(inducing points = all training
inputs, k nearest previous neighbours, training_batch_size = B, compute_full_kl = False) and a
MeanFieldVariationalDistribution; ZeroMean, ScaleKernel(MaternKernel(nu=1.5, ard_num_dims=d)). The training inputs
are shuffled first (numpy default_rng(seed) permutation): the strategy conditions each point on its k nearest
points earlier in the given order, so a random order replaces maximin. Same start as the SwiftGP side: lengthscales
0.5, outputscale 1; GaussianLikelihood(noise 0.1), StudentTLikelihood (deg_free fixed at 2, noise = scale² = 0.25)
or a logit Bernoulli (GPyTorch's BernoulliLikelihood is probit: a one-line _OneDimensionalLikelihood with
Bernoulli(logits=f), expectations by GPyTorch's 20-point Gauss–Hermite).

Training: VariationalELBO(num_data=n); torch.optim.Adam(lr) on every parameter, ExponentialLR(gamma = decay) per
epoch; an epoch is n // B steps of model(x=None) (the strategy draws the minibatch of inducing indices). Time per
epoch: the median epoch. Scores: RMSE and mean negative log density of the test targets under N(μ, v) of the latent
f (model.eval(), model(X*)), or of y (adds the Gaussian noise) with --test-target observed.
Threads: torch.set_num_threads(1), torch.set_num_interop_threads(1), plus the environment of _common.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402  (pins threads before torch)
import _gpytorch  # noqa: E402,F401  (one torch thread, float64)

import numpy as np  # noqa: E402
import torch  # noqa: E402


import gpytorch  # noqa: E402

LIBRARY = "GPyTorch"


class LogitBernoulli(gpytorch.likelihoods._OneDimensionalLikelihood):
    def forward(self, function_samples, *args, **kwargs):
        return torch.distributions.Bernoulli(logits=function_samples)


class Model(gpytorch.models.ApproximateGP):
    def __init__(self, inducing, k, batch):
        m, d = inducing.shape
        q = gpytorch.variational.MeanFieldVariationalDistribution(m)
        strategy = gpytorch.variational.NNVariationalStrategy(self, inducing, q, k=k, training_batch_size=batch)
        super().__init__(strategy)
        self.mean_module = gpytorch.means.ZeroMean()
        self.covar_module = gpytorch.kernels.ScaleKernel(gpytorch.kernels.MaternKernel(nu=1.5, ard_num_dims=d))

    def forward(self, x):
        return gpytorch.distributions.MultivariateNormal(self.mean_module(x), self.covar_module(x))

    def __call__(self, x, prior=False, **kwargs):
        if x is not None and x.dim() == 1:
            x = x.unsqueeze(-1)
        return self.variational_strategy(x=x, prior=prior, **kwargs)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--likelihood", required=True, choices=["gaussian", "studentt", "logit"])
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--learning-rate", type=float, default=0.1)
    ap.add_argument("--decay", type=float, default=0.9)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test-target", default="latent", choices=["latent", "observed"])
    a = ap.parse_args(argv)
    torch.manual_seed(a.seed)
    X, y = C.load(a.train)
    Xs, ys = C.load(a.test)
    perm = np.random.default_rng(a.seed).permutation(len(y))
    X, y = torch.tensor(X[perm]), torch.tensor(y[perm])
    Xs, ys = torch.tensor(Xs), torch.tensor(ys)
    n, d = X.shape
    t0 = C.perf_counter()
    model = Model(X.clone(), a.k, a.batch_size)
    model.covar_module.outputscale = torch.tensor(1.0)
    model.covar_module.base_kernel.lengthscale = torch.full((1, d), 0.5)
    if a.likelihood == "gaussian":
        lik = gpytorch.likelihoods.GaussianLikelihood()
        lik.noise = torch.tensor(0.1)
    elif a.likelihood == "studentt":
        lik = gpytorch.likelihoods.StudentTLikelihood(deg_free_constraint=gpytorch.constraints.GreaterThan(1.0))
        lik.deg_free = torch.tensor(2.0)
        lik.raw_deg_free.requires_grad_(False)
        lik.noise = torch.tensor(0.25)
    else:
        lik = LogitBernoulli()
    model.train()
    lik.train()
    params = [p for p in list(model.parameters()) + list(lik.parameters()) if p.requires_grad]
    opt = torch.optim.Adam(params, lr=a.learning_rate)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=a.decay)
    mll = gpytorch.mlls.VariationalELBO(lik, model, num_data=n)
    steps = max(1, n // a.batch_size)
    epoch_seconds = []
    setup = C.perf_counter() - t0
    for _ in range(a.epochs):
        e0 = C.perf_counter()
        for _ in range(steps):
            opt.zero_grad()
            out = model(x=None)
            idx = model.variational_strategy.current_training_indices
            loss = -mll(out, y[..., idx])
            loss.backward()
            opt.step()
        sched.step()
        epoch_seconds.append(C.perf_counter() - e0)
    fit = C.perf_counter() - t0
    model.eval()
    lik.eval()
    with torch.no_grad():
        f = model(Xs)
        mean, var = f.mean.numpy(), f.variance.numpy()
    if a.test_target == "observed" and a.likelihood == "gaussian":
        var = var + float(lik.noise)
    var = np.maximum(var, 1e-12)
    r = ys.numpy() - mean
    rmse = float(np.sqrt(np.mean(r * r)))
    nll = float(np.mean(0.5 * (np.log(2 * np.pi * var) + r * r / var)))
    C.emit({"library": LIBRARY, "version": gpytorch.__version__, "benchmark": "dklgp-fit", "model": "vnngp",
            "likelihood": a.likelihood, "n": int(n), "n_test": int(len(ys)), "d": int(d), "neighbors": a.k,
            "epochs": a.epochs, "batch_size": a.batch_size, "iterations": a.epochs * steps, "fit_seconds": fit,
            "setup_seconds": setup, "seconds_per_epoch": C.median(epoch_seconds), "rmse": C.finite(rmse),
            "nll": C.finite(nll), "target": a.test_target})


if __name__ == "__main__":
    main()
