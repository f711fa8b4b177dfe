"""State record and lock per cluster (aws.md §6): a local file (default) or S3 + a DynamoDB lock table.

The record holds identity (account, region, endpoint), the last applied model hash and identity attributes,
resource ids, resolved AMIs and action counts — never secret values. Discovery by tags stays authoritative; the
record adds resume speed and the detection of out-of-band deletions.

The lock is taken by apply and destroy and released in a ``finally``; a held lock raises
:class:`~lokonb.aws.errors.LockHeldError` naming the holder and the command that breaks a stale lock. It is never
broken automatically.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import json
import os
import socket
import tempfile
import uuid
from pathlib import Path
from typing import Any

from lokonb import __version__
from lokonb.aws.errors import LockHeldError
from lokonb.errors import OperationFailed, kind_name

FORMAT = 1


def now() -> str:
    return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _started_at(pid: int) -> float | None:
    """Start time (epoch seconds) of a process from /proc, or None where /proc cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + int(stat[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, StopIteration):
        return None


def holder_running(held: dict[str, Any]) -> bool:
    """The lock's holder is a process on this host that still runs: its pid is alive and started before the lock
    was taken (a pid reused by a later process does not count)."""
    pid = held.get("pid")
    if not isinstance(pid, int) or not str(held.get("who", "")).endswith("@" + socket.gethostname()):
        return False
    if not _pid_alive(pid):
        return False
    try:
        created = _dt.datetime.strptime(str(held.get("created_at")), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.UTC)
    except ValueError:
        return True
    started = _started_at(pid)
    return started is None or started <= created.timestamp() + 2  # created_at has whole seconds


def is_stale(held: dict[str, Any]) -> bool | None:
    """Whether a held lock's run is gone: known only for a holder on this host (its pid can be checked), for the
    local and the S3 backend alike (the DynamoDB item names the same user@host and pid); None elsewhere."""
    if str(held.get("who", "")).endswith("@" + socket.gethostname()) and isinstance(held.get("pid"), int):
        return not holder_running(held)
    return None


def _lock_info(operation: str) -> dict[str, Any]:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        user = str(os.getuid())
    return {"lock_id": uuid.uuid4().hex, "operation": operation, "who": f"{user}@{socket.gethostname()}",
            "pid": os.getpid(), "created_at": now(), "lokonb_version": __version__}


#: The lock id to pass to ``state unlock`` when the lock holds no readable id (a truncated or hand-edited file).
UNREADABLE_LOCK_ID = "unreadable"


def parse_record(text: str | bytes, where: str) -> dict[str, Any]:
    """A state record's JSON, which must be an object; anything else is refused, never read as 'no state'."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OperationFailed(f"state record {where} is not valid JSON ({exc}); move it away and run "
                              "apply again (discovery by tags rebuilds it)") from None
    if not isinstance(data, dict):
        raise OperationFailed(f"state record {where} holds {kind_name(data, document=True)}, not a JSON object; "
                              "move it away and run apply again (discovery by tags rebuilds it)")
    if "terraform_version" not in data:  # a Terraform state is refused by name later
        _check_shape(data, where)
    return data


#: Fields of a record lokonb reads, with the JSON type each must have (aws.md §6.1); null is allowed for all.
_RECORD_FIELDS: dict[str, tuple[type | tuple[type, ...], str]] = {
    "format": (int, "an integer"),
    "cluster_name": (str, "a string"), "account_id": (str, "a string"), "region": (str, "a string"),
    "serial": (int, "an integer"),
    "resources": (dict, "an object of resource key -> {id, ...}"),
    "amis": (dict, "an object"), "secrets": (dict, "an object"), "identity": (dict, "an object"),
}


def _check_shape(data: dict[str, Any], where: str) -> None:
    """A hand-edited or foreign record fails here with the field named, not later with a TypeError (exit 70)."""
    fix = "; move it away and run apply again (discovery by tags rebuilds it)"
    for field, (kind, expected) in _RECORD_FIELDS.items():
        value = data.get(field)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            raise OperationFailed(f"state record {where}: {field} is {json.dumps(value)[:40]}, expected {expected}"
                                  + fix)
    if isinstance(data.get("format"), int) and data["format"] > FORMAT:
        raise OperationFailed(f"state record {where} has format {data['format']}, written by a newer lokonb "
                              f"({data.get('lokonb_version', '?')}); this lokonb {__version__} reads format "
                              f"{FORMAT}: upgrade lokonb")
    for key, res in (data.get("resources") or {}).items():
        extra = res.get("extra") if isinstance(res, dict) else None
        if not isinstance(res, dict) or not (extra is None or isinstance(extra, dict)):
            raise OperationFailed(f"state record {where}: resources[{json.dumps(key)}] is {json.dumps(res)[:40]}, "
                                  "expected an object {id, type, extra: {...}}" + fix)


def parse_lock(text: str | bytes, where: str) -> dict[str, Any]:
    """A held lock's info; a lock that cannot be read is still a held lock, breakable with UNREADABLE_LOCK_ID."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("lock_id"), str):
        return data
    return {"lock_id": UNREADABLE_LOCK_ID, "unreadable": where}


def held_message(cluster: str, info: dict[str, Any], stale: bool | None, config_hint: str) -> str:
    if info.get("unreadable"):
        return (f"Cluster {cluster} is locked, but the lock {info['unreadable']} holds no readable lock id (not the "
                f"JSON lokonb writes). If no apply or destroy is running, run: `lokonb state unlock {config_hint} "
                f"--lock-id {UNREADABLE_LOCK_ID}`")
    msg = (f"Cluster {cluster} is locked by {info.get('operation', '?')} ({info.get('who', '?')}, pid "
           f"{info.get('pid', '?')}) since {info.get('created_at', '?')}, lock id {info.get('lock_id', '?')}.")
    if stale:
        msg += f" (pid {info.get('pid')} is not running on this host: the lock is stale)"
    msg += (f" If that run is gone, run: `lokonb state unlock {config_hint} --lock-id {info.get('lock_id')}`")
    return msg


def _refuse_live_holder(cluster: str, held: dict[str, Any]) -> None:
    """`state unlock` is for a lock whose run is gone; breaking a running apply's lock lets a second apply or
    destroy work beside it (duplicate or half-deleted resources)."""
    if holder_running(held):
        raise OperationFailed(
            f"cluster {cluster} is locked by {held.get('operation', '?')} (pid {held.get('pid')} on this host), which "
            f"is still running: unlock is for a lock whose run is gone. Wait for it to finish, or stop it "
            f"(kill -INT {held.get('pid')}; it releases the lock), then retry; nothing changed")


class StateBackendMissing(OperationFailed):
    """The S3 backend's bucket or lock table does not exist (the message names it and the fix)."""


class StateBackend:
    """Common interface of the local and S3 backends."""

    cluster: str
    location: str

    def read(self) -> dict | None: ...
    def write(self, record: dict) -> None: ...
    def delete(self) -> None: ...
    def acquire(self, operation: str, config_hint: str) -> dict: ...
    def release(self, info: dict) -> None: ...
    def lock_info(self) -> dict | None: ...
    def break_lock(self, lock_id: str) -> dict: ...


def _refuse_terraform(data: dict, where: str) -> None:
    if "terraform_version" in data:
        raise OperationFailed(f"{where} is a Terraform state (terraform_version {data['terraform_version']}); "
                              "lokonb never overwrites it. Point state.path/state.key elsewhere (*.lokonb.json).")


class LocalState(StateBackend):
    """``<path>`` (JSON, 0600, atomic rename) and ``<path>.lock`` (O_CREAT|O_EXCL)."""

    def __init__(self, cluster: str, path: Path) -> None:
        self.cluster = cluster
        self.path = Path(path).expanduser()
        self.lock_path = Path(str(self.path) + ".lock")
        self.location = str(self.path)

    def _check_path(self) -> None:
        """The record is a regular file lokonb replaces and deletes: /dev/null, a FIFO (reads block) or a directory
        must be refused before anything is read, locked, replaced or unlinked."""
        if self.path.exists() and not self.path.is_file():
            kind = "a directory" if self.path.is_dir() else "not a regular file (a device, FIFO or socket)"
            raise OperationFailed(f"state path {self.path} is {kind}; point state.path (or --state) at a JSON "
                                  "file lokonb may create, replace and delete, e.g. <asset_dir>/lokonb-state.json")

    def read(self) -> dict | None:
        self._check_path()
        if not self.path.exists():
            return None
        data = parse_record(self.path.read_bytes(), str(self.path))
        _refuse_terraform(data, str(self.path))
        return data

    def write(self, record: dict) -> None:
        self._check_path()
        if self.path.exists():
            self.read()  # refuses to overwrite a Terraform state
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".lokonb-state-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(record, fh, indent=1, sort_keys=True, default=str)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def delete(self) -> None:
        self._check_path()
        self.path.unlink(missing_ok=True)

    def lock_info(self) -> dict | None:
        try:
            return parse_lock(self.lock_path.read_bytes(), str(self.lock_path))
        except FileNotFoundError:
            return None

    def acquire(self, operation: str, config_hint: str) -> dict:
        self._check_path()  # before <path>.lock is created beside it
        info = _lock_info(operation)
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.lock_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            held = self.lock_info() or {}
            raise LockHeldError(held_message(self.cluster, held, is_stale(held), config_hint), held) from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(info, fh)
        return info

    def release(self, info: dict) -> None:
        held = self.lock_info()
        if held and held.get("lock_id") == info.get("lock_id"):
            self.lock_path.unlink(missing_ok=True)

    def break_lock(self, lock_id: str) -> dict:
        held = self.lock_info()
        if not held:
            raise OperationFailed(f"cluster {self.cluster} is not locked ({self.lock_path} does not exist)")
        if held.get("lock_id") != lock_id:
            raise OperationFailed(f"lock id {lock_id} does not match the lock held ({held.get('lock_id')}); "
                                  "nothing changed")
        _refuse_live_holder(self.cluster, held)
        self.lock_path.unlink(missing_ok=True)
        return held


class S3State(StateBackend):
    """State object in S3 (SSE AES256) and a lock item in a DynamoDB table keyed ``LockID`` (Terraform schema)."""

    def __init__(self, cluster: str, aws: Any, bucket: str, key: str, table: str | None, lock: bool = True) -> None:
        self.cluster = cluster
        self.aws = aws
        self.bucket = bucket
        self.key = key
        self.table = table if lock else None
        self.lock_id_key = f"lokonb/{bucket}/{key}"
        self.location = f"s3://{bucket}/{key}"

    def _call(self, service: str, operation: str, paginate: str = "", **params: Any) -> Any:
        """A backend call; a state bucket or lock table that does not exist is a :class:`StateBackendMissing`
        naming it and the fix (AWS says only "The specified bucket does not exist" / "Requested resource not
        found", and the table not at all)."""
        from lokonb.aws.errors import AwsError

        try:
            if paginate:
                return self.aws.paginate(service, operation, paginate, **params)
            return self.aws.call(service, operation, **params)
        except AwsError as exc:
            if (service, exc.code) == ("s3", "NoSuchBucket"):
                what = f"the state bucket {self.bucket} (state.bucket)"
                fix = " (apply then adopts the cluster's resources by their tags), or fix state.bucket"
            elif (service, exc.code) == ("dynamodb", "ResourceNotFoundException"):
                what = f"the lock table {self.table} (state.dynamodb_table)"
                fix = ", fix state.dynamodb_table, or set state.lock: false"
            else:
                raise
            raise StateBackendMissing(
                f"{what} does not exist in {self.aws.region}: create it with `lokonb state init-backend`{fix}"
            ) from exc

    def read(self) -> dict | None:
        from lokonb.aws.errors import AwsError

        try:
            body = self._call("s3", "get_object", Bucket=self.bucket, Key=self.key)["Body"].read()
        except AwsError as exc:
            if exc.code in ("NoSuchKey", "404"):
                return None
            raise
        data = parse_record(body, self.location)
        _refuse_terraform(data, self.location)
        return data

    def write(self, record: dict) -> None:
        if not getattr(self, "_checked", False):  # never overwrite a Terraform state (checked once per run)
            self.read()
            self._checked = True
        self._call("s3", "put_object", Bucket=self.bucket, Key=self.key, ServerSideEncryption="AES256",
                      Body=json.dumps(record, indent=1, sort_keys=True, default=str).encode(),
                      ContentType="application/json")

    def delete(self) -> None:
        self._call("s3", "delete_object", Bucket=self.bucket, Key=self.key)

    def lock_info(self) -> dict | None:
        if not self.table:
            return None
        item = self._call("dynamodb", "get_item", TableName=self.table, ConsistentRead=True,
                             Key={"LockID": {"S": self.lock_id_key}}).get("Item")
        if not item:
            return None
        return parse_lock(item.get("Info", {}).get("S", ""), f"item {self.lock_id_key} of {self.table}")

    def acquire(self, operation: str, config_hint: str) -> dict:
        from lokonb.aws.errors import AwsError

        info = _lock_info(operation)
        if not self.table:
            return info
        try:
            self._call("dynamodb", "put_item", TableName=self.table, Item={
                "LockID": {"S": self.lock_id_key}, "Info": {"S": json.dumps(info, sort_keys=True)}},
                ConditionExpression="attribute_not_exists(LockID)", ReturnValuesOnConditionCheckFailure="ALL_OLD")
        except AwsError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise
            held = self.lock_info() or {}
            raise LockHeldError(held_message(self.cluster, held, is_stale(held), config_hint), held) from None
        return info

    def release(self, info: dict) -> None:
        from lokonb.aws.errors import AwsError

        if not self.table:
            return
        try:
            self._call("dynamodb", "delete_item", TableName=self.table, Key={"LockID": {"S": self.lock_id_key}},
                          ConditionExpression="Info = :info",
                          ExpressionAttributeValues={":info": {"S": json.dumps(info, sort_keys=True)}})
        except AwsError as exc:
            if exc.code != "ConditionalCheckFailedException":
                raise

    # -- secret material beside the record, so another operator can apply (aws.md §6.1) --------------------
    @property
    def secrets_prefix(self) -> str:
        return f"{self.key}.secrets/"

    def _manifest(self) -> dict[str, str]:
        from lokonb.aws.errors import AwsError

        try:
            body = self._call("s3", "get_object", Bucket=self.bucket,
                                 Key=self.secrets_prefix + "manifest.json")["Body"].read()
        except AwsError as exc:
            if exc.code in ("NoSuchKey", "404"):
                return {}
            raise
        return json.loads(body)

    def push_assets(self, asset_dir: Path) -> dict[str, dict[str, str]]:
        """Upload ``<asset_dir>/cluster-assets/**`` (SSE AES256) where changed; returns path -> {uri, sha256}."""
        import hashlib

        base = Path(asset_dir).expanduser() / "cluster-assets"
        have = self._manifest()
        want: dict[str, str] = {}
        # dot files are not assets: the generation lock (.lock) and atomic writes' temporary files
        for f in sorted(p for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")):
            rel = str(f.relative_to(base))
            data = f.read_bytes()
            want[rel] = hashlib.sha256(data).hexdigest()
            if have.get(rel) != want[rel]:
                self._call("s3", "put_object", Bucket=self.bucket, Key=self.secrets_prefix + rel, Body=data,
                              ServerSideEncryption="AES256")
        for rel in set(have) - set(want):
            self._call("s3", "delete_object", Bucket=self.bucket, Key=self.secrets_prefix + rel)
        if want != have:
            self._call("s3", "put_object", Bucket=self.bucket, Key=self.secrets_prefix + "manifest.json",
                          Body=json.dumps(want, sort_keys=True).encode(), ServerSideEncryption="AES256")
        return {rel: {"uri": f"s3://{self.bucket}/{self.secrets_prefix}{rel}", "sha256": sha}
                for rel, sha in want.items()}

    def pull_assets(self, asset_dir: Path) -> int:
        """Download the cluster's assets when the local asset directory has none; returns files written."""
        base = Path(asset_dir).expanduser() / "cluster-assets"
        if base.is_dir() and any(p.is_file() and not p.name.startswith(".") for p in base.rglob("*")):
            return 0
        manifest = self._manifest()
        for rel in manifest:
            target = base / rel
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            body = self._call("s3", "get_object", Bucket=self.bucket, Key=self.secrets_prefix + rel)["Body"].read()
            target.write_bytes(body)
            target.chmod(0o600)
        return len(manifest)

    def delete_assets(self) -> None:
        keys = [o["Key"] for o in self._call("s3", "list_objects_v2", paginate="Contents", Bucket=self.bucket,
                                             Prefix=self.secrets_prefix)]
        for i in range(0, len(keys), 1000):
            self._call("s3", "delete_objects", Bucket=self.bucket,
                          Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})

    def break_lock(self, lock_id: str) -> dict:
        held = self.lock_info()
        if not held:
            raise OperationFailed(f"cluster {self.cluster} is not locked (no item {self.lock_id_key} in "
                                  f"{self.table})")
        if held.get("lock_id") != lock_id:
            raise OperationFailed(f"lock id {lock_id} does not match the lock held ({held.get('lock_id')}); "
                                  "nothing changed")
        _refuse_live_holder(self.cluster, held)
        self._call("dynamodb", "delete_item", TableName=self.table, Key={"LockID": {"S": self.lock_id_key}})
        return held


def state_path(config: Any) -> Path:
    s = config.state
    return Path(s.path) if s.path else Path(config.asset_dir) / "lokonb-state.json"


def open_backend(config: Any, aws: Any, path_override: str | Path | None = None) -> StateBackend:
    """The configured backend (``path_override`` = CLI ``--state``, always local)."""
    s = config.state
    if path_override is not None or s.backend == "local":
        return LocalState(config.cluster_name, Path(path_override) if path_override else state_path(config))
    key = s.key or f"lokonb/{config.cluster_name}.json"
    return S3State(config.cluster_name, state_aws(config, aws), s.bucket, key, s.dynamodb_table, s.lock)


def state_aws(config: Any, aws: Any) -> Any:
    """The :class:`~lokonb.aws.session.Aws` of the S3 state backend: ``state.region``, ``state.profile`` and
    ``state.shared_credentials_file`` where set (the bucket and lock table often serve every cluster from one
    region or account), else the cluster's."""
    s = config.state
    if aws is None or not hasattr(aws, "sibling"):
        return aws
    return aws.sibling(region=s.region, profile=s.profile, shared_credentials_file=s.shared_credentials_file)


def init_backend(config: Any, aws: Any) -> list[str]:
    """Create the S3 state bucket (versioning, encryption, public access block) and lock table, idempotently."""
    from lokonb.aws.errors import AwsError

    s = config.state
    done: list[str] = []
    if s.backend != "s3":
        return done
    aws = state_aws(config, aws)  # the bucket and table go to the backend's region, not the cluster's
    kw: dict[str, Any] = {"Bucket": s.bucket}
    if aws.region != "us-east-1":
        kw["CreateBucketConfiguration"] = {"LocationConstraint": aws.region}
    try:
        aws.call("s3", "create_bucket", **kw)
        done.append(f"created bucket {s.bucket}")
    except AwsError as exc:
        if exc.code != "BucketAlreadyOwnedByYou":
            raise
    aws.call("s3", "put_bucket_versioning", Bucket=s.bucket, VersioningConfiguration={"Status": "Enabled"})
    aws.call("s3", "put_bucket_encryption", Bucket=s.bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    aws.call("s3", "put_public_access_block", Bucket=s.bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    if s.dynamodb_table and s.lock:
        try:
            aws.call("dynamodb", "create_table", TableName=s.dynamodb_table, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "LockID", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "LockID", "KeyType": "HASH"}])
            done.append(f"created table {s.dynamodb_table}")
        except AwsError as exc:
            if exc.code != "ResourceInUseException":
                raise
    return done


def new_record(config: Any, build: Any, endpoint: str | None) -> dict:
    return {"format": FORMAT, "cluster_name": config.cluster_name, "account_id": build.account,
            "partition": build.partition, "region": build.region, "endpoint": endpoint, "model_hash": None,
            "serial": 0, "resources": {}, "amis": {}, "secrets": {}, "identity": {}, "last_plan": None,
            "last_apply": None, "lokonb_version": __version__}


def from_other_embedded(record: dict | None, aws: Any) -> bool:
    """True when ``record`` and this run do not share one embedded AWS: a record written against an embedded AWS
    that is gone (or this run is against another endpoint), or an embedded run reading another endpoint's record.
    Such a record describes nothing that exists here (aws.md §6.1) and is ignored."""
    if not record:
        return False
    current = aws.embedded.url if aws.embedded is not None else None
    written = record.get("embedded_url")
    return bool(current or written) and written != current


def check_identity(record: dict | None, config: Any, build: Any) -> None:
    """P9: the record belongs to this account, region and cluster."""
    if not record:
        return
    for field, want in (("cluster_name", config.cluster_name), ("account_id", build.account),
                        ("region", build.region)):
        if record.get(field) and record[field] != want:
            raise OperationFailed(f"the state record is for {field} {record[field]}, this run is {want}; "
                                  "use the matching state.path/state.key or the right account/region")


def break_lock(config: Any, lock_id: str, *, state_path: str | Path | None = None) -> dict:
    """Delete the cluster's lock if ``lock_id`` matches (``lokonb state unlock``); returns the broken lock."""
    from lokonb.aws.api import break_lock as _break

    return _break(config, lock_id, state_path=state_path)
