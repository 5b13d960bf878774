"""Suite `mpi` (issue 18): the data-parallel SVGP fit of `swiftgp-mpi` on this machine, and a cost model for
many ranks (docs/methods/distributed.md#cost-model).

1. A loopback allreduce (`mpirun -n 2 swiftgp-mpi allreduce`): seconds per MPI_Allreduce of n doubles, fitted
   by least squares to T(n) = α + β n (latency α, inverse bandwidth β).
2. Strong scaling: one data set (N rows, global minibatch B) at 1 and 2 ranks; seconds per iteration of the
   training loop, and the part spent in allreduces.
3. Weak scaling: N/R rows and B/R batch rows per rank, at 1 and 2 ranks.
4. A simulated R = 64 (and 1 … 32): per-iteration compute a + b B fitted by least squares to every one-rank run
   (the strong and weak ones and extra batch sizes: a, the batch-independent part; b, per batch row), plus calls × α ⌈log₂ R⌉ + β n · 2(R − 1)/R per iteration for the measured number of
   allreduce calls and doubles.

Aggregation (`fit_latency_bandwidth`, `model`, `aggregate`) is pure and unit-tested on canned runs
(Benchmarks/tests/test_harness.py). Needs Open MPI and `swiftgp-mpi` (built here with SWIFTGP_MPI=1).
"""

import json
import math
import os
import random
import shlex
import subprocess

from . import core, proc

SWIFTGP_MPI = "SwiftGP (swiftgp-mpi)"
FULL = {"rows": 200_000, "batch": 8192, "inducing": 100, "iterations": 40, "features": 4, "compute_batches": [128, 1024, 4096],
        "doubles": [1, 16, 256, 4096, 65536, 262144, 1048576], "allreduce_repeats": 30, "ranks": [1, 2]}
QUICK = {"rows": 20_000, "batch": 2048, "inducing": 50, "iterations": 15, "features": 4, "compute_batches": [128],
         "doubles": [1, 256, 65536], "allreduce_repeats": 5, "ranks": [1, 2]}
SIMULATED = [1, 2, 4, 8, 16, 32, 64]


def mpirun():
    """mpirun with the flags a container or a 2-core machine needs (root, 2 ranks per core)."""
    flags = ["--oversubscribe", "--bind-to", "none"]
    if os.geteuid() == 0:
        flags.append("--allow-run-as-root")
    return shlex.split(os.environ.get("MPIRUN", "mpirun")) + flags


def write_data(path, rows, features, seed=18):
    """Seeded regression data: y = Σ sin(x_j) + noise, x ~ U(−3, 3)^d."""
    if os.path.exists(path):
        return path
    rng = random.Random(seed)
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(",".join([f"x{j}" for j in range(features)] + ["y"]) + "\n")
        for _ in range(rows):
            x = [rng.uniform(-3, 3) for _ in range(features)]
            fh.write(",".join(f"{v:.6f}" for v in x) + f",{sum(math.sin(v) for v in x) + 0.1 * rng.gauss(0, 1):.6f}\n")
    os.replace(tmp, path)
    return path


# ---------------------------------------------------------------------------------------------------
# Aggregation (pure)

def fit_latency_bandwidth(points):
    """α, β of T(n) = α + β n over (n, seconds) points by least squares on the relative error (weights 1/t²), so
    the microsecond latencies of short messages count as much as the milliseconds of long ones; α, β ≥ 0."""
    pts = [(float(n), float(t)) for n, t in points if t > 0]
    if len(pts) < 2:
        return None
    w = [1 / (t * t) for _, t in pts]
    sw = sum(w)
    sn = sum(wi * n for wi, (n, _) in zip(w, pts))
    st = sum(wi * t for wi, (_, t) in zip(w, pts))
    snn = sum(wi * n * n for wi, (n, _) in zip(w, pts))
    snt = sum(wi * n * t for wi, (n, t) in zip(w, pts))
    det = sw * snn - sn * sn
    if det <= 0:
        return None
    beta = max(0.0, (sw * snt - sn * st) / det)
    alpha = max(0.0, (st - beta * sn) / sw)
    return {"alpha": alpha, "beta": beta}


