"""Real-world kube-apiserver lines from public bug reports: family and verdict as an operator expects.

Each case is one record as posted (verbatim, URL in the comment above it): input text (continuation lines joined
with ``\\n``), format, expected family and expected ``harmless``. A TLS handshake line on its own is never probe
noise (one event cannot be periodic), so those cases expect ``harmless`` False whatever their family.
"""

from __future__ import annotations

import pytest

from lokonb.logs import parse_lines

CASES = [
    # --- Go before 1.8 wrote TLS alerts without the "tls: " prefix -------------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/27931
    ("Jun 22 22:38:16 kubemaster-01 kube-apiserver[5253]: I0622 22:38:16.699924    5253 logs.go:41] http: TLS handshake "
     "error from xx.xx.xx.xx:49486: remote error: bad certificate",
     "syslog", "tls_handshake_bad_cert", False),
    # https://github.com/kubernetes/kubernetes/issues/22822 (header cut in the post)
    ("logs.go:40] http: TLS handshake error from xxxxx:60216: remote error: bad certificate",
     "klog", "tls_handshake_bad_cert", False),
    # https://github.com/kelseyhightower/kubernetes-the-hard-way/issues/654
    ("I0430 00:00:24.205492   31884 log.go:172] http: TLS handshake error from 127.0.0.1:54950: remote error: tls: bad "
     "certificate",
     "klog", "tls_handshake_bad_cert", False),
    # --- older wordings of known families ---------------------------------------------------------------------
    # https://github.com/openshift/origin/issues/11457 (Kubernetes 1.3-1.5 said "unversioned.Status")
    ("E1020 11:42:00.245428   28519 errors.go:63] apiserver received an error that is not an unversioned.Status: http: "
     "request method or response status code does not allow body",
     "klog", "not_metav1_status", False),
    # https://github.com/kubernetes/kubernetes/issues/40997 (the etcd family comes first)
    ("E0214 11:49:52.259197       5 errors.go:63] apiserver received an error that is not an unversioned.Status: client: "
     "etcd cluster is unavailable or misconfigured",
     "klog", "etcd_unavailable", False),
    # https://github.com/openshift/origin/issues/11457 (Go before 1.10: "multiple response.WriteHeader calls")
    ("I1020 11:42:00.245480   28519 logs.go:41] http: multiple response.WriteHeader calls",
     "klog", "superfluous_writeheader", True),
    # --- the timeout filter's deliberate panic is a request timeout, not a handler bug -------------------------
    # https://github.com/kubernetes/kubernetes/issues/97962 (kubernetes PR 95002 stopped logging it)
    ('E0112 10:06:05.718331       1 runtime.go:78] Observed a panic: &errors.errorString{s:"killing connection/stream '
     'because serving request timed out and response had been started"} (killing connection/stream because serving '
     'request timed out and response had been started)',
     "klog", "request_timeout", False),
    # https://github.com/kubernetes/kubernetes/issues/29001 (a real handler panic stays a panic)
    ("E0715 12:14:23.393199    3511 apiserver.go:210] recover from panic situation: - Header called after Handler "
     "finished",
     "klog", "panic", False),
    # --- APIService status conflict between HA apiservers, line cut by journalctl (no "the object has been modified")
    # https://github.com/cybozu-go/neco/issues/1220
    ('Nov 19 02:58:49 rack0-cs19 70c6c60668ab[1379]: E1119 02:58:49.040814       1 available_controller.go:420] '
     'v1beta1.metrics.k8s.io failed with: Operation cannot be fulfilled on apiservices.apiregistration.k8s.io "v1beta1>',
     "syslog", "aggregator_unavailable", True),
    # https://github.com/kubernetes-sigs/metrics-server/issues/1084 (a real outage stays actionable)
    ("E0905 14:48:05.380329       1 available_controller.go:524] v1beta1.metrics.k8s.io failed with: failing or missing "
     "response from https://10.0.1.197:8443/apis/metrics.k8s.io/v1beta1: bad status from "
     "https://10.0.1.197:8443/apis/metrics.k8s.io/v1beta1: 403",
     "klog", "aggregator_unavailable", False),
    # --- etcd client retries: cancelled by the caller or at shutdown, kine without Maintenance: noise -----------
    # https://github.com/kubernetes/kubernetes/issues/134468
    ('{"level":"warn","ts":"2025-10-08T05:54:14.522054Z","logger":"etcd-client","caller":"v3/retry_interceptor.go:65",'
     '"msg":"retrying of unary invoker failed","target":"etcd-endpoints://0xc00785f680/127.0.0.1:2379",'
     '"method":"/etcdserverpb.KV/Range","attempt":11,"error":"rpc error: code = Canceled desc = grpc: the client '
     'connection is closing"}',
     "klog", "etcd_unavailable", True),
    # https://github.com/canonical/microk8s/issues/2846
    ('Jan 17 17:53:04 harambe microk8s.daemon-kubelite[2348286]: {"level":"warn","ts":"2022-01-17T17:53:04.388+0100",'
     '"logger":"etcd-client","caller":"v3/retry_interceptor.go:62","msg":"retrying of unary invoker failed",'
     '"target":"etcd-endpoints://0xc000bdf500/#initially=[unix:///var/snap/microk8s/2848/var/kubernetes/backend/'
     'kine.sock:12379]","attempt":0,"error":"rpc error: code = Unimplemented desc = unknown service '
     'etcdserverpb.Maintenance"}',
     "syslog", "etcd_unavailable", True),
    # https://github.com/rancher/rancher/issues/42505 (a deadline is a real outage)
    ('{"level":"warn","ts":"2023-08-23T05:25:30.459Z","logger":"etcd-client","caller":"v3/retry_interceptor.go:62",'
     '"msg":"retrying of unary invoker failed","target":"etcd-endpoints://0xc0039dbc00/127.0.0.1:2379","attempt":0,'
     '"error":"rpc error: code = DeadlineExceeded desc = context deadline exceeded"}',
     "klog", "etcd_unavailable", False),
    # --- the apiserver exits at start: cobra prints "Error: ..." (no klog header) and its usage text ---------------
    # https://github.com/kinvolk/lokomotive/issues/347
    ("Error: invalid authentication config: open /run/kube-apiserver/token-auth-file: no such file or directory\n"
     "Usage:\n"
     "  kube-apiserver [flags]",
     "klog", "startup_failure", False),
    # https://github.com/kinvolk/lokomotive/issues/347 (the line before it is ordinary start-up)
    ("I0425 12:13:32.553634       1 server.go:153] Version: v1.18.2", "klog", "startup", True),
    # --- "timeout or abort": a client closing a (proxied) watch is noise (kubernetes#130410, PR 131245) -----------
    # https://github.com/openshift/openshift-apiserver/issues/351
    ('E0211 12:59:19.703718      19 wrap.go:54] timeout or abort while handling: method=GET URI="/apis/template.'
     'openshift.io/v1/templateinstances?allowWatchBookmarks=true&resourceVersion=52489&timeout=6m49s&timeoutSeconds=409'
     '&watch=true" audit-ID="b0a35b5f-17f7-44b4-bfa2-ff17525f9872"',
     "klog", "request_timeout", True),
    # https://github.com/projectcalico/calico/issues/7791
    ('E0407 10:32:19.006721       1 wrap.go:53] "Timeout or abort while handling" logger="UnhandledError" method="GET" '
     'URI="/apis/projectcalico.org/v3/profiles?resourceVersion=6226%2F6226&watch=true" '
     'auditID="d91ea927-9dd9-44b8-a5fd-c2f9f4fa6beb"',
     "klog", "request_timeout", True),
    # https://github.com/prometheus-operator/runbooks/issues/36 (severity letter cut in the post; a LIST stays actionable)
    ('19:06:45.153567 1 wrap.go:54] timeout or abort while handling: method=GET URI="/api/v1/pods?fieldSelector='
     'spec.nodeName%3D<hostname>&limit=500&resourceVersion=0" audit-ID="0b71fe10-7ade-4a2d-a42e-d279ba403f84"',
     "klog", "request_timeout", False),
    # https://github.com/fluent/fluent-bit/issues/10888 (post-timeout activity stays actionable)
    ('E0917 12:29:20.820679       1 timeout.go:140] "Post-timeout activity" logger="UnhandledError" '
     'timeElapsed="12.278µs" method="GET" path="/api/v1/namespaces/storage/pods/nextcloud-shca-6dd65d5ff5-pxbh6" '
     'result=null',
     "klog", "request_timeout", False),
]


@pytest.mark.parametrize(("text", "fmt", "family", "harmless"), CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_realworld_line(text, fmt, family, harmless):
    rec = parse_lines(text.split("\n"), format=fmt, year=2024).records
    assert len(rec) == 1, rec[["family", "message"]]
    r = rec.iloc[0]
    assert (r["family"], bool(r["harmless"])) == (family, harmless), (r["why"], text[:120])
