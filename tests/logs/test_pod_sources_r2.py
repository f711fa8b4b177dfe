"""IN-5 live pods, audit round 2: kube-apiserver logs read through ``GET /api/v1/namespaces/{ns}/pods/{name}/log``
against the recording API server (tests/kubeapi_server.py), compared with the same bytes read from a file.

The log lines are composed (logs.md §10), modelled on the klog header layout
(https://github.com/kubernetes/klog/blob/main/internal/buffer/buffer.go), the apiserver's TLS handshake message
(https://github.com/kubernetes/kubernetes/issues/70411), the webhook fail-open and trace templates
(https://github.com/kubernetes/apiserver/blob/master/pkg/admission/plugin/webhook/validating/dispatcher.go,
https://github.com/kubernetes/utils/blob/master/trace/trace.go) and the kubelet's RFC3339Nano ``timestamps=true`` prefix
(https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#get-read-log-of-the-specified-pod).
Times, PIDs, names and addresses are new; addresses are private or TEST-NET.
"""

from __future__ import annotations

import json
import os
import stat
import time
import tracemalloc
from datetime import timedelta

import pytest
from kubeapi_server import KubeApiServer, kubeapi_fixture

from lokonb.cli import main
from lokonb.errors import ConfigError
from lokonb.kube.errors import KubeApiError, KubeconfigError
from lokonb.kube.podlogs import PodQuery, fetch_pod_sources
from lokonb.logs import analyze
from lokonb.logs.errors import LogSourceError

kubeapi = kubeapi_fixture()

NS = "kube-system"
KUBEADM = {"component": "kube-apiserver", "tier": "control-plane"}  # kubeadm static pod labels
BOOTKUBE = {"k8s-app": "kube-apiserver"}  # Lokomotive / bootkube DaemonSet pods
PODS = "/api/v1/namespaces/kube-system/pods"
LOG = PODS + "/{}/log"

TLS = ("I{md} {hms}.{us:06d}      12 log.go:245] http: TLS handshake error from 10.0.{k}.17:{port}: EOF")
WEBHOOK = ('W{md} {hms}.{us:06d}      12 dispatcher.go:205] Failed calling webhook, failing open '
           'policy.example.test: failed calling webhook "policy.example.test": failed to call webhook: Post '
           '"https://policy-svc.policy.svc:443/validate?timeout=10s": context deadline exceeded')
TRACE = ('I{md} {hms}.{us:06d}      12 trace.go:236] Trace[771204815]: "List" accept:application/json,'
         'client:10.0.4.9,protocol:HTTP/2.0,resource:pods,scope:cluster,url:/api/v1/pods,verb:LIST (total time: '
         '1710ms):')
TRACE_CONT = 'Trace[771204815]: ---"Writing http response done" count:5012 1702ms ({hms}.{us:06d})'


def _pod(name, labels=None, node="ip-10-0-1-5", containers=("kube-apiserver",), restarts=0, init=(), ns=NS):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": dict(labels or KUBEADM)},
        "spec": {
            "nodeName": node,
            "containers": [{"name": c, "image": "registry.k8s.io/kube-apiserver:v1.30.4"} for c in containers],
            **({"initContainers": [{"name": c, "image": "busybox"} for c in init]} if init else {}),
        },
        "status": {
            "containerStatuses": [
                {"name": c, "restartCount": restarts, "ready": True, "image": "k", "imageID": "k"} for c in containers
            ]
        },
    }


def _lines(server, n, template=TLS, start_s=0, step_s=10, k=3):
    """(kubelet time, klog line) pairs: the outer time 2-4 ms after the klog time, as the runtime stamps it."""
    out = []
    for i in range(n):
        ts = server.log_base_time + timedelta(seconds=start_s + step_s * i, microseconds=4021 + i)
        line = template.format(md=ts.strftime("%m%d"), hms=ts.strftime("%H:%M:%S"), us=ts.microsecond,
                               port=51000 + i, k=k)
        out.append((ts + timedelta(microseconds=2600), line))
    return out


