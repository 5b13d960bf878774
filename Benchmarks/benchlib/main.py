"""`Benchmarks/run`: the one entry point of the scripted benchmarks (Benchmarks/README.md)."""

import argparse
import datetime
import os
import shlex
import subprocess
import sys
import time

from . import classification, core, dklgp, env, exact, gpssm, io, magma, mpi, proc, spatial, statespace, svgp

SUITES = {"exact": exact.run, "io": io.run, "spatial": spatial.run, "statespace": statespace.run, "svgp": svgp.run,
          "classification": classification.run, "magma": magma.run, "gpssm": gpssm.run, "dklgp": dklgp.run,
          "mpi": mpi.run}
AGGREGATORS = {"exact": exact.aggregate, "io": io.aggregate, "spatial": spatial.aggregate,
               "statespace": statespace.aggregate, "svgp": svgp.aggregate, "classification": classification.aggregate,
               "magma": magma.aggregate, "gpssm": gpssm.aggregate, "dklgp": dklgp.aggregate, "mpi": mpi.aggregate}
# Suites that probe only the peers they run (the others share the probe of every selected peer).
OWN_PEERS = {"classification", "magma", "mpi"}
PLANNED = ()
SCRATCH = ".build-bench"
PORTABLE_SCRATCH = ".build-bench-portable"
PORTABLE_SUITES = {"exact", "svgp"}


class Context:
    def __init__(self, args):
        self.bench_dir = env.HERE
        self.repo = env.REPO
        self.quick = args.quick
        self.repeats = args.repeats
        self.timeout = args.timeout
        self.skip_fit = args.lml_only
        self.cv_seeds = args.cv_seeds
        self.methods = args.methods
        self.peers = [] if args.no_peers else args.peers
        self.peer_status = {}
        self.swift_binary = os.path.join(self.repo, SCRATCH, "release", "swiftgp-bench")
        self.portable_binary = (os.path.join(self.repo, PORTABLE_SCRATCH, "release", "swiftgp-bench")
                                if args.portable else None)
        self.env = proc.child_env({"SWIFTGP_BENCH_VERSION": env.commit_description()})

    def log(self, msg):
        print(msg, file=sys.stderr, flush=True)

    def peer_python(self, lib):
        return env.venv_python(env.PEERS[lib]["venv"])

    def peer_script(self, lib):
        return env.PEERS[lib]["script"]


