"""Suite `statespace` (issue 5 "Benchmark", issue 6): linear-time state-space GPs.

LML + gradient of a Matérn-5/2 time series (irregular times) at T ∈ {10³, 10⁴, 10⁵, 10⁶}:

  SwiftGP state-space   `swiftgp-bench statespace-lml --data F.csv` (Kalman filter + reverse sweep)
  SwiftGP dense exact   the same process, `ExactGP` on the same data, for T ≤ `exact_limit`
  BayesNewton           `peers/statespace_bayesnewton.py --data F.csv` (its Kalman filter, objax.Jit'ed
                        GradValues), in its own environment Benchmarks/.venv-statespace

and the spike-train latent-factor fit (`swiftgp-bench statespace-spikes`, the cvhmax benchmark; cvhmax is not
on PyPI, so SwiftGP alone).

Aggregation (`lml_tables`, `goal_table`, `spikes_table`, `scaling_spec`) is pure and unit-tested on canned
runs; `run` drives the children. A *run* is one child process, as in `exact.py`: {"kind": "lml"|"spikes",
"library", "n", "round", "ok", "result", "error", "peak_rss_mib", "wall_seconds"}. The dense exact timing is
read from the SwiftGP state-space run's result (`exact_seconds_all`), not from a separate process.
"""

import math
import os
import random

from . import core, env, proc
from .core import SWIFTGP

DENSE = "SwiftGP dense exact"
STATE_SPACE = "SwiftGP state-space"
PEERS = ("BayesNewton", "MarkovFlow")  # env.STATESPACE_PEERS, in this order
DATA_VERSION = 1  # part of the cached file names: bump it when the generator changes
# peer_limit: the largest T each peer runs at. MarkovFlow stops at 10⁵: its banded-precision graph peaks at
# ~1.1 GiB RSS there and grows linearly (~11 GiB at 10⁶ on a shared 24 GiB machine).
FULL = {"sizes": [1000, 2000, 4000, 10_000, 100_000, 1_000_000], "exact_limit": 4000,
        "peer_limit": {"BayesNewton": 1_000_000, "MarkovFlow": 100_000},
        "inner": 5, "spikes": {"trials": 10, "bins": 500, "neurons": 50}}
QUICK = {"sizes": [1000, 10_000, 100_000, 1_000_000], "exact_limit": 1000,
         "peer_limit": {"BayesNewton": 100_000, "MarkovFlow": 1000},
         "inner": 3, "spikes": {"trials": 10, "bins": 500, "neurons": 50}}
LINEAR_GOAL = 12.0            # time(T = 10⁶) / time(T = 10⁵)
ABSOLUTE_GOAL = 2.0           # seconds at T = 10⁶
PEER_GOAL = 0.1               # SwiftGP / peer at T = 10⁵
LML_AGREEMENT = 1e-6          # relative, peer vs SwiftGP (LML and gradient)
DENSE_AGREEMENT = 1e-8        # relative, state-space vs dense exact (issue 5's test tolerance)


# ---------------------------------------------------------------------------------------------------
# Data (seeded, cached)

def generate_series(n, seed):
    """Irregular times t_0 = 0, t_k = t_{k−1} + 0.01·(0.5 + U_k), y_k = sin t_k + 0.3 ε_k, from
    `random.Random(seed)` (U then ε per step; identical on every machine). Not standardised: the model's
    hyperparameters (ℓ = 1, σ² = 1, noise 0.1) are fixed, and every side reads the same file."""
    rng = random.Random(seed)
    t = 0.0
    rows = []
    for k in range(n):
        if k:
            t += 0.01 * (0.5 + rng.random())
        rows.append((t, math.sin(t) + 0.3 * rng.gauss(0.0, 1.0)))
    return rows


def series_csv(cache_dir, n, seed=None):
    """Path of the cached CSV `x1,y` (x1 = time) of length n, written once (seed defaults to n)."""
    seed = n if seed is None else seed
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, f"statespace_v{DATA_VERSION}_n{n}_s{seed}.csv")
    if not os.path.exists(path):
        tmp = path + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("x1,y\n")
            for t, y in generate_series(n, seed):
                fh.write(f"{t!r},{y!r}\n")
        os.replace(tmp, path)
    return path


# ---------------------------------------------------------------------------------------------------
# Aggregation (pure)

