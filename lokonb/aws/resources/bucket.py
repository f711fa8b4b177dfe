"""The cluster's private node-config bucket and the content-addressed node-config objects (aws.md §5.7)."""

from __future__ import annotations

import json
from typing import Any

from lokonb.aws import names
from lokonb.aws.found import Found
from lokonb.aws.graph import Actual, Desired, ResourceType, register, tag_list

PUBLIC_BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True}


def bucket_policy(b: Any) -> str | None:
    """Deny every request not made over TLS — unless the endpoint itself is plain HTTP.

    Through an ``http://`` endpoint (the embedded AWS, a local moto) every request has
    ``aws:SecureTransport=false``, so this policy would lock lokonb out of its own bucket; moto additionally treats
    any unmet condition as a deny (moto 5.2.5 gap, aws.md §11.3). There the policy is left out and a plan note says
    so; real AWS endpoints are always HTTPS and always get it.
    """
    if b.plain_http:
        return None
    arn = f"arn:{b.partition}:s3:::{b.bucket}"
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
        "Resource": [arn, f"{arn}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]},
        sort_keys=True, separators=(",", ":"))


def _canon(doc: str | None) -> str | None:
    return json.dumps(json.loads(doc), sort_keys=True, separators=(",", ":")) if doc else None


@register
class Bucket(ResourceType):
    type = "s3:bucket"
    update_fields = ("public_access_block", "encryption", "policy", "ownership")
    destroy_rank = 98

    def create(self, ctx, d, props):
        from lokonb.aws.errors import AwsError

        kw: dict[str, Any] = {"Bucket": d.name}
        if ctx.aws.region != "us-east-1":
            kw["CreateBucketConfiguration"] = {"LocationConstraint": ctx.aws.region}
        try:
            ctx.aws.call("s3", "create_bucket", resource=d.key, **kw)
        except AwsError as exc:
            if exc.code != "BucketAlreadyOwnedByYou":
                raise
        # the one create that cannot carry tags: tag right away (discovery also finds it by its derived name)
        ctx.aws.call("s3", "put_bucket_tagging", Bucket=d.name, Tagging={"TagSet": tag_list(d.tags or {})},
                     resource=d.key)
        self.update(ctx, d, Actual(d.key, self.type, d.name), props, list(self.update_fields))
        return {"id": d.name}

    def update(self, ctx, d, a, props, changed):
        call = ctx.aws.call
        if "public_access_block" in changed:
            call("s3", "put_public_access_block", Bucket=d.name, PublicAccessBlockConfiguration=PUBLIC_BLOCK,
                 resource=d.key)
        if "ownership" in changed:
            call("s3", "put_bucket_ownership_controls", Bucket=d.name,
                 OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}, resource=d.key)
        if "encryption" in changed:
            call("s3", "put_bucket_encryption", Bucket=d.name, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}, resource=d.key)
        if "policy" in changed and props["policy"]:
            call("s3", "put_bucket_policy", Bucket=d.name, Policy=props["policy"], resource=d.key)
        return {}

    def update_tags(self, ctx, a, tags, old):
        ctx.aws.call("s3", "put_bucket_tagging", Bucket=a.id, Tagging={"TagSet": tag_list(tags)}, resource=a.key)

    def delete(self, ctx, a):
        from lokonb.aws.errors import AwsError

        s3 = ctx.aws
        try:
            versions = s3.paginate("s3", "list_object_versions", "Versions", Bucket=a.id)
            markers = s3.paginate("s3", "list_object_versions", "DeleteMarkers", Bucket=a.id)
            objs = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions + markers]
            failed: list[dict] = []
            for i in range(0, len(objs), 1000):
                # HTTP 200 even when keys fail (no s3:DeleteObjectVersion, object lock): the errors are per key
                failed += s3.call("s3", "delete_objects", Bucket=a.id, Delete={"Objects": objs[i:i + 1000],
                                                                                "Quiet": True},
                                  resource=a.key).get("Errors", [])
            if failed:
                first = failed[0]
                raise AwsError(
                    f"could not delete {len(failed)} object version(s) of bucket {a.id} (first: {first.get('Key')}: "
                    f"{first.get('Code')}: {first.get('Message', '').strip()}); allow s3:DeleteObjectVersion, lift "
                    "object locks or legal holds, and run destroy again", service="s3", operation="DeleteObjects",
                    code=str(first.get("Code") or "DeleteObjectsFailed"))
            s3.call("s3", "delete_bucket", Bucket=a.id, resource=a.key)
        except AwsError as exc:
            if exc.code not in ("NoSuchBucket",):
                raise


@register
class NodeConfigObject(ResourceType):
    """A node config in the bucket; a new render is a new key (content-addressed), so changes are creates."""

    type = "s3:object"
    taggable = False
    replace_fields = ("s3_key",)
    destroy_rank = 97

    def create(self, ctx, d, props):
        body: bytes = d.extra["body"]
        ctx.aws.call("s3", "put_object", Bucket=props["bucket"], Key=props["s3_key"], Body=body,
                     ContentType="application/json", ServerSideEncryption="AES256", resource=d.key)
        return {"id": props["s3_key"]}

    def delete(self, ctx, a):
        ctx.aws.call("s3", "delete_object", Bucket=a.props["bucket"], Key=a.id, resource=a.key)


