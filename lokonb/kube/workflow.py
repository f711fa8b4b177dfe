"""The ``metadata_access`` notebook's steps as library calls (the notebook only calls these and shows
results).

Parameters (``lokonb params metadata_access``): ``source`` (``sample``, a dump path, or ``live``),
``kubeconfig``/``context`` (live), ``blocked_cidrs``, ``allow`` (list of ``{namespace, pod_selector, mode,
name,
include}``), ``node_local_dns``/``cluster`` (NodeLocal DNSCache addresses of the ``dns`` rule), ``action``
(``render``/``audit``/``apply``), ``dry_run``, ``confirm``.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.errors import kind_name
from lokonb.kube.audit import AuditResult, audit_metadata_access
from lokonb.kube.errors import PolicyInputError
from lokonb.kube.metadata import (
    DEFAULT_BLOCKED_CIDRS,
    allow_metadata_policy,
    dns_cache_addresses,
    node_local_dns_from_config,
    normalize_cidrs,
    render_block_policy,
    to_yaml,
)
from lokonb.kube.sources import load_dump

ACTIONS: tuple[str, ...] = ("render", "audit", "apply")
#: How the notebook explains each kind of reason: (reason pattern, category, what it means / what to do).
REASON_EXPLANATIONS: tuple[tuple[str, str, str], ...] = (
    (
        r"^host network",
        "host network",
        "The pod shares the node's network namespace: its traffic is host traffic and no pod policy applies. "
        "IMDSv2 with hop limit 1 does not stop it either. Keep such pods few and trusted.",
    ),
    (
        r"^allowed by AdminNetworkPolicy",
        "allowed by an AdminNetworkPolicy",
        "A cluster administrator's AdminNetworkPolicy allows TCP 80 to the address. It is evaluated before every "
        "NetworkPolicy and block-metadata-access, so nothing below it can block. Check the pods it selects.",
    ),
    (
        r"^allowed by BaselineAdminNetworkPolicy",
        "allowed by the BaselineAdminNetworkPolicy",
        "No NetworkPolicy or Calico policy selects the pod and the baseline policy allows the address: apply "
        "block-metadata-access, which is evaluated before the baseline.",
    ),
    (
        r"^denied by (Baseline)?AdminNetworkPolicy",
        "denied by an admin policy",
        "An AdminNetworkPolicy (or the baseline) Deny rule matches the connection.",
    ),
    (
        r"^no rule of tier .* defaultAction is Pass",
        "passed to the profile",
        "The policies of a tier ending in Pass (such as the AdminNetworkPolicy tier) decided nothing, no later "
        "tier selects the pod, and the namespace profile allows all egress.",
    ),
    (
        r"^allowed by NetworkPolicy",
        "allowed on purpose (NetworkPolicy)",
        "An egress NetworkPolicy allows TCP 80 to the address. NetworkPolicies are evaluated before "
        "block-metadata-access, so the allow wins. Check the pod really needs the node's credentials.",
    ),
    (
        r"^allowed by ",
        "allowed by a Calico policy",
        "A Calico policy rule explicitly allows the connection before any block applies.",
    ),
    (
        r"^no cluster-wide block",
        "not blocked at all",
        "No policy stops the pod: apply block-metadata-access (action: apply) or check its selector.",
    ),
    (
        r"^passed ",
        "passed to the profile",
        "A Calico Pass rule skipped the remaining policies and the namespace profile allows all egress.",
    ),
    (
        r"^blocked by block-metadata-access",
        "blocked by the default block",
        "Traffic to the address matches no allow rule of block-metadata-access and falls to Calico's "
        "implicit deny.",
    ),
    (
        r"^blocked by ",
        "blocked by another Calico policy",
        "A Calico policy selects the pod and no rule allows the address: Calico's implicit deny applies.",
    ),
    (r"^denied by ", "explicitly denied", "A Calico Deny rule matches the connection."),
    (
        r"^egress-isolated by ",
        "isolated by NetworkPolicies",
        "NetworkPolicies restrict the pod's egress and none allows the address (blocked even without "
        "the GNP).",
    ),
)


@dataclass
class RenderedPolicies:
    """The policies the parameters describe, with warnings and offered rules."""

    objects: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    offered_rules: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: what the parameters decided without being asked (the cluster's NodeLocal DNS address in the dns rules)
    notes: list[str] = field(default_factory=list)

    @property
    def yaml(self) -> str:
        return to_yaml(self.objects)

    def table(self) -> Any:
        """One row per object: kind, namespace, name, what it does."""
        import pandas as pd

        rows = []
        for o in self.objects:
            spec = o.get("spec") or {}
            if o["kind"] == "GlobalNetworkPolicy":
                what = "egress allowed except to " + ", ".join(
                    n for r in spec.get("egress", []) for n in (r.get("destination") or {}).get("notNets", [])
                )
            else:
                what = (
                    f"pods {spec.get('podSelector') or '(all)'}: {len(spec.get('egress', []))} egress rule(s)"
                )
            rows.append(
                {
                    "kind": o["kind"],
                    "namespace": o["metadata"].get("namespace", ""),
                    "name": o["metadata"]["name"],
                    "what": what,
                }
            )
        return pd.DataFrame(rows, columns=["kind", "namespace", "name", "what"])


def _check_allow_list(allow: Any) -> None:
    """``allow`` is a list of entries: one entry written without its "- " (a mapping) was read key by key and
    refused as "allow[0]: must be a mapping", which it is; a string was read letter by letter."""
    if isinstance(allow, Mapping):
        raise PolicyInputError("allow", "must be a list of entries, got one mapping: write it as a list item "
                                        "(- namespace: ...), or [{...}] in Python")
    if isinstance(allow, str | bytes) or not isinstance(allow, Sequence):
        raise PolicyInputError("allow", f"must be a list of entries (mappings with namespace and pod_selector), "
                                        f"got {kind_name(allow, document=True)}")


def node_local_dns_default(
    node_local_dns: Sequence[str] | None, cluster: Mapping[str, Any] | None = None
) -> tuple[list[str], str | None]:
    """The NodeLocal DNSCache addresses of the allow policies' ``dns`` rule and a note when they came from the
    cluster: ``node_local_dns`` when given (``[]``: none), else the ``cluster`` definition's ``node_local_dns_ip``
    when it enables NodeLocal DNS, else none (metadata.md §2's rule)."""
    if node_local_dns is not None:
        return dns_cache_addresses(node_local_dns), None
    if cluster is None:
        return [], None
    if not isinstance(cluster, Mapping):
        raise PolicyInputError("cluster", f"must be a cluster definition (a mapping, as in provision_cluster), "
                                          f"got {kind_name(cluster, document=True)}")
    from lokonb.config import load_yaml

    addresses = list(node_local_dns_from_config(load_yaml({"cluster": dict(cluster)})))
    if not addresses:
        return [], None
    return addresses, (f"The `dns` rules also allow the NodeLocal DNSCache at {', '.join(addresses)} (the cluster "
                       "enables NodeLocal DNS); set `node_local_dns` to choose other addresses, `[]` for none.")


def render_policies(
    blocked_cidrs: Sequence[str],
    allow: Sequence[Mapping[str, Any]] = (),
    *,
    node_local_dns: Sequence[str] | None = None,
    cluster: Mapping[str, Any] | None = None,
) -> RenderedPolicies:
    """Render the block policy and one allow NetworkPolicy per ``allow`` entry.

    ``allow`` entries: ``namespace`` (required), ``pod_selector`` (matchLabels/matchExpressions), ``mode``
    (``metadata-only``/``open``), ``name`` (optional), ``include`` (``dns``, ``all-but-metadata``; optional).
    ``node_local_dns``/``cluster``: the NodeLocal DNSCache addresses every ``dns`` rule also allows (see
    :func:`node_local_dns_default`).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        objects = [render_block_policy(blocked_cidrs)]
    out = RenderedPolicies(objects, [str(w.message) for w in caught])
    _check_allow_list(allow)
    dns_caches, note = node_local_dns_default(node_local_dns, cluster)
    uses_dns = any(isinstance(e, Mapping) and isinstance(e.get("include"), list | tuple | str)
                   and "dns" in e["include"] for e in allow)  # a malformed include is the entry loop's error
    if note and uses_dns:
        out.notes.append(note)
    if node_local_dns and not uses_dns:  # given on purpose, and no rule takes it
        out.warnings.append(f"node_local_dns {', '.join(dns_caches)} is not used: no allow entry includes dns")
    for i, entry in enumerate(allow):
        if not isinstance(entry, Mapping):
            raise PolicyInputError(f"allow[{i}]", "must be a mapping with namespace and pod_selector")
        unknown = set(entry) - {"namespace", "pod_selector", "mode", "name", "include"}
        if unknown:
            raise PolicyInputError(
                f"allow[{i}]",
                f"unknown key(s) {sorted(unknown)}; allowed: namespace, pod_selector, mode, name, include",
            )
        # a key written with no value (`namespace:`, `pod_selector:`) is null in YAML: a policy without a namespace
        # went to the kubeconfig's namespace, and a null selector became {} (every pod of the namespace allowed)
        for key, allowed in (("namespace", "a namespace name such as kube-system"),
                             ("pod_selector", "matchLabels/matchExpressions, or {} for every pod of the namespace")):
            if key in entry and entry[key] is None:
                raise PolicyInputError(f"allow[{i}].{key}", f"{key} has no value (null); allowed: {allowed}")
        try:
            policy = allow_metadata_policy(
                entry.get("namespace", ""),
                entry.get("pod_selector") or {},
                mode=entry.get("mode") or "metadata-only",
                name=entry.get("name"),
                include=tuple(entry.get("include") or ()),
                node_local_dns=dns_caches,
            )
        except PolicyInputError as exc:
            raise PolicyInputError(f"allow[{i}].{exc.field}", exc.message.split(": ", 1)[-1]) from None
        out.objects.append(policy.policy)
        out.warnings.extend(f"{policy.name}: {w}" for w in policy.warnings)
        if policy.offered_rules:
            out.offered_rules[policy.name] = policy.offered_rules
    return out


def policy_issues(
    blocked_cidrs: Sequence[str], allow: Sequence[Any], node_local_dns: Sequence[str] | None = None
) -> list[tuple[str, str]]:
    """Every ``(field, message)`` problem :func:`render_policies` would raise one at a time: the parameter check
    runs it before a kernel starts (notebooks.md R3.6), so all of them are reported at once, exit 2. (A
    ``cluster`` is the cluster model's to check.)"""
    problems = []
    try:
        normalize_cidrs(blocked_cidrs)
    except PolicyInputError as exc:
        problems.append((exc.field, exc.message.split(": ", 1)[-1]))
    try:
        node_local_dns_default(node_local_dns)
    except PolicyInputError as exc:
        problems.append((exc.field, exc.message.split(": ", 1)[-1]))
    try:
        _check_allow_list(allow)
    except PolicyInputError as exc:
        return [*problems, (exc.field, exc.message.split(": ", 1)[-1])]
    for i, entry in enumerate(allow):
        try:
            render_policies(DEFAULT_BLOCKED_CIDRS, [entry])
        except PolicyInputError as exc:
            problems.append((exc.field.replace("allow[0]", f"allow[{i}]", 1), exc.message.split(": ", 1)[-1]))
    return problems


def _dump_path(source: str, root: Path | None) -> Path:
    path = Path(source).expanduser()
    if not path.is_absolute() and root is not None and not path.exists():
        path = root / path
    return path


def audit_source(
    source: str,
    *,
    kubeconfig: str | Path | None = None,
    context: str | None = None,
    node_imds: Mapping[str, Any] | None = None,
    root: Path | None = None,
) -> AuditResult:
    """Audit ``source``: ``"sample"`` (the bundled dump), ``"live"`` (kubeconfig/context) or a dump path
    (relative paths resolve against ``root``, the project root, when they do not exist from the cwd)."""
    from lokonb.kube.sample import sample_dump_path

    if not isinstance(source, str | os.PathLike):  # 5 or a list: a TypeError from pathlib
        raise PolicyInputError("source", f"must be 'sample', 'live' or a manifest dump path (str or Path), got "
                                         f"{kind_name(source)}")
    if source == "sample":
        inv = load_dump(sample_dump_path())
        inv.source = "sample dump bundled with lokonb"  # no absolute paths in shared reports
        return audit_metadata_access(inv, node_imds=node_imds)
    if source == "live":
        return audit_metadata_access(kubeconfig=kubeconfig, context=context, node_imds=node_imds)
    if not source:
        raise PolicyInputError("source", "must be 'sample', 'live' or a manifest dump path")
    inv = load_dump(_dump_path(source, root))
    inv.source = f"dump: {source}"
    return audit_metadata_access(inv, node_imds=node_imds)


def audit_step(
    action: str,
    source: str,
    *,
    kubeconfig: str | Path | None = None,
    context: str | None = None,
    node_imds: Mapping[str, Any] | None = None,
    root: Path | None = None,
) -> AuditResult:
    """The notebook's audit: :func:`audit_source`, or an empty result saying it was skipped for action
    render."""
    if action not in ACTIONS:
        raise PolicyInputError("action", f"unknown action {action!r}; allowed: {', '.join(ACTIONS)}")
    if action == "render":
        return AuditResult([], "(audit skipped: action render)", None, ["audit skipped (action: render)"],
                           skipped=True)
    return audit_source(source, kubeconfig=kubeconfig, context=context, node_imds=node_imds, root=root)


def summary_markdown(result: AuditResult) -> str:
    """A short Markdown summary of an audit, reachable pod-network pods named first."""
    s = result.summary()
    if result.skipped:
        return ("**Audit skipped** (`action: render`): no pod was checked; run with `action: audit` to see who "
                "can reach 169.254.169.254.")
    lines = [
        f"**{s['reachable']} of {s['pods']} pods can reach 169.254.169.254** "
        f"({s['reachable_pod_network']} in the pod network, {s['reachable_host_network']} host-network); "
        f"{s['blocked']} blocked. Cluster-wide block: **{s['block_policy'] or 'none'}**. "
        f"Source: {s['source']}."
    ]
    pod_network = [f"{v.namespace}/{v.pod}" for v in result.ordered() if v.reachable and not v.host_network]
    if pod_network:
        lines.append("Pod-network pods that can reach it: " + ", ".join(f"`{p}`" for p in pod_network))
    lines += [f"- note: {n}" for n in s["notes"]]
    return "\n\n".join(lines)


def explain_reasons(result: AuditResult) -> Any:
    """A table: reason category, reachable?, pods, explanation (one row per category present)."""
    import pandas as pd

    rows: dict[tuple[str, bool], dict[str, Any]] = {}
    for v in result.ordered():
        category, text = "other", ""
        for pattern, cat, explanation in REASON_EXPLANATIONS:
            if re.search(pattern, v.reason):
                category, text = cat, explanation
                break
        if "token blocked by hop limit" in v.reason:
            category += " (token blocked by hop limit)"
            text += " IMDSv2 with hop limit 1 keeps the session token from reaching the pod."
        row = rows.setdefault(
            (category, v.reachable),
            {"category": category, "reachable": v.reachable, "pods": 0, "examples": [], "explanation": text},
        )
        row["pods"] += 1
        if len(row["examples"]) < 3:
            row["examples"].append(f"{v.namespace}/{v.pod}")
    frame = pd.DataFrame(
        list(rows.values()), columns=["category", "reachable", "pods", "examples", "explanation"]
    )
    frame["examples"] = frame["examples"].map(", ".join)
    return frame


class StaticFigure:
    """A matplotlib figure that displays as a PNG whatever the backend (headless kernels use Agg)."""

    def __init__(self, figure: Any) -> None:
        self.figure = figure

    def _repr_png_(self) -> bytes:
        import io

        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        return buf.getvalue()

    def __repr__(self) -> str:
        return "<reachability plot>"


def reachability_plot(result: AuditResult) -> StaticFigure:
    """A static bar chart: pods per namespace that can / cannot reach the endpoint (host network split
    out)."""
    import matplotlib.pyplot as plt
    import pandas as pd

    frame = result.table()
    if frame.empty:
        fig, ax = plt.subplots(figsize=(5, 1))
        ax.axis("off")
        ax.text(0.5, 0.5, "no pods audited", ha="center", va="center")
        plt.close(fig)
        return StaticFigure(fig)
    frame["verdict"] = frame.apply(
        lambda r: (
            "blocked"
            if not r["reachable"]
            else ("reachable (host network)" if r["host_network"] else "reachable (pod network)")
        ),
        axis=1,
    )
    counts = pd.crosstab(frame["namespace"], frame["verdict"])
    for col in ("reachable (pod network)", "reachable (host network)", "blocked"):
        if col not in counts:
            counts[col] = 0
    counts = counts[["reachable (pod network)", "reachable (host network)", "blocked"]]
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * max(len(counts), 1)))
    counts.plot.barh(stacked=True, ax=ax, color=["#d62728", "#ff7f0e", "#2ca02c"])
    ax.set_xlabel("pods")
    ax.set_ylabel("")
    ax.set_title("Who can reach 169.254.169.254")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    plt.close(fig)
    return StaticFigure(fig)


