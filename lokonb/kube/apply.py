"""Applying the metadata policies with the official kubernetes client, and the optional live check.

Objects are created, or replaced when they exist and differ (idempotent: an identical object is reported
``unchanged`` and not written). ``dry_run=True`` sends the writes with the API's server-side dry run
(``dryRun=All``). Nothing is written without ``confirm=True`` (a dry run needs no confirmation: it persists
nothing). API errors become :class:`~lokonb.kube.errors.KubeApiError` messages naming the object.
"""

from __future__ import annotations

import copy
import json
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lokonb.errors import NotConfirmed, kind_name
from lokonb.kube.errors import CalicoNotInstalled, KubeApiError, PolicyInputError
from lokonb.kube.metadata import CALICO_GROUP, CALICO_VERSION, GNP_PLURAL, METADATA_IP

#: Label put on everything lokonb applies, so operators can find it (``kubectl get netpol -l ...``).
MANAGED_BY = {"app.kubernetes.io/managed-by": "lokonb"}


@dataclass
class ApplyResult:
    """What happened to one object."""

    kind: str
    namespace: str | None
    name: str
    action: str  # created | replaced | unchanged | would create | would replace
    dry_run: bool

    @property
    def ref(self) -> str:
        return f"{self.kind} {self.namespace + '/' if self.namespace else ''}{self.name}"


def _status_message(exc: Any) -> tuple[str, dict[str, Any]]:
    try:
        body = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        return (str(exc.reason or ""), {})
    if not isinstance(body, dict):
        return (str(exc.reason or ""), {})
    return str(body.get("message") or exc.reason or ""), dict(body.get("details") or {})


def translate_api_error(exc: Any, *, verb: str, what: str, crd_group: str | None = None) -> KubeApiError:
    """Turn a ``kubernetes.client.ApiException`` into a clear :class:`KubeApiError` naming ``what``."""
    status = getattr(exc, "status", None)
    message, details = _status_message(exc)
    if status == 401:
        return KubeApiError(
            f"cannot {verb} {what}: the API server rejected the kubeconfig credentials (401 "
            "Unauthorized); refresh them",
            status=401,
            object_ref=what,
        )
    if status == 403:
        return KubeApiError(
            f"cannot {verb} {what}: forbidden (403): {message}. Ask a cluster admin for RBAC "
            f"permission to {verb} it",
            status=403,
            object_ref=what,
        )
    if status == 404 and crd_group and not details.get("name"):
        return CalicoNotInstalled(
            f"cannot {verb} {what}: Calico is not installed: the cluster serves no "
            f"{GNP_PLURAL}.{crd_group} resource (the CRD is missing). Install Calico, "
            "or skip the block policy",
            status=404,
            object_ref=what,
        )
    if status == 404:
        return KubeApiError(f"cannot {verb} {what}: not found (404): {message}", status=404, object_ref=what)
    if status == 409:
        return KubeApiError(
            f"cannot {verb} {what}: conflict (409): {message}. It changed while lokonb was "
            "applying; run again",
            status=409,
            object_ref=what,
        )
    if status == 422:
        causes = "; ".join(
            f"{c.get('field', '?')}: {c.get('message', '')}" for c in details.get("causes") or []
        )
        return KubeApiError(
            f"cannot {verb} {what}: the API server rejected it as invalid (422): {causes or message}",
            status=422,
            object_ref=what,
        )
    return KubeApiError(
        f"cannot {verb} {what}: API error {status}: {message or exc}", status=status, object_ref=what
    )


@dataclass(frozen=True)
class _Kind:
    """How to read/create/replace one kind through the typed or custom-objects API."""

    get: Callable[..., Any]
    create: Callable[..., Any]
    replace: Callable[..., Any]
    crd_group: str | None


def _ops(api_client: Any, obj: Mapping[str, Any]) -> _Kind:
    from kubernetes import client

    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if (api_version, kind) == ("networking.k8s.io/v1", "NetworkPolicy"):
        net = client.NetworkingV1Api(api_client)
        ser = api_client.sanitize_for_serialization

        return _Kind(
            get=lambda name, ns: ser(net.read_namespaced_network_policy(name, ns)),
            create=lambda body, ns, dry: ser(net.create_namespaced_network_policy(ns, body, dry_run=dry)),
            replace=lambda name, ns, body, dry: ser(
                net.replace_namespaced_network_policy(name, ns, body, dry_run=dry)
            ),
            crd_group=None,
        )
    if (api_version, kind) == (f"{CALICO_GROUP}/{CALICO_VERSION}", "GlobalNetworkPolicy"):
        custom = client.CustomObjectsApi(api_client)
        args = (CALICO_GROUP, CALICO_VERSION, GNP_PLURAL)
        return _Kind(
            get=lambda name, ns: custom.get_cluster_custom_object(*args, name),
            create=lambda body, ns, dry: custom.create_cluster_custom_object(*args, body, dry_run=dry),
            replace=lambda name, ns, body, dry: custom.replace_cluster_custom_object(
                *args, name, body, dry_run=dry
            ),
            crd_group=CALICO_GROUP,
        )
    raise PolicyInputError(
        "objects",
        f"cannot apply {api_version} {kind}: only networking.k8s.io/v1 "
        "NetworkPolicy and crd.projectcalico.org/v1 GlobalNetworkPolicy are supported",
    )


