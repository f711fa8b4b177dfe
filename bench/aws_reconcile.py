"""Benchmark of lokonb's AWS reconciler on the embedded AWS (aws.md §12).

Cluster: 3 controllers, pools ``web`` (count 2) and ``batch`` (count 3, spot). API calls are counted per
operation through a ``before-call`` hook (``Aws.calls``); each scenario prints its figures and its ratio against a
baseline measured in the same run:

  B1 plan on an unchanged cluster            calls, wall time           target <= 60 calls, SHOULD <= 1.5 s
  B2 B1 after scaling to counts 20 and 30    calls, wall time           calls ratio 1.00 (MUST), time ratio <= 1.5
  B3 apply from nothing                      calls, mutating, wall, peak concurrency   SHOULD <= 15 s
  B4 B3 with max_concurrency=1               wall time                  speed-up of B3 over B4
  B5 re-apply, no changes                    mutating calls             0 (MUST)
  B6 destroy, verification included          calls, wall time, leftovers   SHOULD <= 15 s, 0 leftovers

Node configs are lokonb's minimal placeholders (the renderer is benchmarked by the flatcar area); run with
``python bench/aws_reconcile.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import copy
import logging
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CLUSTER = {
    "cluster_name": "bench",
    "dns_zone": "example.com",
    "ssh_pubkeys": ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"],
    "controller_count": 3,
    "worker_pools": [
        {"name": "web", "count": 2, "instance_type": "t3.small"},
        {"name": "batch", "count": 3, "instance_type": "t3.small", "spot_price": "0.05",
         "lb_http_port": 8080, "lb_https_port": 8443},
    ],
}


def config(tmp: str, *, counts: tuple[int, int] = (2, 3), concurrency: int = 8):
    from lokonb.config import load_yaml

    c = copy.deepcopy(CLUSTER)
    c["asset_dir"] = tmp
    c["worker_pools"][0]["count"], c["worker_pools"][1]["count"] = counts
    return load_yaml({"cluster": c, "aws": {"endpoint": "embedded", "region": "eu-central-1",
                                            "max_concurrency": concurrency},
                      "state": {"backend": "local", "path": f"{tmp}/state.json"}})


def mutating(calls: dict) -> int:
    from lokonb.aws.session import is_read_operation

    return sum(n for op, n in calls.items() if not is_read_operation(op.split(":", 1)[1]))


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="plan repetitions (median reported)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import boto3
    import moto

    from lokonb.aws import api
    from lokonb.aws.session import open_aws

    print(f"lokonb AWS reconciler benchmark - {platform.node()} {platform.machine()}, Python "
          f"{platform.python_version()}, moto {moto.__version__}, botocore {boto3.__version__}")
    tmp = tempfile.mkdtemp(prefix="lokonb-bench-")
    base = config(tmp)
    aws = open_aws(base)  # one embedded AWS for the whole benchmark
    try:
        aws.embedded.seed_zone("example.com")
        # warm-up: moto's lazy backends (first EC2 call ~1.6 s) must not count against B4 or B3
        api.plan(base, node_configs="minimal", aws=aws)

        # B4 first (baseline for B3): apply from nothing with max_concurrency=1, then destroy
        serial = config(tmp, concurrency=1)
        aws.max_concurrency = 1
        r4, t4 = timed(lambda: api.apply(serial, node_configs="minimal", aws=aws, progress=False))
        api.destroy(serial, confirm=True, aws=aws, progress=False)
        aws.max_concurrency = base.aws.max_concurrency

        # B3 apply from nothing
        r3, t3 = timed(lambda: api.apply(base, node_configs="minimal", aws=aws, progress=False))
        # B1 plan, unchanged
        b1 = [timed(lambda: api.plan(base, node_configs="minimal", aws=aws)) for _ in range(args.repeat)]
        p1, t1 = b1[-1][0], statistics.median(t for _, t in b1)
        # B5 re-apply
        r5, t5 = timed(lambda: api.apply(base, node_configs="minimal", aws=aws, progress=False))
        # B2 scaled to 20 / 30 (applied first), then plan
        big = config(tmp, counts=(20, 30))
        api.apply(big, node_configs="minimal", aws=aws, progress=False)
        b2 = [timed(lambda: api.plan(big, node_configs="minimal", aws=aws)) for _ in range(args.repeat)]
        p2, t2 = b2[-1][0], statistics.median(t for _, t in b2)
        # B6 destroy with verification
        r6, t6 = timed(lambda: api.destroy(big, confirm=True, aws=aws, progress=False))
        left = api.destroy_plan(big, aws=aws)
    finally:
        aws.close()

    c1, c2 = sum(p1.api_calls.values()), sum(p2.api_calls.values())
    rows = [
        ("B1 plan, unchanged (2/3 workers)", f"{c1} calls, {t1:.2f} s", f"calls <= 60: {'yes' if c1 <= 60 else 'NO'}; "
         f"time <= 1.5 s: {'yes' if t1 <= 1.5 else 'no'}"),
        ("B2 plan, unchanged (20/30 workers)", f"{c2} calls, {t2:.2f} s",
         f"calls ratio vs B1 {c2 / c1:.2f} (MUST 1.00: {'yes' if c1 == c2 and p1.api_calls == p2.api_calls else 'NO'});"
         f" time ratio {t2 / t1:.2f} (<= 1.5: {'yes' if t2 / t1 <= 1.5 else 'no'})"),
        ("B3 apply from nothing", f"{sum(r3.api_calls.values())} calls ({mutating(r3.api_calls)} mutating), "
         f"{t3:.2f} s, peak concurrency {r3.peak_concurrency}", f"<= 15 s: {'yes' if t3 <= 15 else 'no'}"),
        ("B4 apply, max_concurrency=1", f"{t4:.2f} s, peak concurrency {r4.peak_concurrency}",
         f"speed-up of B3 over B4: {t4 / t3:.2f}x"),
        ("B5 re-apply, no changes", f"{mutating(r5.api_calls)} mutating calls, {t5:.2f} s",
         f"0 mutating (MUST): {'yes' if mutating(r5.api_calls) == 0 else 'NO'}"),
        ("B6 destroy + verification", f"{sum(r6.api_calls.values())} calls, {t6:.2f} s, {len(left.actions)} leftovers",
         f"<= 15 s: {'yes' if t6 <= 15 else 'no'}; 0 leftovers: {'yes' if not left.actions else 'NO'}"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, figures, verdict in rows:
        print(f"{name:<{width}}  {figures}  |  {verdict}")
    print("B1 calls by operation: " + ", ".join(f"{k}={v}" for k, v in sorted(p1.api_calls.items())))
    ok = c1 == c2 and mutating(r5.api_calls) == 0 and not left.actions
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
