"""Benchmark of lokonb.flatcar (flatcar.md §11): render 3 controllers + 100 workers in 2 pools, next to
Debian's ignition-validate on the same configs, measured in the same run.

    .venv/bin/python bench/flatcar_render.py [--workers 100] [--repeat 7]

Prints: render time (target < 1 s, goal < 300 ms) incl. in-process schema + semantic validation, the same with
1000 workers (target within +20 %), per-snippet translation time (≤ 5 ms goal, ≤ 15 ms limit), the time of one
ignition-validate run per config and the ratios translation / ignition-validate (target ≤ 1.0); ct/butane
ratios
when those binaries are on PATH.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# this checkout's lokonb, not whichever one the interpreter has installed (sys.path[0] is bench/)
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "flatcar"))

SNIPPET_CLC = """storage:
  files:
    - path: /etc/motd.d/pool.conf
      mode: 0644
      contents:
        inline: |
          Welcome to this worker pool.
          Managed by lokonb.
  directories:
    - path: /var/lib/app
      mode: 0755
  links:
    - path: /etc/localtime
      target: /usr/share/zoneinfo/UTC
passwd:
  users:
    - name: ops
      groups: [docker]
      ssh_authorized_keys: [ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIbench ops@example]
systemd:
  units:
    - name: hello.service
      enabled: true
      contents: |
        [Unit]
        Description=hello
        [Service]
        Type=oneshot
        ExecStart=/usr/bin/echo hello
        [Install]
        WantedBy=multi-user.target
    - name: kubelet.service
      dropins:
        - name: 40-bench.conf
          contents: |
            [Service]
            Environment=BENCH=1
"""
SNIPPET_BUTANE = """variant: flatcar
version: 1.0.0
storage:
  files:
    - path: /etc/sysctl.d/90-bench.conf
      mode: 0644
      contents:
        inline: |
          net.core.somaxconn=4096
          vm.max_map_count=262144
"""


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()

    from fake_assets import FakeAssets

    from lokonb.config import load_yaml
    from lokonb.flatcar.clc import translate_clc
    from lokonb.flatcar.render import render_cluster
    from lokonb.flatcar.translator import translate
    from lokonb.flatcar.validate import ignition_validate_binary

    base = load_yaml(REPO / "parameters" / "provision_cluster" / "default.yaml")

    def model(workers: int):
        half = workers // 2
        pools = (
            dataclasses.replace(
                base.worker_pools[0],
                name="general",
                count=workers - half,
                clc_snippets=(SNIPPET_CLC, SNIPPET_BUTANE),
            ),
            dataclasses.replace(
                base.worker_pools[1], name="storage", count=half, clc_snippets=(SNIPPET_CLC, SNIPPET_BUTANE)
            ),
        )
        return dataclasses.replace(base, controller_count=3, worker_pools=pools)

    print("generating PKI and a 1 MiB bootkube asset tree of 200 files (not timed)...", flush=True)
    assets = FakeAssets(controllers=3, asset_files=197, asset_size=(1 << 20) // 200)
    m100, m1000 = model(args.workers), model(args.workers * 10)
    render_cluster(m100, assets=assets)  # warm caches (templates, schemas)
    # interleaved so that load from other processes hits both sizes alike
    runs: dict[int, list[float]] = {100: [], 1000: []}
    for _ in range(args.repeat):
        for key, mod in ((100, m100), (1000, m1000)):
            start = time.perf_counter()
            render_cluster(mod, assets=assets)
            runs[key].append(time.perf_counter() - start)
    t100, t1000 = statistics.median(runs[100]), statistics.median(runs[1000])
    render = render_cluster(m100, assets=assets)
    nodes = sum(rc.instances for rc in render.roles.values())
    print(
        f"\nrender_cluster: {len(render.roles)} distinct configs for {nodes} nodes "
        f"({m100.controller_count} controllers, {args.workers} workers in 2 pools, 2 snippets per pool)"
    )
    print(f"  time                      {t100 * 1000:8.1f} ms   (target < 1000 ms, goal < 300 ms)")
    print(
        f"  with {args.workers * 10} workers          {t1000 * 1000:8.1f} ms   ratio {t1000 / t100:.2f} "
        "(target <= 1.20)"
    )
    sizes = {k: v.size for k, v in render.roles.items()}
    print(f"  config sizes              {', '.join(f'{k}={v}' for k, v in sizes.items())}")

    t_snip = _median(lambda: translate(SNIPPET_CLC, target="3.3.0", platform="ec2"), 20)
    t_ct = _median(lambda: translate_clc(SNIPPET_CLC, platform="ec2"), 20)
    print(
        f"\nsnippet translation (~{len(SNIPPET_CLC)} B CLC → 3.3.0): {t_snip * 1000:.2f} ms "
        f"(goal <= 5 ms, limit 15 ms); CLC → 2.3.0 alone {t_ct * 1000:.2f} ms"
    )

    exe = ignition_validate_binary()
    if exe is None:
        print("\nignition-validate not installed: no external baseline (install Debian's 'ignition' package)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for role, rc in render.roles.items():
            p = Path(tmp) / f"{role}.ign"
            p.write_bytes(rc.compact)
            paths.append(p)
        snippet_out = Path(tmp) / "snippet.ign"
        from lokonb.flatcar.gojson import dumps

        snippet_out.write_text(dumps(translate(SNIPPET_CLC, target="3.3.0", platform="ec2").config))

        def validate_all() -> None:
            for p in paths:
                subprocess.run([exe, str(p)], capture_output=True, check=False)

        t_val = _median(validate_all, args.repeat)
        t_val_snip = _median(
            lambda: subprocess.run([exe, str(snippet_out)], capture_output=True, check=False), 20
        )
    print(
        f"\nignition-validate on the same {len(paths)} configs: {t_val * 1000:8.1f} ms "
        f"({t_val / len(paths) * 1000:.1f} ms per config)"
    )
    print(
        f"  ratio render / ignition-validate         {t100 / t_val:.2f}  (render includes in-process "
        "schema + semantic validation)"
    )
    print(
        f"  ratio snippet translation / validate     {t_snip / t_val_snip:.2f}  (target <= 1.0; "
        f"ignition-validate {t_val_snip * 1000:.1f} ms on the snippet's output)"
    )
    for tool, argv in (("ct", ["ct", "-in-file"]), ("butane", ["butane"])):
        if shutil.which(tool):
            with tempfile.NamedTemporaryFile("w", suffix=".yaml") as fh:
                fh.write(SNIPPET_CLC if tool == "ct" else SNIPPET_BUTANE)
                fh.flush()
                cmd = [*argv, fh.name]
                t_tool = _median(lambda cmd=cmd: subprocess.run(cmd, capture_output=True, check=False), 10)
            print(f"  ratio vs {tool}: {t_snip / t_tool:.2f} (target <= 3)")
        else:
            print(f"  {tool} not on PATH: no ratio against it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