def _three(server, labels=None, n=20):
    for i in range(3):
        name = f"kube-apiserver-ip-10-0-{i}-5"
        server.add(_pod(name, labels, node=f"ip-10-0-{i}-5"))
        server.set_pod_log(NS, name, _lines(server, n, k=i))
    server.add(_pod("kube-scheduler-ip-10-0-0-5", labels))  # same labels, filtered by the name prefix
    return [f"kube-apiserver-ip-10-0-{i}-5" for i in range(3)]


def _kc(server, tmp_path, **kw):
    return str(server.write_kubeconfig(tmp_path / "kubeconfig", **kw))


def _text(src):
    with src.opener() as fh:
        return fh.read()


# ---------------------------------------------------------------------------------------------------- selection


def test_kubeadm_labels_found_by_the_fallback_selector(kubeapi, tmp_path):
    names = _three(kubeapi)
    srcs = fetch_pod_sources(PodQuery(kubeconfig=_kc(kubeapi, tmp_path)))
    assert [s.pod for s in srcs] == names and [s.node for s in srcs] == [f"ip-10-0-{i}-5" for i in range(3)]
    sels = [r.query["labelSelector"] for r in kubeapi.requests_matching("GET", PODS) if "labelSelector" in r.query]
    assert sels == [["k8s-app=kube-apiserver"], ["component=kube-apiserver"]]


def test_explicit_selector_sent_verbatim_once(kubeapi, tmp_path):
    _three(kubeapi)
    srcs = fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path),
                              "selector": "component=kube-apiserver,tier=control-plane"})
    assert len(srcs) == 3
    sels = [r.query["labelSelector"] for r in kubeapi.requests_matching("GET", PODS) if "labelSelector" in r.query]
    assert sels == [["component=kube-apiserver,tier=control-plane"]]


def test_bootkube_label_wins_without_second_list(kubeapi, tmp_path):
    _three(kubeapi, labels=BOOTKUBE)
    assert len(fetch_pod_sources(PodQuery(kubeconfig=_kc(kubeapi, tmp_path)))) == 3
    lists = [r for r in kubeapi.requests_matching("GET", PODS) if "labelSelector" in r.query]
    assert len(lists) == 1


def test_explicit_names_no_list_and_no_prefix_filter(kubeapi, tmp_path):
    _three(kubeapi)
    kubeapi.set_pod_log(NS, "kube-scheduler-ip-10-0-0-5", _lines(kubeapi, 2))
    srcs = fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "names": "kube-scheduler-ip-10-0-0-5"})
    assert [s.name for s in srcs] == ["pod/kube-system/kube-scheduler-ip-10-0-0-5/kube-apiserver"]
    assert not [r for r in kubeapi.requests_matching("GET", PODS) if r.path.endswith("/pods")]


def test_duplicate_names_read_once(kubeapi, tmp_path):
    names = _three(kubeapi)
    res = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path), "names": [names[0], names[0], " " + names[0]]})
    assert len(res.records) == 20 and list(res.sources["source"]) == [f"pod/kube-system/{names[0]}/kube-apiserver"]
    assert len(kubeapi.requests_matching("GET", LOG.format(names[0]))) == 1


def test_one_named_pod_missing_others_continue(kubeapi, tmp_path):
    names = _three(kubeapi)
    res = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path), "names": [names[0], "kube-apiserver-gone"]})
    assert len(res.records) == 20
    assert any("kube-apiserver-gone" in w and "not found" in w for w in res.meta["warnings"])


@pytest.mark.parametrize("pods", [{"names": ["kube-apiserver-gone"]}, {"selector": "app=nothing"}, {}])
def test_no_pod_to_read_says_why(kubeapi, tmp_path, pods):
    kubeapi.add(_pod("etcd-ip-10-0-0-5"))
    with pytest.raises(LogSourceError) as err:
        analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path), **pods})
    text = str(err.value)
    assert "no kube-apiserver pod" in text
    why = ("kube-apiserver-gone", "not found") if pods.get("names") else ("no kube-apiserver pods found",)
    assert all(w in text for w in why)
    assert err.value.exit_code == 5


