"""One document of any kind (CLC, Butane, Ignition JSON) → Ignition of a chosen spec (flatcar.md §6.1–6.2)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import yaml

from lokonb.flatcar.butane import translate_butane
from lokonb.flatcar.clc import _translate_clc, boot_conversion_warnings, clc_positions, require_platform
from lokonb.flatcar.clc_sections import parse_semver
from lokonb.flatcar.convert import ConversionError, convert_2x_to_3x
from lokonb.flatcar.errors import (
    InputValueError,
    UnsupportedSpec,
    require_files_dir,
    require_flag,
    require_kind,
    require_text,
)
from lokonb.flatcar.gojson import loads as go_loads
from lokonb.flatcar.report import ReportEntry, Translation
from lokonb.flatcar.yamlpos import YamlSyntaxError, compose

TARGETS = ("2.3.0", "3.3.0", "3.4.0")
FORMATS = ("clc", "butane", "ignition")
_V3_INPUT = ("3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0")


class FormatError(ValueError):
    """The document's format cannot be used (``entry`` says why and where)."""

    def __init__(self, entry: ReportEntry) -> None:
        self.entry = entry
        super().__init__(entry.message)


def detect_format(text: str) -> str:
    """``clc``, ``butane`` or ``ignition`` (§6.1); raise :class:`FormatError` for unusable documents."""
    text = require_text(text, "detect_format()")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            doc = go_loads(text)
        except ValueError:
            doc = None
        if isinstance(doc, dict) and isinstance(doc.get("ignition"), dict) and "version" in doc["ignition"]:
            return "ignition"
    try:
        root = compose(text)
    except YamlSyntaxError as exc:
        raise FormatError(
            ReportEntry(
                "error",
                f"yaml: line {exc.line}: {exc.problem}" if exc.line else f"yaml: {exc.problem}",
                exc.line,
                exc.column,
            )
        ) from None
    if isinstance(root, yaml.MappingNode):
        head = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
        variant = head.get("variant")
        if variant is not None:
            value = getattr(variant, "value", None)
            if value != "flatcar":
                raise FormatError(
                    ReportEntry(
                        "error",
                        f"unsupported Butane variant {value!r}: lokonb accepts only 'variant: flatcar'",
                        variant.start_mark.line + 1,
                        variant.start_mark.column + 1,
                    )
                )
            return "butane"
        version = head.get("version")
        if isinstance(version, yaml.ScalarNode) and parse_semver(version.value) is not None:
            raise FormatError(
                ReportEntry(
                    "error",
                    "error parsing variant; must be specified",
                    version.start_mark.line + 1,
                    version.start_mark.column + 1,
                )
            )
    return "clc"


#: Fields of final 3.4.0 that a 3.3.0 config cannot carry.
_ONLY_340 = {
    "discard": "storage.luks[].discard",
    "openOptions": "storage.luks[].open_options",
    "advertisement": "storage.luks[].clevis.tang[].advertisement",
}


def _uses_340(cfg: Any, path: str = "$") -> str | None:
    if isinstance(cfg, dict):
        for k, v in cfg.items():
            if k in _ONLY_340 and path.startswith("$.storage.luks"):
                return f"{path}.{k}"
            if k == "source" and isinstance(v, str) and v.startswith("arn:"):
                return f"{path}.source"
            found = _uses_340(v, f"{path}.{k}")
            if found:
                return found
    elif isinstance(cfg, list):
        for i, v in enumerate(cfg):
            found = _uses_340(v, f"{path}.{i}")
            if found:
                return found
    return None


