"""Formats and time: A1–A13 (klog header, structured, continuations, wrappers, detection, years)."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os

import pandas as pd
import pytest

from lokonb.logs import analyze, parse_lines

UTC = dt.UTC
CANON = [
    "I0408 05:35:02.865305       1 log.go:172] http: TLS handshake error from 127.0.0.1:45332: read tcp "
    "127.53.210.227:7443->127.0.0.1:45332: read: connection reset by peer",
    "I0408 05:35:12.865457       1 log.go:172] http: TLS handshake error from 127.0.0.1:45424: read tcp "
    "127.53.210.227:7443->127.0.0.1:45424: read: connection reset by peer",
    "I0408 05:35:22.865279       1 log.go:172] http: TLS handshake error from 127.0.0.1:45516: read tcp "
    "127.53.210.227:7443->127.0.0.1:45516: read: connection reset by peer",
]


def rec(lines, **kw):
    kw.setdefault("year", 2024)
    return parse_lines(lines, **kw).records


# --- A1 klog header -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "pid", "file", "srcline"),
    [
        ("I0102 03:04:05.000006 1 a.go:1] pid width 1", 1, "a.go", 1),
        ("I0102 03:04:05.000006    1234 b.go:22] pid width 4", 1234, "b.go", 22),
        ("I0102 03:04:05.000006 1234567 c.go:333] pid width 7", 1234567, "c.go", 333),
        ("I0102 03:04:05.000006 12345678 d.go:4444] pid width 8", 12345678, "d.go", 4444),
        (
            "I0102 03:04:05.000006       1 filters/timeout.go:141] add-dir-header",
            1,
            "filters/timeout.go",
            141,
        ),
        ("I0102 03:04:05.000006         1 extra.go:5] extra padding", 1, "extra.go", 5),
    ],
)
def test_klog_header_fields(line, pid, file, srcline):
    r = rec([line]).iloc[0]
    assert r["severity"] == "I"
    assert r["timestamp"] == pd.Timestamp("2024-01-02T03:04:05.000006Z")
    assert (r["pid"], r["file"], r["line"]) == (pid, file, srcline)
    assert r["message"] == line.split("] ", 1)[1]


def test_canonical_lines_exact():
    r = rec(CANON)
    assert list(r["timestamp"]) == [
        pd.Timestamp(f"2024-04-08T05:35:{s}Z") for s in ("02.865305", "12.865457", "22.865279")
    ]
    assert list(r["pid"]) == [1, 1, 1] and set(r["file"]) == {"log.go"} and set(r["line"]) == {172}
    assert r["message"][0].startswith("http: TLS handshake error from 127.0.0.1:45332")


def test_header_after_unknown_prefix():
    r = rec(["myhost kube-apiserver: W1231 23:59:58.104512       1 dispatcher.go:180] hello"]).iloc[0]
    assert (r["severity"], r["file"], r["line"], r["message"]) == ("W", "dispatcher.go", 180, "hello")


# --- A2 structured ----------------------------------------------------------------------------------------------
def test_structured_message_unquoted_and_err():
    line = (
        'E0101 00:00:03.517220       1 authentication.go:73] "Unable to authenticate the request" '
        'err="[x509: certificate has expired or is not yet valid, invalid bearer token]"'
    )
    quoted = 'I0101 00:00:04.000000       1 x.go:1] "Say \\"hi\\"\\n\\u00e9 and \\\\ done" key="v"'
    r = rec([line, quoted])
    assert r["message"][0] == "Unable to authenticate the request"
    assert r["family"][0] == "authn_failure"
    assert r["err"][0].startswith("[x509: certificate has expired")
    assert r["err_kind"][0] == "cert_expired"
    assert r["message"][1] == 'Say "hi"\né and \\ done'


def test_structured_block_value_is_one_record():
    lines = [
        'I0101 00:00:03.517220       1 controller.go:10] "Config" cfg=<',
        "\tkind: Foo",
        "\tname: bar",
        " >",
        "I0101 00:00:04.000000       1 controller.go:11] next",
    ]
    r = rec(lines)
    assert len(r) == 2 and r["n_lines"].tolist() == [4, 1]
    assert r["continuation"][0] == "\tkind: Foo\n\tname: bar\n >"


# --- A3 continuations -------------------------------------------------------------------------------------------
TRACE = [
    'I0302 10:15:09.602117       1 trace.go:236] Trace[1693025481]: "List" accept:application/json,audit-id:'
    "0f3b9c1e-7d52-4c1a-9a51-2b6f0d8e4a11,client:10.0.17.44,protocol:HTTP/2.0,resource:pods,scope:cluster,url:"
    "/api/v1/pods,user-agent:kubectl/v1.29.3 (linux/amd64),verb:LIST (02-Mar-2024 10:15:07.401) (total time: 2200ms):",
    'Trace[1693025481]: ---"Writing http response done" count:5230 2143ms (10:15:09.602)',
    "Trace[1693025481]: [2.200716014s] [2.200716014s] END",
]


def test_trace_block_one_record():
    r = rec(TRACE).iloc[0]
    assert (r["family"], r["n_lines"], r["total_s"], r["op"], r["uri"], r["client_addr"]) == (
        "trace",
        3,
        2.2,
        "List",
        "/api/v1/pods",
        "10.0.17.44",
    )
    assert not r["harmless"] and r["priority"] == "low"


def test_panic_with_20_frames_is_one_record():
    frames = []
    for i in range(20):
        frames += [
            f"k8s.io/apiserver/pkg/server.(*h{i}).ServeHTTP(0xc0001{i:02d}, 0x2)",
            f"\t/go/src/k8s.io/apiserver/pkg/server/h.go:{100 + i} +0x{i:x}",
        ]
    lines = [
        "E0302 10:15:09.602117       1 runtime.go:79] Observed a panic: runtime error: index out of range",
        "goroutine 4123 [running]:",
        *frames,
        "I0302 10:15:10.000000       1 x.go:1] after",
    ]
    r = rec(lines)
    assert len(r) == 2
    assert (r["family"][0], r["n_lines"][0], r["priority"][0]) == ("panic", 42, "critical")


def test_openapi_503_with_header_tail():
    lines = [
        'E0302 10:15:09.602117       1 controller.go:113] loading OpenAPI spec for "v1beta1.metrics.k8s.io" '
        "failed with: Error, could not get list of group versions for APIService, ResponseCode: 503, Body: "
        "service unavailable",
        ", Header: map[Content-Type:[text/plain; charset=utf-8] X-Content-Type-Options:[nosniff]]",
    ]
    r = rec(lines).iloc[0]
    assert (r["family"], r["n_lines"], r["apiservice"], r["harmless"]) == (
        "openapi_aggregation",
        2,
        "v1beta1.metrics.k8s.io",
        False,
    )


def test_orphan_continuations_at_file_start():
    lines = [
        "Flag --insecure-port has been deprecated, This flag will be removed in a future version.",
        "\tat some.frame(0x1)",
        "I0302 10:15:09.602117       1 x.go:1] first klog line",
    ]
    r = rec(lines)
    assert len(r) == 2
    first = r.iloc[0]
    assert first["orphan"] and pd.isna(first["severity"]) and first["family"] == "startup"
    assert first["n_lines"] == 2 and not r.iloc[1]["orphan"]



def test_each_deprecated_flag_line_is_its_own_record():
    """Also after klog lines: MicroK8s' kubelite and k3s log before they start the apiserver, whose flags are
    parsed then (the `Flag --` line follows their klog or logrus lines in the same stream)."""
    lines = [
        "Flag --insecure-port has been deprecated, This flag will be removed in a future version.",
        "Flag --enable-swagger-ui has been deprecated, This flag will be removed in a future version.",
        "I0302 10:15:09.602117       1 x.go:1] first klog line",
        "Flag --after-klog has been deprecated, This flag has no effect now and will be removed in v1.24.",
    ]
    r = rec(lines).sort_values("lineno")
    assert list(r["lineno"]) == [1, 2, 3, 4]
    assert list(r["orphan"]) == [True, True, False, True]
    assert list(r["family"].iloc[[0, 1, 3]]) == ["startup", "startup", "startup"]
    assert list(r["n_lines"]) == [1, 1, 1, 1]

# --- A4 kubectl --timestamps ------------------------------------------------------------------------------------
def test_kubectl_timestamps_zones_and_digits():
    lines = [
        "2025-01-01T00:00:00.017406102Z I1231 23:59:59.998304       1 log.go:195] http: TLS handshake error from "
        "10.0.17.203:61844: EOF",
        "2025-01-01T02:00:00.0174061+02:00 I1231 23:59:59.998305       1 log.go:195] x",
        "2025-01-01T00:00:01Z I0101 00:00:00.500000       1 log.go:195] y",
    ]
    r = parse_lines(lines).records
    assert list(r["ts_outer"]) == [
        pd.Timestamp("2025-01-01T00:00:00.017406102Z"),
        pd.Timestamp("2025-01-01T00:00:00.017406100Z"),
        pd.Timestamp("2025-01-01T00:00:01Z"),
    ]
    # A12: the klog year comes from the outer stamp (Dec 31 of the previous year)
    assert r["timestamp"][0] == pd.Timestamp("2024-12-31T23:59:59.998304Z")
    assert r["timestamp"][2] == pd.Timestamp("2025-01-01T00:00:00.5Z")
    assert parse_lines(lines).sources["year_source"][0] == "outer"


# --- A5 CRI ---------------------------------------------------------------------------------------------------
def test_cri_partial_join_and_streams():
    lines = [
        "2024-12-31T23:59:59.402117305+00:00 stderr P E1231 23:59:59.401998       1 available_controller.go:456] "
        "v1beta1.metrics.k8s.io failed with: failing or missing resp",
        "2024-12-31T23:59:59.402117400Z stdout P I1231 23:59:59.402000       1 a.go:1] out-",
        "2024-12-31T23:59:59.402118114+00:00 stderr P onse from https://10.2.7.19:4443/apis/metrics",
        "2024-12-31T23:59:59.402118200Z stdout F put joined",
        "2024-12-31T23:59:59.402118300Z stderr F .k8s.io/v1beta1: context deadline exceeded",
    ]
    res = parse_lines(lines, format="cri")
    r = res.records
    assert len(r) == 2
    err = r[r["stream"] == "stderr"].iloc[0]
    assert err["message"].endswith(
        "failing or missing response from https://10.2.7.19:4443/apis/metrics.k8s.io/"
        "v1beta1: context deadline exceeded"
    )
    assert err["family"] == "aggregator_unavailable" and err["lineno"] == 1
    assert err["ts_outer"] == pd.Timestamp("2024-12-31T23:59:59.402117305Z")
    out = r[r["stream"] == "stdout"].iloc[0]
    assert out["message"] == "out-put joined" and out["lineno"] == 2
    assert res.sources["format"][0] == "cri"


def test_cri_z_and_offset_same_instant():
    a = parse_lines(["2024-12-31T23:59:59.5Z stderr F I1231 23:59:59.400000       1 a.go:1] x"]).records
    b = parse_lines(
        ["2025-01-01T01:59:59.500000000+02:00 stderr F I1231 23:59:59.400000       1 a.go:1] x"]
    ).records
    assert a["ts_outer"][0] == b["ts_outer"][0]


# --- A6 Docker --------------------------------------------------------------------------------------------------
def test_docker_fragments_join():
    entries = [
        {
            "log": "I0302 10:15:07.118203       1 log.go:195] http: TLS handshake error from 10.0.3.14:33198: ",
            "stream": "stderr",
            "time": "2024-03-02T10:15:07.118529911Z",
        },
        {
            "log": "I0302 10:15:07.200000       1 a.go:1] other stream\n",
            "stream": "stdout",
            "time": "2024-03-02T10:15:07.2Z",
        },
        {"log": "EOF\n", "stream": "stderr", "time": "2024-03-02T10:15:07.118529999Z"},
    ]
    r = parse_lines([json.dumps(e) for e in entries]).records
    assert len(r) == 2
    tls = r[r["family"] == "tls_handshake_eof"].iloc[0]
    assert tls["client_addr"] == "10.0.3.14" and tls["stream"] == "stderr"


# --- A7 JSON logging ----------------------------------------------------------------------------------------------
def test_json_logging():
    lines = [
        "I0101 00:00:00.000001       1 server.go:1] text before the logger is set up",
        '{"ts":1735689599123.456,"caller":"cacher/cacher.go:1250","msg":"Terminating all watchers from cacher",'
        '"v":1,"resource":"pods"}',
        '{"ts":1735689599.5,"caller":"x/y.go:2","msg":"seconds valued"}',
        '{"ts":1735689599123.456,"caller":"x/z.go:3","msg":"Failed to watch *v1.Pod: boom","err":"boom"}',
        '{"level":"warn","ts":"2024-03-02T10:15:07.118Z","logger":"etcd-client","caller":"v3/retry_interceptor.go:62",'
        '"msg":"retrying of unary invoker failed","target":"etcd-endpoints://0xc000a1b2c0/10.0.5.21:2379",'
        '"attempt":0,"error":"rpc error: code = DeadlineExceeded desc = context deadline exceeded"}',
    ]
    r = parse_lines(lines, year=2025).records.set_index("lineno")
    assert r.loc[2, "timestamp"] == pd.Timestamp("2024-12-31T23:59:59.123456Z")
    assert r.loc[2, "family"] == "cacher" and r.loc[2, "verbosity"] == 1 and r.loc[2, "severity"] == "I"
    assert r.loc[3, "timestamp"] == pd.Timestamp("2024-12-31T23:59:59.5Z")
    assert r.loc[4, "severity"] == "E"
    assert r.loc[5, "severity"] == "W" and r.loc[5, "family"] == "etcd_unavailable"
    assert r.loc[1, "severity"] == "I" and r.loc[1, "file"] == "server.go"



def test_json_line_cut_short_parses_as_far_as_it_goes():
    """FMT-8: a zap line cut by the pager (`>`) or a report keeps its level, time, caller and complete members; the
    unfinished rest is kept as `cut`; a line cut before its `msg` stays header-less text (a continuation)."""
    lines = [
        'Dec 04 09:17:52 cp-3 k3s[4021]: {"level":"warn","ts":"2023-12-04T09:17:52.401-0800",'
        '"caller":"v3rpc/interceptor.go:197","msg":"request stats","time spent":"2.8s","remote":"127.0.0.1:40316","re>',
        'Dec 04 09:17:53 cp-3 k3s[4021]: {"level":"error","ts":"2023-12-04T09:17:53.002-0800","caller":"x.go:1","ms>',
    ]
    r = parse_lines(lines, format="syslog", year=2024).records.set_index("lineno")
    assert r.loc[1, "severity"] == "W" and r.loc[1, "file"] == "interceptor.go"
    assert r.loc[1, "timestamp"] == pd.Timestamp("2023-12-04T17:17:52.401Z")
    assert r.loc[1, "message"].startswith('"request stats" time spent="2.8s" remote="127.0.0.1:40316" cut=')
    assert len(r) == 1 and r.loc[1, "n_lines"] == 2


def test_structured_pairs_fill_err_and_extra_for_every_family():
    """FMT-2/FMT-7: `err` -> err, declared names -> their columns, other pairs -> extra, whatever the family."""
    lines = [
        'E0101 00:00:03.517220       1 foo.go:73] "Something odd" err="bo\\"om" resource="pods" n=3 blk=<',
        "\tline a",
        " >",
        '{"ts":1735689599123.456,"caller":"x/y.go:1","msg":"json line","err":"bad","k":"v"}',
        '{"ts":1735689599123.456,"caller":"cacher/cacher.go:1250","msg":"Terminating all watchers from cacher",'
        '"v":1,"resource":"pods"}',
    ]
    r = parse_lines(lines, year=2024).records.set_index("lineno")
    assert r.loc[1, "family"] == "other" and r.loc[1, "err"] == 'bo"om' and r.loc[1, "resource"] == "pods"
    assert json.loads(r.loc[1, "extra"]) == {"n": "3", "blk": "line a"}
    assert r.loc[4, "err"] == "bad" and json.loads(r.loc[4, "extra"]) == {"k": "v"}
    assert r.loc[5, "family"] == "cacher" and r.loc[5, "resource"] == "pods"

# --- A8 syslog ----------------------------------------------------------------------------------------------------
def test_syslog_prefixes():
    lines = [
        "Dec  1 23:59:59 ip-10-0-5-21 kube-apiserver[1187]: I1201 23:59:59.870112    1187 log.go:195] a",
        "Dec 31 23:59:59 ip-10-0-5-21 kube-apiserver: W1231 23:59:59.870112    1187 x.go:9] b",
    ]
    r = rec(lines, format="syslog")
    assert list(r["severity"]) == ["I", "W"] and list(r["pid"]) == [1187, 1187]
    iso = parse_lines(
        [
            "2024-12-31T23:59:59+0000 ip-10-0-5-21 kube-apiserver[1187]: I1231 23:59:59.870112    1187 "
            "log.go:195] c"
        ]
    ).records.iloc[0]
    assert iso["timestamp"] == pd.Timestamp("2024-12-31T23:59:59.870112Z")


# --- A9 detection, override, mixed, garbage ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CANON[0], "klog"),
        ("2024-04-08T05:35:02.9Z stderr F " + CANON[0], "cri"),
        ("2024-04-08T05:35:02.9Z " + CANON[0], "kubectl"),
        (
            json.dumps({"log": CANON[0] + "\n", "stream": "stderr", "time": "2024-04-08T05:35:02.9Z"}),
            "docker",
        ),
        ("Apr  8 05:35:02 host kube-apiserver[1]: " + CANON[0], "syslog"),
        ('{"ts":1735689599123.456,"caller":"a/b.go:1","msg":"x"}', "json"),
    ],
)
def test_detection(text, expected):
    res = parse_lines([text] * 5)
    assert res.sources["format"][0] == expected
    assert len(res.records) == 5


def test_override_and_mixed_file():
    lines = [CANON[0], "2024-04-08T05:35:12.9Z stderr F " + CANON[1], CANON[2]]
    res = parse_lines(lines, format="klog")
    assert len(res.records) == 3  # the CRI line is still understood (per-line fallback)
    mix = res.sources["format_mix"][0]
    assert "cri:1" in mix and "klog:2" in mix


def test_cri_file_with_broken_lines_stays_cri():
    """Every CRI line also parses as a kubectl line: a CRI file with a few broken lines must still be detected
    as CRI (P/F joined, stream kept), and its broken lines counted as unparsed, not read as kubectl lines."""
    lines = [
        "2024-12-31T23:59:59.402117305+00:00 stderr P E1231 23:59:59.401998       1 available_controller.go:456] "
        "v1beta1.metrics.k8s.io failed with: failing or missing resp",
        "2024-12-31T23:59:59.402118114+00:00 stderr F onse from https://10.2.7.19:4443/apis/metrics.k8s.io/v1beta1: "
        "context deadline exceeded",
    ]
    lines += [f"2024-12-31T23:59:59.5Z stderr F I1231 23:59:59.401999       1 x.go:1] filler {i}" for i in range(20)]
    lines += ["2024-12-31T23:59:59.6Z stdout X bad tag", "2024-12-31T23:59:59.6Z stdbad F bad stream"]
    for fmt in ("auto", "cri"):
        res = parse_lines(lines, format=fmt)
        assert res.sources["format"][0] == "cri"
        r = res.records.set_index("lineno")
        assert r.loc[1, "message"].endswith("missing response from https://10.2.7.19:4443/apis/metrics.k8s.io/"
                                            "v1beta1: context deadline exceeded")
        assert r.loc[1, "stream"] == "stderr" and r.loc[1, "apiservice"] == "v1beta1.metrics.k8s.io"
        assert len(res.records) == 21
        assert list(res.unparsed["lineno"]) == [23, 24]
        assert set(res.unparsed["reason"]) == {"CRI line with a bad stream or tag"}
    # kubectl --timestamps files are still kubectl
    kub = [f"2024-12-31T23:59:59.5Z I1231 23:59:59.401999       1 x.go:1] line {i}" for i in range(5)]
    assert parse_lines(kub).sources["format"][0] == "kubectl"


def test_garbage_is_counted_never_dropped():
    res = parse_lines([b"\x00\x01\x02binary junk\xff\xfe", CANON[0], b"\xff" * 50])
    assert res.sources["unparsed"][0] == 2
    assert set(res.unparsed["reason"]) == {"binary"} and list(res.unparsed["lineno"]) == [1, 3]
    assert len(res.records) == 1


# --- A10/A11/A13 years without an outer timestamp ----------------------------------------------------------------
def _write(tmp_path, name, lines, mtime=None):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    if mtime is not None:
        os.utime(p, (mtime.timestamp(), mtime.timestamp()))
    return p


def test_year_rollover_with_mtime(tmp_path):
    lines = [f"I1230 22:00:0{i}.000000       1 a.go:1] a" for i in range(3)] + [
        "I1231 23:59:59.999999       1 a.go:1] b",
        "I0101 00:00:00.000001       1 a.go:1] c",
        "I0102 10:00:00.000000       1 a.go:1] d",
    ]
    p = _write(tmp_path, "kube-apiserver.log", lines, dt.datetime(2025, 1, 2, 12, tzinfo=UTC))
    res = analyze([str(p)])
    ts = list(res.records["timestamp"])
    assert [t.year for t in ts] == [2024, 2024, 2024, 2024, 2025, 2025]
    assert ts == sorted(ts)
    assert res.sources["year_source"][0] == "mtime"


def test_late_line_and_reversed_file(tmp_path):
    lines = [
        "I1231 23:59:59.000000       1 a.go:1] a",
        "I0101 00:00:00.500000       1 a.go:1] b",
        "I1231 23:59:59.900000       1 a.go:1] late",
        "I0101 00:00:01.000000       1 a.go:1] c",
    ]
    mt = dt.datetime(2025, 1, 1, 1, tzinfo=UTC)
    fwd = analyze([str(_write(tmp_path, "f-kube-apiserver.log", lines, mt))]).records
    assert fwd.set_index("message").loc["late", "timestamp"] == pd.Timestamp("2024-12-31T23:59:59.9Z")
    rev = analyze([str(_write(tmp_path, "r-kube-apiserver.log", lines[::-1], mt))]).records
    assert sorted(fwd["timestamp"]) == sorted(rev["timestamp"])


def test_year_parameter_and_feb29(tmp_path):
    lines = [
        "I0228 10:00:00.000000       1 a.go:1] a",
        "I0229 10:00:00.000000       1 a.go:1] leap",
        "I0301 10:00:00.000000       1 a.go:1] b",
    ]
    res = parse_lines(lines, year=2023)
    r = res.records
    assert pd.isna(r.set_index("message").loc["leap", "timestamp"])
    assert res.sources["time_errors"][0] == 1 and len(r) == 3
    assert res.sources["year_source"][0] == "parameter"
    assert parse_lines(lines, year=2024).records["timestamp"].notna().all()


def test_gzip_rotation_name_anchor(tmp_path):
    p = tmp_path / "0.log.20250102-000000.gz"
    p.write_bytes(gzip.compress(b"I1231 23:00:00.000000       1 a.go:1] a\n"))
    res = analyze([str(p)])
    assert res.records["timestamp"][0].year == 2024
    assert res.sources["year_source"][0] == "filename" and res.sources["kind"][0] == "gz"


def test_crlf_identical_to_lf():
    lf = parse_lines("\n".join(CANON) + "\n").records
    crlf = parse_lines("\r\n".join(CANON) + "\r\n").records
    pd.testing.assert_series_equal(lf["message"], crlf["message"])
    pd.testing.assert_series_equal(lf["timestamp"], crlf["timestamp"])


def test_klog_tz_auto_detects_offset():
    # klog writes local time (+01:00); the kubelet prefix is UTC
    lines = [
        f"2025-01-01T00:00:0{i}.017406102Z I0101 01:00:0{i}.000000       1 a.go:1] x{i}" for i in range(5)
    ]
    res = parse_lines(lines, klog_tz="auto")
    assert res.sources["tz"][0] == "+01:00 (auto)"
    assert res.records["timestamp"][0] == pd.Timestamp("2025-01-01T00:00:00Z")
    fixed = parse_lines(lines, klog_tz="Europe/Berlin").records
    assert fixed["timestamp"][0] == pd.Timestamp("2025-01-01T00:00:00Z")


# TIME-1: klog_tz is the zone of klog's own header times; a JSON logging record's `ts` (epoch) and a logrus time with
# its zone are absolute, whatever klog_tz says (a JSON record came out 2 h early with Europe/Berlin)
@pytest.mark.parametrize("line", [
    '{"ts":1718114527283.917,"caller":"c/c.go:1","msg":"Terminating all watchers from cacher","v":1}',
    '2024-06-11T14:02:07.500000000Z stderr F {"ts":1718114527283.917,"caller":"c/c.go:1","msg":"x","v":1}',
    'time="2024-06-11T16:02:07.283917+02:00" level=error msg="failed to sync"',
])
@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "-05:00", "auto"])
def test_absolute_record_times_ignore_klog_tz(line, tz):
    r = parse_lines([line], klog_tz=tz).records.iloc[0]
    assert r["timestamp"] == pd.Timestamp("2024-06-11T14:02:07.283917Z")


def test_summary_by_source():
    res = parse_lines(CANON + ["W0408 05:35:30.000000       1 x.go:1] odd"], year=2024)
    sbs = res.summary_by_source()
    assert sbs.loc[("lines", "tls_handshake_reset"), "count"] == 3
    assert sbs.loc[("lines", "other"), "actionable_count"] == 1


def test_json_logging_tls_line_and_bom_and_indent():
    line = (
        '{"ts":1700000000000.1,"caller":"log/log.go:194","msg":"http: TLS handshake error from 127.0.0.1:53226: '
        'EOF\\n","v":0}'
    )
    r = parse_lines([line]).records.iloc[0]
    assert (r["family"], r["client_addr"], r["severity"]) == ("tls_handshake_eof", "127.0.0.1", "I")
    r2 = parse_lines(["\ufeff" + CANON[0], "    " + CANON[1]]).records
    assert list(r2["family"]) == ["tls_handshake_reset"] * 2 and list(r2["lineno"]) == [1, 2]


def test_ambiguous_dst_hour_is_resolved_non_decreasing():
    """TIME-1: Europe/Berlin falls back at 2024-10-27 03:00 CEST; 02:30 then 02:10 local are both valid (the second
    after the change): no NaT, no time error, and the sequence stays non-decreasing."""
    lines = [
        "I1027 01:30:00.000000       1 x.go:1] before",
        "I1027 02:30:00.000000       1 x.go:1] first pass (CEST)",
        "I1027 02:10:00.000000       1 x.go:1] second pass (CET)",
        "I1027 03:30:00.000000       1 x.go:1] after",
    ]
    res = parse_lines(lines, year=2024, klog_tz="Europe/Berlin")
    r = res.records.set_index("lineno")
    assert res.sources["time_errors"][0] == 0
    assert r.loc[2, "timestamp"] == pd.Timestamp("2024-10-27T00:30:00Z")
    assert r.loc[3, "timestamp"] == pd.Timestamp("2024-10-27T01:10:00Z")
    assert r.sort_index()["timestamp"].is_monotonic_increasing


# --- logrus records (k3s, RKE2): a message cut before its closing quote keeps its words -------------------------
@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('time="2024-07-30T22:18:56Z" level=info msg="Slow SQL (started: x) (total time: 2.9s): INSERT INTO kine',
         "Slow SQL (started: x) (total time: 2.9s): INSERT INTO kine"),
        # an escaped quote at the cut stays part of the text
        ('time="2024-07-30T22:18:56Z" level=info msg="open \\"a', 'open "a'),
        # a closed message loses its quotes, the pairs after it are no part of it
        ('time="2024-07-30T22:18:56Z" level=info msg="Kine available at unix://kine.sock" a=b',
         "Kine available at unix://kine.sock"),
        ('time="2024-07-30T22:18:56Z" level=info msg="closed"', "closed"),
    ],
)
def test_logrus_message_cut_before_its_closing_quote(line, message):
    r = rec([line]).iloc[0]
    assert (r["severity"], r["message"]) == ("I", message)


# --- logrus in a terminal (`INFO[...] %-44s` then ` key=value`): k0s wraps klog lines, whose PID padding holds two
# spaces; the message ended there (modelled on k0sproject/k0s#417: https://github.com/k0sproject/k0s/issues/417)
K0S_TTY = ("INFO[2020-12-03 10:00:{s:02d}] I1203 10:00:{s:02d}.100000   21784 log.go:172] http: TLS handshake error "
           "from 10.0.1.{h}:{p}: EOF  component=kube-apiserver")


@pytest.mark.parametrize(
    ("line", "message", "family"),
    [
        (K0S_TTY.format(s=1, h=9, p=51000), "http: TLS handshake error from 10.0.1.9:51000: EOF", "tls_handshake_eof"),
        # no fields: the padding ends the line
        ("INFO[2020-12-03 10:00:02] Kine available at unix://kine.sock          ",
         "Kine available at unix://kine.sock", "other"),
        # fields, one with two spaces in its quoted value
        ('WARN[2020-12-03 10:00:03] a  b                                          component=x stream="a  b"',
         "a  b", "other"),
    ],
)
def test_logrus_terminal_message_ends_before_its_fields(line, message, family):
    r = rec([line]).iloc[0]
    assert (r["message"], r["family"]) == (message, family)