def test_no_pod_but_a_file_still_analysed(kubeapi, tmp_path):
    f = tmp_path / "kube-apiserver.log"
    f.write_text("".join(line + "\n" for _, line in _lines(kubeapi, 4)))
    res = analyze([str(f)], pods={"kubeconfig": _kc(kubeapi, tmp_path)}, year=2026)
    assert len(res.records) == 4 and any("no kube-apiserver pods found" in w for w in res.meta["warnings"])


def test_bad_selector_names_the_api_message(kubeapi, tmp_path):
    with pytest.raises(ConfigError, match="unable to parse requirement"):
        fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "selector": "component in (kube-apiserver"})


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("names", [7], "list of pod names"),
        ("names", [""], "list of pod names"),
        ("names", 5, "list of pod names"),
        ("previous", "false", "true or false"),
        ("all_containers", "yes", "true or false"),
        ("tail_lines", -1, "integer >= 0"),
        ("limit_bytes", 0, "integer >= 1"),
        ("limit_bytes", "64k", "integer >= 1"),
        ("concurrency", 0, "integer >= 1"),
        ("concurrency", "four", "integer >= 1"),
        ("tail_lines", True, "integer >= 0"),
    ],
)
def test_bad_query_values_named_before_any_request(kubeapi, tmp_path, key, value, allowed):
    with pytest.raises(ConfigError) as err:
        fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), key: value})
    assert str(err.value).startswith(f"pods.{key}:") and allowed in str(err.value)
    assert not kubeapi.requests_matching("GET", "/api/v1/namespaces/kube-system/pods")


def test_server_rejects_invalid_log_options_as_the_real_apiserver(kubeapi, tmp_path):
    # the fixture must answer what LogREST.Get answers: 422 Invalid naming the pod, before looking it up
    from kubernetes import client as k8s
    from kubernetes.client.exceptions import ApiException

    from lokonb.kube.client import load_api_client

    core = k8s.CoreV1Api(load_api_client(_kc(kubeapi, tmp_path)))
    for kwargs, field in (({"tail_lines": -1}, "tailLines"), ({"limit_bytes": 0}, "limitBytes"),
                          ({"since_seconds": 0}, "sinceSeconds")):
        with pytest.raises(ApiException) as err:
            core.read_namespaced_pod_log("kube-apiserver-none", NS, **kwargs)
        body = json.loads(err.value.body)
        assert err.value.status == 422 and body["reason"] == "Invalid"
        assert body["message"].startswith(f'PodLogOptions "kube-apiserver-none" is invalid: {field}: Invalid value: ')


# ---------------------------------------------------------------------------------------------------- containers


def test_multi_container_default_and_all(kubeapi, tmp_path):
    kubeapi.add(_pod("kube-apiserver-old", BOOTKUBE, containers=("haproxy", "kube-apiserver")))
    kubeapi.set_pod_log(NS, "kube-apiserver-old", _lines(kubeapi, 3), container="kube-apiserver")
    kubeapi.set_pod_log(NS, "kube-apiserver-old", [(kubeapi.log_base_time, "[NOTICE] haproxy started")],
                        container="haproxy")
    kc = _kc(kubeapi, tmp_path)
    assert [s.container for s in fetch_pod_sources({"kubeconfig": kc})] == ["kube-apiserver"]
    assert kubeapi.requests_matching("GET", LOG.format("kube-apiserver-old"))[0].query["container"] == [
        "kube-apiserver"]
    both = fetch_pod_sources({"kubeconfig": kc, "all_containers": True})
    assert [s.container for s in both] == ["haproxy", "kube-apiserver"]
    assert _text(both[0]).endswith(b" [NOTICE] haproxy started\n")


def test_only_container_under_another_name(kubeapi, tmp_path):
    kubeapi.add(_pod("kube-apiserver-x", containers=("apiserver",)))
    kubeapi.set_pod_log(NS, "kube-apiserver-x", _lines(kubeapi, 2))
    assert [s.name for s in fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path)})] == [
        "pod/kube-system/kube-apiserver-x/apiserver"]


def test_unknown_container_is_a_per_source_error(kubeapi, tmp_path):
    _three(kubeapi)
    srcs = fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "container": "haproxy"})
    assert all("haproxy is not valid for pod" in s.error for s in srcs)


