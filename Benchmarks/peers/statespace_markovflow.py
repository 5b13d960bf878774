#!/usr/bin/env python3
"""Benchmark peer: MarkovFlow state-space GP, LML + gradient (float64, one thread, tf.function).

Usage:
    python Benchmarks/peers/statespace_markovflow.py --data FILE.csv [--repeats R] [--warmup W]

Data: the `statespace` suite's CSV `x1,y` (x1 = time, irregular, increasing), the same file SwiftGP reads.

Model (same as SwiftGP's side): markovflow.kernels.Matern52(lengthscale=1, variance=1) (state dimension 3),
Gaussian noise variance 0.1, zero mean. One call = −log p(y) from MarkovFlow's `KalmanFilter.log_likelihood()`
(exactly what `GaussianProcessRegression.log_likelihood()` builds: the banded-precision formulation of the
Kalman filter) and its gradient with `tf.GradientTape` with respect to the kernel's lengthscale and variance
and the noise variance, inside one `tf.function` (graph traced during the untimed warm-up). The noise variance
is a `gpflow.Parameter` (softplus, like the kernel's) whose square root is the Cholesky factor of the
observation covariance, rebuilt inside the function so the gradient reaches it.

Threads: TF intra-op and inter-op 1, plus the environment of _common.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402  (pins threads before tensorflow)

import argparse  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import gpflow  # noqa: E402

    gpflow.config.set_default_float(np.float64)  # before markovflow reads it
    import markovflow  # noqa: E402
    from markovflow.kalman_filter import KalmanFilter  # noqa: E402
    from markovflow.kernels import Matern52  # noqa: E402

LIBRARY = "MarkovFlow"


def version():
    try:
        from importlib.metadata import version as v
        return v("markovflow")
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
    n = X.shape[0]
    t = tf.constant(X[:, 0], dtype=tf.float64)
    obs = tf.constant(y.reshape(-1, 1), dtype=tf.float64)
    kernel = Matern52(lengthscale=C.INITIAL_LENGTHSCALE, variance=C.INITIAL_SIGNAL_VARIANCE)
    noise = gpflow.Parameter(C.INITIAL_NOISE_VARIANCE, transform=gpflow.utilities.positive(), dtype=tf.float64,
                             name="noise_variance")
    params = [kernel.lengthscale, kernel.variance, noise]
    dtypes = sorted({str(p.dtype.name) for p in params} | {str(kernel.steady_state_covariance.dtype.name)})
    variables = [p.unconstrained_variable for p in params]

    @tf.function
    def loss_and_gradient():
        with tf.GradientTape() as tape:
            chol = tf.reshape(tf.sqrt(noise), [1, 1])
            kf = KalmanFilter(state_space_model=kernel.state_space_model(t),
                              emission_model=kernel.generate_emission_model(t),
                              observations=obs, chol_obs_covariance=chol)
            loss = -kf.log_likelihood()
        return loss, tape.gradient(loss, variables)

    t0 = C.perf_counter()
    for _ in range(max(1, args.warmup)):
        loss, grads = loss_and_gradient()
        float(loss.numpy())
    warmup_seconds = C.perf_counter() - t0
    times = []
    for _ in range(args.repeats):
        t0 = C.perf_counter()
        loss, grads = loss_and_gradient()
        loss = float(loss.numpy())
        g = [float(x.numpy()) for x in grads]
        times.append(C.perf_counter() - t0)
    # dp/dθ for gpflow's positive() (softplus) is sigmoid(θ) = 1 − exp(−p): gradient w.r.t. p itself.
    natural = [C.finite(-gi / (1.0 - np.exp(-float(p.numpy())))) for gi, p in zip(g, params)]
    C.emit({
        "library": LIBRARY, "version": version(), "gpflow": gpflow.__version__, "tensorflow": tf.__version__,
        "benchmark": "statespace-lml", "n": int(n), "lml": C.finite(-loss),
        "gradient": [C.finite(-x) for x in g], "gradient_parameters": ["lengthscale", "variance", "noise_variance"],
        "gradient_parametrisation": "d lml / d softplus⁻¹(p) (gpflow positive())", "gradient_natural": natural,
        "seconds_median": C.median(times), "seconds_all": times, "warmup_seconds_including_trace": warmup_seconds,
        "ns_per_step": 1e9 * C.median(times) / n,
        "dtypes": dtypes,
        "tf_threads": [tf.config.threading.get_intra_op_parallelism_threads(),
                       tf.config.threading.get_inter_op_parallelism_threads()],
        "blas": C.blas_info(),
    })


if __name__ == "__main__":
    main()
