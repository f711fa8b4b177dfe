"""Attribute names of older Lokomotive releases and of other platforms' cluster blocks, as data.

A config written for an older lokoctl, or copied from a Packet/AKS/bare-metal cluster, holds names the current
attribute tables do not know. ``difflib`` then suggests a look-alike that means something else (``worker_count`` ->
"did you mean controller_count?") or lists every attribute; these tables say instead what the name was and what to
write now. Sources: Lokomotive's CHANGELOG ("Configuration syntax changes"), pull requests #151 (worker pools,
before v0.1.0), #182 (oidc block, v0.2.0) and #423 (EBS CSI), and pkg/platform/aws/aws.go across its history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Legacy:
    """A name lokonb (and the last lokoctl) no longer takes at ``level`` (cluster, pool, oidc).

    ``was`` says where the name comes from; ``to`` is what replaces it, as (level, attribute), or None when it is
    gone; ``advice`` is what to do instead when nothing replaces it; ``value`` turns the old value into the new
    one for the suggestion (None: keep it). ``before`` is a release the name had left by (an upper bound, not
    always the exact release): a file using it was written for an older Lokomotive, which ``eras`` uses for the
    defaults and meanings that changed since (None: the name tells no release).
    """

    level: str
    name: str
    was: str
    to: tuple[str, str] | None = None
    advice: str = ""
    value: Callable[[Any, bool], Any] | None = None
    before: str | None = None


@dataclass(frozen=True)
class _Expr:
    """A suggested value printed as it is (an HCL expression, or a placeholder), not quoted."""

    text: str


def _channel(value: Any, _hcl: bool) -> Any:
    """``os_image = "flatcar-edge"`` of early lokoctl -> the channel alone."""
    return value.removeprefix("flatcar-") if isinstance(value, str) else value


def _key_file(value: Any, hcl: bool) -> Any:
    """A key file path (early lokoctl read the key from it) -> the file() expression that reads it (YAML: its
    text)."""
    is_path = isinstance(value, str) and (value.startswith(("~", "/", ".")) or value.endswith(".pub"))
    if is_path and not hcl:
        return _Expr(f"[<the text of {value}>]")
    if isinstance(value, str) and value.startswith("~"):
        return _Expr(f'[file(pathexpand("{value}"))]')
    if is_path:
        return _Expr(f'[file("{value}")]')
    return [value] if isinstance(value, str) else value


_BEFORE_POOLS = "a cluster attribute before Lokomotive v0.1.0, when workers moved into worker_pool blocks"

LEGACY: tuple[Legacy, ...] = (
    Legacy("cluster", "worker_count", _BEFORE_POOLS, ("pool", "count"), before="v0.1.0"),
    Legacy("cluster", "worker_type", _BEFORE_POOLS, ("pool", "instance_type"), before="v0.1.0"),
    Legacy("cluster", "worker_price", _BEFORE_POOLS, ("pool", "spot_price"), before="v0.1.0"),
    Legacy("cluster", "worker_target_groups", _BEFORE_POOLS, ("pool", "target_groups"), before="v0.1.0"),
    Legacy("cluster", "worker_clc_snippets", _BEFORE_POOLS, ("pool", "clc_snippets"), before="v0.1.0"),
    Legacy("cluster", "networking", "removed before Lokomotive v0.1.0, when flannel was dropped",
           advice="Calico is the only network plugin (in lokonb too): remove it", before="v0.1.0"),
    Legacy("cluster", "os_image", "the Flatcar image of early lokoctl releases (before v0.1.0)",
           ("cluster", "os_channel"), value=_channel, before="v0.1.0"),
    Legacy("cluster", "ssh_pubkey", "one key file of early lokoctl releases (before v0.1.0)",
           ("cluster", "ssh_pubkeys"), value=_key_file, before="v0.1.0"),
    Legacy("cluster", "set_csi_driver_iam_role", "the first name of Lokomotive's EBS CSI switch (pull request #423)",
           ("cluster", "enable_csi"), before="v0.5.0"),
    Legacy("cluster", "kube_apiserver_extra_flags", "accepted before Lokomotive v0.2.0, dropped when the oidc block "
           "came", advice="lokonb sets no extra kube-apiserver flags: remove it (OIDC flags come from an "
                          "oidc { ... } block)", before="v0.2.0"),
    Legacy("pool", "worker_type", "not a worker_pool attribute (Lokomotive's configuration reference shows it by "
           "mistake)", ("pool", "instance_type")),
)

#: Attributes of other platforms' ``cluster`` blocks and pools (pkg/platform/<platform> of Lokomotive's last
#: release); none of them means anything for AWS.
OTHER_PLATFORMS: dict[tuple[str, str], str] = {
    **{("cluster", n): '"packet" / "equinixmetal"' for n in (
        "project_id", "facility", "management_cidrs", "node_private_cidr", "auth_token", "ipxe_script_url",
        "os_arch", "reservation_ids", "reservation_ids_default")},
    **{("cluster", n): '"aks"' for n in (
        "subscription_id", "tenant_id", "client_id", "client_secret", "resource_group_name",
        "manage_resource_group", "location", "application_name")},
    **{("cluster", n): '"bare-metal"' for n in (
        "matchbox_endpoint", "matchbox_http_endpoint", "matchbox_ca_path", "matchbox_client_cert_path",
        "matchbox_client_key_path", "controller_macs", "controller_names", "controller_domains", "worker_names",
        "worker_macs", "worker_domains", "cached_install", "install_to_smallest_disk", "k8s_domain_name",
        "install_disk", "kernel_args", "kernel_console", "download_protocol", "network_ip_autodetection_method",
        "labels", "node_specific_labels", "clc_snippets", "installer_clc_snippets", "wipe_additional_disks")},
    **{("cluster", n): '"tinkerbell"' for n in (
        "name", "ssh_public_keys", "controller_ip_addresses", "controller_flatcar_install_base_url")},
    **{("pool", n): '"packet" / "equinixmetal"' for n in (
        "node_type", "os_arch", "ipxe_script_url", "disable_bgp", "reservation_ids", "reservation_ids_default",
        "setup_raid", "setup_raid_hdd", "setup_raid_ssd", "setup_raid_ssd_fs")},
    **{("pool", n): '"tinkerbell"' for n in ("ip_addresses", "ssh_public_keys", "flatcar_install_base_url")},
    ("pool", "facility"): '"equinixmetal"',
    ("pool", "vm_size"): '"aks"',
}

_EC2_TYPE = '"<an EC2 instance type such as t3.small>"'


def _arch(_hcl: bool) -> str:
    return ("lokonb picks each node's architecture from its instance type (arm64 for Graviton types such as "
            "m6g.large, else x86_64): remove it")


def _node_labels(hcl: bool) -> str:
    """bare-metal's cluster-wide ``labels``: on AWS, labels belong to worker pools."""
    return "node labels are set per worker pool on AWS: " + _in_pool("labels", "{ ... }", hcl)


