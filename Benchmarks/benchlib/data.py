"""Seeded synthetic datasets, written once to Benchmarks/cache/ as CSV (standard library only).

Convention (Benchmarks/README.md): inputs x ~ N(0, I_d) drawn with Python's `random.Random(seed)`
(Mersenne Twister, so the files are identical on every machine), target

    f(x) = sum_{c=1..d} sin((1.6 - 0.1 (c-1)) x_c + 0.3 (c-1)) / (1 + 0.25 (c-1)) + 0.5 sin(x_1 x_2)

plus Gaussian noise with standard deviation 0.3: every input matters a little less than the previous
one, so ARD lengthscales have a finite optimum (about 3 to 14 at n = 1000) and fits converge. Train and test rows come from the same draw (test =
the last rows). Every column, inputs and y, is z-scored with the *training* rows' mean and standard
deviation (population sd), and the same transform is applied to the test rows. Values are written with
repr() (17 significant digits), so every reader parses the same doubles.
"""

import math
import os
import random


VERSION = 2  # part of every cached file name: bump it when the generator changes


def _target(x):
    f = sum(math.sin((1.6 - 0.1 * c) * v + 0.3 * c) / (1 + 0.25 * c) for c, v in enumerate(x))
    if len(x) >= 2:
        f += 0.5 * math.sin(x[0] * x[1])
    return f


def generate(n_train, n_test, d, seed, noise_sd=0.3):
    """Returns (train_rows, test_rows), each a list of [x1..xd, y], z-scored with the train statistics."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n_train + n_test):
        x = [rng.gauss(0.0, 1.0) for _ in range(d)]
        rows.append(x + [_target(x) + rng.gauss(0.0, noise_sd)])
    train, test = rows[:n_train], rows[n_train:]
    cols = d + 1
    means = [sum(r[c] for r in train) / n_train for c in range(cols)]
    sds = [math.sqrt(sum((r[c] - means[c]) ** 2 for r in train) / n_train) or 1.0 for c in range(cols)]
    z = lambda rs: [[(r[c] - means[c]) / sds[c] for c in range(cols)] for r in rs]  # noqa: E731
    return z(train), z(test)


def write_csv(path, rows, d):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(",".join([f"x{i + 1}" for i in range(d)] + ["y"]) + "\n")
        for r in rows:
            fh.write(",".join(repr(float(v)) for v in r) + "\n")
    os.replace(tmp, path)


def synthetic(cache_dir, name, n_train, d, seed, n_test=0):
    """Paths of the cached train (and test) CSV files for this spec, generating them once."""
    os.makedirs(cache_dir, exist_ok=True)
    stem = f"{name}_v{VERSION}_n{n_train}_t{n_test}_d{d}_s{seed}"
    train_path = os.path.join(cache_dir, stem + "_train.csv")
    test_path = os.path.join(cache_dir, stem + "_test.csv") if n_test else None
    if not os.path.exists(train_path) or (test_path and not os.path.exists(test_path)):
        train, test = generate(n_train, n_test, d, seed)
        write_csv(train_path, train, d)
        if test_path:
            write_csv(test_path, test, d)
    return train_path, test_path
