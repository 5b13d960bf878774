#!/usr/bin/env python3
"""Benchmark peer: GPflow SVGP (float64, one thread, compiled with tf.function), suite `svgp`.

Usage:
    python Benchmarks/peers/gpflow_svgp.py --train F.csv --test G.csv --inducing M --batch-size B
        --iterations N --likelihood gaussian|bernoulli [--learning-rate 0.01] [--seed S] [--repeats R]
        [--batches FILE]

Model: gpflow.models.SVGP(kernel, likelihood, Z, whiten=True, q_diag=False, num_data=N) with
Matern52(lengthscales=ones(d), variance=1) and Gaussian(variance=0.1) (GPflow's floor 1e-6) or Bernoulli()
(probit, 20-point Gauss-Hermite variational expectations). Z = the first M training rows; q_mu = 0 and
q_sqrt = I (GPflow's defaults), i.e. q(u) = N(0, I) whitened, as on every side.

Training: `gpflow.keras.tf_keras.optimizers.Adam(lr, beta_1 0.9, beta_2 0.999, epsilon 1e-8)` (the Keras-2
optimiser GPflow 2.11 uses with TensorFlow >= 2.16; `tf.optimizers.Adam` is Keras 3 there, which has no
`minimize` for GPflow's variables) on model.trainable_variables (Z, q_mu, q_sqrt, kernel, likelihood). One
iteration = one call of a `tf.function` that evaluates `model.training_loss_closure((xb, yb), compile=False)`
under a GradientTape and applies the gradients (what `opt.minimize` does, keeping the loss); it is traced
on the first call, which is inside the fit time and reported as `first_iteration_seconds`. Minibatches: the
rows of --batches (one line of B indices per iteration, the order SwiftGP's engine draws; see
Benchmarks/README.md), else a numpy default_rng(seed) permutation per epoch cut into slices of B (remainder
dropped). Each iteration is timed (batch gather included);
`seconds_per_iteration` is the median over iterations 2..N.

Final ELBO: Σ over the full training data (chunks of 4096 rows) of likelihood.variational_expectations −
prior_kl(), in nats; `initial_elbo` is the same at the initial point (a check that every side evaluates
the same model). Predict: model.predict_y(X*) (observed mean and variance; Bernoulli: p(y = 1)), with the
latent predict_f moments used for the classification NLPD, log Φ((2y−1) μ/√(1+v)).

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
from gpflow.keras import tf_keras  # noqa: E402

gpflow.config.set_default_float(np.float64)

LIBRARY = "GPflow"
CHUNK = 4096


def build(X, m, likelihood):
    n, d = X.shape
    kernel = gpflow.kernels.Matern52(lengthscales=np.full(d, C.INITIAL_LENGTHSCALE),
                                     variance=C.INITIAL_SIGNAL_VARIANCE)
    lik = (gpflow.likelihoods.Gaussian(variance=C.INITIAL_NOISE_VARIANCE) if likelihood == "gaussian"
           else gpflow.likelihoods.Bernoulli())
    return gpflow.models.SVGP(kernel, lik, X[:m].copy(), whiten=True, q_diag=False, num_data=n)


def full_elbo(model, X, Y):
    total = 0.0
    for s in range(0, X.shape[0], CHUNK):
        xc, yc = X[s:s + CHUNK], Y[s:s + CHUNK]
        mean, var = model.predict_f(xc)
        total += float(tf.reduce_sum(model.likelihood.variational_expectations(xc, mean, var, yc)).numpy())
    return total - float(model.prior_kl().numpy())


def header():
    return {"library": LIBRARY, "version": gpflow.__version__, "tensorflow": tf.__version__,
            "tensorflow_probability": tfp.__version__,
            "tf_threads": [tf.config.threading.get_intra_op_parallelism_threads(),
                           tf.config.threading.get_inter_op_parallelism_threads()],
            "blas": C.blas_info()}


def one_fit(args, X, Y, Xt, yt, fixed):
    n = X.shape[0]
    model = build(X, args.inducing, args.likelihood)
    initial = full_elbo(model, X, Y)
    opt = tf_keras.optimizers.Adam(learning_rate=args.learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-8)
    variables = model.trainable_variables

    @tf.function
    def step(xb, yb):
        # What opt.minimize(closure, variables) does, keeping the loss (at the point before the update).
        closure = model.training_loss_closure((xb, yb), compile=False)
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(variables)
            loss = closure()
        opt.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return loss

    stream = C.batches(n, args.batch_size, np.random.default_rng(args.seed), fixed)
    times = []
    last = None
    t_fit = C.perf_counter()
    for _ in range(args.iterations):
        t0 = C.perf_counter()
        idx = next(stream)
        xb, yb = (X, Y) if idx is None else (X[idx], Y[idx])
        last = step(tf.constant(xb), tf.constant(yb)).numpy()  # .numpy() waits for the step
        times.append(C.perf_counter() - t0)
    fit = C.perf_counter() - t_fit
    final = full_elbo(model, X, Y)
    t0 = C.perf_counter()
    mean_y, var_y = model.predict_y(Xt)
    mean_y, var_y = mean_y.numpy(), var_y.numpy()
    predict = C.perf_counter() - t0
    if args.likelihood == "gaussian":
        rmse, nlpd = C.scores(mean_y, var_y, yt)
        metrics = {"test_rmse": rmse, "test_nlpd": nlpd}
    else:
        mean_f, var_f = model.predict_f(Xt)
        err, nlpd = C.probit_scores(mean_f.numpy(), var_f.numpy(), yt)
        metrics = {"test_error": err, "test_nlpd": nlpd}
    hyper = {"lengthscales": np.asarray(model.kernel.lengthscales.numpy()).reshape(-1).tolist(),
             "signal_variance": float(model.kernel.variance.numpy())}
    if args.likelihood == "gaussian":
        hyper["noise_variance"] = float(model.likelihood.variance.numpy())
    # GPflow's training loss is −(N/B Σ E − KL) on the minibatch, before the update.
    return {"fit": fit, "times": times, "predict": predict, "initial_elbo": initial, "final_elbo": final,
            "minibatch_elbo": -float(last), "metrics": metrics, "hyper": hyper}


def fit_runs(args, X, y, Xt, yt, fixed):
    Y = y.reshape(-1, 1)
    runs = [one_fit(args, X, Y, Xt, yt, fixed) for _ in range(args.repeats)]
    return header(), "tf_keras Adam (0.9, 0.999, eps 1e-8) on all trainable variables, tf.function step", runs


def main(argv=None):
    return C.svgp_main(__doc__, fit_runs, argv)


if __name__ == "__main__":
    sys.exit(main())
