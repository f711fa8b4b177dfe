"""verify(config): every desired attribute against what AWS reports (aws.md §13 A1)."""

from __future__ import annotations

from typing import Any

from lokonb.aws.api import _session, desired_graph
from lokonb.aws.context import preflight
from lokonb.aws.discover import discover
from lokonb.aws.graph import REGISTRY, resolve
from lokonb.aws.nodeconfigs import NodeConfigs, node_configs_for
from lokonb.aws.planner import _norm
from lokonb.aws.session import Aws


def verify(config: Any, *, node_configs: NodeConfigs | Any = None, aws: Aws | None = None):
    """Every desired attribute against what AWS reports: DataFrame (resource, attribute, expected, actual, ok)."""
    import pandas as pd

    with _session(config, aws, "verify", node_configs=node_configs) as a:
        nc = node_configs_for(config, node_configs)
        a.read_only = True
        try:
            build = preflight(a, config, nc)
            found = discover(a, build)
        finally:
            a.read_only = False
        rows = []
        desired = desired_graph(build)

        def lookup(ref: Any) -> Any:
            x = found.one(ref.key)
            return REGISTRY[x.type].describe(x).get(ref.attr) if x else None

        for d in desired:
            x = found.one(d.key)
            if d.type == "s3:object":
                x = next((o for o in found.items.get(d.key, []) if o.id == d.props["s3_key"]), None)
            if x is None:
                rows.append({"resource": d.key, "type": d.type, "attribute": "(exists)", "expected": True,
                             "actual": False, "ok": False})
                continue
            for f, v in d.props.items():
                if f not in x.props:
                    continue
                if not REGISTRY[d.type].compared(f, v):
                    rows.append({"resource": d.key, "type": d.type, "attribute": f, "expected": "(AWS default)",
                                 "actual": _txt(_norm(x.props[f])), "ok": True})
                    continue
                exp = _norm(resolve(v, lookup))
                act = _norm(x.props[f])
                rows.append({"resource": d.key, "type": d.type, "attribute": f, "expected": _txt(exp),
                             "actual": _txt(act), "ok": exp == act})
            if d.tags is not None and REGISTRY[d.type].taggable:
                rows.append({"resource": d.key, "type": d.type, "attribute": "tags", "expected": _txt(d.tags),
                             "actual": _txt(x.tags), "ok": (x.tags or {}) == d.tags})
        return pd.DataFrame(rows, columns=["resource", "type", "attribute", "expected", "actual", "ok"])


def _txt(v: Any) -> str:
    import json

    s = v if isinstance(v, str) else json.dumps(v, sort_keys=True, default=str)
    return s if len(s) < 200 else s[:197] + "..."
