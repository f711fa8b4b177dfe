"""IN-5 / A26: live kube-apiserver pod logs through the official client, against the recording test server."""

from __future__ import annotations

from datetime import timedelta

from kubeapi_server import kubeapi_fixture

from lokonb.kube.podlogs import PodQuery, fetch_pod_sources
from lokonb.logs import analyze

kubeapi = kubeapi_fixture()

PROBE = (
    "I{md} {hms}.{us:06d}       1 log.go:195] http: TLS handshake error from 10.0.3.14:{port}: read tcp "
    "10.0.5.21:6443->10.0.3.14:{port}: read: connection reset by peer"
)


def _pod(
    name: str, labels: dict[str, str], node: str, containers=("kube-apiserver",), restarts: int = 0
) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "kube-system", "labels": labels},
        "spec": {"nodeName": node, "containers": [{"name": c, "image": "k8s"} for c in containers]},
        "status": {
            "containerStatuses": [
                {
                    "name": c,
                    "restartCount": restarts,
                    "ready": True,
                    "image": "k8s",
                    "imageID": "x",
                    "restartCount_": 0,
                }
                for c in containers
            ]
        },
    }


def _klog_lines(server, n: int, start_offset_s: int = 0):
    out = []
    for i in range(n):
        ts = server.log_base_time + timedelta(seconds=start_offset_s + 10 * i, microseconds=1234)
        line = PROBE.format(
            md=ts.strftime("%m%d"), hms=ts.strftime("%H:%M:%S"), us=ts.microsecond, port=40000 + i
        )
        out.append((ts + timedelta(milliseconds=3), line))
    return out


def _setup(server, labels=None):
    labels = labels or {"k8s-app": "kube-apiserver"}
    for i, name in enumerate(("kube-apiserver-a", "kube-apiserver-b", "kube-apiserver-c")):
        server.add(_pod(name, labels, f"ip-10-0-{i}-1"))
        server.set_pod_log("kube-system", name, _klog_lines(server, 30))
    server.add(_pod("other-app", labels, "ip-10-0-9-9"))  # filtered out by the name prefix


def test_selector_prefix_and_tagging(kubeapi, tmp_path):
    _setup(kubeapi)
    kc = kubeapi.write_kubeconfig(tmp_path / "kubeconfig")
    sources = fetch_pod_sources(PodQuery(kubeconfig=str(kc)))
    assert [s.name for s in sources] == [f"pod/kube-system/kube-apiserver-{x}/kube-apiserver" for x in "abc"]
    assert [s.node for s in sources] == ["ip-10-0-0-1", "ip-10-0-1-1", "ip-10-0-2-1"]
    logs = kubeapi.requests_matching("GET", "/api/v1/namespaces/kube-system/pods/kube-apiserver-a/log")
    assert (
        logs and logs[0].query["timestamps"] == ["true"] and logs[0].query["container"] == ["kube-apiserver"]
    )
    result = analyze([], pods=PodQuery(kubeconfig=str(kc)), vpc_cidrs=["10.0.0.0/16"])
    rec = result.records
    assert len(rec) == 90
    assert set(rec["node"]) == {"ip-10-0-0-1", "ip-10-0-1-1", "ip-10-0-2-1"}
    assert set(rec["container"]) == {"kube-apiserver"} and set(rec["instance"]) == {"current"}
    assert rec["harmless"].all(), rec[["source", "why"]]
    assert set(result.sources["year_source"]) == {"outer"}
    assert (rec["ts_outer"] - rec["timestamp"]).dt.total_seconds().between(0, 0.01).all()


def test_selector_fallback_to_kubeadm_label(kubeapi, tmp_path):
    _setup(kubeapi, labels={"component": "kube-apiserver"})
    kc = kubeapi.write_kubeconfig(tmp_path / "kubeconfig")
    sources = fetch_pod_sources({"kubeconfig": str(kc)})
    assert len(sources) == 3
    sels = [
        r.query.get("labelSelector")
        for r in kubeapi.requests_matching("GET", "/api/v1/namespaces/kube-system/pods")
        if "labelSelector" in r.query
    ]
    assert sels[:2] == [["k8s-app=kube-apiserver"], ["component=kube-apiserver"]]


def test_403_on_one_pod_others_continue(kubeapi, tmp_path):
    _setup(kubeapi)
    kubeapi.fail_next(
        403,
        method="GET",
        path=r".*/pods/kube-apiserver-b/log",
        reason="Forbidden",
        message='pods "kube-apiserver-b" is forbidden: cannot get resource "pods/log"',
    )
    kc = kubeapi.write_kubeconfig(tmp_path / "kubeconfig")
    result = analyze([], pods={"kubeconfig": str(kc)})
    src = result.sources.set_index("source")
    bad = src.loc["pod/kube-system/kube-apiserver-b/kube-apiserver"]
    assert "get pods/log" in bad["error"] and "kube-system" in bad["error"]
    assert src.loc["pod/kube-system/kube-apiserver-a/kube-apiserver", "records"] == 30
    assert any("kube-apiserver-b" in w for w in result.meta["warnings"])


def test_all_containers_previous_since_until(kubeapi, tmp_path):
    kubeapi.add(
        _pod(
            "kube-apiserver-x",
            {"k8s-app": "kube-apiserver"},
            "n1",
            containers=("kube-apiserver", "haproxy"),
            restarts=1,
        )
    )
    kubeapi.set_pod_log(
        "kube-system", "kube-apiserver-x", _klog_lines(kubeapi, 30), container="kube-apiserver"
    )
    kubeapi.set_pod_log(
        "kube-system", "kube-apiserver-x", _klog_lines(kubeapi, 5), container="kube-apiserver", previous=True
    )
    kubeapi.set_pod_log(
        "kube-system", "kube-apiserver-x", [(kubeapi.log_base_time, "haproxy started")], container="haproxy"
    )
    kc = kubeapi.write_kubeconfig(tmp_path / "kubeconfig")
    since = (kubeapi.log_base_time + timedelta(seconds=100)).isoformat()
    until = (kubeapi.log_base_time + timedelta(seconds=200)).isoformat()
    srcs = fetch_pod_sources(
        PodQuery(kubeconfig=str(kc), all_containers=True, previous=True, since=since, until=until)
    )
    names = sorted(s.name for s in srcs)
    assert names == [
        "pod/kube-system/kube-apiserver-x/haproxy",
        "pod/kube-system/kube-apiserver-x/haproxy#previous",
        "pod/kube-system/kube-apiserver-x/kube-apiserver",
        "pod/kube-system/kube-apiserver-x/kube-apiserver#previous",
    ]
    missing = next(s for s in srcs if s.name.endswith("haproxy#previous"))
    assert missing.error is None and missing.notes == ["no previous container log (not an error)"]
    logq = [
        r.query
        for r in kubeapi.requests_matching("GET", "/api/v1/namespaces/kube-system/pods/kube-apiserver-x/log")
    ]
    assert all("sinceSeconds" in q for q in logq)
    main = next(s for s in srcs if s.name.endswith("/kube-apiserver"))
    with main.opener() as fh:
        lines = fh.read().decode().splitlines()
    # lines at base+0.003+10*i s; kept: 100 <= t < 200  -> i = 10..19
    assert len(lines) == 10
    prev = next(s for s in srcs if s.name.endswith("#previous"))
    assert prev.instance == "previous" and prev.error is None