def test_init_containers_not_read_by_default(kubeapi, tmp_path):
    kubeapi.add(_pod("kube-apiserver-i", init=("wait-for-etcd",)))
    kubeapi.set_pod_log(NS, "kube-apiserver-i", _lines(kubeapi, 2))
    assert [s.container for s in fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path)})] == ["kube-apiserver"]


# ---------------------------------------------------------------------------------------------------- previous


def test_crash_looped_previous_read_and_tagged(kubeapi, tmp_path):
    kubeapi.add(_pod("kube-apiserver-c", restarts=4))
    kubeapi.set_pod_log(NS, "kube-apiserver-c", _lines(kubeapi, 5, start_s=600))
    kubeapi.set_pod_log(NS, "kube-apiserver-c", _lines(kubeapi, 3, template=WEBHOOK), previous=True)
    res = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path), "previous": True})
    prev = res.records[res.records["instance"] == "previous"]
    assert len(prev) == 3 and set(prev["source"]) == {"pod/kube-system/kube-apiserver-c/kube-apiserver#previous"}
    q = [r.query for r in kubeapi.requests_matching("GET", LOG.format("kube-apiserver-c"))]
    assert sorted(x.get("previous", ["false"])[0] for x in q) == ["false", "true"]


def test_previous_missing_is_a_note(kubeapi, tmp_path):
    kubeapi.add(_pod("kube-apiserver-c", restarts=1))
    kubeapi.set_pod_log(NS, "kube-apiserver-c", _lines(kubeapi, 2))
    srcs = fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "previous": True})
    prev = srcs[1]
    assert prev.error is None and prev.notes == ["no previous container log (not an error)"]
    rec = kubeapi.requests_matching("GET", LOG.format("kube-apiserver-c"))
    assert sorted(r.status for r in rec) == [200, 400]


def test_no_restart_no_previous_request(kubeapi, tmp_path):
    _three(kubeapi)
    fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "previous": True})
    assert not [r for r in kubeapi.requests_matching("GET") if r.query.get("previous")]


# ---------------------------------------------------------------------------------------------------- times


def test_timestamps_prefix_gives_outer_time_and_year(kubeapi, tmp_path):
    _three(kubeapi, n=5)
    res = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path)})
    rec = res.records
    assert all(r.query["timestamps"] == ["true"] for r in kubeapi.requests_matching("GET") if r.path.endswith("/log"))
    assert set(res.sources["year_source"]) == {"outer"}
    lag = (rec["ts_outer"] - rec["timestamp"]).dt.total_seconds()
    assert lag.between(0.0025, 0.0027).all()
    assert rec["ts_outer"].min() == kubeapi.log_base_time + timedelta(microseconds=4021 + 2600)


def test_since_rounded_up_and_exact(kubeapi, tmp_path):
    _three(kubeapi, n=30)
    since = kubeapi.log_base_time + timedelta(seconds=95)
    res = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path)}, since=since.isoformat())
    secs = int(kubeapi.requests_matching("GET", LOG.format("kube-apiserver-ip-10-0-0-5"))[0].query["sinceSeconds"][0])
    assert kubeapi.now - timedelta(seconds=secs) <= since
    assert len(res.records) == 3 * 20 and (res.records["timestamp"] >= since).all()


def test_until_client_side_only(kubeapi, tmp_path):
    _three(kubeapi, n=30)
    until = kubeapi.log_base_time + timedelta(seconds=100)
    res = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path), "until": until.isoformat()})
    assert len(res.records) == 3 * 10
    assert not [r for r in kubeapi.requests_matching("GET") if "until" in str(r.query) or "sinceTime" in r.query]


def test_tail_and_limit_passed_through(kubeapi, tmp_path):
    _three(kubeapi)
    srcs = fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "tail_lines": 4, "limit_bytes": 100000})
    q = kubeapi.requests_matching("GET", LOG.format("kube-apiserver-ip-10-0-0-5"))[0].query
    assert q["tailLines"] == ["4"] and q["limitBytes"] == ["100000"]
    assert _text(srcs[0]).count(b"\n") == 4


