"""Suite `classification` (issue 17): full-GP classification on the 27 UCI sets of Li, John & Solin (ICML 2023).

Data: `../shared/datasets/uci27` (read in place, never copied), its exact folds (10 cv-seeds × 5 folds).
Protocol (both sides): X z-scored over the whole set, isotropic Matérn-5/2 from variance 1 and lengthscale 1,
test log-likelihood with probabilities clipped at 1e-12, accuracy.

  SwiftGP        `swiftgp-bench classification-uci --data F.csv --folds F.json` — EP-like+CVI, VI (CVI + ELBO)
                 and Laplace, probit, one process per set
  scikit-learn   `peers/sklearn_gpc.py` — GaussianProcessClassifier (Laplace, logistic, its own L-BFGS-B),
                 alternating with SwiftGP per set in the same run

Aggregation (`aggregate`) is pure: per set, the means over folds beside the published per-set means
(`published_results_summary.csv`), then the 27-set means and the total fit times.
A *run* is one child process: {"library", "dataset", "ok", "result", "error", "wall_seconds", "peak_rss_mib"}.
"""

import csv
import os
import statistics

from . import core, env, proc
from .core import SWIFTGP

DATA = os.path.normpath(os.path.join(env.REPO, "..", "shared", "datasets", "uci27"))
METHODS = ("ep-like", "vi", "laplace")
PUBLISHED = {"ep-like": "epcvi", "vi": "vgp", "laplace": "la"}
# The published 27-set means (PROVENANCE.md of the data set).
PUBLISHED_MEANS = {"ep-like": (-0.39263, 0.8163), "vi": (-0.39593, 0.8118), "laplace": (-0.41805, 0.8102)}
PEER = "scikit-learn"
PEER_METHOD = "sklearn-laplace"
# --quick: five small and medium sets, the first cv-seed (5 folds each).
QUICK_SETS = ("breast-cancer-wisc-prog", "hepatitis", "ionosphere", "haberman-survival", "parkinsons")


def datasets():
    with open(os.path.join(DATA, "manifest.csv")) as fh:
        return [row["name"] for row in csv.DictReader(fh)]


def published():
    with open(os.path.join(DATA, "published_results_summary.csv")) as fh:
        return {row["dataset"]: row for row in csv.DictReader(fh)}


def _record(library, name, child):
    return core.child_record(child, {"library": library, "dataset": name})


def _mean(xs):
    return statistics.fmean(xs) if xs else None


def aggregate(runs, config, quick=False):
    """Per-set and 27-set tables from the runs (pure)."""
    pub = config.get("published") or {}
    by = {(r["library"], r["dataset"]): r for r in runs if r["ok"]}
    rows, summary_rows, warnings = [], [], []
    methods = tuple(config.get("methods") or METHODS)
    totals = {m: {"loglik": [], "accuracy": [], "pub": [], "seconds": 0.0, "fits": 0, "failures": 0, "in_spread": 0}
              for m in methods + (PEER_METHOD,)}
    for name in config["datasets"]:
        s, p = by.get((SWIFTGP, name)), by.get((PEER, name))
        if s is None:
            warnings.append(f"{name}: SwiftGP run failed")
        row = {"dataset": name, "n": (s or p or {}).get("result", {}).get("n") if (s or p) else None}
        for m, lib_run in [(m, s) for m in methods] + [(PEER_METHOD, p)]:
            res = (lib_run or {}).get("result", {}).get("methods", {}).get(m) if lib_run else None
            if not res:
                continue
            ll, acc = _mean(res["loglik"]), _mean(res["accuracy"])
            row[f"{m}_ll"], row[f"{m}_acc"] = ll, acc
            row[f"{m}_s"] = _mean(res["seconds"])
            t = totals[m]
            t["seconds"] += sum(res["seconds"])
            t["fits"] += len(res["seconds"])
            t["failures"] += res.get("failures", 0)
            if ll is not None:
                t["loglik"].append(ll)
                t["accuracy"].append(acc)
            key = PUBLISHED.get(m)
            if key and name in pub:
                pm, ps = float(pub[name][f"{key}_loglik_mean"]), float(pub[name][f"{key}_loglik_std"])
                row[f"{m}_pub"] = pm
                t["pub"].append(pm)
                if ll is not None and abs(ll - pm) <= ps:
                    t["in_spread"] += 1
        rows.append(row)
    cols = [("dataset", "set", "text"), ("n", "n", "int")]
    for m in methods:
        cols += [(f"{m}_ll", f"{m} log-lik", "num"), (f"{m}_pub", "published", "num"), (f"{m}_acc", "acc", "num")]
    cols += [(f"{PEER_METHOD}_ll", "sklearn log-lik", "num"), (f"{PEER_METHOD}_acc", "acc", "num"),
             ("ep-like_s", "EP-like s/fit", "seconds"), ("laplace_s", "Laplace s/fit", "seconds"),
             (f"{PEER_METHOD}_s", "sklearn s/fit", "seconds")]
    per_set = core.make_table("per_set", "Per set: mean test log-likelihood and accuracy over the folds", cols, rows,
                              notes=["published: the per-set means of the paper's 10-seed runs "
                                     "(uci27/published_results_summary.csv).",
                                     "SwiftGP methods use the probit likelihood; scikit-learn's GaussianProcessClassifier "
                                     "is Laplace with the logistic link (its only one)."])
    for m in methods + (PEER_METHOD,):
        t = totals[m]
        pm = PUBLISHED_MEANS.get(m)
        summary_rows.append({
            "method": m if m != PEER_METHOD else "scikit-learn Laplace (logit)",
            "sets": len(t["loglik"]), "loglik": _mean(t["loglik"]), "accuracy": _mean(t["accuracy"]),
            "published_loglik": pm[0] if pm else None, "published_accuracy": pm[1] if pm else None,
            "within_spread": f"{t['in_spread']}/{len(t['pub'])}" if t["pub"] else "",
            "fits": t["fits"], "failures": t["failures"], "seconds": t["seconds"],
        })
    summary = core.make_table(
        "summary", "Means over the sets", [
            ("method", "method", "text"), ("sets", "sets", "int"), ("loglik", "mean log-lik", "num"),
            ("published_loglik", "published", "num"), ("accuracy", "mean accuracy", "num"),
            ("published_accuracy", "published", "num"), ("within_spread", "sets within published ±1 sd", "text"),
            ("fits", "fits", "int"), ("failures", "failed fits", "int"), ("seconds", "total fit seconds", "seconds")],
        summary_rows,
        notes=[f"{len(config['datasets'])} sets × {config.get('cv_seeds', 10)} cv-seed(s) × 5 folds"
               + ("" if len(config["datasets"]) == 27 else "; the published means are over all 27 sets, so a subset's "
                  "means are not comparable to them")
               + "; published: Li, John & Solin (2023), EP-like+CVI −0.39263 / 81.63 %, VI −0.39593 / 81.18 %, "
               "Laplace −0.41805 / 81.02 % (10 cv-seeds).",
               _rounds_note(runs)])
    return {"suite": "classification", "quick": quick, "config": config, "tables": [summary, per_set],
            "warnings": warnings, "runs": runs}


