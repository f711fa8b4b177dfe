"""Ways of collecting kube-apiserver logs added in round 6 of the real-world checks (logs.md §4 FMT-8/FMT-9/FMT-10,
§9 ROB-1): holes of NUL bytes left by copytruncate or a crash, gcloud's snake-case CSV headers, Kibana 6's date
format, ``journalctl --no-hostname``, the OpenTelemetry Collector's file exporter, kubetail's ``[<pod>
<container>]`` and mixed line ends. Composed lines; the cases modelled on public reports are in
``realworld_formats.yaml``."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
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


@pytest.mark.parametrize("header, text, time, writer", [
    ("timestamp,text_payload,pod_name", 1, 0, (2,)),  # gcloud --format=csv(timestamp,textPayload,…)
    ("timestamp,textPayload,resource.labels.pod_name", 1, 0, (2,)),
    ("TimeGenerated [UTC],Computer,LogMessage", 2, 0, (1,)),
    ("_time,host,_raw", 2, 0, (1,)),
])
def test_csv_header_names_match_in_snake_and_camel_case(header, text, time, writer):
    cols = F.csv_header(header.encode())
    assert (cols.text, cols.time, cols.writer) == (text, time, writer)


@pytest.mark.parametrize("value, want", [
    ("Nov 14, 2023 @ 22:13:21.123", "2023-11-14T22:13:21.123Z"),  # Kibana 7 on
    ("November 14th 2023, 22:13:21.123", "2023-11-14T22:13:21.123Z"),  # Kibana up to 6.x
    ("May 1st 2024, 00:00:00.000", "2024-05-01T00:00:00Z"),
    ("September 22nd 2019, 12:35:00", "2019-09-22T12:35:00Z"),
    ("Sept 3rd 2019, 12:35:00.100", None),  # no month of that name
    ("November 31st 2023, 22:13:21.123", None),  # no such day
])
def test_kibana_date_formats(value, want):
    ns = F._csv_time(value)
    assert (None if ns is None else pd.Timestamp(ns, tz="UTC")) == (None if want is None else pd.Timestamp(want))


@pytest.mark.parametrize("line, key, text", [
    # journalctl --no-hostname: the identifier is no host name
    (b"Nov 14 22:13:20 kube-apiserver[1187]: I1114 x", b" kube-apiserver", b"I1114 x"),
    (b"Nov 14 22:13:21 systemd[1]: kube-apiserver.service: Main process exited", b" systemd",
     b"kube-apiserver.service: Main process exited"),
    (b"Nov 14 22:13:21 kernel: oom-kill:constraint=CONSTRAINT_NONE", b" kernel",
     b"oom-kill:constraint=CONSTRAINT_NONE"),
    # with the host, as before
    (b"Nov 14 22:13:21 cp-1 systemd[1]: kube-apiserver.service: Main process exited", b"cp-1 systemd",
     b"kube-apiserver.service: Main process exited"),
    (b"Nov 14 22:13:21 10.0.1.5 kube-apiserver: I1114 x", b"10.0.1.5 kube-apiserver", b"I1114 x"),
])
def test_syslog_lines_with_and_without_a_host(line, key, text):
    res = F._syslog(line)
    assert (res.key, res.inner) == (key, text)


def _otlp(*bodies: str, time: str = "1700000000123456789") -> bytes:
    recs = ",".join(f'{{"timeUnixNano":"{time}","body":{{"stringValue":"{b}"}}}}' for b in bodies)
    return ('{"resourceLogs":[{"resource":{"attributes":[{"key":"k8s.pod.name","value":{"stringValue":"kube-apiserver-'
            'cp-1"}}]},"scopeLogs":[{"scope":{},"logRecords":[' + recs + "]}]}]}").encode()


def test_otlp_json_of_one_record_is_its_line():
    res = F._docker(_otlp(TLS))
    assert (res.fmt, res.key, res.outer_ns) == ("envelope", b"kube-apiserver-cp-1", 1700000000123456789)
    assert res.inner.startswith(b"I1114 22:13:20.123001")


def test_otlp_json_of_several_records_is_a_line_each():
    res = F._docker(_otlp(TLS, WARN, time="1700000000123456789"))
    assert res.inner is None and res.unparsed is None
    assert [(e.fmt, e.key, e.outer_ns, e.inner[:5]) for e in res.events] == [
        ("envelope", b"kube-apiserver-cp-1", 1700000000123456789, TLS[:5].encode()),
        ("envelope", b"kube-apiserver-cp-1", 1700000000123456789, WARN[:5].encode())]


@pytest.mark.parametrize("data, reason", [
    (_otlp(), F.OTLP_REASON),
    (_otlp(TLS).replace(b'"stringValue"', b'"intValue"', 2), F.OTLP_RECORD_REASON),
])
def test_otlp_json_of_no_records_is_counted_with_a_reason(data, reason):
    res = F._docker(data)
    assert res.fmt == "envelope" and res.inner is None and res.unparsed == reason


@pytest.mark.parametrize("line, key", [
    (b"[kube-apiserver-cp-1] " + TLS.encode(), b"[kube-apiserver-cp-1]"),
    (b"[kube-apiserver-cp-1 kube-apiserver-check-endpoints] " + TLS.encode(),
     b"[kube-apiserver-cp-1 kube-apiserver-check-endpoints]"),
    (b"[kube-apiserver-cp-1 kube-apiserver] 2023-11-14T22:13:20.2Z " + TLS.encode(),
     b"[kube-apiserver-cp-1 kube-apiserver]"),
])
def test_kubetail_prefix_with_and_without_the_container(line, key):
    res = F._kubectl(line)
    assert res.key == key and res.inner.endswith(b"EOF")


@pytest.mark.parametrize("text", [
    f"2023-11-14T22:13:20.123456789Z stderr F {TLS}\r\n2023-11-14T22:13:21.5Z stderr F {WARN}\n",
    f"Nov 14 22:13:20 cp-1 kube-apiserver[1187]: {TLS}\nNov 14 22:13:21 cp-1 kube-apiserver[1187]: {WARN}\r\n",
    f"{TLS}\n{WARN}\r\n",
])
def test_mixed_line_ends_give_the_records_of_lf(tmp_path, text):
    # a copy saved on Windows with lines appended on Linux (ROB-1): CRLF and LF in one file
    _, _, mixed = _run(tmp_path, text.encode())
    _, _, plain = _run(tmp_path, text.replace("\r\n", "\n").encode())
    assert list(mixed["message"]) == list(plain["message"]) and list(mixed["lineno"]) == [1, 2]


@pytest.mark.parametrize("cut", ["I1114 22:13:21.", "W1114 22:13:21.500000       1 lea", "E1114 22:1"])
@pytest.mark.parametrize("gz", [False, True])
def test_a_klog_header_cut_short_starts_a_record(tmp_path, cut, gz):
    # the file ends mid-line (a crash, a truncated .gz rotation): the cut line is no text of the record before it
    data = f"2023-11-14T22:13:20.123456789Z stderr F {TLS}\n2023-11-14T22:13:21.5Z stderr F {cut}".encode()
    if gz:
        import gzip

        data = gzip.compress(data)[:-8]  # the rotation was cut: no gzip trailer
    res, src, rec = _run(tmp_path, data)
    assert list(rec["lineno"]) == [1, 2] and list(rec["n_lines"]) == [1, 1]
    assert rec.loc[1, "ts_outer"] == pd.Timestamp("2023-11-14T22:13:21.5Z")
    assert ("truncated" in str(src["error"])) == gz
