"""Suite `gpssm` (issue 16 "Benchmark"): GP state-space models, free-form VI (FFVD) against the Gaussian-VI
(PR-SSM) baseline, both SwiftGP (no Python peer implements FFVD).

  kink    `swiftgp-bench gpssm-kink --variance R --seed S --method M`: the kink series (T = 600, process sd 0.05,
          observation variance R ∈ {0.008, 0.08, 0.8}, 5 seeds; --quick: T = 300, R = 0.08, 2 seeds), C = 1 and d = 0
          known. RMSE of the learned f on the reference grid points inside the range the states visit, and the test
          MNLL of a 30-step free run after the series (moment-matched Gaussian per step).
  sysid   `swiftgp-bench gpssm-sysid --data F --method M`: actuator, ballbeam, drive, dryer, gas_furnace; first
          half train, second test; y standardised with the training half, u with the whole series; 4 latent states,
          100 inducing points, SE kernel; 30-step free run from 10 posterior draws; RMSE (original units) and NLL.

Methods: `collapsed` (FFVD with the inducing values marginalised: SGHMC over the trajectory, Adam over the
hyperparameters during burn-in), `free-form` (FFVD sampling the inducing values too), `particle-gibbs` (collapsed,
the trajectory by conditional SMC with 30 particles; full run only) and `gaussian-vi` (PR-SSM). Time per 1,000
iterations is the engine's fit time divided by iterations (FFVD: two energy evaluations per burn-in iteration, one
after).

The sysid data are read from ../shared/datasets/sysid (BSD-3-Clause, see its PROVENANCE; not copied).
A run is one child process: {"kind": "kink"|"sysid", "method", "data", "variance", "seed", "ok", "result", ...}.
"""

import os

from . import core, proc

DATA_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "datasets", "sysid"))
SETS = ("actuator", "ballbeam", "drive", "dryer", "gas_furnace")
FULL = {"kink_steps": 600, "variances": (0.008, 0.08, 0.8), "seeds": (0, 1, 2, 3, 4), "kink_iterations": 3000,
        "sysid_iterations": 2000, "methods": ("collapsed", "free-form", "particle-gibbs", "gaussian-vi")}
FFVD_METHODS = ("collapsed", "free-form", "particle-gibbs")
QUICK = {"kink_steps": 300, "variances": (0.08,), "seeds": (0, 1), "kink_iterations": 2000,
         "sysid_iterations": 400, "methods": ("collapsed", "gaussian-vi")}


