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
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lokonb.config.errors import ConfigValidationError, Issue
from lokonb.config.loaders import Loaded, _extra_keys, load_yaml, read_yaml
from lokonb.config.lokocfg import load_lokocfg, parse_var_override, read_lokocfg
from lokonb.config.model import AwsSettings, ClusterConfig, FrozenMap, OidcConfig, StateSettings, WorkerPool
from lokonb.errors import ConfigError

__all__ = [
    "AwsSettings", "ClusterConfig", "ConfigError", "ConfigValidationError", "FrozenMap", "Issue", "Loaded",
    "OidcConfig", "StateSettings", "WorkerPool", "is_lokocfg", "load", "load_lokocfg", "load_yaml",
    "parse_var_override", "read_lokocfg", "read_yaml",
]


#: A Lokomotive root block at the start of a line: how an HCL file that lacks the .lokocfg suffix is recognised.
_HCL_BLOCK = re.compile(r'^\s*(cluster|variable|backend|component)\s+"[^"\n]*"\s*\{', re.MULTILINE)


def is_lokocfg(path: str | Path) -> bool:
    """True for a ``.lokocfg`` file or a directory (lokoctl reads a directory of ``*.lokocfg`` files).

    Also for a template such as Lokomotive's CI ``aws-cluster.lokocfg.envsubst`` and for any other file that is
    not named ``.yaml``/``.yml``/``.json`` and opens a ``cluster "..." {`` (or variable/backend/component)
    block: read as YAML, such a file only gave a puzzling YAML syntax error.
    """
    if not isinstance(path, str | os.PathLike):
        raise ConfigError(f"is_lokocfg(): path must be a file or directory path (str or Path), got "
                          f"{type(path).__name__}")
    p = Path(path)
    if p.is_dir() or p.suffix == ".lokocfg" or ".lokocfg" in p.suffixes:
        return True
    if p.suffix.lower() in (".yaml", ".yml", ".json") or not p.is_file():
        return False
    try:
        with p.open("rb") as f:
            head = f.read(1 << 16).decode("utf-8", "replace")
    except OSError:
        return False
    return _HCL_BLOCK.search(head) is not None


def load(path: str | Path, vars_path: str | Path | None = None,
         overrides: Mapping[str, Any] | None = None, *, extra_keys: tuple[str, ...] = ()) -> Loaded:
    """Load a cluster definition of either kind (``.lokocfg`` file/dir, or YAML) with its warnings.

    ``vars_path``/``overrides`` apply to lokocfg input only; for YAML they are an error, so a user never
    believes a variable took effect when it did not.
    """
    if not isinstance(path, str | os.PathLike):  # a dict goes to read_yaml/load_yaml, not here
        raise ConfigError(f"load(): path must be a file or directory path (str or Path), got {type(path).__name__}"
                          " (for a dict use lokonb.config.read_yaml)")
    _extra_keys(extra_keys)  # checked for lokocfg input too: extra_keys=5 was ignored there without a word
    if is_lokocfg(path):
        return read_lokocfg(path, vars_path, overrides)
    if vars_path is not None or overrides:
        raise ConfigError("--vars/--var apply to .lokocfg files only; a YAML definition has no variables",
                          file=str(path))
    return read_yaml(path, extra_keys=extra_keys)
