"""Ways of collecting kube-apiserver logs added in round 6 of the real-world checks (logs.md §4 FMT-8/FMT-9/FMT-10,
§9 ROB-1): holes of NUL bytes left by copytruncate or a crash, gcloud's snake-case CSV headers, Kibana 6's date
format, ``journalctl --no-hostname``, the OpenTelemetry Collector's file exporter, kubetail's ``[<pod>
<container>]`` and mixed line ends. Composed lines; the cases modelled on public reports are in
``realworld_formats.yaml``."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from lokonb.logs import analyze
from lokonb.logs import formats as F

MTIME = dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()
TLS = "I1114 22:13:20.123001       1 log.go:195] http: TLS handshake error from 10.0.3.14:33198: EOF"
WARN = "W1114 22:13:21.500000       1 lease.go:265] Resetting endpoints for master service"


def _run(tmp_path, data: bytes):
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(data)
    os.utime(path, (MTIME, MTIME))
    res = analyze([str(path)], include=None, records="all")
    return res, res.sources.iloc[0], res.records.sort_values("lineno").reset_index(drop=True)


# one wrapper per row: the second line comes after a hole of NULs (the writer kept its offset after a truncation)
WRAPPED = {
    "klog": (TLS, WARN),
    "cri": (f"2023-11-14T22:13:20.123456789Z stderr F {TLS}", f"2023-11-14T22:13:21.5Z stderr F {WARN}"),
    "docker": ('{"log":"' + TLS + '\\n","stream":"stderr","time":"2023-11-14T22:13:20.123456789Z"}',
               '{"log":"' + WARN + '\\n","stream":"stderr","time":"2023-11-14T22:13:21.5Z"}'),
    "syslog": (f"Nov 14 22:13:20 cp-1 kube-apiserver[1187]: {TLS}",
               f"Nov 14 22:13:21 cp-1 kube-apiserver[1187]: {WARN}"),
}


@pytest.mark.parametrize("fmt", sorted(WRAPPED))
@pytest.mark.parametrize("hole", [1, 4096])
def test_a_hole_of_nul_bytes_before_a_line_is_dropped_and_counted(tmp_path, fmt, hole):
    first, second = WRAPPED[fmt]
    res, src, rec = _run(tmp_path, f"{first}\n".encode() + b"\0" * hole + f"{second}\n".encode())
    assert src["format"] == fmt
    assert list(rec["lineno"]) == [1, 2] and list(rec["severity"]) == ["I", "W"]
    assert int(src["unparsed"]) == 0
    assert any("1 lines began with a run of NUL bytes" in w for w in res.meta["warnings"])


def test_a_line_of_nul_bytes_only_stays_binary(tmp_path):
    res, src, rec = _run(tmp_path, f"{TLS}\n".encode() + b"\0" * 64 + f"\n{WARN}\n".encode())
    assert list(rec["lineno"]) == [1, 3]
    assert list(res.unparsed["reason"]) == ["binary"]
    assert not any("NUL" in w for w in res.meta["warnings"])


def test_a_first_line_after_a_hole_still_picks_the_format():
    assert F.detect_format(b"\0" * 100 + b'{"log":"' + TLS.encode() + b'\\n","stream":"stderr","time":"2023-11-14T'
                           b'22:13:20Z"}\n') == "docker"