def _ok(runs, **match):
    return [r for r in runs if r.get("ok") and r.get("result") is not None
            and all(r.get(k) == v for k, v in match.items())]


def _failed(runs, **match):
    return [r for r in runs if not r.get("ok") and all(r.get(k) == v for k, v in match.items())]


def _rel(a, b):
    if a is None or b is None:
        return None
    return abs(a - b) / max(1.0, abs(b))


def _grad_rel(g, ref):
    if not isinstance(g, list) or not isinstance(ref, list) or len(g) != len(ref) or not ref:
        return None
    if any(v is None for v in g + ref):
        return None
    return max(abs(a - b) for a, b in zip(g, ref)) / max(1.0, max(abs(b) for b in ref))


def summarise(runs, library, n):
    """Pooled medians for one (library, T). `library` is STATE_SPACE, DENSE or a peer name."""
    if library == DENSE:
        rs = [r for r in _ok(runs, kind="lml", library=SWIFTGP, n=n) if "exact_seconds" in r["result"]]
        key = "exact_seconds_all"
    else:
        rs = _ok(runs, kind="lml", library=SWIFTGP if library == STATE_SPACE else library, n=n)
        key = "seconds_all"
    if not rs:
        return None
    res = [r["result"] for r in rs]
    samples = core.pooled(res, key)
    if not samples and library == DENSE:
        samples = core.pooled(res, "exact_seconds")
    if not samples:
        return None
    last = res[-1]
    s = {"seconds": core.median(samples), "seconds_min": min(samples), "samples": len(samples),
         "rounds": len(rs),
         "peak_rss_mib": max((r["peak_rss_mib"] for r in rs if r.get("peak_rss_mib") is not None), default=None)}
    if library == DENSE:
        s["lml"] = last.get("exact_lml")
        s["dense_rel_diff"] = max((x.get("relative_difference") or 0.0) for x in res)
    else:
        s["lml"] = last.get("lml")
        s["gradient"] = last.get("gradient_natural", last.get("gradient"))
        if library == STATE_SPACE:
            s["forward_seconds"] = core.median([x.get("forward_seconds") for x in res])
    return s


