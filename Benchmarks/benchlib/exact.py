"""Suite `exact` (issue 2 §8, issue 6): exact-GP LML + gradient scaling and a full fit comparison.

Aggregation (`lml_tables`, `fit_tables`, `scaling_spec`) is pure and unit-tested on canned runs;
`run` drives the children.

A *run* is one child process: {"library", "kind": "lml"|"fit", "n", "round", "ok", "result" (its JSON
line), "error", "peak_rss_mib" (measured from outside, wait4), "wall_seconds"}.
"""

import os

from . import core, data, proc
from .core import SWIFTGP

FULL = {"sizes": [500, 1000, 2000, 4000], "fit_n": 1000, "fit_test": 1000, "iterations": 100, "inner": 3}
QUICK = {"sizes": [500, 1000], "fit_n": 500, "fit_test": 500, "iterations": 30, "inner": 3}
D = 8
FLOOR = "LAPACK floor"
LML_AGREEMENT = 1e-6  # relative; a peer whose lml differs more is flagged (different model = invalid timing)
FLOOR_GOAL = 1.3


# ---------------------------------------------------------------------------------------------------
# Aggregation (pure)

def _ok(runs, **match):
    return [r for r in runs if r.get("ok") and r.get("result") is not None
            and all(r.get(k) == v for k, v in match.items())]


def summarise_lml(runs, library, n):
    """Median over every timed sample of every round for (library, n), or None when no run succeeded."""
    rs = _ok(runs, kind="lml", library=library, n=n)
    if not rs:
        return None
    res = [r["result"] for r in rs]
    s = {
        "seconds": core.median(core.pooled(res, "seconds_all")),
        "seconds_min": min(core.pooled(res, "seconds_all") or [float("nan")]),
        "samples": len(core.pooled(res, "seconds_all")),
        "rounds": len(rs),
        "peak_rss_mib": max((r["peak_rss_mib"] for r in rs if r.get("peak_rss_mib") is not None), default=None),
        "lml": res[-1].get("lml"),
    }
    if "floor_seconds_all" in res[0]:
        s["floor_seconds"] = core.median(core.pooled(res, "floor_seconds_all"))
        keys = list((res[0].get("breakdown") or {}).keys())
        s["breakdown"] = {k: core.median([x.get("breakdown", {}).get(k) for x in res]) for k in keys}
    return s


