"""Deterministic, realistic kube-apiserver sample logs (the notebook's default input, tests and the benchmark).

The same seed and size give byte-identical output. Three NLB nodes probe each controller every 10 s (≤ 5 ms
jitter) from VPC addresses; the rest is a mix of request logs, etcd client chatter, ordinary housekeeping,
slow-request traces (with continuation lines) and a few real problems. ``truth`` counts every record by family and
verdict so the analysis can be checked exactly.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

GENERATOR_VERSION = 5
PROBERS = ("10.0.3.14", "10.0.17.203", "10.0.38.9")
PUBLIC = ("203.0.113.7", "198.51.100.23", "192.0.2.54")
_STALE_CLIENTS = ("10.0.21.17", "10.0.33.102", "10.0.44.8")  # clients with an old kubeconfig / CA bundle
START = dt.datetime(2024, 11, 28, 0, 0, 0, tzinfo=dt.UTC)
SAMPLE_START = dt.datetime(2024, 12, 31, 23, 0, 0, tzinfo=dt.UTC)
FORMATS = ("klog", "cri", "kubectl", "docker")

_USER_AGENTS = (
    "kubelet/v1.29.3 (linux/amd64) kubernetes/6813625",
    "kube-controller-manager/v1.29.3 (linux/amd64) "
    "kubernetes/6813625/system:serviceaccount:kube-system:generic-garbage-collector",
    "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625",
    "calico-node/v0.0.0 (linux/amd64) kubernetes/$Format",
)
_URIS = (
    "/api/v1/namespaces/kube-system/pods?limit=500",
    "/api/v1/nodes/ip-10-0-21-17?timeout=10s",
    "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/ip-10-0-21-17?timeout=10s",
    "/api/v1/namespaces/default/endpoints/kubernetes",
    "/apis/apps/v1/deployments?resourceVersion=120431&watch=true",
    "/api/v1/namespaces/monitoring/configmaps/prometheus-rules",
    "/apis/crd.projectcalico.org/v1/ippools",
)


@dataclass
class Truth:
    """What the generator wrote: records per (family, harmless), physical lines, unparsed lines."""

    records: Counter = field(default_factory=Counter)
    lines: int = 0
    unparsed: int = 0
    bytes: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "records": {
                f"{k[0]}|{'harmless' if k[1] else 'actionable'}": v for k, v in sorted(self.records.items())
            },
            "lines": self.lines,
            "unparsed": self.unparsed,
            "bytes": self.bytes,
            "first": None if self.first is None else self.first.isoformat(),
            "last": None if self.last is None else self.last.isoformat(),
        }


class _Writer:
    def __init__(self, out: IO[bytes], fmt: str, truth: Truth, rng: random.Random) -> None:
        self.out, self.fmt, self.truth, self.rng = out, fmt, truth, rng
        self._sec = -1
        self._prefix = ""
        self._iso = ""
        self.buf: list[str] = []
        self.size = 0

    def _stamp(self, t: float) -> tuple[str, str, int]:
        sec = int(t)
        if sec != self._sec:
            d = dt.datetime.fromtimestamp(sec, dt.UTC)
            self._sec = sec
            self._prefix = d.strftime("%m%d %H:%M:%S")
            self._iso = d.strftime("%Y-%m-%dT%H:%M:%S")
        return self._prefix, self._iso, int((t - sec) * 1_000_000)

    def lines(self, t: float, sev: str, fileline: str, msg: str, cont: tuple[str, ...] = ()) -> None:
        prefix, iso, us = self._stamp(t)
        first = f"{sev}{prefix}.{us:06d}       1 {fileline}] {msg}"
        for text in (first, *cont):
            self._emit(text, iso, us)

    def raw(self, text: str, t: float) -> None:
        _, iso, us = self._stamp(t)
        self._emit(text, iso, us)

    def _emit(self, text: str, iso: str, us: int) -> None:
        if self.fmt == "klog":
            line = text
        else:
            ns = us * 1000 + 17_000 + (len(text) * 7919) % 65536  # the runtime reads the line slightly later
            if ns >= 1_000_000_000:
                ns = 999_999_999
            stamp = f"{iso}.{ns:09d}Z"
            if self.fmt == "cri":
                line = f"{stamp} stderr F {text}"
            elif self.fmt == "kubectl":
                line = f"{stamp} {text}"
            else:
                import json

                line = json.dumps({"log": text + "\n", "stream": "stderr", "time": stamp})
        self.buf.append(line)
        self.truth.lines += 1
        self.size += len(line) + 1
        if len(self.buf) >= 4096:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            data = ("\n".join(self.buf) + "\n").encode("utf-8")
            self.out.write(data)
            self.truth.bytes += len(data)
            self.buf.clear()


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}"


# Event kinds: (weight in records, function(w, t, rng) -> (family, harmless))
def _http(w: _Writer, t: float, rng: random.Random) -> tuple[str, bool]:
    verb = rng.choice(("GET", "GET", "GET", "LIST", "PATCH", "PUT", "WATCH"))
    lat = (
        f"{rng.uniform(0.3, 40):.6f}ms"
        if verb != "WATCH"
        else f"{rng.randint(5, 9)}m{rng.uniform(0, 59):.6f}s"
    )
    code = rng.choice((200, 200, 200, 200, 201, 404, 409))
    msg = (
        f'"HTTP" verb="{verb}" URI="{rng.choice(_URIS)}" latency="{lat}" userAgent="{rng.choice(_USER_AGENTS)}" '
        f'audit-ID="{_uuid(rng)}" srcIP="10.0.{rng.randint(16, 47)}.{rng.randint(2, 250)}:{rng.randint(32768, 60999)}" '
        f"resp={code}"
    )
    w.lines(t, "I", "httplog.go:132", msg)
    return "http_access", True


_ETCD_NOISE = (
    'parsed scheme: "endpoint"',
    "ccResolverWrapper: sending new addresses to cc: [{https://127.0.0.1:2379  <nil> 0 <nil>}]",
    "pickfirstBalancer: HandleSubConnStateChange: 0xc00a1b2c30, {CONNECTING <nil>}",
    'scheme "" not registered, fallback to default scheme',
)


def _etcd_noise(w: _Writer, t: float, rng: random.Random) -> tuple[str, bool]:
    w.lines(t, "I", f"clientconn.go:{rng.choice((106, 948, 243))}", rng.choice(_ETCD_NOISE))
    return "etcd_client_noise", True


def _harmless(w: _Writer, t: float, rng: random.Random) -> tuple[str, bool]:
    k = rng.randrange(10)
    if k == 0:
        w.lines(
            t,
            "W",
            "watcher.go:229",
            "watch chan error: etcdserver: mvcc: required revision has been compacted",
        )
        return "watch_chan_error", True
    if k == 1:
        res = rng.choice(("v1.Secret", "v1.ConfigMap", "v1.Pod"))
        w.lines(
            t,
            "W",
            "reflector.go:441",
            f"storage/cacher.go:/{res.split('.')[1].lower()}s: watch of *{res} "
            "ended with: very short watch: storage/cacher.go: Unexpected watch close - watch lasted less than a "
            "second and no items received",
        )
        return "reflector_watch_ended", True
    if k == 2:
        w.lines(
            t,
            "I",
            "controller.go:624",
            "quota admission added evaluator for: "
            + rng.choice(
                ("leases.coordination.k8s.io", "endpoints", "events.events.k8s.io", "replicasets.apps")
            ),
        )
        return "quota_admission", True
    if k == 3:
        w.lines(
            t,
            "E",
            "status.go:71",
            "apiserver received an error that is not an metav1.Status: "
            '&errors.errorString{s:"context canceled"}: context canceled',
        )
        return "not_metav1_status", True
    if k == 4:
        w.lines(
            t,
            "I",
            "controller.go:132",
            "OpenAPI AggregationController: action for item "
            "k8s_internal_local_delegation_chain_0000000000: Nothing (removed from the queue).",
        )
        return "openapi_aggregation", True
    if k == 5:
        w.lines(
            t,
            "E",
            "upgradeaware.go:427",
            "Error proxying data from client to backend: read tcp "
            f"10.0.5.21:6443->10.0.{rng.randint(16, 47)}.{rng.randint(2, 250)}:{rng.randint(32768, 60999)}: "
            "read: connection reset by peer",
        )
        return "upgradeaware_proxy_error", True
    if k == 6:
        w.lines(t, "I", "cacher.go:1250", "Terminating all watchers from cacher *core.Pod")
        return "cacher", True
    if k == 7:
        w.lines(
            t,
            "W",
            "dispatcher.go:217",
            'rejected by webhook "validate.nginx.ingress.kubernetes.io": '
            '&errors.StatusError{ErrStatus:v1.Status{Status:"Failure", Message:"admission webhook denied the '
            'request: host already defined", Code:400}}',
        )
        return "webhook_rejected", True
    if k == 8:
        w.lines(
            t,
            "I",
            "log.go:194",
            "http: superfluous response.WriteHeader call from "
            "k8s.io/apiserver/pkg/server/httplog.(*respLogger).WriteHeader (httplog.go:220)",
        )
        return "superfluous_writeheader", True
    w.lines(
        t,
        "W",
        "watcher.go:338",
        f"Too large resource version: {rng.randint(10**6, 9 * 10**6)}, current: "
        f"{rng.randint(10**5, 9 * 10**5)}",
    )
    return "too_large_rv", True


def _trace(w: _Writer, t: float, rng: random.Random) -> tuple[str, bool]:
    tid = rng.randint(10**8, 4 * 10**9)
    total = rng.randint(500, 999) if rng.random() < 0.9 else rng.randint(1000, 9000)
    d = dt.datetime.fromtimestamp(t - total / 1000, dt.UTC)
    started = d.strftime("%d-%b-%Y %H:%M:%S.") + f"{d.microsecond // 1000:03d}"
    end = dt.datetime.fromtimestamp(t, dt.UTC).strftime("%H:%M:%S.") + f"{int(t * 1000) % 1000:03d}"
    audit = _uuid(rng)
    msg = (
        f'Trace[{tid}]: "List" accept:application/json,audit-id:{audit},client:10.0.17.44,protocol:HTTP/2.0,'
        f"resource:pods,scope:cluster,url:/api/v1/pods,user-agent:kubectl/v1.29.3 (linux/amd64),verb:LIST "
        f"({started}) (total time: {total}ms):"
    )
    cont = (
        f'Trace[{tid}]: ---"Writing http response done" count:{rng.randint(100, 9000)} {total - 40}ms ({end})',
        f"Trace[{tid}]: [{total / 1000:.9f}s] [{total / 1000:.9f}s] END",
    )
    w.lines(t, "I", "trace.go:236", msg, cont)
    return "trace", total < 1000


def _actionable(w: _Writer, t: float, rng: random.Random) -> tuple[str, bool]:
    k = rng.randrange(8)
    if k == 0:
        w.lines(
            t,
            "W",
            "dispatcher.go:180",
            "Failed calling webhook, failing open policy.example.io: failed calling "
            'webhook "policy.example.io": failed to call webhook: Post "https://policy-webhook.policy.svc:443/'
            'validate?timeout=10s": context deadline exceeded',
        )
        return "webhook_failure", False
    if k == 1:
        w.lines(
            t,
            "E",
            "available_controller.go:456",
            "v1beta1.metrics.k8s.io failed with: failing or missing "
            "response from https://10.2.7.19:4443/apis/metrics.k8s.io/v1beta1: Get "
            '"https://10.2.7.19:4443/apis/metrics.k8s.io/v1beta1": dial tcp 10.2.7.19:4443: connect: '
            "connection refused",
        )
        return "aggregator_unavailable", False
    if k == 2:
        w.lines(
            t,
            "E",
            "authentication.go:73",
            '"Unable to authenticate the request" err="[invalid bearer token, '
            'service account token has expired]"',
        )
        return "authn_failure", False
    if k == 3:
        w.lines(
            t,
            "E",
            "status.go:71",
            "apiserver received an error that is not an metav1.Status: "
            'rpctypes.EtcdError{code:0xe, desc:"etcdserver: request timed out"}: etcdserver: request timed out',
        )
        return "etcd_unavailable", False
    if k == 4:
        w.lines(
            t,
            "E",
            "timeout.go:141",
            'post-timeout activity - time-elapsed: 3.2ms, GET "/api/v1/namespaces/'
            'default/pods" result: <nil>',
        )
        return "request_timeout", False
    if k == 5:
        msg = (
            f'"HTTP" verb="GET" URI="/apis/metrics.k8s.io/v1beta1?timeout=32s" latency="{rng.uniform(1, 30):.6f}ms" '
            f'userAgent="kube-controller-manager/v1.29.3 (linux/amd64) kubernetes/6813625" audit-ID="{_uuid(rng)}" '
            f'srcIP="10.0.5.21:{rng.randint(32768, 60999)}" resp=503'
        )
        w.lines(t, "I", "httplog.go:132", msg)
        return "http_access", False
    if k == 6:
        w.lines(
            t,
            "E",
            "reflector.go:147",
            "k8s.io/client-go/informers/factory.go:150: Failed to watch *v1.Secret: "
            "failed to list *v1.Secret: Unauthorized",
        )
        return "reflector_list_error", False
    w.lines(
        t,
        "E",
        "controller.go:203",
        f"Unable to remove endpoints from kubernetes service: Operation cannot be "
        f'fulfilled on endpoints "kubernetes": the object has been modified (attempt {rng.randint(1, 9)})',
    )
    return "other", False


def _tls_nonprobe(w: _Writer, t: float, rng: random.Random) -> tuple[str, bool]:
    k = rng.randrange(3)
    port = rng.randint(32768, 60999)
    if k == 0:
        w.lines(
            t,
            "I",
            "log.go:195",
            f"http: TLS handshake error from {rng.choice(_STALE_CLIENTS)}:"
            f"{port}: remote error: tls: bad certificate",
        )
        return "tls_handshake_bad_cert", False
    if k == 1:
        w.lines(
            t,
            "I",
            "log.go:195",
            f"http: TLS handshake error from {rng.choice(_STALE_CLIENTS)}:"
            f"{port}: remote error: tls: unknown certificate authority",
        )
        return "tls_handshake_unknown_ca", False
    ip = rng.choice(PUBLIC)
    w.lines(
        t,
        "I",
        "log.go:195",
        f"http: TLS handshake error from {ip}:{port}: read tcp 10.0.5.21:6443->{ip}:{port}: "
        "read: connection reset by peer",
    )
    return "tls_handshake_reset", False


_KINDS: list[tuple[float, Callable[[_Writer, float, random.Random], tuple[str, bool]], int]] = [
    (33.0, _http, 1),
    (9.0, _etcd_noise, 1),
    (15.0, _harmless, 1),
    (2.5, _trace, 3),
    (5.0, _actionable, 1),
    (0.5, _tls_nonprobe, 1),
]


def generate(
    out: IO[bytes],
    *,
    size: int | None = None,
    lines: int | None = None,
    seed: int = 42,
    fmt: str = "klog",
    start: dt.datetime = START,
    probers: tuple[str, ...] = PROBERS,
    local_addr: str = "10.0.5.21",
    incidents: bool = False,
    garbage_every: int = 2_000_000,
) -> Truth:
    """Write a synthetic kube-apiserver log until ``size`` bytes or ``lines`` physical lines; return the truth."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}")
    if size is None and lines is None:
        lines = 10_000
    rng = random.Random(seed)  # noqa: S311 - deterministic test data, not crypto
    truth = Truth()
    w = _Writer(out, fmt, truth, rng)
    weights = [k[0] for k in _KINDS]
    cum = []
    acc = 0.0
    for x in weights:
        acc += x
        cum.append(acc)
    phases = [1.234 + 3.3 * i for i in range(len(probers))]
    t0 = start.timestamp()
    tick = 0
    budget = 0.0
    next_garbage = garbage_every
    other_lines_per_tick = 7.0 * len(probers) / 3.0
    import bisect

    while True:
        if size is not None and w.size >= size:
            break
        if lines is not None and truth.lines >= lines:
            break
        base = t0 + tick * 10.0
        events: list[tuple[float, int, Any]] = []
        for i, ip in enumerate(probers):
            t = base + phases[i] + rng.uniform(-0.005, 0.005)
            events.append((t, 0, (ip,)))
        budget += other_lines_per_tick
        while budget >= 1.0:
            r = rng.random() * acc
            kind = _KINDS[bisect.bisect_right(cum, r)]
            budget -= kind[2]
            events.append((base + rng.uniform(0, 10.0), 1, kind[1]))
        if incidents:
            _incident(events, tick, base, rng)
        events.sort(key=lambda e: e[0])
        for t, typ, payload in events:
            if typ == 0:
                ip = payload[0]
                port = rng.randint(32768, 60999)
                if rng.random() < 0.1:
                    w.lines(t, "I", "log.go:195", f"http: TLS handshake error from {ip}:{port}: EOF")
                    truth.records[("tls_handshake_eof", True)] += 1
                else:
                    w.lines(
                        t,
                        "I",
                        "log.go:195",
                        f"http: TLS handshake error from {ip}:{port}: read tcp "
                        f"{local_addr}:6443->{ip}:{port}: read: connection reset by peer",
                    )
                    truth.records[("tls_handshake_reset", True)] += 1
            elif typ == 1:
                fam, harmless = payload(w, t, rng)
                truth.records[(fam, harmless)] += 1
            else:
                fam, harmless = payload(w, t, rng)
                if fam:
                    truth.records[(fam, harmless)] += 1
            if truth.first is None:
                truth.first = dt.datetime.fromtimestamp(t, dt.UTC)
            truth.last = dt.datetime.fromtimestamp(t, dt.UTC)
        if truth.lines >= next_garbage:
            next_garbage += garbage_every
            w.flush()
            junk = bytes(rng.getrandbits(8) for _ in range(40)) + b"\x00\x00garbage"
            junk = junk.replace(b"\n", b" ").replace(b"\r", b" ")
            w.out.write(junk + b"\n")
            truth.bytes += len(junk) + 1
            truth.lines += 1
            truth.unparsed += 1
            w.size += len(junk) + 1
        tick += 1
    w.flush()
    return truth


