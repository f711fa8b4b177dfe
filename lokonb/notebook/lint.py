"""Notebook conventions (§2): ``lokonb lint-notebooks [--fix]`` and ``lokonb sync-notebooks``.

Cells are parsed with ``ast`` (never regex-parsed Python). Every problem names the file, the cell and the rule.
"""

from __future__ import annotations

import ast
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from lokonb.inputfile import read_text

_ALLOWED_MARKERS = {"NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP"}
_MARKER = re.compile(r"#\s*((?:NBVAL|PYTEST_VALIDATE)_[A-Z_]+)")
#: nbval 0.11 reads every comment marker from cell tags too (NBVAL_CHECK_OUTPUT as ``nbval-check-output``), plus
#: ``raises-exception``: a tag is the same marker (R2.4); tag → the marker it stands for
_MARKER_TAGS = {
    **{m.lower().replace("_", "-"): m for m in ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_CHECK_OUTPUT",
                                                "NBVAL_RAISES_EXCEPTION", "PYTEST_VALIDATE_IGNORE_OUTPUT")},
    "raises-exception": "NBVAL_RAISES_EXCEPTION",
}
_PATHLIKE = re.compile(r"^(~|\.{1,2})?/[\w.-]|\.(ya?ml|json|log|ipynb|ign|gz|csv|txt|parquet)$")
_FORBIDDEN_CALLS = {"interact", "interact_manual"}
_ALLOWED_CELL_MD = {"tags"}
_BANNER_TAG = "papermill-error-cell-tag"
MAX_LINES = 12


def _src(cell: Any) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _code_lines(source: str) -> list[str]:
    return [ln for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def _work_cell_rules(where: str, source: str) -> list[str]:
    problems = []
    lines = _code_lines(source)
    for ln in lines:
        stripped = ln.strip()
        if stripped.startswith("!"):
            problems.append(f"{where}: R2.4 shell escape {stripped[:30]!r}")
        elif stripped.startswith("%"):
            problems.append(f"{where}: R2.4 magic {stripped[:30]!r}")
    problems.extend(p for p in (_marker_rule(where, m) for m in _MARKER.findall(source)) if p)
    if len(lines) > MAX_LINES:
        problems.append(f"{where}: R2.3 {len(lines)} code lines (at most {MAX_LINES})")
    if any(p.split(": R2.4 ")[1].startswith(("shell", "magic")) for p in problems if ": R2.4 " in p):
        return problems
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [*problems, f"{where}: syntax error at line {exc.lineno}: {exc.msg}"]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            problems.append(f"{where}: R2.3 definition of {node.name!r} (logic belongs in the library)")
        elif isinstance(node, ast.Import):
            bad = [a.name for a in node.names if not a.name.startswith("lokonb")]
            if bad:
                problems.append(f"{where}: R2.3 import of {', '.join(bad)} (only lokonb and IPython.display)")
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if not (mod == "lokonb" or mod.startswith("lokonb.") or mod == "IPython.display"):
                problems.append(f"{where}: R2.3 import from {mod} (only lokonb and IPython.display)")
        elif isinstance(node, ast.Call):
            problems.extend(_call_rule(where, node))
        elif isinstance(node, ast.Raise) and _raises_system_exit(node):
            problems.append(f"{where}: R2.4 raise SystemExit (papermill treats exit(0) as success)")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and _PATHLIKE.search(node.value)
            and "\n" not in node.value
            and " " not in node.value
        ):
            problems.append(f"{where}: R2.4 path literal {node.value!r} (paths come from parameters)")
    return problems


def _marker_rule(where: str, marker: str, tag: str | None = None) -> str | None:
    """The finding for one nbval marker (a comment, or the cell ``tag`` standing for it), or ``None`` if allowed."""
    if marker in _ALLOWED_MARKERS:
        return None
    shown = f"tag {tag!r} (= {marker})" if tag else marker
    return f"{where}: R2.4 nbval marker {shown} (only NBVAL_IGNORE_OUTPUT/NBVAL_SKIP)"


