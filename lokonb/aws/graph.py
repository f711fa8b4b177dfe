"""The reconciler's vocabulary: desired and actual resources, references between them, resource types.

A :class:`Desired` resource is what the model asks for (``props`` are normalized, comparable values; a
:class:`Ref` stands for an attribute of another resource, known once that resource exists). An :class:`Actual`
resource is what discovery found in AWS, normalized the same way. A :class:`ResourceType` knows, for one AWS
resource type, which fields are compared (and whether a difference is updated in place, forces a replacement, is
only reported, or is refused) and how to create, update, delete and tag it. Each infrastructure concern
(``network``, ``security``, ``loadbalancer``, ``dns``, ``iam``, ``bucket``, ``controllers``, ``workers``) defines
its types, the desired resources and their discovery, like Typhoon's per-concern Terraform files.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

#: Placeholder for a value only known after apply (a dependency is created or changes first).
KNOWN_AFTER = "(known after apply)"


@dataclass(frozen=True)
class Ref:
    """Attribute ``attr`` of the resource ``key`` (optionally transformed), resolved at plan/apply time."""

    key: str
    attr: str = "id"
    transform: Callable[[Any], Any] | None = field(default=None, compare=False)


@dataclass
class Desired:
    """One resource the configuration asks for."""

    key: str
    type: str
    name: str
    props: dict[str, Any]
    tags: dict[str, str] | None = None
    deps: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # create-time inputs not compared (e.g. object bodies)

    def all_deps(self) -> tuple[str, ...]:
        found = list(self.deps)
        for value in self.props.values():
            for ref in iter_refs(value):
                found.append(ref.key)
        return tuple(dict.fromkeys(found))


@dataclass
class Actual:
    """One resource found in AWS (owned by the cluster)."""

    key: str
    type: str
    id: str
    props: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    created: str = ""
    name: str = ""


def iter_refs(value: Any):
    """Every :class:`Ref` inside a value (lists, tuples, dicts)."""
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from iter_refs(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from iter_refs(v)


def resolve(value: Any, lookup: Callable[[Ref], Any]) -> Any:
    """``value`` with every :class:`Ref` replaced by ``lookup(ref)`` (then transformed)."""
    if isinstance(value, Ref):
        got = lookup(value)
        if got is KNOWN_AFTER or got is None:
            return KNOWN_AFTER if got is KNOWN_AFTER else None
        return value.transform(got) if value.transform else got
    if isinstance(value, list):
        return [resolve(v, lookup) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve(v, lookup) for v in value)
    if isinstance(value, dict):
        return {k: resolve(v, lookup) for k, v in value.items()}
    return value


def contains_unknown(value: Any) -> bool:
    if value is KNOWN_AFTER:
        return True
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    return False


class StopRequested(Exception):
    """Raised inside waits when apply/destroy was told to stop (another action failed, or interrupted)."""


def _wait_target(params: dict[str, Any]) -> str:
    """The resource a waiter polls, for its bar: the first id list or name in the call's parameters."""
    for value in params.values():
        if isinstance(value, list | tuple) and value and isinstance(value[0], str):
            return ",".join(value)[:40]
        if isinstance(value, str):
            return value.rsplit("/", 1)[-1][:40]
    return ""


@dataclass
class ExecCtx:
    """What resource-type handlers get while applying: clients, the model, shared results, the stop flag."""

    aws: Any
    config: Any
    build: Any
    run_id: str
    stop: threading.Event = field(default_factory=threading.Event)
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    progress: Any = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def scale(self) -> float:
        return float(self.aws.waiter_scale)

    def attr(self, key: str, attr: str = "id") -> Any:
        with self.lock:
            return self.results.get(key, {}).get(attr)

    def resolve(self, value: Any) -> Any:
        return resolve(value, lambda r: self.attr(r.key, r.attr))

    def sleep(self, seconds: float) -> None:
        if self.stop.wait(max(0.0, seconds)):
            raise StopRequested()

    def wait(self, service: str, waiter: str, delay: float, attempts: int, **params: Any) -> None:
        """A botocore waiter polled one attempt at a time, checking the stop flag between polls."""
        from botocore.exceptions import WaiterError

        w = self.aws.client(service).get_waiter(waiter)
        bar = None
        try:
            for i in range(attempts):
                try:
                    w.wait(WaiterConfig={"Delay": 0, "MaxAttempts": 1}, **params)
                    return
                except WaiterError as exc:
                    if (exc.last_response or {}).get("Error") and "Max attempts exceeded" not in str(exc):
                        raise self._waiter_error(service, w, exc) from exc
                    if "terminal failure state" in str(exc):  # e.g. terminated while waiting for running: say why
                        from lokonb.aws.errors import waiter_failure

                        raise waiter_failure(w.name, exc.last_response) from exc
                    if "Max attempts exceeded" not in str(exc) or i == attempts - 1:
                        raise
                if bar is None:  # a wait that really waits gets its own transient bar (aws.md §8.5)
                    bar = self._wait_bar(attempts, f"wait {waiter} {_wait_target(params)}".strip())
                if bar is not None:
                    bar.update(1)
                self.sleep(delay * self.scale)
        finally:
            if bar is not None:
                bar.close()

    def _wait_bar(self, total: int, desc: str) -> Any:
        """A nested ``leave=False`` bar in the run's progress mode (a factory from the notebook layer, or
        ``tqdm.auto``), or None with progress off."""
        if not self.progress:
            return None
        if callable(self.progress):
            return self.progress(total=total, desc=desc, unit="poll", leave=False)
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit="poll", leave=False)

    def _waiter_error(self, service: str, waiter: Any, exc: Any) -> BaseException:
        """An AWS error the waiter has no acceptor for (``InvalidVpcID.NotFound`` right after CreateVpc on real
        AWS) as the :class:`AwsError` a direct call would raise: the caller's retry table (aws.md §8.4) sees its
        code, and the message is translated (§10)."""
        from botocore.exceptions import ClientError

        from lokonb.aws.errors import translate

        a = self.aws
        return translate(ClientError(exc.last_response, waiter.config.operation), service=service,
                         region=getattr(a, "region", ""), profile=getattr(a, "profile", None),
                         principal=getattr(a, "principal", ""), cluster=getattr(a, "cluster", ""))

    def retrying(self, fn: Callable[[], Any], codes: Mapping[str, float], *, what: str = "") -> Any:
        """Run ``fn`` retrying AWS error codes of the eventual-consistency table (aws.md §8.4).

        ``codes`` maps an error code (or ``code:substring``) to the total seconds allowed (before waiter scaling);
        backoff starts at 1 s and doubles up to 30 s.
        """
        from lokonb.aws.errors import AwsError

        deadline: float | None = None
        delay = 1.0
        while True:
            try:
                return fn()
            except AwsError as exc:
                budget = None
                for code, seconds in codes.items():
                    c, _, sub = code.partition(":")
                    if exc.code == c and (not sub or sub.lower() in str(exc).lower()):
                        budget = seconds
                        break
                if budget is None:
                    raise
                now = time.monotonic()
                if deadline is None:
                    deadline = now + budget * max(self.scale, 0.001)
                if now >= deadline:
                    raise
                self.sleep(min(delay, 30.0) * self.scale)
                delay *= 2