def _incident(events: list[Any], tick: int, base: float, rng: random.Random) -> None:
    """Scripted incidents for the notebook sample (by 10 s tick)."""

    def add(fn: Callable[[_Writer, float, random.Random], tuple[str, bool]]) -> None:
        events.append((base + rng.uniform(0, 10), 2, fn))

    if 120 <= tick < 150 and tick % 2 == 0:  # a webhook timing out for 5 minutes
        add(lambda w, t, r: _actionable_k(w, t, r, 0))
    if tick in (300, 301):  # etcd leader election
        add(
            lambda w, t, r: (
                w.lines(
                    t,
                    "E",
                    "status.go:71",
                    "apiserver received an error that is not an "
                    'metav1.Status: rpctypes.EtcdError{code:0xe, desc:"etcdserver: leader changed"}: '
                    "etcdserver: leader changed",
                ),
                ("etcd_leader_changed", False),
            )[1]
        )
    if 400 <= tick < 460 and tick % 3 == 0:  # metrics-server down
        add(lambda w, t, r: _actionable_k(w, t, r, 1))
    if tick % 97 == 5:  # random resets from a public scanner
        add(lambda w, t, r: _public_reset(w, t, r))
    if tick == 500:  # a panic with its goroutine stack
        add(_panic)
    if tick == 520:  # a very long line split by the runtime (CRI P/F)
        add(_long_line)


