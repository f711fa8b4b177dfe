"""An internet-facing API server logs TLS handshake errors from thousands of scanner addresses, a probe group each:
every group's events, rows and verdict stay exactly those of the per-address reading; beyond ``MAX_TLS_GROUPS`` the
rarest groups merge into one row, and which ones (and the row order) never depends on Python's string hashing."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pandas as pd
import pytest
from rowspy import count_built_rows

import lokonb.logs.sources as S
from lokonb.logs import analyze

TABLES = ("records", "summary", "by_severity", "findings", "tls_sources")


def _scan_lines(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out, t = [], 0.0
    for i in range(n):
        t += 0.37
        s = int(t)
        # some addresses come back (periodic probers from the VPC among them), most are seen once
        if i % 5 == 0:
            ip = f"10.0.3.{1 + i % 3}"
        else:
            ip = f"{rnd.randint(1, 223)}.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)}"
        port = rnd.randint(1024, 65535)
        kind = "EOF" if i % 2 else f"read tcp 10.0.5.21:6443->{ip}:{port}: read: connection reset by peer"
        out.append(f"I0301 {s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{int(t % 1 * 1e6):06d}       1 "
                   f"server.go:3195] http: TLS handshake error from {ip}:{port}: {kind}")
    return out


@pytest.fixture(scope="module")
def scan_log(tmp_path_factory):
    path = tmp_path_factory.mktemp("scan") / "kube-apiserver.log"
    path.write_text("\n".join(_scan_lines(3000)) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("records", ["auto", "all"])
def test_many_addresses_in_one_batch_equal_few_per_batch(monkeypatch, scan_log, records):
    # one 8 MiB block holds all 3000 lines (2400 addresses in one batch); 4 KiB blocks hold ~25 lines each
    one = analyze([str(scan_log)], year=2024, workers=1, records=records, max_records=500)
    monkeypatch.setattr(S, "BLOCK_BYTES", 4 << 10)
    many = analyze([str(scan_log)], year=2024, workers=1, records=records, max_records=500)
    assert len(one.tls_sources) > 2000 and len(one.records) == (500 if records == "auto" else 3000)
    for name in TABLES:  # tls_sources too: equal counts are listed by first event, whatever the blocks
        pd.testing.assert_frame_equal(getattr(one, name), getattr(many, name), obj=name)
    if records == "auto":
        # OUT-2: the most recent max_records actionable rows; after the cap overflowed, rows of probe-family events
        # are built for public addresses only (another address's verdict comes at the end: its rows are not kept)
        full = analyze([str(scan_log)], year=2024, workers=1, records="all")
        net = dict(zip(full.tls_sources["client_addr"], full.tls_sources["network"], strict=True))
        public = full.records[full.records["client_addr"].astype(str).map(net) == "public"]
        expected = public.sort_values("timestamp", kind="stable").tail(500)["lineno"]
        assert sorted(one.records["lineno"]) == sorted(expected)


def test_merged_groups_do_not_depend_on_string_hashing(scan_log):
    code = (
        "import json, sys; import lokonb.logs.analysis as A; A.MAX_TLS_GROUPS = 300; "
        f"r = A.analyze([{str(scan_log)!r}], year=2024, workers=1); "
        "print(json.dumps([r.tls_sources['client_addr'].astype(str).tolist(), "
        "r.summary['example'].astype(str).tolist(), r.findings['key'].astype(str).tolist()]))"
    )
    outs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={"PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin"}).stdout
        for seed in (1, 2, 3)
    ]
    addrs = json.loads(outs[0])[0]
    assert len(addrs) == 301 and "(other addresses)" in addrs
    assert outs[0] == outs[1] == outs[2]


def test_only_the_rows_the_cap_keeps_are_built(monkeypatch, scan_log):
    # every public client's TLS errors are actionable: 2400 probe rows queued when the source ends, 500 kept
    built = count_built_rows(monkeypatch)
    res = analyze([str(scan_log)], year=2024, workers=1, max_records=500)
    assert res.meta["records_truncated"] and len(res.records) == 500
    assert sum(built) == 500