def object_desired(b: Any, role: str, key: str) -> Desired | None:
    d = b.delivery(role)
    if d.mode != "s3":
        return None  # delivered inline (secret-free and small): no object
    return Desired(key, NodeConfigObject.type, d.key, {"bucket": b.bucket, "s3_key": d.key},
                   deps=("bucket",), extra={"body": d.body, "sha512": d.sha512, "role": role})


def desired(b: Any) -> list[Desired]:
    out = [Desired("bucket", Bucket.type, b.bucket, {
        "public_access_block": PUBLIC_BLOCK, "encryption": "AES256", "policy": bucket_policy(b),
        "ownership": "BucketOwnerEnforced"}, b.tags("bucket", b.bucket))]
    objs = [object_desired(b, f"controller-{i}", f"object/controller-{i}") for i in range(b.config.controller_count)]
    objs += [object_desired(b, f"worker-{p.name}", f"object/{p.name}") for p in b.config.worker_pools]
    return out + [o for o in objs if o is not None]


def _own_account(aws: Any, name: str) -> bool:
    """The bucket belongs to the caller's account (ListBuckets lists only those; HeadBucket also answers for
    another account's bucket that grants access)."""
    return any(x["Name"] == name for x in aws.paginate("s3", "list_buckets", "Buckets", Prefix=name))


def discover(aws: Any, b: Any, found: Found) -> None:
    from lokonb.aws.errors import AwsError

    name = b.bucket
    try:
        aws.call("s3", "head_bucket", Bucket=name)
    except AwsError as exc:
        if exc.code in ("404", "NoSuchBucket", "NotFound"):
            return
        if exc.code in ("403", "AccessDenied"):
            # S3 answers 403 both for another account's bucket and for a caller without s3:ListBucket (HeadBucket's
            # IAM action): name the permission, so a denial is not taken for a name clash only
            arn = f"arn:{b.partition}:s3:::{name}"
            found.foreign.append({"type": "s3:bucket", "id": name, "why": "exists and is not owned by cluster "
                                  f"{b.cluster}, or the caller may not read it (HeadBucket answered 403: "
                                  f"`s3:ListBucket` on `{arn}` is needed)"})
            return
        raise

    def get(op: str, path: tuple, missing: tuple) -> Any:
        try:
            r = aws.call("s3", op, Bucket=name)
        except AwsError as exc:
            if exc.code in missing:
                return None
            raise
        for p in path:
            r = r[p] if not callable(p) else p(r)
        return r

    tag_set = get("get_bucket_tagging", ("TagSet",), ("NoSuchTagSet",))
    tags = {t["Key"]: t["Value"] for t in (tag_set or [])}
    if not tag_set and _own_account(aws, name):
        # CreateBucket cannot carry tags: an apply stopped before PutBucketTagging left the cluster's bucket bare.
        # Its derived name (hash of account, region, cluster) is the cluster's (aws.md §4.1): adopt it, so apply
        # tags it and destroy deletes it, instead of "not owned" for ever
        tags = {}
    elif not names.is_owned(tags, b.cluster):
        found.name_taken("s3:bucket", name, b.cluster)
        return
    enc = get("get_bucket_encryption", ("ServerSideEncryptionConfiguration", "Rules"),
              ("ServerSideEncryptionConfigurationNotFoundError",)) or []
    algo = enc[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] if enc else None
    pab = get("get_public_access_block", ("PublicAccessBlockConfiguration",), ("NoSuchPublicAccessBlockConfiguration",))
    policy = get("get_bucket_policy", ("Policy",), ("NoSuchBucketPolicy",))
    own = get("get_bucket_ownership_controls", ("OwnershipControls", "Rules"),
              ("OwnershipControlsNotFoundError",)) or []
    found.add(Actual("bucket", Bucket.type, name, {
        "public_access_block": pab, "encryption": algo, "policy": _canon(policy),
        "ownership": own[0]["ObjectOwnership"] if own else None}, tags, name=name))
    objects = aws.paginate("s3", "list_objects_v2", "Contents", Bucket=name, Prefix=f"{b.cluster}/")
    found.info["objects"] = objects
    for obj in objects:
        parts = obj["Key"].split("/")
        if len(parts) != 3:
            continue
        role = parts[1]
        key = f"object/{role}" if role.startswith("controller-") else f"object/{role.removeprefix('worker-')}"
        found.add(Actual(key, NodeConfigObject.type, obj["Key"], {"bucket": name, "s3_key": obj["Key"]},
                         None, {"modified": str(obj.get("LastModified", ""))}, created=str(obj.get("LastModified")),
                         name=obj["Key"]))
