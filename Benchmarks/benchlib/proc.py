"""Running one benchmark child: environment, peak RSS (wait4), wall time, timeout."""

import os
import signal
import subprocess
import tempfile
import time

THREAD_VARS = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
}
# Recorded, never changed: they select OpenBLAS kernels and blocking on both sides alike.
RECORDED_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_VERBOSE", "GOTO_NUM_THREADS")


def child_env(extra=None):
    env = dict(os.environ)
    env.update(THREAD_VARS)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["CUDA_VISIBLE_DEVICES"] = ""
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if extra:
        env.update(extra)
    return env


class ChildResult:
    def __init__(self, cmd, returncode, stdout, stderr, wall_seconds, peak_rss_mib, timed_out=False):
        self.cmd = cmd
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.wall_seconds = wall_seconds
        self.peak_rss_mib = peak_rss_mib
        self.timed_out = timed_out

    @property
    def ok(self):
        return self.returncode == 0 and not self.timed_out

    def error_summary(self, limit=400):
        if self.timed_out:
            return f"timed out after {self.wall_seconds:.0f} s"
        tail = (self.stderr or "").strip().splitlines()
        tail = [t for t in tail if t.strip()][-3:]
        return f"exit {self.returncode}: " + " | ".join(tail)[-limit:]


def run_child(cmd, env=None, timeout=1800, cwd=None):
    """Runs `cmd`, returning its output, wall time and peak RSS (ru_maxrss of exactly this child, via wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd, start_new_session=True)
        timed_out = False
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.perf_counter() - t0 > timeout:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen consistent
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    rss = usage.ru_maxrss / 1024.0 if usage is not None else None  # Linux: KiB
    return ChildResult(cmd, proc.returncode, stdout, stderr, wall, rss, timed_out)
