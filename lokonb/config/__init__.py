"""The cluster model: typed, immutable, validated; loaded from YAML parameters or Lokomotive ``.lokocfg`` files.

Public API::

    load_yaml(path_or_dict) -> ClusterConfig          # parameters/ form or `lokonb config show --json` form
    load_lokocfg(path, vars_path=None, overrides=None) -> ClusterConfig
    load(path, vars_path=None, overrides=None) -> Loaded   # either, by file type; with warnings
    ClusterConfig, WorkerPool, OidcConfig, AwsSettings, StateSettings
    ConfigError, ConfigValidationError (``.issues``: every :class:`Issue`)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lokonb.config.errors import ConfigValidationError, Issue
from lokonb.config.loaders import Loaded, _extra_keys, load_yaml, read_yaml
from lokonb.config.lokocfg import load_lokocfg, parse_var_override, read_lokocfg
from lokonb.config.model import AwsSettings, ClusterConfig, FrozenMap, OidcConfig, StateSettings, WorkerPool
from lokonb.config.sniff import HCL_BLOCK, format_by_content, format_by_name
from lokonb.config.yamlsrc import read_text
from lokonb.errors import ConfigError, wrong_kind

__all__ = [
    "AwsSettings", "ClusterConfig", "ConfigError", "ConfigValidationError", "FrozenMap", "Issue", "Loaded",
    "OidcConfig", "StateSettings", "WorkerPool", "is_lokocfg", "load", "load_lokocfg", "load_yaml",
    "parse_var_override", "read_lokocfg", "read_yaml",
]


def is_lokocfg(path: str | Path) -> bool:
    """True for a ``.lokocfg`` file or a directory (lokoctl reads a directory of ``*.lokocfg`` files).

    Also for a template such as Lokomotive's CI ``aws-cluster.lokocfg.envsubst`` and for any other regular file
    that is not named ``.yaml``/``.yml``/``.json`` and opens a ``cluster "..." {`` (or variable/backend/component)
    block: read as YAML, such a file only gave a puzzling YAML syntax error. A pipe is not read here (it can be
    read only once): :func:`load` decides its format from the text it parses.
    """
    if not isinstance(path, str | os.PathLike):
        raise ConfigError(wrong_kind("is_lokocfg", "path", "a file or directory path (str or Path)", path))
    p = Path(path)
    if p.is_dir():
        return True
    by_name = format_by_name(p)
    if by_name is not None or not p.is_file():
        return by_name == "lokocfg"
    try:
        with p.open("rb") as f:
            head = f.read(1 << 16).decode("utf-8", "replace")
    except OSError:
        return False
    return HCL_BLOCK.search(head) is not None


def _format_and_text(path: str | os.PathLike[str]) -> tuple[str, str | None]:
    """The reader ``path`` needs, and its text when deciding that meant reading it (a name with no known suffix:
    a pipe such as ``/dev/fd/63`` from ``<(cat x.lokocfg)``, or a file named ``cluster``)."""
    p = Path(path)
    by_name = "lokocfg" if p.is_dir() else format_by_name(p)
    if by_name is not None or not p.exists():
        return by_name or "yaml", None  # a missing file: the YAML reader says "file not found"
    text = read_text(p)
    return format_by_content(text, str(path)), text


def load(path: str | Path, vars_path: str | Path | None = None,
         overrides: Mapping[str, Any] | None = None, *, extra_keys: tuple[str, ...] = ()) -> Loaded:
    """Load a cluster definition of either kind (``.lokocfg`` file/dir, or YAML) with its warnings.

    ``vars_path``/``overrides`` apply to lokocfg input only; for YAML they are an error, so a user never
    believes a variable took effect when it did not.
    """
    if not isinstance(path, str | os.PathLike):  # a dict goes to read_yaml/load_yaml, not here
        raise ConfigError(wrong_kind("load", "path", "a file or directory path (str or Path)", path)
                          + " (for a dict use lokonb.config.read_yaml)")
    _extra_keys(extra_keys)  # checked for lokocfg input too: extra_keys=5 was ignored there without a word
    kind, text = _format_and_text(path)
    if kind == "lokocfg":
        return read_lokocfg(path, vars_path, overrides, text=text)
    if vars_path is not None or overrides:
        raise ConfigError("--vars/--var apply to .lokocfg files only; a YAML definition has no variables",
                          file=str(path))
    return read_yaml(path, extra_keys=extra_keys, text=text)