def _actionable_k(w: _Writer, t: float, rng: random.Random, k: int) -> tuple[str, bool]:
    class _R:
        def randrange(self, n: int) -> int:
            return k

        def __getattr__(self, name: str) -> Any:
            return getattr(rng, name)

    return _actionable(w, t, _R())  # type: ignore[arg-type]


def _public_reset(w: _Writer, t: float, rng: random.Random) -> tuple[str, bool]:
    ip = PUBLIC[0]
    port = rng.randint(32768, 60999)
    w.lines(
        t,
        "I",
        "log.go:195",
        f"http: TLS handshake error from {ip}:{port}: read tcp 10.0.5.21:6443->{ip}:{port}: "
        "read: connection reset by peer",
    )
    return "tls_handshake_reset", False


def _panic(w: _Writer, t: float, rng: random.Random) -> tuple[str, bool]:
    frames = []
    for i in range(6):
        frames.append(
            f"k8s.io/apiserver/pkg/endpoints/handlers.(*handler{i}).ServeHTTP(0xc000{i:04x}a0, 0x1a2b3c0)"
        )
        frames.append(f"\t/workspace/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go:{200 + i}")
    w.lines(
        t,
        "E",
        "runtime.go:79",
        "Observed a panic: runtime error: invalid memory address or nil pointer dereference",
        ("goroutine 4123 [running]:", *frames),
    )
    return "panic", False


