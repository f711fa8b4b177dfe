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
    ("Jun 22 22:38:16 kubemaster-01 kube-apiserver[5253]: I0622 22:38:16.699924    5253 logs.go:41] http: TLS "
     "handshake error from xx.xx.xx.xx:49486: remote error: bad certificate",
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
    ("E0214 11:49:52.259197       5 errors.go:63] apiserver received an error that is not an unversioned.Status: "
     "client: etcd cluster is unavailable or misconfigured",
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
     'v1beta1.metrics.k8s.io failed with: Operation cannot be fulfilled on apiservices.apiregistration.k8s.io '
     '"v1beta1>',
     "syslog", "aggregator_unavailable", True),
    # https://github.com/kubernetes-sigs/metrics-server/issues/1084 (a real outage stays actionable)
    ("E0905 14:48:05.380329       1 available_controller.go:524] v1beta1.metrics.k8s.io failed with: failing or "
     "missing response from https://10.0.1.197:8443/apis/metrics.k8s.io/v1beta1: bad status from "
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
    # https://github.com/prometheus-operator/runbooks/issues/36 (severity cut in the post; a LIST stays actionable)
    ('19:06:45.153567 1 wrap.go:54] timeout or abort while handling: method=GET URI="/api/v1/pods?fieldSelector='
     'spec.nodeName%3D<hostname>&limit=500&resourceVersion=0" audit-ID="0b71fe10-7ade-4a2d-a42e-d279ba403f84"',
     "klog", "request_timeout", False),
    # https://github.com/fluent/fluent-bit/issues/10888 (post-timeout activity stays actionable)
    ('E0917 12:29:20.820679       1 timeout.go:140] "Post-timeout activity" logger="UnhandledError" '
     'timeElapsed="12.278µs" method="GET" path="/api/v1/namespaces/storage/pods/nextcloud-shca-6dd65d5ff5-pxbh6" '
     'result=null',
     "klog", "request_timeout", False),
    # --- old-style trace: the total is only on the END step line (an 81 s LIST is a slow request) -----------------
    # https://github.com/kubernetes/kubernetes/issues/29001
    ('I0715 12:14:23.387809    3511 trace.go:61] Trace "List /api/v1/namespaces/e2e-tests-density-idftq/pods" '
     '(started 2016-07-15 12:13:01.712298253 +0000 UTC):\n'
     '[102.412µs] [102.412µs] About to List from storage\n'
     '[2.53469971s] [2.534597298s] Listing from storage done\n'
     '[2.954350982s] [419.651272ms] Self-linking done\n'
     '[1m21.675466193s] [1m18.721115211s] Writing http response done (130003 items)\n'
     '[1m21.675467856s] [1.663µs] END',
     "klog", "trace_legacy", False),
    # --- lines the catalogue already classified as expected (regression guard) -------------------------------
    # https://github.com/kubernetes/kubernetes/issues/66528 (single LVS probe: few-events)
    ('Jul 24 08:44:16 vlnx154011001 kube-apiserver: I0724 08:44:16.757261  227350 logs.go:49] http: '
     'TLS handshake error from 10.155.12.3:38170: read tcp 10.154.11.1:6443->10.155.12.3:38170: read: '
     'connection reset by peer',
     "syslog", "tls_handshake_reset", False),
    # https://github.com/kelseyhightower/kubernetes-the-hard-way/issues/141 (few-events)
    ('Mar 30 01:40:08 at4d-lvk8s01.Acme.prod kube-apiserver[10583]: I0330 01:40:08.621437   10583 '
     'logs.go:41] http: TLS handshake error from 10.155.9.138:41533: read tcp '
     '10.155.9.135:6443->10.155.9.138:41533: read: connection reset by peer',
     "syslog", "tls_handshake_reset", False),
    # https://github.com/kubernetes/kubernetes/issues/70411
    ('I0430 09:13:38.188180       1 shared_informer.go:197] Waiting for caches to sync for '
     'cluster_authentication_trust_controller',
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/70411
    ('I0430 09:13:38.188359       1 apiservice_controller.go:94] Starting '
     'APIServiceRegistrationController',
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/70411
    ('I0430 09:13:38.188673       1 controller.go:81] Starting OpenAPI AggregationController',
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/70411 (few-events)
    ('I0430 09:13:38.211990       1 log.go:172] http: TLS handshake error from 192.168.5.30:35814: EOF',
     "klog", "tls_handshake_eof", False),
    # https://github.com/kubernetes/kubernetes/issues/116289
    ('W0306 09:03:23.593207    1202 watcher.go:229] watch chan error: etcdserver: mvcc: required '
     'revision has been compacted',
     "klog", "watch_chan_error", True),
    # https://github.com/kubernetes/kubernetes/issues/47131
    ('E0607 17:45:52.456094   19698 watcher.go:188] watch chan error: etcdserver: mvcc: required '
     'revision has been compacted',
     "klog", "watch_chan_error", True),
    # https://github.com/kubernetes/kubernetes/issues/47131
    ('W0607 17:45:52.457264   19698 reflector.go:323] '
     'k8s.io/kubernetes/vendor/k8s.io/apiserver/pkg/storage/cacher.go:215: watch of *api.Service '
     'ended with: etcdserver: mvcc: required revision has been compacted',
     "klog", "reflector_watch_ended", True),
    # https://github.com/kubernetes/kubernetes/issues/47131
    ('W0607 17:45:53.441577   19698 cacher.go:125] Terminating all watchers from cacher *api.Secret',
     "klog", "cacher", True),
    # https://github.com/kubernetes/kubernetes/issues/47131
    ('W0607 17:45:53.452317   19698 reflector.go:323] '
     'k8s.io/kubernetes/pkg/client/informers/informers_generated/internalversion/factory.go:70: watch '
     'of *api.Secret ended with: too old resource version: 8902015 (8925793)',
     "klog", "reflector_watch_ended", True),
    # https://github.com/projectcalico/calico/issues/3809
    ('I0719 17:40:57.210006       1 endpoint.go:68] ccResolverWrapper: sending new addresses to cc: '
     '[{https://127.0.0.1:2379 0  <nil>}]',
     "klog", "etcd_client_noise", True),
    # https://github.com/projectcalico/calico/issues/3809
    ('I0719 17:40:57.242676       1 client.go:361] parsed scheme: "endpoint"',
     "klog", "etcd_client_noise", True),
    # https://github.com/projectcalico/calico/issues/3809
    ('W0719 17:46:09.471959       1 dispatcher.go:168] Failed calling webhook, failing open '
     'couchbase-operator-admission.default.svc: failed calling webhook '
     '"couchbase-operator-admission.default.svc": Post '
     'https://couchbase-operator-admission.default.svc:443/couchbaseclusters/mutate?timeout=30s: '
     'context deadline exceeded',
     "klog", "webhook_failure", False),
    # https://github.com/projectcalico/calico/issues/3809
    ('E0719 17:46:09.471986       1 dispatcher.go:169] failed calling webhook '
     '"couchbase-operator-admission.default.svc": Post '
     'https://couchbase-operator-admission.default.svc:443/couchbaseclusters/mutate?timeout=30s: '
     'context deadline exceeded',
     "klog", "webhook_failure", False),
    # https://github.com/kubernetes/kubernetes/issues/92411 (header-less as posted)
    ('dispatcher.go:181] Failed calling webhook, failing closed sidecar-injector.istio.io: failed '
     'calling webhook "sidecar-injector.istio.io": Post '
     'https://istiod.istio-system.svc:443/inject?timeout=30s: context deadline exceeded',
     "klog", "webhook_failure", False),
    # https://github.com/rancher/rke2/issues/4910
    ('W1018 20:26:55.990775       1 dispatcher.go:184] Failed calling webhook, failing open '
     'validation.gatekeeper.sh: failed calling webhook "validation.gatekeeper.sh": failed to call '
     'webhook: Post "https://gatekeeper-webhook-service.cattle-gatekeeper-system.svc:443/v1/admit?time'
     'out=3s": context deadline exceeded',
     "klog", "webhook_failure", False),
    # https://github.com/rancher/rke2/issues/4910
    ('E1018 20:26:55.990926       1 dispatcher.go:192] failed calling webhook '
     '"validation.gatekeeper.sh": failed to call webhook: Post '
     '"https://gatekeeper-webhook-service.cattle-gatekeeper-system.svc:443/v1/admit?timeout=3s": '
     'context deadline exceeded',
     "klog", "webhook_failure", False),
    # https://github.com/cert-manager/cert-manager/issues/5180
    ('2022-06-06T06:01:46.817224179Z stderr F E0606 06:01:46.816806       1 '
     'available_controller.go:524] v1alpha1.acme.testing.cert-manager.io failed with: failing or '
     'missing response from https://10.96.2.15:443/apis/acme.testing.cert-manager.io/v1alpha1: Get '
     '"https://10.96.2.15:443/apis/acme.testing.cert-manager.io/v1alpha1": net/http: request canceled '
     'while waiting for connection (Client.Timeout exceeded while awaiting headers)',
     "cri", "aggregator_unavailable", False),
    # https://github.com/cert-manager/cert-manager/issues/5180 (<1s)
    ('2022-06-06T06:01:46.844803134Z stderr F I0606 06:01:46.844316       1 trace.go:205] '
     'Trace[1658207756]: "Delete" url:/apis/kyverno.io/v1alpha1/namespaces/kyverno/reportchangerequest'
     's/rcr-mzrm5,user-agent:kyverno/v0.0.0 (linux/amd64) '
     'kubernetes/$Format,audit-id:799cccba-249c-4b0d-965f-b4762c5c089c,client:10.244.0.16,accept:appli'
     'cation/json,protocol:HTTP/2.0 (06-Jun-2022 06:01:45.914) (total time: '
     '929ms):\n2022-06-06T06:01:46.844828459Z stderr F Trace[1658207756]: ---"Object deleted from '
     'database" 903ms (06:01:46.844)\n2022-06-06T06:01:46.844834815Z stderr F Trace[1658207756]: '
     '[929.726503ms] [929.726503ms] END',
     "cri", "trace", True),
    # https://github.com/kubernetes-sigs/metrics-server/issues/1084
    ('E0905 14:47:55.129404       1 controller.go:116] loading OpenAPI spec for '
     '"v1beta1.metrics.k8s.io" failed with: failed to retrieve openAPI spec, http error: '
     'ResponseCode: 503, Body: service unavailable\n, Header: map[Content-Type:[text/plain; '
     'charset=utf-8] X-Content-Type-Options:[nosniff]]',
     "klog", "openapi_aggregation", False),
    # https://github.com/kubernetes-sigs/metrics-server/issues/1084
    ('I0905 14:47:55.129411       1 controller.go:129] OpenAPI AggregationController: action for item '
     'v1beta1.metrics.k8s.io: Rate Limited Requeue.',
     "klog", "openapi_aggregation", True),
    # https://github.com/kubernetes-sigs/metrics-server/issues/1084
    ('W0905 14:49:48.688002       1 handler_proxy.go:104] no RequestInfo found in the context',
     "klog", "handler_proxy_no_requestinfo", True),
    # https://github.com/prometheus-operator/prometheus-operator/issues/3769
    ('E1231 04:14:30.485337       1 controller.go:114] loading OpenAPI spec for '
     '"v1beta1.metrics.k8s.io" failed with: failed to retrieve openAPI spec, http error: '
     "ResponseCode: 503, Body: Error trying to reach service: 'dial tcp 10.32.81.244:443: i/o "
     "timeout', Header: map[Content-Type:[text/plain; charset=utf-8] X-Content-Type-Options:[nosniff]]",
     "klog", "openapi_aggregation", False),
    # https://github.com/prometheus-operator/prometheus-operator/issues/3769
    ('E1231 04:14:29.511397       1 available_controller.go:419] v1beta1.metrics.k8s.io failed with: '
     'failing or missing response from https://10.32.81.244:443/apis/metrics.k8s.io/v1beta1: Get '
     'https://10.32.81.244:443/apis/metrics.k8s.io/v1beta1: net/http: request canceled while waiting '
     'for connection (Client.Timeout exceeded while awaiting headers)',
     "klog", "aggregator_unavailable", False),
    # https://github.com/rancher/rke2/issues/2393
    ('E0125 18:28:28.626442       1 available_controller.go:508] v1beta1.metrics.k8s.io failed with: '
     'failing or missing response from https://10.43.247.145:443/apis/metrics.k8s.io/v1beta1: Get '
     '"https://10.43.247.145:443/apis/metrics.k8s.io/v1beta1": context deadline exceeded',
     "klog", "aggregator_unavailable", False),
    # https://github.com/rancher/rke2/issues/2393
    ('I0125 18:28:34.631667       1 client.go:360] parsed scheme: "passthrough"',
     "klog", "etcd_client_noise", True),
    # https://github.com/kubernetes-sigs/metrics-server/issues/51
    ('master1 kube-apiserver: E0412 22:18:30.255424    2628 available_controller.go:295] '
     'v1beta1.metrics.k8s.io failed with: Get https://10.233.53.4:443: net/http: request canceled '
     'while waiting for connection (Client.Timeout exceeded while awaiting headers)',
     "klog", "aggregator_unavailable", False),
    # https://github.com/cybozu-go/neco/issues/1220
    ('Nov 19 02:58:58 rack0-cs19 70c6c60668ab[1379]: W1119 02:58:58.328848       1 '
     'handler_proxy.go:102] no RequestInfo found in the context',
     "syslog", "handler_proxy_no_requestinfo", True),
    # https://github.com/cybozu-go/neco/issues/1220 (cacher ListAndWatch error: actionable)
    ('Nov 19 02:55:53 rack0-cs19 70c6c60668ab[1379]: E1119 02:55:53.403560       1 cacher.go:428] '
     'unexpected ListAndWatch error: storage/cacher.go:/acme.cert-manager.io/orders: Failed to list '
     'acme.cert-manager.io/v1beta1, Ki>',
     "syslog", "other", False),
    # https://github.com/kubernetes/kubernetes/issues/135450
    ('E1126 03:38:26.776766       1 authentication.go:75] "Unable to authenticate the request" '
     'err="[invalid bearer token, service account token has expired]"',
     "klog", "authn_failure", False),
    # https://github.com/kubernetes/minikube/issues/11966
    ('E0713 04:31:22.339375       1 authentication.go:65] Unable to authenticate the request due to '
     'an error: x509: certificate has expired or is not yet valid',
     "klog", "authn_failure", False),
    # https://github.com/kubernetes/minikube/issues/11960
    ('E0712 18:20:27.354095       1 authentication.go:63] "Unable to authenticate the request" '
     'err="[x509: certificate has expired or is not yet valid: current time 2021-07-12T18:20:27Z is '
     'after 2021-03-29T22:00:18Z, verifying certificate SN=2, SKID=, AKID= failed: x509: certificate '
     'has expired or is not yet valid: current time 2021-07-12T18:20:27Z is after '
     '2021-03-29T22:00:18Z]"',
     "klog", "authn_failure", False),
    # https://github.com/kubernetes/kubernetes/issues/130410
    ('I0407 13:34:32.754641       1 httplog.go:134] "HTTP" verb="WATCH" '
     'URI="/apis/projectcalico.org/v3/profiles?resourceVersion=28901%2F28901&watch=true" '
     'latency="9.081710917s" userAgent="kubectl/v1.32.3 (linux/amd64) kubernetes/32cc146" '
     'audit-ID="f4c1a7e4-6753-419b-85a9-a8ba30ec9d81" srcIP="192.166.208.12:58557" '
     'apf_pl="global-default" apf_fs="global-default" apf_iseats=1 apf_fseats=0 '
     'apf_additionalLatency="0s" apf_init_latency="551.565µs" apf_execution_time="553.651µs" resp=200',
     "klog", "http_access", True),
    # https://github.com/ray-project/kuberay/pull/1982
    ('I0311 02:35:26.041556       1 httplog.go:131] "HTTP" verb="PUT" '
     'URI="/apis/ray.io/v1/namespaces/default/rayservices/rayservice-sample/status" '
     'latency="10.397049ms" userAgent="kuberay-operator" '
     'audit-ID="8b543d30-4d26-4e0f-96ff-7b2596d0ecb8" srcIP="10.244.0.3:54042" apf_pl="workload-low" '
     'apf_fs="service-accounts" apf_iseats=1 apf_fseats=0 apf_execution_time="8.0205ms" resp=200',
     "klog", "http_access", True),
    # https://github.com/kubernetes/kubernetes/issues/92460
    ('E0624 14:31:52.060269    6964 status.go:71] apiserver received an error that is not an '
     'metav1.Status: &errors.errorString{s:"context canceled"}',
     "klog", "not_metav1_status", True),
    # https://github.com/kubernetes/kubernetes/issues/92460
    ('E0624 15:00:39.416769    6964 upgradeaware.go:343] Error proxying data from client to backend: '
     'read tcp 172.16.18.11:6443->172.16.120.11:41726: read: connection reset by peer',
     "klog", "upgradeaware_proxy_error", True),
    # https://github.com/kubernetes/kubernetes/issues/107491
    ('2022-01-12T21:16:43.834720026+00:00 stderr F W0112 21:16:43.831033       1 clientconn.go:1331] '
     '[core] grpc: addrConn.createTransport failed to connect to {127.0.0.1:2379 127.0.0.1 <nil> 0 '
     '<nil>}. Err: connection error: desc = "transport: Error while dialing dial tcp 127.0.0.1:2379: '
     'connect: connection refused". Reconnecting...',
     "cri", "etcd_grpc_connect", False),
    # https://github.com/kubernetes/minikube/issues/5472
    ('W0926 11:51:48.797670       1 clientconn.go:1120] grpc: addrConn.createTransport failed to '
     'connect to {https://127.0.0.1:2379 0  <nil>}. Err :connection error: desc = "transport: Error '
     'while dialing dial tcp 127.0.0.1:2379: connect: connection refused". Reconnecting...',
     "klog", "etcd_grpc_connect", False),
    # https://github.com/kubernetes/kubeadm/issues/3187
    ('W0424 19:23:58.995723       1 logging.go:55] [core] [Channel #1 SubChannel #2]grpc: '
     'addrConn.createTransport failed to connect to {Addr: "127.0.0.1:2379", ServerName: '
     '"127.0.0.1:2379", }. Err: connection error: desc = "transport: Error while dialing: dial tcp '
     '127.0.0.1:2379: connect: connection refused"',
     "klog", "etcd_grpc_connect", False),
    # https://github.com/kubernetes/kubeadm/issues/3187
    ('I0424 19:23:58.705939       1 options.go:238] external host was not specified, using '
     '192.168.56.11',
     "klog", "startup", True),
    # https://github.com/kubernetes/kubeadm/issues/3187
    ('I0424 19:23:58.716190       1 server.go:147] Version: v1.32.4',
     "klog", "startup", True),
    # https://github.com/kubernetes/kubeadm/issues/3187 (startup line; other/I is harmless)
    ('I0424 19:23:58.716462       1 server.go:149] "Golang settings" GOGC="" GOMAXPROCS="" '
     'GOTRACEBACK=""',
     "klog", "other", True),
    # https://github.com/kubernetes/kubernetes/issues/91375
    ('{"log":"W0523 05:56:42.026354       1 clientconn.go:1120] grpc: addrConn.createTransport failed '
     'to connect to {https://10.5.5.216:2379 0  \\u003cnil\\u003e}. Err :connection error: desc = '
     '\\"transport: Error while dialing dial tcp 10.5.5.216:2379: connect: connection refused\\". '
     'Reconnecting...\\n","stream":"stderr","time":"2020-05-23T05:56:42.026699045Z"}',
     "docker", "etcd_grpc_connect", False),
    # https://github.com/kubernetes/kubernetes/issues/96263
    ('2020-11-05T12:26:40.67544717Z stderr F Flag --insecure-port has been deprecated, This flag will '
     'be removed in a future version.',
     "cri", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/96263
    ('2020-11-05T12:26:40.675524526Z stderr F I1105 12:26:40.675445       1 server.go:625] external '
     'host was not specified, using 10.16.9.11',
     "cri", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/96263
    ('2020-11-05T12:26:40.675799198Z stderr F I1105 12:26:40.675742       1 server.go:163] Version: '
     'v1.19.3',
     "cri", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/96263
    ('2020-11-05T12:26:40.92623614Z stderr F I1105 12:26:40.926134       1 plugins.go:158] Loaded 12 '
     'mutating admission controller(s) successfully in the following order: '
     'NamespaceLifecycle,LimitRanger,ServiceAccount,NodeRestriction,TaintNodesByCondition,Priority,Def'
     'aultTolerationSeconds,DefaultStorageClass,StorageObjectInUseProtection,RuntimeClass,DefaultIngre'
     'ssClass,MutatingAdmissionWebhook.',
     "cri", "startup", True),
    # https://github.com/siderolabs/talos/issues/12267
    ('E1123 13:56:47.130589       1 status.go:71] "Unhandled Error" err="apiserver received an error '
     'that is not an metav1.Status: &errors.errorString{s:\\"http: Handler timeout\\"}: http: Handler '
     'timeout" logger="UnhandledError"',
     "klog", "request_timeout", False),
    # https://github.com/siderolabs/talos/issues/12267
    ('E1123 13:56:47.130957       1 writers.go:123] "Unhandled Error" err="apiserver was unable to '
     'write a JSON response: http: Handler timeout" logger="UnhandledError"',
     "klog", "request_timeout", False),
    # https://github.com/siderolabs/talos/issues/12267
    ('E1123 13:56:47.133921       1 status.go:71] "Unhandled Error" err="apiserver received an error '
     'that is not an metav1.Status: &errors.errorString{s:\\"context canceled\\"}: context canceled" '
     'logger="UnhandledError"',
     "klog", "not_metav1_status", True),
    # https://github.com/rancher/rancher/issues/47568
    ('E1016 11:16:46.908092   24291 status.go:71] "Unhandled Error" err="apiserver received an error '
     'that is not an metav1.Status: &errors.errorString{s:\\"my fake error\\"}: my fake error" '
     'logger="UnhandledError"',
     "klog", "not_metav1_status", False),
    # https://github.com/ovh/terraform-ovh-publiccloud-k8s/issues/67
    ('W0322 15:29:20.053328       1 mastercount.go:135] Resetting endpoints for master service '
     '"kubernetes" to &{{ } {kubernetes  default /api/v1/namespaces/default/endpoints/kubernetes '
     '9d8ecf9a-2d25-11e8-97ea-fa163e03dece 150897 0 2018-03-21 16:33:41 +0000 UTC <nil> <nil> map[] '
     'map[] [] nil [] } [{[{217.182.80.112  <nil> <nil>}] [] [{https 6443 TCP}]}]}',
     "klog", "master_endpoints", False),
    # https://github.com/kubernetes/kops/issues/790
    ('W1102 22:46:05.395980       6 controller.go:351] Resetting endpoints for master service '
     '"kubernetes" to &TypeMeta{Kind:,APIVersion:,}',
     "klog", "master_endpoints", False),
    # https://github.com/kubernetes/kubernetes/issues/78645 (plain HTTP to TLS port; few-events)
    ('I0929 15:51:34.822292       1 log.go:172] http: TLS handshake error from 172.30.8.56:63562: '
     'tls: oversized record received with length 26990',
     "klog", "tls_handshake_other", False),
    # https://github.com/kubernetes/kubernetes/issues/78645
    ('E0929 15:53:05.622796       1 upgradeaware.go:357] Error proxying data from backend to client: '
     'tls: use of closed connection',
     "klog", "upgradeaware_proxy_error", True),
    # https://github.com/kubernetes/kubernetes/issues/98479 (proxy to dead pod; medium)
    ('E0127 13:45:58.408564       1 status.go:71] apiserver received an error that is not an '
     'metav1.Status: &fmt.wrapError{msg:"error trying to reach service: dial tcp 10.253.41.141:80: '
     'connect: connection refused", err:(*net.OpError)(0xc00b58b0e0)}',
     "klog", "not_metav1_status", False),
    # https://github.com/kubernetes/kubernetes/issues/56203
    ('E1122 07:00:18.074165       1 upgradeaware.go:310] Error proxying data from client to backend: '
     'write tcp 192.168.4.113:37886->192.168.4.113:10250: write: broken pipe',
     "klog", "upgradeaware_proxy_error", True),
    # https://github.com/kubernetes/kubernetes/issues/56203 (>=1s)
    ('I1122 07:01:26.278139       1 trace.go:76] Trace[2109732014]: "Get '
     '/api/v1/namespaces/kube-system/pods/kube-dns-545bc4bfd4-jlldd/log" (started: 2017-11-22 '
     '07:01:21.231683912 +0000 UTC) (total time: 5.046418866s):',
     "klog", "trace", False),
    # https://github.com/k3s-io/k3s/issues/10255
    ('May 30 13:22:35 apollo k3s[5130]: E0530 13:22:35.336546    5130 upgradeaware.go:425] Error '
     'proxying data from client to backend: write tcp 192.168.4.2:38966->192.168.4.2:6443: write: '
     'broken pipe',
     "syslog", "upgradeaware_proxy_error", True),
    # https://github.com/kubernetes/kubernetes/issues/12715
    ('Aug 14 08:33:11 k8s-master kube-apiserver[707]: E0814 08:33:11.509218     707 reflector.go:136] '
     'Failed to list *api.ResourceQuota: Get http://127.0.0.1:8080/api/v1/resourcequotas: dial tcp '
     '127.0.0.1:8080: connection refused',
     "syslog", "reflector_list_error", False),
    # https://github.com/kubernetes/kubernetes/pull/95002 (deliberate panic of the timeout filter)
    ('E0921 07:09:22.814963       1 runtime.go:78] Observed a panic: &errors.errorString{s:"killing '
     'connection/stream because serving request timed out and response had been started"} (killing '
     'connection/stream because serving request timed out and response had been started)',
     "klog", "request_timeout", False),
    # https://github.com/rancher/k3os/issues/330
    ('I1219 12:42:04.533386    1843 trace.go:116] Trace[117504244]: "Patch" '
     'url:/api/v1/nodes/ip-10-1-1-189.us-east-2.compute.internal/status (started: 2019-12-19 '
     '12:41:45.828643048 +0000 UTC m=+56065.113766988) (total time: 18.704714555s):',
     "klog", "trace", False),
    # https://github.com/rancher/k3os/issues/330
    ('I1219 12:42:05.968057    1843 trace.go:116] Trace[444167773]: "GuaranteedUpdate etcd3" '
     'type:*coordination.Lease (started: 2019-12-19 12:41:54.198759442 +0000 UTC m=+56073.483883469) '
     '(total time: 11.769262404s):',
     "klog", "trace", False),
    # https://github.com/kubernetes/kubernetes/issues/78158 (few-events)
    ('May 21 11:49:34 master kube-apiserver[1236]: I0521 11:49:34.876306    1236 log.go:172] http: '
     'TLS handshake error from 10.91.32.169:57432: tls: first record does not look like a TLS '
     'handshake',
     "syslog", "tls_handshake_other", False),
    # https://github.com/kubernetes/kubernetes/issues/78158
    ('May 21 11:49:35 master kube-apiserver[1236]: I0521 11:49:35.085722    1236 cache.go:39] Caches '
     'are synced for APIServiceRegistrationController controller',
     "syslog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/10122 (forum wrap joined)
    ('E0619 20:37:50.685032       5 errors.go:62] apiserver received an error that is not an '
     'api.Status: 501: All the given peers are not reachable (failed to propose on members '
     '[http://127.0.0.1:4001] twice [last error: Unexpected HTTP status code]) [0]',
     "klog", "etcd_unavailable", False),
    # https://github.com/kubernetes/kubernetes/issues/10122
    ('I0619 20:37:50.685229       5 handlers.go:135] POST /api/v1/namespaces: (12.228060557s) 500',
     "klog", "http_access", False),
    # https://github.com/kubernetes/kubernetes/issues/40997
    ('I0214 11:49:52.259304       5 handlers.go:162] PATCH '
     '/api/v1/namespaces/nginx-ingress/events/nginx-ingress-3555141209-mih9t.14a1fd5e7c528548: '
     '(544.484µs) 500',
     "klog", "http_access", False),
    # https://github.com/kubernetes/kubernetes/issues/57440
    ('I1229 05:40:39.278483       1 wrap.go:42] POST /api/v1/namespaces/kube-system/events: '
     '(30.00091179s) 504\ngoroutine 3519 [running]:\nk8s.io/kubernetes/vendor/k8s.io/apiserver/pkg/serve'
     'r/httplog.(*respLogger).recordStatus(0xc4235e6b60, 0x1f8)',
     "klog", "http_access", False),
    # https://github.com/kubernetes/kubernetes/issues/85221
    ('I1108 06:04:52.293354       1 httplog.go:90] GET '
     '/apis/coordination.k8s.io/v1/leases?limit=500&resourceVersion=15934785: (36.83185ms) 200 '
     '[kube-controller-manager/v1.18.0 (linux/amd64) kubernetes/62f66ea/shared-informers [::1]:40694]',
     "klog", "http_access", True),
    # https://github.com/kubernetes/kubernetes/issues/33648
    ('Sep 28 10:35:57 gs-k8svm-master docker[10209]: W0928 10:35:57.913191       1 reflector.go:330] '
     '????: watch of *api.Namespace ended with: too old resource version: 117287 (117585)',
     "syslog", "reflector_watch_ended", True),
    # https://github.com/canonical/k8s-snap/issues/1426 (rsyslog high-precision timestamp)
    ('2025-05-08T13:30:29.510256+00:00 juju-4b7750-prod-charm-qa-kubernetes-65 '
     'k8s.kube-apiserver[697]: E0508 13:30:29.510150     697 dispatcher.go:214] "Unhandled Error" '
     'err="failed calling webhook \\"admission.juju.is\\": failed to call webhook: Post '
     '\\"https://modeloperator.model-14867756072-250506190915.svc:17071/k8s/admission/9a96c90f-acb5-461'
     '7-8032-3fde849e128e?timeout=10s\\": service \\"modeloperator\\" not found" logger="UnhandledError"',
     "syslog", "webhook_failure", False),
    # https://github.com/canonical/k8s-snap/issues/1426
    ('2025-05-08T13:30:29.512265+00:00 juju-4b7750-prod-charm-qa-kubernetes-65 '
     'k8s.kube-apiserver[697]: W0508 13:30:29.512201     697 dispatcher.go:210] Failed calling '
     'webhook, failing open admission.juju.is: failed calling webhook "admission.juju.is": failed to '
     'call webhook: Post "https://modeloperator.model-14891414055-250507191416.svc:17071/k8s/admission'
     '/fe960f6f-a827-489a-8cde-021b5c024982?timeout=10s": service "modeloperator" not found',
     "syslog", "webhook_failure", False),
    # https://github.com/kubernetes/kubernetes/issues/3426
    ('Jan 13 14:14:51 dhcp-9-197.nay.redhat.com kube-apiserver[15354]: E0113 14:14:51.002554   15354 '
     'apiserver.go:260] Unable to generate self signed cert: mkdir /var/run/kubernetes: permission '
     'denied',
     "syslog", "other", False),
    # https://github.com/kubernetes/website/issues/1595
    ('Nov 01 02:07:05 kubernetes-1 kube-apiserver[19539]: E1101 02:07:05.258885   19539 '
     'genericapiserver.go:716] Unable to listen for secure (open /var/run/kubernetes/apiserver.crt: '
     'no such file or directory); will try again.',
     "syslog", "other", False),
    # https://github.com/pires/kubernetes-elasticsearch-cluster/issues/24
    ('Nov 17 17:21:11 k8smaster-01 kube-apiserver[1445]: [restful] 2015/11/17 17:21:11 log.go:30: '
     '[restful/swagger] listing is available at https://127.0.0.1:6443/swaggerapi/',
     "syslog", "wrapper", True),
    # https://github.com/pires/kubernetes-elasticsearch-cluster/issues/24
    ('Nov 17 17:21:11 k8smaster-01 kube-apiserver[1445]: I1117 17:21:11.544741    1445 server.go:441] '
     'Serving securely on 127.0.0.1:6443',
     "syslog", "startup", True),
    # https://github.com/pires/kubernetes-elasticsearch-cluster/issues/24
    ('Nov 17 17:21:11 k8smaster-01 kube-apiserver[1445]: I1117 17:21:11.460011    1445 plugins.go:69] '
     'No cloud provider specified.',
     "syslog", "other", True),
    # https://github.com/kubernetes/kubernetes/issues/7441
    ('I0428 15:42:46.748193       1 handlers.go:135] GET /: (79.052µs) 401',
     "klog", "http_access", True),
    # https://github.com/kubernetes/kubernetes/issues/12006
    ('I0730 11:07:56.390998     547 handlers.go:137] GET '
     '/api/v1/proxy/namespaces/kube-system/services/kube-ui/: (30.002822352s) 503',
     "klog", "http_access", False),
    # https://github.com/kubernetes/kubernetes/issues/12006
    ('I0730 11:07:26.363276     547 handlers.go:137] GET /ui/: (56.743µs) 307 [[Mozilla/5.0 (Windows '
     'NT 6.1; WOW64; rv:39.0) Gecko/20100101 Firefox/39.0] 192.168.5.125:59387]',
     "klog", "http_access", True),
    # https://github.com/kubernetes/kubernetes/issues/71287
    ('Nov 21 06:22:50 kube-node1 kube-apiserver: I1121 06:22:50.366906    9851 flags.go:33] FLAG: '
     '--address="127.0.0.1"',
     "syslog", "startup", True),
    # https://github.com/yonyoucloud/install_k8s/issues/24
    ('Nov 07 19:57:17 k8s1 kube-apiserver[5202]: I1107 19:57:17.183249    5202 server.go:146] '
     'Version: v1.13.3-1+e85e6a94bac0e4',
     "syslog", "startup", True),
    # https://github.com/kubernetes/kops/issues/13245
    ('I0209 10:06:51.271846       1 flags.go:59] FLAG: --cors-allowed-origins="[]"',
     "klog", "startup", True),
    # https://github.com/coreos/tectonic-forum/issues/183
    ('W0906 10:35:51.806632       9 controller.go:386] Resetting endpoints for master service '
     '"kubernetes" to &{{ } {kubernetes  default /api/v1/namespaces/default/endpoints/kubernetes '
     '8bd53a59-6808-11e7-807d-000c29adc3ab 69524234 0 2017-07-13 20:19:17.312366819 +0000 UTC <nil> '
     '<nil> map[] map[] [] nil [] } [{[{192.168.1.2  <nil> <nil>}] [] [{https 443 TCP}]}]}',
     "klog", "master_endpoints", False),
    # https://github.com/rancher/rancher/issues/24226
    ('I1125 03:30:02.355236       1 trace.go:81] Trace[810075069]: "List '
     '/apis/apps/v1/namespaces/bzy-dev/replicasets" (started: 2019-11-25 03:29:59.389642087 +0000 UTC '
     'm=+3282814.255507237) (total time: 2.965559309s):\nTrace[810075069]: [2.965556386s] '
     '[2.949981435s] Writing http response done (242 items)',
     "klog", "trace", False),
    # https://github.com/rancher/rancher/issues/24226
    ('I1125 03:26:50.902568       1 controller.go:107] OpenAPI AggregationController: Processing item '
     'v1beta1.metrics.k8s.io',
     "klog", "openapi_aggregation", True),
    # https://github.com/k3s-io/k3s/issues/7198
    ('E0403 16:12:47.424793     911 authentication.go:63] "Unable to authenticate the request" '
     'err="[invalid bearer token, Token has expired.]"',
     "klog", "authn_failure", False),
    # https://github.com/kubernetes/kubernetes/issues/61280 (header redacted in the post)
    ("EXXXX XX:XX:XX.XXXXXX       1 metrics.go:86] Error in audit plugin 'webhook' affecting 1 audit "
     'events: audit webhook queue blocked',
     "klog", "audit_backend_error", False),
    # https://github.com/kubernetes/kubernetes/issues/131052 (wide PID)
    ('Mar 25 09:53:35 ubuntu k8s.kube-apiserver[1210852]: I0325 09:53:35.510487 1210852 '
     'genericapiserver.go:690] [graceful-termination] waiting for shutdown to be initiated',
     "syslog", "shutdown", True),
    # https://github.com/kubernetes/kubernetes/issues/131052
    ('Mar 25 09:53:50 ubuntu k8s.kube-apiserver[1210852]: I0325 09:53:50.838659 1210852 '
     'genericapiserver.go:548] "[graceful-termination] shutdown event" name="ShutdownInitiated"',
     "syslog", "shutdown", True),
    # https://github.com/kubernetes/kubernetes/issues/131052
    ('Mar 25 09:53:50 ubuntu k8s.kube-apiserver[1210852]: I0325 09:53:50.882800 1210852 '
     'genericapiserver.go:656] "[graceful-termination] not going to wait for active watch request(s) '
     'to drain"',
     "syslog", "shutdown", True),
    # https://github.com/patroni/patroni/issues/1767 (header cut; client reset before HTTP/2 preface)
    ('20:34:42.764097 1 log.go:172] http2: server: error reading preface from client x.x.3.180:39190: '
     'read tcp x.x.4.60:443->x.x.3.180:39190: read: connection reset by peer',
     "klog", "other", True),
    # https://github.com/patroni/patroni/issues/1767 (narrow PID padding)
    ('E1116 20:35:19.571559 1 status.go:71] apiserver received an error that is not an metav1.Status: '
     '&errors.errorString{s:"context canceled"}',
     "klog", "not_metav1_status", True),
    # https://github.com/kubernetes/kubernetes/pull/6701
    ('2015-04-10T20:26:37.804776426Z E0410 20:26:37.804526       7 reflector.go:115] Failed to list '
     '*api.Pod: Get http://10.0.0.1:80/api/v1beta1/pods?fields=DesiredState.Host%21%3D&namespace=: '
     'read tcp 10.0.0.1:80: connection reset by peer',
     "kubectl", "reflector_list_error", False),
    # https://github.com/kubernetes/kubernetes/pull/6701 (older wording "ended with error:" (heapster))
    ('2015-04-10T10:42:42.076249991Z E0410 10:42:42.076061       7 reflector.go:149] watch of '
     '*api.Pod ended with error: very short watch',
     "kubectl", "other", False),
    # https://github.com/prometheus-operator/runbooks/issues/36
    ('19:05:52.870196 1 status.go:71] apiserver received an error that is not an metav1.Status: '
     '&errors.errorString{s:"http: Handler timeout"}: http: Handler timeout',
     "klog", "request_timeout", False),
    # https://github.com/prometheus-operator/runbooks/issues/36
    ('19:05:52.883973 1 timeout.go:135] post-timeout activity - time-elapsed: 47.79694ms, GET '
     '"/api/v1/namespaces" result: <nil>',
     "klog", "request_timeout", False),
    # https://github.com/rancher/rancher/issues/24226
    ('E1125 03:30:55.438747       1 status.go:71] apiserver received an error that is not an '
     'metav1.Status: &errors.errorString{s:"context canceled"}',
     "klog", "not_metav1_status", True),
    # https://github.com/poseidon/typhoon/issues/629
    ('I0124 20:49:46.225701       1 log.go:172] http: TLS handshake error from 35.191.1.228:44172: EOF',
     "klog", "tls_handshake_eof", False),
    # https://github.com/k0sproject/k0sctl/issues/829 (k0s logfmt wrapper around the klog lines)
    ('Jan 28 09:45:35 k0s-1 k0s[5557]: time="2025-01-28 09:45:35" level=info msg="W0128 '
     '09:45:35.211098    5704 handler_proxy.go:99] no RequestInfo found in the context" '
     'component=kube-apiserver stream=stderr',
     "syslog", "handler_proxy_no_requestinfo", True),
    # https://github.com/k0sproject/k0sctl/issues/829 ("Unhandled Error" err=< block, Kubernetes >= 1.31; post cut)
    ('Jan 28 09:45:35 k0s-1 k0s[5557]: time="2025-01-28 09:45:35" level=info msg="E0128 '
     '09:45:35.211162    5704 controller.go:146] \\"Unhandled Error\\" err=<" component=kube-apiserver '
     'stream=stderr\nJan 28 09:45:35 k0s-1 k0s[5557]: time="2025-01-28 09:45:35" level=info '
     'msg="\\tError updating APIService \\"v1beta1.metrics.k8s.io\\" with err: failed to download '
     'v1beta1.metrics.k8s.io: failed to retrieve openAPI spec, http error: ResponseCode: 503, Body: '
     'service unavailable" component=kube-apiserver stream=stderr',
     "syslog", "openapi_aggregation", False),
    # https://github.com/dowjones/k8s-webhook/issues/1 (header cut, smart quotes as posted)
    ('dispatcher.go:72] Failed calling webhook, failing closed webhook-service.default.svc: failed '
     'calling admission webhook “webhook-service.default.svc”: Post '
     'https://webhook-service.default.svc:443/mutate?timeout=30s: x509: certificate signed by unknown '
     'authority',
     "klog", "webhook_failure", False),
    # https://github.com/kgateway-dev/kgateway/issues/5672 (dir header)
    ('E1206 18:16:55.771765  250677 validating/dispatcher.go:130] failed calling webhook '
     '"gateway.gloo-system.svc": Post "https://gateway.gloo-system.svc:443/validation?timeout=30s": '
     'x509: certificate signedby unknown authority (possibly because of "crypto/rsa: verification '
     'error" while trying to verify candidate authority certificate "supergloo-webhook-cert-ca")',
     "klog", "webhook_failure", False),
    # https://github.com/istio/istio/issues/10290
    ('W1205 12:05:36.811036   81858 dispatcher.go:72] Failed calling webhook, failing closed '
     'sidecar-injector.istio.io: failed calling webhook "sidecar-injector.istio.io": Post '
     'https://istio-sidecar-injector.istio-system.svc:443/inject?timeout=30s: x509: certificate '
     'signed by unknown authority',
     "klog", "webhook_failure", False),
    # https://github.com/istio/istio/issues/10290
    ('I1205 12:05:36.811499   81858 wrap.go:47] POST /api/v1/namespaces/default/pods: (168.099701ms) '
     '500',
     "klog", "http_access", False),
]


@pytest.mark.parametrize(("text", "fmt", "family", "harmless"), CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_realworld_line(text, fmt, family, harmless):
    rec = parse_lines(text.split("\n"), format=fmt, year=2024).records
    assert len(rec) == 1, rec[["family", "message"]]
    r = rec.iloc[0]
    assert (r["family"], bool(r["harmless"])) == (family, harmless), (r["why"], text[:120])
