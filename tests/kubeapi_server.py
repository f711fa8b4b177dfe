"""A small recording Kubernetes API server for tests (no kube-apiserver binary can be installed here).

It speaks the real REST paths, verbs, bodies and status codes closely enough that the official ``kubernetes``
Python client is exercised for real: typed APIs (``CoreV1Api``, ``NetworkingV1Api``), ``CustomObjectsApi``,
server-side dry run and pod logs all go over HTTP to ``127.0.0.1``.

Quick use (any test directory; ``tests/`` is on ``sys.path`` through ``tests/conftest.py``)::

    from kubeapi_server import kubeapi_fixture, KubeApiServer

    kubeapi = kubeapi_fixture()                  # a function-scoped fixture named after the variable
    calico_less = kubeapi_fixture(calico=False)  # a server without the Calico CRDs

    def test_something(kubeapi, tmp_path):
        kubeconfig = kubeapi.write_kubeconfig(tmp_path / "kubeconfig")       # fake bearer token inside
        kubeapi.add({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"},
                     "spec": {"containers": [{"name": "c", "image": "busybox"}]}})
        kubeapi.set_pod_log("default", "p", "one\\ntwo\\n")  # one line a second from log_base_time
        ...                                                                    # run the code under test
        posts = kubeapi.requests_matching("POST", "/apis/networking.k8s.io/v1/")
        assert posts[0].query == {"dryRun": ["All"]}

Or without pytest: ``with KubeApiServer() as server: ...``.

What it implements
------------------
Resources (table :data:`RESOURCES`): core/v1 ``pods`` (+ ``pods/{name}/log``), ``namespaces``, ``nodes``,
``services``, ``configmaps``, ``serviceaccounts``; networking.k8s.io/v1 ``networkpolicies``;
apiextensions.k8s.io/v1 ``customresourcedefinitions``; crd.projectcalico.org/v1 ``globalnetworkpolicies``,
``networkpolicies``, ``globalnetworksets``, ``networksets``, ``tiers``; projectcalico.org/v3
``globalnetworkpolicies``/``networkpolicies`` (the Calico API server; off unless ``calico_apiserver=True``);
policy.networking.k8s.io/v1alpha1 ``adminnetworkpolicies``/``baselineadminnetworkpolicies`` (CRDs in
:data:`ADMIN_POLICY_CRDS`, installed on request); cilium.io/v2 ``ciliumnetworkpolicies``/
``ciliumclusterwidenetworkpolicies`` (installed on request). Custom resources answer only while their CRD object
exists in the store (``calico=True`` installs the Calico CRDs, :meth:`KubeApiServer.install_crd` any other;
:meth:`KubeApiServer.remove_crd` makes them disappear), so "CRD missing" is the real 404 with a ``Status`` body.

Verbs: GET (object, namespaced list, all-namespaces list (chunked with ``limit``/``continue``) with
``labelSelector`` equality and set-based
requirements and ``fieldSelector`` on ``metadata.name``/``metadata.namespace``/``spec.nodeName``), POST (201,
409 AlreadyExists, 404 namespace not found, 422 Invalid for bad names/labels and bad NetworkPolicy
CIDRs/protocols/endPorts, 400 namespace mismatch), PUT (200; 404 when missing; 409 Conflict on a stale
``metadata.resourceVersion``; a no-op update keeps the resourceVersion), PATCH (merge, strategic-merge on
built-in types only (415 on custom resources, as the real server), JSON patch, apply-patch), DELETE (200 with
the object; deleting a namespace deletes what is in it). ``dryRun=All`` on every write verb validates and
answers without storing; any other ``dryRun`` value is a 400. ``watch=true`` is refused with a 400.
Each stored object gets ``uid``, ``resourceVersion`` (a global counter), ``creationTimestamp`` and
``generation`` (bumped when ``spec`` changes). List responses carry the list ``resourceVersion``; built-in
list items carry no ``kind``/``apiVersion`` (as the real server), custom resources do.

Authentication and authorization: requests must carry ``Authorization: Bearer <token>`` with the token written
into the kubeconfig (401 otherwise); :meth:`KubeApiServer.forbid` makes a verb/resource (optionally a
namespace) answer 403 Forbidden with the real message shape. :meth:`KubeApiServer.fail_next` injects one error
response (any code) for the next matching request.

Pod logs: :meth:`KubeApiServer.set_pod_log` stores lines (text, one line per second from ``log_base_time``, or
``(datetime, line)`` pairs) per pod, container and ``previous``. The endpoint honours ``container`` (400 when
several containers and none chosen, as the real kubelet), ``previous`` (400 when none was stored),
``sinceTime`` (RFC 3339), ``sinceSeconds`` (relative to :attr:`KubeApiServer.now`; both together is a 422),
``timestamps`` (RFC 3339 nanosecond prefix), ``tailLines`` and ``limitBytes`` (raw bytes; a negative
``tailLines``, ``limitBytes`` < 1 or ``sinceSeconds`` < 1 is the real 422 ``PodLogOptions "<pod>" is
invalid``). Note that the kubernetes client 37's ``read_namespaced_pod_log`` has no ``since_time`` argument;
send it with the client's own serializer::

    method, url, headers, _, _ = api_client.param_serialize(
        "GET", "/api/v1/namespaces/{namespace}/pods/{name}/log", path_params={"namespace": ns, "name": pod},
        query_params=[("container", "c"), ("sinceTime", "2026-01-01T00:03:00Z")],
        auth_settings=["BearerToken"])
    response = api_client.call_api(method, url, headers); response.read(); text = response.data.decode()

Pods created through the API stay ``Pending`` unless :attr:`KubeApiServer.pod_outcomes` maps their name to
``(phase, log text)``, which simulates them having run (e.g. ``{"imds-check": ("Succeeded",
"IMDS-BLOCKED\\n")}``).

Request log: :attr:`KubeApiServer.requests` is a list of :class:`RecordedRequest` (method, path, query as a
dict of lists, parsed body, content type, response status); :meth:`KubeApiServer.requests_matching` filters
it.
The bearer token is never stored in the log (only whether one was sent).
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
import secrets
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

__all__ = [
    "ADMIN_POLICY_CRDS",
    "CALICO_CRDS",
    "RESOURCES",
    "KubeApiServer",
    "RecordedRequest",
    "ResourceType",
    "kubeapi_fixture",
]


@dataclass(frozen=True)
class ResourceType:
    """One REST resource the server serves."""

    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool
    custom: bool = False  # served only while its CRD exists (or, for aggregated APIs, when enabled)
    aggregated: bool = False  # served by an aggregated API server (Calico API server), not a CRD

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def crd_name(self) -> str:
        return f"{self.plural}.{self.group}"


#: Every resource type the server knows, table-driven.
RESOURCES: tuple[ResourceType, ...] = (
    ResourceType("", "v1", "pods", "Pod", True),
    ResourceType("", "v1", "namespaces", "Namespace", False),
    ResourceType("", "v1", "nodes", "Node", False),
    ResourceType("", "v1", "services", "Service", True),
    ResourceType("", "v1", "configmaps", "ConfigMap", True),
    ResourceType("", "v1", "serviceaccounts", "ServiceAccount", True),
    ResourceType("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True),
    ResourceType(
        "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False
    ),
    ResourceType(
        "crd.projectcalico.org", "v1", "globalnetworkpolicies", "GlobalNetworkPolicy", False, custom=True
    ),
    ResourceType("crd.projectcalico.org", "v1", "networkpolicies", "NetworkPolicy", True, custom=True),
    ResourceType("crd.projectcalico.org", "v1", "globalnetworksets", "GlobalNetworkSet", False, custom=True),
    ResourceType("crd.projectcalico.org", "v1", "networksets", "NetworkSet", True, custom=True),
    ResourceType("crd.projectcalico.org", "v1", "tiers", "Tier", False, custom=True),
    ResourceType(
        "projectcalico.org",
        "v3",
        "globalnetworkpolicies",
        "GlobalNetworkPolicy",
        False,
        custom=True,
        aggregated=True,
    ),
    ResourceType(
        "projectcalico.org", "v3", "networkpolicies", "NetworkPolicy", True, custom=True, aggregated=True
    ),
    ResourceType(
        "policy.networking.k8s.io", "v1alpha1", "adminnetworkpolicies", "AdminNetworkPolicy", False, custom=True
    ),
    ResourceType(
        "policy.networking.k8s.io",
        "v1alpha1",
        "baselineadminnetworkpolicies",
        "BaselineAdminNetworkPolicy",
        False,
        custom=True,
    ),
    # Cilium's policy CRDs (not installed by default: ``install_crd`` each)
    ResourceType("cilium.io", "v2", "ciliumnetworkpolicies", "CiliumNetworkPolicy", True, custom=True),
    ResourceType(
        "cilium.io", "v2", "ciliumclusterwidenetworkpolicies", "CiliumClusterwideNetworkPolicy", False, custom=True
    ),
)

#: CRD names installed with ``calico=True``.
CALICO_CRDS: tuple[str, ...] = tuple(
    r.crd_name for r in RESOURCES if r.custom and not r.aggregated and r.group == "crd.projectcalico.org"
)
#: CRD names of kubernetes-sigs/network-policy-api (not installed by default: ``install_crd`` each).
ADMIN_POLICY_CRDS: tuple[str, ...] = tuple(r.crd_name for r in RESOURCES if r.group == "policy.networking.k8s.io")

_DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@dataclass
class RecordedRequest:
    """One request the server received (the bearer token itself is never kept)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    content_type: str | None
    authorized: bool
    status: int = 0

    @property
    def dry_run(self) -> bool:
        return self.query.get("dryRun") == ["All"]


