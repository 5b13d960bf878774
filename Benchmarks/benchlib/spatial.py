"""Suite `spatial` (issue 14 "Benchmarks"): Vecchia GPs on the Heaton et al. (2019) simulated temperatures.

  SwiftGP Vecchia   `swiftgp-bench spatial-vecchia --train F --test G --neighbors 30`: exponential kernel,
                    hyperparameters learned by L-BFGS on the Vecchia log-likelihood, every test cell predicted
                    from its 30 nearest training cells; scored as the competition scores (MAE, RMSE, CRPS, 95 %
                    interval score, coverage) on the original scale, with wall time.

The data are read from ../shared/datasets/heaton_simulated (no licence: never copied into the repository).
Reference: the competition's oracle (nearest-neighbour kriging with the TRUE parameters, 30 neighbours) and the
goal (CRPS within 5 % of the oracle with learned hyperparameters, under 2 minutes on this machine). `--quick`
uses the 7,100 / 2,900-cell small test set of the same competition instead (no published oracle).

Aggregation (`tables`) is pure and unit-tested on canned runs; `run` drives the child processes. A run is one
child process: {"kind": "vecchia", "library", "data", "round", "ok", "result", "error", "peak_rss_mib",
"wall_seconds"}.
"""

import os

from . import core, proc
from .core import SWIFTGP

DATA_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "datasets",
                                         "heaton_simulated"))
FULL = {"data": "heaton_simulated", "neighbors": 30}
QUICK = {"data": "heaton_smalltest", "neighbors": 30}
ORACLE = {"mae": 0.621, "rmse": 0.842, "crps": 0.440, "interval_score": 3.73, "coverage": 0.960}
CRPS_GOAL = 1.05      # SwiftGP CRPS / oracle CRPS
SECONDS_GOAL = 120.0  # fit + prediction, wall time
SCORES = ("mae", "rmse", "crps", "interval_score", "coverage")


def tables(runs, config):
    """The goal table and the scores table (medians over rounds)."""
    ok = [r for r in runs if r["ok"]]
    rows = []
    if ok:
        row = {k: core.median([r["result"][k] for r in ok]) for k in SCORES + ("fit_seconds", "predict_seconds")}
        row["method"] = SWIFTGP + f" Vecchia (m = {config['neighbors']})"
        rows.append(row)
    if config["data"] == FULL["data"]:
        rows.append(dict(ORACLE, method="Oracle (true parameters, 30 neighbours; published)"))
    scores = core.make_table(
        "scores", f"Heaton simulated data ({config['data']}): test scores on the original scale",
        [("method", "method", "text"), ("mae", "MAE", "number"), ("rmse", "RMSE", "number"), ("crps", "CRPS", "number"),
         ("interval_score", "INT (95 %)", "number"), ("coverage", "coverage", "number"),
         ("fit_seconds", "fit", "seconds"), ("predict_seconds", "predict", "seconds")], rows,
        notes=["Medians over rounds. CRPS of the Gaussian predictive distribution of y* (latent variance + nugget); "
               "interval score (u − l) + (2/α)(l − y)₊ + (2/α)(y − u)₊ with α = 0.05, as the competition scores."])
    goal_rows = []
    if ok and config["data"] == FULL["data"]:
        crps = core.median([r["result"]["crps"] for r in ok])
        total = core.median([r["result"]["total_seconds"] for r in ok])
        goal_rows.append({"goal": f"CRPS / oracle CRPS ≤ {CRPS_GOAL}", "measured": f"{crps / ORACLE['crps']:.3f}",
                          "met": "yes" if crps / ORACLE["crps"] <= CRPS_GOAL else "no"})
        goal_rows.append({"goal": f"fit + predict < {SECONDS_GOAL:.0f} s", "measured": core.fmt_seconds(total),
                          "met": "yes" if total < SECONDS_GOAL else "no"})
    goals = core.make_table("goals", "Issue 14's spatial goals",
                            [("goal", "goal", "text"), ("measured", "measured", "text"), ("met", "met", "text")],
                            goal_rows)
    return [goals, scores]


def run(ctx):
    cfg = QUICK if ctx.quick else FULL
    train = os.path.join(DATA_DIR, f"{cfg['data']}_train.csv")
    test = os.path.join(DATA_DIR, f"{cfg['data']}_test.csv")
    runs = []
    for rnd in range(1, ctx.repeats + 1):
        child = proc.run_child([ctx.swift_binary, "spatial-vecchia", "--train", train, "--test", test,
                                "--neighbors", str(cfg["neighbors"])], env=ctx.env, timeout=ctx.timeout)
        rec = core.child_record(child, {"kind": "vecchia", "library": SWIFTGP, "data": cfg["data"], "round": rnd})
        runs.append(rec)
        if rec["ok"]:
            r = rec["result"]
            ctx.log(f"[spatial] round {rnd}: CRPS {r['crps']:.4f}, RMSE {r['rmse']:.4f}, "
                    f"fit {core.fmt_seconds(r['fit_seconds'])}, predict {core.fmt_seconds(r['predict_seconds'])}")
        else:
            ctx.log(f"[spatial] round {rnd}: FAILED {rec['error']}")
    config = dict(cfg, rounds=ctx.repeats)
    return aggregate(runs, config, ctx.quick)


def aggregate(runs, config, quick=False):
    return {"suite": "spatial", "quick": quick, "config": config, "tables": tables(runs, config), "warnings": [],
            "runs": runs}
