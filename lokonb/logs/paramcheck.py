"""The apiserver_logs parameters that need more than a type, checked before a kernel starts (notebooks.md R3.6).

``analyze`` raises on the first of these in the notebook's analysis cell (exit 1, one problem at a time); this
table runs the same checks on every field at once, so ``lokonb run``, ``params --check`` and the form report them
all, exit 2. Whether a path exists is left to the run (a set may be checked for another machine).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from lokonb.logs.errors import LogParameterError
from lokonb.logs.options import _bucket_ns, _zone, check_window, parse_time
from lokonb.logs.probe import parse_networks


def _vpc_cidrs(value: Any) -> None:
    if value is None or value == "auto":
        return
    if isinstance(value, str):  # one CIDR, as analyze() takes it
        value = [value]
    if not isinstance(value, list | tuple):
        raise LogParameterError(f"vpc_cidrs: expected auto, null or a list of CIDRs, got {value!r}")
    parse_networks(value, "vpc_cidrs")


#: (parameter, check raising LogParameterError); each check sees that parameter's value only
CHECKS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("klog_tz", lambda v: _zone("UTC" if v is None else v, "klog_tz")),
    ("vpc_cidrs", _vpc_cidrs),
    ("extra_probe_networks", lambda v: parse_networks(list(v or ()), "extra_probe_networks")),
    ("since", lambda v: parse_time(v, "since")),
    ("until", lambda v: parse_time(v, "until")),
    ("bucket", lambda v: _bucket_ns(str(v))),
)

_FIELD = re.compile(r"(?P<field>[\w.]+(?:\[\d+\])?): (?P<message>.*)\Z", re.S)


def parameter_issues(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every ``(field, message)`` problem of the notebook's parameters that ``analyze`` would raise one at a time."""
    problems = []
    for name, check in CHECKS:
        try:
            check(values.get(name))
        except LogParameterError as exc:
            m = _FIELD.match(str(exc))
            problems.append((m["field"], m["message"]) if m else (name, str(exc)))
    try:  # both parse (else reported above): the window they make must not be empty
        now = time.time_ns()  # one clock for both, so since=6h until=6h compares equal
        check_window(parse_time(values.get("since"), "since", now), parse_time(values.get("until"), "until", now))
    except LogParameterError as exc:
        if not any(field in ("since", "until") for field, _ in problems):
            m = _FIELD.match(str(exc))
            problems.append((m["field"], m["message"]) if m else ("until", str(exc)))
    for i, item in enumerate(values.get("sources") or ()):
        if str(item).strip() == "-":  # a kernel's stdin is empty: the run "succeeded" with 0 records
            problems.append((f"sources[{i}]", "'-' (standard input) reads nothing in a notebook, whose kernel has no "
                             "input; give a file path, or pipe into `lokonb logs analyze -`"))
    pods = values.get("pods")
    if isinstance(pods, Mapping):  # the pod query's own checks (namespace), before a kernel starts
        from lokonb.errors import ConfigError
        from lokonb.kube.podlogs import PodQuery

        try:
            PodQuery.from_mapping(pods)
        except (ConfigError, TypeError) as exc:
            m = _FIELD.match(str(exc))
            problems.append((m["field"], m["message"]) if m else ("pods", str(exc)))
    if not values.get("sources") and values.get("pods") is None:
        problems.append(("sources", "no sources given: list paths, globs, directories or sample, or set pods"))
    return problems