@dataclass
class ApplyOutcome:
    """What the apply step did (``applied`` empty when the action was not ``apply``)."""

    message: str
    applied: list[Any] = field(default_factory=list)

    def table(self) -> Any:
        import pandas as pd

        return pd.DataFrame(
            [{"object": r.ref, "action": r.action, "dry_run": r.dry_run} for r in self.applied],
            columns=["object", "action", "dry_run"],
        )


def apply_step(
    action: str,
    policies: RenderedPolicies,
    *,
    source: str,
    kubeconfig: str | Path | None = None,
    context: str | None = None,
    dry_run: bool = False,
    confirm: bool = False,
) -> ApplyOutcome:
    """Apply the policies when ``action == "apply"`` (to the ``live`` cluster only; needs ``confirm`` unless
    ``dry_run``); otherwise say why nothing is applied."""
    from lokonb.kube.apply import apply_policies

    if action not in ACTIONS:
        raise PolicyInputError("action", f"unknown action {action!r}; allowed: {', '.join(ACTIONS)}")
    if action != "apply":
        return ApplyOutcome(
            f"nothing applied (action: {action}); set action: apply, source: live and confirm: true to apply"
        )
    if source != "live":
        raise PolicyInputError(
            "source", "action apply needs source: live (the cluster of kubeconfig/context)"
        )
    results = apply_policies(
        policies.objects,
        kubeconfig=str(kubeconfig) if kubeconfig else None,
        context=context,
        confirm=confirm,
        dry_run=dry_run,
    )
    changed = sum(r.action not in ("unchanged",) for r in results)
    what = "server-side dry run" if dry_run else "applied"
    return ApplyOutcome(f"{what}: {changed} of {len(results)} objects created or replaced", results)
