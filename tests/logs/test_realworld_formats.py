"""Real-world wrappers and formats (spec logs.md §4 FMT-1..10, TIME-1..4, §9 ROB-1): lines as posted in public
bug reports, docs and blog posts, each read from a file as ``lokonb logs analyze`` would.

Each case: where it comes from (an issue URL, or the public file of the search index the excerpt was taken from
when only that is known), the raw text, the detected ``sources.format``, and per record ``(lineno, timestamp,
severity, message start, physical lines)``; optionally the unparsed count and reasons. Texts are verbatim except
where a comment says what was changed (a terminal wrap re-joined, a line split as the runtime would split it).
Year-less sources get the file mtime ``MTIME`` as their end anchor (TIME-4).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os

import pandas as pd
import pytest

from lokonb.logs import analyze

MTIME = dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()


def ts(text):
    if text is None:
        return pd.NaT
    return pd.Timestamp(text).tz_convert("UTC") if pd.Timestamp(text).tzinfo else pd.Timestamp(text, tz="UTC")


CASES = [
    # --- CRI (containerd / CRI-O) -----------------------------------------------------------------------------
    dict(
        id="crio-offset-trimmed-fraction",
        # public GitHub markdown (search index file 51769831322): /var/log/containers file of a kubeadm control
        # plane on CRI-O: a +02:00 offset, and Go's RFC3339Nano trims the trailing zero (8 digits on line 2)
        url="index:51769831322",
        text=(
            "2025-08-06T10:38:13.342405728+02:00 stderr F I0806 08:38:13.341625       1 options.go:238] external "
            "host was not specified, using 192.168.64.17\n"
            "2025-08-06T10:38:13.34267452+02:00 stderr F E0806 08:38:13.342314       1 run.go:72] \"command "
            "failed\" err=\"enable-admission-plugins plugin \\\"DUMMYPLUGIN\\\" is unknown\"\n"
        ),
        fmt="cri",
        records=[
            (1, "2025-08-06T08:38:13.341625Z", "I", "external host was not specified", 1),
            (2, "2025-08-06T08:38:13.342314Z", "E", "command failed", 1),
        ],
        outer={2: "2025-08-06T08:38:13.34267452Z"},
    ),
    # --- kubectl logs --timestamps / docker logs -t ----------------------------------------------------------
    dict(
        id="kubectl-panic-stack",
        # https://github.com/cilium/cilium/issues/4949 (docker logs -t trims zeros: 7 digits on line 6)
        url="https://github.com/cilium/cilium/issues/4949",
        text=(
            "2018-07-23T04:48:39.816579621Z E0723 04:48:39.591838       5 runtime.go:66] Observed a panic: "
            "\"invalid memory address or nil pointer dereference\" (runtime error: invalid memory address or nil "
            "pointer dereference)\n"
            "2018-07-23T04:48:39.819086175Z /workspace/anago-v1.7.15-beta.0.16+8c7c1c8b0ce086/src/k8s.io/kubernetes"
            "/_output/dockerized/go/src/k8s.io/kubernetes/vendor/k8s.io/apimachinery/pkg/util/runtime/runtime.go:72\n"
            "2018-07-23T04:48:39.819102963Z /workspace/anago-v1.7.15-beta.0.16+8c7c1c8b0ce086/src/k8s.io/kubernetes"
            "/_output/dockerized/go/src/k8s.io/kubernetes/vendor/k8s.io/apimachinery/pkg/util/runtime/runtime.go:65\n"
            "2018-07-23T04:48:39.819106861Z /workspace/anago-v1.7.15-beta.0.16+8c7c1c8b0ce086/src/k8s.io/kubernetes"
            "/_output/dockerized/go/src/k8s.io/kubernetes/vendor/k8s.io/apimachinery/pkg/util/runtime/runtime.go:51\n"
            "2018-07-23T04:48:39.819109634Z /usr/local/go/src/runtime/asm_amd64.s:514\n"
            "2018-07-23T04:48:39.8191121Z /usr/local/go/src/runtime/panic.go:489\n"
            "2018-07-23T04:48:39.819114594Z /usr/local/go/src/runtime/panic.go:63\n"
            "2018-07-23T04:48:39.819116919Z /usr/local/go/src/runtime/signal_unix.go:290\n"
        ),
        fmt="kubectl",
        records=[(1, "2018-07-23T04:48:39.591838Z", "E", "Observed a panic:", 8)],
        outer={1: "2018-07-23T04:48:39.816579621Z"},
    ),
    # --- Docker json-file -------------------------------------------------------------------------------------
    dict(
        id="docker-apiserver-start-failure",
        # public GitHub markdown (search index file 6929857693): `tail -f /var/log/pods/.../kube-apiserver/4.log`
        # on Docker; the deprecation warning comes before klog starts (orphan), cobra's "Error:" line has no
        # header and so belongs to the record before it (FMT-3)
        url="index:6929857693",
        text=(
            '{"log":"Flag --insecure-port has been deprecated, This flag has no effect now and will be removed in '
            'v1.24.\\n","stream":"stderr","time":"2021-04-27T09:07:15.165954784Z"}\n'
            '{"log":"I0427 09:07:15.166039       1 server.go:632] external host was not specified, using '
            '192.168.211.40\\n","stream":"stderr","time":"2021-04-27T09:07:15.166135424Z"}\n'
            '{"log":"I0427 09:07:15.166569       1 server.go:182] Version: v1.20.0\\n","stream":"stderr","time":'
            '"2021-04-27T09:07:15.166680164Z"}\n'
            '{"log":"Error: error while parsing encryption provider configuration file \\"/etc/kubernetes/etcd/'
            'ec.yaml\\": error while parsing file: resources[0].providers[0].aescbc.keys[0].secret: Invalid value: '
            '\\"REDACTED\\": secret is not of the expected length, got 8, expected one of [16 24 32]\\n","stream":'
            '"stderr","time":"2021-04-27T09:07:15.713401195Z"}\n'
        ),
        fmt="docker",
        records=[
            (1, "2021-04-27T09:07:15.165954784Z", None, "Flag --insecure-port has been deprecated", 1),
            (2, "2021-04-27T09:07:15.166039Z", "I", "external host was not specified", 1),
            (3, "2021-04-27T09:07:15.166569Z", "I", "Version: v1.20.0", 2),
        ],
    ),
    # --- JSON logging format ----------------------------------------------------------------------------------
    dict(
        id="json-docs-seconds-nested",
        # https://github.com/kubernetes/community/blob/master/contributors/devel/sig-instrumentation/logging.md
        # (ts in seconds as the old docs showed, spaces after the colons, a nested object, no caller)
        url="https://github.com/kubernetes/community/blob/master/contributors/devel/sig-instrumentation/logging.md",
        text=(
            '{"ts": 1580306777.04728,"v": 4,"msg": "Pod status was updated","pod":{"name": "kube-dns","namespace": '
            '"kube-system"},"status": "ready"}\n'
        ),
        fmt="json",
        records=[(1, "2020-01-29T14:06:17.04728Z", "I", "Pod status was updated", 1)],
    ),
    dict(
        id="json-talos-guide-caller-v",
        # public GitHub markdown (search index file 52765131056, a Talos guide's example of kube-apiserver with
        # logging-format json): ts in seconds with ms, dir/file caller, v
        url="index:52765131056",
        text=(
            '{"ts":1709462132.123,"caller":"options/options.go:222","msg":"Starting API server","v":0}\n'
            '{"ts":1709462132.456,"caller":"server/handler.go:45","msg":"Registered watch handler","resource":"pods",'
            '"v":2}\n'
        ),
        fmt="json",
        records=[
            (1, "2024-03-03T10:35:32.123Z", "I", "Starting API server", 1),
            (2, "2024-03-03T10:35:32.456Z", "I", "Registered watch handler", 1),
        ],
    ),
    # --- syslog / journald ------------------------------------------------------------------------------------
    dict(
        id="journald-panic-goroutines",
        # https://github.com/kubernetes/kubernetes/issues/89734 (journalctl without -l cuts long lines)
        url="https://github.com/kubernetes/kubernetes/issues/89734",
        text=(
            "Apr 01 22:43:44 dcn-kube06 kube-apiserver[69454]: E0401 22:43:44.164834   69454 wrap.go:32] apiserver "
            "panic'd on GET /api/v1/namespaces/default/pods\n"
            "Apr 01 22:48:48 dcn-kube06 kube-apiserver[69454]: E0401 22:48:48.135963   69454 runtime.go:73] Observed "
            "a panic: &errors.errorString{s:\"killing connection/stream because serving request ti\n"
            "Apr 01 22:48:48 dcn-kube06 kube-apiserver[69454]: goroutine 1582505649 [running]:\n"
            "Apr 01 22:48:48 dcn-kube06 kube-apiserver[69454]: k8s.io/kubernetes/vendor/k8s.io/apimachinery/pkg/util/"
            "runtime.logPanic(0x3a40060, 0xc0001d5620)\n"
            "Apr 01 22:48:48 dcn-kube06 kube-apiserver[69454]: /workspace/anago-v1.15.0-rc.1.19+e8462b5b5dc258/src/"
            "k8s.io/kubernetes/_output/dockerized/go/src/k8s.io/kubernetes/vendor/k8s.io/apimachine\n"
            "Apr 01 22:48:48 dcn-kube06 kube-apiserver[69454]: k8s.io/kubernetes/vendor/k8s.io/apimachinery/pkg/util/"
            "runtime.HandleCrash(0xc0030f7c60, 0x1, 0x1)\n"
        ),
        fmt="syslog",
        records=[
            (1, "2024-04-01T22:43:44.164834Z", "E", "apiserver panic'd on GET", 1),
            (2, "2024-04-01T22:48:48.135963Z", "E", "Observed a panic:", 5),
        ],
    ),
    dict(
        id="journald-orphan-stack-cut",
        # https://github.com/canonical/microk8s/issues/1598
        # (a stack without its header line: one orphan record; journalctl's '>' cut kept as text)
        url="https://github.com/canonical/microk8s/issues/1598",
        text=(
            "Jan 31 03:08:41 ubuntu microk8s.daemon-apiserver[3097]: k8s.io/kubernetes/vendor/k8s.io/apiserver/pkg/"
            "server.(*GenericAPIServer).RunPreShutdownHooks(0x40082e3000, 0x0, 0x0)\n"
            "Jan 31 03:08:41 ubuntu microk8s.daemon-apiserver[3097]:         /build/microk8s/parts/k8s-binaries/build/"
            "go/src/github.com/kubernetes/kubernetes/_output/local/go/src/k8s.io/kubernetes/vendor/k8s.io/apis>\n"
            "Jan 31 03:08:41 ubuntu microk8s.daemon-apiserver[3097]: k8s.io/kubernetes/vendor/k8s.io/apiserver/pkg/"
            "server.preparedGenericAPIServer.Run(0x40082e3000, 0x40004f36e0, 0x4b0b8e0, 0x40082e3000)\n"
        ),
        fmt="syslog",
        records=[(1, "2024-01-31T03:08:41Z", None, "k8s.io/kubernetes/vendor/k8s.io/apiserver/pkg/server.", 3)],
    ),
    dict(
        id="rsyslog-rfc3339-k8s-snap",
        # https://github.com/canonical/k8s-snap/issues/1426: rsyslog's RFC 3339 high-precision format (the
        # default on Ubuntu 24.04) is a syslog line with a year, not a `kubectl --timestamps` line
        url="https://github.com/canonical/k8s-snap/issues/1426",
        text=(
            "2025-05-08T13:30:29.510256+00:00 juju-4b7750-prod-charm-qa-kubernetes-65 k8s.kube-apiserver[697]: "
            "E0508 13:30:29.510150     697 dispatcher.go:214] \"Unhandled Error\" err=\"failed calling webhook "
            "\\\"admission.juju.is\\\": failed to call webhook: Post \\\"https://modeloperator.model-14867756072-"
            "250506190915.svc:17071/k8s/admission/9a96c90f-acb5-4617-8032-3fde849e128e?timeout=10s\\\": service "
            "\\\"modeloperator\\\" not found\" logger=\"UnhandledError\"\n"
            "2025-05-08T13:30:29.512265+00:00 juju-4b7750-prod-charm-qa-kubernetes-65 k8s.kube-apiserver[697]: "
            "W0508 13:30:29.512201     697 dispatcher.go:210] Failed calling webhook, failing open "
            "admission.juju.is: failed calling webhook \"admission.juju.is\": failed to call webhook: Post "
            "\"https://modeloperator.model-14891414055-250507191416.svc:17071/k8s/admission/fe960f6f-a827-489a-8cde-"
            "021b5c024982?timeout=10s\": service \"modeloperator\" not found\n"
        ),
        fmt="syslog",
        records=[
            (1, "2025-05-08T13:30:29.510150Z", "E", "Unhandled Error", 1),
            (2, "2025-05-08T13:30:29.512201Z", "W", "Failed calling webhook, failing open", 1),
        ],
        outer={1: "2025-05-08T13:30:29.510256Z"},
    ),
    dict(
        id="rsyslog-rfc3339-kubelet-local-time",
        # public GitHub markdown (search index file 51769831322): /var/log/syslog of the same node; the kubelet
        # logs local time (+02:00) while rsyslog writes UTC: klog_tz=auto would find the offset, UTC is read here
        url="index:51769831322",
        text=(
            "2025-08-06T08:38:22.980225+00:00 controlplane kubelet[28526]: E0806 10:38:22.980181   28526 "
            "pod_workers.go:1301] \"Error syncing pod, skipping\" err=\"failed to \\\"StartContainer\\\" for "
            "\\\"kube-apiserver\\\" with CrashLoopBackOff: \\\"back-off 2m40s restarting failed container=kube-"
            "apiserver pod=kube-apiserver-controlplane_kube-system(bc6d1be5c0eea4c705d74622b0e5ab0b)\\\"\" "
            "pod=\"kube-system/kube-apiserver-controlplane\" podUID=\"bc6d1be5c0eea4c705d74622b0e5ab0b\"\n"
        ),
        fmt="syslog",
        records=[(1, "2025-08-06T10:38:22.980181Z", "E", "Error syncing pod, skipping", 1)],
        outer={1: "2025-08-06T08:38:22.980225Z"},
    ),
]


AUDIT_EVENT = (
    '{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","auditID":"9151d8b4-0630-4020-8e18-c65369a13249'
    '","stage":"ResponseComplete","requestURI":"/apis/policy/v1/poddisruptionbudgets?limit=500\\u0026resourceVersion=0'
    '","verb":"list","user":{"username":"system:kube-scheduler","groups":["system:authenticated"]},"sourceIPs":["10.0.'
    '60.42"],"userAgent":"kube-scheduler/v1.24.13 (linux/amd64) kubernetes/6305d65/scheduler","objectRef":{"resource'
    '":"poddisruptionbudgets","apiGroup":"policy","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failu'
    're","message":"poddisruptionbudgets.policy is forbidden: User \\"system:kube-scheduler\\" cannot list resource \\'
    '"poddisruptionbudgets\\" in API group \\"policy\\" at the cluster scope","reason":"Forbidden","details":{"group":'
    '"policy","kind":"poddisruptionbudgets"},"code":403},"requestReceivedTimestamp":"2023-05-20T04:14:53.795931Z","st'
    'ageTimestamp":"2023-05-20T04:14:53.798812Z","annotations":{"authorization.k8s.io/decision":"forbid","authorizati'
    'on.k8s.io/reason":""}}'
)
AUDIT_REASON = "Kubernetes audit event (audit logs are not analysed)"

CASES += [
    # --- audit logs given by mistake, EKS CloudWatch exports ---------------------------------------------------
    dict(
        id="audit-json-file",
        # public GitHub markdown (search index file 257229544): an EKS audit event as `aws logs tail` printed it
        # (the terminal's 150-column wrap re-joined); here the event alone, as --audit-log-path writes it, twice
        url="index:257229544",
        text=AUDIT_EVENT + "\n" + AUDIT_EVENT.replace("9151d8b4", "9151d8b5") + "\n",
        fmt="klog",
        records=[],
        unparsed=2,
        reasons=[AUDIT_REASON],
    ),
    dict(
        id="eks-aws-logs-tail",
        # the same post: `aws logs tail /aws/eks/<cluster>/cluster` prints `<time> <log stream> <message>`; the
        # log stream name is not part of the message, the audit stream's event is counted, not glued to the
        # controller-manager record before it
        url="index:257229544",
        text=(
            "2023-05-20T05:24:43.000000+00:00 cloud-controller-manager-900118300c7497e54b1f844e21ac4f7b I0520 "
            "05:24:43.888087      11 tagging_controller.go:152] Skip putting node ip-192-168-3-75.ap-northeast-3."
            "compute.internal in work queue since it was already tagged earlier.\n"
            "2023-05-20T05:26:57.511000+00:00 kube-apiserver-audit-900118300c7497e54b1f844e21ac4f7b "
            + AUDIT_EVENT
            + "\n"
        ),
        fmt="cloudwatch",
        records=[(1, "2023-05-20T05:24:43.888087Z", "I", "Skip putting node", 1)],
        unparsed=1,
        reasons=[AUDIT_REASON],
    ),
    dict(
        id="audit-legacy-text",
        # https://v1-6.docs.kubernetes.io/docs/concepts/cluster-administration/audit/ (--audit-log-format=legacy)
        url="https://v1-6.docs.kubernetes.io/docs/concepts/cluster-administration/audit/",
        text=(
            '2017-03-21T03:57:09.106841886-04:00 AUDIT: id="c939d2a7-1c37-4ef1-b2f7-4ba9b1e43b53" ip="127.0.0.1" '
            'method="GET" user="admin" groups="\\"system:masters\\",\\"system:authenticated\\"" as="<self>" '
            'asgroups="<lookup>" namespace="default" uri="/api/v1/namespaces/default/pods"\n'
            '2017-03-21T03:57:09.108403639-04:00 AUDIT: id="c939d2a7-1c37-4ef1-b2f7-4ba9b1e43b53" response="200"\n'
        ),
        fmt="kubectl",
        records=[],
        unparsed=2,
        reasons=[AUDIT_REASON],
    ),
]

CASES += [
    # --- a container log forwarded by syslog --------------------------------------------------------------------
    dict(
        id="rsyslog-imfile-cri",
        # public GitHub markdown (search index file 17198188655): rsyslog imfile on /var/log/pods/*/*/*.log of RKE2
        # nodes, forwarded with an RFC 3339 prefix: the CRI line inside is unwrapped too (stream, ns time, JSON)
        url="index:17198188655",
        text=(
            "2026-02-23T16:31:05+00:00 kubenode1.cluster.corp rke2-pods: 2026-02-23T16:31:05.304868587Z stderr F "
            '{"level":"info","ts":"2026-02-23T16:31:05Z","logger":"goldmane-controller","msg":"Reconciling Goldmane'
            '","Request.Namespace":"","Request.Name":"periodic-5m0s-reconcile-event"}\n'
            "2026-02-23T16:31:05+00:00 kubenode2.cluster.corp rke2-pods: 2026-02-23T16:31:05.315608909Z stderr F "
            '{"level":"info","ts":"2026-02-23T16:31:05Z","logger":"controller_installation","msg":"Patching nftables'
            ' mode","Request.Namespace":"","Request.Name":"periodic-5m0s-reconcile-event","nftablesMode":"Disabled"}'
            "\n"
            "2026-01-28T12:30:33+00:00 kubenode3.cluster.corp rke2-pods: 2026-01-28T12:30:33.021378066Z stderr F "
            'I0128 12:30:33.021337       1 shared_informer.go:357] "Caches are synced" controller="client-ca::kube-'
            'system::extension-apiserver-authentication::requestheader-client-ca-file"\n'
            "2026-02-23T16:30:29+00:00 kubenode3.cluster.corp rke2-pods: 2026-02-23T16:30:29.692875215Z stderr F "
            "I0223 16:30:29.692758       1 cidrallocator.go:277] updated ClusterIP allocator for Service CIDR "
            "10.43.0.0/16\n"
            "2026-02-23T16:33:58+00:00 kubenode2.cluster.corp rke2-pods: 2026-02-23T16:33:58.662208924Z stderr F "
            '{"level":"info","ts":"2026-02-23T16:33:58.662103Z","caller":"mvcc/kvstore_compaction.go:71","msg":"fin'
            'ished scheduled compaction","compact-revision":10936318,"took":"29.992945ms","hash":1435110330,"current'
            '-db-size-bytes":27926528,"current-db-size":"28 MB","current-db-size-in-use-bytes":13709312,"current-db-'
            'size-in-use":"14 MB"}\n'
        ),
        fmt="syslog",
        records=[
            (1, "2026-02-23T16:31:05Z", "I", "Reconciling Goldmane", 1),
            (2, "2026-02-23T16:31:05Z", "I", "Patching nftables mode", 1),
            (3, "2026-01-28T12:30:33.021337Z", "I", "Caches are synced", 1),
            (4, "2026-02-23T16:30:29.692758Z", "I", "updated ClusterIP allocator", 1),
            (5, "2026-02-23T16:33:58.662103Z", "I", "finished scheduled compaction", 1),
        ],
        outer={4: "2026-02-23T16:30:29.692875215Z"},
        streams="stderr",
    ),
]

CASES += [
    dict(
        id="k0s-logrus-in-journald",
        # https://github.com/k0sproject/k0sctl/issues/829: k0s re-logs the apiserver's stderr through logrus
        # inside journald; the Go-quoted klog line is unquoted, its `err=<` block and `, Header:` tail join
        url="https://github.com/k0sproject/k0sctl/issues/829",
        text=(
            'Jan 28 09:45:35 k0s-1 k0s[5557]: time="2025-01-28 09:45:35" level=info msg="\\t, Header: map[Content-'
            'Type:[text/plain; charset=utf-8] X-Content-Type-Options:[nosniff]]" component=kube-apiserver '
            "stream=stderr\n"
            'Jan 28 09:45:35 k0s-1 k0s[5557]: time="2025-01-28 09:45:35" level=info msg=" > logger=\\"UnhandledErr'
            'or\\"" component=kube-apiserver stream=stderr\n'
            'Jan 28 09:45:35 k0s-1 k0s[5557]: time="2025-01-28 09:45:35" level=info msg="W0128 09:45:35.211098    '
            '5704 handler_proxy.go:99] no RequestInfo found in the context" component=kube-apiserver stream=stderr\n'
            'Jan 28 09:45:35 k0s-1 k0s[5557]: time="2025-01-28 09:45:35" level=info msg="E0128 09:45:35.211162    '
            '5704 controller.go:146] \\"Unhandled Error\\" err=<" component=kube-apiserver stream=stderr\n'
            'Jan 28 09:45:35 k0s-1 k0s[5557]: time="2025-01-28 09:45:35" level=info msg="\\tError updating APIServic'
            'e \\"v1beta1.metrics.k8s.io\\" with err: failed to download v1beta1.metrics.k8s.io: failed to retrieve '
            'openAPI spec, http error: ResponseCode: 503, Body: service unavailable" component=kube-apiserver '
            "stream=stderr\n"
        ),
        fmt="syslog",
        records=[
            (1, "2024-01-28T09:45:35Z", None, "\t, Header: map[Content-Type:", 2),
            (3, "2024-01-28T09:45:35.211098Z", "W", "no RequestInfo found in the context", 1),
            (4, "2024-01-28T09:45:35.211162Z", "E", "Unhandled Error", 2),
        ],
        streams="stderr",
        messages={3: "no RequestInfo found in the context"},
    ),
    dict(
        id="minikube-logs-header",
        # https://github.com/kubernetes/minikube/issues/6311: `minikube logs` output, a `==> … <==` header
        url="https://github.com/kubernetes/minikube/issues/6311",
        text=(
            '==> kube-apiserver ["e3077ed602b9"] <==\n'
            "I0114 07:59:19.705503       1 available_controller.go:398] Shutting down AvailableConditionController\n"
            "I0114 07:59:19.705924       1 naming_controller.go:299] Shutting down NamingConditionController\n"
        ),
        fmt="klog",
        records=[
            (1, None, None, "==> kube-apiserver", 1),
            (2, "2024-01-14T07:59:19.705503Z", "I", "Shutting down AvailableConditionController", 1),
            (3, "2024-01-14T07:59:19.705924Z", "I", "Shutting down NamingConditionController", 1),
        ],
    ),
]

# The k8s-snap webhook line (https://github.com/canonical/k8s-snap/issues/1426) split as a runtime splits a line
# over its 16 KiB limit (shortened: cut after 120 bytes): CRI 'P' + 'F' records, Docker entries without '\n'.
WEBHOOK = (
    'E0508 13:30:29.510150     697 dispatcher.go:214] "Unhandled Error" err="failed calling webhook \\"admission.juju'
    '.is\\": failed to call webhook: Post \\"https://modeloperator.model-14867756072-250506190915.svc:17071/k8s/admissi'
    'on/9a96c90f-acb5-4617-8032-3fde849e128e?timeout=10s\\": service \\"modeloperator\\" not found" logger="Unhandled'
    'Error"'
)
WEBHOOK_JSON = WEBHOOK.replace("\\", "\\\\").replace('"', '\\"')

CASES += [
    dict(
        id="cri-partial-joined",
        url="https://github.com/canonical/k8s-snap/issues/1426",
        text=(
            f"2025-05-08T13:30:29.510256000Z stderr P {WEBHOOK[:120]}\n"
            f"2025-05-08T13:30:29.510257000Z stderr F {WEBHOOK[120:]}\n"
            "2025-05-08T13:30:29.512265000Z stderr F W0508 13:30:29.512201     697 dispatcher.go:210] Failed calling "
            "webhook, failing open admission.juju.is\n"
        ),
        fmt="cri",
        records=[
            (1, "2025-05-08T13:30:29.510150Z", "E", "Unhandled Error", 1),
            (3, "2025-05-08T13:30:29.512201Z", "W", "Failed calling webhook", 1),
        ],
        outer={1: "2025-05-08T13:30:29.510256Z"},
        fragments=1,
        # the pairs of both fragments are parsed from the joined line
        extra={1: '"logger": "UnhandledError"'},
    ),
    dict(
        id="docker-16k-split-joined",
        url="https://github.com/canonical/k8s-snap/issues/1426",
        text=(
            f'{{"log":"{WEBHOOK_JSON[:130]}","stream":"stderr","time":"2025-05-08T13:30:29.510256Z"}}\n'
            f'{{"log":"{WEBHOOK_JSON[130:]}\\n","stream":"stderr","time":"2025-05-08T13:30:29.510257Z"}}\n'
        ),
        fmt="docker",
        records=[(1, "2025-05-08T13:30:29.510150Z", "E", "Unhandled Error", 1)],
        outer={1: "2025-05-08T13:30:29.510256Z"},
        fragments=1,
        # the pairs of both fragments are parsed from the joined line
        extra={1: '"logger": "UnhandledError"'},
    ),
]
# ROB-1: CRLF line ends give the same records as LF
CASES += [
    {**c, "id": c["id"] + "-crlf", "text": c["text"].replace("\n", "\r\n")}
    for c in CASES
    if c["id"] in ("journald-panic-goroutines", "docker-apiserver-start-failure", "crio-offset-trimmed-fraction")
]

CASES += [
    dict(
        id="eks-cloudwatch-insights-csv",
        # public GitHub markdown (search index file 54877197292, a translation of the AWS observability best
        # practices guide for EKS): a CloudWatch Logs Insights result as CSV (the guide glued the header to the
        # first row; split here as a CSV file has it). The header is counted, the row's time gives the year (the
        # guide's row says 08-15 for a klog I0915: TIME-3 keeps the klog time in the outer time's year), the
        # CSV quoting is undone so the structured message is read
        url="index:54877197292",
        text=(
            "@logStream,@timestamp,@message\n"
            'kube-scheduler-bb3ea89d63fd2b9735ba06b144377db6,2021-08-15 12:19:43.000,"I0915 12:19:43.933124       1 '
            'scheduler.go:604] ""Successfully bound pod to node"" pod=""kube-system/aws-6799fc88d8-jqc2r"" node=""ip-1'
            '92-168-66-187.eu-west-1.compute.internal"" evaluatedNodes=3 feasibleNodes=2"\n'
            # another log stream's row (same guide): not a continuation of the scheduler's record
            'authenticator-8c0c570ea5676c62c44d98da6189a02b,2021-08-08 20:04:46.282,"time=""2021-08-08T20:04:44Z"" le'
            'vel=warning msg=""access denied"" client=""127.0.0.1:52856"" error=""sts getCallerIdentity failed: error'
            ' from AWS (expected 200, got 403)"" method=POST path=/authenticate"\n'
        ),
        fmt="cloudwatch",
        records=[
            (2, "2021-09-15T12:19:43.933124Z", "I", "Successfully bound pod to node", 1),
            (3, "2021-08-08T20:04:46.282Z", None, 'time="2021-08-08T20:04:44Z" level=warning msg="access denied"', 1),
        ],
        outer={2: "2021-08-15T12:19:43Z"},
        messages={2: "Successfully bound pod to node"},
        unparsed=1,
        reasons=["CloudWatch Logs Insights export header"],
    ),
]

CASES += [
    dict(
        id="journald-systemd-and-restful-lines",
        # public GitHub markdown (search index file 35345669049; a 2016 kube-apiserver systemd install, the
        # markdown's 4-space code indentation removed): systemd's own lines are records of their own (another
        # writer), go-restful's header-less lines continue the apiserver record before them (FMT-3)
        url="index:35345669049",
        text=(
            "Nov 10 22:43:54 localhost.localdomain systemd[1]: Starting Kubernetes API server...\n"
            "Nov 10 22:43:54 localhost.localdomain kube-apiserver[5842]: I1110 22:43:54.411559    5842 "
            "genericapiserver.go:606] Will report 10.64.33.81 as public IP address.\n"
            "Nov 10 22:43:54 localhost.localdomain kube-apiserver[5842]: I1110 22:43:54.412884    5842 "
            "genericapiserver.go:288] Node port range unspecified. Defaulting to 30000-32767.\n"
            "Nov 10 22:43:54 localhost.localdomain kube-apiserver[5842]: [restful] 2016/11/10 22:43:54 log.go:30: "
            "[restful/swagger] listing is available at https://10.64.33.81:6443/swaggerapi/\n"
            "Nov 10 22:43:54 localhost.localdomain kube-apiserver[5842]: [restful] 2016/11/10 22:43:54 log.go:30: "
            "[restful/swagger] https://10.64.33.81:6443/swaggerui/ is mapped to folder /swagger-ui/\n"
            "Nov 10 22:43:54 localhost.localdomain kube-apiserver[5842]: I1110 22:43:54.505181    5842 "
            "genericapiserver.go:690] Serving securely on 0.0.0.0:6443\n"
            "Nov 10 22:43:54 localhost.localdomain kube-apiserver[5842]: I1110 22:43:54.505191    5842 "
            "genericapiserver.go:734] Serving insecurely on 127.0.0.1:8080\n"
            "Nov 10 22:43:54 localhost.localdomain systemd[1]: Started Kubernetes API server.\n"
        ),
        fmt="syslog",
        records=[
            (1, "2024-11-10T22:43:54Z", None, "Starting Kubernetes API server...", 1),
            (2, "2024-11-10T22:43:54.411559Z", "I", "Will report 10.64.33.81", 1),
            (3, "2024-11-10T22:43:54.412884Z", "I", "Node port range unspecified.", 3),
            (6, "2024-11-10T22:43:54.505181Z", "I", "Serving securely on 0.0.0.0:6443", 1),
            (7, "2024-11-10T22:43:54.505191Z", "I", "Serving insecurely on 127.0.0.1:8080", 1),
            (8, "2024-11-10T22:43:54Z", None, "Started Kubernetes API server.", 1),
        ],
    ),
    dict(
        id="journald-wide-pid",
        # public GitHub markdown (search index file 38191305478): a 6-digit PID under systemd (two spaces)
        url="index:38191305478",
        text=(
            "Aug 02 03:35:37 node001 kube-apiserver[206326]: E0802 03:35:37.796055  206326 cacher.go:419] cacher "
            "(*core.Secret): unexpected ListAndWatch error: failed to list *core.Secret: unable to transform key "
            '"/registry/secrets/kube-node-lease/default-token-fgkrw": invalid padding on input; reinitializing...\n'
        ),
        fmt="syslog",
        records=[(1, "2024-08-02T03:35:37.796055Z", "E", "cacher (*core.Secret): unexpected ListAndWatch", 1)],
    ),
]

CASES += [
    dict(
        id="kubectl-timestamps-true",
        # https://github.com/kubernetes/kubernetes/issues/92389 (`kubectl logs --timestamps=true`)
        url="https://github.com/kubernetes/kubernetes/issues/92389",
        text=(
            "2020-06-22T13:11:11.661137356Z I0622 13:11:11.661090       1 streamwatcher.go:114] Unexpected EOF "
            "during watch stream event decoding: unexpected EOF\n"
            "2020-06-22T13:11:11.661646643Z I0622 13:11:11.661620       1 streamwatcher.go:114] Unexpected EOF "
            "during watch stream event decoding: unexpected EOF\n"
        ),
        fmt="kubectl",
        records=[
            (1, "2020-06-22T13:11:11.661090Z", "I", "Unexpected EOF during watch", 1),
            (2, "2020-06-22T13:11:11.661620Z", "I", "Unexpected EOF during watch", 1),
        ],
        outer={2: "2020-06-22T13:11:11.661646643Z"},
    ),
    dict(
        id="journalctl-short-precise",
        # https://github.com/bottlerocket-os/bottlerocket/pull/2900 (`journalctl -o short-precise`, no [pid]; the
        # first line's trailing spaces kept): the fraction is kept, header-less lines of one writer are one record
        url="https://github.com/bottlerocket-os/bottlerocket/pull/2900",
        text=(
            "Mar 14 10:12:31.545053 localhost kernel: x86/PAT: Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  \n"
            "Mar 14 10:12:31.545065 localhost kernel: last_pfn = 0xbffe6 max_arch_pfn = 0x400000000\n"
        ),
        fmt="syslog",
        records=[(1, "2024-03-14T10:12:31.545053Z", None, "x86/PAT: Configuration [0-7]:", 2)],
        outer={1: "2024-03-14T10:12:31.545053Z"},
    ),
]


def _docker_lines(entries):
    """Docker json-file lines as dockerd writes them (Go's encoding/json: same key order and escapes for this text)."""
    return "".join(
        json.dumps({"log": log, "stream": "stderr", "time": t}, separators=(",", ":")) + "\n" for log, t in entries
    )


CASES += [
    dict(
        id="docker-trace-steps",
        # public GitHub markdown (search index file 26187158881): minikube's /var/log/pods file of kube-apiserver
        # on Docker with audit webhook traces; the first line is the END step of a trace whose header came before
        # the excerpt (an orphan), every other END step continues its trace
        url="index:26187158881",
        text=_docker_lines(
            [
                ("Trace[628419535]: [1.052845699s] [1.052845699s] END\n", "2022-02-15T13:59:42.411888879Z"),
                (
                    'I0215 13:59:44.329471       1 trace.go:205] Trace[787090352]: "Call Audit Events webhook" '
                    "name:webhook,event-count:12 (15-Feb-2022 13:59:43.301) (total time: 1027ms):\n",
                    "2022-02-15T13:59:44.32976007Z",
                ),
                ("Trace[787090352]: [1.027556675s] [1.027556675s] END\n", "2022-02-15T13:59:44.329791793Z"),
                (
                    'I0215 13:59:44.521736       1 trace.go:205] Trace[1925773888]: "Call Audit Events webhook" '
                    "name:webhook,event-count:13 (15-Feb-2022 13:59:43.497) (total time: 1024ms):\n",
                    "2022-02-15T13:59:44.522390011Z",
                ),
                ("Trace[1925773888]: [1.024471619s] [1.024471619s] END\n", "2022-02-15T13:59:44.522435607Z"),
            ]
        ),
        fmt="docker",
        records=[
            (1, "2022-02-15T13:59:42.411888879Z", None, "Trace[628419535]: [1.052845699s]", 1),
            (2, "2022-02-15T13:59:44.329471Z", "I", 'Trace[787090352]: "Call Audit Events webhook"', 2),
            (4, "2022-02-15T13:59:44.521736Z", "I", 'Trace[1925773888]: "Call Audit Events webhook"', 2),
        ],
        outer={2: "2022-02-15T13:59:44.32976007Z"},
        streams="stderr",
    ),
]

CASES += [
    dict(
        id="rfc5424-rsyslog-offset",
        # public GitHub file (search index file 34186761382, a log collector's doc comment): rsyslog RFC 5424 lines
        # of audispd, +01:00 offset, NILVALUE msgid and structured data, two spaces before the message
        url="index:34186761382",
        text=(
            '<14>1 2018-02-19T07:45:34.553831+01:00 localhost audispd - - -  node=atlas type=EXECVE msg=audit(151902'
            '2734.551:1905): argc=4 a0="sudo" a1="-i" a2="-u" a3="kalle"\n'
        ),
        fmt="syslog",
        records=[(1, "2018-02-19T06:45:34.553831Z", None, " node=atlas type=EXECVE", 1)],
        outer={1: "2018-02-19T06:45:34.553831Z"},
    ),
    dict(
        id="rfc5424-structured-data",
        # public GitHub file (search index file 21097696): rsyslog omfwd with RSYSLOG_SyslogProtocol23Format, two
        # structured-data elements before the message
        url="index:21097696",
        text=(
            '<13>1 2019-02-13T19:48:34+00:00 74794bfb6795 root 8449 - [meta sequenceId="1" sysUpTime="37" language="'
            'EN"][origin ip="192.168.0.1" software="test"] i am foobar\n'
        ),
        fmt="syslog",
        records=[(1, "2019-02-13T19:48:34Z", None, "i am foobar", 1)],
        messages={1: "i am foobar"},
    ),
]

CASES += [
    dict(
        id="journald-fatal",
        # public GitHub markdown (search index file 22226189188): `journalctl -f`, a fatal klog line (F)
        url="index:22226189188",
        text=(
            "Jul 13 13:24:31 controller1 kube-apiserver[6560]: F0713 13:24:31.180865    6560 server.go:238] Invalid "
            "Authorization Config: open /var/lib/kubernetes/authorization-policy.jsonl: no such file or directory\n"
        ),
        fmt="syslog",
        records=[(1, "2024-07-13T13:24:31.180865Z", "F", "Invalid Authorization Config", 1)],
    ),
    dict(
        id="cri-negative-offset-reversed",
        # public GitHub markdown (search index file 7848309384): `tac 0.log` of a kube-apiserver CRI file on a
        # node in -05:00 (the post wrapped each line with a backslash; re-joined): the offset is applied, the
        # klog time (UTC, next day) gets the year of the outer time, reversed order changes nothing
        url="index:7848309384",
        text=(
            "2023-01-19T23:05:26.344576202-05:00 stderr F I0120 04:05:26.344479       1 controller.go:615] quota "
            "admission added evaluator for: replicasets.apps\n"
            "2023-01-19T23:05:26.344256311-05:00 stderr F I0120 04:05:26.344122       1 controller.go:615] quota "
            "admission added evaluator for: controllerrevisions.apps\n"
        ),
        fmt="cri",
        records=[
            (1, "2023-01-20T04:05:26.344479Z", "I", "quota admission added evaluator for: replicasets", 1),
            (2, "2023-01-20T04:05:26.344122Z", "I", "quota admission added evaluator for: controllerrev", 1),
        ],
        outer={1: "2023-01-20T04:05:26.344576202Z"},
        streams="stderr",
    ),
]

CASES += [
    dict(
        id="kubectl-prefix-timestamps",
        # public GitHub README (search index file 8547863269, Airbus CyberSecurity's Kubernetes log fetcher):
        # `kubectl logs --prefix --timestamps` lines of several pods; the prefix is not part of the message, the
        # kubelet time gives the year, the etcd zap line is read, and a message that only starts with a quoted word
        # ("service" is disabled, klog's %q) is not taken for a structured one
        url="index:8547863269",
        text=(
            "[pod/cloud-controller-manager-cloud-cluster/cloud-controller-manager] 2023-05-31T06:48:34.354618248Z "
            'W0531 06:48:34.354571       1 controllermanager.go:288] "service" is disabled\n'
            '[pod/etcd-cloud-cluster/etcd] 2023-06-23T12:51:06.225562796Z {"level":"info","ts":"2023-06-23T12:51:06'
            '.225Z","caller":"fileutil/purge.go:77","msg":"purged","path":"/var/lib/rancher/rke2/server/db/etcd/membe'
            'r/snap/0000000000000003-0000000000dc5c4e.snap"}\n'
            "[pod/kube-apiserver-cloud-cluster/kube-apiserver] 2023-06-23T12:52:15.539558976Z W0623 12:52:15.539458 "
            "      1 watcher.go:229] watch chan error: etcdserver: mvcc: required revision has been compacted\n"
            "[pod/kube-scheduler-cloud-cluster/kube-scheduler] 2023-05-31T06:47:57.154583108Z I0531 06:47:57.154215 "
            "      1 leaderelection.go:258] successfully acquired lease kube-system/kube-scheduler\n"
        ),
        fmt="kubectl",
        records=[
            (1, "2023-05-31T06:48:34.354571Z", "W", '"service" is disabled', 1),
            (2, "2023-06-23T12:51:06.225Z", "I", "purged", 1),
            (3, "2023-06-23T12:52:15.539458Z", "W", "watch chan error: etcdserver", 1),
            (4, "2023-05-31T06:47:57.154215Z", "I", "successfully acquired lease", 1),
        ],
        messages={1: '"service" is disabled'},
        outer={3: "2023-06-23T12:52:15.539558976Z"},
    ),
]


def _run(tmp_path, case):
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(case["text"].encode("utf-8"))
    os.utime(path, (MTIME, MTIME))
    return analyze([str(path)], include=None, records="all", **case.get("kw", {}))


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_realworld_format(tmp_path, case):
    res = _run(tmp_path, case)
    src = res.sources.iloc[0]
    assert src["format"] == case["fmt"], src["format_mix"]
    assert src["lines"] == case["text"].count("\n")
    rec = res.records.sort_values("lineno").reset_index(drop=True)
    assert len(rec) == len(case["records"]), rec[["lineno", "message"]]
    got = [
        (
            int(r.lineno),
            r.timestamp,
            None if pd.isna(r.severity) else r.severity,
            r.message[: len(exp[3])],
            int(r.n_lines),
        )
        for r, exp in zip(rec.itertuples(), case["records"], strict=True)
    ]
    want = [(ln, ts(t), sev, msg, n) for ln, t, sev, msg, n in case["records"]]
    assert got == want
    for ln, t in case.get("outer", {}).items():
        assert rec.loc[rec["lineno"] == ln, "ts_outer"].iloc[0] == ts(t)
    for ln, msg in case.get("messages", {}).items():
        assert rec.loc[rec["lineno"] == ln, "message"].iloc[0] == msg
    for ln, extra in case.get("extra", {}).items():
        assert extra in rec.loc[rec["lineno"] == ln, "extra"].iloc[0]
    if "streams" in case:
        assert set(rec["stream"].astype(str)) == {case["streams"]}
    # nothing is lost: every physical line is in a record or counted as unparsed
    assert int(rec["n_lines"].sum()) + int(src["unparsed"]) + case.get("fragments", 0) == src["lines"]
    assert int(src["unparsed"]) == case.get("unparsed", 0), res.unparsed
    for reason in case.get("reasons", ()):
        assert reason in set(res.unparsed["reason"]), res.unparsed


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_realworld_format_cli(tmp_path, case, capsys):
    """`lokonb logs analyze FILE --records out.csv --json`: the same format, records and line numbers."""
    from lokonb.cli import main

    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(case["text"].encode("utf-8"))
    os.utime(path, (MTIME, MTIME))
    out = tmp_path / "records.csv"
    assert main(["logs", "analyze", str(path), "--records", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["format"] for s in doc["sources"]] == [case["fmt"]]
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert sorted(int(r["line_no"]) for r in rows) == [r[0] for r in case["records"]]
    assert {int(r["line_no"]): r["severity"] or None for r in rows} == {r[0]: r[2] for r in case["records"]}


def test_python_logging_lines_are_not_cloudwatch_rows():
    """Python logging's default `asctime` (`2024-01-01 10:00:00,123`) is not a CloudWatch CSV time: no wrapper."""
    from lokonb.logs import formats as F

    line = b"2024-01-01 10:00:00,123 INFO root: hello"
    assert F._cloudwatch(line) is None
    assert F.detect_format(line + b"\n" + line + b"\n") == "klog"
