"""The public operations: :func:`plan`, :func:`apply`, :func:`destroy`, :func:`verify`, :func:`break_lock`.

Each takes a ``ClusterConfig`` (``lokonb.config``). Node configs are an input: ``node_configs=None`` renders them
with ``lokonb.flatcar`` + ``lokonb.assets``; ``"minimal"`` uses secret-free placeholders (benchmarks, graph tests);
a mapping ``role -> Ignition JSON`` uses the caller's.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.aws import state as st
from lokonb.aws.context import Build, preflight
from lokonb.aws.discover import discover
from lokonb.aws.errors import ApplyFailed, PlanError
from lokonb.aws.executor import Outcome, execute, outcomes_df
from lokonb.aws.graph import REGISTRY, ExecCtx
from lokonb.aws.nodeconfigs import NodeConfigs, node_configs_for
from lokonb.aws.planner import Plan, diff
from lokonb.aws.session import Aws, check_arguments, open_aws, require_model

log = logging.getLogger("lokonb.aws")


@dataclass
class ApplyResult:
    """What apply did."""

    endpoint: str
    kubeconfig_path: str | None
    plan: Plan
    result_df: Any
    timings: dict[str, float]
    api_calls: dict[str, int]
    notes: list[str] = field(default_factory=list)
    peak_concurrency: int = 0

    @property
    def summary(self) -> str:
        n = len(self.plan.changes)
        return (f"Applied {n} change{'s' if n != 1 else ''} to {self.plan.cluster} in "
                f"{self.timings.get('total', 0):.1f} s; API endpoint https://{self.endpoint}:6443"
                + (f"; kubeconfig {self.kubeconfig_path}" if self.kubeconfig_path else ""))


def desired_graph(build: Build) -> list:
    """Every desired resource of the cluster, from every concern module."""
    from lokonb.aws.resources import MODULES

    out = []
    for m in MODULES:
        out.extend(m.desired(build))
    return out


def _hint(config: Any, config_path: str | None) -> str:
    """What `lokonb state unlock` needs: the config file when known, else the cluster name (+ --state)."""
    if config_path:
        return config_path
    if config.state.backend == "local":
        return f"{config.cluster_name} --state {st.state_path(config)}"
    return config.cluster_name


@contextmanager
def _session(config: Any, aws: Aws | None, function: str, *, state_path: Any = None,
             node_configs: Any = None) -> Iterator[Aws]:
    require_model(config, function)
    check_arguments(function, aws=aws, state_path=state_path, node_configs=node_configs)
    if aws is not None:
        yield aws
        return
    a = open_aws(config)
    try:
        yield a
    finally:
        a.close()


def _record_for(backend: Any, aws: Aws, build: Build) -> dict | None:
    record = backend.read()
    if st.from_other_embedded(record, aws):
        # e.g. `cluster apply --endpoint embedded` then a real account with the same state path: the record's
        # account is moto's, and P9 would refuse every later run
        log.info("ignoring state record %s: it belongs to another (embedded) AWS", backend.location)
        return None
    st.check_identity(record, build.config, build)
    return record


def _plan(aws: Aws, config: Any, build: Build, record: dict | None, upgrade_os: bool = False,
          replace: tuple[str, ...] | list[str] = ()) -> Plan:
    before = dict(aws.calls)
    ro = aws.read_only
    aws.read_only = True
    try:
        found = discover(aws, build, record)
    finally:
        aws.read_only = ro
    clashes = [f"{f['type']} {f['id']} {f['why']}" for f in found.foreign]
    if clashes:  # P8: a name the cluster needs is taken by something it does not own
        from lokonb.aws.errors import PreflightError

        raise PreflightError(clashes)
    _check_replace(replace, [d.key for d in desired_graph(build)], config)
    p = diff(desired_graph(build), found, state=record, config=config, build=build, upgrade_os=upgrade_os,
             replace=replace)
    p.notes = list(build.notes)
    p.api_calls = {k: v - before.get(k, 0) for k, v in aws.calls.items() if v - before.get(k, 0)}
    return p


def _check_replace(replace: tuple[str, ...] | list[str], keys: list[str], config: Any) -> None:
    """Every ``replace`` name is a resource key of this cluster; each unknown one is named (quoted: a blank or a
    stray space showed as nothing) with the closest keys, like Terraform's ``-replace`` of a missing address."""
    import difflib

    problems = []
    for name in dict.fromkeys(replace):
        if name in keys:
            continue
        want = name.strip().lower()
        kind = [k for k in keys if k.split("/", 1)[0] == want.split("/", 1)[0]]
        close = difflib.get_close_matches(want, kind or keys, n=3, cutoff=0.6)
        hint = (f"did you mean {', '.join(repr(k) for k in close)}?" if close else
                f"keys of that kind: {', '.join(kind[:8])}" if kind else "keys look like 'controller/0', 'asg/web'")
        problems.append(f"replace: no resource {name!r} in cluster {getattr(config, 'cluster_name', '?')}; {hint}")
    if problems:
        raise PlanError("\n".join(problems), problems)


