"""Where the audit's objects come from: a manifest dump (files/directories, ``List`` objects) or a live
cluster.

Everything is normalised to plain dicts with the API's camelCase field names, as ``kubectl get -o yaml``
writes
them, in an :class:`Inventory`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.errors import ConfigError, kind_name, wrong_kind
from lokonb.inputfile import read_text
from lokonb.kube.errors import DumpError, KubeApiError
from lokonb.yamlguard import check_node_graph

#: kind -> Inventory attribute, for the kinds the audit uses (others are counted and ignored).
KIND_SLOTS: Mapping[tuple[str, str], str] = {
    ("v1", "Pod"): "pods",
    ("v1", "Namespace"): "namespaces",
    ("v1", "Node"): "nodes",
    ("v1", "ServiceAccount"): "service_accounts",  # labels for Calico serviceAccountSelectors
    ("networking.k8s.io/v1", "NetworkPolicy"): "network_policies",
    ("networking.k8s.io/v1beta1", "NetworkPolicy"): "network_policies",  # old dumps; same semantics
    ("extensions/v1beta1", "NetworkPolicy"): "network_policies",
    ("crd.projectcalico.org/v1", "GlobalNetworkPolicy"): "global_policies",
    ("projectcalico.org/v3", "GlobalNetworkPolicy"): "global_policies",
    ("crd.projectcalico.org/v1", "NetworkPolicy"): "calico_policies",
    ("projectcalico.org/v3", "NetworkPolicy"): "calico_policies",
    ("crd.projectcalico.org/v1", "GlobalNetworkSet"): "network_sets",
    ("projectcalico.org/v3", "GlobalNetworkSet"): "network_sets",
    ("crd.projectcalico.org/v1", "NetworkSet"): "network_sets",  # namespaced: only its namespace's rules see it
    ("projectcalico.org/v3", "NetworkSet"): "network_sets",
    ("crd.projectcalico.org/v1", "Tier"): "tiers",
    ("projectcalico.org/v3", "Tier"): "tiers",
    ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy"): "admin_policies",
    ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy"): "baseline_policies",
}
_STATUS_NAMES = {403: "Forbidden", 404: "Not Found"}
_DUMP_SUFFIXES = (".yaml", ".yml", ".json")
#: Page size of list calls against a live cluster.
LIST_CHUNK = 500
#: Lists an RBAC-limited user may be refused (403) without the audit stopping, and what their absence costs the
#: verdicts. Pods, NetworkPolicies and Calico (Global)NetworkPolicies are not here: without them there is no answer.
OPTIONAL_LISTS: Mapping[str, str] = {
    "namespaces": "namespace labels are unknown: only kubernetes.io/metadata.name (which the API server sets on "
    "every namespace) is matched, so Calico namespaceSelectors, pcns.* selectors and AdminNetworkPolicy subjects "
    "on other labels match no namespace and verdicts of the pods they select may be wrong (grant `list "
    "namespaces`)",
    "nodes": "node IMDS settings are not read",
    "serviceaccounts": "service-account labels are unknown to Calico serviceAccountSelectors",
    "globalnetworksets": "Calico destination selectors cannot match a GlobalNetworkSet holding the metadata "
    "address, so rules that allow or deny it through a network set are read as not matching (grant `list "
    "globalnetworksets.crd.projectcalico.org`)",
    "networksets": "Calico destination selectors cannot match a NetworkSet holding the metadata address, so rules "
    "that allow or deny it through a namespaced network set are read as not matching (grant `list "
    "networksets.crd.projectcalico.org`)",
    "tiers": "Calico tier orders are unknown (grant `list tiers.crd.projectcalico.org`)",
}


@dataclass
class Inventory:
    """The objects an audit looks at."""

    source: str
    pods: list[dict[str, Any]] = field(default_factory=list)
    namespaces: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    service_accounts: list[dict[str, Any]] = field(default_factory=list)
    network_policies: list[dict[str, Any]] = field(default_factory=list)
    global_policies: list[dict[str, Any]] = field(default_factory=list)
    calico_policies: list[dict[str, Any]] = field(default_factory=list)
    network_sets: list[dict[str, Any]] = field(default_factory=list)
    tiers: list[dict[str, Any]] = field(default_factory=list)
    admin_policies: list[dict[str, Any]] = field(default_factory=list)
    baseline_policies: list[dict[str, Any]] = field(default_factory=list)
    #: False when the live cluster has no Calico CRDs; None when unknown (a dump).
    calico_installed: bool | None = None
    notes: list[str] = field(default_factory=list)
    ignored_kinds: dict[str, int] = field(default_factory=dict)
    #: Resources (plural) a live cluster refused to list, with the status (e.g. "403 Forbidden").
    unlisted: dict[str, str] = field(default_factory=dict)

    def add(self, obj: Mapping[str, Any], where: str) -> None:
        """File one object by apiVersion/kind (unknown kinds are counted in ``ignored_kinds``)."""
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        slot = KIND_SLOTS.get((str(api_version), str(kind)))
        if slot is None:
            key = f"{api_version} {kind}"
            self.ignored_kinds[key] = self.ignored_kinds.get(key, 0) + 1
            return
        meta = obj.get("metadata")
        if not isinstance(meta, Mapping) or not isinstance(meta.get("name"), str) or not meta.get("name"):
            raise DumpError(f"{kind} without metadata.name", file=where)
        if slot == "pods" and not meta.get("namespace"):
            raise DumpError(
                f"Pod {meta['name']!r} has no metadata.namespace (dump with `kubectl get pods -A -o yaml`)",
                file=where,
            )
        getattr(self, slot).append(dict(obj))


# ------------------------------------------------------------------------------------------------------------
# manifest dumps
# ------------------------------------------------------------------------------------------------------------


def _iter_files(path: Path) -> Iterator[Path]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _DUMP_SUFFIXES)
        if not files:
            raise DumpError(f"directory {path} holds no .yaml, .yml or .json files")
        yield from files
    elif path.exists():
        yield path  # a file, or a pipe such as /dev/stdin or <(kubectl get ...); /dev/null reads as empty
    elif path.is_symlink():
        raise DumpError(f"manifest dump {path} is a broken symlink (to {os.readlink(path)})")
    else:
        raise DumpError(f"manifest dump {path} not found")


def _documents(path: Path) -> Iterator[tuple[int, Any]]:
    import yaml

    try:
        text = read_text(path)
    except UnicodeDecodeError as exc:
        raise DumpError(f"cannot read: not UTF-8 text (byte {exc.start})", file=str(path)) from None
    except OSError as exc:
        raise DumpError(f"cannot read: {exc.strerror or exc.__class__.__name__}", file=str(path)) from None
    if path.suffix.lower() == ".json":
        try:
            yield 1, json.loads(text)
        except json.JSONDecodeError as exc:
            raise DumpError(
                f"invalid JSON: {exc.msg}", file=str(path), line=exc.lineno, column=exc.colno
            ) from None
        return
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            index += 1
            try:
                check_node_graph(node, str(path))  # a recursive alias would recurse in _expand
            except ConfigError as exc:
                raise DumpError(exc.message, file=str(path), line=exc.line, column=exc.column) from None
            yield index, loader.construct_document(node)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DumpError(
            f"invalid YAML: {problem}",
            file=str(path),
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    finally:
        loader.dispose()


def _expand(doc: Any, where: str) -> Iterator[Mapping[str, Any]]:
    """Yield the objects of one document: itself, or the items of a ``List``/``<Kind>List``."""
    if doc is None:
        return
    if not isinstance(doc, Mapping):
        raise DumpError(
            f"expected a Kubernetes object (a mapping with apiVersion and kind), got {kind_name(doc, document=True)}",
            file=where,
        )
    kind = doc.get("kind")
    if not isinstance(kind, str) or not doc.get("apiVersion"):
        raise DumpError("object without apiVersion/kind", file=where)
    if kind.endswith("List") and "items" in doc:
        items = doc.get("items") or []
        if not isinstance(items, list):
            raise DumpError(f"{kind}.items must be a list", file=where)
        item_kind = kind[:-4] if kind != "List" else None
        for i, item in enumerate(items):
            if isinstance(item, Mapping) and item_kind and "kind" not in item:
                item = {
                    "apiVersion": doc.get("apiVersion"),
                    "kind": item_kind,
                    **item,
                }  # typed lists omit them
            yield from _expand(item, f"{where} items[{i}]")
        return
    yield doc


def load_dump(path: str | Path | Iterable[str | Path]) -> Inventory:
    """Read a manifest dump: a YAML/JSON file (multi-document, ``List`` objects) or a directory of them.

    Raises :class:`DumpError` (naming file and line) for unreadable/malformed input and when no pod is found.
    """
    allowed = "a manifest dump file or directory (str or Path), or a list of them"
    if isinstance(path, str | os.PathLike):
        path = [path]
    elif isinstance(path, bytes | Mapping) or not isinstance(path, Iterable):  # None/5: a TypeError from pathlib
        raise DumpError(wrong_kind("load_dump", "path", allowed, path))
    path = list(path)
    bad = [p for p in path if not isinstance(p, str | os.PathLike)]
    if bad:
        raise DumpError(wrong_kind("load_dump", "path", allowed, bad[0]) + " in the list")
    paths = [Path(p) for p in path]
    if not paths:
        raise DumpError("no manifest dump given")
    inv = Inventory(source="dump: " + ", ".join(str(p) for p in paths))
    seen: dict[tuple[str, str, str, str], tuple[str, Any]] = {}  # key -> (where, the object filed for it)
    superseded: set[int] = set()
    twice: dict[tuple[str, str], list[str]] = {}  # (earlier where, later where) -> objects in both
    for top in paths:
        for file in _iter_files(top.expanduser()):
            for index, doc in _documents(file):
                where = f"{file} (document {index})"
                for obj in _expand(doc, where):
                    raw_meta = obj.get("metadata")
                    meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, Mapping) else {}
                    key = (
                        str(obj.get("apiVersion")),
                        str(obj.get("kind")),
                        str(meta.get("namespace") or ""),
                        str(meta.get("name")),
                    )
                    if key in seen:
                        earlier, filed = seen[key]
                        twice.setdefault((earlier, where), []).append(
                            f"{key[1]} {key[2] + '/' if key[2] else ''}{key[3]}")
                        superseded.add(id(filed))
                    inv.add(obj, where)
                    slot = KIND_SLOTS.get((key[0], key[1]))
                    seen[key] = (where, getattr(inv, slot)[-1] if slot else None)
    if superseded:  # one pass at the end: dropping each repeat from its list at once took O(n) per repeat
        for slot in set(KIND_SLOTS.values()):
            items = getattr(inv, slot)
            items[:] = [o for o in items if id(o) not in superseded]
    for (earlier, later), names in twice.items():
        # a directory holding two dumps of one cluster repeats every object: one note per pair of documents
        inv.notes.append(
            f"{names[0]} appears twice ({earlier} and {later}); the later one is used"
            if len(names) == 1
            else f"{len(names):,} objects appear twice ({earlier} and {later}): "
            f"{', '.join(names[:3])}{', ...' if len(names) > 3 else ''}; the later ones are used"
        )
    if not inv.pods:
        raise DumpError(
            f"no pods found in {', '.join(str(p) for p in paths)}: the dump must hold the output of "
            "`kubectl get pods,networkpolicies -A -o yaml` (plus GlobalNetworkPolicies)"
        )
    return inv


# ------------------------------------------------------------------------------------------------------------
# live cluster
# ------------------------------------------------------------------------------------------------------------

#: Calico custom resources read from a live cluster: (plural, Inventory attribute).
_CALICO_LISTS: tuple[tuple[str, str], ...] = (
    ("globalnetworkpolicies", "global_policies"),
    ("networkpolicies", "calico_policies"),
    ("globalnetworksets", "network_sets"),
    ("networksets", "network_sets"),
    ("tiers", "tiers"),
)
#: AdminNetworkPolicy API objects read from a live cluster: (plural, kind, Inventory attribute).
_ADMIN_POLICY_LISTS: tuple[tuple[str, str, str], ...] = (
    ("adminnetworkpolicies", "AdminNetworkPolicy", "admin_policies"),
    ("baselineadminnetworkpolicies", "BaselineAdminNetworkPolicy", "baseline_policies"),
)

#: Cilium policies a live audit counts so that it notes them as a dump audit does (they are not evaluated:
#: ``audit.UNEVALUATED_POLICY_KINDS``): (plural, kind).
_CILIUM_LISTS: tuple[tuple[str, str], ...] = (
    ("ciliumnetworkpolicies", "CiliumNetworkPolicy"),
    ("ciliumclusterwidenetworkpolicies", "CiliumClusterwideNetworkPolicy"),
)


def load_cluster(api_client: Any, *, source: str = "live cluster") -> Inventory:
    """List namespaces, nodes, service accounts, NetworkPolicies, Calico policies, AdminNetworkPolicies and pods.

    The lists in :data:`OPTIONAL_LISTS` may be refused (a 403 becomes a note and an ``unlisted`` entry); a missing
    Calico CRD sets ``calico_installed=False``. Lists are read in pages (:func:`_paged`).
    """
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    from lokonb.kube.apply import translate_api_error

    inv = Inventory(source=source)
    core = client.CoreV1Api(api_client)
    net = client.NetworkingV1Api(api_client)
    custom = client.CustomObjectsApi(api_client)

    def refused(what: str, exc: Any) -> None:
        status = f"{exc.status} {_STATUS_NAMES[exc.status]}"
        inv.notes.append(f"cannot list {what} ({status}); {OPTIONAL_LISTS[what]}")
        inv.unlisted[what] = status

    def listed(call: Any, what: str, api_version: str, kind: str) -> list[dict[str, Any]]:
        try:
            items = _paged(_raw_json(call, what), _page_items, _page_token)
        except ApiException as exc:
            if what in OPTIONAL_LISTS and exc.status in (403, 404):  # e.g. an RBAC-limited user: a warning
                refused(what, exc)
                return []
            raise translate_api_error(exc, verb="list", what=what) from None
        except KubeApiError:
            raise
        except Exception as exc:  # urllib3 connection errors and friends
            raise KubeApiError(
                f"cannot reach the Kubernetes API to list {what}: {exc.__class__.__name__}: {_short(exc)}"
            ) from None
        return [{"apiVersion": api_version, "kind": kind, **i} for i in items]

    inv.namespaces = listed(core.list_namespace, "namespaces", "v1", "Namespace")
    inv.nodes = listed(core.list_node, "nodes", "v1", "Node")
    inv.service_accounts = listed(
        core.list_service_account_for_all_namespaces, "serviceaccounts", "v1", "ServiceAccount"
    )
    inv.network_policies = listed(
        net.list_network_policy_for_all_namespaces, "networkpolicies", "networking.k8s.io/v1", "NetworkPolicy"
    )
    inv.calico_installed = True
    for plural, slot in _CALICO_LISTS:
        try:
            pages = _custom_pages(custom, "crd.projectcalico.org", "v1", plural)
        except ApiException as exc:
            if exc.status == 404:
                if plural == "globalnetworkpolicies":
                    inv.calico_installed = False
                    inv.notes.append(
                        "Calico is not installed (no crd.projectcalico.org GlobalNetworkPolicy "
                        "resource): nothing blocks the metadata endpoint cluster-wide"
                    )
                continue
            if exc.status == 403 and plural in OPTIONAL_LISTS:
                refused(plural, exc)
                continue
            raise translate_api_error(exc, verb="list", what=f"{plural}.crd.projectcalico.org") from None
        kind = {
            "globalnetworkpolicies": "GlobalNetworkPolicy",
            "networkpolicies": "NetworkPolicy",
            "globalnetworksets": "GlobalNetworkSet",
            "networksets": "NetworkSet",
            "tiers": "Tier",
        }[plural]
        for page in pages:
            for item in _page_items(page):
                getattr(inv, slot).append({"apiVersion": "crd.projectcalico.org/v1", "kind": kind, **item})
    for plural, kind, slot in _ADMIN_POLICY_LISTS:
        try:
            pages = _custom_pages(custom, "policy.networking.k8s.io", "v1alpha1", plural)
        except ApiException as exc:
            if exc.status == 404:  # the CRDs of network-policy-api are not installed: there are none
                continue
            if exc.status == 403:
                inv.notes.append(
                    f"cannot list {plural} (403 Forbidden): they are not evaluated, and they decide before "
                    "(AdminNetworkPolicy) or after (baseline) NetworkPolicies"
                )
                inv.unlisted[plural] = "403 Forbidden"
                continue
            raise translate_api_error(exc, verb="list", what=f"{plural}.policy.networking.k8s.io") from None
        for page in pages:
            for item in _page_items(page):
                getattr(inv, slot).append({"apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": kind, **item})
    for plural, kind in _CILIUM_LISTS:
        try:
            pages = _custom_pages(custom, "cilium.io", "v2", plural)
        except ApiException as exc:
            if exc.status == 404:  # Cilium is not installed
                continue
            if exc.status == 403:
                inv.notes.append(f"cannot list {plural} (403 Forbidden): Cilium policies, if any, are not noted")
                inv.unlisted[plural] = "403 Forbidden"
                continue
            raise translate_api_error(exc, verb="list", what=f"{plural}.cilium.io") from None
        count = sum(len((page.get("items") if isinstance(page, dict) else None) or []) for page in pages)
        if count:
            key = f"cilium.io/v2 {kind}"
            inv.ignored_kinds[key] = inv.ignored_kinds.get(key, 0) + count
    # Pods last: the largest list by far, so a refused policy list (the view role does not cover Calico's CRDs)
    # fails in a second instead of after minutes of reading pods it cannot judge.
    inv.pods = listed(core.list_pod_for_all_namespaces, "pods", "v1", "Pod")
    return inv


def _paged(call: Any, items_of: Any, token_of: Any) -> list[Any]:
    """Every item of a chunked list (``limit``/``continue``), as client-go's ``ListPager`` reads one: when the
    continue token expires mid-way (410 Expired: etcd compacted the revision the first page was read at), the
    pages read so far are dropped and the whole list is read again in one request (``FullListIfExpired``), so
    the result is one consistent snapshot rather than an error or a list with gaps."""
    from kubernetes.client.rest import ApiException

    items: list[Any] = []
    token: str | None = None
    while True:  # chunked lists keep responses small on large clusters
        try:
            page = call(limit=LIST_CHUNK, _continue=token) if token else call(limit=LIST_CHUNK)
        except ApiException as exc:
            if exc.status != 410 or not token:
                raise
            return items_of(call())
        items.extend(items_of(page))
        token = token_of(page)
        if not token:
            return items


def _custom_pages(custom: Any, group: str, version: str, plural: str) -> list[Any]:
    """Every page of a cluster-wide custom object list (``limit``/``continue``)."""

    def call(**kwargs: Any) -> Any:
        return custom.list_cluster_custom_object(group, version, plural, **kwargs)

    return _paged(call, lambda page: [page], _page_token)


def _raw_json(call: Any, what: str) -> Any:
    """``call`` answering the list as the API's JSON, decoded to plain dicts.

    The typed client would build a model object for every field of every item, which the audit then turned back
    into dicts: on a 5,000-pod cluster that round trip cost more than the requests themselves (kubernetes-client/
    python#1231, #1921), and the models of a whole list were held next to their dicts until the last page came.
    """

    def raw(**kwargs: Any) -> dict[str, Any]:
        response = call(_preload_content=False, **kwargs)
        try:
            page = json.loads(response.data)
        except ValueError as exc:  # UnicodeDecodeError is one
            raise KubeApiError(f"cannot list {what}: the API answered with no JSON list ({exc})") from None
        items = page.get("items") if isinstance(page, dict) else "not a list object"
        if not isinstance(items, list | None) or not all(isinstance(i, dict) for i in items or []):
            raise KubeApiError(f"cannot list {what}: the API answered with no list of objects ({str(page)[:80]!r})")
        return page

    return raw


def _page_items(page: Any) -> list[Any]:
    """The items of a list page without ``metadata.managedFields``: the API server returns them in every list
    (kubectl hides them), they are often most of an object's size, and the audit reads none of them."""
    items = (page.get("items") if isinstance(page, dict) else None) or []
    for item in items:
        meta = item.get("metadata") if isinstance(item, dict) else None
        if isinstance(meta, dict):
            meta.pop("managedFields", None)
    return items


def _page_token(page: Any) -> str | None:
    """The continue token of a list page (a dict as the API writes it), or None on the last page."""
    meta = page.get("metadata") if isinstance(page, dict) else None
    return (meta.get("continue") or None) if isinstance(meta, dict) else None


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:300]
