"""Suite `svgp` (issue 4 "Benchmark", issue 6): sparse variational GPs trained with Adam on minibatches.

SwiftGP (`swiftgp-bench svgp-fit`), GPyTorch (`peers/gpytorch_svgp.py`) and GPflow (`peers/gpflow_svgp.py`) on
the same files, M, B, learning rate, iteration count and initial point (Benchmarks/README.md, suite `svgp`):

  reg10k   the shipped `datasets/synth_reg_n10000_d4` (10,000 train / 2,000 test, d = 4), M = 256, B = 1024:
           the configuration where issue 4 quotes earlier measurements (GPflow ≈ 50 ms, GPyTorch ≈ 220 ms
           per iteration)
  reg100k  seeded synthetic regression, N = 100,000 (+ 10,000 test), d = 8, M = 512, B = 1024
  banana   the shipped banana classification set (400 train / 4,900 test, d = 2), M = 50, B = 100, Bernoulli
  mem1e6   SwiftGP alone: N = 1,000,000, d = 8, M = 512, B = 1024 for a few iterations; its peak RSS (goal:
           under 2 GiB)

Aggregation (`summarise`, `tables`, `plot_spec`) is pure and unit-tested on canned runs; `run` drives the
children. A *run* is one child process, as in `exact.py`, with "config" (the configuration key) and "phase":
"fit" (the full fit: every metric) or "timing" (a shorter fit from the same start, used only for the time per
iteration).
"""

import json
import math
import os
import sys

from . import core, data, proc
from .core import SWIFTGP

PEER_SCRIPTS = {"GPyTorch": "gpytorch_svgp.py", "GPflow": "gpflow_svgp.py"}
LEARNING_RATE = 0.01
SEED = 0
GOAL_RATIO = 0.25
MEMORY_GOAL_MIB = 2048.0


def _config(key, title, source, m, b, iterations, timing_iterations, likelihood="gaussian", fit_rounds=1,
            peers=True, **extra):
    c = {"key": key, "title": title, "source": source, "inducing": m, "batch_size": b, "iterations": iterations,
         "timing_iterations": timing_iterations, "likelihood": likelihood, "fit_rounds": fit_rounds, "peers": peers}
    c.update(extra)
    return c


# Full run (~15 minutes on 2 shared cores). Long configurations: one full fit per library, then timing-only
# rounds (shorter fits) so the time per iteration is a median over >= 3 alternating rounds.
FULL = [
    _config("reg10k", "regression, shipped synth_reg_n10000_d4 (N = 10,000, d = 4)", "shipped-reg", 256, 1024,
            iterations=2000, timing_iterations=100),
    _config("reg100k", "regression, synthetic N = 100,000, d = 8", "synthetic", 512, 1024, iterations=500,
            timing_iterations=60, n=100_000, n_test=10_000, d=8),
    _config("banana", "classification, shipped banana (N = 400, d = 2)", "banana", 50, 100, iterations=2000,
            timing_iterations=2000, likelihood="bernoulli", fit_rounds=3),
    _config("mem1e6", "memory check, synthetic N = 1,000,000, d = 8 (SwiftGP alone)", "synthetic", 512, 1024,
            iterations=30, timing_iterations=0, peers=False, n=1_000_000, n_test=10_000, d=8),
]
# --quick (< 3 minutes): fewer iterations, one round (per-iteration medians over the iterations of that round),
# and no 10⁶-point memory check (its data file takes about a minute to generate the first time).
QUICK = [
    _config("reg10k", FULL[0]["title"], "shipped-reg", 256, 1024, iterations=60, timing_iterations=0),
    _config("reg100k", FULL[1]["title"], "synthetic", 512, 1024, iterations=20, timing_iterations=0,
            n=100_000, n_test=10_000, d=8),
    _config("banana", FULL[2]["title"], "banana", 50, 100, iterations=300, timing_iterations=0,
            likelihood="bernoulli"),
]


