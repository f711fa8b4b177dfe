"""What discovery found: owned actual resources by key, plus id -> key lookups shared between concerns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lokonb.aws.graph import Actual


@dataclass
class Found:
    items: dict[str, list[Actual]] = field(default_factory=dict)
    key_of_id: dict[str, str] = field(default_factory=dict)
    foreign: list[dict[str, Any]] = field(default_factory=list)   # name clashes / k8s-only resources
    info: dict[str, Any] = field(default_factory=dict)            # cross-concern facts (lt versions, objects)
    known_ips: set[str] = field(default_factory=set)              # controller IPs recorded in state
    known_nlb_names: set[str] = field(default_factory=set)        # the NLB's DNS name recorded in state
    known_records: set[tuple[str, str]] = field(default_factory=set)  # (key, record name) the cluster created

    def name_taken(self, kind: str, name: str, cluster: str) -> None:
        """P8: a name the cluster needs is used by a resource it does not own (reported before any change)."""
        self.foreign.append({"type": kind, "id": name, "why": f"exists and is not owned by cluster {cluster}"})

    def add(self, a: Actual) -> None:
        self.items.setdefault(a.key, []).append(a)
        if a.id:
            self.key_of_id[a.id] = a.key

    def one(self, key: str) -> Actual | None:
        got = self.items.get(key)
        return got[0] if got else None

    def id(self, key: str) -> str | None:
        a = self.one(key)
        return a.id if a else None

    def all(self) -> list[Actual]:
        return [a for lst in self.items.values() for a in lst]
