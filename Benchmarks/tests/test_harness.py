"""Tests of the benchmark harness's own logic on canned results (no Swift build, no peers).

Run from the repository root:  python3 -m unittest discover -s Benchmarks/tests
"""

import json
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchlib import classification, core, data, dklgp, exact, io, magma, proc, spatial, statespace, svgp  # noqa: E402


def swift_line(n, seconds, floor, lml=-100.0):
    return json.dumps({
        "library": "SwiftGP", "version": "abc", "benchmark": "exact-lml", "n": n, "d": 8, "lml": lml,
        "seconds_median": sorted(seconds)[len(seconds) // 2], "seconds_all": seconds,
        "floor_seconds_median": sorted(floor)[len(floor) // 2], "floor_seconds_all": floor,
        "breakdown": {"kernel_gram": 0.001, "factorisation": 0.002, "gradient_solve": 0.003,
                      "kernel_gradient": 0.001, "dpotrf": 0.0015, "dpotri": 0.0025},
    })


def peer_line(library, n, seconds, lml=-100.0):
    return json.dumps({"library": library, "version": "1.0", "n": n, "d": 8, "lml": lml,
                       "seconds_median": sorted(seconds)[len(seconds) // 2], "seconds_all": seconds})


def fit_line(library, fit, iterations, predict, lml, rmse, nlpd):
    return json.dumps({"library": library, "benchmark": "exact-fit", "n": 1000, "d": 8, "optimizer": "L-BFGS",
                       "iteration_cap": 100, "iterations": iterations, "evaluations": iterations + 3,
                       "fit_seconds_median": fit, "fit_seconds_all": [fit], "predict_seconds_median": predict,
                       "predict_seconds_all": [predict], "final_lml": lml, "test_rmse": rmse, "test_nlpd": nlpd,
                       "stop_reason": "max iterations"})


def run(kind, library, n, rnd, line, rss=100.0, ok=True):
    rec = {"kind": kind, "library": library, "n": n, "round": rnd, "ok": ok, "peak_rss_mib": rss,
           "wall_seconds": 1.0, "error": None if ok else "exit 1: boom", "result": None}
    if ok:
        rec["result"] = core.parse_result_line(line)
    return rec


def canned_runs():
    runs = []
    for rnd in (1, 2, 3):
        # SwiftGP: samples 1..3 ms per round -> pooled median 2 ms; floor 1.6 ms.
        runs.append(run("lml", "SwiftGP", 500, rnd, swift_line(500, [0.001, 0.002, 0.003], [0.0016] * 3), rss=80))
        runs.append(run("lml", "scikit-learn", 500, rnd, peer_line("scikit-learn", 500, [0.008, 0.008, 0.008]),
                        rss=200))
        runs.append(run("lml", "SwiftGP", 1000, rnd, swift_line(1000, [0.010] * 3, [0.005] * 3, lml=-200.0), rss=240))
        runs.append(run("lml", "scikit-learn", 1000, rnd,
                        peer_line("scikit-learn", 1000, [0.009] * 3, lml=-200.5), rss=400))
    runs.append(run("lml", "GPflow", 500, 1, "", ok=False))
    runs.append(run("fit", "SwiftGP", 1000, 1, fit_line("SwiftGP", 2.0, 40, 0.1, -900.0, 0.3, 0.5), rss=250))
    runs.append(run("fit", "scikit-learn", 1000, 1, fit_line("scikit-learn", 8.0, 50, 0.2, -901.0, 0.4, 0.7), rss=500))
    return runs


class ParsingTests(unittest.TestCase):
    def test_last_json_object_line_wins_over_noise(self):
        out = "warning: something\n{\"library\": \"A\", \"x\": 1}\nprogress 50%\n{\"library\": \"B\", \"x\": 2}\n"
        self.assertEqual(core.parse_result_line(out)["library"], "B")

    def test_lines_without_required_keys_or_invalid_json_are_skipped(self):
        out = "{\"library\": \"A\", \"n\": 5}\n{not json}\n{\"other\": 1}\n"
        self.assertEqual(core.parse_result_line(out, require=("library", "n"))["library"], "A")

    def test_no_result_raises_parse_error(self):
        with self.assertRaises(core.ParseError):
            core.parse_result_line("Traceback (most recent call last):\n  boom\n")
        with self.assertRaises(core.ParseError):
            core.parse_result_line("")

    def test_swift_and_peer_lines_parse(self):
        s = core.parse_result_line(swift_line(500, [0.1, 0.2, 0.3], [0.05] * 3))
        self.assertEqual(s["n"], 500)
        self.assertEqual(s["breakdown"]["dpotri"], 0.0025)
        p = core.parse_result_line(peer_line("GPyTorch", 500, [1.0]))
        self.assertEqual(p["library"], "GPyTorch")


class MedianRatioTests(unittest.TestCase):
    def test_median_odd_even_and_filtering(self):
        self.assertEqual(core.median([3, 1, 2]), 2)
        self.assertEqual(core.median([4, 1, 3, 2]), 2.5)
        self.assertEqual(core.median([1.0, None, float("nan"), 5.0, 3.0]), 3.0)
        self.assertIsNone(core.median([]))
        self.assertIsNone(core.median([None, float("inf")]))

    def test_pooled_samples_across_rounds(self):
        runs = [{"seconds_all": [1, 2]}, {"seconds_all": [3]}, {"seconds_all": 4}, {}]
        self.assertEqual(core.pooled(runs, "seconds_all"), [1, 2, 3, 4])

    def test_ratio_and_difference(self):
        self.assertAlmostEqual(core.ratio(1.0, 4.0), 0.25)
        self.assertIsNone(core.ratio(1.0, 0.0))
        self.assertIsNone(core.ratio(None, 1.0))
        self.assertIsNone(core.ratio(1.0, float("nan")))
        self.assertIsNone(core.ratio(1.0, -2.0))
        self.assertAlmostEqual(core.difference(-900.0, -901.0), 1.0)
        self.assertIsNone(core.difference(None, 1.0))

    def test_formatting(self):
        self.assertEqual(core.fmt_seconds(0.0123), "12.3 ms")
        self.assertEqual(core.fmt_seconds(2.5), "2.50 s")
        self.assertEqual(core.fmt_seconds(4.2e-5), "42 µs")
        self.assertEqual(core.fmt_seconds(None), "—")
        self.assertEqual(core.fmt_ratio(1.2345), "1.23×")
        self.assertEqual(core.fmt_ratio(None), "—")


class PortableBuildTests(unittest.TestCase):
    """`--portable`: a second swiftgp-bench, built without SWIFTGP_NATIVE, runs as one more peer."""

    def test_portable_binary_and_build_command(self):
        from benchlib import main
        args = main.parse_args(["exact", "svgp", "--portable", "--no-peers"])
        ctx = main.Context(args)
        self.assertTrue(ctx.portable_binary.endswith(os.path.join(main.PORTABLE_SCRATCH, "release", "swiftgp-bench")))
        self.assertIsNone(main.Context(main.parse_args(["exact"])).portable_binary)
        seen = []
        real = main.subprocess.run
        try:
            main.subprocess.run = lambda cmd, **kw: seen.append((cmd, kw["env"]["SWIFTGP_NATIVE"])) or \
                type("R", (), {"returncode": 0, "stdout": "", "stderr": ""})()
            self.assertTrue(main.build(ctx, scratch=main.PORTABLE_SCRATCH, native=False))
            self.assertTrue(main.build(ctx))
        finally:
            main.subprocess.run = real
        self.assertEqual([(c[c.index("--scratch-path") + 1], native) for c, native in seen],
                         [(main.PORTABLE_SCRATCH, "0"), (main.SCRATCH, "1")])

    def test_portable_rows_are_ratios_to_the_native_build(self):
        runs = [{"kind": "lml", "library": lib, "n": 500, "round": 1, "ok": True, "peak_rss_mib": 50,
                 "result": {"seconds_all": [t], "lml": -1.0}}
                for lib, t in ((core.SWIFTGP, 0.010), (core.PORTABLE, 0.013))]
        summary, _, _, warnings = exact.lml_tables(runs, [500], [core.PORTABLE])
        self.assertAlmostEqual(summary["rows"][0][core.PORTABLE + "_ratio"], 0.010 / 0.013)
        self.assertEqual(warnings, [])


class ExactSuiteTests(unittest.TestCase):
    def setUp(self):
        self.runs = canned_runs()
        self.peers = ["scikit-learn", "GPflow"]

    def test_lml_summary_medians_ratios_and_goal(self):
        summary, detail, breakdown, warnings = exact.lml_tables(self.runs, [500, 1000], self.peers)
        rows = {r["n"]: r for r in summary["rows"]}
        self.assertAlmostEqual(rows[500]["swiftgp"], 0.002)          # median of 9 pooled samples
        self.assertAlmostEqual(rows[500]["floor"], 0.0016)
        self.assertAlmostEqual(rows[500]["floor_ratio"], 1.25)
        self.assertAlmostEqual(rows[500]["scikit-learn_ratio"], 0.25)
        self.assertEqual(rows[500]["goal"], "yes")                    # 1.25 <= 1.3 and faster than sklearn
        self.assertIsNone(rows[500]["GPflow"])                        # failed run: no time, no ratio
        self.assertIsNone(rows[500]["GPflow_ratio"])
        self.assertAlmostEqual(rows[1000]["floor_ratio"], 2.0)
        self.assertEqual(rows[1000]["goal"], "no")
        # Detail: a failed peer is listed with its error; the floor has its own row; RSS ratios.
        failed = [r for r in detail["rows"] if r["library"] == "GPflow"]
        self.assertTrue(failed and failed[0]["status"].startswith("failed"))
        floor_rows = [r for r in detail["rows"] if r["library"].startswith(exact.FLOOR)]
        self.assertEqual(len(floor_rows), 2)
        sk = [r for r in detail["rows"] if r["library"] == "scikit-learn" and r["n"] == 500][0]
        self.assertAlmostEqual(sk["rss_ratio"], 0.4)
        self.assertEqual(sk["samples"], 9)
        # A peer computing a different lml is flagged.
        self.assertEqual(len(warnings), 1)
        self.assertIn("n=1000", warnings[0])
        self.assertEqual([r["n"] for r in breakdown["rows"]], [500, 1000])

    def test_fit_tables(self):
        table, ratios = exact.fit_tables(self.runs, self.peers, 1000, 1000, 100)
        rows = {r["library"]: r for r in table["rows"]}
        self.assertAlmostEqual(rows["SwiftGP"]["seconds_per_iteration"], 2.0 / 40)
        self.assertNotIn("GPflow", rows)                              # never ran the fit: no row
        r = ratios["rows"][0]
        self.assertEqual(r["library"], "scikit-learn")
        self.assertAlmostEqual(r["fit_seconds"], 0.25)
        self.assertAlmostEqual(r["seconds_per_iteration"], (2.0 / 40) / (8.0 / 50))
        self.assertAlmostEqual(r["predict_seconds"], 0.5)
        self.assertAlmostEqual(r["peak_rss_mib"], 0.5)
        self.assertAlmostEqual(r["test_rmse"], 0.75)
        self.assertAlmostEqual(r["final_lml"], 1.0)
        self.assertAlmostEqual(r["test_nlpd"], -0.2)

    def test_scaling_spec(self):
        spec = exact.scaling_spec(self.runs, [500, 1000], self.peers)
        labels = [s["label"] for s in spec["series"]]
        self.assertEqual(labels[0], "SwiftGP")
        self.assertIn("scikit-learn", labels)
        self.assertNotIn("GPflow", labels)                            # no successful point
        self.assertTrue(labels[-1].startswith(exact.FLOOR))
        self.assertEqual(spec["series"][-1]["style"], "dashed")
        self.assertEqual(spec["series"][0]["x"], [500, 1000])

    def test_record_of_a_failed_or_silent_child(self):
        bad = proc.ChildResult(["x"], 1, "", "Traceback\nImportError: no module named torch\n", 0.5, 50.0)
        rec = exact._record("lml", "GPyTorch", 500, 1, bad)
        self.assertFalse(rec["ok"])
        self.assertIn("ImportError", rec["error"])
        silent = proc.ChildResult(["x"], 0, "hello\n", "", 0.5, 50.0)
        rec = exact._record("lml", "GPyTorch", 500, 1, silent)
        self.assertFalse(rec["ok"])
        self.assertIn("no JSON result line", rec["error"])


class WritingTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_markdown_and_json_files(self):
        runs = canned_runs()
        summary, detail, breakdown, warnings = exact.lml_tables(runs, [500, 1000], ["scikit-learn"])
        report = {"suite": "exact", "command": "Benchmarks/run exact --quick", "generated": "today",
                  "machine": {"nproc": 2, "cpu": "Test CPU"},
                  "peers": {"scikit-learn": {"available": True, "version": "1.9.1"},
                            "GPflow": {"available": False, "error": "pip failed"}},
                  "tables": [summary, detail], "warnings": warnings, "runs": runs,
                  "scaling": exact.scaling_spec(runs, [500, 1000], ["scikit-learn"]), "odd": float("nan")}
        md_path, json_path = core.write_report(report, self.dir)
        with open(md_path) as fh:
            md = fh.read()
        self.assertIn("# Benchmark suite `exact`", md)
        self.assertIn("`Benchmarks/run exact --quick`", md)
        self.assertIn("GPflow: unavailable (pip failed)", md)
        self.assertIn("| n | SwiftGP | LAPACK floor | SwiftGP / floor |", md)
        self.assertIn("| 500 | 2 ms | 1.6 ms | 1.25× | 8 ms | 0.25× | yes |", md)
        self.assertIn("> warning:", md)
        # Every table row has as many cells as its header.
        for block in md.split("\n\n"):
            lines = [l for l in block.splitlines() if l.startswith("|")]
            if lines:
                widths = {len(l.replace("\\|", "").split("|")) for l in lines}
                self.assertEqual(len(widths), 1, block)
        with open(json_path) as fh:
            back = json.load(fh)                                     # valid JSON (NaN written as null)
        self.assertIsNone(back["odd"])
        self.assertEqual(back["tables"][0]["rows"][0]["n"], 500)
        self.assertEqual(back["scaling"]["series"][0]["label"], "SwiftGP")
        self.assertFalse(os.path.exists(md_path + ".tmp"))

    def test_markdown_escapes_pipes(self):
        t = core.make_table("t", "T", [("a", "a|b", "text")], [{"a": "x|y"}])
        self.assertIn("a\\|b", core.markdown_table(t))
        self.assertIn("x\\|y", core.markdown_table(t))


class DataTests(unittest.TestCase):
    def test_seeded_standardised_and_cached(self):
        d = tempfile.mkdtemp()
        try:
            tr, te = data.synthetic(d, "t", 50, 3, seed=7, n_test=20)
            tr2, _ = data.synthetic(d, "t", 50, 3, seed=7, n_test=20)
            self.assertEqual(tr, tr2)
            with open(tr) as fh:
                lines = fh.read().splitlines()
            self.assertEqual(lines[0], "x1,x2,x3,y")
            rows = [[float(v) for v in l.split(",")] for l in lines[1:]]
            self.assertEqual(len(rows), 50)
            for c in range(4):
                col = [r[c] for r in rows]
                mean = sum(col) / len(col)
                var = sum((v - mean) ** 2 for v in col) / len(col)
                self.assertAlmostEqual(mean, 0.0, places=12)
                self.assertAlmostEqual(var, 1.0, places=12)
            a, b = data.generate(10, 5, 2, seed=1)
            c, _ = data.generate(10, 5, 2, seed=1)
            self.assertEqual(a, c)
            self.assertEqual(len(b), 5)
        finally:
            shutil.rmtree(d)


# ---------------------------------------------------------------------------------------------------
# Suite `statespace` (canned lines in the formats of `swiftgp-bench statespace-lml/-spikes` and
# peers/statespace_bayesnewton.py)

def ss_swift_line(n, seconds, lml, gradient, dense=None):
    obj = {"library": "SwiftGP", "version": "abc", "blas_threads": 1, "benchmark": "statespace-lml", "n": n,
           "state_dimension": 3, "lml": lml, "gradient": gradient, "seconds": sorted(seconds)[len(seconds) // 2],
           "seconds_all": seconds, "forward_seconds": seconds[0] / 2, "ns_per_step": 1e9 * seconds[0] / n}
    if dense is not None:
        obj.update({"exact_seconds": sorted(dense)[len(dense) // 2], "exact_seconds_all": dense,
                    "exact_lml": lml * (1 + 1e-14), "relative_difference": 1e-14})
    obj["peak_rss_mib"] = 50.0
    return "warning: noise before the result\n" + json.dumps(obj) + "\n"


def ss_peer_line(n, seconds, lml, natural):
    return "No GPU/TPU found, falling back to CPU.\n" + json.dumps({
        "library": "BayesNewton", "version": "1.3.4", "jax": "0.4.13", "objax": "1.7.0", "benchmark": "statespace-lml",
        "n": n, "lml": lml, "gradient": [g * 0.632 for g in natural], "gradient_natural": natural,
        "seconds_median": sorted(seconds)[len(seconds) // 2], "seconds_all": seconds}) + "\n"


def ss_spikes_line(seconds, r2=0.99):
    return json.dumps({"library": "SwiftGP", "version": "abc", "benchmark": "statespace-spikes", "trials": 10,
                       "bins": 500, "neurons": 50, "r2": r2, "em_iterations": 4, "seconds": seconds,
                       "seconds_all": [seconds], "peak_rss_mib": 30.0})


def ss_canned_runs():
    g = [27.4, -9.5, -144.0]
    runs = []
    for rnd in (1, 2, 3):
        runs.append(run("lml", "SwiftGP", 1000, rnd, ss_swift_line(1000, [0.0003] * 3, -300.0, g, dense=[0.04] * 3)))
        runs.append(run("lml", "BayesNewton", 1000, rnd, ss_peer_line(1000, [0.0015] * 3, -300.0, g)))
        runs.append(run("lml", "SwiftGP", 100_000, rnd, ss_swift_line(100_000, [0.020, 0.030, 0.025], -26000.0, g)))
        # The peer's LML agrees; its gradient is off in one component (flagged).
        runs.append(run("lml", "BayesNewton", 100_000, rnd,
                        ss_peer_line(100_000, [0.2, 0.3, 0.25], -26000.0 * (1 + 1e-13), [27.4, -9.5, -150.0])))
        runs.append(run("lml", "SwiftGP", 1_000_000, rnd, ss_swift_line(1_000_000, [0.3] * 3, -260000.0, g)))
        runs.append(run("spikes", "SwiftGP", 5000, rnd, ss_spikes_line(2.0 + rnd / 10)))
    runs.append(run("lml", "BayesNewton", 1_000_000, 1, "", ok=False))
    return runs


class StateSpaceSuiteTests(unittest.TestCase):
    def setUp(self):
        self.runs = ss_canned_runs()
        self.sizes = [1000, 100_000, 1_000_000]

    def test_parsing_takes_the_result_line_after_noise(self):
        r = self.runs[0]["result"]
        self.assertEqual(r["benchmark"], "statespace-lml")
        self.assertEqual(r["exact_seconds_all"], [0.04] * 3)
        p = self.runs[1]["result"]
        self.assertEqual(p["library"], "BayesNewton")
        self.assertEqual(p["gradient_natural"], [27.4, -9.5, -144.0])

    def test_summary_dense_peer_ratios_and_agreement(self):
        summary, detail, warnings = statespace.lml_tables(self.runs, self.sizes, ["BayesNewton"])
        rows = {r["n"]: r for r in summary["rows"]}
        self.assertAlmostEqual(rows[1000]["swiftgp"], 0.0003)
        self.assertAlmostEqual(rows[1000]["dense"], 0.04)
        self.assertAlmostEqual(rows[1000]["dense_ratio"], 0.0075)
        self.assertAlmostEqual(rows[1000]["BayesNewton_ratio"], 0.2)
        self.assertAlmostEqual(rows[1000]["ns_per_step"], 300.0)
        self.assertAlmostEqual(rows[100_000]["swiftgp"], 0.025)     # median of 9 pooled samples
        self.assertAlmostEqual(rows[100_000]["BayesNewton_ratio"], 0.1)
        self.assertIsNone(rows[100_000]["dense"])                   # above the dense limit: no dense timing
        self.assertIsNone(rows[1_000_000]["BayesNewton"])           # failed peer run: no time, no ratio
        self.assertLess(rows[100_000]["BayesNewton_lml_rel"], 1e-12)
        self.assertAlmostEqual(rows[100_000]["BayesNewton_grad_rel"], 6.0 / 144.0)
        self.assertEqual(len(warnings), 1)
        self.assertIn("T=100000: BayesNewton gradient", warnings[0])
        failed = [r for r in detail["rows"] if r["library"] == "BayesNewton" and r["n"] == 1_000_000]
        self.assertTrue(failed and failed[0]["status"].startswith("failed"))
        dense_rows = [r for r in detail["rows"] if r["library"] == statespace.DENSE]
        self.assertEqual([r["n"] for r in dense_rows], [1000])

    def test_goals(self):
        goals = statespace.goal_table(self.runs, ["BayesNewton"])["rows"]
        self.assertEqual(goals[0]["measured"], "12.00")               # 0.3 / 0.025
        self.assertEqual(goals[0]["met"], "yes")
        self.assertEqual(goals[1]["met"], "yes")                      # 0.3 s < 2 s
        self.assertEqual(goals[2]["met"], "yes")                      # 0.025 / 0.25 = 0.1
        self.assertTrue(goals[2]["measured"].startswith("0.100"))
        none = statespace.goal_table(self.runs, [])["rows"]           # peer unavailable: goal not judged
        self.assertEqual(none[2]["met"], "—")
        self.assertEqual(none[2]["measured"], "peer unavailable")
        self.assertEqual([r["met"] for r in none[2:]], ["—", "—"])   # BayesNewton and MarkovFlow rows

    def test_spikes_and_scaling(self):
        t = statespace.spikes_table(self.runs, "not run: not on PyPI")
        sw = t["rows"][0]
        self.assertAlmostEqual(sw["seconds"], 2.2)
        self.assertEqual(sw["samples"], 3)
        self.assertEqual(t["rows"][1]["library"], "cvhmax")
        spec = statespace.scaling_spec(self.runs, self.sizes, ["BayesNewton"])
        by = {s["label"]: s for s in spec["series"]}
        self.assertEqual(by[statespace.STATE_SPACE]["x"], self.sizes)
        self.assertEqual(by[statespace.DENSE]["x"], [1000])
        self.assertEqual(by["BayesNewton"]["x"], [1000, 100_000])   # the failed point is left out
        self.assertEqual(spec["series"][-1]["style"], "dashed")

    def test_report_writes_markdown_and_json(self):
        config = {"sizes": self.sizes, "peers": ["BayesNewton"], "peer_limit": {"BayesNewton": 100_000}}
        report = statespace.aggregate(self.runs, config)
        report["peers"] = {"BayesNewton": {"available": True, "version": "1.3.4"}}
        d = tempfile.mkdtemp()
        try:
            md_path, json_path = core.write_report(report, d)
            with open(md_path) as fh:
                md = fh.read()
            self.assertIn("# Benchmark suite `statespace`", md)
            self.assertIn("| 1000 | 300 µs | 300 | 40 ms | 0.0075 | 1.5 ms | 0.20× |", md)
            self.assertIn("BayesNewton 1.3.4", md)
            self.assertIn("BayesNewton is not run above T = 100,000", md)
            for block in md.split("\n\n"):
                lines = [l for l in block.splitlines() if l.startswith("|")]
                if lines:
                    self.assertEqual(len({len(l.replace("\\|", "").split("|")) for l in lines}), 1, block)
            with open(json_path) as fh:
                back = json.load(fh)
            self.assertEqual(back["suite"], "statespace")
            again = statespace.aggregate(back["runs"], back["config"])   # --reaggregate path
            self.assertEqual(again["tables"][1]["rows"], report["tables"][1]["rows"])
        finally:
            shutil.rmtree(d)

    def test_series_is_seeded_irregular_and_cached(self):
        a = statespace.generate_series(50, seed=3)
        self.assertEqual(a, statespace.generate_series(50, seed=3))
        self.assertEqual(a[0][0], 0.0)
        steps = [b[0] - c[0] for b, c in zip(a[1:], a[:-1])]
        self.assertTrue(all(0.005 <= s <= 0.015 for s in steps))
        self.assertGreater(max(steps) - min(steps), 1e-3)            # irregular
        d = tempfile.mkdtemp()
        try:
            p = statespace.series_csv(d, 50, seed=3)
            self.assertEqual(p, statespace.series_csv(d, 50, seed=3))
            with open(p) as fh:
                lines = fh.read().splitlines()
            self.assertEqual(lines[0], "x1,y")
            self.assertEqual([float(v) for v in lines[1].split(",")], list(a[0]))
        finally:
            shutil.rmtree(d)


# ---------------------------------------------------------------------------------------------------
# Suite `svgp` (benchlib/svgp.py): parsing, medians over rounds, ratios, goals, memory, plot, data.

def svgp_line(library, per_iter, fit, nlpd, elbo, initial=-1000.0, rmse=0.3, error=None, floor=None, n=10000,
              breakdown=None, check=0.0, rss_after_load=50.0, call=None):
    obj = {"library": library, "benchmark": "svgp-fit", "n": n, "d": 4, "n_test": 2000, "inducing": 256,
           "batch_size": 1024, "iterations": 100, "fit_seconds_median": fit, "fit_seconds_all": [fit],
           "seconds_per_iteration": per_iter, "seconds_per_iteration_all": [per_iter],
           "first_iteration_seconds": 2 * per_iter, "initial_elbo": initial, "final_elbo": elbo,
           "predict_seconds_median": 0.01, "predict_seconds_all": [0.01], "test_nlpd": nlpd}
    if error is None:
        obj["test_rmse"] = rmse
    else:
        obj["test_error"] = error
    if floor is not None:
        obj.update({"flop_floor": {"flops": floor * 6e10, "dgemm_gflops": 60.0, "seconds": floor},
                    "flop_floor_seconds": floor, "evaluate_seconds_median": 0.9 * per_iter,
                    "breakdown": breakdown or {"evaluate": 0.9 * per_iter, "kernel_cross_vjp": 0.3 * per_iter},
                    "batch_order_check": check, "peak_rss_mib_after_load": rss_after_load,
                    "fit_call_seconds_all": [call if call is not None else fit + 1.0], "load_seconds": 0.5})
    return json.dumps(obj)


def svgp_run(config, phase, library, rnd, line, rss=100.0, ok=True):
    rec = {"kind": "svgp", "config": config, "phase": phase, "library": library, "round": rnd, "ok": ok,
           "peak_rss_mib": rss, "wall_seconds": 1.0, "error": None if ok else "exit 1: boom", "result": None}
    if ok:
        rec["result"] = core.parse_result_line("noise\n" + line + "\n", require=("library", "seconds_per_iteration"))
    return rec


SVGP_CONFIGS = [
    svgp._config("reg", "regression", "shipped-reg", 256, 1024, iterations=100, timing_iterations=20),
    svgp._config("clf", "classification", "banana", 50, 100, iterations=100, timing_iterations=100,
                 likelihood="bernoulli", fit_rounds=3),
    svgp._config("mem", "memory", "synthetic", 512, 1024, iterations=5, timing_iterations=0, peers=False,
                 n=1_000_000, n_test=10, d=8),
]


def svgp_canned():
    runs = [
        # reg: one full fit per library, then two timing rounds. SwiftGP 20/10/30 ms -> median 20 ms.
        svgp_run("reg", "fit", "SwiftGP", 1, svgp_line("SwiftGP", 0.020, 2.0, 0.50, -9000.0, floor=0.005), rss=60),
        svgp_run("reg", "fit", "GPflow", 1, svgp_line("GPflow", 0.040, 5.0, 0.5004, -9001.0), rss=900),
        svgp_run("reg", "fit", "GPyTorch", 1, svgp_line("GPyTorch", 0.050, 6.0, 0.501, -9002.0, initial=-1000.5),
                 rss=400),
        svgp_run("reg", "timing", "SwiftGP", 2, svgp_line("SwiftGP", 0.010, 0.2, 9.0, -1.0, floor=0.005)),
        svgp_run("reg", "timing", "GPflow", 2, svgp_line("GPflow", 0.060, 1.0, 9.0, -1.0)),
        svgp_run("reg", "timing", "GPyTorch", 2, svgp_line("GPyTorch", 0.050, 1.0, 9.0, -1.0)),
        svgp_run("reg", "timing", "SwiftGP", 3, svgp_line("SwiftGP", 0.030, 0.3, 9.0, -1.0, floor=0.005)),
        svgp_run("reg", "timing", "GPflow", 3, svgp_line("GPflow", 0.080, 1.0, 9.0, -1.0)),
        svgp_run("reg", "timing", "GPyTorch", 3, "", ok=False),
        # mem: SwiftGP alone.
        svgp_run("mem", "fit", "SwiftGP", 1, svgp_line("SwiftGP", 0.1, 0.5, 1.0, -1e6, floor=0.03, n=1_000_000,
                                                        call=10.5, rss_after_load=150.0), rss=700),
    ]
    for rnd in (1, 2, 3):  # clf: three full fits; SwiftGP is slower than GPyTorch but as accurate.
        runs.append(svgp_run("clf", "fit", "SwiftGP", rnd, svgp_line("SwiftGP", 0.001 * rnd, 0.1, 0.23, -129.0,
                                                                     initial=-400.0, error=0.098, floor=2e-5)))
        runs.append(svgp_run("clf", "fit", "GPyTorch", rnd, svgp_line("GPyTorch", 0.003, 0.3, 0.2302, -129.1,
                                                                      initial=-400.0, error=0.099)))
    return runs


class SVGPSuiteTests(unittest.TestCase):
    def setUp(self):
        self.runs = svgp_canned()
        self.peers = ["GPyTorch", "GPflow"]

    def table(self, tables, name):
        return [t for t in tables if t["name"] == name][0]

    def test_summary_medians_over_fit_and_timing_rounds(self):
        s = svgp.summarise(self.runs, "reg", "SwiftGP")
        self.assertAlmostEqual(s["seconds_per_iteration"], 0.020)     # median of 20, 10, 30 ms
        self.assertEqual(s["rounds"], 3)
        self.assertAlmostEqual(s["fit_seconds"], 2.0)                 # from the full fit only
        self.assertAlmostEqual(s["test_nlpd"], 0.50)
        self.assertAlmostEqual(s["floor_seconds"], 0.005)
        self.assertAlmostEqual(s["accuracy"], 0.3)
        g = svgp.summarise(self.runs, "reg", "GPyTorch")
        self.assertEqual(g["rounds"], 2)                              # the failed timing round is left out
        self.assertAlmostEqual(g["seconds_per_iteration"], 0.050)
        c = svgp.summarise(self.runs, "clf", "SwiftGP")
        self.assertAlmostEqual(c["seconds_per_iteration"], 0.002)
        self.assertAlmostEqual(c["accuracy"], 0.098)                  # error rate for classification
        self.assertIsNone(svgp.summarise(self.runs, "clf", "GPflow"))

    def test_goal_ratios_floor_memory_and_warnings(self):
        tables, warnings = svgp.tables(self.runs, SVGP_CONFIGS, self.peers)
        goal = {r["config"].split()[0]: r for r in self.table(tables, "svgp_goal")["rows"]}
        self.assertEqual(goal["reg"]["fastest_peer"], "GPyTorch")     # 50 ms vs GPflow's median 60 ms
        self.assertAlmostEqual(goal["reg"]["ratio"], 0.4)
        self.assertEqual(goal["reg"]["speed_goal"], "no")             # 0.4 > 0.25
        self.assertEqual(goal["reg"]["nlpd_goal"], "yes")             # 0.50 <= 0.5004 + 1e-3
        self.assertAlmostEqual(goal["clf"]["ratio"], 0.002 / 0.003)
        self.assertEqual(goal["clf"]["nlpd_goal"], "yes")
        self.assertNotIn("mem", goal)                                 # no peers, no goal row
        ratios = {(r["config"].split()[0], r["library"]): r for r in self.table(tables, "svgp_ratios")["rows"]}
        r = ratios[("reg", "GPflow")]
        self.assertAlmostEqual(r["seconds_per_iteration"], 0.020 / 0.060)
        self.assertAlmostEqual(r["fit_seconds"], 0.4)
        self.assertAlmostEqual(r["accuracy"], 1.0)                    # RMSE ratio
        self.assertAlmostEqual(r["test_nlpd"], 0.50 - 0.5004)
        self.assertAlmostEqual(r["final_elbo"], 1.0)
        self.assertAlmostEqual(ratios[("clf", "GPyTorch")]["accuracy"], 0.098 - 0.099)  # error difference
        # GPyTorch's initial ELBO differs by 5e-4 relative: flagged.
        self.assertEqual(len(warnings), 1)
        self.assertIn("reg: GPyTorch", warnings[0])
        floor = {r["config"].split()[0]: r for r in self.table(tables, "svgp_floor")["rows"]}
        self.assertAlmostEqual(floor["reg"]["floor_ratio"], 4.0)
        self.assertAlmostEqual(floor["reg"]["evaluate"], 0.9 * 0.020)
        mem = self.table(tables, "svgp_memory")["rows"]
        self.assertEqual(len(mem), 1)
        self.assertEqual(mem[0]["goal"], "yes")                       # 700 MiB < 2048
        self.assertAlmostEqual(mem[0]["full_elbo"], 10.0)            # fit call − training loop
        self.assertEqual(mem[0]["n"], 1_000_000)
        fit = self.table(tables, "svgp_fit")["rows"]
        failed = [r for r in fit if r.get("status", "").startswith("failed")]
        self.assertEqual(failed, [])                                  # GPyTorch's full fit succeeded
        breakdown = {r["config"].split()[0]: r for r in self.table(tables, "svgp_breakdown")["rows"]}
        self.assertAlmostEqual(breakdown["reg"]["engine"], 0.020 - 0.9 * 0.020)  # the full fit's breakdown

    def test_batch_order_mismatch_is_flagged(self):
        runs = [svgp_run("reg", "fit", "SwiftGP", 1, svgp_line("SwiftGP", 0.02, 2.0, 0.5, -9000.0, floor=0.005,
                                                               check=1e-3)),
                svgp_run("reg", "fit", "GPflow", 1, svgp_line("GPflow", 0.04, 5.0, 0.5, -9000.0))]
        _, warnings = svgp.tables(runs, SVGP_CONFIGS[:1], ["GPflow"])
        self.assertTrue(any("minibatch order" in w for w in warnings))

    def test_plot_spec_orders_configurations_by_work(self):
        spec = svgp.plot_spec(self.runs, SVGP_CONFIGS, self.peers)
        labels = [s["label"] for s in spec["series"]]
        self.assertEqual(labels[0], "SwiftGP")
        self.assertIn("GPflow", labels)
        self.assertTrue(labels[-1].startswith("FLOP floor"))
        self.assertEqual(spec["series"][-1]["style"], "dashed")
        xs = spec["series"][0]["x"]
        self.assertEqual(xs, sorted(xs))                              # clf (less work) first
        self.assertEqual(len(xs), 2)                                  # the memory check is not plotted
        gpflow = [s for s in spec["series"] if s["label"] == "GPflow"][0]
        self.assertIsNone(gpflow["y"][0])                             # GPflow did not run clf

    def test_report_markdown_and_reaggregation(self):
        config = {"configs": SVGP_CONFIGS, "peers": self.peers}
        report = svgp.aggregate(self.runs, config)
        self.assertEqual(report["plot_file"], "svgp.svg")
        d = tempfile.mkdtemp()
        try:
            md_path, json_path = core.write_report(dict(report, command="Benchmarks/run svgp"), d)
            with open(md_path) as fh:
                md = fh.read()
            self.assertIn("# Benchmark suite `svgp`", md)
            self.assertIn("| reg (M = 256, B = 1024) | 20 ms | GPyTorch | 50 ms | 0.40× |", md)
            for block in md.split("\n\n"):
                lines = [l for l in block.splitlines() if l.startswith("|")]
                if lines:
                    self.assertEqual(len({len(l.replace("\\|", "").split("|")) for l in lines}), 1, block)
            with open(json_path) as fh:
                back = json.load(fh)
            again = svgp.aggregate(back["runs"], back["config"])     # --reaggregate path
            self.assertEqual(again["tables"][0]["rows"], report["tables"][0]["rows"])
        finally:
            shutil.rmtree(d)

    def test_shipped_data_are_standardised_and_cached(self):
        root, cache = tempfile.mkdtemp(), tempfile.mkdtemp()
        try:
            os.makedirs(os.path.join(root, "banana"))
            with open(os.path.join(root, "banana", "banana_train_x.txt"), "w") as fh:
                fh.write("1.0,2.0\n3.0,6.0\n5.0,4.0\n")
            with open(os.path.join(root, "banana", "banana_train_y.txt"), "w") as fh:
                fh.write("1\n-1\n1\n")
            with open(os.path.join(root, "banana", "banana_test_x.txt"), "w") as fh:
                fh.write("3.0,4.0\n")
            with open(os.path.join(root, "banana", "banana_test_y.txt"), "w") as fh:
                fh.write("-1\n")
            tr, te = svgp.banana(cache, root)
            with open(tr) as fh:
                lines = fh.read().splitlines()
            self.assertEqual(lines[0], "x1,x2,y")
            rows = [[float(v) for v in l.split(",")] for l in lines[1:]]
            self.assertEqual([r[2] for r in rows], [1.0, 0.0, 1.0])  # labels ±1 -> 1/0, not standardised
            self.assertAlmostEqual(sum(r[0] for r in rows), 0.0, places=12)
            self.assertAlmostEqual(sum(r[0] ** 2 for r in rows) / 3, 1.0, places=12)
            with open(te) as fh:
                self.assertEqual(fh.read().splitlines()[1], "0.0,0.0,0.0")  # test uses the train statistics
            name = "synth_reg_n4_d1"
            os.makedirs(os.path.join(root, name))
            for kind, text in (("train", "x1,y\n1,10\n3,30\n"), ("test", "x1,y\n2,20\n")):
                with open(os.path.join(root, name, f"{name}_{kind}.csv"), "w") as fh:
                    fh.write(text)
            tr, te = svgp.shipped_regression(cache, root, name)
            with open(te) as fh:
                self.assertEqual(fh.read().splitlines(), ["x1,y", "0.0,0.0"])
            with open(tr) as fh:
                self.assertEqual(fh.read().splitlines()[1:], ["-1.0,-1.0", "1.0,1.0"])
        finally:
            shutil.rmtree(root)
            shutil.rmtree(cache)


class SpatialSuiteTests(unittest.TestCase):
    def test_scores_and_goals_from_canned_runs(self):
        def run(rnd, crps, total, ok=True):
            result = {"mae": 0.6, "rmse": 0.8, "crps": crps, "interval_score": 3.9, "coverage": 0.95,
                      "fit_seconds": total - 10, "predict_seconds": 10, "total_seconds": total}
            return {"kind": "vecchia", "library": core.SWIFTGP, "data": "heaton_simulated", "round": rnd, "ok": ok,
                    "result": result if ok else None, "error": None if ok else "boom"}
        runs = [run(1, 0.45, 100), run(2, 0.47, 140), run(3, 0.46, 110), run(4, 9.0, 1, ok=False)]
        goals, scores = spatial.tables(runs, {"data": "heaton_simulated", "neighbors": 30})
        self.assertEqual(scores["rows"][0]["crps"], 0.46)          # median of the successful rounds
        self.assertEqual(scores["rows"][1]["crps"], spatial.ORACLE["crps"])
        self.assertEqual(goals["rows"][0]["measured"], f"{0.46 / 0.44:.3f}")
        self.assertEqual(goals["rows"][0]["met"], "yes")             # 1.045 ≤ 1.05
        self.assertEqual(goals["rows"][1]["met"], "yes")             # median 110 s < 120 s
        quick_goals, quick_scores = spatial.tables(runs, {"data": "heaton_smalltest", "neighbors": 30})
        self.assertEqual(quick_goals["rows"], [])                    # no oracle for the small test set
        self.assertEqual(len(quick_scores["rows"]), 1)
        self.assertIn("| CRPS |", core.markdown_table(scores).splitlines()[0])


class MagmaSuiteTests(unittest.TestCase):
    def test_means_goals_and_published_rows_from_canned_runs(self):
        def sim(seed, mse, ari, fit, ok=True):
            result = {"mse": mse, "wcic95": 90.0, "mse_last": 2 * mse, "wcic95_last": 80.0, "ari": ari, "fit_seconds": fit}
            return {"kind": "sim", "library": core.SWIFTGP, "seed": seed, "round": seed + 1, "ok": ok,
                    "result": result if ok else None, "error": None if ok else "boom"}
        swim = {"kind": "swimmers", "library": core.SWIFTGP, "gender": "women", "round": 1, "ok": True,
                "result": {"mse": 4.5, "wcic95": 93.0, "train_swimmers": 1039, "test_swimmers": 600, "fit_seconds": 20.0}}
        runs = [sim(0, 2.0, 1.0, 2.0), sim(1, 4.0, 0.8, 4.0), sim(2, 99.0, 0.0, 1.0, ok=False), swim]
        goals, simulation, swimmers = magma.tables(runs, {"repeats": 3, "swimmer_clusters": 5})
        self.assertEqual(simulation["rows"][0]["mse"], 3.0)          # mean of the successful repeats
        self.assertEqual(simulation["rows"][2]["mse"], magma.PUBLISHED_SIM["mse"])
        self.assertEqual([r["met"] for r in goals["rows"]][:3], ["yes", "yes", "yes"])   # 3.0 ≤ 3.67, 0.9 ≥ 0.889, 3 s
        self.assertEqual(goals["rows"][3]["met"], "no")               # forecast MSE 6.0 > 3.67
        self.assertEqual(simulation["rows"][1]["mse"], 6.0)
        self.assertEqual(len(simulation["rows"]), 3)                  # two readings + the published row
        self.assertEqual(swimmers["rows"][0]["mse"], 4.5)
        self.assertEqual(swimmers["rows"][0]["published"], 4.1)
        self.assertNotIn("mse", swimmers["rows"][1])                  # men: no run
        self.assertIn("published", " ".join(goals["notes"]))


class DKLGPSuiteTests(unittest.TestCase):
    def test_medians_and_goals_from_canned_runs(self):
        def run(model, seed, nll, per_epoch, ok=True, lik="gaussian", data="simulation 1"):
            result = {"rmse": 0.1 * (seed + 1), "nll": nll, "seconds_per_epoch": per_epoch, "fit_seconds": 10 * per_epoch}
            return {"kind": "dklgp", "data": data, "likelihood": lik, "model": model, "seed": seed, "ok": ok,
                    "result": result if ok else None, "error": None if ok else "boom"}
        runs = [run("dklgp", 0, -1.0, 0.1), run("dklgp", 1, -1.2, 0.3), run("dklgp", 2, -1.1, 0.2),
                run("svgp", 0, -0.5, 0.05), run("vnngp", 0, -0.9, 1.0), run("vnngp", 1, 5.0, 9.0, ok=False),
                run("dklgp", 0, 0.3, 0.1, lik="logit"), run("vnngp", 0, 0.2, 0.2, lik="logit")]
        config = {"data": ["simulation 1"], "neighbors": 20, "epochs": 10, "batch": 128, "learning_rate": 0.1, "decay": 0.9}
        goals, scores = dklgp.tables(runs, config)
        first = scores["rows"][0]
        self.assertEqual((first["method"], first["runs"], first["nll"], first["rmse"]), ("SwiftGP DKLGP", 3, -1.1, 0.2))
        self.assertEqual([r["method"] for r in scores["rows"]][:3], ["SwiftGP DKLGP", "SwiftGP SVGP", "GPyTorch VNNGP"])
        met = {r["goal"]: (r["measured"], r["met"]) for r in goals["rows"]}
        self.assertEqual(met["simulation 1, gaussian: NLL below SVGP's and VNNGP's"][1], "yes")
        self.assertEqual(met["simulation 1, gaussian: time per epoch ≤ 0.25 × VNNGP's"], ("0.200", "yes"))
        self.assertEqual(met["simulation 1, logit: NLL below SVGP's and VNNGP's"][1], "no")
        self.assertEqual(met["simulation 1, logit: time per epoch ≤ 0.25 × VNNGP's"], ("0.500", "no"))
        # SVGP at DKLGP's time: its NLL joins the comparison, and the goal names it.
        runs.append(dict(run("svgp-time", 0, -1.5, 0.05), result=dict(run("svgp-time", 0, -1.5, 0.05)["result"], epochs=40)))
        goals, scores = dklgp.tables(runs, config)
        met = {r["goal"]: (r["measured"], r["met"]) for r in goals["rows"]}
        self.assertEqual(met["simulation 1, gaussian: NLL below SVGP's and VNNGP's, and SVGP's at equal time"],
                         ("-1.100 vs -0.500, -0.900, -1.500", "no"))
        timed = [r for r in scores["rows"] if r["method"] == "SwiftGP SVGP, equal time"]
        self.assertEqual((timed[0]["epochs"], scores["rows"][0]["epochs"]), (40, 10))
        self.assertEqual(dklgp.equal_time_epochs(0.02, 0.003), 67)
        self.assertEqual(dklgp.equal_time_epochs(0.02, 0.05), 10)


class IOSuiteTests(unittest.TestCase):
    def test_table_rows_ratios_and_goals(self):
        def run(lib, fmt, read, write, ok=True):
            return {"library": lib, "format": fmt, "ok": ok,
                    "result": {"read_seconds": read, "write_seconds": write} if ok else None}
        runs = [run("SwiftGP", "full precision", 0.4, 0.9), run("pandas", "full precision", 0.2, 2.0),
                run("SwiftGP", "6 digits", 0.6, 0.5), run("pandas", "6 digits", 0.0, 0.0, ok=False)]
        report = io.aggregate(runs, {"rows": 10, "repeats": 3})
        rows = report["tables"][0]["rows"]
        self.assertEqual([r["format"] for r in rows], ["full precision", "6 digits"])
        self.assertAlmostEqual(rows[0]["read_ratio"], 2.0)
        self.assertAlmostEqual(rows[0]["write_ratio"], 0.45)
        self.assertEqual(rows[0]["goals"], "met")
        self.assertEqual(rows[1]["goals"], "not met")   # read 0.6 s > 0.5 s
        self.assertIsNone(rows[1]["pandas_read"])
        self.assertIsNone(rows[1]["read_ratio"])

    def test_data_files_are_cached_and_formatted(self):
        cache = tempfile.mkdtemp()
        try:
            path = io.write_data(cache, 3, "6 digits", io.FORMATS["6 digits"])
            with open(path) as fh:
                lines = fh.read().splitlines()
            self.assertEqual(lines[0], "x,y")
            self.assertEqual(len(lines), 4)
            self.assertTrue(all(len(v.lstrip("-").replace(".", "").lstrip("0")) <= 6 for l in lines[1:] for v in l.split(",")
                                if "e" not in v))
            self.assertEqual(io.write_data(cache, 3, "6 digits", io.FORMATS["6 digits"]), path)
        finally:
            shutil.rmtree(cache)


if __name__ == "__main__":
    unittest.main()


class ClassificationSuiteTests(unittest.TestCase):
    """Suite `classification`: per-set means over folds, the published comparison and the totals."""

    @staticmethod
    def run_of(library, name, methods):
        return {"library": library, "dataset": name, "ok": True, "error": None, "wall_seconds": 1.0, "peak_rss_mib": 10.0,
                "result": {"library": library, "n": 100, "d": 3, "methods": methods}}

    def test_means_published_spread_and_totals(self):
        def m(ll, acc, s):
            return {"loglik": ll, "accuracy": acc, "seconds": s, "failures": 0}
        runs = [
            self.run_of("SwiftGP", "a", {"ep-like": m([-0.3, -0.5], [0.8, 0.9], [1.0, 2.0]), "vi": m([-0.4], [0.7], [1.0]),
                                         "laplace": m([-0.6], [0.6], [0.5])}),
            self.run_of("scikit-learn", "a", {"sklearn-laplace": m([-0.45], [0.75], [0.25])}),
            {"library": "SwiftGP", "dataset": "b", "ok": False, "result": None, "error": "boom", "wall_seconds": 1.0,
             "peak_rss_mib": None},
        ]
        published = {"a": {"epcvi_loglik_mean": "-0.35", "epcvi_loglik_std": "0.1", "vgp_loglik_mean": "-0.2",
                           "vgp_loglik_std": "0.1", "la_loglik_mean": "-0.6", "la_loglik_std": "0.01"}}
        report = classification.aggregate(runs, {"datasets": ["a", "b"], "published": published}, quick=True)
        summary, per_set = report["tables"]
        row = per_set["rows"][0]
        self.assertAlmostEqual(row["ep-like_ll"], -0.4)
        self.assertAlmostEqual(row["ep-like_acc"], 0.85)
        self.assertAlmostEqual(row["ep-like_pub"], -0.35)
        self.assertAlmostEqual(row["sklearn-laplace_ll"], -0.45)
        by = {r["method"]: r for r in summary["rows"]}
        self.assertEqual(by["ep-like"]["within_spread"], "1/1")   # |−0.4 − (−0.35)| ≤ 0.1
        self.assertEqual(by["vi"]["within_spread"], "0/1")        # |−0.4 − (−0.2)| > 0.1
        self.assertAlmostEqual(by["ep-like"]["seconds"], 3.0)
        self.assertEqual(by["ep-like"]["fits"], 2)
        self.assertEqual(report["warnings"], ["b: SwiftGP run failed"])
        self.assertIn("| a |", core.markdown_report(report))

    def test_a_subset_of_methods_leaves_the_others_out(self):
        runs = [self.run_of("SwiftGP", "a", {"ep-like": {"loglik": [-0.3], "accuracy": [0.8], "seconds": [1.0], "failures": 0}})]
        report = classification.aggregate(runs, {"datasets": ["a"], "methods": ["ep-like"], "published": {}}, quick=True)
        summary, per_set = report["tables"]
        self.assertEqual([r["method"] for r in summary["rows"]], ["ep-like", "scikit-learn Laplace (logit)"])
        self.assertNotIn("vi_ll", [c[0] if isinstance(c, tuple) else c.get("key") for c in per_set.get("columns", [])])


    def test_the_rounds_note_reports_the_runs_settings(self):
        run = self.run_of("SwiftGP", "a", {"ep-like": {"loglik": [-0.3], "accuracy": [0.8], "seconds": [1.0], "failures": 0}})
        run["result"]["settings"] = {"step_size": 0.5, "cvi_iterations": 10, "m_step_iterations": 20, "rounds": 100,
                                     "tolerance": 1e-6, "extrapolation": 1, "m_step_optimizer": "lbfgs"}
        summary, _ = classification.aggregate([run], {"datasets": ["a"], "methods": ["ep-like"], "published": {}}, quick=True)["tables"]
        note = summary["notes"][-1]
        self.assertIn("10 CVI updates (β = 0.5), then at most 20 lbfgs iterations (warm-started", note)
        self.assertIn("tolerance), SQUAREM", note)
        self.assertIn("1e-06 relative", note)
        run["result"]["settings"]["extrapolation"] = 0
        summary, _ = classification.aggregate([run], {"datasets": ["a"], "methods": ["ep-like"], "published": {}}, quick=True)["tables"]
        self.assertNotIn("SQUAREM", summary["notes"][-1])


class MPISuiteTests(unittest.TestCase):
    """Suite `mpi`: the latency/bandwidth fit, the per-iteration cost model and the tables from canned runs."""

    @staticmethod
    def fit_run(kind, ranks, batch, loop, reduce, iterations=10, calls=12, doubles=1200):
        return {"kind": kind, "ranks": ranks, "rows": 1000 * ranks, "batch": batch, "ok": True, "error": None,
                "result": {"ranks": ranks, "rows": 1000, "iterations": iterations, "loop_seconds": loop,
                           "allreduce_seconds": reduce, "allreduce_calls": calls, "allreduce_doubles": doubles}}

    def canned(self):
        from benchlib import mpi
        alpha, beta = 2e-6, 1e-9
        runs = [{"kind": "allreduce", "ok": True, "doubles": n, "seconds": alpha + beta * n, "error": None}
                for n in (1, 100, 10000, 1000000)]
        # compute(B) = 0.01 + 1e-5 B: B = 2000 → 0.03 s, B = 1000 → 0.02 s per iteration.
        runs += [self.fit_run("strong", 1, 2000, 0.3, 0.0), self.fit_run("strong", 2, 2000, 0.22, 0.01),
                 self.fit_run("weak", 1, 1000, 0.2, 0.0), self.fit_run("weak", 2, 2000, 0.25, 0.01)]
        return mpi, runs, {"rows": 2000, "batch": 2000, "inducing": 10}

    def test_latency_bandwidth_fit_recovers_the_line(self):
        from benchlib import mpi
        fit = mpi.fit_latency_bandwidth([(n, 3e-6 + 2e-10 * n) for n in (1, 10, 1000, 100000)])
        self.assertAlmostEqual(fit["alpha"], 3e-6, places=12)
        self.assertAlmostEqual(fit["beta"], 2e-10, places=16)
        self.assertIsNone(mpi.fit_latency_bandwidth([(5, 1.0)]))
        self.assertEqual(mpi.allreduce_seconds(1.0, 1.0, 100, 1), 0.0)
        self.assertAlmostEqual(mpi.allreduce_seconds(1e-6, 1e-9, 1000, 64), 6e-6 + 1e-6 * 2 * 63 / 64)

    def test_model_splits_compute_and_adds_allreduce(self):
        mpi, runs, config = self.canned()
        m = mpi.model(runs, mpi.fit_latency_bandwidth([(r["doubles"], r["seconds"]) for r in runs if r["kind"] == "allreduce"]), config)
        self.assertAlmostEqual(m["a"], 0.01)
        self.assertAlmostEqual(m["b"], 1e-5)
        row64 = next(r for r in m["rows"] if r["ranks"] == 64)
        comm = 1.2 * (2e-6 * 6 + 1e-9 * 100 * 2 * 63 / 64)
        self.assertAlmostEqual(row64["allreduce"], comm)
        self.assertAlmostEqual(row64["strong"], 0.01 + 1e-5 * 2000 / 64 + comm)
        self.assertAlmostEqual(row64["weak"], 0.02 + comm)
        self.assertAlmostEqual(next(r for r in m["rows"] if r["ranks"] == 1)["strong_speedup"], 1.0)

    def test_report_tables_series_and_failures(self):
        mpi, runs, config = self.canned()
        runs.append(dict(self.fit_run("weak", 4, 4000, 1, 0), ok=False, error="exit 1: boom", result=None))
        report = mpi.aggregate(runs, config)
        names = [t["name"] for t in report["tables"]]
        self.assertEqual(names, ["allreduce", "strong", "weak", "simulated"])
        strong = report["tables"][1]["rows"]
        self.assertAlmostEqual(strong[1]["speedup"], 0.03 / 0.022)
        self.assertAlmostEqual(strong[1]["share"], 0.001 / 0.022)
        self.assertTrue(any("weak R=4 failed" in w for w in report["warnings"]))
        labels = [s["label"] for s in report["scaling"]["series"]]
        self.assertEqual(labels, ["strong, model", "weak, model", "strong, measured", "weak, measured"])
        self.assertEqual(report["scaling"]["series"][0]["x"], mpi.SIMULATED)
        md = core.markdown_report(report)
        self.assertIn("Simulated ranks", md)
        # Without the one-rank runs there is no model and no simulated table.
        bare = mpi.aggregate([r for r in runs if r["kind"] == "allreduce"], config)
        self.assertEqual([t["name"] for t in bare["tables"]], ["allreduce", "strong", "weak"])

    def test_compute_fit_uses_every_one_rank_run(self):
        mpi, runs, config = self.canned()
        # Two extra one-rank batch sizes on the same line 0.01 + 1e-5 B, and one off it that least squares averages.
        runs += [self.fit_run("compute", 1, 500, 0.15, 0.0), self.fit_run("compute", 1, 3000, 0.4, 0.0)]
        fit = mpi.fit_compute([(500, 0.015), (1000, 0.02), (2000, 0.03), (3000, 0.04)])
        self.assertAlmostEqual(fit["a"], 0.01)
        self.assertAlmostEqual(fit["b"], 1e-5)
        latency = {"alpha": 0.0, "beta": 0.0}
        m = mpi.model(runs, latency, config)
        self.assertEqual(m["points"], 4)
        self.assertAlmostEqual(m["a"], 0.01)
        runs.append(self.fit_run("compute", 1, 4000, 0.9, 0.0))     # 0.09 s per iteration: above the line
        self.assertGreater(mpi.model(runs, latency, config)["b"], 1e-5)
        self.assertIsNone(mpi.fit_compute([(1000, 0.02)]))