def test_limit_bytes_cut_inside_a_line_keeps_earlier_lines(kubeapi, tmp_path):
    _three(kubeapi)
    full = _text(fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "names": ["kube-apiserver-ip-10-0-0-5"]})[0])
    cut = len(full.split(b"\n")[0]) * 2 + 40
    part = _text(fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "names": ["kube-apiserver-ip-10-0-0-5"],
                                    "limit_bytes": cut})[0])
    assert part == full[:cut] + b"\n"


def test_rotation_mid_read_last_line_without_newline(kubeapi, tmp_path, monkeypatch):
    # the kubelet stops at the end of the file it had open; a line half-written at rotation has no "\n"
    import kubeapi_server

    kubeapi.add(_pod("kube-apiserver-r"))
    kubeapi.set_pod_log(NS, "kube-apiserver-r", _lines(kubeapi, 3))
    real = kubeapi_server._Handler._pod_log

    def torn(self, namespace, name, query):
        code, data, ctype = real(self, namespace, name, query)
        return code, iter([b"".join(data)[:-30]]), ctype

    monkeypatch.setattr(kubeapi_server._Handler, "_pod_log", torn)
    res = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path)})
    assert len(res.records) == 3 and res.sources.loc[0, "error"] is None


# ---------------------------------------------------------------------------------------------------- errors


def test_401_on_logs_per_source(kubeapi, tmp_path):
    _three(kubeapi)
    kubeapi.fail_next(401, path=r".*-ip-10-0-1-5/log$", message="Unauthorized")
    res = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path)})
    err = res.sources.set_index("source")["error"]
    assert err.notna().sum() == 1 and "unauthorized" in err.dropna().iloc[0]
    assert kubeapi.token not in str(res.meta["warnings"]) + str(list(err))


def test_403_rbac_pods_log_missing_names_verb_and_resource(kubeapi, tmp_path):
    _three(kubeapi)
    kubeapi.forbid("get", "pods/log", NS)
    with pytest.raises(LogSourceError) as err:
        analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path)})
    assert "'get pods/log' in kube-system" in str(err.value)
    # the real apiserver's text: NewForbidden names the pod, the authorizer the subresource
    assert ('pods "kube-apiserver-ip-10-0-0-5" is forbidden: User "system:serviceaccount:test:limited" cannot get '
            'resource "pods/log" in API group "" in the namespace "kube-system"') in str(err.value)


def test_403_on_list_names_list_pods(kubeapi, tmp_path):
    kubeapi.forbid("list", "pods", NS)
    with pytest.raises(ConfigError, match="'list pods' in kube-system"):
        fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path)})


def test_404_pod_deleted_between_list_and_log(kubeapi, tmp_path):
    _three(kubeapi)
    kubeapi.fail_next(404, path=r".*-ip-10-0-2-5/log$", message='pods "kube-apiserver-ip-10-0-2-5" not found')
    srcs = fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path)})
    assert [s.error for s in srcs][:2] == [None, None] and srcs[2].error.startswith("not found (pods ")


def test_500_kubelet_unreachable(kubeapi, tmp_path):
    _three(kubeapi)
    msg = ('Get "https://10.0.1.5:10250/containerLogs/kube-system/kube-apiserver-ip-10-0-1-5/kube-apiserver'
           '?timestamps=true": dial tcp 10.0.1.5:10250: connect: connection refused')
    kubeapi.fail_next(500, path=r".*-ip-10-0-1-5/log$", message=msg)
    srcs = fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path)})
    assert srcs[1].error == f"HTTP 500: {msg}" and srcs[0].error is None


def _dead(tmp_path, scheme="http"):
    server = KubeApiServer().start()
    kc = server.write_kubeconfig(tmp_path / "dead-kubeconfig")
    server.stop()
    text = kc.read_text()
    if scheme == "https":
        text = text.replace("http://", "https://")
    kc.write_text(text)
    return str(kc), server


@pytest.mark.parametrize("names", [(), ("kube-apiserver-a",)])
def test_connection_refused_is_a_clear_error(tmp_path, names):
    kc, _ = _dead(tmp_path)
    with pytest.raises(KubeApiError, match="cannot reach the Kubernetes API") as err:
        fetch_pod_sources({"kubeconfig": kc, "names": list(names)})
    assert "Connection refused" in str(err.value)


