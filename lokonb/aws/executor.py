"""Runs plan actions as a DAG: dependencies first, independent actions concurrently, stop on first failure.

Creates/updates wait for the actions of the resources they reference; deletes run in reverse dependency order
(by each type's destroy rank); clean-up deletes (old node-config objects) run last. The first non-retryable error
sets the stop flag: nothing new starts, calls in flight finish, waits in flight stop at their next poll
(``unconfirmed``), and the per-action result says done / failed / unconfirmed / not-started.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from lokonb.aws.graph import REGISTRY, ExecCtx, StopRequested
from lokonb.aws.planner import Action

log = logging.getLogger("lokonb.aws")


@dataclass
class Outcome:
    action: Action
    status: str = "not-started"
    seconds: float = 0.0
    error: str = ""
    id: str = ""
    started: float = 0.0
    exc: BaseException | None = field(default=None, repr=False)

    def row(self) -> dict[str, Any]:
        a = self.action
        return {"action": a.action, "type": a.type, "key": a.key, "name": a.name, "status": self.status,
                "id": self.id or a.id, "seconds": round(self.seconds, 3), "error": self.error}


def _deps(actions: list[Action]) -> dict[int, set[int]]:
    by_key: dict[str, list[int]] = {}
    for i, a in enumerate(actions):
        by_key.setdefault(a.key, []).append(i)
    deps: dict[int, set[int]] = {i: set() for i in range(len(actions))}
    deletes = [i for i, a in enumerate(actions) if a.action == "delete" and not a.after_all]
    for i, a in enumerate(actions):
        if a.after_all:
            deps[i] = {j for j in range(len(actions)) if not actions[j].after_all}
        elif a.action == "delete":
            rank = REGISTRY[a.type].destroy_rank
            deps[i] = {j for j in deletes if REGISTRY[actions[j].type].destroy_rank < rank}
        else:
            refs = a.desired.all_deps() if a.desired else ()
            deps[i] = {j for k in refs for j in by_key.get(k, ())
                       if actions[j].action != "skip" and not actions[j].after_all}
            deps[i] |= set(deletes)
    # disruptive controller changes one controller at a time (etcd keeps its quorum), in plan order
    disruptive = [i for i, a in enumerate(actions) if a.type == "ec2:instance" and a.disruptive]
    for prev, cur in zip(disruptive, disruptive[1:], strict=False):
        deps[cur].add(prev)
        # ... and the next one waits until the previous controller is back in the API target group
        deps[cur] |= {j for j, a in enumerate(actions)
                      if a.key == "tg-attach/api/" + actions[prev].key.split("/", 1)[1]}
    return deps


def run_action(ctx: ExecCtx, a: Action) -> str:
    """Execute one action; returns the resulting id."""
    h = REGISTRY[a.type]
    if a.action == "delete":
        h.delete(ctx, a.actual)
        with ctx.lock:
            ctx.results.pop(a.key, None) if a.actual and ctx.results.get(a.key, {}).get("id") == a.actual.id \
                else None
        return a.id
    if a.action == "replace":
        h.delete(ctx, a.actual)
    d = a.desired
    assert d is not None
    props = ctx.resolve(d.props)
    if a.action in ("create", "replace"):
        attrs = h.create(ctx, d, props)
    else:
        attrs = {}
        if a.changed:
            attrs = h.update(ctx, d, a.actual, props, a.changed) or {}
        if a.tags:
            h.update_tags(ctx, a.actual, dict(d.tags or {}), dict(a.actual.tags or {}))
        attrs = {**h.describe(a.actual), **attrs}
    with ctx.lock:
        ctx.results[a.key] = {**ctx.results.get(a.key, {}), **attrs}
    return str(attrs.get("id", a.id))


def execute(ctx: ExecCtx, actions: list[Action], *, max_concurrency: int, desc: str, progress: Any = True,
            on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run ``actions`` (skip rows excluded) and return one :class:`Outcome` per action, in plan order.

    ``progress``: True/False for a ``tqdm.auto`` bar, or a callable ``(total=, desc=, unit=)`` returning a
    tqdm-like bar (the notebook layer passes its mode-aware factory).
    """
    from tqdm.auto import tqdm

    actions = [a for a in actions if a.action != "skip"]
    outcomes = [Outcome(a) for a in actions]
    deps = _deps(actions)
    pending = set(range(len(actions)))
    done: set[int] = set()
    running: dict[Future, int] = {}
    if callable(progress):
        bar = progress(total=len(actions), desc=desc, unit="resource")
    else:
        bar = tqdm(total=len(actions), desc=desc, unit="resource", disable=not progress, leave=True)

    def work(i: int) -> tuple[str, float]:
        t0 = time.monotonic()
        outcomes[i].started = t0
        rid = run_action(ctx, actions[i])
        return rid, time.monotonic() - t0

    try:
        with ThreadPoolExecutor(max_workers=max(1, max_concurrency)) as pool:
            while pending or running:
                if not ctx.stop.is_set():
                    ready = sorted(i for i in pending if deps[i] <= done)
                    for i in ready:
                        pending.discard(i)
                        outcomes[i].status = "running"
                        running[pool.submit(work, i)] = i
                if not running:
                    if pending and not ctx.stop.is_set():  # a dependency cycle: a bug, never silently skip work
                        stuck = ", ".join(sorted(actions[i].key for i in pending)[:10])
                        raise RuntimeError(f"apply scheduler found no runnable action among: {stuck}")
                    break
                bar.set_postfix_str(", ".join(sorted(actions[i].key for i in running.values()))[:60], refresh=False)
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in finished:
                    i = running.pop(fut)
                    o = outcomes[i]
                    try:
                        o.id, o.seconds = fut.result()
                        o.status = "done"
                        done.add(i)
                        log.info("%s %s %s (%s) in %.2f s", _past(o.action.action), o.action.type, o.action.key,
                                 o.id, o.seconds)
                    except StopRequested:
                        o.status = "unconfirmed"
                        o.error = "stopped while waiting (another action failed or the run was interrupted)"
                    except BaseException as exc:  # noqa: BLE001 - reported per action, first one re-raised
                        o.status = "failed"
                        o.error = str(exc)
                        o.exc = exc
                        ctx.stop.set()
                        log.error("failed: %s %s: %s", o.action.action, o.action.key, exc)
                    bar.update(1)
                    if on_done:
                        on_done(o)
    except KeyboardInterrupt:
        ctx.stop.set()
        for o in outcomes:
            if o.status == "running":
                o.status = "unconfirmed"
        raise
    finally:
        bar.close()
    for o in outcomes:
        if o.status == "running":
            o.status = "unconfirmed"
    return outcomes


def peak_concurrency(outcomes: list[Outcome]) -> int:
    """Most actions in flight at once (from start times and durations)."""
    events = sorted([(o.started, 1) for o in outcomes if o.started] +
                    [(o.started + o.seconds, -1) for o in outcomes if o.started])
    peak = cur = 0
    for _, d in events:
        cur += d
        peak = max(peak, cur)
    return peak


def _past(action: str) -> str:
    return {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}.get(action, action)


def outcomes_df(outcomes: list[Outcome]):
    import pandas as pd

    cols = ["action", "type", "key", "name", "status", "id", "seconds", "error"]
    return pd.DataFrame([o.row() for o in outcomes], columns=cols)
