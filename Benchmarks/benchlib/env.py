"""The peers' virtual environment (created once, pinned) and the machine description."""

import hashlib
import os
import platform
import shutil
import subprocess
import sys

from . import proc

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # Benchmarks/
REPO = os.path.dirname(HERE)

# The peers. `pins` are the top-level requirements (their exact versions; the full lock of what installed
# together is requirements-peers.txt). `probe` prints the version string when the peer imports.
PEERS = {
    "scikit-learn": {
        "script": "sklearn_exact.py",
        "venv": ".venv-peers",
        "pins": ["scikit-learn==1.9.1", "numpy==1.26.4", "scipy==1.17.1", "threadpoolctl==3.8.0"],
        "probe": "import sklearn, scipy, numpy; print(f'{sklearn.__version__} (scipy {scipy.__version__}, numpy {numpy.__version__})')",
    },
    "GPyTorch": {
        "script": "gpytorch_exact.py",
        "venv": ".venv-peers",
        "pins": ["torch==2.13.0+cpu", "gpytorch==1.15.2", "linear_operator==0.6.1", "numpy==1.26.4",
                 "threadpoolctl==3.8.0"],
        "probe": "import torch, gpytorch; print(f'{gpytorch.__version__} (torch {torch.__version__})')",
    },
    "GPflow": {
        "script": "gpflow_exact.py",
        "venv": ".venv-peers",
        "pins": ["gpflow==2.11.2", "tensorflow==2.21.0", "tensorflow-probability==0.25.0", "tf-keras==2.21.0",
                 "numpy==1.26.4", "threadpoolctl==3.8.0"],
        "probe": ("import os; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'; import gpflow, tensorflow as tf, "
                  "tensorflow_probability as tfp; print(f'{gpflow.__version__} (tensorflow {tf.__version__}, "
                  "tensorflow-probability {tfp.__version__})')"),
    },
}

# The state-space peers of suite `statespace`, in a second environment (requirements-statespace.txt): MarkovFlow
# pins gpflow < 2.6 and jax 0.4.13 needs scipy < 1.13, both conflicting with .venv-peers. Probed by that suite only.
STATESPACE_PEERS = {
    "BayesNewton": {
        "script": "statespace_bayesnewton.py",
        "venv": ".venv-statespace",
        "pins": ["bayesnewton==1.3.4", "jax==0.4.13", "jaxlib==0.4.13", "objax==1.7.0", "numpy==1.26.4",
                 "scipy==1.11.4", "ml_dtypes==0.5.4", "numba==0.59.1", "llvmlite==0.42.0", "six==1.17.0",
                 "threadpoolctl==3.8.0"],
        "probe": ("import os; os.environ['XLA_FLAGS']='--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1'; "
                  "import importlib.metadata as m, jax, jaxlib, objax, bayesnewton; "
                  "print(f\"{m.version('bayesnewton')} (jax {jax.__version__}, jaxlib {jaxlib.__version__}, "
                  "objax {objax.__version__})\")"),
    },
    "MarkovFlow": {
        "script": "statespace_markovflow.py",
        "venv": ".venv-statespace",
        "pins": ["markovflow==0.1.0", "gpflow==2.5.2", "tensorflow==2.21.0", "tensorflow-probability==0.25.0",
                 "tf-keras==2.21.0", "banded-matrices==0.2.1", "numpy==1.26.4", "scipy==1.11.4",
                 "setuptools==80.10.2", "threadpoolctl==3.8.0"],
        "probe": ("import os, warnings; os.environ['TF_CPP_MIN_LOG_LEVEL']='3'; warnings.simplefilter('ignore'); "
                  "import importlib.metadata as m, gpflow, tensorflow as tf, markovflow; "
                  "print(f\"{m.version('markovflow')} (gpflow {gpflow.__version__}, tensorflow {tf.__version__})\")"),
    },
}

REQUIREMENTS = {".venv-peers": os.path.join(HERE, "requirements-peers.txt"),
                ".venv-statespace": os.path.join(HERE, "requirements-statespace.txt")}
STAMP = ".swiftgp-installed"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def peer_spec(name):
    """The registry entry of a peer of any suite (PEERS, else STATESPACE_PEERS)."""
    return PEERS[name] if name in PEERS else STATESPACE_PEERS[name]


def venv_python(venv):
    return os.path.join(HERE, venv, "bin", "python")


def _base_python():
    # torch==2.13.0+cpu ships a cp311 wheel: prefer Python 3.11.
    for name in ("python3.11", "python3"):
        path = shutil.which(name)
        if path:
            return path
    return sys.executable