def test_tls_error_is_a_clear_error(kubeapi, tmp_path):
    kc = tmp_path / "tls"
    kc.write_text(open(_kc(kubeapi, tmp_path)).read().replace("http://", "https://"))
    with pytest.raises(KubeApiError, match="cannot reach the Kubernetes API.*SSL"):
        fetch_pod_sources({"kubeconfig": str(kc)})


def test_non_utf8_bytes_counted_not_fatal(kubeapi, tmp_path):
    kubeapi.add(_pod("kube-apiserver-u"))
    good = _lines(kubeapi, 3)
    bad = (good[1][0], good[1][1].encode() + b" \xff\xfe latin1 caf\xe9")
    kubeapi.set_pod_log(NS, "kube-apiserver-u", [good[0], bad, good[2]])
    res = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path)}, since=(kubeapi.log_base_time).isoformat())
    assert len(res.records) == 3 and res.sources.loc[0, "decode_errors"] >= 1 and res.sources.loc[0, "error"] is None


def _fetch_peak(server, kc, name):
    tracemalloc.start()
    try:
        srcs = fetch_pod_sources({"kubeconfig": kc, "names": [name], "since": server.log_base_time.isoformat()})
        return srcs[0], tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_large_response_streamed_memory_bounded(kubeapi, tmp_path):
    # a 36 MB response stays below its own size in memory (a 256 MiB read buffer for the kubeconfig was the peak)
    kc = _kc(kubeapi, tmp_path)
    kubeapi.add(_pod("kube-apiserver-big"))
    kubeapi.set_pod_log(NS, "kube-apiserver-big", _lines(kubeapi, 300_000, step_s=0.01))
    kubeapi.add(_pod("kube-apiserver-warm"))
    kubeapi.set_pod_log(NS, "kube-apiserver-warm", _lines(kubeapi, 10))
    _fetch_peak(kubeapi, kc, "kube-apiserver-warm")  # first use: imports and client caches, not the stream
    big, peak = _fetch_peak(kubeapi, kc, "kube-apiserver-big")
    size = len(_text(big))
    assert _text(big).count(b"\n") == 300_000 and size > 35 << 20
    assert peak < size + (4 << 20), (peak, size)


def test_very_long_line_is_linear(kubeapi, tmp_path):
    """A 64 MiB line costs about 8 times an 8 MiB one (a quadratic join would cost 64 times); the two are measured
    in the same run, so a busy machine slows both (an absolute bound of 10 s failed under load)."""
    line = _lines(kubeapi, 1)[0]
    seconds = {}
    for mib in (8, 64):
        kubeapi.add(_pod(f"kube-apiserver-long-{mib}"))
        kubeapi.set_pod_log(NS, f"kube-apiserver-long-{mib}", [(line[0], line[1] + " " + "x" * (mib << 20))])
        start = time.perf_counter()
        srcs = fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "names": [f"kube-apiserver-long-{mib}"],
                                  "since": (kubeapi.log_base_time).isoformat()})
        assert len(_text(srcs[0])) > mib << 20
        seconds[mib] = time.perf_counter() - start
    assert seconds[64] < 24 * seconds[8] + 1, seconds


# ---------------------------------------------------------------------------------------------------- kubeconfig


def test_unknown_context_lists_contexts(kubeapi, tmp_path):
    with pytest.raises(KubeconfigError, match="context 'prod' not found; available contexts: kubeapi-test, dev"):
        fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path, extra_contexts=["dev"]), "context": "prod"})


def test_other_context_used(kubeapi, tmp_path):
    _three(kubeapi)
    assert len(fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path, extra_contexts=["dev"]), "context": "dev"})) == 3


def test_context_namespace_does_not_override_kube_system(kubeapi, tmp_path):
    _three(kubeapi)
    assert len(fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path, namespace="default")})) == 3


def test_bad_namespace_named(kubeapi, tmp_path):
    with pytest.raises(ConfigError, match="pods.namespace"):
        fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "namespace": "Kube System"})