class ResourceType:
    """One AWS resource type in the reconciler (subclass per type; see module doc)."""

    type: ClassVar[str] = ""
    #: fields updated in place by :meth:`update`
    update_fields: ClassVar[tuple[str, ...]] = ()
    #: fields whose change deletes and re-creates the resource
    replace_fields: ClassVar[tuple[str, ...]] = ()
    #: fields whose change is only reported (``skip`` rows)
    skip_fields: ClassVar[tuple[str, ...]] = ()
    #: fields that cannot change at all (PlanError) -> the config attribute named in the message
    refuse_fields: ClassVar[dict[str, str]] = {}
    #: fields whose in-place update is disruptive (needs allow_replace)
    disruptive_fields: ClassVar[tuple[str, ...]] = ()
    #: fields where a desired 0/None means "AWS picks the value" (e.g. gp3's baseline IOPS): not compared then,
    #: as Terraform's optional+computed attributes (Lokomotive's ``iops = var.disk_iops`` with the default 0)
    aws_default_fields: ClassVar[tuple[str, ...]] = ()
    #: attributes that change when the resource is updated (dependents see KNOWN_AFTER)
    update_attrs: ClassVar[tuple[str, ...]] = ()
    #: whether tags are compared and updated
    taggable: ClassVar[bool] = True
    #: rank in destroy order (lower is deleted first)
    destroy_rank: ClassVar[int] = 50

    def create(self, ctx: ExecCtx, d: Desired, props: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def update(self, ctx: ExecCtx, d: Desired, a: Actual, props: dict[str, Any],
               changed: list[str]) -> dict[str, Any]:
        raise NotImplementedError(f"{self.type} cannot be updated in place ({changed})")

    def update_tags(self, ctx: ExecCtx, a: Actual, tags: dict[str, str], old: dict[str, str]) -> None:
        raise NotImplementedError

    def delete(self, ctx: ExecCtx, a: Actual) -> None:
        raise NotImplementedError

    def delete_reason(self, a: Actual, config: Any) -> str:
        """Why the plan deletes an owned resource the configuration no longer asks for."""
        return "not in configuration"

    def arrange(self, updates: list[Any]) -> list[str]:
        """Order this type's planned updates among themselves (by adding to ``action.desired.deps``); returns the
        changes that cannot be made in one apply (each a PlanError line)."""
        return []

    def refusals(self, d: Desired, a: Actual, props: dict[str, Any]) -> list[str]:
        """Changes this type cannot make in place beyond :attr:`refuse_fields` (each a PlanError line)."""
        return []

    def compared(self, field: str, desired: Any) -> bool:
        """Whether ``field`` with the desired value ``desired`` is compared with what AWS reports."""
        return not (field in self.aws_default_fields and not desired)

    def describe(self, a: Actual) -> dict[str, Any]:
        """Attributes dependents may reference, from an actual resource."""
        return {"id": a.id, **a.attrs}


#: type name -> handler instance (filled by the concern modules)
REGISTRY: dict[str, ResourceType] = {}


def register(cls: type[ResourceType]) -> type[ResourceType]:
    REGISTRY[cls.type] = cls()
    return cls


def ec2_tag_spec(resource_type: str, tags: Mapping[str, str] | None) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": tag_list(tags or {})}]


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def tag_dict(tags: Any) -> dict[str, str]:
    """AWS tag list -> dict, without ``aws:*`` keys."""
    return {t["Key"]: t.get("Value", "") for t in (tags or []) if not t["Key"].lower().startswith("aws:")}