def allreduce_seconds(alpha, beta, doubles, ranks):
    """The model's seconds for one allreduce of `doubles` over `ranks` (0 for one rank)."""
    if ranks <= 1:
        return 0.0
    return alpha * math.ceil(math.log2(ranks)) + beta * doubles * 2 * (ranks - 1) / ranks


def per_iteration(result):
    """Seconds per iteration of the training loop, allreduce seconds per iteration, calls and doubles per call."""
    it = max(1, result["iterations"])
    calls = max(1, result["allreduce_calls"])
    return {"seconds": result["loop_seconds"] / it, "allreduce": result["allreduce_seconds"] / it,
            "calls": result["allreduce_calls"] / it, "doubles": result["allreduce_doubles"] / calls}


def fit_compute(points):
    """Least-squares a, b of seconds = a + b·B over (B, seconds) one-rank points; a clamped at ≥ 0."""
    if len(points) < 2:
        return None
    bs = [float(p[0]) for p in points]
    ts = [float(p[1]) for p in points]
    mb, mt = sum(bs) / len(bs), sum(ts) / len(ts)
    sbb = sum((x - mb) ** 2 for x in bs)
    if sbb == 0:
        return None
    b = sum((x - mb) * (t - mt) for x, t in zip(bs, ts)) / sbb
    return {"a": max(0.0, mt - b * mb), "b": b}


def model(runs, latency, config, ranks_list=SIMULATED):
    """Predicted seconds per iteration at each R for the strong-scaling problem (global batch B) and the
    weak-scaling one (B/2 rows per rank): compute a + b·(rows per rank) from every one-rank run, plus the
    allreduce model for the strong one-rank run's calls and doubles per iteration."""
    one_strong = next((r for r in runs if r["kind"] == "strong" and r["ranks"] == 1 and r["ok"]), None)
    one_weak = next((r for r in runs if r["kind"] == "weak" and r["ranks"] == 1 and r["ok"]), None)
    ones = [(r["batch"], per_iteration(r["result"])["seconds"]) for r in runs
            if r["kind"] in ("strong", "weak", "compute") and r.get("ranks") == 1 and r["ok"]]
    compute = fit_compute(ones)
    if not one_strong or not one_weak or not latency or not compute:
        return None
    s = per_iteration(one_strong["result"])
    bs, bw = one_strong["batch"], one_weak["batch"]
    a, b = compute["a"], compute["b"]
    rows = []
    for r in ranks_list:
        comm = s["calls"] * allreduce_seconds(latency["alpha"], latency["beta"], s["doubles"], r)
        strong = a + b * bs / r + comm
        weak = a + b * bw + comm
        rows.append({"ranks": r, "strong_compute": a + b * bs / r, "allreduce": comm, "strong": strong,
                     "strong_speedup": (a + b * bs) / strong, "weak": weak, "weak_efficiency": (a + b * bw) / weak})
    return {"a": a, "b": b, "rows": rows, "calls": s["calls"], "doubles": s["doubles"], "points": len(ones)}


