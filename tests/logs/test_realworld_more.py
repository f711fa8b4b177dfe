"""Real-world kube-apiserver lines from public bug reports, second round (sources not in test_realworld.py).

Same layout as ``test_realworld.py``: each case is one record as posted (verbatim, URL in the comment above it):
input text (continuation lines joined with ``\\n``), format, expected family and expected ``harmless``. A TLS
handshake line on its own is never probe noise (one event cannot be periodic), so those cases expect ``harmless``
False whatever their family.
"""

from __future__ import annotations

import pytest

from lokonb.logs import parse_lines

CASES = [
    # --- traces: a 5 s etcd LIST is slow, a 0.9 s update is not ------------------------------------------------
    # https://github.com/kubernetes/minikube/issues/5615
    ('I1014 19:24:03.190482       1 trace.go:116] Trace[853053590]: "List etcd3" key:/jobs,resourceVersion:,'
     'limit:500,continue: (started: 2019-10-14 19:23:57.883175042 +0000 UTC m=+313.431015358) (total time: '
     '5.307283142s):\n'
     'Trace[853053590]: [5.307283142s] [5.307283142s] END',
     "klog", "trace", False),
    # https://github.com/kubernetes/minikube/issues/5615
    ('I1014 19:24:03.216203       1 trace.go:116] Trace[2041465023]: "GuaranteedUpdate etcd3" type:*core.Event '
     '(started: 2019-10-14 19:24:02.313218573 +0000 UTC m=+317.861058964) (total time: 902.951234ms):\n'
     'Trace[2041465023]: [876.424902ms] [876.424902ms] initial value restored',
     "klog", "trace", True),
    # --- expired client certificates ---------------------------------------------------------------------------
    # https://github.com/kubernetes/minikube/issues/11965
    ("E0713 03:00:32.357068       1 authentication.go:65] Unable to authenticate the request due to an error: x509: "
     "certificate has expired or is not yet valid",
     "klog", "authn_failure", False),
    # https://github.com/kubernetes/minikube/issues/8945
    ("E0809 16:12:56.848564       1 authentication.go:53] Unable to authenticate the request due to an error: x509: "
     "certificate has expired or is not yet valid",
     "klog", "authn_failure", False),
    # --- handler timeouts written by the response writers (aggregated apiservers share the code) ------------------
    # https://github.com/projectcalico/calico/issues/6140
    ("E0524 06:40:11.402713       1 writers.go:117] apiserver was unable to write a JSON response: http: Handler "
     "timeout",
     "klog", "request_timeout", False),
    # https://github.com/projectcalico/calico/issues/6140
    ("E0524 06:40:11.404470       1 writers.go:130] apiserver was unable to write a fallback JSON response: http: "
     "Handler timeout",
     "klog", "request_timeout", False),
    # https://github.com/projectcalico/calico/issues/6140
    ('E0524 06:40:11.403181       1 status.go:71] apiserver received an error that is not an metav1.Status: '
     '&errors.errorString{s:"http: Handler timeout"}: http: Handler timeout',
     "klog", "request_timeout", False),
    # https://github.com/kubernetes/kubernetes/issues/135169 ("Unhandled Error" wrapping, Kubernetes >= 1.31)
    ('E1106 07:17:13.825967       1 writers.go:136] "Unhandled Error" err="apiserver was unable to write a fallback '
     'JSON response: http: Handler timeout" logger="UnhandledError"',
     "klog", "request_timeout", False),
    # https://github.com/kubernetes/kubernetes/issues/135169
    ('E1106 07:17:13.826706       1 status.go:71] "Unhandled Error" err="apiserver received an error that is not an '
     'metav1.Status: context.deadlineExceededError{}: context deadline exceeded" logger="UnhandledError"',
     "klog", "not_metav1_status", False),
    # https://github.com/kubernetes/kubernetes/issues/135169
    ('E1106 07:17:13.827243       1 timeout.go:140] "Post-timeout activity" logger="UnhandledError" '
     'timeElapsed="5.210298ms" method="GET" path="/api/v1/namespaces/kube-system/pods/kube-apiserver-onp-cex-cex-'
     '0006-master03.laboratorio.local" result=null',
     "klog", "request_timeout", False),
    # --- OpenAPI aggregation: requeues and specless APIServices are chatter, a 503 from the backend is not -------
    # https://github.com/kubernetes/kubernetes/pull/109836 (bug: empty APIService name, harmless loop)
    ('E0505 17:09:58.347623       1 controller.go:113] loading OpenAPI spec for "" failed with: APIService  does not '
     'exist for update',
     "klog", "openapi_aggregation", True),
    # https://github.com/kubernetes-sigs/metrics-server/issues/27
    ("I1208 18:00:48.917023       1 controller.go:105] OpenAPI AggregationController: Processing item "
     "v1beta1.metrics.k8s.io",
     "klog", "openapi_aggregation", True),
    # https://github.com/kubernetes-sigs/metrics-server/issues/27
    ("I1208 18:00:48.918572       1 controller.go:116] OpenAPI AggregationController: action for item "
     "v1beta1.metrics.k8s.io: Requeue.",
     "klog", "openapi_aggregation", True),
    # https://github.com/kubernetes-sigs/metrics-server/issues/27 (HA status race)
    ('E1208 18:00:56.769158       1 available_controller.go:316] v1beta1.metrics.k8s.io failed with: Operation '
     'cannot be fulfilled on apiservices.apiregistration.k8s.io "v1beta1.metrics.k8s.io": the object has been '
     'modified; please apply your changes to the latest version and try again',
     "klog", "aggregator_unavailable", True),
    # https://github.com/kubernetes/kubernetes/issues/56430 (docker logging driver to syslog)
    ("Nov 27 16:37:06 ns3033879.ip-51-255-71.eu docker[27628]: I1127 15:37:06.669483       1 controller.go:105] "
     "OpenAPI AggregationController: Processing item v1beta1.metrics.k8s.io",
     "syslog", "openapi_aggregation", True),
    # https://github.com/kubernetes/kubernetes/issues/56430
    ("Nov 27 16:37:36 kubemaster docker[27628]: E1127 15:37:36.837123       1 controller.go:111] loading OpenAPI "
     "spec for \"v1beta1.metrics.k8s.io\" failed with: failed to retrieve openAPI spec, http error: ResponseCode: "
     "503, Body: Error: 'dial tcp 10.12.185.191:443: i/o timeout'\n"
     "Nov 27 16:37:36 kubemaster docker[27628]: Trying to reach: 'https://10.12.185.191:443/swagger.json', Header: "
     "map[]",
     "syslog", "openapi_aggregation", False),
    # https://github.com/kubernetes/kubernetes/issues/56430
    ("Nov 27 16:37:36 kubemaster docker[27628]: I1127 15:37:36.837147       1 controller.go:119] OpenAPI "
     "AggregationController: action for item v1beta1.metrics.k8s.io: Rate Limited Requeue.",
     "syslog", "openapi_aggregation", True),
    # https://github.com/antrea-io/antrea/issues/323 (an APIService that serves no OpenAPI spec)
    ('E0117 03:41:45.388894       1 controller.go:114] loading OpenAPI spec for '
     '"v1beta1.system.antrea.tanzu.vmware.com" failed with: OpenAPI spec does not exist',
     "klog", "openapi_aggregation", True),
    # --- request log with a logged 503 (the goroutine stack is a continuation) -----------------------------------
    # https://github.com/kubernetes/kubernetes/issues/83332
    ("I0930 13:34:25.172428       1 wrap.go:47] GET /apis/metrics.k8s.io/v1beta1?timeout=32s: (1.196371ms) 503\n"
     "goroutine 81135 [running]:\n"
     "k8s.io/kubernetes/vendor/k8s.io/apiserver/pkg/server/httplog.(*respLogger).recordStatus(0xc001ed17a0, 0x1f7)",
     "klog", "http_access", False),
    # --- watch cache start-up (k0s logfmt wrapper without a syslog prefix) ----------------------------------------
    # https://github.com/k0sproject/k0smotron/issues/857
    ('time="2024-12-19 14:49:25" level=info msg="I1219 14:49:25.821613      46 cacher.go:463] cacher '
     '(resourcequotas): initialized" component=kube-apiserver stream=stderr',
     "klog", "cacher", True),
    # https://github.com/kubernetes/kubernetes/issues/112713 (--add-dir-header)
    ("I0924 15:07:09.575768 2543051 cacher/cacher.go:402] cacher (*apiextensions.CustomResourceDefinition): "
     "initialized",
     "klog", "cacher", True),
    # https://github.com/kubernetes/kubernetes/issues/112713
    ("I0924 15:07:09.575774 2543051 cacher/watch_cache.go:521] Replace watchCache (rev: 1722071173)",
     "klog", "cacher", True),
    # https://github.com/kubernetes/kubernetes/issues/112713
    ('I0924 15:07:09.643413 2543051 transport/controlbuf.go:508] transport: loopyWriter.run returning. connection '
     'error: desc = "transport is closing"',
     "klog", "etcd_client_noise", True),
    # https://github.com/kubernetes/kubernetes/issues/112713
    ("I0924 15:07:09.656421 2543051 registry/storage_factory.go:53] Storage caching is enabled for "
     "*apiextensions.CustomResourceDefinition",
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/112713
    ("I0924 15:07:09.656614 2543051 cache/reflector.go:243] Listing and watching "
     "*apiextensions.CustomResourceDefinition from storage/cacher.go:/apiextensions.k8s.io/customresourcedefinitions",
     "klog", "cacher", True),
    # --- cacher ListAndWatch failures are etcd outages -----------------------------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/14211
    ("E0921 10:48:30.288639       5 cacher.go:147] unexpected ListAndWatch error: pkg/storage/cacher.go:114: Failed to "
     "list *api.Pod: 501: All the given peers are not reachable (failed to propose on members [http://127.0.0.1:4001] "
     "twice [last error: Get http://127.0.0.1:4001/v2/keys/registry/pods?quorum=false&recursive=true&sorted=true: dial "
     "tcp 127.0.0.1:4001: connection refused]) [0]",
     "klog", "etcd_unavailable", False),
    # https://github.com/kubernetes/kubernetes/issues/21129
    ("E0220 00:31:54.276093       6 cacher.go:212] unexpected ListAndWatch error: pkg/storage/cacher.go:160: Failed to "
     "list *api.Endpoints: client: etcd cluster is unavailable or misconfigured",
     "klog", "etcd_unavailable", False),
    # https://github.com/kubernetes/kubernetes/issues/20652
    ("E0204 19:51:26.764065       6 cacher.go:202] unexpected ListAndWatch error: pkg/storage/cacher.go:152: Failed to "
     "list *api.Pod: client: etcd cluster is unavailable or misconfigured",
     "klog", "etcd_unavailable", False),
    # https://github.com/rancher/rancher/issues/5316 (Rancher UI time glued to the klog header)
    ("7/1/2016 2:00:05 PME0701 21:00:05.538584       1 cacher.go:218] unexpected ListAndWatch error: "
     "pkg/storage/cacher.go:161: Failed to list *api.ReplicationController: client: etcd cluster is unavailable or "
     "misconfigured",
     "klog", "etcd_unavailable", False),
    # --- etcd2-era watch window expiry: the informer relists (like a compaction) ---------------------------------
    # https://github.com/kubernetes/kubernetes/issues/9713
    ("E0724 23:44:09.297128       1 reflector.go:183] watch of *api.Namespace ended with: 401: The event in requested "
     "index is outdated and cleared (the requested history has been cleared [10548/10542]) [11547]",
     "klog", "reflector_watch_ended", True),
    # --- the apiserver exits at start (cobra error, F line) --------------------------------------------------------
    # https://github.com/kelseyhightower/kubernetes-the-hard-way/issues/552 (journal cut the message)
    ("Nov 05 22:25:52 k8s-m-1 kube-apiserver[5430]: Error: unknown api groups 'api\n"
     "Nov 05 22:25:52 k8s-m-1 kube-apiserver[5430]: Usage:\n"
     "Nov 05 22:25:52 k8s-m-1 kube-apiserver[5430]: kube-apiserver [flags]",
     "syslog", "startup_failure", False),
    # https://github.com/kubernetes-retired/service-catalog/issues/1172 (an aggregated apiserver; F is fatal)
    ("F0829 23:19:24.357279       1 server.go:128] error running server (cluster doesn't provide "
     "requestheader-client-ca-file)",
     "klog", "other", False),
    # --- systemd unit messages in `journalctl -u kube-apiserver`: a crashing unit is actionable --------------------
    # https://github.com/kubernetes/kubernetes/issues/49838
    ("Jul 30 22:27:34 fedora-1gb-blr1-01.localdomain systemd[1]: kube-apiserver.service: Main process exited, "
     "code=exited, status=1/FAILURE",
     "syslog", "systemd_unit", False),
    # https://github.com/kubernetes/kubernetes/issues/49838
    ("Jul 30 22:27:34 fedora-1gb-blr1-01.localdomain systemd[1]: Failed to start Kubernetes API Server.",
     "syslog", "systemd_unit", False),
    # https://github.com/kubernetes/kubernetes/issues/49838
    ("Jul 30 22:27:34 fedora-1gb-blr1-01.localdomain systemd[1]: kube-apiserver.service: Unit entered failed state.",
     "syslog", "systemd_unit", False),
    # https://github.com/kubernetes/kubernetes/issues/49838
    ("Jul 30 22:27:34 fedora-1gb-blr1-01.localdomain systemd[1]: kube-apiserver.service: Service hold-off time over, "
     "scheduling restart.",
     "syslog", "systemd_unit", False),
    # https://github.com/kubernetes/kubernetes/issues/49838
    ("Jul 30 22:27:34 fedora-1gb-blr1-01.localdomain systemd[1]: Stopped Kubernetes API Server.",
     "syslog", "systemd_unit", True),
    # https://github.com/kubernetes/kubernetes/issues/49838
    ("-- Logs begin at Sun 2017-07-30 15:40:23 UTC. --",
     "syslog", "wrapper", True),
    # https://github.com/kubernetes/kubernetes/issues/8411
    ("May 18 13:40:00 wwserver194.alphalocal.net systemd[1]: kube-apiserver.service: main process exited, "
     "code=exited, status=2/INVALIDARGUMENT",
     "syslog", "systemd_unit", False),
    # https://github.com/kubernetes/kubernetes/issues/8411
    ("May 18 13:40:00 wwserver194.alphalocal.net systemd[1]: kube-apiserver.service failed.",
     "syslog", "systemd_unit", False),
    # https://github.com/kubernetes/kubernetes/issues/8411 (journal cut the line)
    ('May 18 13:39:57 wwserver194.alphalocal.net kube-apiserver[18190]: E0518 13:39:57.882748   18190 '
     'controller.go:92] unable to sync kubernetes service: endpoints "kubernetes" cannot be updated: the resource',
     "syslog", "master_endpoints", False),
    # https://github.com/pires/kubernetes-vagrant-coreos-cluster/issues/43
    ("Mar 18 02:11:28 master systemd[1]: Starting Kubernetes API Server...",
     "syslog", "systemd_unit", True),
    # --- the default/kubernetes endpoints ----------------------------------------------------------------------
    # https://github.com/openshift/origin/issues/6073 (every 10 s: HA masters fighting)
    ("Nov 25 13:42:22 origin-m1.sj.net origin-master[22809]: W1125 13:42:22.417999   22809 controller.go:290] "
     "Resetting endpoints for master service \"kubernetes\" to &{{ } {kubernetes  default  "
     "5755036e-9335-11e5-8555-0050568d51c9 427 0 2015-11-25 13:28:21 +0800 CST <nil> <nil> map[] map[]} "
     "[{[{193.0.10.170 <nil>}] [] [{dns-tcp 53 TCP} {dns 53 UDP} {https 8443 TCP}]}]}",
     "syslog", "master_endpoints", False),
    # https://github.com/kubermatic/kubermatic/issues/9039 (the old lease is already gone: nothing to remove)
    ("E0217 09:06:22.295548       1 controller.go:152] Unable to remove old endpoints from kubernetes service: "
     "StorageError: key not found, Code: 1, Key: /registry/masterleases/54.194.246.235, ResourceVersion: 0, "
     "AdditionalErrorMsg: ",
     "klog", "master_endpoints", True),
    # https://github.com/kubernetes/kubernetes/issues/107953 (logged at every start or stop; nothing went wrong)
    ("E0204 17:57:57.129603  839341 controller.go:201] Unable to remove endpoints from kubernetes service: no master "
     "IPs were listed in storage, refusing to erase all endpoints for the kubernetes service",
     "klog", "master_endpoints", True),
    # https://github.com/kubernetes/kubernetes/issues/38082
    ('W1205 05:56:14.299380       5 controller.go:392] Resetting endpoints for master service "kubernetes" to '
     '&TypeMeta{Kind:,APIVersion:,}',
     "klog", "master_endpoints", False),
    # --- start-up ------------------------------------------------------------------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/38082
    ("I1205 05:56:14.260486       5 serve.go:93] Serving securely on 0.0.0.0:443",
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/38082
    ("I1205 05:56:14.260559       5 serve.go:107] Serving insecurely on 127.0.0.1:8080",
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/38082 (old request log, logged by panics.go)
    ("I1205 05:56:14.264521       5 panics.go:76] GET /apis/extensions/v1beta1/thirdpartyresources: (1.81207ms) 200 "
     "[[kube-apiserver/v1.5.0 (linux/amd64) kubernetes/0776eab] 127.0.0.1:39448]",
     "klog", "http_access", True),
    # https://github.com/kubernetes/kubeadm/issues/1047
    ("Flag --insecure-port has been deprecated, This flag will be removed in a future version.",
     "klog", "startup", True),
    # https://github.com/kubernetes/kubeadm/issues/1047
    ("I0810 05:24:57.155678       1 server.go:703] external host was not specified, using 10.202.15.11",
     "klog", "startup", True),
    # --- request log: 503s from a proxied or aggregated backend (stack dump as continuation) ----------------------
    # https://github.com/kubernetes/kubernetes/issues/25547
    ("I0512 19:59:49.688503       5 handlers.go:152] GET /api/v1/proxy/namespaces/kube-system/services/heapster/api/"
     "v1/metric-export: (1.094504459s) 503\n"
     "goroutine 798328 [running]:\n"
     "k8s.io/kubernetes/pkg/httplog.(*respLogger).recordStatus(0xc24b9e9f80, 0x1f7)\n"
     "        /go/src/k8s.io/kubernetes/_output/dockerized/go/src/k8s.io/kubernetes/pkg/httplog/log.go:214 +0xa6",
     "klog", "http_access", False),
    # https://github.com/kubernetes-sigs/metrics-server/issues/22 (docker syslog driver, tabs escaped as #011)
    ("Oct 30 11:06:08 localhost docker/kube-apiserver[944]: I1030 15:06:08.749199       1 wrap.go:42] GET "
     "/apis/metrics.k8s.io/v1beta1: (30.000646885s) 503\n"
     "Oct 30 11:06:08 localhost docker/kube-apiserver[944]: goroutine 78824 [running]:\n"
     "Oct 30 11:06:08 localhost docker/kube-apiserver[944]: k8s.io/kubernetes/vendor/k8s.io/apiserver/pkg/server/"
     "httplog.(*respLogger).recordStatus(0xc42d7e9420, 0x1f7)\n"
     "Oct 30 11:06:08 localhost docker/kube-apiserver[944]: #011/go/src/k8s.io/kubernetes/_output/dockerized/go/src/"
     "k8s.io/kubernetes/vendor/k8s.io/apiserver/pkg/server/httplog/httplog.go:207 +0xdd",
     "syslog", "http_access", False),
    # https://github.com/etcd-io/etcd/issues/3049 (kubelet status update, 200)
    ("Jun 24 20:26:25 host18-rack11.scale.openstack.engineering.redhat.com kube-apiserver[23912]: I0624 "
     "20:26:25.965926   23912 handlers.go:135] PUT /api/v1/nodes/host08-rack10.scale.openstack.engineering.redhat.com"
     "/status: (7.889883ms) 200 [[kubelet/v0.19.3 (linux/amd64) kubernetes/461fc2b] 10.1.4.82:37685]",
     "syslog", "http_access", True),
    # --- aggregated metrics API down ---------------------------------------------------------------------------
    # https://github.com/kubernetes-sigs/metrics-server/issues/157 (the ", Header:" tail is a continuation)
    ('E1012 08:23:25.282353       1 controller.go:111] loading OpenAPI spec for "v1beta1.metrics.k8s.io" failed with: '
     'failed to retrieve openAPI spec, http error: ResponseCode: 503, Body: service unavailable\n'
     ', Header: map[Content-Type:[text/plain; charset=utf-8] X-Content-Type-Options:[nosniff]]',
     "klog", "openapi_aggregation", False),
    # https://github.com/kubernetes-sigs/metrics-server/issues/157
    ("E1012 08:23:25.991550       1 available_controller.go:311] v1beta1.metrics.k8s.io failed with: Get "
     "https://10.105.54.184:443: net/http: request canceled while waiting for connection (Client.Timeout exceeded "
     "while awaiting headers)",
     "klog", "aggregator_unavailable", False),
    # https://github.com/kubernetes-sigs/metrics-server/issues/157 (discovery of the aggregated group fails)
    ("E1012 08:23:25.396126       1 memcache.go:134] couldn't get resource list for metrics.k8s.io/v1beta1: the "
     "server is currently unable to handle the request",
     "klog", "other", False),
    # --- usual noise ---------------------------------------------------------------------------------------------
    # https://github.com/rancher-archives/rke/issues/2295
    ('E1026 08:34:39.673783       1 status.go:71] apiserver received an error that is not an metav1.Status: '
     '&errors.errorString{s:"context canceled"}',
     "klog", "not_metav1_status", True),
    # https://github.com/rancher-archives/rke/issues/2295
    ("W1026 08:28:49.219395       1 watcher.go:199] watch chan error: etcdserver: mvcc: required revision has been "
     "compacted",
     "klog", "watch_chan_error", True),
    # https://github.com/kubernetes/kubernetes/issues/33293
    ('I1027 02:39:17.152000   96560 master.go:293] Skipping disabled API group "apps".',
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/33293
    ("I1027 02:39:17.152532   96560 reflector.go:211] Starting reflector *api.Namespace (10m0s) from "
     "pkg/controller/informers/factory.go:87",
     "klog", "startup", True),
    # --- panics ------------------------------------------------------------------------------------------------
    # https://github.com/cilium/cilium/issues/4949 (docker logs -t; frames are continuations)
    ('2018-07-23T04:48:39.816579621Z E0723 04:48:39.591838       5 runtime.go:66] Observed a panic: "invalid memory '
     'address or nil pointer dereference" (runtime error: invalid memory address or nil pointer dereference)\n'
     '2018-07-23T04:48:39.819086175Z /workspace/anago-v1.7.15-beta.0.16+8c7c1c8b0ce086/src/k8s.io/kubernetes/_output/'
     'dockerized/go/src/k8s.io/kubernetes/vendor/k8s.io/apimachinery/pkg/util/runtime/runtime.go:72\n'
     '2018-07-23T04:48:39.8191121Z /usr/local/go/src/runtime/panic.go:489',
     "kubectl", "panic", False),
    # https://github.com/kubernetes/kubernetes/issues/89734
    ("Apr 01 22:43:44 dcn-kube06 kube-apiserver[69454]: E0401 22:43:44.164834   69454 wrap.go:32] apiserver panic'd "
     "on GET /api/v1/namespaces/default/pods",
     "syslog", "panic", False),
    # https://github.com/kubernetes/kubernetes/issues/89734 (the timeout filter's panic, message cut by journalctl)
    ('Apr 01 22:48:48 dcn-kube06 kube-apiserver[69454]: E0401 22:48:48.135963   69454 runtime.go:73] Observed a '
     'panic: &errors.errorString{s:"killing connection/stream because serving request ti\n'
     'Apr 01 22:48:48 dcn-kube06 kube-apiserver[69454]: goroutine 1582505649 [running]:\n'
     'Apr 01 22:48:48 dcn-kube06 kube-apiserver[69454]: k8s.io/kubernetes/vendor/k8s.io/apimachinery/pkg/util/'
     'runtime.logPanic(0x3a40060, 0xc0001d5620)',
     "syslog", "request_timeout", False),
    # https://github.com/kubernetes/kubernetes/issues/6982
    ("E0417 15:22:34.410713       1 master.go:357] recover from panic situation: - runtime error: invalid memory "
     "address or nil pointer dereference\n"
     "    /usr/src/go/src/runtime/asm_amd64.s:401\n"
     "    /usr/src/go/src/runtime/panic.go:387",
     "klog", "panic", False),
    # --- authentication failures (OIDC, webhook token authenticators) -------------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/70601
    ("E1104 17:33:49.286740       1 authentication.go:62] Unable to authenticate the request due to an error: "
     "[invalid bearer token, [invalid bearer token, invalid bearer token]]",
     "klog", "authn_failure", False),
    # https://github.com/gardener/oidc-webhook-authenticator/issues/94
    ('E0128 00:43:20.037068       1 authentication.go:63] "Unable to authenticate the request" err="invalid bearer '
     'token"',
     "klog", "authn_failure", False),
    # https://github.com/mintel/dex-k8s-authenticator/issues/197
    ('E1215 22:03:58.461882       1 authentication.go:63] "Unable to authenticate the request" err="invalid bearer '
     'token"',
     "klog", "authn_failure", False),
    # https://github.com/mintel/dex-k8s-authenticator/issues/197
    ("W1215 22:03:58.467004       1 watcher.go:229] watch chan error: etcdserver: mvcc: required revision has been "
     "compacted",
     "klog", "watch_chan_error", True),
    # https://github.com/kubernetes/kubernetes/issues/136887 (vcluster's embedded apiserver, zap console format)
    ('2026-02-09 15:21:41     ERROR   filters/authentication.go:75    Unable to authenticate the request      '
     '{"component": "vcluster", "error": "invalid bearer token", "errorCauses": [{"error": "invalid bearer token"}]}',
     "klog", "authn_failure", False),
    # https://github.com/kubernetes/minikube/issues/6311 (post cut the line)
    ('E0114 08:29:41.249482       1 authentication.go:104] Unable to authenticate the request due to an error: '
     '[x509: certificate signed by unknown authority, x509: certificate signed by unknown authority (possibly because '
     'of "crypto/rsa: verification error" while tryin',
     "klog", "authn_failure", False),
    # --- TLS: a client rejecting the serving certificate --------------------------------------------------------
    # https://github.com/kubernetes/minikube/issues/6311 (IPv6 loopback client)
    ("I0114 08:29:40.765304       1 log.go:172] http: TLS handshake error from [::1]:34426: remote error: tls: bad "
     "certificate",
     "klog", "tls_handshake_bad_cert", False),
    # https://github.com/kubernetes/minikube/issues/4835 (minikube quoting an apiserver line in its own klog line)
    ('W1114 13:24:27.332888   14024 logs.go:107] Found kube-apiserver ["1d417ea67860"] problem: I1114 '
     '13:24:20.658385       1 log.go:172] http: TLS handshake error from 127.0.0.1:60092: remote error: tls: bad '
     'certificate',
     "klog", "tls_handshake_bad_cert", False),
    # --- orderly stop ---------------------------------------------------------------------------------------------
    # https://github.com/kubernetes/minikube/issues/6311
    ("I0114 07:59:19.705503       1 available_controller.go:398] Shutting down AvailableConditionController",
     "klog", "shutdown", True),
    # https://github.com/kubernetes/minikube/issues/6311
    ("I0114 07:59:19.709513       1 dynamic_cafile_content.go:181] Shutting down "
     "request-header::/var/lib/minikube/certs/front-proxy-ca.crt",
     "klog", "shutdown", True),
    # --- a sub-second trace is not slow ---------------------------------------------------------------------------
    # https://github.com/dexidp/dex/issues/1336
    ('I1113 15:49:31.892597       1 trace.go:76] Trace[164099161]: "GuaranteedUpdate etcd3: '
     '*apiregistration.APIService" (started: 2018-11-13 15:49:31.243722204 +0000 UTC m=+13.051765774) (total time: '
     '648.835793ms):\n'
     'Trace[164099161]: [648.835793ms] [648.819724ms] END',
     "klog", "trace", True),
    # --- k3s journal with localized (Chinese) month names: the in-process scheduler's informers are forbidden ----
    # https://github.com/k3s-io/k3s/issues/6843
    ('1月 28 17:36:06 k3s-master k3s[26749]: E0128 17:36:06.412983   26749 reflector.go:126] '
     'k8s.io/client-go/informers/factory.go:130: Failed to list *v1.ReplicationController: replicationcontrollers is '
     'forbidden: User "system:kube-scheduler" cannot list resource "replicationcontrollers" in API group "" at the '
     'cluster scope',
     "syslog", "reflector_list_error", False),
    # --- start-up warnings that are expected (W lines must not become findings) ----------------------------------
    # https://github.com/rancher/rke2/issues/6599 (CRI log file, +02:00 offset)
    ("2024-08-20T16:30:59.576633291+02:00 stderr F W0820 14:30:59.576496       1 genericapiserver.go:742] Skipping "
     "API authentication.k8s.io/v1alpha1 because it has no resources.",
     "cri", "startup", True),
    # https://github.com/rancher/rke2/issues/6599
    ("2024-08-20T16:30:59.577062772+02:00 stderr F I0820 14:30:59.576949       1 handler.go:275] Adding GroupVersion "
     "authorization.k8s.io v1 to ResourceManager",
     "cri", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/112082
    ("W0826 17:09:29.895649       1 genericapiserver.go:557] Skipping API apiextensions.k8s.io/v1beta1 because it has "
     "no resources.",
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/112082
    ("I0826 17:09:29.896578       1 instance.go:274] Using reconciler: lease",
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/112082
    ('I0826 17:09:30.161880       1 instance.go:586] API group "internal.apiserver.k8s.io" is not enabled, skipping.',
     "klog", "startup", True),
    # https://github.com/kubernetes/kubernetes/issues/112082
    ("I0826 17:09:29.846310       1 plugins.go:161] Loaded 11 validating admission controller(s) successfully in the "
     "following order: LimitRanger,ServiceAccount,PodSecurity,Priority,PersistentVolumeClaimResize,RuntimeClass,"
     "CertificateApproval,CertificateSigning,CertificateSubjectRestriction,ValidatingAdmissionWebhook,ResourceQuota.",
     "klog", "startup", True),
    # https://github.com/k0sproject/k0s/issues/1195 (k0s logfmt wrapper)
    ('time="2021-10-15 22:12:17" level=info msg="I1015 22:12:17.212936      38 instance.go:586] Enabling API group '
     '\\"apps\\"." component=kube-apiserver',
     "klog", "startup", True),
    # https://github.com/karmada-io/karmada/issues/6244 (karmada runs the upstream kube-apiserver image)
    ("W0330 09:23:25.599924       1 genericapiserver.go:765] Skipping API scheduling.k8s.io/v1alpha1 because it has "
     "no resources.",
     "klog", "startup", True),
    # https://github.com/k0sproject/k0smotron/issues/857
    ('time="2024-12-19 14:49:26" level=info msg="W1219 14:49:26.858685      46 genericapiserver.go:765] Skipping API '
     'node.k8s.io/v1beta1 because it has no resources." component=kube-apiserver stream=stderr',
     "klog", "startup", True),
    # https://github.com/k3s-io/k3s/issues/6770
    ("W0118 18:44:39.415050    1119 genericapiserver.go:660] Skipping API apps/v1beta2 because it has no resources.",
     "klog", "startup", True),
    # https://github.com/rancher/rke2/issues/5570 (CRI log file, +01:00 offset)
    ("2024-03-07T09:25:51.611425937+01:00 stderr F I0307 08:25:51.611390       1 handler.go:275] Adding GroupVersion "
     "policy v1 to ResourceManager",
     "cri", "startup", True),
    # https://github.com/k0sproject/k0s/issues/2645 (message quoted without its header)
    ("Setting GA feature gate ServiceInternalTrafficPolicy=true. It will be removed in a future release.",
     "klog", "startup", True),
    # --- a watch cache behind the requested revision (k3s/kine) ----------------------------------------------------
    # https://github.com/k3s-io/kine/pull/568
    ('I1211 11:18:48.444624      55 stats.go:143] "Error getting keys" err="Timeout: Too large resource version: '
     '332, current: 272"',
     "klog", "too_large_rv", True),
    # --- removing our own stale master lease that is already gone (logged at start) ----------------------------
    # https://github.com/kubernetes/kubernetes/issues/76146 (docker logs -t)
    ("2019-05-24T03:57:24.121158430Z E0524 03:57:24.114478       1 controller.go:148] Unable to remove old endpoints "
     "from kubernetes service: StorageError: key not found, Code: 1, Key: /registry/masterleases/172.26.7.170, "
     "ResourceVersion: 0, AdditionalErrorMsg:",
     "kubectl", "master_endpoints", True),
    # https://github.com/kubernetes/kubernetes/issues/76146
    ("2019-05-24T03:57:24.224438957Z I0524 03:57:24.223897       1 controller.go:606] quota admission added evaluator "
     "for: leases.coordination.k8s.io",
     "kubectl", "quota_admission", True),
    # https://github.com/kubernetes/kubernetes/issues/76146 (empty item name)
    ("2019-05-24T03:57:24.858087305Z I0524 03:57:24.856961       1 controller.go:107] OpenAPI AggregationController: "
     "Processing item",
     "kubectl", "openapi_aggregation", True),
    # https://github.com/kubernetes/kubernetes/issues/82937 (systemctl status, line ellipsized)
    ("Sep 20 19:26:26 iZj6c2fj4e2ampu34u8c1wZ kube-apiserver[16219]: E0920 19:26:26.850065   16219 controller.go:154] "
     "Unable to remove old endpoints from kubernetes service: StorageError: key not found, Code: 1, Key: "
     "/registry/masterleases/17...ditionalErrorMsg:",
     "syslog", "master_endpoints", True),
    # https://github.com/kubernetes/kubernetes/issues/82937
    ("Sep 20 19:26:24 iZj6c2fj4e2ampu34u8c1wZ systemd[1]: Started Kubernetes API Server.",
     "syslog", "systemd_unit", True),
    # --- a start-up warning that does matter: everything is authorised ------------------------------------------
    # https://github.com/aespinosa/cookbook-kube/issues/24
    ("Jan 31 12:37:13 pavlov kube-apiserver[736]: W0131 12:37:13.680583     736 authentication.go:368] AnonymousAuth "
     "is not allowed with the AllowAll authorizer.  Resetting AnonymousAuth to false. You should use a different "
     "authorizer",
     "syslog", "other", False),
    # https://github.com/aespinosa/cookbook-kube/issues/24
    ("Jan 31 12:37:13 pavlov kube-apiserver[736]: I0131 12:37:13.678278     736 server.go:112] Version: v1.7.6",
     "syslog", "startup", True),
    # https://github.com/rancher/rke2/issues/8137 (periodic, informational)
    ("2025-06-18T10:48:39.804712589Z stderr F I0618 10:48:39.804595       1 cidrallocator.go:277] updated ClusterIP "
     "allocator for Service CIDR 10.43.0.0/16",
     "cri", "other", True),
    # --- etcd client: a deadline is an outage, resolver chatter is noise ---------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/135882 (closing brace lost in the post)
    ('{"level":"warn","ts":"2025-12-17T21:02:19.407Z","caller":"clientv3/retry_interceptor.go:62","msg":"retrying of '
     'unary invoker failed","target":" endpoint://client-06db3ae2-580c-423b-b38f-4d066ebc168d/x.x.x.x:2379 ",'
     '"attempt":0,"error":"rpc error: code = DeadlineExceeded desc = context deadline exceeded"',
     "klog", "etcd_unavailable", False),
    # https://github.com/Azure/aad-pod-identity/issues/1013
    ('I0325 00:59:40.018964       1 client.go:360] parsed scheme: "passthrough"',
     "klog", "etcd_client_noise", True),
    # https://github.com/Azure/aad-pod-identity/issues/1013
    ("I0325 00:59:40.019028       1 passthrough.go:48] ccResolverWrapper: sending update to cc: "
     "{[{https://etcd-603589ef285aaa00019ec2a5-client:2379  <nil> 0 <nil>}] <nil> <nil>}",
     "klog", "etcd_client_noise", True),
    # https://github.com/Azure/aad-pod-identity/issues/1013
    ('I0325 00:59:40.019047       1 clientconn.go:948] ClientConn switching balancer to "pick_first"',
     "klog", "etcd_client_noise", True),
    # https://github.com/Azure/aad-pod-identity/issues/1013
    ("I0325 00:59:40.019235       1 balancer_conn_wrappers.go:78] pickfirstBalancer: HandleSubConnStateChange: "
     "0xc015e64030, {CONNECTING <nil>}",
     "klog", "etcd_client_noise", True),
    # --- a post-start hook times out: the apiserver exits (F) ------------------------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/74729 (syslog line without a host name)
    ('Feb 28 22:49:48  kube-apiserver: F0228 22:49:48.523563    9384 hooks.go:188] PostStartHook '
     '"scheduling/bootstrap-system-priority-classes" failed: unable to add default system priority classes: the '
     'server was unable to return a response in the time allotted, but may still be processing the request (get '
     'priorityclasses.scheduling.k8s.io system-node-critical)',
     "syslog", "other", False),
    # https://github.com/kubernetes/kubernetes/issues/74729
    ("Feb 28 22:49:47  kube-apiserver: E0228 22:49:47.540323    9384 reflector.go:205] "
     "k8s.io/kubernetes/pkg/client/informers/informers_generated/internalversion/factory.go:129: Failed to list "
     "*core.Namespace: the server was unable to return a response in the time allotted, but may still be processing "
     "the request (get namespaces)",
     "syslog", "reflector_list_error", False),
    # --- webhooks ------------------------------------------------------------------------------------------------
    # https://github.com/open-policy-agent/gatekeeper/issues/2423 (header cut in the post)
    ('dispatcher.go:153] Failed calling webhook, failing closed validation.gatekeeper.sh: failed calling webhook '
     '"validation.gatekeeper.sh": failed to call webhook: Post "https://gatekeeper-webhook-service.gatekeeper-system.svc'
     ':443/v1/admit?timeout=3s": no endpoints available for service "gatekeeper-webhook-service"',
     "klog", "webhook_failure", False),
    # https://github.com/open-policy-agent/kube-mgmt/issues/197 (PID missing in the post)
    ('E0321 15:06:15.586026  dispatcher.go:183] failed calling webhook "webhook.openpolicyagent.org": failed to call '
     'webhook: the server could not find the requested resource',
     "klog", "webhook_failure", False),
    # https://github.com/open-policy-agent/kube-mgmt/issues/197
    ('W0321 15:06:17.357212 1 dispatcher.go:176] Failed calling webhook, failing open webhook.openpolicyagent.org: '
     'failed calling webhook "webhook.openpolicyagent.org": failed to call webhook: the server could not find the '
     'requested resource',
     "klog", "webhook_failure", False),
    # --- a client closing a watch proxied to an aggregated apiserver ---------------------------------------------
    # https://github.com/openshift/kubernetes/issues/1472
    ('E0211 12:59:19.722265      19 wrap.go:54] timeout or abort while handling: method=GET URI="/apis/route.openshift.'
     'io/v1/routes?allowWatchBookmarks=true&resourceVersion=52489&timeout=8m28s&timeoutSeconds=508&watch=true" '
     'audit-ID="ba21701a-5c36-4929-bd96-bdbadd309a87"',
     "klog", "request_timeout", True),
    # --- gRPC (etcd client) chatter of newer releases, logged through klog -----------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/125770
    ('Jan 30 15:20:54 etcd-2.fake.corp kube-apiserver[2598263]: I0130 15:20:54.998319 2598263 logging.go:43] "[core] '
     '[Channel #4311 SubChannel #4314] Subchannel Connectivity change to CONNECTING\\n"',
     "syslog", "etcd_client_noise", True),
    # https://github.com/kubernetes/kubernetes/issues/125770
    ('Jan 30 15:20:54 etcd-2.fake.corp kube-apiserver[2598263]: I0130 15:20:54.998333 2598263 logging.go:43] "[core] '
     '[Channel #4311 SubChannel #4313] Subchannel picks a new address \\"etcd-1.fake.corp:2379\\" to connect\\n"',
     "syslog", "etcd_client_noise", True),
    # https://github.com/kubernetes/kubernetes/issues/134080 (stern-style "apiserver " prefix)
    ('apiserver I0916 13:56:55.132842       1 clientconn.go:857] "[core] [Channel #11940 SubChannel #11941]Subchannel '
     'created\\n"',
     "klog", "etcd_client_noise", True),
    # https://github.com/kubernetes/kubernetes/issues/121603
    ('I1103 22:40:38.292302       1 roundrobin.go:50] "[roundrobin] roundrobinPicker: Build called with info: '
     '{map[]}\\n"',
     "klog", "etcd_client_noise", True),
    # https://github.com/kubernetes/kubernetes/issues/121603
    ('I1103 22:40:38.292520       1 balancer.go:183] "[balancer] base.baseBalancer: handle SubConn state change: '
     '0xc0016a9e90, CONNECTING\\n"',
     "klog", "etcd_client_noise", True),
    # https://github.com/kubernetes/kubernetes/issues/121603
    ('I1103 22:40:39.268687       1 clientconn.go:178] "[core] [Channel #3] Channel created\\n"',
     "klog", "etcd_client_noise", True),
    # https://github.com/kubernetes/kubernetes/issues/121603
    ('I1103 22:40:39.268729       1 logging.go:43] "[core] [Channel #3] original dial target is: '
     '\\"etcd-endpoints://0xc000ec2fc0/127.0.0.1:2379\\"\\n"',
     "klog", "etcd_client_noise", True),
    # https://github.com/kubernetes/kubernetes/issues/103741
    ('I0716 19:16:48.071092       1 clientconn.go:948] ClientConn switching balancer to "pick_first"',
     "klog", "etcd_client_noise", True),
    # https://github.com/rancher/rancher/issues/22629 (the balancer closing a connection it no longer wants)
    ("W0905 08:25:25.275635       1 asm_amd64.s:1337] Failed to dial 192.168.99.111:2379: grpc: the connection is "
     "closing; please retry.",
     "klog", "etcd_client_noise", True),
    # https://github.com/rancher/rancher/issues/22629
    ("I0905 08:25:25.275354       1 asm_amd64.s:1337] balancerWrapper: got update addr from Notify: "
     "[{192.168.99.112:2379 <nil>} {192.168.99.111:2379 <nil>} {192.168.99.110:2379 <nil>}]",
     "klog", "etcd_client_noise", True),
    # https://github.com/siderolabs/talos/issues/11797 (a dial cancelled by the client itself: kubernetes#134080 noise)
    ('W0910 08:22:21.422053       1 logging.go:55] [core] [Channel #669 SubChannel #670]grpc: addrConn.createTransport '
     'failed to connect to {Addr: "localhost:2379", ServerName: "localhost:2379", BalancerAttributes: '
     '{"<%!p(pickfirstleaf.managedByPickfirstKeyType={})>": "<%!p(bool=true)>" }}. Err: connection error: desc = '
     '"transport: Error while dialing: dial tcp: lookup localhost: operation was canceled"',
     "klog", "etcd_grpc_connect", True),
    # https://github.com/siderolabs/talos/issues/11797
    ('I0910 08:22:21.558547       1 stats.go:136] "Error getting keys" err="empty key: \\"\\""',
     "klog", "other", True),
    # --- request log with the leading quote lost when the post was cut ------------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/130373
    ('HTTP verb="WATCH" URI="/api/v1/pods?watch=true" latency="8m18.00060226s" userAgent="<>" audit-ID="<>" '
     'srcIP="<>" apf_pl="workload-high" apf_fs="kube-scheduler" apf_iseats=1 apf_fseats=0 apf_additionalLatency="0s" '
     'apf_init_latency="280.462µs" apf_execution_time="281.612µs" resp=200',
     "klog", "http_access", True),
    # --- delegated authorization failing (an aggregated apiserver asking kube-apiserver) ---------------------------
    # https://github.com/Azure/aks-engine/issues/533
    ("E0219 13:35:17.541084       1 webhook.go:186] Failed to make webhook authorizer request: Post "
     "https://10.0.0.1:443/apis/authorization.k8s.io/v1beta1/subjectaccessreviews: unexpected EOF; some request body "
     "already written",
     "klog", "other", False),
    # --- etcd timeouts quoted in a troubleshooting write-up (typographic quotes as published) ---------------------
    # https://hossted.com/knowledge-base/case-studies/devops/developer-tools/troubleshooting-kubernetes-cluster-instability
    ("apiserver received an error that is not a metav1.Status: rpctypes.EtcdError{code:0xe, desc:”etcdserver: "
     "request timed out”}",
     "klog", "etcd_unavailable", False),
    # --- a handler panic seen by Go's HTTP server (an I line from log.go) -----------------------------------------
    # https://github.com/kubernetes-sigs/kubespray/issues/4152
    ("E0131 03:05:35.101415       1 wrap.go:32] apiserver panic'd on POST "
     "/api/v1/namespaces/kube-system/pods/<pod-name>/portforward",
     "klog", "panic", False),
    # https://github.com/kubernetes-sigs/kubespray/issues/4152
    ("I0131 03:05:35.101525       1 log.go:172] http: panic serving <host-ip>:36814: runtime error: invalid memory "
     "address or nil pointer dereference\n"
     "goroutine 767971 [running]:\n"
     "net/http.(*conn).serve.func1(0xc436a98be0)\n"
     "\t/usr/local/go/src/net/http/server.go:1726 +0xd0",
     "klog", "panic", False),
    # --- a trace of a streaming request (kubectl logs) is long by nature ------------------------------------------
    # https://github.com/kubernetes/kops/issues/9698
    ('I0806 15:46:47.807678       1 trace.go:116] Trace[1935067621]: "Get" url:/api/v1/namespaces/kube-system/pods/'
     'kube-apiserver-ip-172-20-39-122.us-west-2.compute.internal/log,user-agent:kubectl/v1.18.6 (darwin/amd64) '
     'kubernetes/dff82dc,client:172.20.0.190 (started: 2020-08-06 15:46:27.987322174 +0000 UTC m=+78736.098618310) '
     '(total time: 19.820232218s):\n'
     'Trace[1935067621]: [19.820230198s] [19.80677796s] Transformed response object',
     "klog", "trace", True),
    # https://github.com/kubernetes/kops/issues/9698 (a plain-HTTP or TCP check: one line alone is not a probe)
    ("I0806 10:39:27.118112       1 log.go:172] http: TLS handshake error from 172.20.0.190:39560: tls: first record "
     "does not look like a TLS handshake",
     "klog", "tls_handshake_other", False),
    # --- SSLv3 health checks and cipher mismatches ----------------------------------------------------------------
    # https://github.com/kubernetes-retired/bootkube/issues/960
    ("I0406 01:20:53.933315       1 logs.go:49] http: TLS handshake error from 127.0.0.1:46390: tls: client offered "
     "an unsupported, maximum protocol version of 300",
     "klog", "tls_handshake_other", False),
    # https://github.com/kubernetes-retired/bootkube/issues/960
    ('W0406 01:20:52.324496       1 mastercount.go:135] Resetting endpoints for master service "kubernetes" to '
     '&{{ } {kubernetes  default /api/v1/namespaces/default/endpoints/kubernetes 7d777032-3936-11e8-8d31-000c2903e197 '
     '2724 0 2018-04-06 01:04:43 +0000 UTC <nil> <nil> map[] map[] [] nil [] } [{[{192.168.1.191  <nil> <nil>}] [] '
     '[{https 6443 TCP}]}]}',
     "klog", "master_endpoints", False),
    # https://github.com/gardener/gardener/issues/1252 (address redacted in the post)
    ("I0724 13:48:10.195649       1 log.go:172] http: TLS handshake error from <ip>:51196: tls: no cipher suite "
     "supported by both client and server",
     "klog", "tls_handshake_other", False),
    # --- APIService status race after an etcd switch-over; etcd without a leader ------------------------------
    # https://github.com/kubernetes/kubernetes/issues/78579
    ('May 31 18:29:32 CLAM400351 kube-apiserver[31064]: E0531 18:29:32.992640   31064 available_controller.go:311] '
     'v1.authorization.k8s.io failed with: Operation cannot be fulfilled on apiservices.apiregistration.k8s.io '
     '"v1.authorization.k8s.io": the object has been modified; please apply your changes to the latest version and '
     'try again',
     "syslog", "aggregator_unavailable", True),
    # https://github.com/etcd-io/etcd/issues/9668
    ("E0429 15:54:53.235735       1 status.go:62] apiserver received an error that is not an metav1.Status: client: "
     "etcd cluster is unavailable or misconfigured; error #0: client: etcd member http://127.0.0.1:2379 has no leader",
     "klog", "etcd_unavailable", False),
    # --- TLS noise from port scanners and kubelets with stale certificates -----------------------------------------
    # https://github.com/openshift/cluster-kube-apiserver-operator/issues/127 (one line alone is not a probe)
    ("I1116 23:07:53.364992       1 logs.go:49] http: TLS handshake error from 10.0.11.206:22630: EOF",
     "klog", "tls_handshake_eof", False),
    # https://github.com/openshift/openshift-ansible/issues/9660 (pasted from a log viewer with a "  | " gutter)
    ("  | I0817 19:24:54.629553       1 logs.go:49] http: TLS handshake error from 10.8.2.205:48602: remote error: "
     "tls: bad certificate",
     "klog", "tls_handshake_bad_cert", False),
    # https://github.com/openshift/openshift-ansible/issues/9660
    ("I0817 19:24:54.395607       1 wrap.go:42] GET /api/v1/nodes/dev-opsf-wrk01-usw1?resourceVersion=0&timeout=10s: "
     "(553.431µs) 200 [[hyperkube/v1.10.0+b81c8f8 (linux/amd64) kubernetes/b81c8f8] 10.8.2.205:38624]",
     "klog", "http_access", True),
    # --- legacy audit lines on stdout (--audit-log-path=-): audit records, not apiserver events ------------------
    # https://github.com/CentaurusInfra/arktos/issues/615
    ('2020-08-20T22:16:08.22517553Z AUDIT: id="8bc2fad3-34a6-4518-9dcb-35cc46091202" stage="ResponseComplete" '
     'ip="35.236.6.61" method="watch" user="kubecfg" groups="\\"system:masters\\",\\"system:authenticated\\"" '
     'as="<self>" asgroups="<lookup>" namespace="<none>" uri="/api/v1/services?labelSelector=%21service.kubernetes.io'
     '%2Fservice-proxy-name&resourceVersion=837792125710499841&timeout=7m10s&timeoutSeconds=430&watch=true" '
     'response="200"',
     "kubectl", "other", True),
    # --- the apiserver's own admission informers failing ---------------------------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/11893
    ("E0728 19:40:15.187668   34321 reflector.go:136] Failed to list *api.Secret: the server could not find the "
     "requested resource (get secrets)",
     "klog", "reflector_list_error", False),
    # https://github.com/pires/kubernetes-vagrant-coreos-cluster/issues/171 (systemctl status cut the line)
    ("Jul 27 10:10:59 kube-master kube-apiserver[10775]: E0727 10:10:59.715041   10775 reflector.go:216] "
     "k8s.io/kubernetes/plugin/pkg/admission/serviceaccount/admission.go:103: Failed to list *api.ServiceAccount: Get",
     "syslog", "reflector_list_error", False),
    # --- k3s: the supervisor shares port 6443 and logs through logrus --------------------------------------------
    # https://github.com/k3s-io/k3s/issues/4496 (a public address: never probe noise)
    ('Nov 15 20:51:27 ip-172-31-10-75 k3s[1748]: time="2021-11-15T20:51:27.222548661Z" level=info '
     'msg="Cluster-Http-Server 2021/11/15 20:51:27 http: TLS handshake error from 3.140.186.176:18848: EOF"',
     "syslog", "tls_handshake_eof", False),
    # --- metrics-server unreachable from the apiserver (RKE) ------------------------------------------------------
    # https://github.com/rancher-archives/rke/issues/2071
    ("E0521 20:35:26.656247       1 available_controller.go:409] v1beta1.metrics.k8s.io failed with: failing or "
     "missing response from https://10.43.169.155:443/apis/metrics.k8s.io/v1beta1: Get https://10.43.169.155:443/apis/"
     "metrics.k8s.io/v1beta1: net/http: request canceled while waiting for connection (Client.Timeout exceeded while "
     "awaiting headers)",
     "klog", "aggregator_unavailable", False),
    # https://github.com/rancher-archives/rke/issues/2071
    ("I0521 20:35:22.631271       1 controller.go:127] OpenAPI AggregationController: action for item "
     "v1beta1.metrics.k8s.io: Rate Limited Requeue.",
     "klog", "openapi_aggregation", True),
    # --- webhook failures quoted without header in vendor troubleshooting docs ------------------------------------
    # https://cloud.google.com/anthos/clusters/docs/bare-metal/latest/troubleshooting/kube-apiserver?hl=es-419
    ('failed calling webhook "server.system.private.gdc.goog": failed to call webhook: Post '
     '"https://root-admin-webhook.gpc-system.svc:443/mutate-system-private-gdc-goog-v1alpha1-server?timeout=10s": '
     'dial tcp 10.202.1.18:443: connect: connection refused',
     "klog", "webhook_failure", False),
    # https://cloud.google.com/anthos/clusters/docs/bare-metal/latest/troubleshooting/kube-apiserver?hl=es-419
    ('failed calling webhook "namespaces.hnc.x-k8s.io": failed to call webhook: Post '
     '"https://hnc-webhook-service.hnc-system.svc:443/validate-v1-namespace?timeout=10s\\": context deadline exceeded"',
     "klog", "webhook_failure", False),
]


@pytest.mark.parametrize(("text", "fmt", "family", "harmless"), CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_realworld_line(text, fmt, family, harmless):
    rec = parse_lines(text.split("\n"), format=fmt, year=2024).records
    assert len(rec) == 1, rec[["family", "message"]]
    r = rec.iloc[0]
    assert (r["family"], bool(r["harmless"])) == (family, harmless), (r["why"], text[:120])