def _normalise_spec(obj: Mapping[str, Any]) -> Any:
    """The spec as the server would store it (NetworkPolicy ports default to TCP), for comparison."""
    spec = copy.deepcopy(dict(obj.get("spec") or {}))
    if obj.get("kind") == "NetworkPolicy" and obj.get("apiVersion") == "networking.k8s.io/v1":
        for direction in ("egress", "ingress"):
            for rule in spec.get(direction) or []:
                for port in rule.get("ports") or []:
                    port.setdefault("protocol", "TCP")
    return _drop_none(spec)


def _drop_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _desired(obj: Mapping[str, Any], existing: Mapping[str, Any] | None) -> dict[str, Any]:
    body = copy.deepcopy(dict(obj))
    meta = body.setdefault("metadata", {})
    meta["labels"] = {**(meta.get("labels") or {}), **MANAGED_BY}
    if existing is not None:
        old_meta = existing.get("metadata") or {}
        # keep what others put on the object (labels, annotations); ours win on conflicts
        meta["labels"] = {**(old_meta.get("labels") or {}), **meta["labels"]}
        if old_meta.get("annotations") or meta.get("annotations"):
            meta["annotations"] = {**(old_meta.get("annotations") or {}), **(meta.get("annotations") or {})}
        meta["resourceVersion"] = old_meta.get("resourceVersion")
    return body


def _same(desired: Mapping[str, Any], existing: Mapping[str, Any]) -> bool:
    want, have = desired.get("metadata") or {}, existing.get("metadata") or {}
    return (
        _normalise_spec(desired) == _normalise_spec(existing)
        and (want.get("labels") or {}) == (have.get("labels") or {})
        and (want.get("annotations") or {}) == (have.get("annotations") or {})
    )


def apply_policies(
    objects: Iterable[Mapping[str, Any]],
    *,
    api_client: Any = None,
    kubeconfig: str | None = None,
    context: str | None = None,
    confirm: bool = False,
    dry_run: bool = False,
    namespace: str = "default",
) -> list[ApplyResult]:
    """Create or replace the policy objects in the cluster.

    Args:
        objects: rendered NetworkPolicies and the GlobalNetworkPolicy (plain dicts).
        api_client: a ``kubernetes.client.ApiClient``; built from ``kubeconfig``/``context`` when None.
        confirm: must be True to write (``NotConfirmed`` otherwise), unless ``dry_run``.
        dry_run: server-side dry run (``dryRun=All``): validated by the API server, nothing persisted.
        namespace: for NetworkPolicies rendered without ``metadata.namespace``.

    Returns one :class:`ApplyResult` per object. Raises :class:`KubeApiError` (``CalicoNotInstalled`` for a
    missing Calico CRD) naming the object; objects before the failing one stay applied (each write is atomic).
    """
    from kubernetes.client.rest import ApiException

    for name, flag in (("confirm", confirm), ("dry_run", dry_run)):
        # a string such as "no" is true: confirm="no" wrote to the cluster
        if not isinstance(flag, bool):
            raise PolicyInputError(name, f"must be True or False, got {flag!r:.40}")
    if isinstance(objects, Mapping):  # one rendered object, not a list of them (dict() of its keys failed)
        objects = [objects]
    if isinstance(objects, str | bytes) or not isinstance(objects, Iterable):  # None/5: "not iterable"
        raise PolicyInputError("objects", "must be a list of rendered policy objects (dicts), got "
                                          f"{kind_name(objects)}")
    objs = list(objects)
    for i, obj in enumerate(objs):
        if not isinstance(obj, Mapping):  # [1]: "cannot convert dictionary update sequence element"
            raise PolicyInputError(f"objects[{i}]", f"must be a rendered policy object (a dict), got {kind_name(obj)}")
    objs = [dict(o) for o in objs]
    if not dry_run and not confirm:
        raise NotConfirmed(
            "applying changes the cluster: set confirm: true (CLI: --confirm), or use a dry run first"
        )
    if api_client is None:
        from lokonb.kube.client import load_api_client

        api_client = load_api_client(kubeconfig, context)
    plan = [(_ops(api_client, o), o) for o in objs]  # unsupported kinds fail before anything is written
    results = []
    dry = "All" if dry_run else None
    for ops, obj in plan:
        meta = obj.get("metadata") or {}
        name = str(meta.get("name"))
        ns = (meta.get("namespace") or namespace) if ops.crd_group is None else None
        if ns is not None:
            obj = {**obj, "metadata": {**meta, "namespace": ns}}
        what = f"{obj.get('kind')} {ns + '/' if ns else ''}{name}"
        try:
            try:
                existing = ops.get(name, ns)
            except ApiException as exc:
                _, details = _status_message(exc)
                if exc.status != 404 or (ops.crd_group and not details.get("name")):
                    raise
                existing = None
            if existing is None:
                ops.create(_desired(obj, None), ns, dry)
                action = "would create" if dry_run else "created"
            elif _same(_desired(obj, existing), existing):
                action = "unchanged"
            else:
                ops.replace(name, ns, _desired(obj, existing), dry)
                action = "would replace" if dry_run else "replaced"
        except ApiException as exc:
            verb = "apply (dry run)" if dry_run else "apply"
            raise translate_api_error(exc, verb=verb, what=what, crd_group=ops.crd_group) from None
        except Exception as exc:
            if isinstance(exc, KubeApiError):
                raise
            raise KubeApiError(
                f"cannot apply {what}: cannot reach the Kubernetes API: {exc.__class__.__name__}: "
                f"{str(exc).splitlines()[0][:300] if str(exc) else ''}",
                object_ref=what,
            ) from None
        results.append(ApplyResult(str(obj.get("kind")), ns, name, action, dry_run))
    return results


