"""Loading Lokomotive ``.lokocfg`` files (HCL2) into the cluster model, with lokoctl's variable semantics.

Input is a file or a directory whose ``*.lokocfg`` files are merged (sorted, not recursive). Variables come from
``--var NAME=VALUE`` overrides, then the vars file (``lokocfg.vars`` in the working directory as lokoctl reads it,
else beside the config), then the ``variable`` block's ``default``. ``cluster "aws"`` maps one-to-one to the
model; ``backend`` blocks map to the state backend (``*.lokonb.json`` keys so a Terraform state is never touched);
``component`` blocks are reported as not handled by lokonb.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.config.build import RawDefinition, RawPath, validate_raw
from lokonb.config.errors import Issue
from lokonb.config.hclexpr import Context, ExprError, evaluate, unquote_key
from lokonb.config.loaders import Loaded, log
from lokonb.config.model import ClusterConfig
from lokonb.config.yamlsrc import read_text
from lokonb.errors import ConfigError

ROOT_BLOCKS = ("cluster", "backend", "variable", "component")
BACKEND_ATTRS = {"local": ("path",), "s3": ("bucket", "key", "region", "aws_creds_path", "dynamodb_table")}
VARS_FILE = "lokocfg.vars"


@dataclass
class _Source:
    """One parsed HCL file with its text (for line lookups)."""

    path: Path
    text: str
    data: dict[str, Any]

    def find_line(self, pattern: str, start: int = 0) -> int | None:
        regex = re.compile(pattern)
        for number, line in enumerate(self.text.split("\n")[start:], start=start + 1):
            if regex.search(line):
                return number
        return None


def _parse(path: Path) -> _Source:
    import hcl2
    from hcl2.utils import SerializationOptions

    text = read_text(path)
    try:
        data = hcl2.loads(text + "\n", serialization_options=SerializationOptions(
            with_comments=False, preserve_heredocs=True))
    except Exception as exc:  # noqa: BLE001 - lark raises many types; all become a located ConfigError
        line, column = getattr(exc, "line", None), getattr(exc, "column", None)
        detail = str(exc).strip().split("\n")[0]
        raise ConfigError(f"HCL syntax error: {detail}", file=str(path),
                          line=line if isinstance(line, int) and line > 0 else None,
                          column=column if isinstance(column, int) and column > 0 else None) from None
    return _Source(path, text, data)


def _config_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.glob("*.lokocfg") if p.is_file())
        if not files:
            raise ConfigError(f"no *.lokocfg files in directory {path}")
        return files
    if not path.exists():
        raise ConfigError(f"file not found: {path}")
    return [path]


def _blocks(source: _Source, kind: str) -> list[tuple[str, dict[str, Any]]]:
    """Labelled blocks of one kind as (label, body); python-hcl2 gives a list of {label: body}."""
    out = []
    for entry in source.data.get(kind, []):
        for label, body in entry.items():
            out.append((unquote_key(label), {k: v for k, v in body.items() if k != "__is_block__"}))
    return out


@dataclass
class _Vars:
    declared: dict[str, Any] = field(default_factory=dict)  # name -> raw default (or _UNSET)
    values: dict[str, Any] = field(default_factory=dict)


_UNSET = object()


def parse_var_override(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` from the command line: VALUE is an HCL literal when it parses as one, else a string."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
        raise ConfigError(f"--var {text!r}: expected NAME=VALUE")
    import hcl2

    try:
        parsed = hcl2.loads(f"v = {value}\n")
        ctx = Context(variables={}, declared=frozenset(), search_dirs=(Path.cwd(),))
        return name, evaluate(parsed["v"], ctx)
    except Exception:  # noqa: BLE001 - not an HCL literal: take the text as it is
        return name, value


def _collect_variables(sources: list[_Source], issues: list[Issue]) -> _Vars:
    out = _Vars()
    for source in sources:
        for name, body in _blocks(source, "variable"):
            if name in out.declared:
                raise ConfigError(f'variable "{name}" is declared twice', file=str(source.path),
                                  line=source.find_line(rf'^\s*variable\s+"{re.escape(name)}"'))
            unknown = set(body) - {"default", "type", "description", "sensitive", "nullable"}
            if unknown:
                raise ConfigError(f'variable "{name}": unknown attribute {sorted(unknown)[0]!r} (allowed: '
                                  "default, type, description)", file=str(source.path))
            out.declared[name] = body.get("default", _UNSET)
    return out


def _vars_file(explicit: Path | None, config_dir: Path) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"vars file not found: {explicit}")
        return explicit
    for candidate in (Path.cwd() / VARS_FILE, config_dir / VARS_FILE):
        if candidate.is_file():
            return candidate
    return None


def _resolve_values(v: _Vars, vars_path: Path | None, overrides: Mapping[str, Any], issues: list[Issue],
                    search_dirs: tuple[Path, ...]) -> None:
    literal_ctx = Context(variables={}, declared=frozenset(), search_dirs=search_dirs)
    if vars_path is not None:
        source = _parse(vars_path)
        for key, raw in source.data.items():
            if isinstance(raw, list) and raw and isinstance(raw[0], dict) and "__is_block__" in str(raw[0]):
                raise ConfigError(f"{key}: the vars file holds only NAME = VALUE lines", file=str(vars_path))
            if key not in v.declared:
                issues.append(Issue(path=f"var.{key}", severity="warning", rule="vars",
                                    message=f"set in {vars_path.name} but no variable \"{key}\" block declares "
                                            "it (ignored)", source=str(vars_path)))
                continue
            try:
                v.values[key] = evaluate(raw, literal_ctx)
            except ExprError as exc:
                raise ConfigError(f"{key}: {exc}", file=str(vars_path),
                                  line=source.find_line(rf"^\s*{re.escape(key)}\s*=")) from None
    for name, default in v.declared.items():
        if name not in v.values and default is not _UNSET:
            try:
                v.values[name] = evaluate(default, literal_ctx)
            except ExprError as exc:
                raise ConfigError(f'variable "{name}" default: {exc}') from None
    for name, value in overrides.items():
        if name not in v.declared:
            issues.append(Issue(path=f"var.{name}", severity="warning", rule="vars",
                                message=f"--var {name}: no variable \"{name}\" block declares it (ignored)"))
            continue
        v.values[name] = value


def _eval(value: Any, ctx: Context, where: str, source: _Source, line_pattern: str | None) -> Any:
    try:
        return evaluate(value, ctx)
    except ExprError as exc:
        line = source.find_line(line_pattern) if line_pattern else None
        raise ConfigError(f"{where}: {exc}", file=str(source.path), line=line) from None


def _cluster_raw(source: _Source, body: dict[str, Any], ctx: Context) -> dict[str, Any]:
    cluster: dict[str, Any] = {}
    pools: list[dict[str, Any]] = []
    for key, value in body.items():
        if key == "worker_pool":
            for entry in value:
                for label, pool_body in entry.items():
                    name = unquote_key(label)
                    pool = {"name": name}
                    for attr, attr_value in pool_body.items():
                        if attr == "__is_block__":
                            continue
                        pool[attr] = _eval(attr_value, ctx, f'worker_pool["{name}"].{attr}', source,
                                           rf"^\s*{re.escape(attr)}\s*=")
                    pools.append(pool)
        elif key == "oidc":
            if len(value) > 1:
                raise ConfigError("more than one oidc block", file=str(source.path),
                                  line=source.find_line(r"^\s*oidc\s*\{"))
            block = {k: v for k, v in (value[0] if value else {}).items() if k != "__is_block__"}
            cluster["oidc"] = {k: _eval(v, ctx, f"oidc.{k}", source, rf"^\s*{re.escape(k)}\s*=")
                               for k, v in block.items()}
        else:
            cluster[key] = _eval(value, ctx, key, source, rf"^\s*{re.escape(key)}\s*=")
    cluster["worker_pools"] = pools
    return cluster


def _backend_state(source: _Source, name: str, body: dict[str, Any], ctx: Context) -> dict[str, Any]:
    if name not in BACKEND_ATTRS:
        raise ConfigError(f'backend "{name}" is not supported by lokonb (allowed: local, s3)',
                          file=str(source.path), line=source.find_line(r"^\s*backend\s"))
    values = {}
    for key, value in body.items():
        if key not in BACKEND_ATTRS[name]:
            close = difflib.get_close_matches(key, BACKEND_ATTRS[name], n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else "allowed: " + ", ".join(BACKEND_ATTRS[name])
            raise ConfigError(f'backend "{name}": unknown attribute "{key}"; {hint}', file=str(source.path),
                              line=source.find_line(rf"^\s*{re.escape(key)}\s*="))
        values[key] = _eval(value, ctx, f"backend.{key}", source, rf"^\s*{re.escape(key)}\s*=")
    if name == "local":
        path = values.get("path", "terraform.tfstate")
        return {"backend": "local", "path": f"{path}.lokonb.json"}
    state: dict[str, Any] = {"backend": "s3"}
    for key in ("bucket", "region", "dynamodb_table"):
        if key in values:
            state[key] = values[key]
    if "key" in values:
        state["key"] = f"{values['key']}.lokonb.json"
    else:
        state["key"] = ""  # lokoctl requires a key: V22 reports it
    if "aws_creds_path" in values:
        state["shared_credentials_file"] = values["aws_creds_path"]
    return state


def _locator(sources: list[_Source], cluster_source: _Source | None, backend_source: _Source | None):  # type: ignore[no-untyped-def]
    def locate(path: RawPath) -> str | None:
        if not path:
            return None
        src = backend_source if path[0] == "state" else cluster_source
        if src is None:
            return None
        start_line = src.find_line(r'^\s*(cluster|backend)\s+"') or 1
        rest = path[1:]
        if rest[:1] == ("worker_pools",) and len(rest) >= 2 and isinstance(rest[1], int):
            starts = [n for n, line in enumerate(src.text.split("\n"), 1) if re.match(r'^\s*worker_pool\s+"', line)]
            if rest[1] >= len(starts):
                return f"{src.path}:{start_line}"
            start_line, rest = starts[rest[1]], rest[2:]
        elif rest[:1] == ("oidc",):
            start_line = src.find_line(r"^\s*oidc\s*\{", start_line - 1) or start_line
            rest = rest[1:]
        attr = next((p for p in rest if isinstance(p, str)), None)
        line = src.find_line(rf"^\s*\"?{re.escape(attr)}\"?\s*=", start_line - 1) if attr else None
        return f"{src.path}:{line or start_line}"
    return locate


def read_lokocfg(path: str | Path, vars_path: str | Path | None = None,
                 overrides: Mapping[str, Any] | None = None) -> Loaded:
    """Load and validate a Lokomotive config (file or directory); returns the model with its warnings."""
    path = Path(path)
    files = _config_files(path)
    sources = [_parse(f) for f in files]
    issues: list[Issue] = []
    for source in sources:
        for key in source.data:
            if key not in ROOT_BLOCKS:
                close = difflib.get_close_matches(key, ROOT_BLOCKS, n=1, cutoff=0.6)
                hint = f'did you mean "{close[0]}"?' if close else "allowed: " + ", ".join(ROOT_BLOCKS)
                raise ConfigError(f'unexpected "{key}" at the top level; {hint}', file=str(source.path),
                                  line=source.find_line(rf"^\s*{re.escape(key)}\b"))
    config_dir = path if path.is_dir() else path.parent
    variables = _collect_variables(sources, issues)
    chosen_vars = _vars_file(Path(vars_path) if vars_path is not None else None, config_dir)
    search_dirs = (Path.cwd(), config_dir.resolve())
    _resolve_values(variables, chosen_vars, dict(overrides or {}), issues, search_dirs)
    ctx = Context(variables=variables.values, declared=frozenset(variables.declared), search_dirs=search_dirs)

    clusters = [(s, label, body) for s in sources for label, body in _blocks(s, "cluster")]
    if not clusters:
        raise ConfigError(f"no cluster block in {path} (expected cluster \"aws\" {{ ... }})")
    if len(clusters) > 1:
        raise ConfigError(f"more than one cluster block ({', '.join(str(s.path) for s, _l, _b in clusters)})")
    cluster_source, platform, body = clusters[0]
    if platform != "aws":
        raise ConfigError(f'platform "{platform}" is not supported by lokonb (only aws)',
                          file=str(cluster_source.path), line=cluster_source.find_line(r"^\s*cluster\s"))
    cluster = _cluster_raw(cluster_source, body, ctx)

    backends = [(s, label, b) for s in sources for label, b in _blocks(s, "backend")]
    if len(backends) > 1:
        raise ConfigError("more than one backend block")
    state = _backend_state(*backends[0], ctx) if backends else {}
    components = [label for s in sources for label, _b in _blocks(s, "component")]
    if components:
        issues.append(Issue(path="component", severity="warning", rule="components",
                            message="components are not handled by lokonb: " + ", ".join(components)
                                    + " (install them with lokoctl or Helm)"))
    raw = RawDefinition(cluster=cluster, aws={}, state=state, file=str(path), issues=issues,
                        locate=_locator(sources, cluster_source, backends[0][0] if backends else None))
    config, found = validate_raw(raw)
    return Loaded(config, tuple(i for i in found if i.severity != "error"))


def load_lokocfg(path: str | Path, vars_path: str | Path | None = None,
                 overrides: Mapping[str, Any] | None = None) -> ClusterConfig:
    """Load a Lokomotive ``.lokocfg`` (file or directory) into the validated model; warnings are logged."""
    loaded = read_lokocfg(path, vars_path, overrides)
    for issue in loaded.warnings:
        log.warning("%s", issue)
    return loaded.config