def aggregate(runs, config, quick=False):
    points = [(r["doubles"], r["seconds"]) for r in runs if r["kind"] == "allreduce" and r["ok"]]
    latency = fit_latency_bandwidth(points)
    tables, warnings = [], []
    tables.append(core.make_table("allreduce", "Loopback MPI_Allreduce, 2 ranks (median of repeats after warm-up, slowest rank)", [
        ("doubles", "doubles", "int"), ("seconds", "seconds", "seconds"), ("fitted", "α + β n", "seconds")],
        [{"doubles": n, "seconds": t, "fitted": latency and latency["alpha"] + latency["beta"] * n} for n, t in points],
        notes=[f"fit: α = {latency['alpha'] * 1e6:.2f} µs latency, 1/β = {1e-9 / latency['beta']:.2f} GB/s"
               if latency and latency["beta"] > 0 else "no fit"]))
    for kind, title in (("strong", f"Strong scaling: N = {config['rows']}, global batch B = {config['batch']}"),
                        ("weak", f"Weak scaling: {config['rows'] // 2} rows and {config['batch'] // 2} batch rows per rank")):
        rows = []
        base = None
        for r in sorted((x for x in runs if x["kind"] == kind), key=lambda x: x["ranks"]):
            if not r["ok"]:
                warnings.append(f"{kind} R={r['ranks']} failed: {r['error']}")
                continue
            p = per_iteration(r["result"])
            base = base or p["seconds"]
            rows.append({"ranks": r["ranks"], "rows": r["result"]["rows"], "batch": r["batch"], "iteration": p["seconds"],
                         "allreduce": p["allreduce"], "share": p["allreduce"] / p["seconds"] if p["seconds"] else None,
                         "speedup" if kind == "strong" else "efficiency": base / p["seconds"] if p["seconds"] else None})
        last = ("speedup", "speedup vs R = 1", "ratio") if kind == "strong" else ("efficiency", "t(1) / t(R)", "ratio")
        tables.append(core.make_table(kind, title, [
            ("ranks", "ranks", "int"), ("rows", "N", "int"), ("batch", "B", "int"), ("iteration", "s / iteration", "seconds"),
            ("allreduce", "allreduce s / iteration", "seconds"), ("share", "allreduce share", "ratio"), last], rows))
    predicted = model(runs, latency, config)
    series = []
    if predicted:
        tables.append(core.make_table("simulated", "Simulated ranks: measured compute + allreduce cost model", [
            ("ranks", "ranks", "int"), ("strong_compute", "compute a + b B/R", "seconds"),
            ("allreduce", "allreduce (model)", "seconds"), ("strong", "strong s / iteration", "seconds"),
            ("strong_speedup", "strong speedup", "ratio"), ("weak", "weak s / iteration", "seconds"),
            ("weak_efficiency", "weak efficiency", "ratio")], predicted["rows"], notes=[
            f"compute per iteration a + b·rows: a = {predicted['a'] * 1e3:.3f} ms (O(M³) part), "
            f"b = {predicted['b'] * 1e6:.3f} µs per batch row, least squares over the {predicted['points']} one-rank runs "
            "(B = " + ", ".join(str(r["batch"]) for r in sorted(
                (x for x in runs if x.get("ranks") == 1 and x["kind"] != "allreduce" and x["ok"]), key=lambda x: x["batch"])) + ").",
            f"{predicted['calls']:.1f} allreduce calls per iteration of {predicted['doubles']:.0f} doubles on average; "
            "α, β from the loopback fit (shared memory: a network's α is 10–100× larger)."]))
        xs = [r["ranks"] for r in predicted["rows"]]
        series.append({"label": "strong, model", "x": xs, "y": [r["strong"] for r in predicted["rows"]], "style": "dashed"})
        series.append({"label": "weak, model", "x": xs, "y": [r["weak"] for r in predicted["rows"]], "style": "dashed"})
    for kind in ("strong", "weak"):
        measured = sorted((x for x in runs if x["kind"] == kind and x["ok"]), key=lambda x: x["ranks"])
        if measured:
            series.append({"label": f"{kind}, measured", "x": [m["ranks"] for m in measured],
                           "y": [per_iteration(m["result"])["seconds"] for m in measured], "style": "solid"})
    return {"suite": "mpi", "quick": quick, "config": config, "tables": tables, "warnings": warnings,
            "latency": latency, "model": predicted, "runs": runs, "plot_file": "mpi_scaling.svg",
            "scaling": {"title": f"Distributed SVGP: M = {config['inducing']}, seconds per iteration",
                        "x_label": "ranks R", "y_label": "seconds per iteration", "series": series}}


# ---------------------------------------------------------------------------------------------------
# Running (impure)