def lml_tables(runs, sizes, peers):
    """(summary table, detail table, warnings)."""
    warnings = []
    summary_rows, detail_rows = [], []
    for n in sizes:
        ss = summarise(runs, STATE_SPACE, n)
        dense = summarise(runs, DENSE, n)
        row = {"n": n, "swiftgp": ss["seconds"] if ss else None,
               "ns_per_step": 1e9 * ss["seconds"] / n if ss else None,
               "dense": dense["seconds"] if dense else None,
               "dense_ratio": core.ratio(ss["seconds"] if ss else None, dense["seconds"] if dense else None),
               "dense_rel": dense.get("dense_rel_diff") if dense else None}
        if dense and dense.get("dense_rel_diff") is not None and dense["dense_rel_diff"] > DENSE_AGREEMENT:
            warnings.append(f"T={n}: state-space LML differs from the dense exact LML by {dense['dense_rel_diff']:.2e} "
                            f"(relative; issue 5 requires 1e-8)")
        for p in peers:
            ps = summarise(runs, p, n)
            row[p] = ps["seconds"] if ps else None
            row[p + "_ratio"] = core.ratio(ss["seconds"] if ss else None, ps["seconds"] if ps else None)
            if ss and ps:
                rel = _rel(ps.get("lml"), ss.get("lml"))
                grel = _grad_rel(ps.get("gradient"), ss.get("gradient"))
                row[p + "_lml_rel"] = rel
                row[p + "_grad_rel"] = grel
                if rel is not None and rel > LML_AGREEMENT:
                    warnings.append(f"T={n}: {p} LML {ps['lml']} differs from SwiftGP's {ss['lml']} (rel {rel:.2e})")
                if grel is not None and grel > LML_AGREEMENT:
                    warnings.append(f"T={n}: {p} gradient differs from SwiftGP's (max rel {grel:.2e})")
        summary_rows.append(row)

        for lib in [STATE_SPACE, DENSE] + list(peers):
            s = summarise(runs, lib, n)
            if s is None:
                failed = _failed(runs, kind="lml", n=n, library=SWIFTGP if lib in (STATE_SPACE, DENSE) else lib)
                if failed and lib != DENSE:
                    detail_rows.append({"n": n, "library": lib,
                                        "status": "failed: " + (failed[-1].get("error") or "")[:160]})
                continue
            detail_rows.append({
                "n": n, "library": lib, "seconds": s["seconds"], "seconds_min": s["seconds_min"],
                "samples": s["samples"], "ratio": core.ratio(ss["seconds"] if ss else None, s["seconds"]),
                "peak_rss_mib": s["peak_rss_mib"] if lib != DENSE else None, "lml": s.get("lml"),
                "lml_rel": _rel(s.get("lml"), ss.get("lml")) if ss and lib != STATE_SPACE else None,
                "status": "ok" if lib != DENSE else "same process as state-space"})

    cols = [("n", "T", "int"), ("swiftgp", "SwiftGP state-space", "seconds"), ("ns_per_step", "ns / time step", "number4"),
            ("dense", "SwiftGP dense exact", "seconds"), ("dense_ratio", "state-space / dense", "number4")]
    for p in peers:
        cols += [(p, p, "seconds"), (p + "_ratio", f"SwiftGP / {p}", "ratio"),
                 (p + "_lml_rel", f"|ΔLML| rel. ({p})", "number4"), (p + "_grad_rel", f"|Δ∇| rel. ({p})", "number4")]
    cols.append(("dense_rel", "|ΔLML| rel. (dense)", "number4"))
    summary = core.make_table(
        "lml_summary", "LML + gradient, Matérn-5/2 time series, irregular times (median seconds per call)", cols,
        summary_rows,
        notes=["Same CSV for every side; ℓ = 1, σ² = 1, noise variance 0.1 fixed; one call = the log marginal "
               "likelihood and its gradient with respect to (ℓ, σ², noise). Ratios are SwiftGP state-space / "
               "other: below 1 means SwiftGP's state-space model is faster.",
               "Dense exact: SwiftGP's `ExactGP` (Cholesky, O(T³)) on the same data, timed in the same process; "
               "— above its size limit.",
               "|ΔLML| rel.: |LML − LML_SwiftGP| / max(1, |LML_SwiftGP|); |Δ∇| rel.: the largest gradient component "
               "difference over max(1, ‖∇_SwiftGP‖∞), with the peer's gradient converted from its softplus "
               "parametrisation to (ℓ, σ², noise)."])
    detail = core.make_table(
        "lml_detail", "LML + gradient, per library",
        [("n", "T", "int"), ("library", "library", "text"), ("seconds", "median", "seconds"),
         ("seconds_min", "min", "seconds"), ("samples", "samples", "int"), ("ratio", "SwiftGP / library", "ratio"),
         ("peak_rss_mib", "peak RSS (MiB)", "mib"), ("lml", "LML", "number"),
         ("lml_rel", "|ΔLML| rel. to SwiftGP", "number4"), ("status", "status", "text")],
        detail_rows,
        notes=["Peak RSS: ru_maxrss of the child process (wait4); the SwiftGP process also holds the dense model "
               "when T ≤ the dense limit, and the peer's includes Python, jax and XLA."])
    return summary, detail, warnings


def goal_table(runs, peers):
    """Issue 5's three goals, from the measured medians (T = 10⁵ and 10⁶)."""
    s5, s6 = summarise(runs, STATE_SPACE, 100_000), summarise(runs, STATE_SPACE, 1_000_000)
    t5, t6 = (s5 or {}).get("seconds"), (s6 or {}).get("seconds")
    rows = []
    lin = core.ratio(t6, t5)
    rows.append({"goal": f"linear cost: time(T = 10⁶) / time(T = 10⁵) ≤ {LINEAR_GOAL:g}",
                 "measured": "—" if lin is None else f"{lin:.2f}",
                 "met": "—" if lin is None else ("yes" if lin <= LINEAR_GOAL else "no")})
    rows.append({"goal": f"T = 10⁶ in under {ABSOLUTE_GOAL:g} s (one core)",
                 "measured": core.fmt_seconds(t6),
                 "met": "—" if t6 is None else ("yes" if t6 < ABSOLUTE_GOAL else "no")})
    for p in list(peers) + [q for q in PEERS if q not in peers]:
        ps = summarise(runs, p, 100_000) if p in peers else None
        r = core.ratio(t5, ps["seconds"] if ps else None)
        rows.append({"goal": f"≥ 10× faster than {p} at T = 10⁵ (SwiftGP / {p} ≤ {PEER_GOAL:g})",
                     "measured": "peer unavailable" if r is None and p not in peers else
                     ("—" if r is None else f"{r:.3f} ({1 / r:.1f}× faster)"),
                     "met": "—" if r is None else ("yes" if r <= PEER_GOAL else "no")})
    return core.make_table("goals", "Issue 5's benchmark goals",
                           [("goal", "goal", "text"), ("measured", "measured", "text"), ("met", "met", "text")], rows,
                           notes=["Times are SwiftGP state-space medians of every timed call of every round."])