def lml_tables(runs, sizes, peers):
    """(summary table, detail table, SwiftGP breakdown table, warnings)."""
    libs = [SWIFTGP] + list(peers)
    warnings = []
    summary_rows, detail_rows, breakdown_rows = [], [], []
    for n in sizes:
        sw = summarise_lml(runs, SWIFTGP, n)
        row = {"n": n}
        if sw:
            row.update({"swiftgp": sw["seconds"], "floor": sw.get("floor_seconds"),
                        "floor_ratio": core.ratio(sw["seconds"], sw.get("floor_seconds"))})
        goal = []
        if row.get("floor_ratio") is not None:
            goal.append(row["floor_ratio"] <= FLOOR_GOAL)
        for p in peers:
            s = summarise_lml(runs, p, n)
            row[p] = s["seconds"] if s else None
            row[p + "_ratio"] = core.ratio(sw["seconds"] if sw else None, s["seconds"] if s else None)
            if p == "scikit-learn" and row[p + "_ratio"] is not None:
                goal.append(row[p + "_ratio"] < 1)
        row["goal"] = ("yes" if all(goal) else "no") if goal else "—"
        summary_rows.append(row)

        for lib in libs:
            s = summarise_lml(runs, lib, n)
            failed = [r for r in runs if r.get("kind") == "lml" and r.get("library") == lib and r.get("n") == n
                      and not r.get("ok")]
            if s is None:
                if failed:
                    detail_rows.append({"n": n, "library": lib, "status": "failed: " + (failed[-1].get("error") or "")[:120]})
                continue
            d = {"n": n, "library": lib, "seconds": s["seconds"], "seconds_min": s["seconds_min"],
                 "samples": s["samples"], "ratio": core.ratio(sw["seconds"] if sw else None, s["seconds"]),
                 "peak_rss_mib": s["peak_rss_mib"],
                 "rss_ratio": core.ratio(sw["peak_rss_mib"] if sw else None, s["peak_rss_mib"]),
                 "lml": s["lml"], "status": "ok"}
            if sw and lib != SWIFTGP and sw.get("lml") is not None and s.get("lml") is not None:
                rel = abs(s["lml"] - sw["lml"]) / max(1.0, abs(sw["lml"]))
                d["lml_rel_diff"] = rel
                if rel > LML_AGREEMENT:
                    warnings.append(f"n={n}: {lib} lml {s['lml']} differs from SwiftGP's {sw['lml']} (rel {rel:.2e})")
            detail_rows.append(d)
            if lib == SWIFTGP and "floor_seconds" in s:
                detail_rows.append({"n": n, "library": FLOOR + " (dpotrf + dpotri)", "seconds": s["floor_seconds"],
                                    "ratio": core.ratio(s["seconds"], s["floor_seconds"]), "status": "in-process"})
        if sw and sw.get("breakdown"):
            b = sw["breakdown"]
            parts = ["kernel_gram", "factorisation", "gradient_solve", "kernel_gradient"]
            known = sum(b.get(k) or 0 for k in parts)
            breakdown_rows.append({"n": n, "total": sw["seconds"], **{k: b.get(k) for k in parts},
                                   "stages": known,
                                   "dpotrf": b.get("dpotrf"), "dpotri": b.get("dpotri"),
                                   "floor": sw.get("floor_seconds"),
                                   "floor_ratio": core.ratio(sw["seconds"], sw.get("floor_seconds"))})

    s_cols = [("n", "n", "int"), ("swiftgp", "SwiftGP", "seconds"), ("floor", "LAPACK floor", "seconds"),
              ("floor_ratio", "SwiftGP / floor", "ratio")]
    for p in peers:
        s_cols += [(p, p, "seconds"), (p + "_ratio", f"SwiftGP / {p}", "ratio")]
    s_cols.append(("goal", f"goal (≤ {FLOOR_GOAL}× floor, < scikit-learn)", "text"))
    summary = core.make_table(
        "lml_summary", f"LML + gradient, ARD Matérn-5/2, d = {D} (median seconds per call)", s_cols, summary_rows,
        notes=["LAPACK floor: `LAPACKE_dpotrf_work` then `LAPACKE_dpotri_work` called directly on a preallocated "
               "copy of the same K + σ²I (copy not timed), in the SwiftGP process: the O(n³) work any exact LML "
               "gradient needs, and nothing else.",
               "Ratios are SwiftGP / other: below 1 means SwiftGP is faster."])
    detail = core.make_table(
        "lml_detail", "LML + gradient, per library",
        [("n", "n", "int"), ("library", "library", "text"), ("seconds", "median", "seconds"),
         ("seconds_min", "min", "seconds"), ("samples", "samples", "int"), ("ratio", "SwiftGP / library", "ratio"),
         ("peak_rss_mib", "peak RSS (MiB)", "mib"), ("rss_ratio", "SwiftGP / library RSS", "ratio"),
         ("lml", "LML", "number"), ("lml_rel_diff", "|ΔLML| rel. to SwiftGP", "number4"), ("status", "status", "text")],
        detail_rows,
        notes=["Peak RSS: ru_maxrss of the child process (wait4), so it includes each runtime's own footprint "
               "(Python + numpy / torch / TensorFlow)."])
    breakdown = core.make_table(
        "lml_breakdown", "SwiftGP LML + gradient: where the time goes (medians)",
        [("n", "n", "int"), ("total", "total", "seconds"), ("kernel_gram", "kernel Gram", "seconds"),
         ("factorisation", "factorisation (+σ²I, dpotrf, α)", "seconds"),
         ("gradient_solve", "gradient solve (dpotri, ½(ααᵀ − K⁻¹))", "seconds"),
         ("kernel_gradient", "kernel gradient", "seconds"), ("stages", "sum of stages", "seconds"),
         ("dpotrf", "dpotrf alone", "seconds"), ("dpotri", "dpotri alone", "seconds"),
         ("floor_ratio", "total / floor", "ratio")],
        breakdown_rows,
        notes=["Stages are timed on the fused node `exactLogMarginal` exactly as `ExactMarginalLikelihood` builds "
               "it, in separate calls from the total (their sum can differ from it by run-to-run noise): kernel "
               "Gram = `gramWithWorkspace` alone; factorisation = the node's forward minus the Gram; the kernel "
               "gradient is timed alone (`gramGradient(_:lowerAdjointOverWorkspace:)`) and the gradient solve is "
               "the rest of the backward pass.",
               "Against the floor, SwiftGP adds only the kernel Gram and gradient (O(n² d) pair work, one dsymm), "
               "α (dpotrs) and one O(n²) pass forming the adjoint: the whole evaluation lives in one n × n buffer."])
    return summary, detail, breakdown, warnings


FIT_METRICS = [("fit_seconds", "fit time", "seconds"), ("seconds_per_iteration", "time / iteration", "seconds"),
               ("predict_seconds", "predict time", "seconds"), ("peak_rss_mib", "peak RSS (MiB)", "mib"),
               ("final_lml", "final LML", "number"), ("test_rmse", "test RMSE", "number4"),
               ("test_nlpd", "test NLPD", "number4")]


