"""The harness's own logic, standard library only: parsing result lines, medians, ratios, tables.

Everything here is pure (no subprocesses, no peers) so that `Benchmarks/tests` can check it on canned
results in CI.
"""

import json
import math
import os
import statistics

SWIFTGP = "SwiftGP"
# swiftgp-bench built without SWIFTGP_NATIVE (`Benchmarks/run --portable`): what a package depending on SwiftGP
# by version gets. It runs as one more peer of the exact and svgp suites, so its ratio to SwiftGP is in their tables.
PORTABLE = "SwiftGP portable"


class ParseError(ValueError):
    """A child printed no usable JSON result line."""


def parse_result_line(stdout, require=("library",)):
    """The last line of `stdout` that is a JSON object holding every key of `require`.

    Libraries may print warnings or progress before the result; the result is the last JSON object
    line. Raises ParseError (with a short excerpt of the output) when there is none.
    """
    for line in reversed((stdout or "").splitlines()):
        line = line.strip()
        if not (line.startswith("{") and line.endswith("}")):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict) and all(k in obj for k in require):
            return obj
    excerpt = (stdout or "").strip()[-300:]
    raise ParseError(f"no JSON result line with keys {list(require)} in output: {excerpt!r}")


def child_record(child, fields, require=("library",)):
    """One run's record from a finished child process (proc.run_child): `fields`, then `ok`, `result` (its JSON
    result line, holding every key of `require`), `error` (the child's failure, or why no result line parsed),
    its peak RSS and wall time. Every suite records its runs this way."""
    rec = dict(fields, ok=False, result=None, error=None, peak_rss_mib=child.peak_rss_mib,
               wall_seconds=child.wall_seconds)
    if not child.ok:
        rec["error"] = child.error_summary()
        return rec
    try:
        rec["result"] = parse_result_line(child.stdout, require=require)
        rec["ok"] = True
    except ParseError as e:
        rec["error"] = str(e)
    return rec


def median(values):
    """Median of the finite numbers in `values`, or None when there are none."""
    xs = [float(v) for v in values if v is not None and isinstance(v, (int, float)) and math.isfinite(v)]
    if not xs:
        return None
    return statistics.median(xs)


def ratio(numerator, denominator):
    """numerator / denominator, or None when either is missing, non-finite or the denominator is <= 0."""
    if numerator is None or denominator is None:
        return None
    try:
        a, b = float(numerator), float(denominator)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(a) and math.isfinite(b)) or b <= 0:
        return None
    return a / b


def difference(a, b):
    if a is None or b is None:
        return None
    a, b = float(a), float(b)
    if not (math.isfinite(a) and math.isfinite(b)):
        return None
    return a - b


def pooled(runs, key):
    """All samples of list-valued `key` over several runs (rounds), in run order."""
    out = []
    for r in runs:
        v = r.get(key)
        if isinstance(v, list):
            out.extend(x for x in v if isinstance(x, (int, float)))
        elif isinstance(v, (int, float)):
            out.append(v)
    return out


# ---------------------------------------------------------------------------------------------------
# Formatting

def fmt_seconds(s):
    if s is None:
        return "—"
    s = float(s)
    if s >= 100:
        return f"{s:.0f} s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def fmt_ratio(r):
    return "—" if r is None else f"{r:.2f}×"


def fmt_number(v, digits=6):
    if v is None:
        return "—"
    if isinstance(v, int):
        return str(v)
    v = float(v)
    if not math.isfinite(v):
        return "—"
    return f"{v:.{digits}g}"


def fmt_mib(v):
    return "—" if v is None else f"{float(v):.0f}"


def fmt_cell(value, kind):
    if isinstance(value, str):
        return value
    return {
        "seconds": fmt_seconds,
        "ratio": fmt_ratio,
        "mib": fmt_mib,
        "int": lambda v: "—" if v is None else str(int(v)),
        "number": fmt_number,
        "number4": lambda v: fmt_number(v, 4),
        "text": lambda v: "—" if v is None else str(v),
    }.get(kind, fmt_number)(value)


# ---------------------------------------------------------------------------------------------------
# Tables: {"name", "title", "columns": [{"key", "label", "kind"}], "rows": [{key: value}], "notes": [..]}

def make_table(name, title, columns, rows, notes=()):
    return {
        "name": name,
        "title": title,
        "columns": [{"key": k, "label": label, "kind": kind} for (k, label, kind) in columns],
        "rows": rows,
        "notes": list(notes),
    }


def escape_md(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown_table(table):
    cols = table["columns"]
    lines = ["| " + " | ".join(escape_md(c["label"]) for c in cols) + " |",
             "|" + "|".join("---" if c["kind"] == "text" else "---:" for c in cols) + "|"]
    for row in table["rows"]:
        lines.append("| " + " | ".join(escape_md(fmt_cell(row.get(c["key"]), c["kind"])) for c in cols) + " |")
    return "\n".join(lines)


def markdown_report(report):
    """The suite's Markdown file: header, machine, peers, every table with its notes."""
    out = [f"# Benchmark suite `{report['suite']}`", ""]
    if report.get("command"):
        out += [f"Command: `{report['command']}`  ", f"Generated: {report.get('generated', '')}", ""]
    m = report.get("machine") or {}
    if m:
        out.append("Machine: " + "; ".join(f"{k} = {v}" for k, v in m.items() if v not in (None, "")))
        out.append("")
    peers = report.get("peers") or {}
    if peers:
        parts = []
        for name, info in peers.items():
            if info.get("available"):
                parts.append(f"{name} {info.get('version', '')}".strip())
            else:
                parts.append(f"{name}: unavailable ({info.get('error', 'unknown error')})")
        out += ["Peers: " + "; ".join(parts), ""]
    for t in report.get("tables", []):
        out += [f"## {t['title']}", "", markdown_table(t), ""]
        for note in t.get("notes", []):
            out.append(f"- {note}")
        if t.get("notes"):
            out.append("")
    for w in report.get("warnings", []):
        out.append(f"> warning: {w}")
    return "\n".join(out).rstrip() + "\n"


def _json_default(o):
    if isinstance(o, float) and not math.isfinite(o):
        return None
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _clean(o):
    """Replaces non-finite floats by None (JSON has no NaN/inf)."""
    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o


def write_report(report, results_dir):
    """Writes <suite>.md and <suite>.json under results_dir (atomically); returns both paths."""
    os.makedirs(results_dir, exist_ok=True)
    base = os.path.join(results_dir, report["suite"])
    paths = (base + ".md", base + ".json")
    texts = (markdown_report(report), json.dumps(_clean(report), indent=2, default=_json_default) + "\n")
    for path, text in zip(paths, texts):
        tmp = path + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(text)
        os.replace(tmp, path)
    return paths
