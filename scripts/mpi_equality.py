#!/usr/bin/env python3
"""The distributed fit's equality test (scripts/mpi-check.sh, make test): `swiftgp-mpi fit` over R = 2 and 4
ranks on one machine gives the model of the one-process run on the same global minibatches, to rounding.

For svgp with a Gaussian likelihood (natural gradients + Adam on minibatches), svgp with a Bernoulli and a
Student-t likelihood (Adam on minibatches) and a Poisson one (ramped natural gradients + Adam), and sgpr (L-BFGS on the summed statistics), every number of the
model file (kernel, likelihood, inducing inputs, q(u), objective) must agree with the R = 1 run to a
relative 1e-9. The data are seeded; the runs read a column file written by `swiftgp convert` (R = 2 also
reads the CSV, which must give the same model). Standard library only. Environment: MPIRUN (mpirun and its
flags), SWIFTGP_MPI_BIN (swiftgp-mpi), SWIFTGP_BIN (swiftgp, default next to swiftgp-mpi).
"""
import json
import math
import os
import random
import shlex
import subprocess
import sys
import tempfile

TOLERANCE = 1e-9


def write_data(path, n=240, seed=7):
    """Seeded 3-feature regression data with a count, a binary and a three-class column derived from it."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("a,b,c,y,count,label,class\n")
        for _ in range(n):
            a, b, c = (rng.uniform(-2, 2) for _ in range(3))
            y = math.sin(2 * a) + 0.5 * b * c + 0.2 * rng.gauss(0, 1)
            count = sum(1 for _ in range(int(math.exp(0.6 * a + 0.5))) if rng.random() < 0.7)
            klass = 0 if y < -0.4 else (1 if y < 0.4 else 2)
            f.write(f"{a:.6f},{b:.6f},{c:.6f},{y:.6f},{count},{1 if y > 0 else 0},{klass}\n")


def numbers(node):
    """Every number of a JSON document, in document order (keys sorted)."""
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return []
    if isinstance(node, (int, float)):
        return [float(node)]
    if isinstance(node, list):
        return [v for item in node for v in numbers(item)]
    return [v for key in sorted(node) if key not in ("seconds", "screenSeconds") for v in numbers(node[key])]


def fit(mpirun, binary, ranks, data, out, args):
    cmd = shlex.split(mpirun) + ["-n", str(ranks), binary, "fit", "--data", data, "--output", out, "--quiet"] + args
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if run.returncode != 0:
        sys.exit(f"mpi-equality: {' '.join(cmd)} failed ({run.returncode}):\n{run.stderr}")
    with open(out) as f:
        model = json.load(f)
    training = model.pop("training")
    return model, training


def compare(name, reference, other, ranks):
    (ma, ta), (mb, tb) = reference, other
    a, b = numbers(ma), numbers(mb)
    if len(a) != len(b):
        sys.exit(f"mpi-equality: {name}: R={ranks} model has {len(b)} numbers, R=1 has {len(a)}")
    worst = max((abs(x - y) / max(1.0, abs(x), abs(y)) for x, y in zip(a, b)), default=0.0)
    obj = abs(ta["objective"] - tb["objective"]) / max(1.0, abs(ta["objective"]))
    if worst > TOLERANCE or obj > TOLERANCE or ta["iterations"] != tb["iterations"]:
        sys.exit(f"mpi-equality: {name}: R={ranks} differs from R=1: parameters {worst:.3g}, objective {obj:.3g}, "
                 f"iterations {tb['iterations']} vs {ta['iterations']}")
    print(f"mpi-equality: {name}: R={ranks} equals R=1 ({len(a)} numbers, largest relative difference {worst:.1e}, "
          f"objective {obj:.1e})")
    return worst


def main():
    mpirun = os.environ.get("MPIRUN", "mpirun --oversubscribe")
    binary = os.environ["SWIFTGP_MPI_BIN"]
    cli = os.environ.get("SWIFTGP_BIN", os.path.join(os.path.dirname(binary), "swiftgp"))
    cases = [
        ("svgp-gaussian", ["--target", "y", "--features", "a,b,c", "--model", "svgp", "--inducing", "12",
                           "--batch-size", "60", "--iterations", "25", "--learning-rate", "0.02", "--seed", "3"]),
        ("svgp-bernoulli", ["--target", "label", "--features", "a,b,c", "--model", "svgp", "--likelihood", "bernoulli",
                            "--inducing", "10", "--batch-size", "48", "--iterations", "20", "--learning-rate", "0.03",
                            "--seed", "5"]),
        ("svgp-studentt", ["--target", "y", "--features", "a,b,c", "--model", "svgp", "--likelihood", "studentt",
                           "--inducing", "10", "--batch-size", "40", "--iterations", "15", "--learning-rate", "0.02",
                           "--seed", "8"]),
        ("svgp-poisson", ["--target", "count", "--features", "a,b,c", "--model", "svgp", "--likelihood", "poisson",
                          "--inducing", "10", "--batch-size", "64", "--iterations", "20", "--natural-gradients",
                          "--seed", "2"]),
        ("svgp-softmax", ["--target", "class", "--features", "a,b,c", "--model", "svgp", "--likelihood", "softmax",
                          "--inducing", "8", "--batch-size", "48", "--iterations", "12", "--learning-rate", "0.03",
                          "--seed", "6"]),
        ("sgpr", ["--target", "y", "--features", "a,b,c", "--model", "sgpr", "--inducing", "15", "--iterations", "20"]),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        csv = os.path.join(tmp, "data.csv")
        col = os.path.join(tmp, "data.gpcol")
        write_data(csv)
        subprocess.run([cli, "convert", csv, "--output", col, "--quiet"], check=True)
        for name, args in cases:
            reference = fit(mpirun, binary, 1, col, os.path.join(tmp, f"{name}-1.json"), args)
            if reference[1]["iterations"] < 5:
                sys.exit(f"mpi-equality: {name}: the reference fit ran only {reference[1]['iterations']} iterations")
            for ranks in (2, 4):
                compare(name, reference, fit(mpirun, binary, ranks, col, os.path.join(tmp, f"{name}-{ranks}.json"), args), ranks)
            compare(name + " (csv)", reference, fit(mpirun, binary, 2, csv, os.path.join(tmp, f"{name}-csv.json"), args), 2)
        check_failure(mpirun, binary, tmp, col)


def check_failure(mpirun, binary, tmp, col):
    """A truncated column file: every rank stops (MPI_Abort from the first rank that fails), the exit status is
    non-zero, the message names the file and the problem, and no model file (or temporary file) is left."""
    bad = os.path.join(tmp, "truncated.gpcol")
    with open(col, "rb") as src, open(bad, "wb") as dst:
        dst.write(src.read()[:-8])
    out = os.path.join(tmp, "never.json")
    cmd = shlex.split(mpirun) + ["-n", "2", binary, "fit", "--data", bad, "--target", "y", "--output", out, "--quiet"]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if run.returncode == 0 or "truncated.gpcol" not in run.stderr or "truncated or padded" not in run.stderr:
        sys.exit(f"mpi-equality: a truncated column file gave exit {run.returncode}:\n{run.stderr[-800:]}")
    left = [f for f in os.listdir(tmp) if f == "never.json" or f.startswith(".swiftgp-")]
    if left:
        sys.exit(f"mpi-equality: a failed distributed fit left {left}")
    print(f"mpi-equality: a truncated column file stops every rank (exit {run.returncode}), no output left")


if __name__ == "__main__":
    main()