def tables(runs, config):
    """Kink table (method × R: medians over seeds), sysid table (set × method) and the goal table."""
    ok = [r for r in runs if r["ok"]]
    kink_rows = []
    for v in config["variances"]:
        for m in config["methods"]:
            sel = [r["result"] for r in ok if r["kind"] == "kink" and r["method"] == m and r["variance"] == v]
            if sel:
                kink_rows.append({"variance": v, "method": m, "runs": len(sel),
                                  "rmse_f": core.median([s["rmse_f"] for s in sel]),
                                  "test_mnll": core.median([s["test_mnll"] for s in sel]),
                                  "per_1000": core.median([s["seconds_per_1000"] for s in sel])})
    kink = core.make_table(
        "kink", f"Kink (T = {config['kink_steps']}, process sd 0.05): medians over seeds",
        [("variance", "R", "number"), ("method", "method", "text"), ("runs", "seeds", "number"),
         ("rmse_f", "RMSE f (in-range grid)", "number"), ("test_mnll", "test MNLL (30-step free run)", "number"),
         ("per_1000", "time / 1,000 iterations", "seconds")], kink_rows,
        notes=["RMSE of the posterior mean of m(x) + f(x) against the kink on the reference grid points inside the range "
               "of the true states; MNLL of the moment-matched Gaussian of a 30-step free run from every posterior draw."])
    sys_rows, goal_rows = [], []
    for d in SETS:
        per = {}
        for m in config["methods"]:
            sel = [r["result"] for r in ok if r["kind"] == "sysid" and r["method"] == m and r["data"] == d]
            if sel:
                per[m] = {"rmse": core.median([s["rmse"] for s in sel]), "nll": core.median([s["nll"] for s in sel]),
                          "per_1000": core.median([s["seconds_per_1000"] for s in sel])}
                sys_rows.append(dict(per[m], data=d, method=m))
        base = per.get("gaussian-vi")
        for m in FFVD_METHODS:
            if base and m in per:
                beats = per[m]["rmse"] < base["rmse"] and per[m]["nll"] < base["nll"]
                goal_rows.append({"goal": f"{d}: {m} beats gaussian-vi (RMSE and NLL)",
                                  "measured": f"RMSE {per[m]['rmse']:.4g} vs {base['rmse']:.4g}, "
                                              f"NLL {per[m]['nll']:.4g} vs {base['nll']:.4g}",
                                  "met": "yes" if beats else "no"})
    sysid = core.make_table(
        "sysid", "System identification: 30-step free run from the end of the training half",
        [("data", "set", "text"), ("method", "method", "text"), ("rmse", "RMSE (original units)", "number"),
         ("nll", "NLL (standardised)", "number"), ("per_1000", "time / 1,000 iterations", "seconds")], sys_rows,
        notes=["4 latent states, 100 inducing points (fewer when the training half is shorter), SE kernel, identity "
               "mean; 10 posterior draws, one path each; NLL of the moment-matched Gaussian per step."])
    goals = core.make_table("goals", "Issue 16's goal: beat the Gaussian-VI baseline on every set",
                            [("goal", "goal", "text"), ("measured", "measured", "text"), ("met", "met", "text")], goal_rows)
    return [goals, kink, sysid]


def run(ctx):
    cfg = QUICK if ctx.quick else FULL
    runs = []

    def child(cmd, fields, describe):
        rec = core.child_record(proc.run_child([ctx.swift_binary] + cmd, env=ctx.env, timeout=ctx.timeout), fields)
        runs.append(rec)
        if rec["ok"]:
            ctx.log(f"[gpssm] {describe(rec['result'])}")
        else:
            ctx.log(f"[gpssm] {fields}: FAILED {rec['error']}")

    for v in cfg["variances"]:
        for seed in cfg["seeds"]:
            for m in cfg["methods"]:
                child(["gpssm-kink", "--variance", str(v), "--seed", str(seed), "--method", m, "--steps",
                       str(cfg["kink_steps"]), "--iterations", str(cfg["kink_iterations"])],
                      {"kind": "kink", "method": m, "variance": v, "seed": seed, "data": "kink"},
                      lambda r: f"kink R={r['variance']} seed {r['seed']} {r['method']}: RMSE f {r['rmse_f']:.4f}, "
                                f"MNLL {r['test_mnll']:.3f}, {core.fmt_seconds(r['fit_seconds'])}")
    for d in SETS:
        path = os.path.join(DATA_DIR, f"{d}.csv")
        if not os.path.exists(path):
            ctx.log(f"[gpssm] {path} missing; sysid set skipped")
            continue
        for m in cfg["methods"]:
            child(["gpssm-sysid", "--data", path, "--method", m, "--iterations", str(cfg["sysid_iterations"])],
                  {"kind": "sysid", "method": m, "data": d, "seed": 0},
                  lambda r: f"sysid {r['data']} {r['method']}: RMSE {r['rmse']:.4g}, NLL {r['nll']:.3f}, "
                            f"{core.fmt_seconds(r['seconds_per_1000'])} / 1,000 iterations")
    config = dict(cfg, rounds=1)
    return aggregate(runs, config, ctx.quick)


def aggregate(runs, config, quick=False):
    return {"suite": "gpssm", "quick": quick, "config": config, "tables": tables(runs, config), "warnings": [],
            "runs": runs}
