"""Minimised inputs from fuzzing ``analyze`` (ROB-1, PERF-4): each once crashed or lost lines. Per case: the bytes,
the expected per-record fields, and the counts; every physical line stays accounted for."""

from __future__ import annotations

import pytest

from lokonb.logs import analyze

_H = b"I0101 00:00:00.000000       1 "
# (id, file bytes, {column: value of the only record}, decode_errors)
CASES = [
    # invalid UTF-8 inside a typed field capture: an unchecked binary->string cast made pyarrow fail in to_numpy
    ("uri-invalid-utf8", _H + b"handlers.go:131] GET /\xe2\x82api/v1/pods: (1.2ms) 200 [kubectl/v1.29 10.0.0.1:5555]\n",
     {"family": "http_access", "uri": "/\ufffdapi/v1/pods", "code": 200}, 1),
    ("user-agent-invalid-utf8", _H + b'httplog.go:132] "HTTP" verb="GET" URI="/api" latency="1ms" '
     b'userAgent="kube-controller-manager/v1.29.3 (linux/am\xe2\x82d64)" srcIP="10.0.0.1:5555" resp=200\n',
     {"family": "http_access", "user_agent": "kube-controller-manager/v1.29.3 (linux/am\ufffdd64)"}, 1),
    ("err-surrogate-bytes", b"E0101 00:00:00.000000       1 status.go:71] apiserver received an error that is not "
     b"an metav1.Status: oauth\xed\xa0\x80accesstokens not found\n",
     {"family": "not_metav1_status", "err": "oauth\ufffd\ufffd\ufffdaccesstokens not found"}, 1),
    ("latency-duration-invalid-utf8", _H + b'httplog.go:132] "HTTP" verb="GET" URI="/api" latency="26.8\xed\xa0\x80ms" '
     b'userAgent="kubectl" srcIP="10.0.0.1:5555" resp=200\n',
     {"family": "http_access", "verb": "GET"}, 1),
    ("addr-invalid-utf8", _H + b"log.go:195] http: TLS handshake error from 10.0.0.\xff1:5555: EOF\n",
     {"family": "tls_handshake_eof", "client_addr": "10.0.0.\ufffd1", "client_port": 5555}, 1),
    # a JSON "\ud800" escape is a lone surrogate after json.loads: encoding the log text raised UnicodeEncodeError
    ("docker-json-lone-surrogate", b'{"log":"I0101 00:00:00.000000       1 log.go:195] hello\\ud800 world\\n",'
     b'"stream":"stderr","time":"2025-01-01T00:00:00.1Z"}\n', {"message": "hello\ufffd\ufffd\ufffd world"}, 1),
    ("envelope-json-lone-surrogate", b'{"@timestamp":"2025-01-01T00:00:00.1Z","message":"I0101 00:00:00.000000'
     b'       1 log.go:195] hello\\ud800 world"}\n', {"message": "hello\ufffd\ufffd\ufffd world"}, 1),
    # the same escape in a Go-quoted structured klog message (Go never writes one): U+FFFD, not a lone surrogate
    ("structured-klog-surrogate-escape", b'E0101 00:00:00.000000       1 status.go:71] "Unhandled \\ud800 Error" '
     b'err="x"\n', {"message": "Unhandled \ufffd Error", "err": "x"}, 0),
]


@pytest.mark.parametrize("data,expect,decode_errors", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_fuzz_regression(tmp_path, data, expect, decode_errors):
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(data)
    a = analyze([str(path)], workers=1, records="all", year=2025)
    src = a.sources.iloc[0]
    assert src["error"] is None
    assert len(a.records) == 1
    row = a.records.iloc[0]
    for col, want in expect.items():
        assert row[col] == want, (col, row[col])
    assert int(src["decode_errors"]) == decode_errors
    assert int(a.records["n_lines"].sum()) + int(src["unparsed"]) + int(src["filtered_out"]) == src["lines"]
