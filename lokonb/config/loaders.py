"""Loading cluster definitions from YAML parameters (a file or a dict) into the validated model."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lokonb.config.build import RawDefinition, RawPath, validate_raw
from lokonb.config.errors import Issue
from lokonb.config.fields import CLUSTER_FIELDS
from lokonb.config.model import ClusterConfig
from lokonb.config.yamlsrc import parse_yaml, read_text
from lokonb.errors import ConfigError, kind_name, wrong_kind

log = logging.getLogger("lokonb.config")

#: Top-level keys of the parameters form that belong to the cluster definition.
PARAMETER_BLOCKS = ("cluster", "aws", "state")
#: Attributes of the cluster: block, which a parameters-form file may hold at its top level only by mistake.
CLUSTER_KEYS = frozenset([f.name for f in CLUSTER_FIELDS] + ["worker_pools", "oidc"])


@dataclass(frozen=True)
class Loaded:
    """A validated model and the warnings found while loading it."""

    config: ClusterConfig
    warnings: tuple[Issue, ...]


def not_a_model(function: str, value: object) -> str:
    """The message of a public function given something other than a ``ClusterConfig``: a ``Loaded`` (what
    ``load()``/``read_yaml()``/``read_lokocfg()`` return) names the ``.config`` that holds the model."""
    hint = ("; this is the Loaded result of load()/read_yaml()/read_lokocfg(): pass its .config"
            if isinstance(value, Loaded) else "")
    return (f"{function}(): expected a cluster model (lokonb.config.load_yaml(PATH or DICT), load_lokocfg(PATH) or "
            f"load(PATH).config), got {kind_name(value)}{hint}")


def _locator(file: str | None, lines: Mapping[RawPath, int], flat: bool):  # type: ignore[no-untyped-def]
    def locate(path: RawPath) -> str | None:
        if flat and path and path[0] == "cluster":
            path = path[1:]
        # fall back to the nearest enclosing value that has a line (e.g. a missing attribute's block)
        while path not in lines and path:
            path = path[:-1]
        line = lines.get(path)
        if line is None:
            return None
        return f"{file}:{line}" if file else f"line {line}"
    return locate


def _extra_keys(value: Any) -> set[str]:
    """``extra_keys``: key names; one string is one name (as letters, "states" was not one of them)."""
    if isinstance(value, str):
        return {value}
    names = list(value) if isinstance(value, Iterable) and not isinstance(value, Mapping | bytes) else None
    if names is not None and all(isinstance(k, str) for k in names):
        return set(names)
    raise ConfigError(f"extra_keys must be a list of top-level key names (such as ['action', 'confirm']), got "
                      f"{value!r:.60}")


def raw_from_data(data: Any, *, file: str | None = None, lines: Mapping[RawPath, int] | None = None,
                  extra_keys: Iterable[str] = ()) -> RawDefinition:
    """Turn YAML/dict data in either accepted form into a :class:`RawDefinition`.

    Forms: the parameters form (``cluster:``, ``aws:``, ``state:`` blocks) and the flat form printed by
    ``lokonb config show`` (cluster attributes at the top level with ``aws``/``state`` blocks). In the
    parameters form, other top-level keys belong to the notebook and are left alone, except one that looks like
    a misspelt ``cluster``/``aws``/``state`` (an error with a suggestion) and is not in ``extra_keys`` (keys
    the caller knows to be its own).
    """
    if data is None:
        raise ConfigError("the cluster definition is empty (expected cluster: with cluster_name, dns_zone, "
                          "ssh_pubkeys and worker_pools)", file=file)
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping at the top level, got {kind_name(data, document=True)}", file=file,
                          line=1 if file else None)
    lines = lines or {}
    extras = _extra_keys(extra_keys)
    if "cluster" in data and not isinstance(data["cluster"], Mapping):
        # not the flat form (that has no `cluster` key): reading it as one gave "cluster: unknown attribute"
        got = data["cluster"]
        kind = ("null (an empty block: are all its lines commented out?)" if got is None
                else kind_name(got, document=True))
        raise ConfigError(f"cluster: expected a mapping of the cluster's attributes (cluster_name, dns_zone, "
                          f"ssh_pubkeys, worker_pools, ...), got {kind}", file=file, line=lines.get(("cluster",)))
    flat = "cluster" not in data
    issues: list[Issue] = []
    if flat:
        cluster = {k: v for k, v in data.items() if k not in ("aws", "state")}
    else:
        cluster = data["cluster"]
        # Other top-level keys are the notebook's parameters (action, confirm, ...), not the cluster's. A key
        # that looks like a misspelt block would silently lose settings, so that one is an error.
        for key in data:
            if key in PARAMETER_BLOCKS or key in extras:
                continue
            line = lines.get((key,))
            if key in CLUSTER_KEYS and data[key] is not None:
                # a line indented one level too little (controller_count: 3 beside cluster:) left the default in place
                issues.append(Issue(path=str(key), rule="misplaced", severity="warning",
                                    message="a cluster attribute at the top level is ignored (top-level keys are the "
                                            "notebook's parameters): indent it under cluster:",
                                    source=(f"{file}:{line}" if file else f"line {line}") if line else None))
                continue
            close = difflib.get_close_matches(str(key), PARAMETER_BLOCKS, n=1, cutoff=0.6)
            if close:
                issues.append(Issue(path=str(key), rule="unknown",
                                    message=f'unknown block; did you mean "{close[0]}"?',
                                    source=(f"{file}:{line}" if file else f"line {line}") if line else None))
    return RawDefinition(cluster=cluster, aws=data.get("aws") or {}, state=data.get("state") or {},
                         file=file, locate=_locator(file, lines, flat), issues=issues)


def read_yaml(source: str | Path | Mapping[str, Any], *, extra_keys: Iterable[str] = (),
              text: str | None = None) -> Loaded:
    """Load and validate a YAML file or dict; returns the model with its warnings (errors raise). ``text`` is the
    file's content when the caller already read it (a pipe such as ``/dev/fd/63`` can be read only once)."""
    if not isinstance(source, str | Path):  # in-memory data (a dict, or something that is not one)
        raw = raw_from_data(source, extra_keys=extra_keys)
    else:
        if text is not None and not isinstance(text, str):
            raise ConfigError(wrong_kind("read_yaml", "text", "a str (the file's content) or None", text))
        path = Path(source)
        text = read_text(path) if text is None else text
        if not text.strip():
            raise ConfigError("the file is empty (expected a cluster definition)", file=str(path))
        data, lines = parse_yaml(text, str(path))
        raw = raw_from_data(data, file=str(path), lines=lines, extra_keys=extra_keys)
    config, issues = validate_raw(raw)
    return Loaded(config, tuple(i for i in issues if i.severity != "error"))


def load_yaml(source: str | Path | Mapping[str, Any], *, extra_keys: Iterable[str] = ()) -> ClusterConfig:
    """Load a cluster definition from a YAML file or a dict (the ``parameters/`` form) and validate it.

    Warnings are logged on the ``lokonb.config`` logger; errors raise
    :class:`~lokonb.config.ConfigValidationError` (every issue at once) or :class:`~lokonb.errors.ConfigError`.
    """
    loaded = read_yaml(source, extra_keys=extra_keys)
    for issue in loaded.warnings:
        log.warning("%s", issue)
    return loaded.config
