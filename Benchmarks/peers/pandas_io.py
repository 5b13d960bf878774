"""pandas' side of suite `io`: read_csv of the data file, and to_csv of one prediction row per data row
(mean, variance, lower95, upper95; full precision), medians over --repeats. Prints one JSON line."""

import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("--data", required=True)
ap.add_argument("--repeats", type=int, default=5)
a = ap.parse_args()

reads, writes = [], []
for _ in range(a.repeats):
    t0 = time.perf_counter()
    df = pd.read_csv(a.data)
    reads.append(time.perf_counter() - t0)
    mean = df.iloc[:, 0].to_numpy()
    variance = df.iloc[:, -1].to_numpy() ** 2 + 1e-3
    sd = np.sqrt(variance)
    out = pd.DataFrame({"mean": mean, "variance": variance, "lower95": mean - 1.959963984540054 * sd,
                        "upper95": mean + 1.959963984540054 * sd})
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        out.to_csv(os.path.join(d, "pred.csv"), index=False)
        writes.append(time.perf_counter() - t0)
print(json.dumps({"library": "pandas", "version": pd.__version__, "rows": len(df), "columns": df.shape[1],
                  "read_seconds": statistics.median(reads), "write_seconds": statistics.median(writes),
                  "read_seconds_all": reads, "write_seconds_all": writes}))