# ---------------------------------------------------------------------------------------------------
# Data: the shipped sets are z-scored (regression: every column; classification: the inputs, labels -> 0/1)
# with the training rows' statistics and cached as benchmark CSV files; synthetic sets come from data.py.

def _zscore(train, test, columns):
    """Standardises `columns` of the row lists in place with the training rows' mean and population sd."""
    n = len(train)
    for c in columns:
        mean = sum(r[c] for r in train) / n
        sd = math.sqrt(sum((r[c] - mean) ** 2 for r in train) / n) or 1.0
        for rows in (train, test):
            for r in rows:
                r[c] = (r[c] - mean) / sd


def _read_csv(path):
    with open(path) as fh:
        header = [h.strip() for h in fh.readline().split(",")]
        rows = [[float(v) for v in line.split(",")] for line in fh if line.strip()]
    return header, rows


def _cached(cache_dir, stem, make):
    os.makedirs(cache_dir, exist_ok=True)
    train_path = os.path.join(cache_dir, stem + "_train.csv")
    test_path = os.path.join(cache_dir, stem + "_test.csv")
    if not (os.path.exists(train_path) and os.path.exists(test_path)):
        train, test, d = make()
        data.write_csv(train_path, train, d)
        data.write_csv(test_path, test, d)
    return train_path, test_path


def shipped_regression(cache_dir, datasets_dir, name="synth_reg_n10000_d4"):
    """The shipped regression set, every column z-scored with the training statistics (target last)."""
    def make():
        header, train = _read_csv(os.path.join(datasets_dir, name, name + "_train.csv"))
        header_t, test = _read_csv(os.path.join(datasets_dir, name, name + "_test.csv"))
        if header != header_t or header[-1] != "y":
            raise ValueError(f"{name}: unexpected headers {header} / {header_t}")
        _zscore(train, test, range(len(header)))
        return train, test, len(header) - 1
    return _cached(cache_dir, f"svgp_{name}_z", make)


def banana(cache_dir, datasets_dir):
    """The shipped banana set: inputs z-scored with the training statistics, labels ±1 mapped to 1/0."""
    def read(kind):
        base = os.path.join(datasets_dir, "banana", f"banana_{kind}_")
        with open(base + "x.txt") as fh:
            xs = [[float(v) for v in line.split(",")] for line in fh if line.strip()]
        with open(base + "y.txt") as fh:
            ys = [float(line) for line in fh if line.strip()]
        if len(xs) != len(ys) or any(v not in (-1.0, 1.0) for v in ys):
            raise ValueError(f"banana {kind}: {len(xs)} inputs, {len(ys)} labels, labels must be ±1")
        return [x + [1.0 if v > 0 else 0.0] for x, v in zip(xs, ys)]

    def make():
        train, test = read("train"), read("test")
        d = len(train[0]) - 1
        _zscore(train, test, range(d))
        return train, test, d
    return _cached(cache_dir, "svgp_banana_z", make)


def dataset(cfg, cache_dir, datasets_dir):
    if cfg["source"] == "shipped-reg":
        return shipped_regression(cache_dir, datasets_dir)
    if cfg["source"] == "banana":
        return banana(cache_dir, datasets_dir)
    return data.synthetic(cache_dir, "svgp", cfg["n"], cfg["d"], seed=cfg["n"], n_test=cfg["n_test"])


# ---------------------------------------------------------------------------------------------------
# Aggregation (pure)

ELBO_AGREEMENT = 1e-6  # relative; a peer whose ELBO at the common initial point differs more is flagged
NLPD_TOLERANCE = 1e-3  # "equal or better" test NLPD: SwiftGP's ≤ the best peer's + this (nats)


def _ok(runs, **match):
    return [r for r in runs if r.get("ok") and r.get("result") is not None
            and all(r.get(k) == v for k, v in match.items())]


