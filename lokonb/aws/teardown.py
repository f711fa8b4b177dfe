"""Destroy (aws.md §9): the deletion plan, reverse-order deletion, verification by discovery and the tag sweep,
blockers named, state and lock removed at the end."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.aws import state as st
from lokonb.aws.api import Terminated, _hint, _session, _sigterm_as_interrupt
from lokonb.aws.context import Build
from lokonb.aws.discover import discover
from lokonb.aws.errors import ApplyFailed, DestroyIncomplete, NotConfirmed
from lokonb.aws.executor import execute, outcomes_df
from lokonb.aws.graph import REGISTRY, ExecCtx
from lokonb.aws.nodeconfigs import NodeConfigs
from lokonb.aws.planner import Action, Plan
from lokonb.aws.session import Aws


@dataclass
class DestroyResult:
    """What destroy deleted (``result_df``) and the verification outcome."""

    cluster: str
    message: str
    plan: Plan | None
    result_df: Any
    timings: dict[str, float]
    api_calls: dict[str, int]
    left_in_place: list[dict] = field(default_factory=list)



def _discovery_build(a: Aws, config: Any) -> Build:
    """What discovery needs (account, zone) without AMIs or node configs — for destroy."""
    a.identify()
    zone_name = config.dns_zone.rstrip(".") + "."
    zone_id = ""
    if a.embedded is not None:
        zone_id = a.embedded.seed_zone(config.dns_zone)
    else:
        zones = a.call("route53", "list_hosted_zones_by_name", DNSName=zone_name, MaxItems="100")["HostedZones"]
        want = (config.dns_zone_id or "").replace("/hostedzone/", "")
        ids = [z["Id"].split("/")[-1] for z in zones if z["Name"] == zone_name
               and not z.get("Config", {}).get("PrivateZone")]
        zone_id = want if want in ids else (ids[0] if len(ids) == 1 else
                                            _zone_holding(a, ids, f"{config.cluster_name}.{zone_name}"))
    return Build(config=config, account=a.account_id, partition=a.partition, region=a.region, azs=[],
                 zone_id=zone_id, zone_name=zone_name, amis={}, arch={},
                 node_configs=NodeConfigs({}, source="none"))


def _zone_holding(a: Aws, ids: list[str], api_name: str) -> str:
    """Of several public zones with the cluster's zone name (and no dns_zone_id), the one holding its API record:
    destroy took none and left the cluster's records behind while verification, looking in no zone, found
    "nothing left". Several holding one -> the operator must choose; none -> no record to delete."""
    from lokonb.errors import OperationFailed

    holders = [zid for zid in ids if any(
        r["Name"] == api_name for r in a.call("route53", "list_resource_record_sets", HostedZoneId=zid,
                                              StartRecordName=api_name, MaxItems="1")["ResourceRecordSets"])]
    if len(holders) > 1:
        raise OperationFailed(f"several public zones named {api_name.split('.', 1)[1]} hold a record {api_name} "
                              f"({', '.join(holders)}); set dns_zone_id to the cluster's zone and run destroy "
                              "again (nothing was deleted)")
    return holders[0] if holders else ""


def _read_record(backend: st.StateBackend) -> tuple[dict | None, bool]:
    """(record, whether the backend's bucket exists). Destroy finds the cluster by its tags (aws.md D2), so a
    state bucket deleted before the cluster stops nothing: its record is simply gone (said in the log)."""
    try:
        return backend.read(), True
    except st.StateBackendMissing as exc:
        import logging

        logging.getLogger(__name__).warning("%s; destroying by tags without a state record", exc)
        return None, False


def destroy_plan(config: Any, *, aws: Aws | None = None, state_path: str | Path | None = None) -> Plan:
    """Read-only: what destroy would delete."""
    with _session(config, aws, "destroy_plan", state_path=state_path) as a:
        a.read_only = True
        try:
            b = _discovery_build(a, config)
            found = _discover_for_destroy(a, b, _read_record(st.open_backend(config, a, state_path))[0])
        finally:
            a.read_only = False
        return _deletion_plan(config, b, found)


#: the key of leftovers only the final tag sweep found
SWEEP_KEY = "(tag sweep)"


def _discover_for_destroy(a: Aws, b: Build, record: dict | None) -> Any:
    """Discovery plus what only destroy deletes: owned volumes that would outlive their instances."""
    from lokonb.aws.resources.controllers import discover_kept_volumes

    found = discover(a, b, record)
    discover_kept_volumes(a, b.config.cluster_name, found)
    return found


def _leftover_name(x: dict) -> str:
    """A leftover as the message names it: its key, or for one only the tag sweep found, its type and id (the
    sweep has no key: "left 1 resources ((tag sweep))" named nothing)."""
    return x["key"] if x["key"] != SWEEP_KEY else f"{x['type']} {x['id'].rsplit('/', 1)[-1]}"


def _deletion_plan(config: Any, b: Build, found: Any) -> Plan:
    actions = []
    for key, lst in found.items.items():
        for x in lst:
            actions.append(Action("delete", key, x.type, x.name or x.id, "owned by the cluster", id=x.id, actual=x,
                                  step=REGISTRY[x.type].destroy_rank))
    actions.sort(key=lambda x: (x.step, x.key))
    return Plan(config.cluster_name, b.region, b.account, actions, build=b, found=found, kind="destroy")


def _missing(config: Any, p: Plan) -> str:
    return (f"cluster {config.cluster_name} does not exist in {p.region} (account {p.account}): nothing to "
            "destroy")


def destroy(config: Any, *, confirm: bool = False, aws: Aws | None = None, progress: bool = True,
            state_path: str | Path | None = None, config_path: str | None = None) -> DestroyResult:
    """Delete everything the cluster owns, verify nothing is left, then remove state and lock."""
    if not isinstance(confirm, bool):  # confirm="no" (a notebook or env string) must never delete anything
        from lokonb.aws.errors import AwsInputError

        raise AwsInputError(f"destroy(): confirm must be True or False, got {confirm!r}")
    t0 = time.monotonic()
    with _session(config, aws, "destroy", state_path=state_path) as a, _sigterm_as_interrupt():
        calls0 = dict(a.calls)
        backend = st.open_backend(config, a, state_path)
        if not confirm:
            p = destroy_plan(config, aws=a, state_path=state_path)
            rec = _read_record(backend)[0]
            if not p.actions and (rec is None or (a.embedded is not None
                                                  and rec.get("embedded_url") != a.embedded.url)):
                return DestroyResult(config.cluster_name, _missing(config, p), p, outcomes_df([]), {"total": 0.0}, {})
            raise NotConfirmed(f"destroy of cluster {config.cluster_name} needs confirmation (confirm=True, CLI "
                               f"--confirm, notebook confirm: true); it would delete {len(p.actions)} resources:\n"
                               + p.text())
        lock = backend.acquire("destroy", _hint(config, config_path)) if config.state.lock else None
        try:
            b = _discovery_build(a, config)
            record, bucket = _read_record(backend)
            if st.from_other_embedded(record, a):
                record = None  # written against another (embedded) AWS: describes nothing that exists here
            found = _discover_for_destroy(a, b, record)
            p = _deletion_plan(config, b, found)
            if not p.actions and not record:
                return DestroyResult(config.cluster_name, _missing(config, p), p, outcomes_df([]), {"total": 0.0},
                                     {})
            ctx = ExecCtx(aws=a, config=config, build=b, run_id=uuid.uuid4().hex[:16], progress=progress)
            try:
                outcomes = execute(ctx, p.actions, max_concurrency=a.max_concurrency,
                                   desc=f"destroy {config.cluster_name}", progress=progress)
            except KeyboardInterrupt as exc:
                err = ApplyFailed(f"destroy of {config.cluster_name} interrupted; run destroy again",
                                  interrupted=True)
                err.exit_code = 143 if isinstance(exc, Terminated) else 130
                raise err from None
            failed = [o for o in outcomes if o.status == "failed"]
            left = _discover_for_destroy(a, b, None)
            leftovers = [{"type": x.type, "key": x.key, "id": x.id,
                          "why": next((o.error for o in failed if o.action.id == x.id), "still present")}
                         for x in left.all()]
            from lokonb.aws.sweep import sweep

            swept, in_place = sweep(a, config.cluster_name)
            known = {x["id"] for x in leftovers}
            leftovers += [{**x, "key": SWEEP_KEY} for x in swept
                          if x["id"].rsplit("/", 1)[-1] not in known]
            if failed or leftovers:
                import pandas as pd

                violated = any("DependencyViolation" in o.error for o in failed)
                blockers = _blockers(a, left, config.cluster_name) if violated else []
                df = pd.DataFrame((leftovers or [{"type": o.action.type, "key": o.action.key, "id": o.action.id,
                                                  "why": o.error} for o in failed]) + blockers)
                draining = [x for x in blockers if x["key"] == DRAINING_KEY]
                hint = ""
                if violated and (len(draining) < len(blockers) or not blockers):
                    hint = (" A persistent DependencyViolation usually means resources made inside the cluster "
                            "(LoadBalancer Services, PVC volumes) are still in the VPC: delete LoadBalancer "
                            "Services and PVCs first.")
                if draining:
                    hint += (f" AWS is still releasing {len(draining)} network interface(s) of the cluster's "
                             "deleted NLB or terminated instances (this can take minutes): run destroy again "
                             "shortly.")
                if blockers:
                    hint += " Blocking: " + ", ".join(f"{x['id']} ({x['why']})" for x in blockers[:5]) + "."
                raise DestroyIncomplete(
                    f"destroy of {config.cluster_name} left {len(leftovers)} resources "
                    f"({', '.join(sorted({_leftover_name(x) for x in leftovers})[:10])}); "
                    f"{len(failed)} deletions failed (first: {failed[0].error if failed else '-'}).{hint} "
                    "Run destroy again after fixing the cause.", df)
            if bucket:
                backend.delete()
                if isinstance(backend, st.S3State):
                    backend.delete_assets()
            msg = (f"destroyed cluster {config.cluster_name}: {len(outcomes)} resources deleted in "
                   f"{time.monotonic() - t0:.1f} s; verification found nothing left")
            return DestroyResult(config.cluster_name, msg, p, outcomes_df(outcomes),
                                 {"total": time.monotonic() - t0},
                                 {k: v - calls0.get(k, 0) for k, v in a.calls.items() if v - calls0.get(k, 0)},
                                 left_in_place=in_place)
        finally:
            if lock is not None:
                backend.release(lock)


#: leftovers key of an interface AWS still releases: the cluster's deleted NLB's, a terminated instance's
DRAINING_KEY = "(being released by AWS)"


def _terminated(a: Aws, enis: list[dict]) -> set[str]:
    """Ids of the instances the interfaces are attached to that are shutting down or terminated."""
    from lokonb.aws.errors import AwsError

    def states(ids: list[str]) -> dict[str, str]:
        try:
            return {i["InstanceId"]: i["State"]["Name"] for r in a.paginate(
                "ec2", "describe_instances", "Reservations", InstanceIds=ids) for i in r["Instances"]}
        except AwsError as exc:
            if exc.code != "InvalidInstanceID.NotFound":
                raise
            if len(ids) > 1:  # one unknown id fails the whole call: ask one by one
                return {k: v for i in ids for k, v in states([i]).items()}
            return {ids[0]: "terminated"}  # terminated over an hour ago: its interface is AWS's to release

    ids = sorted({(e.get("Attachment") or {}).get("InstanceId") for e in enis} - {None})
    return {i for i, st in (states(ids) if ids else {}).items() if st in ("shutting-down", "terminated")}


def _blockers(a: Aws, left: Any, cluster: str) -> list[dict]:
    """Network interfaces in the cluster's VPC that lokonb did not create (they keep SGs, subnets, the VPC). Those
    of the cluster's own NLB (description ``ELB net/<cluster>-nlb/…``) and of terminated instances are not foreign:
    AWS releases them, minutes after the deletion."""
    from lokonb.aws import names

    vpc = left.id("vpc")
    if not vpc:
        return []
    out = []
    own_nlb = f"ELB net/{names.nlb_name(cluster)}/"
    enis = [e for e in a.paginate("ec2", "describe_network_interfaces", "NetworkInterfaces",
                                  Filters=[{"Name": "vpc-id", "Values": [vpc]}])
            if {t["Key"]: t["Value"] for t in e.get("TagSet", [])}.get("lokonb:cluster")
            != (left_cluster(left) or cluster)]
    gone = _terminated(a, enis)
    for eni in enis:
        owner = (eni.get("Attachment") or {}).get("InstanceId")
        if (eni.get("Description") or "").startswith(own_nlb) or owner in gone:
            what = f"of terminated instance {owner}" if owner in gone else "of the deleted NLB"
            out.append({"type": "ec2:network-interface", "key": DRAINING_KEY, "id": eni["NetworkInterfaceId"],
                        "why": f"{eni.get('Description') or 'network interface'} ({eni.get('Status')}) {what}: "
                               "AWS releases it within minutes; run destroy again shortly"})
            continue
        out.append({"type": "ec2:network-interface", "key": "(not created by lokonb)",
                    "id": eni["NetworkInterfaceId"], "why": f"{eni.get('Description') or 'network interface'} "
                    f"({eni.get('Status')}, requester {eni.get('RequesterId') or eni.get('InterfaceType') or '?'})"})
    return out


def left_cluster(left: Any) -> str:
    for a in left.all():
        if a.tags and "lokonb:cluster" in a.tags:
            return a.tags["lokonb:cluster"]
    return ""