def build(ctx, attempts=3, wait=60, scratch=SCRATCH, native=True):
    """Builds swiftgp-bench into `scratch`: natively (SWIFTGP_NATIVE=1, the numerical targets compiled for this CPU,
    Package.swift), or as the portable build a versioned dependency gets."""
    cmd = ["swift", "build", "-c", "release", "--scratch-path", scratch, "--product", "swiftgp-bench"]
    for attempt in range(1, attempts + 1):
        ctx.log(f"[build] {'' if native else 'SWIFTGP_NATIVE=0 '}{' '.join(cmd)}")
        r = subprocess.run(cmd, cwd=ctx.repo, capture_output=True, text=True,
                           env=dict(os.environ, SWIFTGP_NATIVE="1" if native else "0"))
        if r.returncode == 0:
            return True
        errors = [l for l in (r.stdout + r.stderr).splitlines() if "error" in l][:5]
        ctx.log("[build] failed:\n  " + "\n  ".join(errors))
        if attempt < attempts:
            ctx.log(f"[build] retrying in {wait} s (the tree may be mid-edit)")
            time.sleep(wait)
    return False


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="Benchmarks/run",
        description="SwiftGP side by side with scikit-learn, GPyTorch and GPflow (Benchmarks/README.md).")
    ap.add_argument("suites", nargs="*", default=["exact"], help=f"suites to run (default: exact; known: "
                    f"{', '.join(SUITES)}; planned: {', '.join(PLANNED)})")
    ap.add_argument("--quick", action="store_true", help="a reduced version of each suite (< 3 minutes)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="rounds of alternating runs per measurement (>= 3 for reported medians; default 3)")
    ap.add_argument("--no-peers", action="store_true", help="SwiftGP only (no virtual environment needed)")
    ap.add_argument("--peers", default=",".join(env.PEERS),
                    help=f"comma-separated subset of peers (default: {','.join(env.PEERS)})")
    ap.add_argument("--no-build", action="store_true", help="use the existing swiftgp-bench binary")
    ap.add_argument("--portable", action="store_true",
                    help="also build swiftgp-bench without SWIFTGP_NATIVE (the build a versioned dependency gets, in "
                         f"{PORTABLE_SCRATCH}) and run it as the peer '{core.PORTABLE}' of the exact and svgp suites")
    ap.add_argument("--lml-only", action="store_true", help="skip the full-fit comparison")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed per child process")
    ap.add_argument("--cv-seeds", type=int, default=None,
                    help="suite classification: cv-seeds per set (default 10, --quick 1)")
    ap.add_argument("--methods", default=None,
                    help="suite classification: SwiftGP methods, comma-separated (default ep-like,vi,laplace)")
    ap.add_argument("--results", default=None, help="output folder (default Benchmarks/results)")
    ap.add_argument("--reaggregate", action="store_true",
                    help="rebuild the tables, Markdown and plot from the raw runs stored in the existing "
                         "<suite>.json (no measurement)")
    args = ap.parse_args(argv)
    args.peers = [p.strip() for p in args.peers.split(",") if p.strip()]
    unknown = [p for p in args.peers if p not in env.PEERS]
    if unknown:
        ap.error(f"unknown peer(s) {unknown}; known: {list(env.PEERS)}")
    if args.repeats < 1:
        ap.error("--repeats must be >= 1")
    return args


def write_and_plot(ctx, report, results_dir):
    """Writes <suite>.md/.json and the scaling SVG; returns 0, or 1 when the plot failed."""
    suite = report["suite"]
    md_path, json_path = core.write_report(report, results_dir)
    svg_path = os.path.join(results_dir, report.get("plot_file") or f"{suite}_scaling.svg")
    status = 0
    if report.get("scaling", {}).get("series") and os.path.exists(ctx.swift_binary):
        r = proc.run_child([ctx.swift_binary, "plot", "--input", json_path, "--output", svg_path], env=ctx.env,
                           timeout=120)
        if not r.ok:
            ctx.log(f"[plot] failed: {r.error_summary()}")
            status = 1
    print(core.markdown_report(report))
    ctx.log(f"[run] {suite}: wrote {md_path}, {json_path}" + (f", {svg_path}" if os.path.exists(svg_path) else ""))
    return status


def reaggregate(ctx, suites, results_dir):
    import json
    status = 0
    for suite in suites:
        path = os.path.join(results_dir, f"{suite}.json")
        if suite not in AGGREGATORS or not os.path.exists(path):
            ctx.log(f"[run] nothing to re-aggregate for '{suite}' ({path})")
            status = 1
            continue
        with open(path) as fh:
            old = json.load(fh)
        report = AGGREGATORS[suite](old["runs"], old["config"], old.get("quick", False))
        for key in ("command", "generated", "machine", "peers", "wall_seconds"):
            report[key] = old.get(key)
        status = max(status, write_and_plot(ctx, report, results_dir))
    return status


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    t_start = time.perf_counter()
    ctx = Context(args)
    results_dir = args.results or os.path.join(ctx.bench_dir, "results")
    if args.repeats < 3:
        ctx.log("[run] note: fewer than 3 rounds; medians are less robust")
    for s in args.suites:
        if s not in SUITES and s not in PLANNED:
            ctx.log(f"[run] unknown suite '{s}' (known: {', '.join(SUITES)})")
            return 2

    if args.reaggregate:
        return reaggregate(ctx, args.suites, results_dir)
    if not args.no_build and not build(ctx):
        ctx.log("[run] swiftgp-bench did not build; nothing to measure")
        return 1
    if ctx.portable_binary and not args.no_build and not build(ctx, scratch=PORTABLE_SCRATCH, native=False):
        ctx.log("[run] the portable swiftgp-bench did not build")
        return 1
    if not os.path.exists(ctx.swift_binary):
        ctx.log(f"[run] {ctx.swift_binary} missing (build it or drop --no-build)")
        return 1

    if ctx.peers and any(s not in OWN_PEERS for s in args.suites):
        ctx.peer_status = env.probe_peers(ctx.peers)
    if ctx.portable_binary:
        if not os.path.exists(ctx.portable_binary):
            ctx.log(f"[run] {ctx.portable_binary} missing (build it or drop --no-build)")
            return 1
        ctx.peers = ctx.peers + [core.PORTABLE]
        ctx.peer_status[core.PORTABLE] = {"available": True, "version": "swiftgp-bench built with SWIFTGP_NATIVE=0 "
                                          "(no -march=native; the build of a versioned dependency)"}
        other = [s for s in args.suites if s not in PORTABLE_SUITES]
        if other:
            ctx.log(f"[run] --portable measures the exact and svgp suites; not {', '.join(other)}")
    for name, st in ctx.peer_status.items():
        ctx.log(f"[peers] {name}: " + (st["version"] if st["available"] else "UNAVAILABLE — " + st["error"]))

    machine = env.machine()
    status = 0
    for suite in args.suites:
        if suite in PLANNED:
            ctx.log(f"[run] suite '{suite}' is not implemented yet (its issue adds it); skipped")
            continue
        t0 = time.perf_counter()
        load_start = env.load_average()
        report = SUITES[suite](ctx)
        report.update({
            "command": "Benchmarks/run " + " ".join(shlex.quote(a) for a in argv),
            "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": dict(machine, **{"load average at start": load_start, "at end": env.load_average()}),
            "peers": report.get("peers", ctx.peer_status),  # a suite with its own peers reports them
            "wall_seconds": None,
        })
        report["wall_seconds"] = time.perf_counter() - t0
        status = max(status, write_and_plot(ctx, report, results_dir))
        ctx.log(f"[run] {suite}: measured in {report['wall_seconds']:.0f} s")
    ctx.log(f"[run] total wall time {time.perf_counter() - t_start:.0f} s")
    return status