def summarise(runs, config, library):
    """One library on one configuration: fit metrics from the full-fit runs, time per iteration from every
    run (full fits and timing rounds), or None when no full fit succeeded."""
    fits = _ok(runs, config=config, library=library, phase="fit")
    if not fits:
        return None
    every = _ok(runs, config=config, library=library)
    res = [r["result"] for r in fits]
    last = res[-1]
    per_iter = [r["result"].get("seconds_per_iteration") for r in every]
    s = {
        "config": config, "library": library,
        "iterations": last.get("iterations"),
        "seconds_per_iteration": core.median(per_iter),
        "seconds_per_iteration_all": [v for v in per_iter if v is not None],
        "rounds": len(every),
        "fit_seconds": core.median(core.pooled(res, "fit_seconds_all")),
        "first_iteration_seconds": last.get("first_iteration_seconds"),
        "predict_seconds": core.median(core.pooled(res, "predict_seconds_all")),
        "peak_rss_mib": max((r["peak_rss_mib"] for r in fits if r.get("peak_rss_mib") is not None), default=None),
        "initial_elbo": last.get("initial_elbo"), "final_elbo": last.get("final_elbo"),
        "test_rmse": last.get("test_rmse"), "test_error": last.get("test_error"), "test_nlpd": last.get("test_nlpd"),
        "batch_order": last.get("batch_order"),
    }
    s["accuracy"] = s["test_rmse"] if s["test_rmse"] is not None else s["test_error"]
    if library == SWIFTGP:
        floor = last.get("flop_floor") or {}
        s.update({"floor_seconds": floor.get("seconds"), "floor_flops": floor.get("flops"),
                  "dgemm_gflops": floor.get("dgemm_gflops"), "evaluate_seconds": last.get("evaluate_seconds_median"),
                  "breakdown": last.get("breakdown") or {}, "batch_order_check": last.get("batch_order_check"),
                  "peak_rss_mib_after_load": last.get("peak_rss_mib_after_load"),
                  "fit_call_seconds": core.median(core.pooled(res, "fit_call_seconds_all")),
                  "fit_seconds_per_iteration": last.get("seconds_per_iteration"),
                  "load_seconds": last.get("load_seconds"), "n": last.get("n"), "d": last.get("d")})
    return s


def _failed_row(runs, config, library):
    failed = [r for r in runs if r.get("config") == config and r.get("library") == library and not r.get("ok")]
    if failed:
        return {"config": config, "library": library, "status": "failed: " + (failed[-1].get("error") or "")[:120]}
    return None