def spikes_table(runs, cvhmax_status):
    rs = _ok(runs, kind="spikes", library=SWIFTGP)
    rows = []
    if rs:
        res = [r["result"] for r in rs]
        last = res[-1]
        secs = core.pooled(res, "seconds_all")
        rows.append({"library": SWIFTGP, "data": f"{last.get('trials')} trials × {last.get('bins')} bins × "
                                                 f"{last.get('neurons')} neurons",
                     "seconds": core.median(secs), "seconds_min": min(secs) if secs else None,
                     "samples": len(secs), "em_iterations": last.get("em_iterations"), "r2": last.get("r2"),
                     "peak_rss_mib": max((r["peak_rss_mib"] for r in rs if r.get("peak_rss_mib") is not None),
                                         default=None), "status": "ok"})
    else:
        failed = _failed(runs, kind="spikes", library=SWIFTGP)
        if failed:
            rows.append({"library": SWIFTGP, "status": "failed: " + (failed[-1].get("error") or "")[:160]})
    rows.append({"library": "cvhmax", "status": cvhmax_status})
    return core.make_table(
        "spikes", "Spike-train latent-factor fit (the cvhmax benchmark)",
        [("library", "library", "text"), ("data", "data", "text"), ("seconds", "fit time (median)", "seconds"),
         ("seconds_min", "min", "seconds"), ("samples", "fits", "int"), ("em_iterations", "EM iterations", "int"),
         ("r2", "pooled R² (affine-aligned)", "number4"), ("peak_rss_mib", "peak RSS (MiB)", "mib"),
         ("status", "status", "text")],
        rows,
        notes=["Van der Pol latents (μ = 1, dt = 0.02, SDE noise 0.05), 2 standardised latents, Poisson neurons "
               "with unit-norm loadings and log-rate Cx + log 5, two Hida–Matérn order-1 latents; C and d learned "
               "by `LatentFactorModel.fit` (default options). Issue 5's accuracy goal: R² ≥ 0.96 (cvhmax "
               "reaches 0.972). The data are generated inside `swiftgp-bench statespace-spikes` (seed 2024)."])


def scaling_spec(runs, sizes, peers):
    series = []
    for lib in [STATE_SPACE, DENSE] + list(peers):
        xs, ys = [], []
        for n in sizes:
            s = summarise(runs, lib, n)
            if s:
                xs.append(n)
                ys.append(s["seconds"])
        if xs:
            series.append({"label": lib, "x": xs, "y": ys, "style": "solid"})
    ss = [(n, summarise(runs, STATE_SPACE, n)) for n in sizes]
    ss = [(n, s["seconds"]) for n, s in ss if s]
    if ss:
        n0, t0 = ss[0]
        series.append({"label": f"∝ T (through SwiftGP at T = {n0})", "x": [n for n, _ in ss],
                       "y": [t0 * n / n0 for n, _ in ss], "style": "dashed"})
    return {"title": "State-space GP: LML + gradient, Matérn-5/2, irregular times, one thread",
            "x_label": "T (time points)", "y_label": "seconds per call (median)", "series": series}


# ---------------------------------------------------------------------------------------------------
# Running (impure)

def _record(kind, library, n, rnd, child):
    return core.child_record(child, {"kind": kind, "library": library, "n": n, "round": rnd})


CVHMAX_STATUS = ("not run: `pip install cvhmax` finds no distribution on PyPI (\"No matching distribution found "
                 "for cvhmax\"), so SwiftGP alone")


