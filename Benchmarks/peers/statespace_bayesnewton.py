#!/usr/bin/env python3
"""Benchmark peer: BayesNewton state-space (Kalman filter) GP, LML + gradient (float64, one thread, JIT).

Usage:
    python Benchmarks/peers/statespace_bayesnewton.py --data FILE.csv [--repeats R] [--warmup W]

Data: a CSV `x1,y` (x1 = time, irregular, increasing), written by the harness's `statespace` suite; the same
file is read by `swiftgp-bench statespace-lml --data`.

Model (same as SwiftGP's side): zero mean, bayesnewton.kernels.Matern52(variance=1, lengthscale=1) (state
dimension 3, exact discretisation A(Δt) = expm(FΔt), Q = P∞ − A P∞ Aᵀ), bayesnewton.likelihoods.Gaussian
(variance=0.1). Parameters are BayesNewton's own (softplus-transformed objax TrainVars).

One call = the exact log marginal likelihood by BayesNewton's sequential Kalman filter
(`MarkovGaussianProcess.compute_log_lik(pseudo_y=y, pseudo_var=σ²)`: `bayesnewton.ops.kalman_filter` with
the real observations and the Gaussian noise, i.e. log p(y) exactly, no variational sites) and its gradient
with respect to every trainable variable (kernel lengthscale and variance, noise variance) by
`objax.GradValues`, compiled once with `objax.Jit` (XLA) and warmed up (compilation) before timing. This is
the cheapest route BayesNewton offers to the LML and its gradient for a conjugate model (its
`inference` + `energy` training step also runs the smoother and the KL terms).

Threads: XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" (set before jax is
imported), plus the environment of _common. float64 via jax_enable_x64. `parallel=False` (the sequential
lax.scan filter, BayesNewton's default on CPU).
"""

import os
import sys

os.environ["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
os.environ.setdefault("JAX_PLATFORMS", "cpu")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402  (pins threads before jax)

import argparse  # noqa: E402

import numpy as onp  # noqa: E402
import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import objax  # noqa: E402
import bayesnewton  # noqa: E402

LIBRARY = "BayesNewton"


def version():
    try:
        from importlib.metadata import version as v
        return v("bayesnewton")
    except Exception:  # pragma: no cover
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    args = ap.parse_args()

    X, y = C.load(args.data)
    if X.shape[1] != 1:
        C.fail(f"{args.data}: a time series needs one input column, got {X.shape[1]}")
    t = X[:, 0]
    n = t.shape[0]
    t_load = C.perf_counter()
    kernel = bayesnewton.kernels.Matern52(variance=C.INITIAL_SIGNAL_VARIANCE, lengthscale=C.INITIAL_LENGTHSCALE)
    likelihood = bayesnewton.likelihoods.Gaussian(variance=C.INITIAL_NOISE_VARIANCE)
    model = bayesnewton.models.MarkovVariationalGP(kernel=kernel, likelihood=likelihood, X=t, Y=y,
                                                   parallel=False)
    pseudo_y = jnp.asarray(model.Y).reshape(n, 1, 1)
    variables = kernel.vars() + likelihood.vars()

    def negative_lml():
        noise = likelihood.variance * jnp.ones((n, 1, 1))
        return -model.compute_log_lik(pseudo_y, noise)

    grad_values = objax.GradValues(negative_lml, variables)
    step = objax.Jit(grad_values, variables)
    setup_seconds = C.perf_counter() - t_load

    t0 = C.perf_counter()
    for _ in range(max(1, args.warmup)):
        g, (v,) = step()
        v.block_until_ready()
    warmup_seconds = C.perf_counter() - t0

    times = []
    for _ in range(args.repeats):
        t0 = C.perf_counter()
        g, (v,) = step()
        v.block_until_ready()
        for gi in g:
            gi.block_until_ready()
        times.append(C.perf_counter() - t0)
    lml = -float(v)
    # BayesNewton differentiates with respect to θ = softplus⁻¹(p); dp/dθ = sigmoid(θ) = 1 − exp(−p), so the
    # gradient of the LML with respect to the positive parameter p itself (SwiftGP's `gradient`) is
    # −(∂E/∂θ) / (1 − exp(−p)).
    names = list(variables.keys())
    natural = []
    for var, gi in zip(variables.values(), g):
        theta = float(onp.asarray(var.value).reshape(-1)[0])
        p = float(onp.logaddexp(0.0, theta))
        natural.append(C.finite(-float(onp.asarray(gi).reshape(-1)[0]) / (1.0 - onp.exp(-p))))
    C.emit({
        "library": LIBRARY, "version": version(), "jax": jax.__version__, "objax": objax.__version__,
        "benchmark": "statespace-lml", "n": int(n), "lml": C.finite(lml),
        "gradient": [C.finite(-onp.asarray(gi).reshape(-1)[0]) for gi in g],
        "gradient_parameters": names,
        "gradient_parametrisation": "d lml / d softplus⁻¹(p) (BayesNewton's TrainVars)",
        "gradient_natural": natural,
        "seconds_median": C.median(times), "seconds_all": times,
        "warmup_seconds_including_jit": warmup_seconds, "setup_seconds": setup_seconds,
        "ns_per_step": 1e9 * C.median(times) / n,
        "xla_flags": os.environ.get("XLA_FLAGS"), "blas": C.blas_info(),
    })


if __name__ == "__main__":
    main()