def _long_line(w: _Writer, t: float, rng: random.Random) -> tuple[str, bool]:
    tail = ", ".join(f"10.0.{i % 48}.{i % 250}:6443" for i in range(2500))
    w.lines(
        t,
        "E",
        "controller.go:223",
        f'unable to sync kubernetes service: Endpoints "kubernetes" is invalid: '
        f"subsets[0].addresses: Too many: {tail}",
    )
    return "master_endpoints", False


def sample_logs(
    *,
    controllers: int = 3,
    hours: float = 2.0,
    fmt: str = "cri",
    seed: int = 7,
    start: dt.datetime = SAMPLE_START,
) -> dict[str, bytes]:
    """The notebook's sample: ``controllers`` kube-apiserver logs (CRI by default), name → bytes."""
    import io

    out: dict[str, bytes] = {}
    n_lines = int(hours * 360 * 10)
    for i in range(controllers):
        buf = io.BytesIO()
        generate(
            buf,
            lines=n_lines,
            seed=seed + i,
            fmt="klog" if fmt == "cri" else fmt,
            start=start,
            local_addr=f"10.0.{5 + 16 * i}.21",
            incidents=True,
        )
        data = buf.getvalue()
        if fmt == "cri":
            data = _to_cri(data, start, rng=random.Random(seed + 100 + i))  # noqa: S311
        node = f"ip-10-0-{5 + 16 * i}-21"
        out[f"sample/{node}/kube-system_kube-apiserver-{node}_{i}/kube-apiserver/0.log"] = data
    return out