def tables(runs, configs, peers):
    """(tables, warnings) of the suite from its runs; `configs` as in FULL/QUICK."""
    warnings = []
    rows, ratio_rows, goal_rows, floor_rows, breakdown_rows, memory_rows = [], [], [], [], [], []
    for cfg in configs:
        key = cfg["key"]
        libs = [SWIFTGP] + (list(peers) if cfg.get("peers", True) else [])
        sw = summarise(runs, key, SWIFTGP)
        summaries = {}
        for lib in libs:
            s = summarise(runs, key, lib)
            if s is None:
                f = _failed_row(runs, key, lib)
                if f:
                    rows.append(f)
                continue
            summaries[lib] = s
            row = dict(s, status="ok",
                       ratio=core.ratio(sw["seconds_per_iteration"] if sw else None, s["seconds_per_iteration"]))
            rows.append(row)
            if lib == SWIFTGP or sw is None:
                continue
            rr = {"config": key, "library": lib}
            for k in ("seconds_per_iteration", "fit_seconds", "predict_seconds", "peak_rss_mib"):
                rr[k] = core.ratio(sw.get(k), s.get(k))
            rr["accuracy"] = (core.ratio(sw.get("test_rmse"), s.get("test_rmse")) if s.get("test_rmse") is not None
                              else core.difference(sw.get("test_error"), s.get("test_error")))
            rr["test_nlpd"] = core.difference(sw.get("test_nlpd"), s.get("test_nlpd"))
            rr["final_elbo"] = core.difference(sw.get("final_elbo"), s.get("final_elbo"))
            a, b = sw.get("initial_elbo"), s.get("initial_elbo")
            if a is not None and b is not None:
                rr["initial_elbo_rel"] = abs(a - b) / max(1.0, abs(a))
                if rr["initial_elbo_rel"] > ELBO_AGREEMENT:
                    warnings.append(f"{key}: {lib}'s ELBO at the common initial point, {b:.10g}, differs from "
                                    f"SwiftGP's {a:.10g} (rel {rr['initial_elbo_rel']:.1e}): the models differ "
                                    "slightly")
            ratio_rows.append(rr)
        if sw is None:
            continue
        check = sw.get("batch_order_check")
        if check is not None and check > 1e-12 and len(summaries) > 1:
            warnings.append(f"{key}: SwiftGP's first minibatch does not match svgp-batches' (rel {check:.1e}); "
                            "the peers trained on a different minibatch order")
        floor_rows.append({"config": key, "inducing": cfg["inducing"], "batch_size": cfg["batch_size"],
                           "flops": sw.get("floor_flops"), "dgemm_gflops": sw.get("dgemm_gflops"),
                           "floor": sw.get("floor_seconds"), "swiftgp": sw["seconds_per_iteration"],
                           "floor_ratio": core.ratio(sw["seconds_per_iteration"], sw.get("floor_seconds")),
                           "evaluate": sw.get("evaluate_seconds"),
                           "evaluate_ratio": core.ratio(sw.get("evaluate_seconds"), sw.get("floor_seconds"))})
        b = sw.get("breakdown") or {}
        if b:
            # Iteration and evaluation from the same process (the full fit), so their difference is not
            # disturbed by other rounds.
            it = sw.get("fit_seconds_per_iteration") or sw["seconds_per_iteration"]
            breakdown_rows.append(dict({"config": key, "per_iteration": it,
                                        "engine": core.difference(it, b.get("evaluate"))}, **b))
        peer_s = {k: v for k, v in summaries.items() if k != SWIFTGP and v.get("seconds_per_iteration")}
        if peer_s:
            fastest = min(peer_s, key=lambda k: peer_s[k]["seconds_per_iteration"])
            r = core.ratio(sw["seconds_per_iteration"], peer_s[fastest]["seconds_per_iteration"])
            nlpds = [v["test_nlpd"] for v in peer_s.values() if v.get("test_nlpd") is not None]
            best_nlpd = min(nlpds) if nlpds else None
            nlpd_ok = (sw.get("test_nlpd") is not None and best_nlpd is not None
                       and sw["test_nlpd"] <= best_nlpd + NLPD_TOLERANCE)
            goal_rows.append({"config": key, "swiftgp": sw["seconds_per_iteration"], "fastest_peer": fastest,
                              "peer": peer_s[fastest]["seconds_per_iteration"], "ratio": r,
                              "target": peer_s[fastest]["seconds_per_iteration"] * GOAL_RATIO,
                              "floor": sw.get("floor_seconds"), "nlpd": sw.get("test_nlpd"), "best_nlpd": best_nlpd,
                              "speed_goal": "—" if r is None else ("yes" if r <= GOAL_RATIO else "no"),
                              "nlpd_goal": "yes" if nlpd_ok else "no"})
        if not cfg.get("peers", True):
            rss = sw.get("peak_rss_mib")
            memory_rows.append({"config": key, "n": sw.get("n"), "d": sw.get("d"), "inducing": cfg["inducing"],
                                "batch_size": cfg["batch_size"], "iterations": sw.get("iterations"),
                                "peak_rss_mib": rss, "after_load": sw.get("peak_rss_mib_after_load"),
                                "seconds_per_iteration": sw["seconds_per_iteration"], "fit": sw["fit_seconds"],
                                "full_elbo": core.difference(sw.get("fit_call_seconds"), sw.get("fit_seconds")),
                                "load": sw.get("load_seconds"),
                                "goal": "—" if rss is None else ("yes" if rss < MEMORY_GOAL_MIB else "no")})

    titles = {c["key"]: f"{c['key']} (M = {c['inducing']}, B = {c['batch_size']})" for c in configs}

    def label(rows_):
        for r in rows_:
            r["config"] = titles.get(r["config"], r["config"])
        return rows_

    out = []
    out.append(core.make_table(
        "svgp_goal", f"Goal: SwiftGP time per iteration ≤ {GOAL_RATIO}× the faster peer's, with equal or better "
                     "test NLPD", [("config", "configuration", "text"), ("swiftgp", "SwiftGP / iteration", "seconds"),
                                   ("fastest_peer", "faster peer", "text"), ("peer", "its time / iteration", "seconds"),
                                   ("ratio", "SwiftGP / faster peer", "ratio"),
                                   ("target", f"target ({GOAL_RATIO}× peer)", "seconds"),
                                   ("floor", "FLOP floor", "seconds"), ("speed_goal", "speed goal", "text"),
                                   ("nlpd", "SwiftGP NLPD", "number4"), ("best_nlpd", "best peer NLPD", "number4"),
                                   ("nlpd_goal", f"NLPD goal (≤ best + {NLPD_TOLERANCE:g})", "text")],
        label(goal_rows),
        notes=["Time per iteration: median over rounds of each run's median over its timed iterations 2..N "
               "(every library times each iteration itself; the first pays one-time set-up such as GPflow's "
               "tf.function tracing)."]))
    out.append(core.make_table(
        "svgp_fit", "Per configuration and library (medians; test RMSE for regression, error rate for "
                    "classification)",
        [("config", "configuration", "text"), ("library", "library", "text"), ("iterations", "iterations", "int"),
         ("seconds_per_iteration", "time / iteration", "seconds"), ("rounds", "rounds", "int"),
         ("ratio", "SwiftGP / library", "ratio"), ("fit_seconds", "fit time", "seconds"),
         ("first_iteration_seconds", "first iteration", "seconds"), ("predict_seconds", "predict", "seconds"),
         ("peak_rss_mib", "peak RSS (MiB)", "mib"), ("final_elbo", "final ELBO", "number"),
         ("accuracy", "test RMSE / error", "number4"), ("test_nlpd", "test NLPD", "number4"),
         ("status", "status", "text")],
        label(rows),
        notes=["Same files, Z (first M training rows), kernel (ARD Matérn-5/2, lengthscales 1, variance 1), noise "
               "variance 0.1 (regression) or probit Bernoulli, whitened q(u) = N(0, I) with a full Cholesky factor, "
               "Adam (0.9, 0.999, ε 1e-8) with one learning rate on every parameter, and the same sequence of "
               "minibatches (SwiftGP's engine order, handed to the peers as a file).",
               "Fit time: the training loop of N iterations (SwiftGP: including the engine's evaluation of the "
               "starting point; GPflow: including tf.function tracing). Final ELBO: Σ over all training rows of "
               "E_q[log p(y|f)] − KL, in nats (higher is better). Predict: posterior + predictive moments at the "
               "test inputs. Peak RSS: the child process (wait4), runtime included.",
               "rounds: runs whose per-iteration median enters the time per iteration (one full fit plus shorter "
               "timing-only fits from the same start for the long configurations)."]))
    out.append(core.make_table(
        "svgp_ratios", "SwiftGP relative to each peer",
        [("config", "configuration", "text"), ("library", "peer", "text"),
         ("seconds_per_iteration", "time / iteration ratio", "ratio"), ("fit_seconds", "fit time ratio", "ratio"),
         ("predict_seconds", "predict ratio", "ratio"), ("peak_rss_mib", "peak RSS ratio", "ratio"),
         ("accuracy", "RMSE ratio / error difference", "number4"), ("test_nlpd", "NLPD difference", "number4"),
         ("final_elbo", "final ELBO difference", "number4"),
         ("initial_elbo_rel", "initial ELBO rel. difference", "number4")],
        label(ratio_rows),
        notes=["Ratios SwiftGP / peer (below 1: SwiftGP faster or smaller); regression RMSE as a ratio, the "
               "classification error, NLPD and ELBO as differences SwiftGP − peer (NLPD: lower is better; ELBO: "
               "higher is better).",
               "Initial ELBO: the full-data ELBO at the common starting point, a check that every side evaluates "
               "the same model (GPyTorch adds 1e-6 jitter to the predictive variance; for Bernoulli, GPflow clips "
               "Φ to [1e-3, 1 − 1e-3] and GPyTorch uses an approximate log Φ)."]))
    out.append(core.make_table(
        "svgp_floor", "FLOP floor of one iteration beside SwiftGP's time",
        [("config", "configuration", "text"), ("flops", "floor flops", "number"),
         ("dgemm_gflops", "dgemm GFLOP/s (1 thread)", "number4"), ("floor", "FLOP floor", "seconds"),
         ("swiftgp", "SwiftGP / iteration", "seconds"), ("floor_ratio", "iteration / floor", "ratio"),
         ("evaluate", "SwiftGP evaluation alone", "seconds"), ("evaluate_ratio", "evaluation / floor", "ratio")],
        label(floor_rows),
        notes=["Floor flops = 5 M²B (forward: L⁻¹K_uf and L_SᵀA, M²B each; backward ≈ 3 M²B) + M³/3 "
               "(Cholesky of K_uu) + M³ (its adjoint), converted to seconds at the best of five 1024 × 1024 "
               "dgemm calls timed in the same SwiftGP process. It leaves out the kernel's O(MBd) work and every "
               "O(MB) pass.",
               "Evaluation alone: one tape evaluation (value + gradient) on a B-row batch at the fitted point, "
               "without the engine's parameter transforms and Adam step."]))
    if breakdown_rows:
        out.append(core.make_table(
            "svgp_breakdown", "SwiftGP: where one iteration's time goes (medians, stages timed alone)",
            [("config", "configuration", "text"), ("per_iteration", "iteration (full fit)", "seconds"),
             ("evaluate", "evaluation alone", "seconds"), ("engine", "iteration − evaluation", "seconds"),
             ("kernel_cross", "K(Z, X_B)", "seconds"), ("kernel_cross_vjp", "K(Z, X_B) backward", "seconds"),
             ("kernel_gram_cholesky", "K(Z, Z) + Cholesky", "seconds"),
             ("kernel_gram_vjp", "K(Z, Z) backward", "seconds"),
             ("marginals_blas_forward", "marginals BLAS forward", "seconds"),
             ("marginals_blas_backward", "marginals BLAS backward", "seconds"), ("other", "other", "seconds")],
            label(breakdown_rows),
            notes=["Stages timed alone on the public pieces the objective is built from (swiftgp-bench "
                   "svgpBreakdown): kernel values and their backward (hyperparameter and Z gradients), the BLAS "
                   "calls of the fused whitened-marginals node (trsm, trmm forward; trmm, trsm, syrk and the M × M "
                   "adjoint backward). other = evaluation − stages: tape bookkeeping and copies, the Cholesky "
                   "adjoint, likelihood, KL and the packed L_S.",
                   "iteration − evaluation (both from the full-fit process): the engine's share (parameter "
                   "transforms, Adam, batch gather, freeing the evaluation's buffers) plus timing noise; it can be "
                   "negative on a busy machine."]))
    if memory_rows:
        out.append(core.make_table(
            "svgp_memory", f"Memory: SwiftGP alone at N = 10⁶ (goal: peak RSS under {MEMORY_GOAL_MIB:.0f} MiB)",
            [("config", "configuration", "text"), ("n", "N", "int"), ("d", "d", "int"),
             ("iterations", "iterations", "int"),
             ("peak_rss_mib", "peak RSS (MiB)", "mib"), ("after_load", "RSS after loading the data (MiB)", "mib"),
             ("seconds_per_iteration", "time / iteration", "seconds"), ("fit", "fit time", "seconds"),
             ("full_elbo", "full-data ELBO (chunked)", "seconds"), ("load", "CSV load", "seconds"),
             ("goal", "goal", "text")],
            label(memory_rows),
            notes=["Peak RSS of the whole child (wait4): the data (N × d inputs and targets, streamed from the CSV "
                   "line by line), the fit and the engine's final full-data ELBO (chunks of 4096 rows)."]))
    return out, warnings


