"""Node IAM roles + instance profiles with inline policies: node-config read, optional EBS CSI (aws.md §5.6)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from lokonb.aws import names
from lokonb.aws.found import Found
from lokonb.aws.graph import Actual, Desired, ResourceType, register, tag_dict, tag_list

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}
CSI_ACTIONS = ("AttachVolume", "CreateSnapshot", "CreateTags", "CreateVolume", "DeleteSnapshot", "DeleteTags",
               "DeleteVolume", "DescribeAvailabilityZones", "DescribeInstances", "DescribeSnapshots",
               "DescribeTags", "DescribeVolumes", "DescribeVolumesModifications", "DetachVolume", "ModifyVolume")
PROFILE_RETRY = {"NoSuchEntity": 60}


def canonical(doc: Any) -> str:
    if isinstance(doc, str):
        doc = json.loads(unquote(doc))
    return json.dumps(doc, sort_keys=True, separators=(",", ":"))


def node_config_policy(b: Any, role: str) -> dict:
    prefix = f"{b.cluster}/controller-*" if role == "controller" else f"{b.cluster}/worker-{role}/*"
    stmts: list[dict] = [{"Sid": "ReadOwnNodeConfig", "Effect": "Allow", "Action": "s3:GetObject",
                          "Resource": f"arn:{b.partition}:s3:::{b.bucket}/{prefix}"}]
    # Node-config objects use SSE-S3 (AES256), so no kms:Decrypt statement is needed (flatcar.md §9 D6).
    return {"Version": "2012-10-17", "Statement": stmts}


def csi_policy() -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"ec2:{a}" for a in CSI_ACTIONS], "Resource": "*"}]}


@register
class NodeRole(ResourceType):
    """Role + same-named instance profile + inline policies, as one resource."""

    type = "iam:role"
    update_fields = ("policies", "profile")
    replace_fields = ("path", "trust")
    destroy_rank = 60

    def create(self, ctx, d, props):
        aws = ctx.aws
        role = aws.call("iam", "create_role", RoleName=d.name, Path=props["path"],
                        AssumeRolePolicyDocument=props["trust"], Tags=tag_list(d.tags or {}),
                        Description=f"lokonb node role ({d.key})", resource=d.key)["Role"]
        attrs = self.update(ctx, d, Actual(d.key, self.type, d.name, {"policies": {}, "profile": False}),
                            props, ["policies", "profile"])
        return {"id": d.name, "arn": role["Arn"], **attrs}

    def update(self, ctx, d, a, props, changed):
        aws = ctx.aws
        want, have = props["policies"], a.props.get("policies", {})
        for name, doc in want.items():
            if have.get(name) != doc:
                aws.call("iam", "put_role_policy", RoleName=d.name, PolicyName=name, PolicyDocument=doc,
                         resource=d.key)
        for name in have:
            if name not in want:
                aws.call("iam", "delete_role_policy", RoleName=d.name, PolicyName=name, resource=d.key)
        out: dict[str, Any] = {}
        if props["profile"] and not a.props.get("profile"):
            from lokonb.aws.errors import AwsError

            try:
                prof = aws.call("iam", "create_instance_profile", InstanceProfileName=d.name, Path=props["path"],
                                Tags=tag_list(d.tags or {}), resource=d.key)["InstanceProfile"]
            except AwsError as exc:
                if exc.code != "EntityAlreadyExists":
                    raise
                prof = aws.call("iam", "get_instance_profile", InstanceProfileName=d.name)["InstanceProfile"]
            if not prof.get("Roles"):
                aws.call("iam", "add_role_to_instance_profile", InstanceProfileName=d.name, RoleName=d.name,
                         resource=d.key)
            ctx.retrying(lambda: ctx.wait("iam", "instance_profile_exists", 1, 20, InstanceProfileName=d.name),
                         PROFILE_RETRY)
            out["profile_arn"] = prof["Arn"]
        return out

    def update_tags(self, ctx, a, tags, old):
        gone = [k for k in old if k not in tags]
        changed = {k: v for k, v in tags.items() if old.get(k) != v}
        # the instance profile was created with the role's tags: keep them equal
        profile = a.props.get("profile")
        if gone:
            ctx.aws.call("iam", "untag_role", RoleName=a.id, TagKeys=gone, resource=a.key)
            if profile:
                ctx.aws.call("iam", "untag_instance_profile", InstanceProfileName=a.id, TagKeys=gone,
                             resource=a.key)
        if changed:
            ctx.aws.call("iam", "tag_role", RoleName=a.id, Tags=tag_list(changed), resource=a.key)
            if profile:
                ctx.aws.call("iam", "tag_instance_profile", InstanceProfileName=a.id, Tags=tag_list(changed),
                             resource=a.key)

    def delete(self, ctx, a):
        from lokonb.aws.errors import AwsError

        aws = ctx.aws

        def ignore_missing(fn):
            try:
                fn()
            except AwsError as exc:
                if exc.code != "NoSuchEntity":
                    raise

        if a.attrs.get("profile_arn"):
            if a.props.get("profile", True):  # not when a run stopped before AddRoleToInstanceProfile (moto: HTTP 500)
                ignore_missing(lambda: aws.call("iam", "remove_role_from_instance_profile", InstanceProfileName=a.id,
                                                RoleName=a.id, resource=a.key))
            ignore_missing(lambda: aws.call("iam", "delete_instance_profile", InstanceProfileName=a.id,
                                            resource=a.key))
        for name in a.props.get("policies", {}):
            ignore_missing(lambda name=name: aws.call("iam", "delete_role_policy", RoleName=a.id,
                                                      PolicyName=name, resource=a.key))
        if a.attrs.get("role", True):
            ignore_missing(lambda: aws.call("iam", "delete_role", RoleName=a.id, resource=a.key))


def role_name(b: Any, role: str) -> str:
    return f"{b.cluster}-controller" if role == "controller" else names.pool_name(b.cluster, role)


def desired(b: Any) -> list[Desired]:
    out = []
    for role, pool in [("controller", None)] + [(p.name, p) for p in b.config.worker_pools]:
        policies = {"node-config": canonical(node_config_policy(b, role))}
        if b.config.enable_csi:
            policies["ebs-csi"] = canonical(csi_policy())
        key, name = f"iam/{role}", role_name(b, role)
        # spec 4.1: every taggable resource carries Name; the role's (and its profile's) is the role name
        out.append(Desired(key, NodeRole.type, name, {
            "path": names.iam_path(b.cluster), "trust": canonical(TRUST), "policies": policies, "profile": True},
            b.tags(key, name, pool), deps=("bucket",)))
    return out


def _foreign_names(aws: Any, b: Any, found: Found, roles: set[str], profiles: set[str]) -> None:
    """P8: a role or instance profile name the cluster needs, taken outside its path (not owned by it).

    Only names not found under the cluster's path are looked up, so a converged cluster pays nothing."""
    from lokonb.aws.errors import AwsError

    wanted = [role_name(b, "controller")] + [role_name(b, p.name) for p in b.config.worker_pools]
    for kind, have, op, arg in (("iam:role", roles, "get_role", "RoleName"),
                                ("iam:instance-profile", profiles, "get_instance_profile", "InstanceProfileName")):
        for name in wanted:
            if name in have:
                continue
            try:
                aws.call("iam", op, **{arg: name})
            except AwsError as exc:
                if exc.code == "NoSuchEntity":
                    continue
                raise
            found.name_taken(kind, name, b.cluster)