def _rounds_note(runs):
    """The SwiftGP rounds' settings, as the runs report them."""
    st = next((r["result"].get("settings") for r in runs if r.get("library") == SWIFTGP and r.get("ok")
               and r.get("result", {}).get("settings")), None)
    if not st:
        return "SwiftGP rounds: no run reported its settings."
    jumps = ", SQUAREM jumps every third round kept when the bound does not fall" if st.get("extrapolation") else ""
    return (f"SwiftGP rounds (EP-like, VI): {st['cvi_iterations']} CVI updates (β = {st['step_size']:g}), then "
            f"at most {st['m_step_iterations']} {st['m_step_optimizer']} iterations (warm-started from the previous M-step, ending at the "
            f"first below the tolerance){jumps}, until the bound falls (reverted) or "
            f"changes by less than {st['tolerance']:g} relative.")


def _sklearn_status(ctx):
    if PEER not in ctx.peers:
        return {}
    spec = env.peer_spec(PEER)
    py = env.venv_python(spec["venv"])
    r = proc.run_child([py, "-c", spec["probe"]], env=proc.child_env(), timeout=300) if os.path.exists(py) else None
    if r is None or not r.ok:
        return env.probe_peers([PEER])
    return {PEER: {"available": True, "version": r.stdout.strip().splitlines()[-1]}}


def run(ctx):
    names = list(QUICK_SETS) if ctx.quick else datasets()
    seeds = getattr(ctx, "cv_seeds", None) or (1 if ctx.quick else 10)
    methods = tuple(ctx.methods.split(",")) if getattr(ctx, "methods", None) else METHODS
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise SystemExit(f"--methods: unknown {', '.join(unknown)} (known: {', '.join(METHODS)})")
    status = _sklearn_status(ctx)
    for name, st in status.items():
        ctx.log(f"[classification] peer {name}: " + (st["version"] if st["available"] else "UNAVAILABLE — " + st["error"]))
    use_peer = status.get(PEER, {}).get("available", False)
    runs = []
    for name in names:
        data = os.path.join(DATA, f"{name}.csv")
        folds = os.path.join(DATA, "folds", f"{name}.json")
        cmds = [(SWIFTGP, [ctx.swift_binary, "classification-uci", "--data", data, "--folds", folds, "--seeds", str(seeds)]
                 + (["--methods", ",".join(methods)] if methods != METHODS else []))]
        if use_peer:
            cmds.append((PEER, [env.venv_python(env.peer_spec(PEER)["venv"]),
                                os.path.join(ctx.bench_dir, "peers", "sklearn_gpc.py"),
                                "--data", data, "--folds", folds, "--seeds", str(seeds)]))
        for lib, cmd in cmds:
            rec = _record(lib, name, proc.run_child(cmd, env=ctx.env, timeout=ctx.timeout))
            runs.append(rec)
            if rec["ok"]:
                ms = rec["result"]["methods"]
                ctx.log(f"[classification] {name} {lib}: " + ", ".join(
                    f"{m} {_mean(v['loglik']):.4f}/{_mean(v['accuracy']):.3f} ({sum(v['seconds']):.1f} s)"
                    for m, v in ms.items() if v["loglik"]))
            else:
                ctx.log(f"[classification] {name} {lib}: FAILED {rec['error']}")
    config = {"datasets": names, "cv_seeds": seeds, "methods": list(methods), "peers": [PEER] if use_peer else [],
              "published": published()}
    report = aggregate(runs, config, ctx.quick)
    report["peers"] = status
    return report