def plot_spec(runs, configs, peers):
    """Time per iteration against the FLOP-floor work of each configuration (log-log), per library, with the
    floor itself dashed: read by `swiftgp-bench plot`."""
    points = []
    for cfg in configs:
        if not cfg.get("peers", True):
            continue
        sw = summarise(runs, cfg["key"], SWIFTGP)
        if sw and sw.get("floor_flops"):
            points.append((sw["floor_flops"], cfg, sw))
    points.sort(key=lambda p: p[0])
    xs = [float(f"{p[0] / 1e6:.3g}") for p in points]  # Mflop, 3 digits: readable tick labels
    series = []
    for lib in [SWIFTGP] + list(peers):
        ys = []
        for _, cfg, _ in points:
            s = summarise(runs, cfg["key"], lib)
            ys.append(s["seconds_per_iteration"] if s else None)
        if any(y is not None for y in ys):
            series.append({"label": lib, "x": xs, "y": ys, "style": "solid"})
    floors = [p[2].get("floor_seconds") for p in points]
    if any(f is not None for f in floors):
        series.append({"label": "FLOP floor (5M²B + 4M³/3 at dgemm rate)", "x": xs, "y": floors, "style": "dashed"})
    names = " · ".join(f"{p[1]['key']} M={p[1]['inducing']} B={p[1]['batch_size']}" for p in points)
    return {"title": "SVGP (Adam, minibatches): seconds per iteration, one thread",
            "x_label": f"FLOP-floor work per iteration (Mflop): {names}",
            "y_label": "seconds per iteration (median)", "series": series}


