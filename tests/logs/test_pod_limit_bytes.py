"""IN-5 ``limit_bytes``: the API server stops after that many bytes, "this may not display a complete final line of
logging" (PodLogOptions.limitBytes,
https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#get-read-log-of-the-specified-pod).
A final line cut that way is a line cut short: the source says so (``truncated_lines``, a warning naming
``limit_bytes``) and its record is ``truncated``, instead of a half line counted as a whole record silently.

Served by the recording API server (tests/kubeapi_server.py), which cuts raw bytes as the real one does. Lines
composed in the klog header layout (https://github.com/kubernetes/klog/blob/main/internal/buffer/buffer.go) with
the apiserver's audit-plugin error (HandlePluginError,
https://github.com/kubernetes/apiserver/blob/master/pkg/audit/metrics.go) and Go's TLS handshake message
(https://github.com/golang/go/blob/go1.22.0/src/net/http/server.go); times, PIDs, names and addresses are new.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from kubeapi_server import kubeapi_fixture

from lokonb.logs import analyze

kubeapi = kubeapi_fixture()

NS = "kube-system"
POD = "kube-apiserver-ip-10-0-2-41"
EOF_LINE = "I{md} {hms}.{us:06d}      14 log.go:245] http: TLS handshake error from 10.0.2.{k}:{port}: EOF"
AUDIT = ("E{md} {hms}.{us:06d}      14 metrics.go:89] Error in audit plugin 'buffered' affecting 3 audit events: "
         "failed to send audit events to https://audit-sink.logging.svc:8443/events: dial tcp 10.3.0.88:8443: "
         "connect: connection refused")


def _serve(server, n=6):
    server.add({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": POD, "namespace": NS, "labels": {"k8s-app": "kube-apiserver"}},
        "spec": {"nodeName": "ip-10-0-2-41", "containers": [{"name": "kube-apiserver", "image": "k"}]},
        "status": {"containerStatuses": [{"name": "kube-apiserver", "restartCount": 0, "ready": True,
                                          "image": "k", "imageID": "k"}]},
    })  # fmt: skip
    lines = []
    for i in range(n):
        ts = server.log_base_time + timedelta(seconds=7 * i, microseconds=3170 + i)
        tpl = AUDIT if i == n - 1 else EOF_LINE
        text = tpl.format(md=ts.strftime("%m%d"), hms=ts.strftime("%H:%M:%S"), us=ts.microsecond, k=20 + i,
                          port=47100 + i)  # fmt: skip
        lines.append((ts + timedelta(microseconds=1900), text))
    server.set_pod_log(NS, POD, lines)
    stamp = len("2024-01-01T00:00:00.000000000Z ")
    return [stamp + len(t) + 1 for _, t in lines]  # served bytes per line


def _run(server, tmp_path, limit=None):
    kc = str(server.write_kubeconfig(tmp_path / "kubeconfig"))
    pods = {"kubeconfig": kc, **({"limit_bytes": limit} if limit is not None else {})}
    return analyze([], pods=pods)


def test_limit_bytes_cut_last_line_is_noted_and_truncated(kubeapi, tmp_path):
    sizes = _serve(kubeapi)
    limit = sum(sizes[:-1]) + sizes[-1] // 2  # inside the audit line's message
    res = _run(kubeapi, tmp_path, limit)
    src = res.sources.iloc[0]
    assert src["truncated_lines"] == 1 and src["error"] is None and src["records"] == 6
    assert [w for w in res.meta["warnings"] if "limit_bytes" in w and "cut short" in w]
    rec = res.records
    assert rec["truncated"].tolist() == [False] * 5 + [True]
    assert rec["family"].iloc[-1] == "audit_backend_error"


@pytest.mark.parametrize("whole", [True, False])
def test_limit_bytes_at_a_line_end_cuts_nothing(kubeapi, tmp_path, whole):
    sizes = _serve(kubeapi)
    res = _run(kubeapi, tmp_path, sum(sizes) if whole else sum(sizes[:3]))
    assert res.sources.iloc[0]["truncated_lines"] == 0 and not res.records["truncated"].any()
    assert len(res.records) == (6 if whole else 3)
    assert not [w for w in res.meta["warnings"] if "limit_bytes" in w]


@pytest.mark.parametrize("stamped", [False, True])
def test_cut_at_end_marks_the_last_line_in_every_layout(stamped):
    # a source whose producer cut its last line (Source.cut_at_end), read as plain klog or with the kubelet prefix:
    # its record is truncated, also when that line continues the record (a Trace step, Trace format of
    # https://github.com/kubernetes/utils/blob/master/trace/trace.go)
    import io

    from lokonb.logs.sources import Source

    base = [
        "I0611 04:20:01.118033      14 log.go:245] http: TLS handshake error from 10.0.2.31:47211: EOF",
        "I0611 04:20:03.004518      14 trace.go:236] Trace[5512093]: \"List\" url:/api/v1/secrets,verb:LIST "
        "(11-Jun-2024 04:20:01.802) (total time: 1202ms):",
        'Trace[5512093]: ---"Writing http response done" count:310 1190ms (04:20:03.004)',
        "Trace[5512093]: [1.202204118s] [1.202204118s] END",
    ]
    for last in (3, 1):  # cut inside the Trace's last step (a continuation line), then inside its header line
        lines = base[: last + 1]
        if stamped:
            lines = [f"2024-06-11T04:20:0{2 * i + 1}.00{i}1Z {t}" for i, t in enumerate(lines)]
        data = ("\n".join(lines)[:-9] + "\n").encode()
        src = Source(name="pod/kube-system/a/kube-apiserver", kind="pod", opener=lambda d=data: io.BytesIO(d),
                     cut_at_end="limit_bytes")  # fmt: skip
        res = analyze([src], year=2024)
        assert res.sources.iloc[0]["truncated_lines"] == 1
        assert res.records["truncated"].tolist()[-1] and not res.records["truncated"].iloc[:-1].any()
