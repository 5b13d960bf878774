"""Suite `io` (issue 12): the command line's I/O beside pandas. Reading a 10⁶ × 2 CSV (what `fit`, `predict`
and `evaluate` do first) and writing one prediction row per data row (what `predict` writes), in two number
formats: full precision (17 significant digits, Python's repr, the worst case for decimal parsing) and 6
significant digits (typical measured data). Goals: read ≤ 0.5 s, write ≤ 1 s.

pandas runs in its own environment, Benchmarks/.venv-io (pandas pinned below); without it the suite
reports SwiftGP alone.
"""

import os
import random

from . import core, env, proc
from .core import SWIFTGP

FULL = {"rows": 1_000_000, "repeats": 5}
QUICK = {"rows": 100_000, "repeats": 3}
FORMATS = {"full precision": repr, "6 digits": lambda v: f"{v:.6g}"}
PANDAS = {"venv": ".venv-io", "pins": ["pandas==3.1.1"], "script": "pandas_io.py"}
GOALS = {"read": 0.5, "write": 1.0}


def write_data(cache, rows, name, fmt):
    path = os.path.join(cache, f"io_{rows}_{name.replace(' ', '_')}.csv")
    if not os.path.exists(path):
        rng = random.Random(12)
        tmp = path + ".tmp"
        with open(tmp, "w") as fh:
            fh.write("x,y\n")
            for _ in range(rows):
                fh.write(f"{fmt(rng.random())},{fmt(rng.gauss(0, 1))}\n")
        os.replace(tmp, path)
    return path


def aggregate(runs, config, quick=False):
    rows = []
    for name in FORMATS:
        row = {"format": name}
        for lib, prefix in ((SWIFTGP, "swift"), ("pandas", "pandas")):
            r = next((x for x in runs if x["library"] == lib and x["format"] == name and x.get("ok")), None)
            row[f"{prefix}_read"] = r["result"]["read_seconds"] if r else None
            row[f"{prefix}_write"] = r["result"]["write_seconds"] if r else None
        row["read_ratio"] = core.ratio(row["swift_read"], row["pandas_read"])
        row["write_ratio"] = core.ratio(row["swift_write"], row["pandas_write"])
        row["goals"] = "met" if (row["swift_read"] or 1e9) <= GOALS["read"] and (row["swift_write"] or 1e9) <= GOALS["write"] \
            else "not met"
        rows.append(row)
    table = core.make_table("io", f"CSV I/O, {config['rows']} rows (medians of {config['repeats']})", [
        ("format", "numbers", "text"), ("swift_read", "SwiftGP read", "seconds"), ("pandas_read", "pandas read_csv", "seconds"),
        ("read_ratio", "SwiftGP / pandas", "ratio"), ("swift_write", "SwiftGP write", "seconds"),
        ("pandas_write", "pandas to_csv", "seconds"), ("write_ratio", "SwiftGP / pandas", "ratio"),
        ("goals", f"≤ {GOALS['read']} s read, ≤ {GOALS['write']} s write", "text")], rows, notes=[
        "SwiftGP read: DataTable.read (RFC 4180, every cell checked finite, column-major matrix); write: "
        "mean,variance,lower95,upper95 in shortest round-trip form through AtomicFile (temporary file, fsync, rename).",
        "pandas: read_csv with its defaults; to_csv of the same four columns (full precision, no index)."])
    return {"suite": "io", "quick": quick, "config": config, "tables": [table], "warnings": [], "runs": runs}


def run(ctx):
    config = dict(QUICK if ctx.quick else FULL)
    config["repeats"] = max(config["repeats"], ctx.repeats)
    cache = os.path.join(ctx.bench_dir, "cache")
    os.makedirs(cache, exist_ok=True)
    python = env.venv_python(PANDAS["venv"])
    have_pandas = os.path.exists(python)   # its own environment: independent of --peers / --no-peers
    if not have_pandas:
        ctx.log(f"[io] pandas not measured: create Benchmarks/{PANDAS['venv']} with {PANDAS['pins']}")
    runs = []
    for name, fmt in FORMATS.items():
        path = write_data(cache, config["rows"], name, fmt)
        cmds = [(SWIFTGP, [ctx.swift_binary, "io", "--data", path, "--repeats", str(config["repeats"])])]
        if have_pandas:
            cmds.append(("pandas", [python, os.path.join(ctx.bench_dir, "peers", PANDAS["script"]), "--data", path,
                                    "--repeats", str(config["repeats"])]))
        for lib, cmd in cmds:
            ctx.log(f"[io] {lib}, {name}")
            r = proc.run_child(cmd, env=ctx.env, timeout=ctx.timeout)
            entry = {"library": lib, "format": name, "ok": r.ok, "wall_seconds": r.wall_seconds,
                     "peak_rss_mib": r.peak_rss_mib, "result": None, "error": None}
            try:
                entry["result"] = core.parse_result_line(r.stdout)
            except core.ParseError as e:
                entry["ok"], entry["error"] = False, r.error_summary() or str(e)
            runs.append(entry)
    report = aggregate(runs, config, ctx.quick)
    report["peers"] = {"pandas": {"available": have_pandas, "version": next(
        (x["result"]["version"] for x in runs if x["library"] == "pandas" and x["result"]), ""),
        "error": "" if have_pandas else f"no Benchmarks/{PANDAS['venv']}"}}
    return report
