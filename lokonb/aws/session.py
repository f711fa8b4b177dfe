"""Sessions, clients and endpoints (aws.md §8.1, §8.4, §11.1).

:class:`Aws` holds one boto3 client per service for a run (clients are thread-safe, sessions are not), created
before any worker thread starts, with botocore's retry mode and **total** attempts set explicitly. Every call goes
through :meth:`Aws.call`, which counts it (per operation, for plans and benchmarks), can refuse mutating calls
(plans are read-only) and translates failures into :class:`~lokonb.aws.errors.AwsError`.

Endpoints: ``None`` = real AWS through the standard credential chain; ``"embedded"`` = the process's seeded moto
server (:mod:`lokonb.aws.embedded`), started for the run and released by :meth:`Aws.close`; a URL = any
AWS-compatible endpoint, used exactly like real AWS (nothing seeded).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from lokonb.aws.errors import encoded_authorization_message, request_target, translate

READ_PREFIXES = ("Describe", "List", "Get", "Head")
# STS calls that change nothing although their names do not say so
READ_ONLY_STS = ("GetCallerIdentity", "DecodeAuthorizationMessage")
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def _loopback(url: str) -> bool:
    from urllib.parse import urlparse

    return (urlparse(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


_LOADERS: dict[Any, Any] = {}
_LOADERS_LOCK = threading.Lock()


def _new_session(credentials_file: str | None = None, **kw: Any) -> Any:
    """A boto3 session whose botocore data loader is shared within the process: the service models (EC2's is
    megabytes of JSON) are parsed once, not again by every :class:`Aws` (a notebook run opens one per step).
    ``credentials_file`` is this session's shared credentials file (not the process's environment: the state
    backend may use another file than the cluster)."""
    import boto3
    import botocore.session
    from botocore.loaders import create_loader

    core = botocore.session.get_session()
    if credentials_file:
        core.set_config_variable("credentials_file", credentials_file)
    if kw.get("profile_name"):
        core.set_config_variable("profile", kw["profile_name"])  # data_path below is read from this profile
    data_path = core.get_config_variable("data_path")
    with _LOADERS_LOCK:
        loader = _LOADERS.get(data_path)
        if loader is None:
            loader = _LOADERS[data_path] = create_loader(data_path)
        core.register_component("data_loader", loader)
        session = boto3.session.Session(botocore_session=core, **kw)
        # boto3 appends its data folder to the loader's search paths on each new session: keep one of each
        loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return session


def _register_file_secrets(path: str) -> None:
    """The scrubber knows the keys of the default credentials file; a file named in the configuration is read the
    same way, so its keys never reach a notebook output or report either."""
    from lokonb.notebook.redact import aws_file_secrets, register_secret

    register_secret(aws_file_secrets({"AWS_SHARED_CREDENTIALS_FILE": path, "AWS_CONFIG_FILE": path}))


def is_read_operation(name: str) -> bool:
    """True for operations that only read (Describe*/List*/Get*/Head*)."""
    return name.startswith(READ_PREFIXES)


class Aws:
    """Clients for one run against one account/region/endpoint."""

    SERVICES = ("sts", "ec2", "elbv2", "route53", "autoscaling", "iam", "s3", "dynamodb",
                "resourcegroupstaggingapi")
    #: a later notebook execution in the same kernel closes this one (lokonb.notebook.session.ENDS_WITH_EXECUTION)
    ends_with_execution = True

    def __init__(self, *, region: str, endpoint: str | None = None, profile: str | None = None,
                 shared_credentials_file: str | None = None, retry_mode: str = "standard", max_attempts: int = 10,
                 max_concurrency: int = 8, connect_timeout: float = 10, read_timeout: float = 60,
                 waiter_scale: float = 1.0) -> None:
        from botocore.config import Config

        # the arguments again, for :meth:`sibling` (an Aws for another region/profile on the same endpoint)
        self._init_kw = {"endpoint": endpoint, "retry_mode": retry_mode, "max_attempts": max_attempts,
                         "max_concurrency": max_concurrency, "connect_timeout": connect_timeout,
                         "read_timeout": read_timeout, "waiter_scale": waiter_scale}
        self.shared_credentials_file = shared_credentials_file
        self._siblings: dict[tuple[str, str | None, str | None], Aws] = {}
        self.region = region
        self.endpoint = endpoint
        self.profile = profile
        self.waiter_scale = waiter_scale
        self.max_concurrency = max_concurrency
        self.embedded = None
        url = None
        session_kw: dict[str, Any] = {"region_name": region}
        if endpoint == "embedded":
            from lokonb.aws import embedded

            self.embedded = embedded.acquire(region)
            url = self.embedded.url
            session_kw.update(embedded.DUMMY_CREDENTIALS)
        elif endpoint:
            url = endpoint
            if profile:
                session_kw["profile_name"] = profile
        elif profile:
            session_kw["profile_name"] = profile
        if shared_credentials_file and not self.embedded:
            session_kw["credentials_file"] = str(shared_credentials_file)
            _register_file_secrets(str(shared_credentials_file))
        self.endpoint_url = url
        #: the profile the credential chain reads (also from $AWS_PROFILE), named in credential errors
        self.chain_profile = None if self.embedded else profile or os.environ.get("AWS_PROFILE") or None
        try:
            self.session = _new_session(**session_kw)
            if url and not self.embedded and _loopback(url) and self.session.get_credentials() is None:
                # a local AWS-compatible server (moto) accepts any keys; with none in the chain, use moto's
                session_kw.update(DUMMY_CREDENTIALS)
                self.session = _new_session(**session_kw)
        except Exception as exc:  # ProfileNotFound
            raise translate(exc, profile=profile, region=region) from None
        self._config = Config(
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout, read_timeout=read_timeout,
            max_pool_connections=max_concurrency + 2,
        )
        self._clients: dict[str, Any] = {}
        self._parent: Aws | None = None
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.read_only = False
        self.cluster = ""
        self.principal = ""
        self.account_id = ""
        self.partition = "aws"
        try:
            for service in self.SERVICES:
                self.client(service)
        except Exception as exc:  # botocore resolves the credential chain here (partial keys, SSO, process)
            from botocore.exceptions import BotoCoreError

            if isinstance(exc, BotoCoreError):
                raise translate(exc, profile=self.chain_profile, region=region) from None
            raise

    # -- clients --------------------------------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """The run's client for ``service`` (created once)."""
        with self._lock:
            if service not in self._clients:
                kw: dict[str, Any] = {"config": self._config}
                if self.endpoint_url:
                    kw["endpoint_url"] = self.endpoint_url
                region = "us-east-1" if service in ("iam", "route53") and not self.endpoint_url else self.region
                cl = self.session.client(service, region_name=region, **kw)
                cl.meta.events.register("before-call", self._count)
                self._clients[service] = cl
            return self._clients[service]

    def _count(self, model: Any = None, **_: Any) -> None:
        name = f"{model.service_model.service_name}:{model.name}"
        read_only = self.read_only or (self._parent is not None and self._parent.read_only)
        if read_only and not is_read_operation(model.name) and model.name not in READ_ONLY_STS:
            raise RuntimeError(f"read-only run attempted a mutating call {name}")
        with self._lock:
            self.calls[name] += 1

    @property
    def mutating_calls(self) -> int:
        """Number of non-read calls made so far."""
        return sum(n for op, n in self.calls.items() if not is_read_operation(op.split(":", 1)[1]))

    def call(self, service: str, operation: str, *, resource: str = "", **params: Any) -> dict:
        """Call ``service.operation(**params)``; failures become translated :class:`AwsError`."""
        cl = self.client(service)
        try:
            return getattr(cl, operation)(**params)
        except Exception as exc:
            from botocore.exceptions import BotoCoreError, ClientError
            from botocore.parsers import ResponseParserError

            if isinstance(exc, (BotoCoreError, ClientError, ResponseParserError)):
                err = self.translate(exc, service, resource, params)
                err.__cause__ = exc
                raise err from exc
            raise

    def translate(self, exc: BaseException, service: str, resource: str = "",
                  params: dict[str, Any] | None = None) -> Any:
        """The run's translation of a failed call (aws.md §10); an access denial that carries EC2's encoded
        authorization message is decoded first (sts:DecodeAuthorizationMessage), so the message names the action
        that was actually denied (often ``iam:PassRole`` for RunInstances), its resource and the principal.
        A denied call made for no resource key (discovery's reads) names what it read, from ``params``."""
        kw: dict[str, Any] = {"service": service, "region": self.region, "profile": self.chain_profile,
                              "resource": resource, "principal": self.principal, "cluster": self.cluster}
        err = translate(exc, **kw)
        if getattr(err, "kind", "") == "denied" and not resource and params is not None:
            # a read without parameters (DescribeTargetGroups of the region) is on every resource: IAM's `*`
            kw["resource"] = f"`{request_target(params) or '*'}`"
            err = translate(exc, **kw)
        blob = encoded_authorization_message(exc)
        if getattr(err, "kind", "") != "denied" or not blob:
            return err
        import json

        try:
            out = self.client("sts").decode_authorization_message(EncodedMessage=blob)
            return translate(exc, decoded=json.loads(out["DecodedMessage"]), **kw)
        except Exception as dexc:  # noqa: BLE001 - denied or unavailable: say so, keep the original error
            code = getattr(dexc, "response", {}).get("Error", {}).get("Code") if hasattr(dexc, "response") else ""
            return translate(exc, decode_failure=f"failed ({code or type(dexc).__name__})", **kw)

    def paginate(self, service: str, operation: str, key: str, **params: Any) -> list:
        """All items under ``key`` of a paginated read."""
        cl = self.client(service)
        out: list = []
        try:
            for page in cl.get_paginator(operation).paginate(**params):
                out.extend(page.get(key, []))
        except Exception as exc:
            from botocore.exceptions import BotoCoreError, ClientError

            if isinstance(exc, (BotoCoreError, ClientError)):
                raise self.translate(exc, service, params=params) from exc
            raise
        return out

    def identify(self) -> dict:
        """P1: the caller's account, partition and principal (sts:GetCallerIdentity)."""
        ident = self.call("sts", "get_caller_identity")
        self.account_id = ident["Account"]
        self.principal = ident["Arn"]
        self.partition = ident["Arn"].split(":")[1] if ident["Arn"].startswith("arn:") else "aws"
        return ident

    def sibling(self, *, region: str | None = None, profile: str | None = None,
                shared_credentials_file: str | None = None) -> Aws:
        """This run's :class:`Aws` for another region, profile or credentials file on the same endpoint (the S3
        state backend's bucket and lock table may live in another region or account than the cluster: lokoctl's
        backend had its own ``region`` and ``aws_creds_path``). Unset arguments are this one's; the same settings
        give ``self``. Siblings are cached, share the read-only flag and are closed with this one."""
        key = (region or self.region, profile or self.profile, shared_credentials_file or self.shared_credentials_file)
        if key == (self.region, self.profile, self.shared_credentials_file):
            return self
        if key not in self._siblings:
            other = Aws(region=key[0], profile=key[1], shared_credentials_file=key[2], **self._init_kw)
            other.cluster, other._parent = self.cluster, self
            self._siblings[key] = other
        return self._siblings[key]

    def close(self) -> None:
        """Release the embedded AWS reference (if any); clients are left to the garbage collector."""
        for other in self._siblings.values():
            other.close()
        self._siblings.clear()
        if self.embedded is not None:
            from lokonb.aws import embedded

            embedded.release(self.embedded)
            self.embedded = None

    def __enter__(self) -> Aws:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def require_model(config: Any, function: str) -> None:
    """The public functions take a loaded model; anything else fails here, not as an AttributeError inside."""
    if not all(hasattr(config, name) for name in ("aws", "state", "cluster_name", "worker_pools")):
        from lokonb.aws.errors import AwsInputError
        from lokonb.config.loaders import not_a_model

        raise AwsInputError(not_a_model(function, config))