def build(ctx):
    """Builds swiftgp and swiftgp-mpi (SWIFTGP_MPI=1) into the benchmark scratch path; SWIFTGP_MPI_BINDIR names a
    directory that already holds both (then nothing is built)."""
    from .main import SCRATCH
    if os.environ.get("SWIFTGP_MPI_BINDIR"):
        return os.environ["SWIFTGP_MPI_BINDIR"]
    for product in ("swiftgp", "swiftgp-mpi"):
        cmd = ["swift", "build", "-c", "release", "--scratch-path", SCRATCH, "--product", product]
        ctx.log(f"[mpi] SWIFTGP_MPI=1 {' '.join(cmd)}")
        r = subprocess.run(cmd, cwd=ctx.repo, capture_output=True, text=True,
                           env=dict(os.environ, SWIFTGP_NATIVE="1", SWIFTGP_MPI="1"))
        if r.returncode != 0:
            ctx.log("[mpi] build failed: " + " | ".join(l for l in (r.stdout + r.stderr).splitlines() if "error" in l)[:400])
            return None
    return os.path.join(ctx.repo, SCRATCH, "release")


def run(ctx):
    config = dict(QUICK if ctx.quick else FULL)
    bindir = build(ctx)
    runs = []
    if bindir is None:
        report = aggregate(runs, config, ctx.quick)
        report["warnings"].append("swiftgp-mpi did not build (Open MPI missing? scripts/bootstrap.sh installs it)")
        return report
    mpi_bin, cli = os.path.join(bindir, "swiftgp-mpi"), os.path.join(bindir, "swiftgp")
    cache = os.path.join(ctx.bench_dir, "cache")
    os.makedirs(cache, exist_ok=True)
    env = dict(ctx.env, OMPI_MCA_btl_vader_single_copy_mechanism="none")
    # 1. Loopback allreduce.
    r = proc.run_child(mpirun() + ["-n", "2", mpi_bin, "allreduce", "--doubles", ",".join(map(str, config["doubles"])),
                                   "--repeats", str(config["allreduce_repeats"])], env=env, timeout=ctx.timeout)
    for line in (r.stdout or "").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        runs.append({"kind": "allreduce", "ok": r.ok, "doubles": rec["doubles"], "seconds": rec["seconds"], "error": None})
    if not r.ok:
        ctx.log(f"[mpi] allreduce failed: {r.error_summary()}")
    # 2–3. Fits: strong (N, B at every R) and weak (N/2·R rows, B/2·R batch).
    jobs = [("strong", rk, config["rows"], config["batch"]) for rk in config["ranks"]]
    jobs += [("weak", rk, config["rows"] // 2 * rk, config["batch"] // 2 * rk) for rk in config["ranks"]]
    jobs += [("compute", 1, config["rows"], b) for b in config.get("compute_batches", [])]
    for kind, ranks, rows, batch in jobs:
        csv = write_data(os.path.join(cache, f"mpi_{rows}x{config['features']}.csv"), rows, config["features"])
        col = csv[:-4] + ".gpcol"
        if not os.path.exists(col):
            subprocess.run([cli, "convert", csv, "--output", col, "--quiet"], check=True)
        timing = os.path.join(cache, f"mpi_timing_{kind}_{ranks}.json")
        cmd = mpirun() + ["-n", str(ranks), mpi_bin, "fit", "--data", col, "--target", "y", "--model", "svgp",
                          "--inducing", str(config["inducing"]), "--batch-size", str(batch), "--iterations",
                          str(config["iterations"]), "--no-natural-gradients", "--learning-rate", "0.01", "--quiet",
                          "--timing", timing, "--output", os.path.join(cache, f"mpi_model_{kind}_{ranks}.json")]
        ctx.log(f"[mpi] {kind} R={ranks}: {rows} rows, batch {batch}")
        child = proc.run_child(cmd, env=env, timeout=ctx.timeout)
        rec = {"kind": kind, "ranks": ranks, "rows": rows, "batch": batch, "ok": child.ok, "result": None,
               "error": None if child.ok else child.error_summary(), "wall_seconds": child.wall_seconds}
        if child.ok:
            with open(timing) as fh:
                rec["result"] = json.load(fh)
            ctx.log(f"[mpi] {kind} R={ranks}: {per_iteration(rec['result'])['seconds'] * 1e3:.1f} ms per iteration")
        runs.append(rec)
    report = aggregate(runs, config, ctx.quick)
    report["peers"] = {}
    return report