def summarise_fit(runs, library):
    rs = _ok(runs, kind="fit", library=library)
    if not rs:
        return None
    res = [r["result"] for r in rs]
    last = res[-1]
    fit = core.median(core.pooled(res, "fit_seconds_all"))
    iters = core.median([x.get("iterations") for x in res])
    return {
        "library": library, "optimizer": last.get("optimizer"),
        "iterations": iters, "iteration_cap": last.get("iteration_cap"),
        "evaluations": core.median([x.get("evaluations") for x in res]),
        "fit_seconds": fit,
        "seconds_per_iteration": core.ratio(fit, iters),
        "predict_seconds": core.median(core.pooled(res, "predict_seconds_all")),
        "peak_rss_mib": max((r["peak_rss_mib"] for r in rs if r.get("peak_rss_mib") is not None), default=None),
        "final_lml": last.get("final_lml"), "test_rmse": last.get("test_rmse"), "test_nlpd": last.get("test_nlpd"),
        "stop_reason": last.get("stop_reason"), "rounds": len(rs),
    }


def fit_tables(runs, peers, n, n_test, cap):
    libs = [SWIFTGP] + list(peers)
    rows, ratio_rows = [], []
    sw = summarise_fit(runs, SWIFTGP)
    for lib in libs:
        s = summarise_fit(runs, lib)
        if s is None:
            failed = [r for r in runs if r.get("kind") == "fit" and r.get("library") == lib and not r.get("ok")]
            if failed:
                rows.append({"library": lib, "stop_reason": "failed: " + (failed[-1].get("error") or "")[:120]})
            continue
        rows.append(s)
        if lib == SWIFTGP or sw is None:
            continue
        rr = {"library": lib}
        for key in ("fit_seconds", "seconds_per_iteration", "predict_seconds", "peak_rss_mib", "test_rmse"):
            rr[key] = core.ratio(sw.get(key), s.get(key))
        rr["final_lml"] = core.difference(sw.get("final_lml"), s.get("final_lml"))
        rr["test_nlpd"] = core.difference(sw.get("test_nlpd"), s.get("test_nlpd"))
        ratio_rows.append(rr)
    table = core.make_table(
        "fit", f"Full fit, n = {n} train / {n_test} test, d = {D}, iteration cap {cap} (medians)",
        [("library", "library", "text"), ("optimizer", "optimiser", "text"), ("iterations", "iterations", "int"),
         ("evaluations", "evaluations", "int")] + FIT_METRICS + [("stop_reason", "stopped", "text")],
        rows,
        notes=["Same data, split, kernel (ARD Matérn-5/2), initial point (lengthscales 1, signal variance 1, "
               "noise 0.1), L-BFGS with memory 10 and the same iteration cap; stopping tolerances as scipy's "
               "L-BFGS-B defaults (‖g‖∞ ≤ 1e-5, relative change ≤ 2.2e-9). Each library keeps its own "
               "parametrisation (SwiftGP, GPflow, GPyTorch: softplus; scikit-learn: log).",
               "Predict time: factorise K + σ²I at the fitted hyperparameters and predict mean and variance of "
               "y* at the test inputs. RMSE and NLPD in standardised units (Benchmarks/README.md)."])
    ratios = core.make_table(
        "fit_ratios", "Full fit: SwiftGP relative to each peer",
        [("library", "peer", "text"), ("fit_seconds", "fit time ratio", "ratio"),
         ("seconds_per_iteration", "time / iteration ratio", "ratio"),
         ("predict_seconds", "predict time ratio", "ratio"), ("peak_rss_mib", "peak RSS ratio", "ratio"),
         ("test_rmse", "test RMSE ratio", "ratio"), ("final_lml", "final LML difference", "number4"),
         ("test_nlpd", "test NLPD difference", "number4")],
        ratio_rows,
        notes=["Ratios are SwiftGP / peer (below 1: SwiftGP faster, smaller or more accurate). LML and NLPD can "
               "be negative, so they are compared by difference SwiftGP − peer (LML: higher is better; "
               "NLPD: lower is better)."])
    return table, ratios