def _to_cri(data: bytes, start: dt.datetime, rng: random.Random, limit: int = 16384) -> bytes:
    """Wrap klog lines as containerd CRI lines; lines over ``limit`` become P fragments + F."""
    out = []
    year = start.year
    last = None
    for line in data.split(b"\n")[:-1]:
        text = line.decode("utf-8", "replace")
        if len(text) > 22 and text[0] in "IWEF" and text[5] == " ":
            mo, dd = int(text[1:3]), int(text[3:5])
            y = year + 1 if (last is not None and mo < last[0]) else year
            if last is not None and mo < last[0]:
                year = y
            last = (mo, dd)
            stamp = f"{y}-{text[1:3]}-{text[3:5]}T{text[6:21]}{rng.randint(100, 999)}Z"
        else:
            stamp = stamp if last is not None else start.strftime("%Y-%m-%dT%H:%M:%S.000000000Z")
        if len(text) > limit:
            chunks = [text[i : i + limit] for i in range(0, len(text), limit)]
            for c in chunks[:-1]:
                out.append(f"{stamp} stderr P {c}")
            out.append(f"{stamp} stderr F {chunks[-1]}")
        else:
            out.append(f"{stamp} stderr F {text}")
    return ("\n".join(out) + "\n").encode("utf-8")


def sample_sources(**kwargs: Any) -> list[Any]:
    """The sample as :class:`~lokonb.logs.sources.Source` objects (node and pod metadata filled in)."""
    from lokonb.logs.sources import bytes_source

    srcs = []
    for name, data in sample_logs(**kwargs).items():
        node = name.split("/")[1]
        srcs.append(
            bytes_source(
                name,
                data,
                kind="sample",
                node=node,
                pod=f"kube-apiserver-{node}",
                container="kube-apiserver",
                namespace="kube-system",
            )
        )
    return srcs
