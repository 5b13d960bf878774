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

from benchlib import core, data, exact, proc  # noqa: E402


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


if __name__ == "__main__":
    unittest.main()
