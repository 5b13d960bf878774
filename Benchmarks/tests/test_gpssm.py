"""Tests of the `gpssm` suite's aggregation on canned runs (no Swift build).

Run from the repository root:  python3 -m unittest discover -s Benchmarks/tests
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchlib import gpssm  # noqa: E402


def kink(method, seed, rmse, mnll):
    return {"kind": "kink", "method": method, "variance": 0.08, "seed": seed, "data": "kink", "ok": True,
            "result": {"rmse_f": rmse, "test_mnll": mnll, "seconds_per_1000": 1.0}}


def sysid(method, data, rmse, nll):
    return {"kind": "sysid", "method": method, "data": data, "seed": 0, "ok": True,
            "result": {"rmse": rmse, "nll": nll, "seconds_per_1000": 2.0}}


class GPSSMTablesTest(unittest.TestCase):
    def test_medians_and_goals(self):
        config = dict(gpssm.QUICK, rounds=1)
        runs = [kink("collapsed", 0, 0.1, 1.0), kink("collapsed", 1, 0.3, 2.0), kink("gaussian-vi", 0, 0.5, 3.0),
                dict(kink("gaussian-vi", 1, 9.0, 9.0), ok=False),
                sysid("collapsed", "drive", 0.2, 0.5), sysid("gaussian-vi", "drive", 0.3, 0.4),
                sysid("collapsed", "dryer", 0.1, 0.1), sysid("gaussian-vi", "dryer", 0.3, 0.4)]
        goals, kink_table, sysid_table = gpssm.tables(runs, config)
        rows = {r["method"]: r for r in kink_table["rows"]}
        self.assertAlmostEqual(rows["collapsed"]["rmse_f"], 0.2)
        self.assertEqual(rows["gaussian-vi"]["runs"], 1)      # the failed run is left out
        self.assertEqual(len(sysid_table["rows"]), 4)
        met = {g["goal"].split(":")[0]: g["met"] for g in goals["rows"]}
        self.assertEqual(met, {"drive": "no", "dryer": "yes"})  # drive: better RMSE but worse NLL

    def test_particle_gibbs_is_scored_against_the_baseline(self):
        config = dict(gpssm.FULL, rounds=1)
        runs = [sysid("particle-gibbs", "drive", 0.2, 0.3), sysid("gaussian-vi", "drive", 0.3, 0.4)]
        goals, _, sysid_table = gpssm.tables(runs, config)
        self.assertEqual([r["method"] for r in sysid_table["rows"]], ["particle-gibbs", "gaussian-vi"])
        self.assertEqual([(g["goal"], g["met"]) for g in goals["rows"]],
                         [("drive: particle-gibbs beats gaussian-vi (RMSE and NLL)", "yes")])


if __name__ == "__main__":
    unittest.main()
