"""EC2 delivery of node configs: user-data sizes, the S3 policy and pointer configs (flatcar.md §9)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from lokonb.errors import kind_name, wrong_kind
from lokonb.flatcar.errors import DeliveryError, InputTypeError, InputValueError, require_flag, require_kind
from lokonb.flatcar.gojson import dumps
from lokonb.flatcar.validate import SPECS

#: EC2 limit of user data before base64 (``InvalidUserData.Malformed``).
USER_DATA_LIMIT = 16384
#: Inline configs above this size get a warning (little room left for growth).
WARN_SIZE = 15360
POLICIES = ("auto", "s3", "inline")


def sha512_hex(data: bytes) -> str:
    return hashlib.sha512(data).hexdigest()


def object_key(cluster_name: str, role: str, body: bytes, prefix: str = "") -> str:
    """``<prefix><cluster_name>/<role>/<first 32 hex of the sha512>.ign`` (content-addressed)."""
    return f"{prefix}{cluster_name}/{role}/{sha512_hex(body)[:32]}.ign"


def pointer_config(bucket: str, key: str, body: bytes, *, spec: str = "3.3.0") -> bytes:
    """The user-data config that replaces itself with ``s3://bucket/key``, verified by the body's sha512.

    No ``compression`` (unsupported with S3 sources), never a presigned URL (it would expire before an ASG
    scales).
    """
    _check_target("pointer_config", bucket, key)
    if not isinstance(body, bytes):
        raise InputTypeError(wrong_kind("pointer_config", "body", "the config's bytes", body))
    if spec not in SPECS:  # spec=None failed with "'NoneType' object has no attribute 'startswith'"; "" was written
        require_kind(spec, str, "pointer_config", "spec", f"an Ignition spec version ({', '.join(SPECS)})")
        raise InputValueError(f"pointer_config(): spec {spec!r:.40} is not supported; choose one of {', '.join(SPECS)}")
    doc = {
        "ignition": {
            "config": {
                "replace": {
                    "source": f"s3://{bucket}/{key}",
                    "verification": {"hash": f"sha512-{sha512_hex(body)}"},
                }
            },
            "version": spec,
        }
    }
    if spec.startswith("2."):
        doc["ignition"] = {"config": doc["ignition"]["config"], "version": spec}
    return dumps(doc).encode("utf-8")


def verify_pointer(pointer: bytes, fetched: bytes) -> dict[str, Any]:
    """What Ignition does at boot: check the fetched object against the pointer's hash and parse it."""
    doc = json.loads(pointer)
    expected = doc["ignition"]["config"]["replace"]["verification"]["hash"]
    function, _, digest = expected.partition("-")
    if function != "sha512" or hashlib.sha512(fetched).hexdigest() != digest:
        raise DeliveryError("fetched node config does not match the pointer's sha512")
    return json.loads(fetched)


@dataclass(frozen=True)
class Delivery:
    """How one role's config reaches its instances."""

    role: str
    spec: str
    mode: str  # inline | s3
    size: int  # compact config bytes
    # user data (inline: the config itself) and the S3 body may hold keys and tokens: never part of repr()
    user_data: bytes = field(repr=False)  # what goes into EC2 user data (config or pointer)
    secret: bool
    bucket: str | None = None
    key: str | None = None
    body: bytes | None = field(default=None, repr=False)  # the S3 object (the compact config) when mode == "s3"
    sha512: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def user_data_size(self) -> int:
        return len(self.user_data)

    @property
    def percent(self) -> float:
        return round(100.0 * self.user_data_size / USER_DATA_LIMIT, 1)

    @property
    def source(self) -> str | None:
        return f"s3://{self.bucket}/{self.key}" if self.mode == "s3" else None

    def row(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "spec": self.spec,
            "config_size": self.size,
            "user_data_size": self.user_data_size,
            "limit": USER_DATA_LIMIT,
            "percent": self.percent,
            "delivery": self.mode,
            "secret": self.secret,
            "object": self.source,
            "note": "; ".join(self.warnings),
        }


def _check_target(function: str, bucket: object, key: object = "-", *, prefix: object = "") -> None:
    """The S3 location of a pointer config: a wrong one is only found when the node fails to fetch its config."""
    if not isinstance(bucket, str) or not bucket or "/" in bucket:
        raise InputTypeError(f"{function}(): bucket must be an S3 bucket name such as lokonb-demo-1234 "
                             f"(no s3:// and no '/'), got {bucket!r:.64}")
    if not isinstance(key, str) or not key:
        raise InputTypeError(f"{function}(): key must be a non-empty object key, got {key!r:.64}")
    if not isinstance(prefix, str):
        raise InputTypeError(f"{function}(): prefix must be a string (a key prefix such as 'configs/'), "
                             f"got {prefix!r:.64}")


def _check_node(node: object) -> None:
    """A rendered role: ``RoleConfig`` or an object with ``role``, ``spec`` and ``compact`` (bytes)."""
    if not all(hasattr(node, a) for a in ("role", "spec", "compact")) or not isinstance(node.compact, bytes):
        raise InputTypeError(f"plan_delivery(): expected a rendered role (a RoleConfig of ClusterRender.roles, or an "
                             f"object with role, spec and compact bytes), got {kind_name(node)}")


def plan_delivery(
    node: Any,
    *,
    bucket: str,
    prefix: str = "",
    policy: str = "auto",
    cluster_name: str | None = None,
    allow_secrets_in_user_data: bool = False,
) -> Delivery:
    """Decide inline vs S3 for a rendered role (``RoleConfig`` or any object with ``role``, ``spec``,
    ``compact``,
    ``secret``) and build the user data: the config itself, or the pointer to its S3 object."""
    if policy not in POLICIES:
        raise DeliveryError(f"unknown delivery policy {policy!r}; choose one of {', '.join(POLICIES)}")
    _check_node(node)
    _check_target("plan_delivery", bucket, prefix=prefix)
    require_flag(allow_secrets_in_user_data, "plan_delivery", "allow_secrets_in_user_data")
    body: bytes = node.compact
    role = node.role
    secret = bool(getattr(node, "secret", False))
    size = len(body)
    warnings: list[str] = []
    if policy == "inline":
        if size > USER_DATA_LIMIT:
            raise DeliveryError(
                f"{role}: config is {size} bytes, over the EC2 user-data limit of "
                f"{USER_DATA_LIMIT}; use delivery policy 'auto' or 's3'"
            )
        if secret and not allow_secrets_in_user_data:
            raise DeliveryError(
                f"{role}: config carries secrets (keys, kubeconfigs, tokens), which user data "
                "exposes to anyone allowed ec2:DescribeInstanceAttribute; use 'auto' or 's3' (or "
                "set allow_secrets_in_user_data: true)"
            )
        if secret:
            warnings.append("secrets delivered in user data (allow_secrets_in_user_data)")
        mode = "inline"
    elif policy == "s3" or secret or size > USER_DATA_LIMIT:
        mode = "s3"
    else:
        mode = "inline"
    sha = sha512_hex(body)
    if mode == "inline":
        if size > WARN_SIZE:
            warnings.append(f"{size} bytes of user data, close to the {USER_DATA_LIMIT}-byte limit")
        return Delivery(role, node.spec, "inline", size, body, secret, sha512=sha, warnings=tuple(warnings))
    key = object_key(cluster_name or getattr(node, "cluster_name", "cluster"), role, body, prefix)
    pointer = pointer_config(bucket, key, body, spec=node.spec)
    return Delivery(role, node.spec, "s3", size, pointer, secret, bucket, key, body, sha, tuple(warnings))