def to_target(
    cfg: dict[str, Any], spec: str, target: str, *, filesystem_paths: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Convert a config of ``spec`` to ``target`` (raises :class:`ConversionError`)."""
    if spec == target:
        return cfg
    if target == "2.3.0":
        raise ConversionError(
            f"a spec {spec} config cannot be turned into 2.3.0",
            [ReportEntry("error", f"spec {spec} configs need a 3.x target")],
        )
    if spec.startswith("2."):
        return convert_2x_to_3x(cfg, target=target, filesystem_paths=filesystem_paths)
    if target == "3.3.0" and spec == "3.4.0":
        field = _uses_340(cfg)
        if field:
            msg = (
                f'{field} needs Ignition spec 3.4.0; set ignition_spec: "3.4.0" (Flatcar with Ignition >= '
                "v2.15) or remove the field"
            )
            raise ConversionError(msg, [ReportEntry("error", msg, path=field)])
    out = dict(cfg)
    out["ignition"] = dict(cfg.get("ignition") or {}, version=target)
    from lokonb.flatcar.butane import order3

    return order3(out)


def translate(
    text: str | bytes,
    *,
    source: str | None = None,
    target: str = "3.3.0",
    platform: str | None = None,
    files_dir: str | os.PathLike[str] | None = None,
    strict: bool = False,
    auto_compress: bool = True,
    filesystem_paths: Mapping[str, str] | None = None,
) -> Translation:
    """Detect the format (unless ``source`` says it) and produce Ignition of spec ``target``."""
    text = require_text(text, "translate()")
    require_flag(strict, "translate", "strict")
    require_flag(auto_compress, "translate", "auto_compress")
    require_files_dir(files_dir, "translate")
    require_kind(source, str, "translate", "source", f"one of {', '.join(FORMATS)}, auto or None", optional=True)
    require_platform(platform, "translate")
    require_kind(filesystem_paths, Mapping, "translate", "filesystem_paths",
                 "a mapping of filesystem name to mount path, or None", optional=True)
    if target not in TARGETS:
        raise UnsupportedSpec(f"unsupported Ignition target {target!r}; choose one of {', '.join(TARGETS)}")
    if source is None or source == "auto":
        try:
            source = detect_format(text)
        except FormatError as exc:
            return Translation(None, [exc.entry], target, "unknown")
    if source not in FORMATS:
        raise InputValueError(f"translate(): unknown source format {source!r}; choose one of clc, butane, "
                              "ignition, auto")
    if source == "clc":
        # the 2.3.0 boot check below uses filesystem_paths; 3.x targets report conversion failures as errors
        t = _translate_clc(text, platform, files_dir, strict, boot_check=False)
    elif source == "butane":
        if target == "2.3.0":
            return Translation(
                None, [ReportEntry("error", "Butane snippets need a 3.x target")], target, "butane"
            )
        t = translate_butane(text, files_dir=files_dir, strict=strict, auto_compress=auto_compress)
    else:
        try:
            cfg = go_loads(text)
        except ValueError as exc:
            return Translation(None, [ReportEntry("error", f"invalid JSON: {exc}")], target, "ignition")
        version = str((cfg.get("ignition") or {}).get("version", ""))
        if not (version.startswith("2.") or version in _V3_INPUT):
            return Translation(
                None,
                [ReportEntry("error", f"unsupported Ignition config version {version!r}")],
                target,
                "ignition",
            )
        t = Translation(cfg, [], version, "ignition")
    if t.config is None:
        return t
    if target == "2.3.0" and t.spec.startswith("2."):
        # Flatcar >= 3185 converts 2.x at boot; say so when that conversion would fail
        warn = boot_conversion_warnings(
            t.config, text if source == "clc" else None, filesystem_paths=filesystem_paths
        )
        if warn:
            return Translation(t.config, list(t.report) + warn, t.spec, t.source_kind)
    try:
        cfg = to_target(t.config, t.spec, target, filesystem_paths=filesystem_paths)
    except ConversionError as exc:
        entries = clc_positions(text, t.config, exc.entries) if source == "clc" else exc.entries
        return Translation(None, list(t.report) + entries, target, t.source_kind)
    return Translation(cfg, t.report, target, t.source_kind)