def scaling_spec(runs, sizes, peers):
    """The plot description read by `swiftgp-bench plot`."""
    series = []
    for lib in [SWIFTGP] + list(peers):
        ys = []
        for n in sizes:
            s = summarise_lml(runs, lib, n)
            ys.append(s["seconds"] if s else None)
        if any(y is not None for y in ys):
            series.append({"label": lib, "x": list(sizes), "y": ys, "style": "solid"})
    floors = []
    for n in sizes:
        s = summarise_lml(runs, SWIFTGP, n)
        floors.append(s.get("floor_seconds") if s else None)
    if any(f is not None for f in floors):
        series.append({"label": FLOOR + " (dpotrf + dpotri)", "x": list(sizes), "y": floors, "style": "dashed"})
    return {"title": f"Exact GP: LML + gradient, ARD Matérn-5/2, d = {D}, one thread",
            "x_label": "n (training points)", "y_label": "seconds per call (median)", "series": series}


# ---------------------------------------------------------------------------------------------------
# Running (impure)

def _record(kind, library, n, rnd, child):
    return core.child_record(child, {"kind": kind, "library": library, "n": n, "round": rnd})


def run(ctx):
    """Runs the suite; returns the report dict (written by the caller)."""
    cfg = QUICK if ctx.quick else FULL
    sizes, rounds, inner = cfg["sizes"], ctx.repeats, cfg["inner"]
    peers = [p for p in ctx.peers if ctx.peer_status.get(p, {}).get("available")]
    cache = os.path.join(ctx.bench_dir, "cache")
    runs = []

    def command(lib, args):
        if lib == SWIFTGP:
            return [ctx.swift_binary] + args
        if lib == core.PORTABLE:
            return [ctx.portable_binary] + args
        return [ctx.peer_python(lib), os.path.join(ctx.bench_dir, "peers", ctx.peer_script(lib))] + args[1:]

    def go(kind, lib, n, rnd, args):
        child = proc.run_child(command(lib, args), env=ctx.env, timeout=ctx.timeout)
        rec = _record(kind, lib, n, rnd, child)
        runs.append(rec)
        if rec["ok"]:
            r = rec["result"]
            t = r.get("seconds_median", r.get("fit_seconds_median"))
            extra = f", floor {core.fmt_seconds(r['floor_seconds_median'])}" if "floor_seconds_median" in r else ""
            ctx.log(f"[exact] {kind} n={n} round {rnd} {lib}: {core.fmt_seconds(t)}{extra}, "
                    f"RSS {core.fmt_mib(rec['peak_rss_mib'])} MiB")
        else:
            ctx.log(f"[exact] {kind} n={n} round {rnd} {lib}: FAILED {rec['error']}")
        return rec

    # 1. LML + gradient scaling: per n, rounds of alternating processes (SwiftGP, peer, SwiftGP, peer, …).
    for n in sizes:
        path, _ = data.synthetic(cache, "exact", n, D, seed=n)
        for rnd in range(1, rounds + 1):
            for lib in [SWIFTGP] + peers:
                args = ["exact-lml", "--data", path, "--repeats", str(inner), "--warmup", "1"]
                go("lml", lib, n, rnd, args)

    # 2. Full fit comparison.
    n_fit, n_test, cap = cfg["fit_n"], cfg["fit_test"], cfg["iterations"]
    train, test = data.synthetic(cache, "exactfit", n_fit, D, seed=2024, n_test=n_test)
    # Full runs: `rounds` alternating processes, one fit each. Quick runs: one process per library doing
    # three fits in a row (saves the Python/TensorFlow start-up), still a median of three.
    fit_rounds, fit_inner = (1, 3) if ctx.quick else (rounds, 1)
    if not ctx.skip_fit:
        for rnd in range(1, fit_rounds + 1):
            for lib in [SWIFTGP] + peers:
                args = ["exact-fit", "--train", train, "--test", test, "--iterations", str(cap),
                        "--repeats", str(fit_inner)]
                go("fit", lib, n_fit, rnd, args)

    config = {"sizes": sizes, "d": D, "rounds": rounds, "timed_calls_per_round": inner, "peers": peers,
              "fit": not ctx.skip_fit, "fit_n": n_fit, "fit_test": n_test, "iteration_cap": cap,
              "fit_rounds": fit_rounds, "fits_per_round": fit_inner}
    return aggregate(runs, config, ctx.quick)


def aggregate(runs, config, quick=False):
    """The suite's report (tables, warnings, plot spec) from its runs; also re-run by `--reaggregate`."""
    sizes, peers = config["sizes"], config["peers"]
    summary, detail, breakdown, warnings = lml_tables(runs, sizes, peers)
    tables = [summary, detail, breakdown]
    if config.get("fit", True):
        tables += list(fit_tables(runs, peers, config["fit_n"], config["fit_test"], config["iteration_cap"]))
    return {
        "suite": "exact",
        "quick": quick,
        "config": config,
        "tables": tables,
        "warnings": warnings,
        "scaling": scaling_spec(runs, sizes, peers),
        "runs": runs,
    }
