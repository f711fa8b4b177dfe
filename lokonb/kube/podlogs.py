"""Fetching kube-apiserver pod logs through the official kubernetes client (spec logs.md IN-5).

:func:`fetch_pod_sources` finds the apiserver pods (label selector fallback, name prefix, explicit names), reads
every wanted container instance concurrently with ``timestamps=true`` (the kubelet prefix carries the year and
zone), streams each response in chunks into a spooled temporary file (never buffered whole) and returns one
:class:`lokonb.logs.sources.Source` per container instance, tagged with node, pod, container and instance.
Errors are per source (a 403 names the missing permission); the other pods continue.
"""

from __future__ import annotations

import math
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields
from typing import IO, Any

from lokonb.errors import ConfigError

DEFAULT_SELECTORS = ("k8s-app=kube-apiserver", "component=kube-apiserver")
NAME_PREFIX = "kube-apiserver"
_TS_PREFIX = re.compile(rb"^(\d{4}-\d\d-\d\dT\S+) ")
CHUNK = 1 << 20
#: integer PodQuery fields and their least allowed value (the API's PodLogOptions validation, plus concurrency)
_INT_LIMITS = {"limit_bytes": 1, "tail_lines": 0, "concurrency": 1}


@dataclass
class PodQuery:
    """Which kube-apiserver pods to read and how (IN-5)."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str = "kube-system"
    selector: str | None = None
    names: Sequence[str] = ()
    container: str | None = None
    all_containers: bool = False
    previous: bool = False
    since: Any = None
    until: Any = None
    limit_bytes: int | None = None
    tail_lines: int | None = None
    concurrency: int = 4
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        from lokonb.kube.labels import dns1123_label_error

        # 'Kube System' reached the API as a path segment: a 404 "no pods found" far from the typo
        problem = dns1123_label_error(self.namespace, "namespace")
        if problem:
            raise ConfigError(f"pods.namespace: {problem}")
        if isinstance(self.names, str):
            self.names = [self.names]
        bad = [n for n in self.names if not isinstance(n, str) or not n.strip()] if isinstance(
            self.names, Sequence) else [self.names]
        if bad:
            raise ConfigError(f"pods.names: expected a list of pod names, got {bad[0]!r}")
        # the same name twice was read twice: every record counted double
        self.names = list(dict.fromkeys(n.strip() for n in self.names))
        for key in ("all_containers", "previous"):
            if not isinstance(getattr(self, key), bool):  # the string "false" was true
                raise ConfigError(f"pods.{key}: expected true or false, got {getattr(self, key)!r}")
        for key, low in _INT_LIMITS.items():
            value = getattr(self, key)
            if value is None and key != "concurrency":
                continue
            # the API answers 422 for tailLines < 0 / limitBytes < 1 on every pod; a string was a ValueError
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ConfigError(f"pods.{key}: expected an integer >= {low}, got {value!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PodQuery:
        """Build from a parameters mapping (unknown keys are an error naming them)."""
        known = {f.name for f in fields(cls)} - {"notes"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"pods.{unknown[0]}: unknown key (allowed: {', '.join(sorted(known))})")
        values = {k: v for k, v in data.items() if v is not None}
        if isinstance(values.get("names"), str):
            values["names"] = [values["names"]]
        return cls(**values)


def _status_message(exc: Any) -> str:
    import json

    try:
        body = json.loads(exc.body or "{}")
        return str(body.get("message") or exc.reason)
    except (ValueError, TypeError, AttributeError):
        return str(getattr(exc, "reason", exc))


def _api_error(exc: Any, what: str, namespace: str) -> str:
    status = getattr(exc, "status", None)
    msg = _status_message(exc)
    if status == 403:
        return f"forbidden: the kubeconfig's user needs '{what}' in {namespace} ({msg})"
    if status == 401:
        return f"unauthorized: the kubeconfig's credentials were rejected ({msg})"
    if status == 404:
        return f"not found ({msg})"
    return f"HTTP {status}: {msg}"


def _find_pods(core: Any, q: PodQuery) -> tuple[list[Any], list[str]]:
    import urllib3
    from kubernetes.client.exceptions import ApiException

    errors: list[str] = []
    if q.names:
        pods = []
        for name in q.names:
            try:
                pods.append(core.read_namespaced_pod(name, q.namespace))
            except ApiException as exc:
                errors.append(f"pod/{q.namespace}/{name}: {_api_error(exc, 'get pods', q.namespace)}")
            except (urllib3.exceptions.HTTPError, OSError) as exc:  # a raw MaxRetryError traceback before
                raise _unreachable(exc, f"read pod {name} in {q.namespace}") from None
        return pods, errors
    selectors = (q.selector,) if q.selector else DEFAULT_SELECTORS
    for sel in selectors:
        try:
            found = core.list_namespaced_pod(q.namespace, label_selector=sel).items
        except ApiException as exc:
            raise ConfigError(f"cannot list pods: {_api_error(exc, 'list pods', q.namespace)}") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:  # an unreachable server was an internal error
            raise _unreachable(exc, f"list pods in {q.namespace}") from None
        found = [p for p in found if p.metadata.name.startswith(NAME_PREFIX)]
        if found:
            return sorted(found, key=lambda p: p.metadata.name), errors
    return [], errors


def _unreachable(exc: BaseException, what: str) -> Exception:
    from lokonb.kube.errors import KubeApiError
    from lokonb.kube.sources import _short

    # urllib3's MaxRetryError repeats pool, URL and retries first: cut at 300 characters it lost the cause
    # ("Connection refused", the TLS error), so the innermost reason is shown
    reason = getattr(exc, "reason", None) or exc
    return KubeApiError(f"cannot reach the Kubernetes API to {what}: {reason.__class__.__name__}: "
                        f"{_short(reason)}")


#: the pod spec's container lists (and their status lists) in the order ``kubectl logs --all-containers`` reads
#: them: init containers, containers, ephemeral containers (kubectl polymorphichelpers/logsforobject.go)
_CONTAINER_KINDS = (
    ("init_containers", "init_container_statuses"),
    ("containers", "container_statuses"),
    ("ephemeral_containers", "ephemeral_container_statuses"),
)


def _containers(pod: Any, q: PodQuery) -> list[str]:
    names = [c.name for c in pod.spec.containers or []]
    if q.all_containers:
        return [c.name for kind, _ in _CONTAINER_KINDS for c in getattr(pod.spec, kind, None) or []]
    if q.container:
        return [q.container]
    if "kube-apiserver" in names:
        return ["kube-apiserver"]
    return names[:1] if len(names) == 1 else [n for n in names if "apiserver" in n][:1] or names[:1]


def _restarts(pod: Any, container: str) -> int:
    for _, kind in _CONTAINER_KINDS if pod.status else ():
        for st in getattr(pod.status, kind, None) or []:
            if st.name == container:
                return int(st.restart_count or 0)
    return 0


def fetch_pod_sources(query: PodQuery | Mapping[str, Any], *, warnings: list[str] | None = None) -> list[Any]:
    """Fetch the logs of the selected kube-apiserver pods; returns :class:`~lokonb.logs.sources.Source` objects."""
    from kubernetes import client as k8s

    from lokonb.kube.client import load_api_client
    from lokonb.logs.options import parse_time
    from lokonb.logs.sources import Source

    q = query if isinstance(query, PodQuery) else PodQuery.from_mapping(query)
    warnings = warnings if warnings is not None else []
    api_client = load_api_client(q.kubeconfig, q.context)
    core = k8s.CoreV1Api(api_client)
    now_ns = time.time_ns()
    since_ns = parse_time(q.since, "pods.since", now_ns)
    until_ns = parse_time(q.until, "pods.until", now_ns)
    pods, errors = _find_pods(core, q)
    warnings.extend(errors)
    if not pods and not errors:
        warnings.append(
            f"no kube-apiserver pods found in {q.namespace} (selectors "
            f"{q.selector or ', '.join(DEFAULT_SELECTORS)}, name prefix {NAME_PREFIX})"
        )
    jobs = []
    for pod in pods:
        for cont in _containers(pod, q):
            jobs.append((pod, cont, False))
            if q.previous and _restarts(pod, cont) > 0:
                jobs.append((pod, cont, True))
    since_seconds = None
    if since_ns is not None:
        since_seconds = max(1, math.ceil((now_ns - since_ns) / 1e9))

    def fetch(job: tuple[Any, str, bool]) -> Source:
        pod, cont, prev = job
        ns, name = pod.metadata.namespace or q.namespace, pod.metadata.name
        src = Source(
            name=f"pod/{ns}/{name}/{cont}" + ("#previous" if prev else ""),
            kind="pod",
            node=getattr(pod.spec, "node_name", None),
            namespace=ns,
            pod=name,
            container=cont,
            instance="previous" if prev else "current",
            anchor_ns=now_ns,
            year_source="collection-time",
        )
        try:
            tmp, dropped, cut = _download(core, name, ns, cont, prev, q, since_seconds, since_ns, until_ns)
        except Exception as exc:  # noqa: BLE001 - every failure becomes this source's error, others continue
            status = getattr(exc, "status", None)
            if prev and status == 400:
                src.notes.append("no previous container log (not an error)")
                src.opener = None
                return src
            src.error = (
                _api_error(exc, "get pods/log", ns) if status is not None else f"{type(exc).__name__}: {exc}"
            )
            return src
        if dropped:
            src.notes.append(f"{dropped} line(s) outside since/until dropped")
        if cut:
            # the server stops after limitBytes, inside a line: a half line must not pass for a whole record
            src.cut_at_end = "limit_bytes"
            src.notes.append(f"limit_bytes={q.limit_bytes} ended the log inside its last line: that line is cut short")
        src.opener = _reopen(tmp)
        return src

    with ThreadPoolExecutor(max_workers=max(1, int(q.concurrency))) as pool:
        sources = list(pool.map(fetch, jobs))
    return sources


def _download(
    core: Any,
    name: str,
    ns: str,
    cont: str,
    prev: bool,
    q: PodQuery,
    since_seconds: int | None,
    since_ns: int | None,
    until_ns: int | None,
) -> tuple[IO[bytes], int, bool]:
    """Stream one container log into a spooled temporary file, filtering since/until exactly on the prefix; also
    the lines dropped by the filter and whether ``limit_bytes`` cut the last line kept."""
    from lokonb.logs.formats import parse_ts_ns

    kwargs: dict[str, Any] = {"container": cont, "timestamps": True, "_preload_content": False}
    if prev:
        kwargs["previous"] = True
    if since_seconds is not None:
        kwargs["since_seconds"] = since_seconds
    if q.limit_bytes is not None:
        kwargs["limit_bytes"] = int(q.limit_bytes)
    if q.tail_lines is not None:
        kwargs["tail_lines"] = int(q.tail_lines)
    resp = core.read_namespaced_pod_log(name, ns, **kwargs)
    tmp = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - handed to the Source opener
    carry = b""
    dropped = got = 0
    cut_last = False
    try:
        for chunk in resp.stream(CHUNK):
            got += len(chunk)
            data = carry + chunk
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            carry = data[cut + 1 :]
            kept, d = _filter(data[: cut + 1], since_ns, until_ns, parse_ts_ns)
            dropped += d
            tmp.write(kept)
        if carry:
            kept, d = _filter(carry + b"\n", since_ns, until_ns, parse_ts_ns)
            dropped += d
            tmp.write(kept)
            # a log ends with a line end: without one at limitBytes, the server cut the line there
            cut_last = bool(kept) and q.limit_bytes is not None and got >= q.limit_bytes
    finally:
        resp.release_conn()
    tmp.seek(0)
    return tmp, dropped, cut_last


def _filter(block: bytes, since_ns: int | None, until_ns: int | None, parse: Any) -> tuple[bytes, int]:
    if since_ns is None and until_ns is None:
        return block, 0
    out, dropped = [], 0
    for line in block.split(b"\n")[:-1]:
        m = _TS_PREFIX.match(line)
        ts = parse(m.group(1).decode()) if m else None
        if ts is not None and (
            (since_ns is not None and ts < since_ns) or (until_ns is not None and ts >= until_ns)
        ):
            dropped += 1
            continue
        out.append(line)
    return (b"\n".join(out) + b"\n") if out else b"", dropped


def _reopen(tmp: IO[bytes]) -> Any:
    def opener() -> IO[bytes]:
        tmp.seek(0)
        return _Borrowed(tmp)

    return opener


class _Borrowed:
    """A file object whose close() rewinds instead of closing (the Source may be read again)."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh

    def read(self, n: int = -1) -> bytes:
        return self.fh.read(n)

    def __enter__(self) -> _Borrowed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.fh.seek(0)