def _digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def ensure_venv(venv, peers):
    """Creates `venv` once and installs its pinned requirements. Returns {peer: error} for peers whose
    install failed (the others are still usable). Never raises for an install failure."""
    root = os.path.join(HERE, venv)
    req = REQUIREMENTS.get(venv)
    stamp = os.path.join(root, STAMP)
    want = _digest(req) if req and os.path.exists(req) else "no-lock"
    if os.path.exists(stamp):
        with open(stamp) as fh:
            if fh.read().strip() == want:
                return {}
    errors = {}
    py = venv_python(venv)
    if not os.path.exists(py):
        log(f"[env] creating {venv} with {_base_python()} (once; later runs reuse it)")
        r = subprocess.run([_base_python(), "-m", "venv", root], capture_output=True, text=True)
        if r.returncode != 0:
            msg = f"cannot create {venv}: {r.stderr.strip()[-300:]}"
            return {p: msg for p in peers}
    pip = [py, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    log(f"[env] installing pinned peers into {venv} (this can take several minutes)")
    if req and os.path.exists(req):
        r = subprocess.run(pip + ["-r", req], capture_output=True, text=True)
        if r.returncode == 0:
            with open(stamp, "w") as fh:
                fh.write(want + "\n")
            return {}
        log(f"[env] the full lock did not install ({_tail(r.stderr)}); trying each peer alone")
    for name in peers:
        pins = peer_spec(name)["pins"]
        r = subprocess.run(pip + pins, capture_output=True, text=True)
        if r.returncode != 0:
            errors[name] = f"pip install {' '.join(pins)} failed: {_tail(r.stderr)}"
            log(f"[env] {name}: {errors[name]}")
    if not errors:
        with open(stamp, "w") as fh:
            fh.write(want + "\n")
    return errors


def _tail(text, limit=300):
    lines = [l for l in (text or "").strip().splitlines() if l.strip()]
    return (" | ".join(lines[-2:]))[-limit:] or "no output"


def probe_peers(selected):
    """{peer: {"available": bool, "version"|"error": str}} for the selected peers (installing if needed)."""
    status = {}
    by_venv = {}
    for name in selected:
        by_venv.setdefault(peer_spec(name)["venv"], []).append(name)
    for venv, names in by_venv.items():
        errors = ensure_venv(venv, names)
        for name in names:
            if name in errors:
                status[name] = {"available": False, "error": errors[name]}
                continue
            py = venv_python(venv)
            if not os.path.exists(py):
                status[name] = {"available": False, "error": f"{venv} has no python"}
                continue
            r = proc.run_child([py, "-c", peer_spec(name)["probe"]], env=proc.child_env(), timeout=300)
            if r.ok and r.stdout.strip():
                status[name] = {"available": True, "version": r.stdout.strip().splitlines()[-1]}
            else:
                status[name] = {"available": False, "error": "import failed: " + r.error_summary()}
    return status


def _read(path):
    try:
        with open(path) as fh:
            return fh.read()
    except OSError:
        return ""


def _cmd(args):
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=60)
        return r.stdout.strip() if r.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        return ""


def machine():
    cpu = ""
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = ""
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1024 ** 2:.0f} GiB"
            break
    openblas = _cmd(["dpkg-query", "-W", "-f", "${Version}", "libopenblas0-pthread"]) or \
        _cmd(["dpkg-query", "-W", "-f", "${Version}", "libopenblas0"])
    swift = _cmd(["swift", "--version"]).splitlines()
    info = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "os": platform.platform(),
        "swift": swift[0] if swift else "",
        "openblas (SwiftGP)": openblas,
        "python": platform.python_version(),
    }
    for var in proc.RECORDED_VARS:
        if os.environ.get(var):
            info[var] = os.environ[var]
    info["threads"] = "1 (OPENBLAS/OMP/MKL_NUM_THREADS=1, torch 1, TF intra/inter-op 1, BLASThreads.set(1))"
    info["commit"] = commit_description()
    return info


def commit_description():
    """`abc1234`, `abc1234 (+ local changes)`, or $SWIFTGP_BENCH_COMMIT when set (runs from an export)."""
    if os.environ.get("SWIFTGP_BENCH_COMMIT"):
        return os.environ["SWIFTGP_BENCH_COMMIT"]
    commit = _cmd(["git", "-C", REPO, "rev-parse", "--short", "HEAD"])
    if not commit:
        return "unknown"
    return commit + (" (+ local changes)" if _cmd(["git", "-C", REPO, "status", "--porcelain", "--", "Sources",
                                                   "Benchmarks/Swift", "Package.swift"]) else "")


def load_average():
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:
        return ""