def check_arguments(function: str, *, aws: Any = None, state_path: Any = None, node_configs: Any = None) -> None:
    """The ``aws``, ``state_path`` and ``node_configs`` arguments of the public functions, checked before any AWS
    call: a dict ``aws`` failed with "'dict' object has no attribute 'calls'", ``state_path=5`` inside pathlib
    (after a connection was made), a folder was taken as the state file, and ``node_configs=5`` was a plain
    ValueError raised only once the endpoint answered."""
    from lokonb.aws.errors import AwsInputError
    from lokonb.errors import wrong_kind

    if aws is not None and not (hasattr(aws, "call") and hasattr(aws, "calls")):
        raise AwsInputError(wrong_kind(function, "aws", "an Aws from lokonb.aws.open_aws(config), or None", aws))
    if state_path is not None and (not isinstance(state_path, str | os.PathLike) or not str(state_path)
                                   or os.path.isdir(state_path)):
        raise AwsInputError(wrong_kind(function, "state_path", "the path of a state file (str or Path), or None",
                                       state_path) + (" ('')" if state_path == "" else ""))
    allowed = "None, 'render', 'minimal', NodeConfigs or a mapping of role to Ignition config"
    if isinstance(node_configs, str) and node_configs not in ("render", "minimal"):
        raise AwsInputError(f"{function}(): node_configs {node_configs!r:.40} is not one of {allowed}")
    if not (node_configs is None or isinstance(node_configs, str | Mapping) or hasattr(node_configs, "source")):
        raise AwsInputError(wrong_kind(function, "node_configs", allowed, node_configs))


def open_aws(config: Any) -> Aws:
    """An :class:`Aws` for a ``ClusterConfig`` (uses ``config.aws`` settings)."""
    require_model(config, "open_aws")
    a = config.aws
    aws = Aws(region=getattr(a, "region", None) or config.region, endpoint=a.endpoint, profile=a.profile,
               shared_credentials_file=getattr(a, "shared_credentials_file", None),
               retry_mode=a.retry_mode, max_attempts=a.max_attempts, max_concurrency=a.max_concurrency,
               connect_timeout=a.connect_timeout, read_timeout=a.read_timeout, waiter_scale=a.waiter_scale)
    aws.cluster = config.cluster_name
    return aws
