"""Defaults and meanings that changed between Lokomotive releases, for a lokocfg that shows its release.

lokonb follows the last Lokomotive release. A config written for an older lokoctl can still parse, but two things
meant something else before v0.5.0 (its CHANGELOG, "Updating from v0.4.1"; pkg/oidc/oidc.go and the AWS
configuration reference before and after):

- an ``oidc`` block's ``client_id`` defaulted to ``"gangway"``; since v0.5.0 it is ``"clusterauth"``. It must
  match Dex's static client and Gangway's client_id, so a silent switch breaks every login;
- ``network_mtu`` was the CNI (pod interface) MTU, 1480 by default (8981 for jumbo frames, 1440 / 8941 with
  ``encrypt_pod_traffic``); since v0.5.0 it is the physical network MTU (1500 / 9001) the pods' MTU is derived from.

A file tells its release by the names it uses (``legacy.LEGACY`` entries with ``before``, labels or taints as
"k=v" strings): then each change below is an error naming what to write. Without such a sign, only an
``network_mtu`` that is one of the old reference's CNI values gets a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lokonb.config import legacy
from lokonb.config.build import INVALID, Locator
from lokonb.config.errors import Issue


@dataclass(frozen=True)
class Evidence:
    """A sign that the file was written for a Lokomotive release before ``before``: ``what`` it uses, where."""

    before: str
    what: str
    source: str | None

    def text(self) -> str:
        return f"{self.what} [{self.source}]" if self.source else self.what


def _version(release: str) -> tuple[int, ...]:
    return tuple(int(part) for part in release.lstrip("v").split("."))


#: Pool attributes that took "k=v,k2=v2" strings until v0.5.0 made them maps.
_STRING_FORMS = ("labels", "taints")


def evidence(cluster: dict[str, Any], locate: Locator) -> list[Evidence]:
    """Every sign of an older release in the raw cluster (before legacy names and string forms are reported)."""
    found = []
    pools = [p for p in cluster.get("worker_pools", []) if isinstance(p, dict)]
    for item in legacy.LEGACY:
        if item.before is None:
            continue
        if item.level == "cluster" and item.name in cluster:
            found.append(Evidence(item.before, item.name, locate(("cluster", item.name))))
        for index, pool in enumerate(pools if item.level == "pool" else []):
            if item.name in pool:
                found.append(Evidence(item.before, f'worker_pool["{pool.get("name")}"].{item.name}',
                                      locate(("cluster", "worker_pools", index, item.name))))
    for index, pool in enumerate(pools):
        for attr in _STRING_FORMS:
            if isinstance(pool.get(attr), str):
                found.append(Evidence("v0.5.0", f'worker_pool["{pool.get("name")}"].{attr} as a string',
                                      locate(("cluster", "worker_pools", index, attr))))
    return found


#: network_mtu values Lokomotive's AWS reference gave for the CNI MTU before v0.5.0, with the physical MTU each
#: stood for (what to write now).
OLD_CNI_MTUS = {1480: 1500, 8981: 9001, 1440: 1500, 8941: 9001}
#: Physical MTUs of AWS networks: never a leftover CNI value (and what a user writes once told to).
PHYSICAL_MTUS = frozenset({1500, 9001})
_OVERHEAD = {False: 20, True: 60}  # IP-in-IP, or WireGuard with encrypt_pod_traffic (the AWS reference's figures)


def _oidc_client_id(cluster: dict[str, Any], sign: Evidence | None, locate: Locator) -> Issue | None:
    oidc = cluster.get("oidc")
    if sign is None or not isinstance(oidc, dict) or oidc.get("client_id") not in (None, ""):
        return None
    return Issue(
        path="oidc.client_id", rule="era", source=locate(("cluster", "oidc")),
        message=f"is not set, and this file is written for Lokomotive before v0.5.0 (it uses {sign.text()}), "
                'where an oidc block\'s client_id defaulted to "gangway"; since v0.5.0 (and in lokonb) the default '
                'is "clusterauth". It must match the Dex static client and Gangway\'s client_id, or logins fail: '
                'write client_id = "gangway" (as the v0.5.0 update notes say), or "clusterauth" if Dex and Gangway '
                "use that")


def _cni_mtu(cluster: dict[str, Any], sign: Evidence | None, locate: Locator) -> Issue | None:
    mtu = cluster.get("network_mtu")
    if type(mtu) is not int or mtu in PHYSICAL_MTUS or (sign is None and mtu not in OLD_CNI_MTUS):
        return None
    encrypted = cluster.get("encrypt_pod_traffic") is True
    overhead = _OVERHEAD[encrypted]
    physical = OLD_CNI_MTUS.get(mtu, min(mtu + overhead, 9001))
    now = (f"since v0.5.0 (and in lokonb) network_mtu is the physical network MTU (1500, or 9001 with jumbo "
           f"frames) and the pods' MTU is derived from it, {overhead} less"
           + (" with encrypt_pod_traffic" if encrypted else ""))
    if sign is not None:
        return Issue(path="network_mtu", rule="era", value=str(mtu), source=locate(("cluster", "network_mtu")),
                     message=f"{mtu} is a CNI (pod interface) MTU: this file is written for Lokomotive before "
                             f"v0.5.0 (it uses {sign.text()}), where network_mtu set the pods' MTU; {now}: write "
                             f"network_mtu = {physical}")
    return Issue(path="network_mtu", rule="era", severity="warning", value=str(mtu),
                 source=locate(("cluster", "network_mtu")),
                 message=f"{mtu} is a CNI (pod interface) MTU of Lokomotive's AWS reference before v0.5.0; {now} "
                         f"({mtu - overhead} here). If the value comes from an older config, write network_mtu = "
                         f"{physical}")


@dataclass(frozen=True)
class Change:
    """A default or meaning that ``release`` changed; ``check`` reports a file that relies on the old one."""

    release: str
    path: str
    check: Callable[[dict[str, Any], Evidence | None, Locator], Issue | None]


CHANGES: tuple[Change, ...] = (
    Change("v0.5.0", "oidc.client_id", _oidc_client_id),
    Change("v0.5.0", "network_mtu", _cni_mtu),
)


def check(cluster: dict[str, Any], locate: Locator, issues: list[Issue]) -> None:
    """Report what the file relies on that changed since the release it is written for (see the module doc)."""
    signs = evidence(cluster, locate)
    for change in CHANGES:
        if cluster.get(change.path.split(".")[0]) is INVALID:
            continue
        sign = next((s for s in signs if _version(s.before) <= _version(change.release)), None)
        issue = change.check(cluster, sign, locate)
        if issue is not None:
            issues.append(issue)