def _exec_kubeconfig(kubeapi, tmp_path, script):
    import yaml

    plugin = tmp_path / "cred-plugin"
    plugin.write_text(script)
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    doc = yaml.safe_load(open(_kc(kubeapi, tmp_path)).read())
    doc["users"][0]["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin),
                                        "interactiveMode": "Never"}}
    path = tmp_path / "exec-kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return str(path)


def test_exec_plugin_failing(kubeapi, tmp_path):
    kc = _exec_kubeconfig(kubeapi, tmp_path, "#!/bin/sh\necho 'token expired, run login' >&2\nexit 3\n")
    with pytest.raises(KubeconfigError, match="exec plugin gave no credentials"):
        fetch_pod_sources({"kubeconfig": kc})


def test_exec_plugin_missing(kubeapi, tmp_path):
    kc = _exec_kubeconfig(kubeapi, tmp_path, "")
    os.unlink(tmp_path / "cred-plugin")
    with pytest.raises(KubeconfigError, match="not installed or not executable"):
        fetch_pod_sources({"kubeconfig": kc})


def test_in_cluster_without_service_account(monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(KubeconfigError, match="in-cluster configuration unavailable"):
        fetch_pod_sources({"kubeconfig": "in-cluster"})


def test_in_cluster_chosen_when_no_kubeconfig(monkeypatch, tmp_path):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.3.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    with pytest.raises(KubeconfigError, match="in-cluster configuration unavailable"):
        fetch_pod_sources({})


# ---------------------------------------------------------------------------------------------------- vs a file


def _kinds(server):
    out = []
    for i in range(6):
        out += _lines(server, 1, template=[TLS, WEBHOOK, TRACE][i % 3], start_s=20 * i)
        if i % 3 == 2:  # the trace's continuation line, the same kubelet time plus a little
            ts, _ = out[-1]
            out.append((ts + timedelta(microseconds=90),
                        TRACE_CONT.format(hms=ts.strftime("%H:%M:%S"), us=ts.microsecond)))
    return out


@pytest.mark.parametrize("previous", [False, True])
def test_pod_records_equal_file_records(kubeapi, tmp_path, previous):
    kubeapi.add(_pod("kube-apiserver-f", restarts=1))
    kubeapi.set_pod_log(NS, "kube-apiserver-f", _kinds(kubeapi), previous=previous)
    if previous:
        kubeapi.set_pod_log(NS, "kube-apiserver-f", [])
    pod = analyze([], pods={"kubeconfig": _kc(kubeapi, tmp_path), "previous": previous}, vpc_cidrs=["10.0.0.0/16"])
    src = next(s for s in fetch_pod_sources({"kubeconfig": _kc(kubeapi, tmp_path), "previous": previous})
               if s.instance == ("previous" if previous else "current"))
    f = tmp_path / "kube-apiserver-f.log"
    f.write_bytes(_text(src))
    fil = analyze([str(f)], vpc_cidrs=["10.0.0.0/16"])
    drop = ["source", "node", "pod", "container", "instance"]
    a = pod.records.drop(columns=drop).reset_index(drop=True)
    b = fil.records.drop(columns=drop).reset_index(drop=True)
    assert len(a) == 6 and a.astype(str).equals(b.astype(str))
    assert list(pod.findings["key"]) == list(fil.findings["key"])


# ---------------------------------------------------------------------------------------------------- CLI


def test_cli_pods(kubeapi, tmp_path, capsys):
    _three(kubeapi)
    code = main(["logs", "analyze", "--pods", "--kubeconfig", _kc(kubeapi, tmp_path), "--vpc-cidr", "10.0.0.0/16"])
    out = capsys.readouterr()
    assert code == 0 and "60" in out.out


def test_cli_pods_none_found_exit_5(kubeapi, tmp_path, capsys):
    code = main(["logs", "analyze", "--pods", "--kubeconfig", _kc(kubeapi, tmp_path), "--selector", "app=none"])
    err = capsys.readouterr().err
    assert code == 5 and "no kube-apiserver pods found" in err and "Traceback" not in err
