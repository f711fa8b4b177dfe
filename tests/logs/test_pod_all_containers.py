"""IN-5 ``all_containers=True`` reads what ``kubectl logs --all-containers`` reads: the init containers, then the
containers, then the ephemeral containers of each pod (kubectl's logsForObjectWithClient,
https://github.com/kubernetes/kubernetes/blob/master/staging/src/k8s.io/kubectl/pkg/polymorphichelpers/logsforobject.go),
each its own source named after the container; ``previous`` looks up the restart count in the status list of the
container's kind (an init sidecar restarts too).

Served by the recording API server (tests/kubeapi_server.py), which accepts init and ephemeral container names as
the real one does (podHasContainerWithName,
https://github.com/kubernetes/kubernetes/blob/master/pkg/registry/core/pod/strategy.go). Lines composed in the
klog header layout (https://github.com/kubernetes/klog/blob/main/internal/buffer/buffer.go); names, times and
addresses are new.
"""

from __future__ import annotations

from datetime import timedelta

from kubeapi_server import kubeapi_fixture

from lokonb.kube.podlogs import fetch_pod_sources
from lokonb.logs import analyze

kubeapi = kubeapi_fixture()

NS = "kube-system"
POD = "kube-apiserver-ip-10-0-6-12"
KLOG = "I{md} {hms}.{us:06d}      {pid} {where}] {msg}"


def _status(name, restarts=0):
    return {"name": name, "restartCount": restarts, "ready": True, "image": "k", "imageID": "k"}


def _serve(server, init_restarts=0):
    server.add({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": POD, "namespace": NS, "labels": {"k8s-app": "kube-apiserver"}},
        "spec": {
            "nodeName": "ip-10-0-6-12",
            "initContainers": [{"name": "etcd-wait", "image": "busybox"}, {"name": "certs-sync", "image": "k"}],
            "containers": [{"name": "kube-apiserver", "image": "k"}],
            "ephemeralContainers": [{"name": "debugger-x7k2p", "image": "busybox"}],
        },
        "status": {
            "initContainerStatuses": [_status("etcd-wait"), _status("certs-sync", init_restarts)],
            "containerStatuses": [_status("kube-apiserver")],
            "ephemeralContainerStatuses": [_status("debugger-x7k2p")],
        },
    })  # fmt: skip
    t0 = server.log_base_time
    texts = {
        "etcd-wait": ("waiting.go:41", "etcd endpoint https://10.0.6.12:2379 is up"),
        "certs-sync": ("sync.go:88", "serving certificate /etc/kubernetes/pki/apiserver.crt in place"),
        "kube-apiserver": ("log.go:245", "http: TLS handshake error from 10.0.6.77:39012: EOF"),
        "debugger-x7k2p": ("shell.go:12", "debug session opened"),
    }
    for k, (cont, (where, msg)) in enumerate(texts.items()):
        ts = t0 + timedelta(seconds=11 * k, microseconds=870 + k)
        line = KLOG.format(md=ts.strftime("%m%d"), hms=ts.strftime("%H:%M:%S"), us=ts.microsecond, pid=7 + k,
                           where=where, msg=msg)  # fmt: skip
        server.set_pod_log(NS, POD, [(ts + timedelta(microseconds=2300), line)], container=cont)
    server.set_pod_log(NS, POD, [(t0, KLOG.format(md=t0.strftime("%m%d"), hms=t0.strftime("%H:%M:%S"), us=4,
                                                  pid=6, where="sync.go:61", msg="first sync attempt failed"))],
                       container="certs-sync", previous=True)  # fmt: skip


def test_all_containers_reads_init_and_ephemeral_containers(kubeapi, tmp_path):
    _serve(kubeapi)
    kc = str(kubeapi.write_kubeconfig(tmp_path / "kubeconfig"))
    order = ["etcd-wait", "certs-sync", "kube-apiserver", "debugger-x7k2p"]
    srcs = fetch_pod_sources({"kubeconfig": kc, "all_containers": True})
    assert [s.container for s in srcs] == order
    assert [s.name for s in srcs] == [f"pod/{NS}/{POD}/{c}" for c in order]
    assert all(s.error is None for s in srcs)
    res = analyze([], pods={"kubeconfig": kc, "all_containers": True})
    by = res.records.set_index("container")["message"]
    assert by["etcd-wait"].startswith("etcd endpoint https://10.0.6.12:2379")
    assert by["debugger-x7k2p"] == "debug session opened"
    assert [s.container for s in fetch_pod_sources({"kubeconfig": kc})] == ["kube-apiserver"]  # default unchanged


def test_previous_of_a_restarted_init_container(kubeapi, tmp_path):
    _serve(kubeapi, init_restarts=2)
    kc = str(kubeapi.write_kubeconfig(tmp_path / "kubeconfig"))
    srcs = fetch_pod_sources({"kubeconfig": kc, "all_containers": True, "previous": True})
    prev = [s for s in srcs if s.instance == "previous"]
    assert [s.name for s in prev] == [f"pod/{NS}/{POD}/certs-sync#previous"]
    with prev[0].opener() as fh:
        assert fh.read().rstrip().endswith(b"first sync attempt failed")