def _node_configs(config: Any, node_configs: Any, backend: Any, assets: Any = None) -> tuple[NodeConfigs, Any]:
    """Render with the cluster's assets; with the S3 backend, first fetch another operator's assets if the local
    asset directory has none (a fresh PKI would change every node config)."""
    if node_configs is not None:
        return node_configs_for(config, node_configs), assets
    from lokonb.assets import load_or_generate
    from lokonb.aws.nodeconfigs import render_node_configs

    if assets is None and isinstance(backend, st.S3State):
        pulled = backend.pull_assets(config.asset_dir)
        if pulled:
            log.info("fetched %d asset files from %s", pulled, backend.secrets_prefix)
    assets = assets if assets is not None else load_or_generate(config)
    return render_node_configs(config, assets), assets


def plan(config: Any, *, node_configs: NodeConfigs | Any = None, aws: Aws | None = None,
         state_path: str | Path | None = None, upgrade_os: bool = False,
         replace: tuple[str, ...] | list[str] = ()) -> Plan:
    """Read-only: what apply would change (raises :class:`PlanError` for impossible changes); ``replace`` as
    apply's (the resources forced to be replaced appear as such)."""
    _require_flags("plan", upgrade_os=upgrade_os)
    replace = _names("plan", "replace", replace)
    with _session(config, aws, "plan", state_path=state_path, node_configs=node_configs) as a:
        calls0 = dict(a.calls)
        backend = st.open_backend(config, a, state_path)
        nc, _ = _node_configs(config, node_configs, backend)
        a.read_only = True
        try:
            build = preflight(a, config, nc)
            held = backend.lock_info()
            record = _record_for(backend, a, build)
        finally:
            a.read_only = False
        p = _plan(a, config, build, record, upgrade_os, replace)
        if held:
            p.notes.append(f"an {held.get('operation', 'apply')} is in progress ({held.get('who')}, since "
                           f"{held.get('created_at')}); this plan may be out of date")
        p.api_calls = {k: v - calls0.get(k, 0) for k, v in a.calls.items() if v - calls0.get(k, 0)}
        return p


def _require_flags(function: str, **flags: Any) -> None:
    """Flags are True or False: a string such as "no" is true, and allow_replace="no" let apply replace
    controllers (as destroy's confirm="no" once deleted a cluster)."""
    from lokonb.aws.errors import AwsInputError

    for name, value in flags.items():
        if not isinstance(value, bool):
            raise AwsInputError(f"{function}(): {name} must be True or False, got {value!r:.40}")


def _names(function: str, what: str, value: Any) -> tuple[str, ...]:
    """A list of names; one string is one name (iterated, "web" was the pools "w", "e" and "b")."""
    from lokonb.aws.errors import AwsInputError

    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise AwsInputError(f"{function}(): {what} must be a list of names (e.g. ['web'] or ['controller/0']), "
                            f"got {value!r:.60}")
    return tuple(value)


