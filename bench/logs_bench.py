"""Benchmark of ``lokonb.logs.analyze`` against plain-Python and grep baselines measured in the same run.

    python bench/logs_bench.py [--size 1GiB] [--seed 42] [--rounds 3] [--workers auto] [--memory-check]
                               [--clean]

Generates a deterministic synthetic klog file (same seed and size → byte-identical file; SHA-256 printed) into a
git-ignored cache folder (``bench/.cache/logs``, keyed by size, seed and generator version; mtime set to the last
record + 1 s) with truth counts per family and verdict. Each tool runs in a fresh subprocess, rounds interleaved,
page cache warmed first; wall time, user+sys (``wait4``) and peak RSS (the larger of ``wait4`` and the sampled RSS
sum of the process tree, worker processes included) are measured. lokonb must reproduce the truth
counts exactly, else the run fails. Prints MB/s, M lines/s, peak RSS and ratios, PASS/FAIL per target (PERF-1/3
MUST, PERF-2 SHOULD) and exits non-zero when a MUST fails. ``--clean`` deletes the generated input afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# LOKONB_BENCH_CACHE moves the generated input and the results elsewhere (the test suite uses a temporary folder)
CACHE = Path(os.environ.get("LOKONB_BENCH_CACHE") or HERE / ".cache" / "logs")

LOKONB_RUNNER = r"""
import json, os, sys
from lokonb.logs import analyze
paths = sys.argv[1:]
workers = os.environ.get("LOKONB_BENCH_WORKERS", "auto")
r = analyze(paths, vpc_cidrs=["10.0.0.0/16"], records="auto", workers=workers)
counts = {}
for row in r.summary.itertuples():
    if row.harmless_count:
        counts[f"{row.family}|harmless"] = int(row.harmless_count)
    if row.actionable_count:
        counts[f"{row.family}|actionable"] = int(row.actionable_count)
print(json.dumps({"records": counts, "lines": int(r.meta["lines_read"]), "unparsed": int(r.meta["unparsed"]),
                  "findings": len(r.findings), "probe_share": r.meta["probe"]["share"]}))
"""


def parse_size(text: str) -> int:
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)(i?)[bB]?\s*", text)
    if not m:
        raise SystemExit(f"--size: {text!r} is not a size like 256MiB or 1GiB")
    unit = m.group(2).lower()
    base = 1024 if m.group(3) or not unit else 1000
    return int(float(m.group(1)) * base ** " kmg".index(unit or " "))


GENERATOR = r"""
import datetime as dt, json, sys, time
from lokonb.logs.sample import GENERATOR_VERSION, generate
size, seed, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
with open(path, "wb", buffering=1 << 20) as fh:
    truth = generate(fh, size=size, seed=seed, fmt="klog", start=dt.datetime(2024, 11, 25, tzinfo=dt.UTC))