# ------------------------------------------------------------------------------------------------------------
# live check
# ------------------------------------------------------------------------------------------------------------


@dataclass
class LiveCheckResult:
    """Whether a fresh pod (no allow policy) could connect to the metadata endpoint."""

    namespace: str
    connected: bool | None  # None: could not tell (timeout, pod never ran)
    phase: str
    detail: str
    cleaned_up: bool


def live_check(
    api_client: Any,
    *,
    confirm: bool,
    image: str = "busybox:1.36",
    timeout_s: float = 90.0,
    poll_s: float = 2.0,
    target: str = METADATA_IP,
) -> LiveCheckResult:
    """Run a short-lived pod in a temporary namespace that tries ``wget -T 5 http://<target>/latest/meta-data``.

    The namespace (and with it the pod) is deleted whatever happens. Requires ``confirm=True``.
    """
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    if not confirm:
        raise NotConfirmed("the live check creates a namespace and a pod: set confirm: true (CLI: --confirm)")
    core = client.CoreV1Api(api_client)
    ns = f"lokonb-imds-check-{secrets.token_hex(3)}"
    pod_name = "imds-check"
    script = (
        f"if wget -q -T 5 -O /dev/null http://{target}/latest/meta-data/; then echo IMDS-CONNECTED; "
        "else echo IMDS-BLOCKED; fi"
    )
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": pod_name, "labels": {**MANAGED_BY, "app.kubernetes.io/name": "imds-check"}},
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": False,
            "activeDeadlineSeconds": 60,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": 65534,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "containers": [
                {
                    "name": "check",
                    "image": image,
                    "command": ["sh", "-c", script],
                    "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                    "resources": {"limits": {"cpu": "50m", "memory": "16Mi"}},
                }
            ],
        },
    }
    connected: bool | None = None
    phase, detail = "", ""
    cleaned = False
    try:
        namespace_body = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": dict(MANAGED_BY)},
        }
        core.create_namespace(namespace_body)  # type: ignore[arg-type]  # the client accepts plain dicts
        core.create_namespaced_pod(ns, pod)  # type: ignore[arg-type]
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            status = core.read_namespaced_pod(pod_name, ns).status
            phase = (status.phase if status else None) or ""
            if phase in ("Succeeded", "Failed"):
                break
            time.sleep(poll_s)
        if phase in ("Succeeded", "Failed"):
            log = core.read_namespaced_pod_log(pod_name, ns)
            if "IMDS-CONNECTED" in log:
                connected, detail = (
                    True,
                    f"a fresh pod connected to {target}:80 (the endpoint is NOT blocked)",
                )
            elif "IMDS-BLOCKED" in log:
                connected, detail = False, f"a fresh pod could not connect to {target}:80 (blocked)"
            else:
                detail = "the check pod ended without a verdict in its log"
        else:
            detail = f"the check pod did not finish within {timeout_s:.0f} s (phase {phase or 'unknown'})"
    except ApiException as exc:
        raise translate_api_error(exc, verb="run the live check in", what=f"namespace {ns}") from None
    finally:
        try:
            core.delete_namespace(ns)
            cleaned = True
        except ApiException as exc:
            cleaned = exc.status == 404
        except Exception:  # noqa: BLE001 - cleanup must not mask the real error
            cleaned = False
    return LiveCheckResult(ns, connected, phase, detail, cleaned)