def _raises_system_exit(node: ast.Raise) -> bool:
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return isinstance(exc, ast.Name) and exc.id == "SystemExit"


def _call_rule(where: str, node: ast.Call) -> list[str]:
    f = node.func
    name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
    owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
    if name in _FORBIDDEN_CALLS:
        return [f"{where}: R2.4 {name}() (use filter_table or the setup form; §8)"]
    if name == "get_ipython":  # `!ls` and `%time` compile to get_ipython().system(...)/.run_line_magic(...)
        return [f"{where}: R2.4 get_ipython() (a magic or shell escape; papermill and nbval miss their failures)"]
    if name == "__import__":
        return [f"{where}: R2.3 __import__() (only lokonb and IPython.display imports)"]
    if (name == "exit" and owner in ("sys", "")) or name == "quit" or (name == "_exit" and owner == "os"):
        return [f"{where}: R2.4 {owner + '.' if owner else ''}{name}() (papermill treats exit(0) as success)"]
    return []


def read_notebook(path: Path) -> tuple[Any, str | None]:
    """``(notebook, None)`` or ``(None, why)`` for a file that is not nbformat JSON (any text can be passed)."""
    try:
        text = read_text(path)  # once: a pipe (`<(git show …)`) cannot be read again, /dev/zero never ends
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    return _parse_notebook(text)


def _parse_notebook(text: str) -> tuple[Any, str | None]:
    import warnings

    import nbformat

    try:
        with warnings.catch_warnings():  # nbformat warns (missing ids, schema) on stderr; the lint reports it
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)
            nbformat.validate(nb)
        return nb, None
    except nbformat.ValidationError as exc:
        # nbformat.read only warns about a schema error (tags: null, source: null); the rules below would crash
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in getattr(exc, "absolute_path", ()))
        return None, f"does not follow the nbformat 4 schema at {where or 'the top'}: {_schema_why(exc)}"
    except nbformat.reader.NotJSONError:  # its text quotes the file's start, which may be anything (a key file)
        return None, "not JSON (a notebook is an .ipynb JSON document)"
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        # NotJSONError is a ValueError; a JSON object without cells fails the version conversion. A JSON list, or
        # cells that are not a list of objects, failed inside nbformat ("'list' object has no attribute 'get'")
        why = _json_shape(text) or " ".join(str(exc).split())
        return None, (why[:160] + "...") if len(why) > 160 else why


def _json_shape(text: str) -> str | None:
    """What is wrong with the JSON structure of a file nbformat could not convert, or None."""
    import json

    from lokonb.errors import kind_name

    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return (f"a JSON document holding {kind_name(data, document=True)} (expected an object with cells, "
                "metadata and nbformat)")
    cells = data.get("cells")
    if "cells" in data and not isinstance(cells, list):
        return f"cells is {kind_name(cells, document=True)} (expected a list of cell objects)"
    for i, cell in enumerate(cells or ()):
        if not isinstance(cell, dict):
            return (f"cells[{i}] is {kind_name(cell, document=True)} (expected a cell object with cell_type and "
                    "source)")
    return None


