"""Plan: desired vs. actual, as create / update / replace / delete rows with reasons (aws.md §7.2–§7.3)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lokonb.aws.errors import PlanError
from lokonb.aws.graph import KNOWN_AFTER, REGISTRY, Actual, Desired, Ref, contains_unknown, resolve

ACTIONS = ("create", "update", "replace", "delete", "skip")
#: identity attributes that can never change on an existing cluster (state record vs. model)
IDENTITY = ("dns_zone", "host_cidr", "pod_cidr", "service_cidr", "cluster_domain_suffix", "controller_count")
_SECRET_HINTS = ("UserData", "user_data", "body")


@dataclass
class Action:
    """One row of a plan."""

    action: str
    key: str
    type: str
    name: str
    reason: str
    id: str = ""
    details: str = ""
    disruptive: bool = False
    step: int = 0
    desired: Desired | None = field(default=None, repr=False)
    actual: Actual | None = field(default=None, repr=False)
    changed: list[str] = field(default_factory=list)
    tags: bool = False
    after_all: bool = False

    def row(self) -> dict[str, Any]:
        return {"step": self.step, "action": self.action, "type": self.type, "key": self.key, "name": self.name,
                "id": self.id, "reason": self.reason, "details": self.details, "disruptive": self.disruptive}


@dataclass
class Plan:
    """The changes apply would make, in dependency order."""

    cluster: str
    region: str
    account: str
    actions: list[Action]
    build: Any = field(default=None, repr=False)
    found: Any = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)
    api_calls: dict[str, int] = field(default_factory=dict)
    chosen: dict[str, Any] = field(default_factory=dict, repr=False)
    kind: str = "apply"

    @property
    def changes(self) -> list[Action]:
        return [a for a in self.actions if a.action != "skip"]

    @property
    def is_empty(self) -> bool:
        return not self.changes

    @property
    def counts(self):
        import pandas as pd

        return pd.Series({a: sum(1 for x in self.actions if x.action == a) for a in ACTIONS}, name="count")

    @property
    def df(self):
        import pandas as pd

        cols = ["step", "action", "type", "key", "name", "id", "reason", "details", "disruptive"]
        return pd.DataFrame([a.row() for a in self.actions], columns=cols)

    @property
    def summary(self) -> str:
        c = {a: sum(1 for x in self.actions if x.action == a) for a in ACTIONS}
        return (f"Plan for {self.cluster} ({self.region}, account {self.account}): {c['create']} to create, "
                f"{c['update']} to update, {c['replace']} to replace, {c['delete']} to delete"
                + (f" ({c['skip']} noted, not changed)" if c["skip"] else ""))

    def to_json(self) -> list[dict[str, Any]]:
        """The CLI contract: a list of actions with ``action``, ``type``, ``name``, ``reason`` (+ key, id, ...)."""
        return [{"action": a.action, "type": a.type, "name": a.name, "reason": a.reason, "key": a.key,
                 "id": a.id, "details": a.details, "disruptive": a.disruptive, "step": a.step}
                for a in self.actions]

    def text(self) -> str:
        sym = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "skip": "#"}
        lines = [self.summary]
        for a in self.actions:
            extra = f" [{a.details}]" if a.details else ""
            flag = " (disruptive)" if a.disruptive else ""
            lines.append(f"  {sym[a.action]:>3} {a.type} {a.key} ({a.name}): {a.reason}{extra}{flag}")
        if self.is_empty:
            lines.append("  Nothing to destroy." if self.kind == "destroy" else
                         "  No changes. The cluster matches the configuration.")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return f"<p><b>{html.escape(self.summary)}</b></p>" + self.df.to_html(index=False)


def _norm(v: Any) -> Any:
    if isinstance(v, tuple):
        v = list(v)
    if isinstance(v, list):
        v = [_norm(x) for x in v]
        if all(isinstance(x, str) for x in v):
            return sorted(v)
        return v
    if isinstance(v, dict):
        return {k: _norm(x) for k, x in v.items() if x is not None}
    return v


def _short(v: Any) -> str:
    if contains_unknown(v):
        return KNOWN_AFTER
    s = json.dumps(v, sort_keys=True, default=str) if not isinstance(v, str) else v
    return s if len(s) <= 80 else s[:77] + "..."


def _dict_change(field_name: str, old: dict, new: dict) -> str:
    """``field: +added, -removed, key old -> new`` for a mapping field: a whole policy map or health check cut to
    80 characters read as if one entry replaced another (enable_csi showed ``{"node-config": ...} ->
    {"ebs-csi": ...}``, though node-config stays)."""
    parts = []
    old, new = _norm(old), _norm(new)
    for k in sorted(set(old) | set(new)):
        if k not in old:
            parts.append(f"+{k}")
        elif k not in new:
            parts.append(f"-{k}")
        elif contains_unknown(new[k]) or _norm(old[k]) != _norm(new[k]):
            a, d = _short(old[k]), _short(new[k])
            parts.append(f"{k} {a} -> {d}" if len(a) + len(d) <= 60 else f"~{k}")
    return f"{field_name}: " + ", ".join(parts)


def _topo(desired: list[Desired]) -> tuple[list[Desired], dict[str, int]]:
    by_key = {d.key: d for d in desired}
    step: dict[str, int] = {}

    def depth(k: str, seen: tuple = ()) -> int:
        if k in step:
            return step[k]
        if k in seen:
            raise ValueError(f"dependency cycle through {k}")
        deps = [x for x in by_key[k].all_deps() if x in by_key]
        step[k] = 1 + max((depth(x, seen + (k,)) for x in deps), default=0)
        return step[k]

    for d in desired:
        depth(d.key)
    return sorted(desired, key=lambda d: (step[d.key], desired.index(d))), step


def _pick(actuals: list[Actual], state_ids: dict[str, str], key: str) -> tuple[Actual, list[Actual]]:
    keep = next((a for a in actuals if state_ids.get(key) == a.id), None)
    if keep is None:
        keep = sorted(actuals, key=lambda a: (a.created or "~", a.id))[0]
    return keep, [a for a in actuals if a is not keep]


def diff(desired: list[Desired], found: Any, *, state: dict | None = None, config: Any = None,
         build: Any = None, upgrade_os: bool = False, replace: tuple[str, ...] | list[str] = ()) -> Plan:
    """Compare desired with found; raise :class:`PlanError` for changes that cannot be made."""
    state = state or {}
    state_ids = {k: v.get("id") for k, v in state.get("resources", {}).items()}
    ordered, steps = _topo(desired)
    actions: dict[str, Action] = {}
    extra: list[Action] = []
    problems: list[str] = []
    chosen: dict[str, Actual] = {}
    desired_keys = {d.key for d in desired}
    lt_user_data = found.info.get("lt_user_data", {})

    # identity checks against the last applied model (state) and the controllers that exist
    ident = state.get("identity") or {}
    if config is not None:
        for attr in IDENTITY:
            if attr in ident and str(ident[attr]) != str(getattr(config, attr)):
                problems.append(f"{attr}: {ident[attr]} -> {getattr(config, attr)} cannot change on an existing "
                                "cluster (identity, certificates or etcd membership depend on it); destroy and "
                                "re-create the cluster")
        have = sorted(k for k in found.items if k.startswith("controller/"))
        want = sorted(d.key for d in desired if d.key.startswith("controller/"))
        if have and have != want and "controller_count" not in ident:
            problems.append(f"controller_count: {len(have)} controllers exist, the configuration asks for "
                            f"{len(want)}; etcd membership cannot change in place: destroy and re-create")

    def lookup(ref: Ref) -> Any:
        act = actions.get(ref.key)
        if act is not None and act.action in ("create", "replace"):
            return KNOWN_AFTER
        if act is not None and act.action == "update" and act.changed and \
                ref.attr in REGISTRY[act.type].update_attrs:
            return KNOWN_AFTER
        a = chosen.get(ref.key)
        if a is None:
            return KNOWN_AFTER if ref.key in desired_keys else None
        return REGISTRY[a.type].describe(a).get(ref.attr)

    for d in ordered:
        handler = REGISTRY[d.type]
        actuals = list(found.items.get(d.key, []))
        if d.type == "s3:object":
            _object_rows(d, actuals, found, lt_user_data, actions, extra, chosen, replace)
            continue
        if not actuals:
            reason = "recorded in state, not found in AWS" if d.key in state_ids else "not found"
            actions[d.key] = Action("create", d.key, d.type, d.name, reason, desired=d)
            continue
        keep, dups = _pick(actuals, state_ids, d.key)
        chosen[d.key] = keep
        if d.key in replace:
            actions[d.key] = Action("replace", d.key, d.type, d.name, "replacement requested", id=keep.id,
                                    disruptive=True, desired=d, actual=keep)
            continue
        for dup in dups:
            extra.append(Action("delete", d.key, d.type, dup.name or d.name, f"duplicate of {keep.id}",
                                id=dup.id, actual=dup))
        props = {k: resolve(v, lookup) for k, v in d.props.items()}
        newer_ami = None
        if d.type == "ec2:launch-template" and d.extra.get("os_current") and not upgrade_os:
            have_ami = (keep.props.get("data") or {}).get("ImageId")
            # only an older release of the same channel and architecture is kept: another channel or an
            # instance type of the other architecture (t3 -> t4g) needs the configured AMI
            stream = d.extra.get("ami_stream")
            same_stream = stream is not None and keep.attrs.get("ami_stream") == stream
            if have_ami and have_ami != props["data"].get("ImageId") and same_stream:
                # os_version "current" found a newer release: pools adopt it only with upgrade_os=True
                newer_ami = props["data"]["ImageId"]
                props["data"] = {**props["data"], "ImageId": have_ami}
                d.props = {**d.props, "data": {**d.props["data"], "ImageId": have_ami}}
        changed, details = [], []
        kind = "update"
        skip_notes = []
        problems += handler.refusals(d, keep, props)
        for f, dv in props.items():
            if f not in keep.props or not handler.compared(f, dv):
                continue
            av = keep.props[f]
            if not contains_unknown(dv) and _norm(dv) == _norm(av):
                continue
            if f in handler.refuse_fields:
                problems.append(f"{handler.refuse_fields[f]}: {av} -> {_short(dv)} cannot change on an existing "
                                f"cluster ({d.type} {d.key}); destroy and re-create the cluster")
                continue
            if f in handler.skip_fields:
                skip_notes.append(f"{f}: {_short(av)} -> {_short(dv)}")
                continue
            if f in ("disk_size",) and isinstance(av, int) and isinstance(dv, int) and dv < av:
                problems.append(f"disk_size: {av} -> {dv} for {d.key}: EBS volumes cannot shrink")
                continue
            changed.append(f)
            secret = any(h in f for h in _SECRET_HINTS) or f == "data"
            details.append(_dict_change(f, av, dv) if isinstance(av, dict) and isinstance(dv, dict) else
                           f"{f}: {'(changed)' if secret and f == 'data' else _short(av) + ' -> ' + _short(dv)}")
            if f in handler.replace_fields:
                kind = "replace"
        if f_data := ("data" in changed and keep.props.get("data")):
            details[changed.index("data")] = "data: " + ", ".join(
                k for k in sorted(set(props["data"]) | set(f_data))
                if _norm(props["data"].get(k)) != _norm(f_data.get(k))) + " -> new launch template version"
        tags_changed = handler.taggable and d.tags is not None and (keep.tags or {}) != d.tags
        if tags_changed:
            old, new = keep.tags or {}, d.tags or {}
            diffk = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            details.append("tags: " + ", ".join(diffk))
        if changed or tags_changed:
            reason = ("changed: " + ", ".join(changed)) if changed else "tags changed"
            if changed and tags_changed:
                reason += ", tags"
            disruptive = any(f in handler.disruptive_fields for f in changed) or kind == "replace"
            actions[d.key] = Action(kind, d.key, d.type, d.name, reason, id=keep.id, details="; ".join(details),
                                    disruptive=disruptive, desired=d, actual=keep, changed=changed,
                                    tags=tags_changed)
            if d.type == "autoscaling:group" and "desired" in changed and props["desired"] < keep.props["desired"]:
                actions[d.key].details += "; scale-in terminates instances without draining"
        elif newer_ami:
            actions[d.key] = Action("skip", d.key, d.type, d.name,
                                    f"newer Flatcar AMI {newer_ami} ({d.extra.get('ami_name', '')}) available",
                                    id=keep.id, details="apply with upgrade_os=True to move the pool to it",
                                    desired=d, actual=keep)
        elif skip_notes:
            actions[d.key] = Action("skip", d.key, d.type, d.name, "controllers keep their boot config"
                                    if d.type == "ec2:instance" else "ignored difference", id=keep.id,
                                    details="; ".join(skip_notes), desired=d, actual=keep)
    for key, lst in found.items.items():
        if key in desired_keys:
            continue
        for a in lst:
            extra.append(Action("delete", key, a.type, a.name or a.id, REGISTRY[a.type].delete_reason(a, config),
                                id=a.id, actual=a, after_all=a.type == "s3:object"))
    for t in sorted({a.type for a in actions.values()}):
        problems += REGISTRY[t].arrange([a for a in actions.values() if a.type == t and a.action == "update"])
    if problems:
        raise PlanError("the configuration asks for changes that cannot be made:\n  - " + "\n  - ".join(problems),
                        problems)
    rows = [actions[d.key] for d in ordered if d.key in actions]
    for a in rows:
        a.step = steps[a.key]
    maxstep = max(steps.values(), default=0)
    for a in extra:
        a.step = maxstep + 1 if a.after_all else 0
    for info in getattr(found, "foreign", []):
        rows.append(Action("skip", info.get("key") or info["id"], info["type"], info["id"], info["why"]))
    pre = [a for a in extra if not a.after_all]
    post = [a for a in extra if a.after_all]
    return Plan(cluster=config.cluster_name if config else "", region=build.region if build else "",
                account=build.account if build else "", actions=pre + rows + post, build=build, found=found,
                chosen={k: v for k, v in chosen.items() if v is not None})


def _decode(ud: str) -> str:
    import base64

    try:
        return base64.b64decode(ud or "").decode(errors="replace")
    except Exception:  # noqa: BLE001 - not our user data
        return ""


def _object_rows(d: Desired, actuals: list[Actual], found: Any, lt_user_data: dict, actions: dict,
                 extra: list, chosen: dict, replace: Any = ()) -> None:
    """Content-addressed node configs: a new render is a new object; unreferenced old ones are cleaned up.

    Kept for a pool: the desired object, the one of the launch template version the ASG uses, and one rollback
    step — the previous version's (no change now) or the current latest's (a new version is being made).
    """

    want = d.props["s3_key"]
    match = next((a for a in actuals if a.id == want), None)
    role = d.extra["role"]
    ckey = "controller/" + role.split("-", 1)[1]
    controller_exists = role.startswith("controller-") and found.one(ckey) and ckey not in replace
    if match is not None:
        chosen[d.key] = match
    elif controller_exists:
        actions[d.key] = Action("skip", d.key, d.type, d.name, "controllers keep their boot config",
                                details="node config changed; replace the controller to use it", desired=d)
        chosen[d.key] = actuals[0] if actuals else None
    else:
        actions[d.key] = Action("create", d.key, d.type, d.name, "node config changed" if actuals else "not found",
                                desired=d)
    versions = lt_user_data.get(d.key.split("/", 1)[1], {}) if role.startswith("worker-") else {}
    latest = _decode(versions.get("latest", ""))
    rollback = versions.get("previous", "") if want in latest else versions.get("latest", "")
    decoded = _decode(versions.get("in_use", "")) + _decode(rollback)
    for a in actuals:
        if a.id == want or controller_exists or a.id in decoded:
            continue
        extra.append(Action("delete", d.key, d.type, a.id, "node config no longer referenced", id=a.id, actual=a,
                            after_all=True))