class ApiStatus(Exception):
    """An error answered as a Kubernetes ``Status`` object."""

    def __init__(
        self, code: int, reason: str, message: str, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = dict(details or {})

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            out["details"] = self.details
        return out


@dataclass
class _Fault:
    method: str | None
    path: re.Pattern[str]
    status: ApiStatus
    times: int
    query: re.Pattern[str] | None = None


@dataclass
class _Forbidden:
    verb: str | None
    plural: str
    namespace: str | None


@dataclass
class _LogStream:
    lines: list[tuple[datetime, str | bytes]] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _rfc3339(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rfc3339nano(ts: datetime) -> str:
    ts = ts.astimezone(UTC)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond * 1000:09d}Z"


def _parse_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("no time zone")
    return value


# ------------------------------------------------------------------------------------------------------------
# label selectors (the server side of ?labelSelector=)
# ------------------------------------------------------------------------------------------------------------

_SET_REQ = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(in|notin)\s*\(([^)]*)\))?\s*$")
_EQ_REQ = re.compile(r"^\s*([A-Za-z0-9_./-]+)\s*(==|=|!=)\s*([A-Za-z0-9_.-]*)\s*$")


def _split_selector(text: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return parts


def parse_label_selector(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """Parse a ``labelSelector`` query value into ``(key, op, values)`` requirements; ValueError when
    invalid."""
    reqs: list[tuple[str, str, tuple[str, ...]]] = []
    for part in _split_selector(text):
        m = _EQ_REQ.match(part)
        if m:
            op = "!=" if m.group(2) == "!=" else "="
            reqs.append((m.group(1), op, (m.group(3),)))
            continue
        m = _SET_REQ.match(part)
        if not m:
            raise ValueError(f"unable to parse requirement: {part.strip()!r}")
        neg, key, op, values = m.groups()
        if op:
            if neg:
                raise ValueError(f"unable to parse requirement: {part.strip()!r}")
            reqs.append((key, op, tuple(v.strip() for v in values.split(",") if v.strip())))
        else:
            reqs.append((key, "!exists" if neg else "exists", ()))
    return reqs


def selector_matches(reqs: Iterable[tuple[str, str, tuple[str, ...]]], labels: Mapping[str, str]) -> bool:
    """True when ``labels`` satisfy every requirement."""
    for key, op, values in reqs:
        present = key in labels
        value = labels.get(key)
        if op == "=":
            ok = present and value == values[0]
        elif op == "!=":
            ok = not present or value != values[0]
        elif op == "in":
            ok = present and value in values
        elif op == "notin":
            ok = not present or value not in values
        else:
            ok = present == (op == "exists")
        if not ok:
            return False
    return True


# ------------------------------------------------------------------------------------------------------------
# validation (the 422s the real server gives for the objects the tests write)
# ------------------------------------------------------------------------------------------------------------


def _validate(rtype: ResourceType, obj: Mapping[str, Any]) -> list[dict[str, str]]:
    causes: list[dict[str, str]] = []

    def bad(field_path: str, message: str) -> None:
        causes.append({"reason": "FieldValueInvalid", "message": message, "field": field_path})

    meta = obj.get("metadata") or {}
    name = meta.get("name")
    if not name:
        causes.append(
            {
                "reason": "FieldValueRequired",
                "message": "Required value: name or generateName is required",
                "field": "metadata.name",
            }
        )
    else:
        pattern = _DNS1123_LABEL if rtype.plural in ("namespaces", "services") else _DNS1123_SUBDOMAIN
        if not isinstance(name, str) or len(name) > 253 or not pattern.match(name):
            bad(
                "metadata.name",
                f"Invalid value: {name!r}: a lowercase RFC 1123 name must consist of lower "
                "case alphanumeric characters, '-' or '.'",
            )
    for key, value in (meta.get("labels") or {}).items():
        prefix, _, label_name = str(key).rpartition("/")
        if (
            (prefix and not _DNS1123_SUBDOMAIN.match(prefix))
            or len(label_name) > 63
            or not _LABEL_NAME.match(label_name)
        ):
            bad(
                "metadata.labels",
                f"Invalid value: {key!r}: name part must consist of alphanumeric characters",
            )
        if not isinstance(value, str) or len(value) > 63 or not _LABEL_VALUE.match(value):
            bad(
                "metadata.labels",
                f"Invalid value: {value!r}: a valid label must be an empty string or consist "
                "of alphanumeric characters, '-', '_' or '.'",
            )
    if rtype.plural == "networkpolicies" and rtype.group == "networking.k8s.io":
        spec = obj.get("spec")
        if not isinstance(spec, Mapping):
            causes.append({"reason": "FieldValueRequired", "message": "Required value", "field": "spec"})
            return causes
        if "podSelector" not in spec:
            causes.append(
                {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.podSelector"}
            )
        for direction, peers_key in (("egress", "to"), ("ingress", "from")):
            for i, rule in enumerate(spec.get(direction) or []):
                for j, peer in enumerate(rule.get(peers_key) or []):
                    block = peer.get("ipBlock")
                    if block is None:
                        continue
                    where = f"spec.{direction}[{i}].{peers_key}[{j}].ipBlock"
                    try:
                        net = ipaddress.ip_network(block.get("cidr", ""), strict=False)
                    except ValueError:
                        bad(f"{where}.cidr", f"Invalid value: {block.get('cidr')!r}: must be a valid CIDR")
                        continue
                    for k, exc in enumerate(block.get("except") or []):
                        try:
                            sub = ipaddress.ip_network(exc, strict=False)
                        except ValueError:
                            bad(f"{where}.except[{k}]", f"Invalid value: {exc!r}: must be a valid CIDR")
                            continue
                        if sub.version != net.version or not sub.subnet_of(net):  # type: ignore[arg-type]
                            bad(
                                f"{where}.except[{k}]",
                                f"Invalid value: {exc!r}: must be a strict subset of `cidr`",
                            )
                for j, port in enumerate(rule.get("ports") or []):
                    # endPort as ValidateNetworkPolicyPort checks it (kubernetes pkg/apis/networking/validation)
                    end, number = port.get("endPort"), port.get("port")
                    why = ""
                    if end is not None and number is None:
                        why = "may not be specified when `port` is not specified"
                    elif end is not None and isinstance(number, str):
                        why = "may not be specified when `port` is non-numeric"
                    elif isinstance(end, int) and isinstance(number, int) and end < number:
                        why = "must be greater than or equal to `port`"
                    if why:
                        bad(f"spec.{direction}[{i}].ports[{j}].endPort", f"Invalid value: {end!r}: {why}")
                    proto = port.get("protocol", "TCP")
                    if proto not in ("TCP", "UDP", "SCTP"):
                        causes.append(
                            {
                                "reason": "FieldValueNotSupported",
                                "field": f"spec.{direction}[{i}].ports[{j}].protocol",
                                "message": f'Unsupported value: "{proto}": supported values: '
                                '"SCTP", "TCP", "UDP"',
                            }
                        )
    return causes


# ------------------------------------------------------------------------------------------------------------
# patches
# ------------------------------------------------------------------------------------------------------------


def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge_patch(out.get(key), value)
    return out


def _json_pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ValueError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _json_patch(doc: Any, ops: Any) -> Any:
    doc = copy.deepcopy(doc)
    if not isinstance(ops, list):
        raise ValueError("a JSON patch must be a list of operations")
    for op in ops:
        parts = _json_pointer(op["path"])
        parent = doc
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent[part]
        last = parts[-1]
        kind = op["op"]
        if kind in ("add", "replace"):
            if isinstance(parent, list):
                if last == "-":
                    parent.append(op["value"])
                elif kind == "add":
                    parent.insert(int(last), op["value"])
                else:
                    parent[int(last)] = op["value"]
            else:
                if kind == "replace" and last not in parent:
                    raise ValueError(f"replace operation does not apply: doc is missing path: {op['path']}")
                parent[last] = op["value"]
        elif kind == "remove":
            if isinstance(parent, list):
                del parent[int(last)]
            else:
                del parent[last]
        elif kind == "test":
            current = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if current != op["value"]:
                raise ValueError(f"test operation failed at {op['path']}")
        else:
            raise ValueError(f"unsupported JSON patch operation {kind!r}")
    return doc


# ------------------------------------------------------------------------------------------------------------
# the server
# ------------------------------------------------------------------------------------------------------------


class KubeApiServer:
    """An in-memory Kubernetes API server on 127.0.0.1 (free port), recording every request.

    Args:
        calico: install the Calico CRDs (``crd.projectcalico.org/v1``) so GlobalNetworkPolicies are served.
        calico_apiserver: also serve ``projectcalico.org/v3`` (the Calico API server).
        token: the bearer token clients must send (a random fake one by default; it is test data, not a
            secret).
        namespaces: namespaces that exist at start.
    """

    def __init__(
        self,
        *,
        calico: bool = True,
        calico_apiserver: bool = False,
        token: str | None = None,
        namespaces: Iterable[str] = _DEFAULT_NAMESPACES,
    ) -> None:
        self.token = token or f"fake-test-token-{secrets.token_hex(8)}"
        self.calico_apiserver = calico_apiserver
        self.requests: list[RecordedRequest] = []
        self.now: datetime = _now()
        self.log_base_time: datetime = self.now - timedelta(hours=1)
        self._lock = threading.RLock()
        self._rv = 100
        self._store: dict[tuple[str, str, str, str], dict[str, Any]] = {}  # (group, plural, ns, name)
        self._logs: dict[tuple[str, str, str, bool], _LogStream] = {}
        self._faults: list[_Fault] = []
        #: pod name -> (phase, log text) given to pods created later through the API (simulates them running).
        self.pod_outcomes: dict[str, tuple[str, str]] = {}
        self._forbidden: list[_Forbidden] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for ns in namespaces:
            self.add({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        if calico:
            for name in CALICO_CRDS:
                self.install_crd(name)

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> KubeApiServer:
        """Start serving in a daemon thread; returns self."""
        handler = type("_BoundHandler", (_Handler,), {"api": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="kubeapi-test-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> KubeApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:41234``."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def write_kubeconfig(
        self,
        path: str | Path,
        *,
        context: str = "kubeapi-test",
        namespace: str | None = None,
        extra_contexts: Iterable[str] = (),
    ) -> Path:
        """Write a kubeconfig pointing at this server (bearer token auth) and return its path.

        ``extra_contexts`` adds more context names pointing at the same server and user.
        """
        path = Path(path)
        ctx: dict[str, Any] = {"cluster": "kubeapi-test", "user": "kubeapi-test"}
        if namespace:
            ctx["namespace"] = namespace
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "kubeapi-test", "cluster": {"server": self.url}}],
            "users": [{"name": "kubeapi-test", "user": {"token": self.token}}],
            "contexts": [{"name": name, "context": dict(ctx)} for name in (context, *extra_contexts)],
            "current-context": context,
            "preferences": {},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        path.chmod(0o600)
        return path

    # -- store access for tests ------------------------------------------------------------------------------

    def resource_for(self, api_version: str, kind: str) -> ResourceType:
        """The resource type of an ``apiVersion``/``kind`` pair (KeyError when unknown)."""
        for r in RESOURCES:
            if r.api_version == api_version and r.kind == kind:
                return r
        raise KeyError(f"{api_version} {kind} is not served by the test server")

    def add(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Store an object directly (no validation, no request logged); returns the stored copy."""
        rtype = self.resource_for(obj["apiVersion"], obj["kind"])
        with self._lock:
            stored = self._stamp(rtype, copy.deepcopy(dict(obj)), None)
            meta = stored["metadata"]
            self._store[
                (
                    rtype.group,
                    rtype.plural,
                    meta.get("namespace", "") if rtype.namespaced else "",
                    meta["name"],
                )
            ] = stored
            return copy.deepcopy(stored)

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """The stored object, or None."""
        rtype = self.resource_for(api_version, kind)
        with self._lock:
            obj = self._store.get(
                (rtype.group, rtype.plural, namespace or "" if rtype.namespaced else "", name)
            )
            return copy.deepcopy(obj) if obj is not None else None

    def objects(self, api_version: str, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        """All stored objects of a type (optionally in one namespace), sorted by namespace and name."""
        rtype = self.resource_for(api_version, kind)
        with self._lock:
            return [
                copy.deepcopy(o)
                for (g, p, ns, _), o in sorted(self._store.items())
                if g == rtype.group and p == rtype.plural and (namespace is None or ns == namespace)
            ]

    def install_crd(self, name: str) -> None:
        """Make a CRD (``<plural>.<group>``) exist, so its custom resources are served."""
        plural, _, group = name.partition(".")
        rtype = next((r for r in RESOURCES if r.crd_name == name), None)
        kind = rtype.kind if rtype else plural.capitalize()
        self.add(
            {
                "apiVersion": "apiextensions.k8s.io/v1",
                "kind": "CustomResourceDefinition",
                "metadata": {"name": name},
                "spec": {
                    "group": group,
                    "names": {"plural": plural, "kind": kind},
                    "scope": "Namespaced" if rtype and rtype.namespaced else "Cluster",
                    "versions": [{"name": rtype.version if rtype else "v1", "served": True, "storage": True}],
                },
            }
        )

    def remove_crd(self, name: str) -> None:
        """Delete a CRD and its custom resources (its endpoints then answer 404)."""
        plural, _, group = name.partition(".")
        with self._lock:
            self._store.pop(("apiextensions.k8s.io", "customresourcedefinitions", "", name), None)
            for key in [k for k in self._store if k[0] == group and k[1] == plural]:
                del self._store[key]

    def set_pod_log(
        self,
        namespace: str,
        pod: str,
        lines: str | Iterable[tuple[datetime, str | bytes]],
        *,
        container: str | None = None,
        previous: bool = False,
    ) -> None:
        """Set the log text of a pod's container (``container=None``: the pod's only/first container).

        ``lines`` is text (one line per ``\\n``; stamped one second apart from :attr:`log_base_time`) or
        ``(datetime, line)`` pairs; a line given as bytes is served as is (containers may write non-UTF-8).
        """
        if isinstance(lines, str):
            stamped = [
                (self.log_base_time + timedelta(seconds=i), line) for i, line in enumerate(lines.splitlines())
            ]
        else:
            stamped = [(ts if ts.tzinfo else ts.replace(tzinfo=UTC), line) for ts, line in lines]
        with self._lock:
            self._logs[(namespace, pod, container or "", previous)] = _LogStream(stamped)

    def forbid(self, verb: str | None, plural: str, namespace: str | None = None) -> None:
        """Answer 403 for ``verb`` (``get``/``list``/``create``/``update``/``patch``/``delete``; None = all)
        on ``plural`` (optionally only in ``namespace``)."""
        self._forbidden.append(_Forbidden(verb, plural, namespace))

    def fail_next(
        self,
        code: int,
        *,
        method: str | None = None,
        path: str = ".*",
        reason: str | None = None,
        message: str | None = None,
        times: int = 1,
        query: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests matching ``method``/``path`` (regex) with an error Status;
        ``query`` (a regex on the raw query string) narrows it, e.g. ``"continue="`` for a later page only."""
        reasons = {
            400: "BadRequest",
            401: "Unauthorized",
            403: "Forbidden",
            404: "NotFound",
            409: "Conflict",
            410: "Expired",  # an expired list continue token (the only 410 the API server sends to a list)
            422: "Invalid",
            429: "TooManyRequests",
            500: "InternalError",
            503: "ServiceUnavailable",
        }
        self._faults.append(
            _Fault(
                method,
                re.compile(path),
                ApiStatus(code, reason or reasons.get(code, "Unknown"), message or f"injected {code}"),
                times,
                re.compile(query) if query is not None else None,
            )
        )

    def requests_matching(self, method: str | None = None, path_prefix: str = "") -> list[RecordedRequest]:
        """Recorded requests with this method (any when None) whose path starts with ``path_prefix``."""
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and r.path.startswith(path_prefix)
            ]

    def writes(self) -> list[RecordedRequest]:
        """Recorded POST/PUT/PATCH/DELETE requests."""
        return [r for r in self.requests_matching() if r.method in ("POST", "PUT", "PATCH", "DELETE")]

    # -- internals -------------------------------------------------------------------------------------------

    def _next_rv(self) -> str:
        self._rv += 1
        return str(self._rv)

    def _stamp(self, rtype: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        obj["apiVersion"] = rtype.api_version
        obj["kind"] = rtype.kind
        meta = obj.setdefault("metadata", {})
        if not rtype.namespaced:
            meta.pop("namespace", None)
        if old is None:
            meta["uid"] = meta.get("uid") or str(uuid.uuid4())
            meta["creationTimestamp"] = meta.get("creationTimestamp") or _rfc3339(self.now)
            meta["generation"] = 1
            meta["resourceVersion"] = self._next_rv()
        else:
            old_meta = old["metadata"]
            for key in ("uid", "creationTimestamp"):
                meta[key] = old_meta[key]
            meta["generation"] = old_meta.get("generation", 1) + (obj.get("spec") != old.get("spec"))
            meta["resourceVersion"] = old_meta["resourceVersion"]
            if obj != old:
                meta["resourceVersion"] = self._next_rv()
        if rtype.plural == "namespaces":
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj.setdefault("status", {"phase": "Active"})
        return obj

    def _served(self, rtype: ResourceType) -> bool:
        if not rtype.custom:
            return True
        if rtype.aggregated:
            return self.calico_apiserver
        return ("apiextensions.k8s.io", "customresourcedefinitions", "", rtype.crd_name) in self._store


_PATH = re.compile(
    r"^/(?:api/(?P<cv>v1)|apis/(?P<g>[^/]+)/(?P<v>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+)(?=/))?"
    r"(?:/(?P<plural>[^/]+))?(?:/(?P<name>[^/]+))?(?:/(?P<sub>[^/]+))?/?$"
)


class _Handler(BaseHTTPRequestHandler):
    api: KubeApiServer
    protocol_version = "HTTP/1.1"
    server_version = "kubeapi-test/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: tests assert on the request log instead

    # verbs
    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def do_PATCH(self) -> None:  # noqa: N802
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._dispatch("DELETE")

    # plumbing
    def _send(self, code: int, body: Any, content_type: str = "application/json") -> None:
        if isinstance(body, Iterator):  # a streamed log: chunked transfer encoding, as the real apiserver
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in body:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        data = (
            body
            if isinstance(body, bytes)
            else body.encode("utf-8")
            if isinstance(body, str)
            else json.dumps(body, separators=(",", ":")).encode("utf-8")
        )
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _dispatch(self, method: str) -> None:
        api = self.api
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip() or None
        body: Any = None
        if raw:
            try:
                body = (
                    yaml.safe_load(raw) if content_type == "application/apply-patch+yaml" else json.loads(raw)
                )
            except (ValueError, yaml.YAMLError):
                body = raw.decode("utf-8", "replace")
        auth = self.headers.get("Authorization") or ""
        authorized = secrets.compare_digest(auth, f"Bearer {api.token}")
        rec = RecordedRequest(method, parts.path, query, body, content_type, authorized)
        with api._lock:
            api.requests.append(rec)
        try:
            if not authorized:
                raise ApiStatus(401, "Unauthorized", "Unauthorized")
            for fault in list(api._faults):
                if (
                    fault.method in (None, method)
                    and fault.path.search(parts.path)
                    and (fault.query is None or fault.query.search(parts.query))
                ):
                    fault.times -= 1
                    if fault.times <= 0:
                        api._faults.remove(fault)
                    raise fault.status
            code, out, ctype = self._route(method, parts.path, query, body, content_type)
        except ApiStatus as exc:
            code, out, ctype = exc.code, exc.body(), "application/json"
        except Exception as exc:  # noqa: BLE001 - a server bug must still answer, as a 500 Status
            code, out, ctype = (
                500,
                ApiStatus(500, "InternalError", f"test server error: {exc!r}").body(),
                "application/json",
            )
        rec.status = code
        self._send(code, out, ctype)

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, content_type: str | None
    ) -> tuple[int, Any, str]:
        api = self.api
        if path == "/version":
            return (
                200,
                {"major": "1", "minor": "31", "gitVersion": "v1.31.0-kubeapi-test"},
                "application/json",
            )
        if path in ("/api", "/apis"):
            return 200, self._discovery_root(path), "application/json"
        m = _PATH.match(path)
        if not m:
            raise ApiStatus(404, "NotFound", "the server could not find the requested resource")
        group = m.group("g") or ""
        version = m.group("cv") or m.group("v")
        namespace, plural, name, sub = m.group("ns"), m.group("plural"), m.group("name"), m.group("sub")
        if plural is None:
            return 200, self._discovery_group(group, version), "application/json"
        if namespace is None and plural == "namespaces" and name and sub:
            # /api/v1/namespaces/{ns}/{plural} was parsed as plural=namespaces, name=ns, sub=plural
            namespace, plural, name, sub = name, sub, None, None
        rtype = next(
            (r for r in RESOURCES if r.group == group and r.version == version and r.plural == plural), None
        )
        with api._lock:
            if rtype is None or not api._served(rtype):
                raise ApiStatus(404, "NotFound", "the server could not find the requested resource")
            if namespace is not None and not rtype.namespaced:
                raise ApiStatus(404, "NotFound", "the server could not find the requested resource")
            if "watch" in query and query["watch"][0] in ("true", "1"):
                raise ApiStatus(400, "BadRequest", "watch is not supported by the test server")
            dry = query.get("dryRun")
            if dry is not None and dry != ["All"]:
                raise ApiStatus(400, "BadRequest", f"unsupported dry run: {dry!r} (only 'All' is accepted)")
            verb = {
                "GET": "get" if name else "list",
                "POST": "create",
                "PUT": "update",
                "PATCH": "patch",
                "DELETE": "delete",
            }[method]
            if sub == "log":
                verb = "get"
            self._authorize(verb, rtype, namespace, sub, name)
            if sub == "log" and rtype.plural == "pods" and method == "GET":
                return self._pod_log(namespace or "", name or "", query)
            if sub is not None:
                raise ApiStatus(404, "NotFound", "the server could not find the requested resource")
            if method == "GET" and name is None:
                return 200, self._list(rtype, namespace, query), "application/json"
            if method == "GET":
                return 200, self._get(rtype, namespace, name or ""), "application/json"
            if method == "POST" and name is None:
                return self._create(rtype, namespace, body, bool(dry))
            if method == "PUT" and name:
                return self._update(rtype, namespace, name, body, bool(dry))
            if method == "PATCH" and name:
                return self._patch(rtype, namespace, name, body, content_type, bool(dry))
            if method == "DELETE" and name:
                return self._delete(rtype, namespace, name, bool(dry))
            raise ApiStatus(
                405,
                "MethodNotAllowed",
                f"the server does not allow this method on the requested resource: {method} {path}",
            )

    # -- discovery -------------------------------------------------------------------------------------------

    def _discovery_root(self, path: str) -> dict[str, Any]:
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
        groups: dict[str, set[str]] = {}
        for r in RESOURCES:
            if r.group and self.api._served(r):
                groups.setdefault(r.group, set()).add(r.version)
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [
                {
                    "name": g,
                    "versions": [{"groupVersion": f"{g}/{v}", "version": v} for v in sorted(vs)],
                    "preferredVersion": {"groupVersion": f"{g}/{sorted(vs)[0]}", "version": sorted(vs)[0]},
                }
                for g, vs in sorted(groups.items())
            ],
        }

    def _discovery_group(self, group: str, version: str) -> dict[str, Any]:
        served = [r for r in RESOURCES if r.group == group and r.version == version and self.api._served(r)]
        if not served:
            raise ApiStatus(404, "NotFound", "the server could not find the requested resource")
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": served[0].api_version,
            "resources": [
                {
                    "name": r.plural,
                    "singularName": r.kind.lower(),
                    "namespaced": r.namespaced,
                    "kind": r.kind,
                    "verbs": ["create", "delete", "get", "list", "patch", "update"],
                }
                for r in served
            ],
        }

    # -- authorization ---------------------------------------------------------------------------------------

    def _authorize(
        self, verb: str, rtype: ResourceType, namespace: str | None, sub: str | None, name: str | None = None
    ) -> None:
        resource = f"{rtype.plural}/{sub}" if sub else rtype.plural
        for rule in self.api._forbidden:
            if (
                rule.plural in (rtype.plural, resource)
                and rule.verb in (None, verb)
                and rule.namespace in (None, namespace)
            ):
                scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
                # NewForbidden(GroupResource, name, err): 'pods "x" is forbidden: ...' names the object (the
                # resource without the subresource, qualified by its group), the authorizer text the subresource
                qualified = f"{rtype.plural}.{rtype.group}" if rtype.group else rtype.plural
                raise ApiStatus(
                    403,
                    "Forbidden",
                    f'{qualified}{f" {json.dumps(name)}" if name else ""} is forbidden: User '
                    f'"system:serviceaccount:test:limited" cannot {verb} resource "{resource}" in API group '
                    f'"{rtype.group}" {scope}',
                    {k: v for k, v in (("name", name), ("group", rtype.group), ("kind", rtype.plural)) if v},
                )

    # -- CRUD ------------------------------------------------------------------------------------------------

    def _key(self, rtype: ResourceType, namespace: str | None, name: str) -> tuple[str, str, str, str]:
        return (rtype.group, rtype.plural, namespace or "" if rtype.namespaced else "", name)

    def _not_found(self, rtype: ResourceType, name: str) -> ApiStatus:
        return ApiStatus(
            404,
            "NotFound",
            f"{rtype.plural}.{rtype.group or ''}".rstrip(".") + f' "{name}" not found',
            {"name": name, "group": rtype.group, "kind": rtype.plural},
        )

    def _get(self, rtype: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        obj = self.api._store.get(self._key(rtype, namespace, name))
        if obj is None:
            raise self._not_found(rtype, name)
        return copy.deepcopy(obj)

    def _list(
        self, rtype: ResourceType, namespace: str | None, query: dict[str, list[str]]
    ) -> dict[str, Any]:
        try:
            label_reqs = parse_label_selector(query.get("labelSelector", [""])[0])
        except ValueError as exc:
            raise ApiStatus(400, "BadRequest", f"unable to parse requirement: {exc}") from None
        field_reqs = []
        for part in _split_selector(query.get("fieldSelector", [""])[0]):
            m = _EQ_REQ.match(part)
            if not m or m.group(1) not in ("metadata.name", "metadata.namespace", "spec.nodeName"):
                raise ApiStatus(400, "BadRequest", f'"{part.strip()}" is not a known field selector')
            field_reqs.append((m.group(1), m.group(2) != "!=", m.group(3)))
        items = []
        for (g, p, ns, _), obj in sorted(self.api._store.items()):
            if g != rtype.group or p != rtype.plural or (namespace is not None and ns != namespace):
                continue
            if not selector_matches(label_reqs, obj["metadata"].get("labels") or {}):
                continue
            fields = {
                "metadata.name": obj["metadata"]["name"],
                "metadata.namespace": ns,
                "spec.nodeName": (obj.get("spec") or {}).get("nodeName") or "",
            }
            if not all((fields[f] == v) == eq for f, eq, v in field_reqs):
                continue
            items.append(obj)
        meta: dict[str, Any] = {"resourceVersion": str(self.api._rv)}
        try:  # chunking: ?limit=N&continue=TOKEN (the token is the offset, opaque to clients)
            start = int(query.get("continue", ["0"])[0] or 0)
            limit = int(query.get("limit", ["0"])[0] or 0)
        except ValueError:
            raise ApiStatus(400, "BadRequest", "invalid limit or continue token") from None
        if limit > 0:
            if start + limit < len(items):
                meta["continue"] = str(start + limit)
                meta["remainingItemCount"] = len(items) - start - limit
            items = items[start : start + limit]
        # only the page is copied: copying every match for every page made a chunked list of N objects cost N**2/limit
        items = [copy.deepcopy(obj) for obj in items]
        if not rtype.custom:  # built-in list items carry no kind/apiVersion
            for item in items:
                item.pop("kind", None)
                item.pop("apiVersion", None)
        return {
            "kind": f"{rtype.kind}List",
            "apiVersion": rtype.api_version,
            "metadata": meta,
            "items": items,
        }

    def _check_body(
        self, rtype: ResourceType, namespace: str | None, body: Any, name: str | None
    ) -> dict[str, Any]:
        if not isinstance(body, Mapping):
            raise ApiStatus(400, "BadRequest", "the body of the request was in an unknown format")
        obj = copy.deepcopy(dict(body))
        if obj.get("kind") not in (None, rtype.kind) or obj.get("apiVersion") not in (
            None,
            rtype.api_version,
        ):
            raise ApiStatus(
                400,
                "BadRequest",
                f"the API version in the data ({obj.get('apiVersion')}) does not "
                f"match the expected API version ({rtype.api_version})",
            )
        meta = obj.setdefault("metadata", {})
        if not isinstance(meta, dict):
            raise ApiStatus(400, "BadRequest", "metadata must be an object")
        if rtype.namespaced:
            body_ns = meta.get("namespace")
            if body_ns and body_ns != namespace:
                raise ApiStatus(
                    400,
                    "BadRequest",
                    "the namespace of the provided object does not match the namespace sent on the request",
                )
            meta["namespace"] = namespace
        if name is not None and meta.get("name") not in (None, name):
            raise ApiStatus(
                400,
                "BadRequest",
                f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})",
            )
        if name is not None:
            meta["name"] = name
        causes = _validate(rtype, obj)
        if causes:
            shown = meta.get("name") or ""
            raise ApiStatus(
                422,
                "Invalid",
                f'{rtype.kind}.{rtype.group or "core"} "{shown}" is invalid: '
                + ", ".join(f"{c['field']}: {c['message']}" for c in causes),
                {"name": shown, "group": rtype.group, "kind": rtype.kind, "causes": causes},
            )
        return obj

    def _require_namespace(self, rtype: ResourceType, namespace: str | None) -> None:
        if rtype.namespaced and ("", "namespaces", "", namespace or "") not in self.api._store:
            raise ApiStatus(
                404,
                "NotFound",
                f'namespaces "{namespace}" not found',
                {"name": namespace or "", "kind": "namespaces"},
            )

    def _create(
        self, rtype: ResourceType, namespace: str | None, body: Any, dry: bool
    ) -> tuple[int, Any, str]:
        obj = self._check_body(rtype, namespace, body, None)
        self._require_namespace(rtype, namespace)
        key = self._key(rtype, namespace, obj["metadata"]["name"])
        if key in self.api._store:
            name = obj["metadata"]["name"]
            raise ApiStatus(
                409,
                "AlreadyExists",
                f'{rtype.plural}{"." + rtype.group if rtype.group else ""} "{name}" already exists',
                {"name": name, "group": rtype.group, "kind": rtype.plural},
            )
        if dry:
            rv = self.api._rv
            stored = self.api._stamp(rtype, obj, None)
            self.api._rv = rv  # a dry run consumes no resourceVersion
            stored["metadata"].pop("resourceVersion", None)
            return 201, stored, "application/json"
        stored = self.api._stamp(rtype, obj, None)
        if rtype.plural == "pods":
            outcome = self.api.pod_outcomes.get(stored["metadata"]["name"])
            stored["status"] = {"phase": outcome[0] if outcome else "Pending"}
            if outcome:
                self.api.set_pod_log(namespace or "", stored["metadata"]["name"], outcome[1])
        self.api._store[key] = stored
        return 201, copy.deepcopy(stored), "application/json"

    def _update(
        self, rtype: ResourceType, namespace: str | None, name: str, body: Any, dry: bool
    ) -> tuple[int, Any, str]:
        obj = self._check_body(rtype, namespace, body, name)
        key = self._key(rtype, namespace, name)
        old = self.api._store.get(key)
        if old is None:
            raise self._not_found(rtype, name)
        sent_rv = obj["metadata"].get("resourceVersion")
        if sent_rv and sent_rv != old["metadata"]["resourceVersion"]:
            raise ApiStatus(
                409,
                "Conflict",
                f"Operation cannot be fulfilled on {rtype.plural}"
                f'{"." + rtype.group if rtype.group else ""} "{name}": the object has been modified; '
                "please apply your changes to the latest version and try again",
                {"name": name, "group": rtype.group, "kind": rtype.plural},
            )
        if "status" not in obj and "status" in old:
            obj["status"] = copy.deepcopy(old["status"])
        obj["metadata"].pop("resourceVersion", None)
        for key_name in ("uid", "creationTimestamp", "generation"):
            obj["metadata"][key_name] = old["metadata"].get(key_name)
        obj["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        candidate = copy.deepcopy(obj)
        candidate["apiVersion"], candidate["kind"] = rtype.api_version, rtype.kind
        if candidate == old:  # a no-op update: nothing changes, not even the resourceVersion
            return 200, copy.deepcopy(old), "application/json"
        if dry:
            rv = self.api._rv
            stored = self.api._stamp(rtype, obj, old)
            self.api._rv = rv
            stored["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            return 200, stored, "application/json"
        stored = self.api._stamp(rtype, obj, old)
        self.api._store[key] = stored
        return 200, copy.deepcopy(stored), "application/json"

    def _patch(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        body: Any,
        content_type: str | None,
        dry: bool,
    ) -> tuple[int, Any, str]:
        key = self._key(rtype, namespace, name)
        old = self.api._store.get(key)
        if content_type == "application/strategic-merge-patch+json" and rtype.custom:
            raise ApiStatus(
                415,
                "UnsupportedMediaType",
                "the body of the request was in an unknown format - "
                "accepted media types include: application/json-patch+json, "
                "application/merge-patch+json, application/apply-patch+yaml",
            )
        try:
            if content_type == "application/json-patch+json":
                if old is None:
                    raise self._not_found(rtype, name)
                new = _json_patch(old, body)
            elif content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
                if old is None:
                    raise self._not_found(rtype, name)
                new = _merge_patch(old, body)
            elif content_type == "application/apply-patch+yaml":
                new = _merge_patch(old or {}, body)
            else:
                raise ApiStatus(
                    415,
                    "UnsupportedMediaType",
                    f"the body of the request was in an unknown format - {content_type}",
                )
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ApiStatus(
                422, "Invalid", f"the server rejected our request due to an error in our request: {exc}"
            ) from None
        if old is None:
            return self._create(rtype, namespace, new, dry)
        new.setdefault("metadata", {})["resourceVersion"] = old["metadata"]["resourceVersion"]
        return self._update(rtype, namespace, name, new, dry)

    def _delete(
        self, rtype: ResourceType, namespace: str | None, name: str, dry: bool
    ) -> tuple[int, Any, str]:
        key = self._key(rtype, namespace, name)
        old = self.api._store.get(key)
        if old is None:
            raise self._not_found(rtype, name)
        out = copy.deepcopy(old)
        if dry:
            return 200, out, "application/json"
        del self.api._store[key]
        if rtype.plural == "namespaces":  # the namespace controller, done at once: delete what is inside
            for k in [
                k
                for k in self.api._store
                if k[2] == name
                and any(r.group == k[0] and r.plural == k[1] and r.namespaced for r in RESOURCES)
            ]:
                del self.api._store[k]
            out["status"] = {"phase": "Terminating"}
            out["metadata"]["deletionTimestamp"] = _rfc3339(self.api.now)
        if rtype.plural == "pods":
            for k in [k for k in self.api._logs if k[0] == namespace and k[1] == name]:
                del self.api._logs[k]
        return 200, out, "application/json"

    # -- pod logs --------------------------------------------------------------------------------------------

    def _pod_log(self, namespace: str, name: str, query: dict[str, list[str]]) -> tuple[int, Any, str]:
        api = self.api
        # LogREST.Get validates PodLogOptions before it looks the pod up: 422 Invalid naming the pod
        # (pkg/registry/core/pod/rest/log.go; ValidatePodLogOptions in pkg/apis/core/validation)
        try:
            seconds = int(query["sinceSeconds"][0]) if "sinceSeconds" in query else None
            tail = int(query["tailLines"][0]) if "tailLines" in query else None
            limit = int(query["limitBytes"][0]) if "limitBytes" in query else None
            since_time = _parse_time(query["sinceTime"][0]) if "sinceTime" in query else None
        except ValueError as exc:
            raise ApiStatus(400, "BadRequest", f"invalid log options: {exc}") from None
        invalid = [
            f"{field_name}: Invalid value: {value}: {message}"
            for field_name, value, bad, message in (
                ("tailLines", tail, tail is not None and tail < 0, "must be greater than or equal to 0"),
                ("limitBytes", limit, limit is not None and limit < 1, "must be greater than 0"),
                ("sinceSeconds", seconds, seconds is not None and since_time is None and seconds < 1,
                 "must be greater than 0"),
            )
            if bad
        ]
        if seconds is not None and since_time is not None:
            invalid.append("sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified")
        if invalid:
            raise ApiStatus(422, "Invalid", f'PodLogOptions "{name}" is invalid: {", ".join(invalid)}',
                            {"name": name, "kind": "PodLogOptions"})
        pod = api._store.get(("", "pods", namespace, name))
        if pod is None:
            raise ApiStatus(404, "NotFound", f'pods "{name}" not found', {"name": name, "kind": "pods"})
        spec = pod.get("spec") or {}
        containers = [c.get("name") for c in spec.get("containers") or []]
        # init and ephemeral containers have logs too: podHasContainerWithName visits every kind
        # (pkg/registry/core/pod/strategy.go)
        kinds = ("initContainers", "containers", "ephemeralContainers")
        every = [c.get("name") for k in kinds for c in spec.get(k) or []]
        container = query.get("container", [""])[0]
        if not container:
            if len(containers) > 1:
                raise ApiStatus(
                    400,
                    "BadRequest",
                    f"a container name must be specified for pod {name}, choose "
                    f"one of: [{' '.join(containers)}]",
                )
            container = containers[0] if containers else ""
        elif every and container not in every:
            raise ApiStatus(400, "BadRequest", f"container {container} is not valid for pod {name}")
        previous = query.get("previous", ["false"])[0] in ("true", "1")
        stream = api._logs.get((namespace, name, container, previous))
        if stream is None and container == (containers[0] if containers else ""):
            stream = api._logs.get((namespace, name, "", previous))
        if stream is None:
            if previous:
                raise ApiStatus(
                    400,
                    "BadRequest",
                    f'previous terminated container "{container}" in pod "{name}" not found',
                )
            stream = _LogStream()
        lines = list(stream.lines)
        since = since_time if since_time is not None else (
            api.now - timedelta(seconds=seconds) if seconds is not None else None
        )
        if since is not None:
            lines = [(ts, line) for ts, line in lines if ts >= since]
        if tail is not None:
            lines = lines[-tail:] if tail > 0 else []
        stamps = query.get("timestamps", ["false"])[0] in ("true", "1")
        # the kubelet streams the container's bytes as they are (not necessarily UTF-8), chunked, without a
        # Content-Length; limitBytes cuts raw bytes, possibly inside a character or a line
        return 200, _log_stream(lines, stamps, limit), "text/plain"


def _log_stream(lines: list[tuple[datetime, str | bytes]], stamps: bool, limit: int | None) -> Iterator[bytes]:
    left = limit
    for ts, line in lines:
        data = (f"{_rfc3339nano(ts)} ".encode() if stamps else b"") + (
            line if isinstance(line, bytes) else line.encode("utf-8")
        ) + b"\n"
        if left is not None:
            data, left = data[:left], left - len(data)
        if data:
            yield data
        if left is not None and left <= 0:
            return


def iter_recorded(server: KubeApiServer) -> Iterator[RecordedRequest]:
    """Iterate over a snapshot of the request log."""
    yield from server.requests_matching()


def kubeapi_fixture(*, scope: str = "function", **server_kwargs: Any) -> Any:
    """Return a pytest fixture yielding a started :class:`KubeApiServer` (stopped afterwards).

    Assign it to a module-level name in a test module or conftest: ``kubeapi = kubeapi_fixture()``; keyword
    arguments go to :class:`KubeApiServer` (e.g. ``calico=False``).
    """
    import pytest

    @pytest.fixture(scope=scope)  # type: ignore[misc]
    def _fixture() -> Iterator[KubeApiServer]:
        server = KubeApiServer(**server_kwargs).start()
        try:
            yield server
        finally:
            server.stop()

    return _fixture