doc = truth.to_dict()
doc["generate_mb_s"] = doc["bytes"] / 1e6 / (time.perf_counter() - t0)
doc["last_epoch"] = truth.last.timestamp() if truth.last else None
print(json.dumps(doc))
"""


def ensure_input(size: int, seed: int) -> tuple[Path, dict]:
    """Generate (or reuse) the benchmark file and its truth (in a subprocess: the parent stays small, so the
    peak RSS of the forked tools is their own)."""
    version = subprocess.run(
        [sys.executable, "-c", "from lokonb.logs.sample import GENERATOR_VERSION as v; print(v)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout.strip()
    CACHE.mkdir(parents=True, exist_ok=True)
    ignore = CACHE.parent / ".gitignore"
    if CACHE == HERE / ".cache" / "logs" and not ignore.exists():
        ignore.write_text("*\n")
    path = CACHE / f"kube-apiserver-{size}-{seed}-v{version}.log"
    truth_path = path.with_suffix(".truth.json")
    if path.exists() and truth_path.exists():
        return path, json.loads(truth_path.read_text())
    tmp = path.with_suffix(".partial")
    out = subprocess.run(
        [sys.executable, "-c", GENERATOR, str(size), str(seed), str(tmp)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    doc = json.loads(out.stdout)
    tmp.rename(path)
    last = (doc["last_epoch"] or time.time()) + 1
    os.utime(path, (last, last))
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    doc["sha256"] = h.hexdigest()
    truth_path.write_text(json.dumps(doc, indent=2))
    return path, doc


def _tree_rss_bytes(pid: int) -> int:
    """Summed RSS of ``pid`` and its descendants (worker processes count too; shared pages are counted in
    every process, so this overstates rather than hides)."""
    total, todo, page = 0, [pid], os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * page
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total


def timed(cmd: list[str], stdout_to_pipe: bool = True) -> dict:
    import threading

    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _tree_rss_bytes(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks = []
    assert proc.stdout is not None
    for chunk in iter(lambda: proc.stdout.read(1 << 16), b""):
        out_chunks.append(chunk)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read() if proc.stderr else b""
    return {
        "wall": wall,
        "cpu": ru.ru_utime + ru.ru_stime,
        "rss_mib": max(ru.ru_maxrss * 1024, peak[0]) / (1 << 20),  # the process tree's sampled sum
        "rc": proc.returncode,
        "stdout": b"".join(out_chunks).decode(errors="replace"),
        "stderr": err.decode(errors="replace")[-2000:],
    }


def tools(paths: list[str]) -> dict[str, list[str]]:
    py = sys.executable
    env_path = paths[0]
    return {
        "wc -l": ["wc", "-l", env_path],
        "grep -c": ["env", "LC_ALL=C", "grep", "-c", "TLS handshake error", env_path],
        "python loop": [py, str(HERE / "logs_baseline.py"), "loop", env_path],
        "python loop+classify": [py, str(HERE / "logs_baseline.py"), "classify", env_path],
        "lokonb": [py, "-c", LOKONB_RUNNER, *paths],
    }


def check_truth(truth: dict, res: dict) -> list[str]:
    problems = []
    if res["records"] != truth["records"]:
        keys = set(res["records"]) | set(truth["records"])
        for k in sorted(keys):
            if res["records"].get(k) != truth["records"].get(k):
                problems.append(f"{k}: lokonb {res['records'].get(k)} vs truth {truth['records'].get(k)}")
    if res["unparsed"] != truth["unparsed"]:
        problems.append(f"unparsed: lokonb {res['unparsed']} vs truth {truth['unparsed']}")
    if res["lines"] != truth["lines"]:
        problems.append(f"lines: lokonb {res['lines']} vs truth {truth['lines']}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1GiB")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--workers",
        default="auto",
        help="analyze(workers=...): auto, 1 (sequential) or 2 (family dispatch in a pipeline thread)",
    )
    ap.add_argument(
        "--memory-check", action="store_true", help="also run lokonb on the file given as four sources"
    )
    ap.add_argument("--clean", action="store_true", help="delete the generated input afterwards")
    args = ap.parse_args(argv)
    os.environ["LOKONB_BENCH_WORKERS"] = str(args.workers)  # read by LOKONB_RUNNER in the children
    size = parse_size(args.size)
    path, truth = ensure_input(size, args.seed)
    nbytes = path.stat().st_size
    print(f"input: {path} ({nbytes:,} bytes, {truth['lines']:,} lines, sha256 {truth['sha256']})")
    print(f"generator: {truth.get('generate_mb_s', float('nan')):.1f} MB/s (when generated in this run)")
    with open(path, "rb") as fh:  # warm the page cache
        while fh.read(1 << 20):
            pass
    tls_truth = sum(v for k, v in truth["records"].items() if k.startswith("tls_handshake"))
    runs: dict[str, list[dict]] = {name: [] for name in tools([str(path)])}
    failures: list[str] = []
    for rnd in range(args.rounds):
        for name, cmd in tools([str(path)]).items():
            r = timed(cmd)
            if r["rc"] != 0:
                failures.append(f"{name} exited {r['rc']}: {r['stderr']}")
            runs[name].append(r)
            if name == "grep -c" and r["rc"] == 0 and int(r["stdout"].strip()) != tls_truth:
                failures.append(f"grep -c counted {r['stdout'].strip()} TLS lines, truth {tls_truth}")
            if name == "lokonb" and r["rc"] == 0 and rnd == 0:
                problems = check_truth(truth, json.loads(r["stdout"].strip().splitlines()[-1]))
                failures.extend(f"lokonb vs truth: {p}" for p in problems)
            print(f"  round {rnd + 1} {name:22s} {r['wall']:8.2f} s  rss {r['rss_mib']:8.1f} MiB", flush=True)
    rows = {}
    for name, rs in runs.items():
        walls = [r["wall"] for r in rs]
        med = statistics.median(walls)
        rows[name] = {
            "median_s": med,
            "min_s": min(walls),
            "max_s": max(walls),
            "cpu_s": statistics.median(r["cpu"] for r in rs),
            "mb_s": nbytes / 1e6 / med,
            "mlines_s": truth["lines"] / 1e6 / med,
            "rss_mib": max(r["rss_mib"] for r in rs),
        }
    loop_tp, grep_tp = rows["python loop"]["mb_s"], rows["grep -c"]["mb_s"]
    print()
    print(
        f"{'tool':22s} {'median s':>9s} {'min-max s':>15s} {'user+sys':>9s} {'MB/s':>8s} {'Mlines/s':>9s} "
        f"{'peak RSS MiB':>12s} {'x loop':>7s} {'x grep':>7s}"
    )
    for name, r in rows.items():
        print(
            f"{name:22s} {r['median_s']:9.2f} {r['min_s']:7.2f}-{r['max_s']:<7.2f} {r['cpu_s']:9.2f} "
            f"{r['mb_s']:8.1f} {r['mlines_s']:9.3f} {r['rss_mib']:12.1f} {r['mb_s'] / loop_tp:7.2f} "
            f"{r['mb_s'] / grep_tp:7.3f}"
        )
    lk = rows["lokonb"]
    verdicts = {
        "PERF-1 (MUST) lokonb >= 3x python loop": lk["mb_s"] >= 3 * loop_tp,
        "PERF-2 (SHOULD) lokonb >= 1/4 grep -c": lk["mb_s"] >= grep_tp / 4,
        "PERF-3 (MUST) peak RSS < 1.5 GiB": lk["rss_mib"] < 1536,
        "truth counts reproduced (MUST)": not any(f.startswith("lokonb vs truth") for f in failures),
    }
    if args.memory_check:
        # the same file as four distinct sources (paths given twice would be read once). The records table is
        # capped (max_records): both runs use a cap the single source already fills, so that the comparison is
        # about input size, not about a records table still filling up on a small benchmark file.
        runner = LOKONB_RUNNER.replace(
            "r = analyze(paths,",
            "from pathlib import Path\nfrom lokonb.logs.sources import file_source\n"
            "r = analyze([file_source(Path(p), name=f'copy{i}') for i, p in enumerate(paths)], max_records=10000,",
        )
        one = timed([sys.executable, "-c", runner, str(path)])
        four = timed([sys.executable, "-c", runner, *([str(path)] * 4)])
        print(
            f"memory check (max_records=10000): one source {one['rss_mib']:.1f} MiB, four sources "
            f"{four['rss_mib']:.1f} MiB (+{four['rss_mib'] - one['rss_mib']:.1f} MiB)"
        )
        verdicts["PERF-3 (MUST) four sources <= one + 128 MiB"] = four["rss_mib"] - one["rss_mib"] <= 128
    print()
    for name, ok in verdicts.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    for f in failures:
        print(f"problem: {f}")
    result = {
        "input": str(path),
        "bytes": nbytes,
        "truth": truth,
        "rows": rows,
        "verdicts": verdicts,
        "failures": failures,
        "rounds": args.rounds,
        "when": dt.datetime.now(dt.UTC).isoformat(),
    }
    out = CACHE / f"results-{int(time.time())}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"results: {out}")
    if args.clean:
        path.unlink(missing_ok=True)
        path.with_suffix(".truth.json").unlink(missing_ok=True)
    must_fail = [k for k, ok in verdicts.items() if "MUST" in k and not ok] or [
        f for f in failures if not f.startswith("lokonb vs truth")
    ]
    return 1 if must_fail else 0


if __name__ == "__main__":
    sys.exit(main())