def _repeated_ids(text: str) -> list[tuple[int, str, int]]:
    """``(cell, id, first cell with it)`` for every repeated cell id in the file as written: nbformat renumbers them
    silently when it reads, so the rules below never see them, but JupyterLab and papermill do (merged or
    hand-copied cells)."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return []
    cells = data.get("cells") if isinstance(data, dict) else None
    seen: dict[str, int] = {}
    out = []
    for i, cell in enumerate(cells if isinstance(cells, list) else []):
        cid = cell.get("id") if isinstance(cell, dict) else None
        if isinstance(cid, str) and cid in seen:
            out.append((i, cid, seen[cid]))
        elif isinstance(cid, str):
            seen[cid] = i
    return out


def _schema_why(exc: Any) -> str:
    """What the schema wanted, without quoting the value (a cell's text may hold anything, a key too)."""
    value = getattr(exc, "instance", None)
    got = {type(None): "null", str: "a string", list: "a list", bool: "a boolean", int: "a number",
           float: "a number"}.get(type(value), "an object" if isinstance(value, dict) else type(value).__name__)
    if getattr(exc, "validator", None) == "type":
        return f"expected {exc.validator_value}, got {got}"
    if getattr(exc, "validator", None) in ("anyOf", "oneOf"):
        return f"{got} is not an allowed form"
    return " ".join(str(getattr(exc, "message", exc)).split())[:160]


def write_notebook(nb: Any, path: Path) -> None:
    """Write ``nb`` over ``path`` through a temporary file and a rename: nbformat truncates the notebook first, so a
    ``lokonb run`` reading it meanwhile (or an interrupted fix) found an empty or half-written notebook. The file's
    mode is kept, and a symlink's target is written (the link stays a link)."""
    import nbformat

    target = Path(path).resolve()
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            nbformat.write(nb, fh)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def lint_notebook(path: Path, *, fix: bool = False, name: str | None = None) -> list[str]:
    """Problems of one notebook (``file: cell N: rule ...``); with ``fix`` strip what R2.6 forbids first."""
    try:
        text = read_text(path)
    except UnicodeDecodeError:
        return [f"{path}: not a readable notebook: not UTF-8 text"]
    nb, problem = _parse_notebook(text)
    if nb is None:
        return [f"{path}: not a readable notebook: {problem}"]
    repeated = _repeated_ids(text)
    if fix and (strip(nb) or repeated):  # nbformat gave the repeated ids new values when it read the file
        write_notebook(nb, path)
    problems: list[str] = []
    f = str(path)
    if not fix:
        problems.extend(f"{f}: cell {i}: R2.2 cell id {cid!r} repeats cell {first}'s (ids must be unique; run "
                        "lint-notebooks --fix)" for i, cid, first in repeated)
    ks = nb.metadata.get("kernelspec", {})
    if ks.get("name") != "python3":
        problems.append(f"{f}: R2.2 kernelspec {ks.get('name')!r} (must be python3)")
    if (
        ks.get("language", "python") != "python"
        or nb.metadata.get("language_info", {}).get("name", "python") != "python"
    ):
        problems.append(f"{f}: R2.2 language must be python")
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        problems.append(f"{f}: R2.2 nbformat {nb.nbformat}.{nb.nbformat_minor} (4.5 with cell ids required)")
    for key in ("widgets", "papermill", "lokonb"):
        if key in nb.metadata:
            problems.append(f"{f}: R2.6 notebook metadata.{key} (run lint-notebooks --fix)")
    if not nb.cells or nb.cells[0].cell_type != "markdown" or not _src(nb.cells[0]).lstrip().startswith("# "):
        problems.append(f"{f}: cell 0: R2.2 the first cell is a markdown cell starting with '# Title'")
    else:
        intro = _src(nb.cells[0])
        for needle in ("lokonb run", "papermill", "JupyterLab", "lokonb params"):
            if needle not in intro:
                problems.append(f"{f}: cell 0: R2.2 the first cell does not mention {needle!r}")
    param_cells = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    if len(param_cells) != 1:
        problems.append(f"{f}: R2.2 {len(param_cells)} cells tagged parameters (exactly one required)")
    for i, cell in enumerate(nb.cells):
        problems.extend(_cell_rules(f"{f}: cell {i}", cell, i in param_cells))
    if name is not None and len(param_cells) == 1:
        problems.extend(_parameters_rule(f, name, nb.cells[param_cells[0]], param_cells[0]))
    return problems


def _cell_rules(where: str, cell: Any, is_params: bool) -> list[str]:
    problems = []
    tags = cell.metadata.get("tags", [])
    extra_md = set(cell.metadata) - _ALLOWED_CELL_MD
    if extra_md:
        problems.append(f"{where}: R2.6 cell metadata {', '.join(sorted(extra_md))}")
    if "injected-parameters" in tags or _BANNER_TAG in tags:
        problems.append(f"{where}: R2.6 leftover papermill cell ({', '.join(tags)})")
    if cell.cell_type != "code":
        return problems
    problems.extend(p for p in (_marker_rule(where, _MARKER_TAGS[t], t) for t in tags if t in _MARKER_TAGS) if p)
    if cell.get("outputs"):
        problems.append(f"{where}: R2.6 has outputs (run lint-notebooks --fix)")
    if cell.get("execution_count") is not None:
        problems.append(f"{where}: R2.6 execution_count is set")
    if not is_params:
        problems.extend(_work_cell_rules(where, _src(cell)))
    return problems


def _parameters_rule(f: str, name: str, cell: Any, index: int) -> list[str]:
    from lokonb.notebook.cellgen import parameters_source
    from lokonb.notebook.schemas import REGISTRY

    schema = REGISTRY.get(name)
    if schema is None:
        return [f"{f}: R2.1 no parameter schema named {name!r} in lokonb.notebook.schemas"]
    if _src(cell).strip() != parameters_source(schema).strip():
        return [
            f"{f}: cell {index}: R3.10 parameters cell differs from the schema (run lokonb sync-notebooks)"
        ]
    return []


def strip(nb: Any) -> bool:
    """Remove outputs, execution counts and forbidden metadata/cells (R2.6); true when something changed."""
    before = repr(nb)
    for key in ("widgets", "papermill", "lokonb"):
        nb.metadata.pop(key, None)
    nb.cells = [
        c for c in nb.cells if not ({"injected-parameters", _BANNER_TAG} & set(c.metadata.get("tags", [])))
    ]
    for cell in nb.cells:
        for key in list(cell.metadata):
            if key not in _ALLOWED_CELL_MD:
                del cell.metadata[key]
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return repr(nb) != before


def _notebooks(paths: Sequence[str], root: Path | None) -> Iterable[tuple[Path, str | None]]:
    targets = [Path(p) for p in paths] if paths else ([root / "notebooks"] if root else [])
    for target in targets:
        files = sorted(target.glob("*.ipynb")) if target.is_dir() else [target]
        in_notebooks = target.is_dir() and target.name == "notebooks" or target.parent.name == "notebooks"
        for file in files:
            yield file, (file.stem if in_notebooks else None)


def lint_paths(paths: Sequence[str], *, fix: bool = False, root: str | None = None) -> list[str]:
    """Lint notebooks (default: every notebook in ``<root>/notebooks``)."""
    from lokonb.notebook.project import find_root

    project = find_root(root, required=not paths)
    problems: list[str] = []
    for folder in (Path(p) for p in paths):
        if folder.is_dir() and not any(folder.glob("*.ipynb")):  # "ok" would pass a CI step that linted nothing
            nested = sum(1 for _ in folder.rglob("*.ipynb"))
            problems.append(f"{folder}: no notebook (*.ipynb) in this folder" + (
                f"; {nested} in its subfolders, which are not searched: name those folders" if nested else ""))
    for file, name in _notebooks(paths, project):
        problems.extend(lint_notebook(file, fix=fix, name=name))
    return problems


def sync_notebooks(root: str | None = None) -> list[str]:
    """Rewrite every registered notebook's parameters cell from its schema (idempotent)."""
    from lokonb.notebook.cellgen import parameters_source
    from lokonb.notebook.project import find_root
    from lokonb.notebook.schemas import REGISTRY

    project = find_root(root)
    assert project is not None
    out = []
    for name, schema in REGISTRY.items():
        path = project / "notebooks" / f"{name}.ipynb"
        if not path.is_file():
            out.append(f"{name}: no notebook yet")
            continue
        nb, problem = read_notebook(path)
        if nb is None:
            out.append(f"{name}: not a readable notebook ({problem}); not changed")
            continue
        cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        if len(cells) != 1:
            out.append(f"{name}: {len(cells)} parameters cells; not changed")
            continue
        text = parameters_source(schema)
        if _src(cells[0]) == text:
            out.append(f"{name}: unchanged")
            continue
        cells[0].source = text
        write_notebook(nb, path)
        out.append(f"{name}: parameters cell rewritten")
    return out