def discover(aws: Any, b: Any, found: Found) -> None:
    path = names.iam_path(b.cluster)
    roles = aws.paginate("iam", "list_roles", "Roles", PathPrefix=path)
    # filtered again here: moto 5.2.5 ignores PathPrefix on ListInstanceProfiles, and a profile outside the path
    # taken for an orphan of this cluster would be deleted
    profiles = {p["InstanceProfileName"]: p
                for p in aws.paginate("iam", "list_instance_profiles", "InstanceProfiles", PathPrefix=path)
                if p.get("Path", "").startswith(path)}
    seen = set()
    for r in roles:
        tags = tag_dict(aws.call("iam", "list_role_tags", RoleName=r["RoleName"])["Tags"])
        if not names.is_owned(tags, b.cluster):
            continue
        pols = {}
        for pname in aws.paginate("iam", "list_role_policies", "PolicyNames", RoleName=r["RoleName"]):
            doc = aws.call("iam", "get_role_policy", RoleName=r["RoleName"], PolicyName=pname)["PolicyDocument"]
            pols[pname] = canonical(doc)
        prof = profiles.get(r["RoleName"])
        has_profile = bool(prof and any(x["RoleName"] == r["RoleName"] for x in prof.get("Roles", [])))
        seen.add(r["RoleName"])
        found.add(Actual(tags.get(names.TAG_RESOURCE, f"iam/{r['RoleName']}"), NodeRole.type, r["RoleName"], {
            "path": r["Path"], "trust": canonical(r["AssumeRolePolicyDocument"]), "policies": pols,
            "profile": has_profile}, tags,
            {"arn": r["Arn"], "profile_arn": prof["Arn"] if prof else None}, name=r["RoleName"]))
    _foreign_names(aws, b, found, seen, set(profiles))
    for pname, prof in profiles.items():  # a profile whose role is gone (killed run): delete it
        if pname not in seen and pname.startswith(f"{b.cluster}-"):
            found.add(Actual(f"iam-profile/{pname}", NodeRole.type, pname, {"policies": {}}, None,
                             {"profile_arn": prof["Arn"], "role": False}, name=pname))