def _node_snippets(hcl: bool) -> str:
    """bare-metal's ``clc_snippets``, a map of node name to snippets: per role and pool on AWS."""
    return (f"on AWS, controllers take {_assign('controller_clc_snippets', '[...]', hcl)} and each worker pool "
            f"its own: {_in_pool('clc_snippets', '[...]', hcl)}")

#: What an AWS cluster takes instead of another platform's attribute, where there is an equivalent: the AWS
#: attribute at the same level and a placeholder for its value (None: the value as written), or what to do.
#: Without an entry here a close-looking name would be offered that means something else
#: (controller_ip_addresses -> "did you mean controller_type?"; bare-metal's per-node clc_snippets map ->
#: controller_clc_snippets).
_AWS_EQUIVALENT: dict[tuple[str, str], tuple[str, str | None] | Callable[[bool], str]] = {
    ("pool", "node_type"): ("instance_type", _EC2_TYPE),
    ("pool", "vm_size"): ("instance_type", _EC2_TYPE),
    ("cluster", "name"): ("cluster_name", None),
    ("cluster", "ssh_public_keys"): ("ssh_pubkeys", "<the same list of keys>"),
    ("pool", "ssh_public_keys"): ("ssh_pubkeys", "<the same list of keys>"),
    ("cluster", "controller_ip_addresses"): ("controller_count", "<the number of controllers: 1, 3 or 5>"),
    ("pool", "ip_addresses"): ("count", "<the number of workers>"),
    ("cluster", "os_arch"): _arch,
    ("pool", "os_arch"): _arch,
    ("cluster", "labels"): _node_labels,
    ("cluster", "clc_snippets"): _node_snippets,
}

_BY_NAME = {(item.level, item.name): item for item in LEGACY}


def _literal(value: Any, hcl: bool) -> str:
    if isinstance(value, _Expr):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and "\n" not in value and len(value) <= 60:
        return f'"{value}"' if hcl or not re.fullmatch(r"[\w.@/~-]+", value) else value
    if isinstance(value, list) and len(value) <= 3 and all(
            isinstance(v, str) and "\n" not in v and len(v) <= 100 for v in value):
        return "[" + ", ".join(f'"{v}"' for v in value) + "]"
    return "..."


def _assign(name: str, value: Any, hcl: bool) -> str:
    return f"{name} = {value}" if hcl else f"{name}: {value}"


def _in_pool(name: str, value: str, hcl: bool) -> str:
    """``name = value`` moved from the cluster into the pools: a pool block for lokocfg, a pool item for YAML."""
    return (f'worker_pool "<name>" {{ {name} = {value} }}' if hcl
            else f"worker_pools: [{{name: <name>, {name}: {value}}}]")


def hint(level: str, name: str, value: Any, *, hcl: bool) -> tuple[str, str] | None:
    """(rule, message) for an attribute that an older Lokomotive (rule ``legacy``) or another platform (rule
    ``platform``) took; None for any other name.

    ``level`` is cluster, pool or oidc; ``hcl`` picks the lokocfg spelling of the suggestion (else YAML's).
    """
    item = _BY_NAME.get((level, name))
    if item is not None:
        if item.to is None:
            return "legacy", f"{item.was}; {item.advice}"
        to_level, to_name = item.to
        new = item.value(value, hcl) if item.value is not None and value is not None else value
        if to_level != level:
            return "legacy", f"{item.was}; write it in each worker pool: {_in_pool(to_name, _literal(new, hcl), hcl)}"
        return "legacy", f"{item.was}; write {_assign(to_name, _literal(new, hcl), hcl)}"
    platform = OTHER_PLATFORMS.get((level, name))
    if platform is None:
        return None
    text = f'{"a worker_pool" if level == "pool" else "an"} attribute of cluster {platform}, not of cluster "aws"'
    instead = _AWS_EQUIVALENT.get((level, name))
    if instead is None:
        return "platform", f"{text}; remove it"
    if callable(instead):
        return "platform", f"{text}; {instead(hcl)}"
    attr, placeholder = instead
    if placeholder is None:
        placeholder = "<the same value>" if value is None else _literal(value, hcl)
    return "platform", f"{text}; on AWS write {_assign(attr, placeholder, hcl)}"