def aggregate(runs, config, quick=False):
    """The suite's report from its runs; also re-run by `Benchmarks/run svgp --reaggregate`."""
    configs, peers = config["configs"], config["peers"]
    tabs, warnings = tables(runs, configs, peers)
    return {"suite": "svgp", "quick": quick, "config": config, "tables": tabs, "warnings": warnings,
            "scaling": plot_spec(runs, configs, peers), "plot_file": "svgp.svg", "runs": runs}


# ---------------------------------------------------------------------------------------------------
# Running (impure)

def _record(cfg, phase, library, rnd, child, iterations):
    return core.child_record(child, {"kind": "svgp", "config": cfg["key"], "phase": phase, "library": library,
                                     "round": rnd, "iterations": iterations},
                             require=("library", "seconds_per_iteration"))


def _dataset_in_child(ctx, cfg, cache, datasets_dir):
    """`dataset` run in a separate Python process. A child's ru_maxrss (what proc.run_child reports) starts at
    its parent's peak RSS, so generating the 10⁶-row file inside the harness (~1 GB of Python lists) would
    inflate the peak RSS of every later child; the harness must stay small."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from benchlib import svgp; "
            "print(json.dumps(svgp.dataset(json.loads(sys.argv[2]), sys.argv[3], sys.argv[4])))")
    r = proc.run_child([sys.executable, "-c", code, ctx.bench_dir, json.dumps(cfg), cache, datasets_dir],
                       env=ctx.env, timeout=ctx.timeout)
    if not r.ok:
        raise RuntimeError(f"data for {cfg['key']}: {r.error_summary()}")
    train, test = json.loads(r.stdout.strip().splitlines()[-1])
    return train, test


def _rows(path):
    with open(path) as fh:
        return sum(1 for line in fh if line.strip()) - 1


def run(ctx):
    """Runs the suite; returns the report dict (written by the caller)."""
    configs = QUICK if ctx.quick else FULL
    peers = [p for p in ctx.peers if (p in PEER_SCRIPTS or p == core.PORTABLE) and ctx.peer_status.get(p, {}).get("available")]
    cache = os.path.join(ctx.bench_dir, "cache")
    datasets_dir = os.path.join(ctx.repo, "datasets")
    runs = []

    def command(lib, args):
        if lib == SWIFTGP:
            return [ctx.swift_binary, "svgp-fit"] + args
        if lib == core.PORTABLE:
            return [ctx.portable_binary, "svgp-fit"] + args
        return [ctx.peer_python(lib), os.path.join(ctx.bench_dir, "peers", PEER_SCRIPTS[lib])] + args

    for cfg in configs:
        ctx.log(f"[svgp] {cfg['key']}: {cfg['title']}")
        train, test = _dataset_in_child(ctx, cfg, cache, datasets_dir)
        n = cfg.get("n") or _rows(train)
        libs = [SWIFTGP] + (peers if cfg["peers"] else [])
        b = cfg["batch_size"]
        base = ["--train", train, "--test", test, "--inducing", str(cfg["inducing"]), "--batch-size", str(b),
                "--likelihood", cfg["likelihood"], "--learning-rate", repr(LEARNING_RATE), "--seed", str(SEED)]
        batches = None
        if len(libs) > 1 and b < n:
            # The peers train on the minibatches SwiftGP's engine draws (same order, same rows).
            k = max(cfg["iterations"], cfg["timing_iterations"])
            batches = os.path.join(cache, f"svgp_batches_n{n}_b{b}_k{k}_s{SEED}.txt")
            if not os.path.exists(batches):
                r = proc.run_child([ctx.swift_binary, "svgp-batches", "--n", str(n), "--batch-size", str(b),
                                    "--iterations", str(k), "--seed", str(SEED), "--output", batches],
                                   env=ctx.env, timeout=600)
                if not r.ok:
                    ctx.log(f"[svgp] svgp-batches failed ({r.error_summary()}); peers draw their own order")
                    batches = None
        rounds = max(cfg["fit_rounds"], ctx.repeats if cfg["timing_iterations"] else 1)
        for rnd in range(1, rounds + 1):
            phase = "fit" if rnd <= cfg["fit_rounds"] else "timing"
            iters = cfg["iterations"] if phase == "fit" else cfg["timing_iterations"]
            for lib in libs:
                args = base + ["--iterations", str(iters)]
                if batches and lib not in (SWIFTGP, core.PORTABLE):
                    args += ["--batches", batches]
                child = proc.run_child(command(lib, args), env=ctx.env, timeout=ctx.timeout)
                rec = _record(cfg, phase, lib, rnd, child, iters)
                runs.append(rec)
                if rec["ok"]:
                    r = rec["result"]
                    extra = f", floor {core.fmt_seconds(r['flop_floor_seconds'])}" if "flop_floor_seconds" in r else ""
                    ctx.log(f"[svgp] {cfg['key']} {phase} round {rnd} {lib}: "
                            f"{core.fmt_seconds(r['seconds_per_iteration'])}/iteration{extra}, "
                            f"fit {core.fmt_seconds(r.get('fit_seconds_median'))}, "
                            f"NLPD {core.fmt_number(r.get('test_nlpd'), 5)}, "
                            f"RSS {core.fmt_mib(rec['peak_rss_mib'])} MiB")
                else:
                    ctx.log(f"[svgp] {cfg['key']} {phase} round {rnd} {lib}: FAILED {rec['error']}")

    config = {"configs": configs, "peers": peers, "repeats": ctx.repeats, "learning_rate": LEARNING_RATE,
              "seed": SEED}
    return aggregate(runs, config, ctx.quick)