def run(ctx):
    cfg = QUICK if ctx.quick else FULL
    sizes, rounds, inner = cfg["sizes"], ctx.repeats, cfg["inner"]
    cache = os.path.join(ctx.bench_dir, "cache")
    status = {}
    if ctx.peers:  # --no-peers: SwiftGP alone
        status = env.probe_peers(list(PEERS))
        for name, st in status.items():
            ctx.log(f"[statespace] peer {name}: " + (st["version"] if st["available"] else "UNAVAILABLE — " + st["error"]))
    peers = [p for p, st in status.items() if st.get("available")]
    runs = []

    def go(kind, lib, n, rnd, cmd):
        child = proc.run_child(cmd, env=ctx.env, timeout=ctx.timeout)
        rec = _record(kind, lib, n, rnd, child)
        runs.append(rec)
        if rec["ok"]:
            r = rec["result"]
            t = r.get("seconds", r.get("seconds_median"))
            extra = f", dense {core.fmt_seconds(r['exact_seconds'])}" if "exact_seconds" in r else ""
            ctx.log(f"[statespace] {kind} T={n} round {rnd} {lib}: {core.fmt_seconds(t)}{extra}, "
                    f"RSS {core.fmt_mib(rec['peak_rss_mib'])} MiB")
        else:
            ctx.log(f"[statespace] {kind} T={n} round {rnd} {lib}: FAILED {rec['error']}")

    # 1. LML + gradient: per T, rounds of alternating processes (SwiftGP, BayesNewton, SwiftGP, …).
    for n in sizes:
        path = series_csv(cache, n)
        for rnd in range(1, rounds + 1):
            go("lml", SWIFTGP, n, rnd, [ctx.swift_binary, "statespace-lml", "--data", path, "--repeats", str(inner),
                                        "--warmup", "1", "--exact-limit", str(cfg["exact_limit"])])
            for p in peers:
                if n > cfg["peer_limit"].get(p, 0):
                    continue
                spec = env.peer_spec(p)
                go("lml", p, n, rnd, [env.venv_python(spec["venv"]), os.path.join(ctx.bench_dir, "peers", spec["script"]),
                                      "--data", path, "--repeats", str(inner), "--warmup", "1"])

    # 2. Spike-train fit: SwiftGP alone (cvhmax is not on PyPI), one fit per process and round.
    sp = cfg["spikes"]
    for rnd in range(1, rounds + 1):
        go("spikes", SWIFTGP, sp["trials"] * sp["bins"], rnd,
           [ctx.swift_binary, "statespace-spikes", "--trials", str(sp["trials"]), "--bins", str(sp["bins"]),
            "--neurons", str(sp["neurons"]), "--repeats", "1"])

    config = {"sizes": sizes, "rounds": rounds, "timed_calls_per_round": inner, "peers": peers,
              "exact_limit": cfg["exact_limit"], "peer_limit": cfg["peer_limit"], "spikes": sp,
              "data_version": DATA_VERSION}
    report = aggregate(runs, config, ctx.quick)
    report["peers"] = status
    return report


def aggregate(runs, config, quick=False):
    sizes, peers = config["sizes"], config["peers"]
    summary, detail, warnings = lml_tables(runs, sizes, peers)
    notes = []
    limits = config.get("peer_limit") or {}
    for p in peers:
        if p in limits and any(n > limits[p] for n in sizes):
            notes.append(f"{p} is not run above T = {limits[p]:,} in this configuration"
                         + (" (--quick)." if quick else "."))
    if "MarkovFlow" in peers:
        notes.append("MarkovFlow's LML differs from the other three (SwiftGP state-space, SwiftGP dense, BayesNewton "
                     "agree to ~1e-15) by 1e-7 to 2e-6 relative (and its gradient by up to ~3e-5): it builds the banded precision K⁻¹ from the inverses of "
                     "the process noise covariances Q(Δt), whose condition number is 10¹⁰–10¹² at these time steps "
                     "(Δt = 0.005–0.015 with ℓ = 1), so about six digits are lost; the model is the same.")
    summary["notes"] += notes
    tables = [goal_table(runs, peers), summary, detail,
              spikes_table(runs, config.get("cvhmax_status", CVHMAX_STATUS))]
    return {"suite": "statespace", "quick": quick, "config": config, "tables": tables, "warnings": warnings,
            "scaling": scaling_spec(runs, sizes, peers), "runs": runs}
