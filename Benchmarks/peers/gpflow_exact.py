#!/usr/bin/env python3
"""Benchmark peer: GPflow exact GP regression (GPR, float64, one thread).

Usage:
    python Benchmarks/peers/gpflow_exact.py --data FILE.csv [--repeats R]
    python Benchmarks/peers/gpflow_exact.py --train F.csv --test G.csv --iterations N [--repeats R]

Model: gpflow.models.GPR with mean_function=None (zero), kernel gpflow.kernels.Matern52(lengthscales=ones(d),
variance=1), noise_variance=0.1 (GPflow's Gaussian likelihood floor 1e-6, softplus parameters), float64.

LML mode: one call = training_loss() (= −lml) and its gradient with tf.GradientTape with respect to
model.trainable_variables, inside one tf.function (compiled graph, traced during the untimed warm-up).

Fit mode: gpflow.optimizers.Scipy().minimize(training_loss, trainable_variables, method="L-BFGS-B",
options={maxiter: N, maxcor: 10}) with its default compile=True; the fit time includes GPflow's
tf.function tracing of the loss (paid on every minimize call). Predict time: model.predict_y(X*)
(factorises K + σ²I and predicts mean and variance of y*).

Threads: tf.config.threading intra-op and inter-op parallelism 1, plus the environment of _common.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402  (pins threads before tensorflow)


import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)

import gpflow  # noqa: E402
import tensorflow_probability as tfp  # noqa: E402

gpflow.config.set_default_float(np.float64)

LIBRARY = "GPflow"


def build(X, y):
    d = X.shape[1]
    kernel = gpflow.kernels.Matern52(lengthscales=np.full(d, C.INITIAL_LENGTHSCALE),
                                     variance=C.INITIAL_SIGNAL_VARIANCE)
    return gpflow.models.GPR((X, y.reshape(-1, 1)), kernel=kernel, mean_function=None,
                             noise_variance=C.INITIAL_NOISE_VARIANCE)


def header():
    return {"library": LIBRARY, "version": gpflow.__version__, "tensorflow": tf.__version__,
            "tensorflow_probability": tfp.__version__,
            "tf_threads": [tf.config.threading.get_intra_op_parallelism_threads(),
                           tf.config.threading.get_inter_op_parallelism_threads()],
            "blas": C.blas_info()}


def lml_mode(args):
    X, y = C.load(args.data)
    n, d = X.shape
    model = build(X, y)
    variables = model.trainable_variables

    @tf.function
    def loss_and_gradient():
        with tf.GradientTape() as tape:
            loss = model.training_loss()
        return loss, tape.gradient(loss, variables)

    for _ in range(max(1, args.warmup)):
        loss, grads = loss_and_gradient()
    times = []
    for _ in range(args.repeats):
        t0 = C.perf_counter()
        loss, grads = loss_and_gradient()
        loss = float(loss.numpy())  # forces completion
        _ = [g.numpy() for g in grads]
        times.append(C.perf_counter() - t0)
    out = header()
    out.update({"benchmark": "exact-lml", "n": int(n), "d": int(d), "lml": -loss,
                "seconds_median": C.median(times), "seconds_all": times})
    C.emit(out)


def fit_mode(args):
    X, y = C.load(args.train)
    Xt, yt = C.load(args.test)
    n, d = X.shape
    fit_times, predict_times = [], []
    for _ in range(args.repeats):
        model = build(X, y)
        opt = gpflow.optimizers.Scipy()
        t0 = C.perf_counter()
        res = opt.minimize(model.training_loss, model.trainable_variables, method="L-BFGS-B",
                           options={"maxiter": args.iterations, "maxcor": C.LBFGS_MEMORY})
        fit_times.append(C.perf_counter() - t0)
        t0 = C.perf_counter()
        mean, var = model.predict_y(Xt)
        mean, var = mean.numpy(), var.numpy()
        predict_times.append(C.perf_counter() - t0)
    rmse, nlpd = C.scores(mean, var, yt)
    fit_med = C.median(fit_times)
    out = header()
    out.update({
        "benchmark": "exact-fit", "n": int(n), "d": int(d), "n_test": int(len(yt)),
        "optimizer": "gpflow.optimizers.Scipy L-BFGS-B (m=10), softplus parameters",
        "iteration_cap": args.iterations, "iterations": int(res.nit), "evaluations": int(res.nfev),
        "stop_reason": str(res.message),
        "fit_seconds_median": fit_med, "fit_seconds_all": fit_times,
        "seconds_per_iteration": fit_med / max(1, int(res.nit)),
        "final_lml": float(model.log_marginal_likelihood().numpy()),
        "predict_seconds_median": C.median(predict_times), "predict_seconds_all": predict_times,
        "test_rmse": rmse, "test_nlpd": nlpd,
        "lengthscales": np.asarray(model.kernel.lengthscales.numpy()).reshape(-1).tolist(),
        "signal_variance": float(model.kernel.variance.numpy()),
        "noise_variance": float(model.likelihood.variance.numpy()),
    })
    C.emit(out)


def main(argv=None):
    return C.exact_main(__doc__, lml_mode, fit_mode, argv)


if __name__ == "__main__":
    sys.exit(main())