def _state_resources(outcomes: list[Outcome], ctx: ExecCtx, record: dict) -> None:
    res = record.setdefault("resources", {})
    for o in outcomes:
        if o.status != "done":
            continue
        a = o.action
        if a.action == "delete" and res.get(a.key, {}).get("id") == a.id:
            res.pop(a.key, None)
        elif a.action != "delete":
            attrs = ctx.results.get(a.key, {})
            res[a.key] = {"id": attrs.get("id", o.id), "type": a.type, "created_at": res.get(a.key, {}).get(
                "created_at") or st.now(), "extra": {k: v for k, v in attrs.items()
                                                     if k in ("version", "private_ip", "arn", "profile_arn",
                                                              "dns_name")}}


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C (stop, write state, release the lock) but exiting 143."""

    exit_code = 143


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise Terminated()

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _write_kubeconfig(config: Any, assets: Any) -> str | None:
    if assets is None or not hasattr(assets, "admin_kubeconfig"):
        return None
    path = Path(config.asset_dir).expanduser() / "cluster-assets" / "auth" / "kubeconfig"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(assets.admin_kubeconfig(), encoding="utf-8")
    path.chmod(0o600)
    return str(path)


def apply(config: Any, *, node_configs: NodeConfigs | Any = None, allow_replace: bool = False,
          progress: bool = True, aws: Aws | None = None, state_path: str | Path | None = None,
          config_path: str | None = None, plan_callback: Any = None, assets: Any = None,
          upgrade_os: bool = False, roll_pools: tuple[str, ...] | list[str] = (),
          replace: tuple[str, ...] | list[str] = ()) -> ApplyResult:
    """Make AWS match the configuration (no confirmation asked: like ``lokoctl cluster apply --confirm``)."""
    _require_flags("apply", allow_replace=allow_replace, upgrade_os=upgrade_os)
    roll_pools, replace = _names("apply", "roll_pools", roll_pools), _names("apply", "replace", replace)
    if roll_pools:  # an unknown pool failed only after the whole apply had run
        from lokonb.aws.roll import check_pools

        check_pools(config, roll_pools)
    t0 = time.monotonic()
    timings: dict[str, float] = {}
    with _session(config, aws, "apply", state_path=state_path, node_configs=node_configs) as a, \
            _sigterm_as_interrupt():
        calls0 = dict(a.calls)
        backend = st.open_backend(config, a, state_path)
        lock = backend.acquire("apply", _hint(config, config_path)) if config.state.lock else None
        if not config.state.lock:
            log.warning("state.lock is false: concurrent applies on cluster %s are not prevented",
                        config.cluster_name)
        try:
            nc, assets = _node_configs(config, node_configs, backend, assets)
            build = preflight(a, config, nc)
            timings["preflight"] = time.monotonic() - t0
            record = _record_for(backend, a, build) or st.new_record(config, build, config.aws.endpoint)
            if a.embedded is not None:
                record["embedded_url"] = a.embedded.url
            p = _plan(a, config, build, record, upgrade_os, replace)
            timings["plan"] = time.monotonic() - t0 - timings["preflight"]
            if plan_callback:
                plan_callback(p)
            risky = [x for x in p.changes if x.action == "replace" or x.disruptive]
            if risky and not allow_replace:
                raise PlanError("the plan replaces or disrupts resources: " + ", ".join(x.key for x in risky)
                                + "; review the plan, then re-run with allow_replace=True (CLI: --allow-replace)")
            record["last_plan"] = {"at": st.now(), "counts": {k: int(v) for k, v in p.counts.items()}}
            ctx = ExecCtx(aws=a, config=config, build=build, run_id=uuid.uuid4().hex[:16], progress=progress)
            for key, actual in p.chosen.items():
                ctx.results[key] = REGISTRY[actual.type].describe(actual)
            outcomes: list[Outcome] = []
            if not p.is_empty:
                record["last_apply"] = {"at": st.now(), "status": "running"}
                backend.write(record)
                write_lock = threading.Lock()

                def on_done(o: Outcome) -> None:
                    with write_lock:
                        _state_resources([o], ctx, record)
                        record["serial"] = record.get("serial", 0) + 1
                        backend.write(record)

                t1 = time.monotonic()
                try:
                    outcomes = execute(ctx, p.actions, max_concurrency=a.max_concurrency,
                                       desc=f"apply {config.cluster_name}", progress=progress, on_done=on_done)
                except KeyboardInterrupt as exc:
                    record["last_apply"] = {"at": st.now(), "status": "interrupted"}
                    backend.write(record)
                    err = ApplyFailed(f"apply of {config.cluster_name} interrupted; run apply again, it resumes",
                                      interrupted=True)
                    err.exit_code = 143 if isinstance(exc, Terminated) else 130
                    raise err from None
                timings["execute"] = time.monotonic() - t1
                failed = [o for o in outcomes if o.status == "failed"]
                if failed:
                    df = outcomes_df(outcomes)
                    ns = sum(1 for o in outcomes if o.status == "not-started")
                    record["last_apply"] = {"at": st.now(), "status": "failed", "error": failed[0].error[:500]}
                    backend.write(record)
                    first, key = failed[0].error, failed[0].action.key
                    # translated errors already name their resource ("on <key>", "(while working on <key>)")
                    where = "" if re.search(rf"\bon {re.escape(key)}(?=[\s)]|$)", first) else f" for {key}"
                    raise ApplyFailed(
                        f"{len(failed)} of {len(outcomes)} changes failed (first: {first}{where}); {ns} not "
                        "started. Fix the cause and run apply again; it resumes.", df)
            dup_notes = _dedupe_retried_creates(a, ctx, build, record) if outcomes else []
            record.update(model_hash=config.model_hash, amis={"/".join(k): v["ImageId"] for k, v in
                                                             build.amis.items()},
                          identity={k: str(getattr(config, k)) for k in
                                    ("dns_zone", "host_cidr", "pod_cidr", "service_cidr",
                                     "cluster_domain_suffix", "controller_count")},
                          secrets=(backend.push_assets(config.asset_dir)
                                   if isinstance(backend, st.S3State) and assets is not None
                                   else _secret_refs(config, assets)),
                          last_apply={"at": st.now(), "status": "succeeded", "counts": {
                              k: int(v) for k, v in p.counts.items()}})
            record["serial"] = record.get("serial", 0) + 1
            backend.write(record)
            kubeconfig = _write_kubeconfig(config, assets)
            timings["total"] = time.monotonic() - t0
            notes = list(p.notes) + dup_notes
            if a.embedded is not None:
                notes.append("embedded AWS: nothing serves the API name; the kubeconfig is written for shape only")
            from lokonb.aws.activities import _scaling_warnings

            notes.extend(_scaling_warnings(a, p))
            if roll_pools:
                from lokonb.aws.roll import roll

                notes.extend(f"instance refresh {r['id']} started for worker_pool[\"{r['pool']}\"]"
                             for r in roll(a, config, roll_pools))
            from lokonb.aws.executor import peak_concurrency

            return ApplyResult(config.api_endpoint, kubeconfig, p, outcomes_df(outcomes), timings,
                               {k: v - calls0.get(k, 0) for k, v in a.calls.items() if v - calls0.get(k, 0)}, notes,
                               peak_concurrency(outcomes))
        finally:
            if lock is not None:
                backend.release(lock)


def _dedupe_retried_creates(a: Aws, ctx: ExecCtx, build: Build, record: dict) -> list[str]:
    """VPC, subnet, IGW and route table creates cannot be made idempotent (no client token, no unique name):
    when botocore retried one, an earlier attempt may have created a copy. Re-discover those keys and delete
    every copy but the one in use (the next plan would find them too: "duplicate of ...")."""
    keys = [k for k, v in ctx.results.items() if v.get("retried")]
    if not keys:
        return []
    found = discover(a, build, record)
    notes = []
    for key in keys:
        keep = ctx.results[key]["id"]
        for dup in found.items.get(key, []):
            if dup.id != keep:
                REGISTRY[dup.type].delete(ctx, dup)
                notes.append(f"deleted {dup.id}: a duplicate {dup.type} made by a retried request ({key})")
    return notes


def _secret_refs(config: Any, assets: Any) -> dict:
    """References (path + SHA-256) to secret material, never the values."""
    import hashlib

    out = {}
    base = Path(config.asset_dir).expanduser() / "cluster-assets"
    if base.is_dir():
        for p in sorted(base.rglob("*.key")) + sorted(base.rglob("*token*")):
            if p.is_file():
                out[str(p.relative_to(base))] = {"path": str(p), "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
    return out


def break_lock(config: Any, lock_id: str, *, state_path: str | Path | None = None, aws: Aws | None = None) -> dict:
    """Delete the cluster's lock if ``lock_id`` matches; returns what was broken."""
    require_model(config, "break_lock")
    check_arguments("break_lock", aws=aws, state_path=state_path)
    if config.state.backend == "local" or state_path is not None:
        return st.open_backend(config, None, state_path).break_lock(lock_id)
    with _session(config, aws, "break_lock") as a:
        return st.open_backend(config, a, state_path).break_lock(lock_id)


def __getattr__(name: str) -> Any:
    # destroy and verify live in their own modules; kept reachable here for callers of lokonb.aws.api
    if name in ("destroy", "destroy_plan", "DestroyResult"):
        from lokonb.aws import teardown

        return getattr(teardown, name)
    if name == "verify":
        from lokonb.aws.verification import verify

        return verify
    if name in ("activity_message", "_scaling_warnings"):
        from lokonb.aws import activities

        return getattr(activities, name)
    raise AttributeError(name)

