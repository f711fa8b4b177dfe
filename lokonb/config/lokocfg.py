"""Loading Lokomotive ``.lokocfg`` files (HCL2) into the cluster model, with lokoctl's variable semantics.

Input is a file or a directory whose ``*.lokocfg`` files are merged (sorted, not recursive). Variables come from
``--var NAME=VALUE`` overrides, then the vars file (``lokocfg.vars`` in the working directory as lokoctl reads it,
else beside the config), then the ``variable`` block's ``default``. ``cluster "aws"`` maps one-to-one to the
model; ``backend`` blocks map to the state backend (``*.lokonb.json`` keys so a Terraform state is never touched);
``component`` blocks are reported as not handled by lokonb.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.config import eras
from lokonb.config.build import INVALID, Locator, RawDefinition, RawPath, default_asset_dir, validate_raw
from lokonb.config.errors import ConfigValidationError, Issue
from lokonb.config.fields import CLUSTER_FIELDS, DERIVED, OIDC_FIELDS, POOL_FIELDS, names
from lokonb.config.hclexpr import (
    STRIP_LEFT,
    STRIP_RIGHT,
    Context,
    ExprError,
    FailedVariable,
    evaluate,
    scalar_text,
    to_number,
    unquote_key,
)
from lokonb.config.loaders import Loaded, log
from lokonb.config.model import ClusterConfig
from lokonb.config.yamlsrc import read_text
from lokonb.errors import ConfigError, kind_name, wrong_kind

ROOT_BLOCKS = ("cluster", "backend", "variable", "component")
BACKEND_ATTRS = {"local": ("path",), "s3": ("bucket", "key", "region", "aws_creds_path", "dynamodb_table")}
VARS_FILE = "lokocfg.vars"


@dataclass
class _Source:
    """One parsed HCL file with its text (for line lookups)."""

    path: Path
    text: str
    data: dict[str, Any]
    depths: list[int] = field(default_factory=list)  # brace depth at the start of each line (index 0 = line 1)

    def __post_init__(self) -> None:
        if not self.depths:
            self.depths = _line_depths(self.text)

    def find_line(self, pattern: str, start: int = 0) -> int | None:
        regex = re.compile(pattern)
        for number, line in enumerate(self.text.split("\n")[start:], start=start + 1):
            if regex.search(line):
                return number
        return None

    def inner(self, start: int | None, pattern: str) -> list[int]:
        """Lines directly inside the block opened on line ``start`` (None: the top level) matching ``pattern``.

        Nested blocks are skipped, so a cluster attribute is never found in a worker pool (or vice versa).
        """
        regex = re.compile(pattern)
        lines = self.text.split("\n")
        first, want = (0, 0) if start is None else (start, self.depths[start - 1] + 1)
        out = []
        for index in range(first, len(lines)):
            depth = self.depths[index]
            if start is not None and depth < want:
                break
            if depth == want and regex.search(lines[index]):
                out.append(index + 1)
        return out

    def first(self, start: int | None, pattern: str) -> int | None:
        found = self.inner(start, pattern)
        return found[0] if found else None

    def repeated(self, start: int | None, name: str, path: str) -> Issue | None:
        """HCL's "Attribute redefined": ``name = ...`` twice directly inside one block (python-hcl2 keeps one)."""
        quoted = _heredoc_bodies(self.text)
        lines = [n for n in self.inner(start, rf'^\s*"?{re.escape(name)}"?\s*=(?!=)') if n not in quoted]
        if len(lines) < 2:
            return None
        return Issue(path=path, rule="duplicate", source=f"{self.path}:{lines[1]}",
                     message=f"is set again (first on line {lines[0]}); HCL allows a name once per "
                             + ("block" if start is not None else "file"))

    def attr_line(self, start: int | None, name: str) -> int | None:
        """The line of ``name = ...`` (or ``name {``) directly inside the block opened on line ``start``."""
        return self.first(start, rf'^\s*"?{re.escape(name)}"?\s*(=|\{{|")')


_HEREDOC_START = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$")


@dataclass(frozen=True)
class _LineScan:
    """What one HCL line leaves: the brace depth at its start, the 1-based column of a string it leaves open, the
    0-based [start, end) column spans of ``/* */`` comment text on it and the columns of interpolation strip markers
    in its quoted strings."""

    depth: int
    open_quote: int | None
    comments: tuple[tuple[int, int], ...] = ()
    strips: tuple[int, ...] = ()  # 0-based columns of the ``~`` of ``${~`` / ``~}`` in quoted strings


@dataclass(frozen=True)
class _Scan:
    lines: list[_LineScan]
    open_comment: tuple[int, int] | None  # 1-based (line, column) of a ``/*`` that is never closed


def _scan_lines(text: str) -> _Scan:
    """One pass over ``text`` the way HCL tokenizes it, line by line: strings (with the ``${ }``/``%{ }`` nesting
    of templates, so ``"${file("x")}"`` is one string), ``#``/``//``/``/* */`` comments and heredoc bodies do not
    count as braces. HCL strings cannot span lines, so a string is scanned within its line."""
    out: list[_LineScan] = []
    depth, heredoc, in_comment, opened = 0, None, False, None
    for number, line in enumerate(text.split("\n"), start=1):
        start = depth
        if heredoc is not None:
            heredoc = None if line.strip() == heredoc else heredoc
            out.append(_LineScan(start, None))
            continue
        stack: list[list[Any]] = []  # ["str", column] or ["interp", brace depth, opening "$" or "%"]
        spans: list[tuple[int, int]] = []
        strips: list[int] = []
        i, n, comment_start = 0, len(line), 0  # a comment still open from the line before starts at column 0
        while i < n:
            top = stack[-1] if stack else None
            if in_comment:
                end = line.find("*/", i)
                stop = n if end < 0 else end + 2
                spans.append((comment_start, stop))
                if end < 0:
                    break
                in_comment, i = False, stop
                continue
            ch = line[i]
            if top is not None and top[0] == "str":
                if ch == "\\":
                    i += 2
                    continue
                if ch == '"':
                    stack.pop()
                elif line.startswith(("$${", "%%{"), i):  # escaped: literal text, no template sequence
                    i += 3
                    continue
                elif line.startswith(("${", "%{"), i):
                    stack.append(["interp", 1, ch])
                    if ch == "$" and line.startswith("~", i + 2):
                        strips.append(i + 2)
                    i += 1
            elif ch == '"':
                stack.append(["str", i + 1])
            elif top is None and (ch == "#" or line.startswith("//", i)):
                break
            elif (top is None or top[0] == "interp") and line.startswith("/*", i):  # "${ x /* c */ }" too
                in_comment, opened, comment_start, i = True, (number, i + 1), i, i + 2
                if i >= n:
                    spans.append((comment_start, n))
                continue
            elif top is None and line.startswith("<<", i) and (m := _HEREDOC_START.match(line, i)):
                heredoc = m.group(1)
                break
            elif ch in "{}":
                step = 1 if ch == "{" else -1
                if top is None:
                    depth = max(depth + step, 0)
                else:  # a brace of an expression inside a template
                    top[1] += step
                    if top[1] == 0:
                        if top[2] == "$" and i > 0 and line[i - 1] == "~":
                            strips.append(i - 1)
                        stack.pop()
            i += 1
        opened_str = [entry for entry in stack if entry[0] == "str"]
        out.append(_LineScan(start, opened_str[0][1] if opened_str else None, tuple(spans), tuple(strips)))
    return _Scan(out, opened if in_comment else None)


def _blank_inline_comments(text: str) -> tuple[str, tuple[int, int] | None]:
    """``text`` with every ``/* ... */`` comment outside string text and heredocs (so also one inside a string's
    ``${ }``) turned into spaces (line breaks kept), and the 1-based (line, column) of a ``/*`` never closed.

    HCL reads such a comment as white space wherever it stands; python-hcl2 takes one between a block's label and
    its ``{`` for another label, and one after ``=`` for the start of a value. Lines and columns stay the same.
    """
    if "/*" not in text:
        return text, None
    scan = _scan_lines(text)
    out = []
    for line, info in zip(text.split("\n"), scan.lines, strict=True):
        if info.comments:
            chars = list(line)
            for a, b in info.comments:
                chars[a:b] = " " * (b - a)
            line = "".join(chars)
        out.append(line)
    return "\n".join(out), scan.open_comment


def _encode_strip_markers(text: str) -> str:
    """``text`` with the strip markers of interpolations in quoted strings (``"${~ var.x ~}"``, which hcl/v2 takes and
    python-hcl2's grammar refuses) moved outside the braces as sentinel characters, ``${~`` → ``STRIP_LEFT${`` and
    ``~}`` → ``}STRIP_RIGHT``: python-hcl2 keeps a string's literal text as written, and the template evaluator puts
    the markers back. Lines and columns stay the same; heredoc bodies are left alone (python-hcl2 keeps them raw)."""
    if "~" not in text:
        return text
    out = []
    for line, info in zip(text.split("\n"), _scan_lines(text).lines, strict=True):
        chars = list(line)
        for col in info.strips:
            if chars[col - 2:col] == ["$", "{"]:  # ${~ : the opening marker
                chars[col - 2:col + 1] = [STRIP_LEFT, "$", "{"]
            else:  # ~} : the closing marker
                chars[col:col + 2] = ["}", STRIP_RIGHT]
        out.append("".join(chars))
    return "\n".join(out)


def _line_depths(text: str) -> list[int]:
    """Brace depth at the start of every line; strings, comments and heredoc bodies do not count."""
    return [line.depth for line in _scan_lines(text).lines]


def _unclosed_string(text: str) -> tuple[int, int] | None:
    """1-based (line, column) of the first quoted string that a line leaves open, heredocs and comments aside.

    HCL strings cannot span lines, so that quote is the mistake (``worker_pool "pool {`` in Lokomotive's v0.1.0
    AWS reference); the parser only notices it lines later, where the string's parity flips or the file ends.
    """
    for number, line in enumerate(_scan_lines(text).lines, start=1):
        if line.open_quote is not None:
            return number, line.open_quote
    return None


def _heredoc_bodies(text: str) -> set[int]:
    """1-based numbers of heredoc body and end-marker lines (a snippet's ``count = 5`` is no attribute)."""
    inside, marker = set(), None
    for number, line in enumerate(text.split("\n"), start=1):
        if marker is not None:
            inside.add(number)  # the closing marker too: it is no attribute or block header either
            if line.strip() == marker:
                marker = None
        elif (m := re.search(r"<<-?([A-Za-z_][A-Za-z0-9_]*)\s*$", line)) is not None:
            marker = m.group(1)
    return inside


#: Parser terminals in words (python-hcl2's lark grammar), for syntax errors an operator can act on.
_TERMINALS = {
    "$END": "end of file", "RBRACE": "'}'", "LBRACE": "'{'", "RSQB": "']'", "LSQB": "'['",
    "RPAR": "')'", "LPAR": "'('", "EQ": "'='", "DOUBLE_EQ": "'=='", "COMMA": "','", "COLON": "':'",
    "DBLQUOTE": "'\"'", "NL_OR_COMMENT": "end of line", "NAME": "a name", "INT_LITERAL": "a number",
    "FLOAT_LITERAL": "a number",
}
#: What an attribute value may start with, said once instead of listing the grammar's terminals.
_VALUE_START = frozenset({"DBLQUOTE", "INT_LITERAL", "LSQB", "LBRACE", "NAME"})


_INT_LIMIT = re.compile(r"Exceeds the limit \((\d+) digits\).*value has (\d+) digits")


def _syntax_detail(exc: Exception, text: str) -> str:
    """A parser exception as an operator reads it: what was found, and what the grammar expected there."""
    token = getattr(exc, "token", None)
    expected = set(getattr(exc, "expected", None) or ())
    digits = _INT_LIMIT.search(str(exc))
    if digits:  # Python's int() limit, reached inside the parser: its text named sys.set_int_max_str_digits()
        return (f"a number of {int(digits.group(2)):,} digits (allowed: at most {int(digits.group(1)):,} digits)")
    if token is None:
        char = getattr(exc, "char", None)
        return f"unexpected character {char!r}" if char else str(exc).strip().split("\n")[0]
    kind, value = getattr(token, "type", ""), str(token)
    if kind == "$END" or (not value and not kind):
        found = "end of file"
        open_line = _unclosed_block(text)
        if "DBLQUOTE" in expected and "STRING_CHARS" in expected:
            return f"unexpected {found}: a string is not closed (a '\"' is missing)"
        if open_line is not None:
            return f"unexpected {found}: a '}}' is missing (the block opened on line {open_line} is not closed)"
    elif value.split("\n")[0].strip() == "":
        found = "end of line"
    elif kind in _TERMINALS and kind not in ("NAME", "INT_LITERAL", "FLOAT_LITERAL"):
        found = _TERMINALS[kind]
    else:
        found = repr(value.split("\n")[0].strip())
    if _VALUE_START <= expected:
        return f"unexpected {found}: expected a value (a string, number, list, map or expression)"
    if "EQ" in expected and kind != "EQ":
        return f"unexpected {found}: expected '=' (an attribute is written name = value)"
    words = sorted({_TERMINALS[t] for t in expected if t in _TERMINALS})
    if words and len(words) <= 4:
        return f"unexpected {found}: expected {' or '.join(words)}"
    return f"unexpected {found}"


def _unclosed_block(text: str) -> int | None:
    """1-based line of the innermost block still open at the end of ``text`` (None when braces balance)."""
    depths = _line_depths(text)
    final = _line_depths(text + "\n")[-1]
    if final <= 0:
        return None
    for i in range(len(depths) - 1, -1, -1):
        if depths[i] < final:
            return i + 1
    return None


_BARE_WORD = re.compile(r'^\s*([A-Za-z_][\w-]*)((?:\s+"[^"]*")*)\s*(?:#.*|//.*)?$')


def _bare_word(text: str, line: object) -> tuple[int, str, str] | None:
    """Line, word and labels of a lone name (``oops``) or block header without body (``foo "bar"``) before the
    error: HCL then wants a ``{``."""
    if not isinstance(line, int):
        return None
    lines = text.split("\n")
    for number in range(min(line - 1, len(lines)), 0, -1):
        stripped = lines[number - 1].strip()
        if stripped and not stripped.startswith(("#", "//")):
            match = _BARE_WORD.match(lines[number - 1])
            return (number, match.group(1), match.group(2)) if match else None
    return None


_SPANNING_STRING = ("a string is not closed on this line (a '\"' is missing); a quoted string cannot span lines "
                    "(write text of several lines as a heredoc, <<EOF ... EOF, or \\n for a line break)")


def _parse(path: Path, text: str | None = None) -> _Source:
    """Parse one HCL file (``text``: its content, when already read)."""
    import hcl2
    from hcl2.utils import SerializationOptions

    text = read_text(path) if text is None else text
    blanked, open_comment = _blank_inline_comments(text)
    if open_comment is not None:
        raise ConfigError("HCL syntax error: a /* comment is not closed (a */ is missing)", file=str(path),
                          line=open_comment[0], column=open_comment[1])
    try:
        data = hcl2.loads(_encode_strip_markers(blanked) + "\n", serialization_options=SerializationOptions(
            with_comments=False, preserve_heredocs=True))
    except Exception as exc:  # noqa: BLE001 - lark raises many types; all become a located ConfigError
        line, column = getattr(exc, "line", None), getattr(exc, "column", None)
        detail = _syntax_detail(exc, text)
        if line is None and _INT_LIMIT.search(str(exc)):  # the parser's int() failed: locate the long number
            long_number = re.search(rf"\d{{{sys.get_int_max_str_digits() + 1},}}", text)
            line = text.count("\n", 0, long_number.start()) + 1 if long_number else None
        bare = _bare_word(text, line) if set(getattr(exc, "expected", None) or ()) == {"LBRACE"} else None
        if bare is not None:
            (line, word, labels), column = bare, None
            detail = (f"{word!r} is neither an attribute nor a block: write {word} = value, or "
                      f"{word} \"label\" {{ ... }}") if not labels else \
                f"block {word}{labels} has no body: write {word}{labels} {{ ... }}"
        unquoted = _unquoted_value(text, line)
        if unquoted is not None:
            detail, column = unquoted, None
        if isinstance(line, int) and line > text.count("\n") + 1:
            line, column = text.count("\n") + 1, 1  # the end of the file, not of the newline added above
        open_quote = _unclosed_string(text)
        if open_quote is not None and (not isinstance(line, int) or open_quote[0] <= line):
            (line, column), detail = open_quote, _SPANNING_STRING
        raise ConfigError(f"HCL syntax error: {detail}", file=str(path),
                          line=line if isinstance(line, int) and line > 0 else None,
                          column=column if isinstance(column, int) and column > 0 else None) from None
    open_quote = _unclosed_string(text)
    if open_quote is not None:  # python-hcl2 lets a quoted string run over a line break, hcl/v2 refuses it
        raise ConfigError(f"HCL syntax error: {_SPANNING_STRING}", file=str(path), line=open_quote[0],
                          column=open_quote[1])
    _brace_on_header_line(path, text)
    return _Source(path, text, data)


#: ``name = https://x`` / ``name = user@host``: text that needs quotes (the parser stops at its ``:`` or ``@``).
_UNQUOTED = re.compile(r'^\s*"?([A-Za-z_][\w-]*)"?\s*=\s*([A-Za-z][^"\s]*[:/<>@][^"\s]*)\s*(?:#.*|//.*)?$')


def _unquoted_value(text: str, line: object) -> str | None:
    """What to write when the error's line assigns unquoted text such as a URL (Lokomotive's Dex how-to shows
    ``issuer_url = https://dex.<CLUSTER_NAME>.<DOMAIN_NAME>``); None for any other line."""
    lines = text.split("\n")
    if not isinstance(line, int) or not 1 <= line <= len(lines):
        return None
    match = _UNQUOTED.match(lines[line - 1])
    if match is None:
        return None
    name, value = match.groups()
    return f'the value of {name} is text and needs quotes: write {name} = "{value}"'


_BLOCK_HEADER = re.compile(r'^\s*([A-Za-z_][\w-]*(?:\s+(?:"[^"]*"|[A-Za-z_][\w-]*))*)\s*$')


def _brace_on_header_line(path: Path, text: str) -> None:
    """HCL wants a block's ``{`` on its header's line (``cluster "aws" {``); python-hcl2 takes a ``{`` on the next
    line and turns the line break into a label, so say what lokoctl says instead of a puzzling shape error."""
    lines, quoted = text.split("\n"), _heredoc_bodies(text)
    for index, line in enumerate(lines[1:], start=1):
        if index + 1 in quoted or not line.lstrip().startswith("{"):
            continue
        before = next((n for n in range(index - 1, -1, -1) if lines[n].strip() and n + 1 not in quoted), None)
        header = _BLOCK_HEADER.match(lines[before]) if before is not None else None
        if header is not None and before + 1 not in quoted:
            raise ConfigError(f"block {header.group(1)}: its '{{' must be on the same line as the header (HCL "
                              f"requires it): write {header.group(1)} {{", file=str(path), line=before + 1)


def _parse_all(path: Path, files: list[Path], text: str | None = None) -> list[_Source]:
    """Every file parsed; syntax errors in several files are reported together (as lokoctl does). ``text`` is the
    content of the one file, when the caller already read it."""
    sources, failed = [], []
    for file in files:
        try:
            sources.append(_parse(file, text))
        except ConfigError as exc:
            failed.append(exc)
    if len(failed) == 1:
        raise failed[0]
    if failed:
        raise ConfigValidationError([Issue(path="", message=exc.message, rule="syntax", source=_where(exc))
                                     for exc in failed], file=str(path))
    return sources


def _where(exc: ConfigError) -> str | None:
    if exc.file is None:
        return None
    return f"{exc.file}:{exc.line}" if exc.line is not None else exc.file


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
    """Top-level blocks of one kind as (label, body); each must have exactly one label (``cluster "aws" {``)."""
    if kind not in source.data:
        return []
    lines = source.inner(None, rf"^\s*{kind}\b")
    try:
        entries = _block_entries(source.data[kind])
    except _BadLabel as bad:
        raise ConfigError(bad.message(kind), file=str(source.path), line=bad.where(source, None)) from None
    if entries is None:
        raise ConfigError(f'{kind} is a block: write {kind} "label" {{ ... }} (no "=")', file=str(source.path),
                          line=lines[0] if lines else None)
    out = []
    for index, (labels, body) in enumerate(entries):
        if len(labels) != 1:
            raise ConfigError(f'a {kind} block takes one label ({kind} "label" {{ ... }}), got {len(labels)}',
                              file=str(source.path), line=lines[index] if index < len(lines) else None)
        out.append((labels[0], body))
    return out


@dataclass
class _Vars:
    declared: dict[str, Any] = field(default_factory=dict)  # name -> raw default (or _UNSET)
    values: dict[str, Any] = field(default_factory=dict)
    where: dict[str, tuple[_Source, int | None]] = field(default_factory=dict)  # name -> its block's file, line
    failed: set[str] = field(default_factory=set)  # value (vars file entry or default) failed, already reported


_UNSET = object()


def parse_var_override(text: str) -> tuple[str, Any]:
    """``NAME=VALUE`` from the command line: VALUE is an HCL literal when it parses as one, else a string."""
    if not isinstance(text, str):
        raise ConfigError(f"parse_var_override(): expected NAME=VALUE text, got {kind_name(text)}")
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


#: Attributes of a ``variable`` block; only ``default`` has a meaning for lokoctl (and lokonb).
_VARIABLE_ATTRS = ("default", "type", "description", "sensitive", "nullable")


def _collect_variables(sources: list[_Source], issues: list[Issue]) -> _Vars:
    out = _Vars()
    for source in sources:
        for name, body in _blocks(source, "variable"):
            line = source.find_line(rf'^\s*variable\s+"?{re.escape(name)}\b')
            if name in out.declared:
                raise ConfigError(f'variable "{name}" is declared twice', file=str(source.path), line=line)
            out.where[name] = (source, line)
            unknown = sorted(set(body) - set(_VARIABLE_ATTRS))
            if unknown:
                where = source.attr_line(line, unknown[0]) or line
                if _block_entries(body[unknown[0]]) is not None:  # Terraform's validation { } and the like
                    raise ConfigError(f'variable "{name}": {unknown[0]} is a block, and a variable block takes '
                                      "attributes only (default, type, description; lokoctl: \"Blocks are not "
                                      'allowed here"): remove it', file=str(source.path), line=where)
                close = difflib.get_close_matches(unknown[0], _VARIABLE_ATTRS, n=1, cutoff=0.6)
                hint = f'did you mean "{close[0]}"?' if close else "allowed: default, type, description"
                raise ConfigError(f'variable "{name}": unknown attribute {unknown[0]!r}; {hint}',
                                  file=str(source.path), line=where)
            out.declared[name] = body.get("default", _UNSET)
    return out


def _vars_file(explicit: Path | None, config_dir: Path) -> Path | None:
    if explicit is not None:
        if explicit.is_dir():
            raise ConfigError(f"vars file {explicit} is a directory (expected a file of NAME = VALUE lines)")
        if not explicit.exists():  # a pipe (--vars <(sops -d ...)) or /dev/stdin is read like a file
            raise ConfigError(f"vars file not found: {explicit}")
        return explicit
    for candidate in (Path.cwd() / VARS_FILE, config_dir / VARS_FILE):
        if candidate.is_file():
            return candidate
    return None


def _undeclared(name: str, v: _Vars) -> str:
    """Why a value for an undeclared variable is ignored, with a close declared name: lokoctl ignored it silently,
    and a misspelt name surfaced only as "has no value" where the variable is used."""
    close = difflib.get_close_matches(name, v.declared, n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return f'no variable "{name}" block declares it (ignored){hint}'


def _resolve_values(v: _Vars, vars_path: Path | None, overrides: Mapping[str, Any], issues: list[Issue],
                    search_dirs: tuple[Path, ...]) -> None:
    def literal_ctx(where: str) -> Context:
        return Context(variables={}, declared=frozenset(), search_dirs=search_dirs,
                       no_variables=f"{where} cannot refer to variables (HCL evaluates it on its own; lokoctl says "
                                    '"Variables not allowed"): write the value itself')
    if vars_path is not None:
        source = _parse(vars_path)
        for key, raw in source.data.items():
            if isinstance(raw, list) and raw and isinstance(raw[0], dict) and "__is_block__" in str(raw[0]):
                raise ConfigError(f"{key}: the vars file holds only NAME = VALUE lines", file=str(vars_path))
            if (twice := source.repeated(None, key, f"var.{key}")) is not None:
                issues.append(twice)
            if key not in v.declared:
                line = source.find_line(rf"^\s*{re.escape(key)}\s*=")
                issues.append(Issue(path=f"var.{key}", severity="warning", rule="vars",
                                    message=f"set in {vars_path.name} but {_undeclared(key, v)}",
                                    source=f"{vars_path}:{line}" if line else str(vars_path)))
                continue
            try:
                v.values[key] = evaluate(raw, literal_ctx(f"a value in {vars_path.name}"))
            except ExprError as exc:
                v.failed.add(key)
                issues.append(_expr_issue(f"var.{key}", exc, raw, source,
                                          source.find_line(rf"^\s*{re.escape(key)}\s*=")))
    for name, default in v.declared.items():
        if name not in v.values and name not in v.failed and default is not _UNSET:
            try:
                v.values[name] = evaluate(default, literal_ctx("a variable's default"))
            except ExprError as exc:
                v.failed.add(name)
                block, line = v.where[name]
                issues.append(_expr_issue(f"var.{name}", exc, default, block,
                                          block.attr_line(line, "default") or line))
    for name, value in overrides.items():
        if name not in v.declared:
            issues.append(Issue(path=f"var.{name}", severity="warning", rule="vars",
                                message=f"--var {name}: {_undeclared(name, v)}"))
            continue
        v.values[name] = value
        v.failed.discard(name)  # the command line wins; a bad vars file entry stays reported


def _as_written(raw: Any) -> str | None:
    """An attribute's expression as the user wrote it (``var.x`` for ``${var.x}``), for an issue's ``value``; None
    for a list or map (its items are not separate expressions here) and a heredoc (a whole snippet's text)."""
    if not isinstance(raw, str) or raw.startswith('"<<'):
        return None
    text = raw[2:-1] if raw.startswith("${") and raw.endswith("}") else raw
    return text if len(text) <= 80 else text[:77] + "..."


def _expr_issue(path: str, exc: ExprError, raw: Any, source: _Source, line: int | None) -> Issue:
    """An expression that failed to evaluate, as an issue located at its attribute's line."""
    return Issue(path=path, message=str(exc), rule="expression", value=_as_written(raw),
                 source=f"{source.path}:{line}" if line else str(source.path))


def _evaluate(raw: Any, ctx: Context, path: str, source: _Source, line: int | None, issues: list[Issue]) -> Any:
    """One attribute's value; when it fails, the issue goes to ``issues`` and the value is ``INVALID`` (present,
    so no "is required" follows, and skipped by the rules). Each attribute is evaluated on its own, so every
    failing one is reported; within one expression the first error stops it."""
    try:
        return evaluate(raw, ctx)
    except FailedVariable:
        return INVALID  # the variable's own line is reported; this use would only repeat it
    except ExprError as exc:
        issues.append(_expr_issue(path, exc, raw, source, line))
        return INVALID


class _BadLabel(Exception):
    """A block label HCL cannot read (``worker_pool "w\\-1"``: an escape HCL does not have); lokoctl stops on it."""

    def __init__(self, label: str, reason: str) -> None:
        super().__init__(reason)
        self.label, self.reason = label, reason

    def where(self, source: _Source, start: int | None) -> int | None:
        """The first line directly in the block opened on ``start`` (None: the top level) holding the label."""
        return source.first(start, re.escape(self.label))

    def message(self, kind: str) -> str:
        known = " (HCL knows \\n \\r \\t \\\" \\\\ and \\uNNNN)" if "escape" in self.reason else ""
        return f"the label {self.label} of a {kind} block: {self.reason}{known}"


def _block_entries(value: Any) -> list[tuple[tuple[str, ...], dict[str, Any]]] | None:
    """``name "label"... { }`` blocks as (labels, body) pairs; None when ``value`` is an attribute's value."""
    if not isinstance(value, list) or not value:
        return None
    out = []
    for entry in value:
        labels: list[str] = []
        node = entry
        while isinstance(node, dict) and not node.get("__is_block__") and len(node) == 1:
            ((key, inner),) = node.items()
            # labels are quoted strings or, as HCL also allows, bare identifiers (cluster aws {)
            if not (isinstance(key, str) and (key.startswith('"') or re.fullmatch(r"[A-Za-z_][\w-]*", key))):
                return None
            try:
                labels.append(unquote_key(key))
            except ExprError as exc:
                raise _BadLabel(key, str(exc)) from None
            node = inner
        if not (isinstance(node, dict) and node.get("__is_block__")):
            return None
        out.append((tuple(labels), {k: v for k, v in node.items() if k != "__is_block__"}))
    return out


#: Attributes of ``cluster "aws"`` / ``worker_pool`` (lokocfg spelling) and the blocks allowed inside each.
_CLUSTER_ATTRS = frozenset(names(CLUSTER_FIELDS)) - {"worker_pools", "oidc"}
_POOL_ATTRS = frozenset(names(POOL_FIELDS)) - {"name"}
_OIDC_ATTRS = frozenset(names(OIDC_FIELDS))


#: Blocks of other platforms' cluster sections, with what ``cluster "aws"`` takes instead.
_OTHER_PLATFORM_BLOCKS = {
    "dns": '; cluster "aws" takes dns_zone = "<zone>" and dns_zone_id = "<Route 53 zone id>" attributes instead',
    "experimental_sandbox": ('; it sets up cluster "tinkerbell"\'s provisioning sandbox, and cluster "aws" creates its '
                             "own network and instances: remove it"),
}


#: Nested blocks of one kind: (labels, body, line) in source order.
_Nested = list[tuple[tuple[str, ...], dict[str, Any], int | None]]


class _BodyReader:
    """Evaluates the cluster block, turning shape mistakes (a block for an attribute, an unknown block, a
    missing or extra label) into issues located at their own line."""

    def __init__(self, source: _Source, ctx: Context, issues: list[Issue]) -> None:
        self.source, self.ctx, self.issues = source, ctx, issues

    def where(self, line: int | None) -> str:
        return f"{self.source.path}:{line}" if line else str(self.source.path)

    def error(self, path: str, message: str, line: int | None, rule: str = "block") -> None:
        self.issues.append(Issue(path=path, message=message, rule=rule, source=self.where(line)))

    def value(self, value: Any, path: str, line: int | None) -> Any:
        return _evaluate(value, self.ctx, path, self.source, line, self.issues)

    def attributes(self, body: dict[str, Any], start: int | None, base: str, attrs: frozenset[str],
                   blocks: tuple[str, ...]) -> tuple[dict[str, Any], dict[str, _Nested]]:
        """Evaluated attributes, and the allowed nested blocks as (labels, body, line) lists, of one block."""
        values: dict[str, Any] = {}
        nested: dict[str, _Nested] = {}
        for key, raw in body.items():
            path = f"{base}.{key}" if base else key
            try:
                entries = _block_entries(raw)
            except _BadLabel as bad:
                self.error(path, bad.message(key), bad.where(self.source, start))
                continue
            as_block = self.source.first(start, rf"^\s*{re.escape(key)}\s*[{{\"]")
            as_attr = self.source.first(start, rf'^\s*"?{re.escape(key)}"?\s*=')
            if key in blocks:
                if entries is None:
                    self.error(path, f'is a block, not an attribute: write {key} {{ ... }} (no "=")', as_attr)
                    continue
                lines = self.source.inner(start, rf"^\s*{re.escape(key)}(?:\s*[{{\"]|\s+[A-Za-z_])")
                nested[key] = [(labels, b, lines[i] if i < len(lines) else start)
                               for i, (labels, b) in enumerate(entries)]
            elif entries is not None:
                if key in attrs:
                    self.error(path, f'is an attribute, not a block: write {key} = {{ ... }} (with "=")', as_block)
                else:
                    inside = ", ".join(blocks) if blocks else "none"
                    hint = _OTHER_PLATFORM_BLOCKS.get(key, "") if base == "" else ""
                    self.error(path, f"unknown block (blocks allowed here: {inside}){hint}", as_block,
                               rule="unknown")
            else:
                values[key] = self.value(raw, path, as_attr)
                if (twice := self.source.repeated(start, key, path)) is not None:
                    self.issues.append(twice)
        return values, nested


def _cluster_raw(source: _Source, body: dict[str, Any], ctx: Context, issues: list[Issue],
                 start: int | None) -> tuple[dict[str, Any], list[int | None]]:
    """The cluster's attributes (``worker_pools`` a list, ``oidc`` a mapping) and each pool's line."""
    reader = _BodyReader(source, ctx, issues)
    cluster, nested = reader.attributes(body, start, "", _CLUSTER_ATTRS, ("worker_pool", "oidc"))
    pools: list[dict[str, Any]] = []
    pool_lines: list[int | None] = []
    for labels, pool_body, line in nested.get("worker_pool", []):
        if len(labels) != 1:
            reader.error("worker_pool", f"a worker_pool block takes one label, its name (worker_pool \"name\" "
                         f"{{ ... }}), got {len(labels)}", line)
            continue
        name = labels[0]
        values, _none = reader.attributes(pool_body, line, f'worker_pool["{name}"]', _POOL_ATTRS, ())
        pools.append({"name": name, **values})
        pool_lines.append(line)
    oidc_blocks = nested.get("oidc", [])
    if len(oidc_blocks) > 1:
        reader.error("oidc", "more than one oidc block", oidc_blocks[1][2])
    if oidc_blocks:
        labels, oidc_body, line = oidc_blocks[0]
        if labels:
            reader.error("oidc", "an oidc block takes no label (oidc { ... })", line)
        cluster["oidc"], _none = reader.attributes(oidc_body, line, "oidc", _OIDC_ATTRS, ())
    cluster["worker_pools"] = pools
    return cluster, pool_lines


#: Attributes that lokoctl passes to its Terraform module only when set to a non-empty string / non-zero number:
#: ``host_cidr = ""`` (as in Lokomotive's AWS configuration reference) or ``disk_size = 0`` mean the default; an
#: oidc attribute that is "" takes its default too (pkg/oidc's withDefaults: ``client_id = "$OIDC_CLIENT_ID"``
#: of an envsubst template with the variable unset).
_EMPTY_MEANS_DEFAULT = {
    "cluster": ("controller_count", "controller_type", "os_channel", "os_version", "disk_size", "disk_type",
                "network_mtu", "host_cidr", "pod_cidr", "service_cidr", "cluster_domain_suffix",
                "certs_validity_period_hours", "creds_path"),
    "pool": ("instance_type", "os_channel", "os_version", "disk_size", "disk_type"),
    "oidc": ("issuer_url", "client_id", "username_claim", "groups_claim"),
}


def _empty_means_default(cluster: dict[str, Any], locate: Locator, issues: list[Issue]) -> None:
    """Drop Lokomotive's "empty = module default" values so lokonb's default applies, each with a warning."""
    def defaults(where: dict[str, Any], names_: tuple[str, ...], fields: tuple[Any, ...], base: str,
                 raw: RawPath, why: str = "it leaves the attribute out") -> None:
        table = {f.name: f for f in fields}
        for name in names_:
            value = where.get(name)
            if value == "" or (type(value) is int and value == 0):
                del where[name]
                field_ = table[name]
                default = field_.help.removeprefix("default ") if field_.default is DERIVED else repr(field_.default)
                outcome = "leaves it unset" if field_.default is None else f"uses the default {default}"
                issues.append(Issue(
                    path=f"{base}.{name}" if base else name, severity="warning", rule="empty-default",
                    message=f"{value!r} means the default for lokoctl ({why}); lokonb {outcome}",
                    source=locate((*raw, name))))

    defaults(cluster, _EMPTY_MEANS_DEFAULT["cluster"], CLUSTER_FIELDS, "", ("cluster",))
    for index, pool in enumerate(cluster.get("worker_pools", [])):
        defaults(pool, _EMPTY_MEANS_DEFAULT["pool"], POOL_FIELDS, f'worker_pool["{pool["name"]}"]',
                 ("cluster", "worker_pools", index))
    if isinstance(cluster.get("oidc"), dict):
        defaults(cluster["oidc"], _EMPTY_MEANS_DEFAULT["oidc"], OIDC_FIELDS, "oidc", ("cluster", "oidc"),
                 why="its oidc block takes the default for an empty value")


#: The strings go-cty converts to a bool ("1" and "0" too; "True" or "yes" stay errors).
_BOOL_STRINGS = {"true": True, "1": True, "false": False, "0": False}


def _to_string(value: Any) -> Any:
    return scalar_text(value) if isinstance(value, bool | int | float) else value


def _to_bool(value: Any) -> Any:
    return _BOOL_STRINGS.get(value, value) if isinstance(value, str) else value


def _to_list(value: Any) -> Any:
    if value is None:
        return []  # gocty decodes null into a Go slice as nil: lokoctl took `x = null` as an empty list
    return [_to_string(i) for i in value] if isinstance(value, list) else value


def _to_map(value: Any) -> Any:
    if value is None:
        return {}  # the same for a Go map (a string or number stays null: "null value is not allowed")
    return {k: _to_string(i) for k, i in value.items()} if isinstance(value, dict) else value


#: HCL's automatic type conversions by attribute kind, which lokoctl got from gohcl's decoding: a quoted number
#: where a number is expected, "true"/"false" for a bool, a number or bool where a string is expected (also as
#: list items and map values), null as an empty list or map. Anything else is left for the type check to report.
_HCL_CONVERSIONS: dict[str, Any] = {
    "int": to_number, "number": to_number, "bool": _to_bool,
    "str": _to_string, "path": _to_string, "cidr": _to_string, "ip": _to_string,
    "list": _to_list, "map": _to_map,
}


def _hcl_conversions(cluster: dict[str, Any]) -> None:
    """Convert the cluster's, its pools' and its oidc block's values as HCL would for their attribute types."""
    def convert(values: Any, fields: tuple[Any, ...]) -> None:
        if not isinstance(values, dict):
            return
        kinds = {f.name: f.kind for f in fields}
        for name, value in values.items():
            conversion = _HCL_CONVERSIONS.get(kinds.get(name, ""))
            if conversion is not None and value is not INVALID:
                values[name] = conversion(value)

    convert(cluster, CLUSTER_FIELDS)
    convert(cluster.get("oidc"), OIDC_FIELDS)
    for pool in cluster.get("worker_pools", []):
        convert(pool, POOL_FIELDS)


def _os_name(cluster: dict[str, Any], locate: Locator, issues: list[Issue]) -> None:
    """``os_name`` (some Lokomotive releases; "flatcar" was its only working value): lokonb installs Flatcar only."""
    if "os_name" not in cluster:
        return
    value = cluster.pop("os_name")
    if value is INVALID:  # its expression failed and is reported
        return
    where = locate(("cluster", "os_name"))
    if isinstance(value, str) and value.lower() == "flatcar":
        issues.append(Issue(path="os_name", severity="warning", rule="os_name", source=where,
                            message=f"{value!r} is ignored: lokonb installs Flatcar Container Linux only (the "
                                    "attribute of older Lokomotive releases, removed in v0.6.0, can be removed)"))
    else:
        issues.append(Issue(path="os_name", rule="os_name", source=where, value=repr(value),
                            message=f"{value!r}: lokonb installs Flatcar Container Linux only", allowed='"flatcar"'))


_PLACEHOLDER_RE = re.compile(r"\$(?!\{)[A-Z_][A-Z0-9_]*")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for k, v in value.items() for text in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [text for v in value for text in _strings(v)]
    return []


def _placeholders(cluster: dict[str, Any], path: Path, issues: list[Issue]) -> None:
    """One warning naming shell-style ``$NAME`` placeholders: a template (``*.lokocfg.envsubst``) not substituted."""
    snippets = ("controller_clc_snippets", "clc_snippets")  # shell variables are at home in snippets
    values = [v for k, v in cluster.items() if k not in snippets and k != "worker_pools"]
    values += [v for pool in cluster.get("worker_pools", []) for k, v in pool.items() if k not in snippets]
    found = sorted({m.group(0) for text in _strings(values) for m in _PLACEHOLDER_RE.finditer(text)})
    if found:
        issues.append(Issue(path="cluster", severity="warning", rule="placeholders", source=str(path),
                            message="holds unsubstituted placeholders " + ", ".join(found) + "; this looks like a "
                                    "template: substitute them first (Lokomotive's CI runs envsubst on its "
                                    "*.lokocfg.envsubst files)"))


def _string_labels(cluster: dict[str, Any], locate: Locator, issues: list[Issue]) -> None:
    """Older Lokomotive releases took pool labels/taints as "k=v,k2=v2" strings; name the map to write instead."""
    for index, pool in enumerate(cluster.get("worker_pools", [])):
        for attr in ("labels", "taints"):
            value = pool.get(attr)
            if not (isinstance(value, str) and "=" in value):
                continue
            pairs = [item.partition("=") for item in value.split(",") if item.strip()]
            if not all(sep and key.strip() for key, sep, _v in pairs):
                continue
            suggestion = ", ".join(f'"{key.strip()}" = "{val.strip()}"' for key, _s, val in pairs)
            del pool[attr]
            issues.append(Issue(
                path=f'worker_pool["{pool["name"]}"].{attr}', rule="type", value=repr(value),
                source=locate(("cluster", "worker_pools", index, attr)),
                message=f"{value!r} is the string form of older Lokomotive releases (before v0.5.0); {attr} is "
                        f"now a map: write {attr} = {{ {suggestion} }}"))


def _repeated_components(components: list[tuple[_Source, str]], issues: list[Issue]) -> None:
    """A component block given twice (in one file or across a directory): lokoctl finds a component's settings
    by name and takes the first block, so the later ones are silently unused there."""
    for name in dict.fromkeys(label for _s, label in components):
        files = {id(s): s for s, label in components if label == name}.values()  # each file once, in order
        places = [f"{s.path}:{line}" for s in files
                  for line in s.inner(None, rf'^\s*component\s+"?{re.escape(name)}"?\s*\{{')]
        if len(places) > 1:
            issues.append(Issue(path=f'component["{name}"]', severity="warning", rule="components",
                                source=places[1],
                                message=f"is defined {len(places)} times ({', '.join(places)}); lokoctl uses the "
                                        "first block's settings only: merge them into one block"))


def _check_backend(source: _Source, name: str) -> None:
    if name not in BACKEND_ATTRS:
        raise ConfigError(f'backend "{name}" is not supported by lokonb (allowed: local, s3)',
                          file=str(source.path), line=source.find_line(r"^\s*backend\s"))


#: Backend attributes lokoctl's backend templates leave out when empty (``{{- if .Path }}``,
#: ``{{- if .AWSCredsPath }}``): "" there means unset, not an empty path.
_BACKEND_EMPTY_UNSET = {"local": ("path",), "s3": ("aws_creds_path",)}


def _local_state_path(path: str, cluster: dict[str, Any]) -> str:
    """lokoctl wrote the local backend into ``<asset_dir>/terraform`` and ran Terraform there, so a relative
    ``path`` is relative to that directory, not to the working directory; lokonb's file goes beside it."""
    if os.path.isabs(os.path.expanduser(path)):
        return f"{path}.lokonb.json"
    asset_dir = cluster.get("asset_dir")
    base = asset_dir if isinstance(asset_dir, str) else str(default_asset_dir(cluster.get("cluster_name")))
    return os.path.join(base, "terraform", f"{path}.lokonb.json")


def _backend_state(source: _Source, name: str, body: dict[str, Any], ctx: Context,
                   issues: list[Issue], cluster: dict[str, Any]) -> dict[str, Any]:
    values = {}
    start = source.first(None, r"^\s*backend\b")
    for key, value in body.items():
        line = source.attr_line(start, key) or start  # inside the backend block (a cluster has region/path too)
        if (twice := source.repeated(start, key, f"backend.{key}")) is not None:
            issues.append(twice)
        if key not in BACKEND_ATTRS[name]:
            close = difflib.get_close_matches(key, BACKEND_ATTRS[name], n=1, cutoff=0.6)
            hint = f'did you mean "{close[0]}"?' if close else "allowed: " + ", ".join(BACKEND_ATTRS[name])
            issues.append(Issue(path=f"backend.{key}", rule="unknown",
                                message=f'unknown attribute of backend "{name}"; {hint}',
                                source=f"{source.path}:{line}" if line else str(source.path)))
            continue
        values[key] = _evaluate(value, ctx, f"backend.{key}", source, line, issues)
        if values[key] == "" and key in _BACKEND_EMPTY_UNSET[name]:
            del values[key]
            issues.append(Issue(path=f"backend.{key}", severity="warning", rule="empty-default",
                                message=f'"" means unset for lokoctl (its backend "{name}" template leaves the '
                                        "attribute out); lokonb leaves it unset",
                                source=f"{source.path}:{line}" if line else str(source.path)))
    if name == "local":
        # no path: lokoctl rendered no backend and Terraform kept its default state; lokonb keeps its own default
        if "path" not in values:
            return {"backend": "local"}
        path = values["path"]  # not a string (INVALID, a list): the type check names it
        return {"backend": "local", "path": _local_state_path(path, cluster) if isinstance(path, str) else path}
    state: dict[str, Any] = {"backend": "s3"}
    for key in ("bucket", "region", "dynamodb_table"):
        if key in values:
            state[key] = values[key]
    if "key" in values:
        state["key"] = INVALID if values["key"] is INVALID else f"{values['key']}.lokonb.json"
    else:
        state["key"] = ""  # lokoctl requires a key: V22 reports it
    if "aws_creds_path" in values:
        state["shared_credentials_file"] = values["aws_creds_path"]
    return state


def _locator(cluster_source: _Source | None, cluster_line: int | None, pool_lines: list[int | None],
             backend_source: _Source | None) -> Locator:
    def locate(path: RawPath) -> str | None:
        state = path[:1] == ("state",)
        src = backend_source if state else cluster_source
        if not path or src is None:
            return None
        start = src.first(None, r'^\s*backend\s+"') if state else cluster_line
        rest = path[1:]
        if rest[:1] == ("worker_pools",) and len(rest) >= 2 and isinstance(rest[1], int):
            if rest[1] >= len(pool_lines):
                return f"{src.path}:{start or 1}"
            start, rest = pool_lines[rest[1]] or start, rest[2:]
        elif rest[:1] == ("oidc",):
            start = src.attr_line(start, "oidc") or start
            rest = rest[1:]
        attr = next((p for p in rest if isinstance(p, str)), None)
        line = src.attr_line(start, attr) if attr else None
        return f"{src.path}:{line or start or 1}"
    return locate


def read_lokocfg(path: str | Path, vars_path: str | Path | None = None,
                 overrides: Mapping[str, Any] | None = None, *, text: str | None = None) -> Loaded:
    """Load and validate a Lokomotive config (file or directory); returns the model with its warnings.

    ``text`` is the file's content when the caller already read it (a pipe such as ``/dev/fd/63`` can be read
    only once)."""
    _require_path(path, "read_lokocfg")
    if vars_path is not None:
        _require_path(vars_path, "read_lokocfg", "vars_path")
    _require_overrides(overrides, "read_lokocfg")
    path = Path(path)
    if text is not None and not isinstance(text, str):
        raise ConfigError(wrong_kind("read_lokocfg", "text", "a str (the file's content) or None", text))
    sources = _parse_all(path, [path] if text is not None else _config_files(path), text)
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
    ctx = Context(variables=variables.values, declared=frozenset(variables.declared), search_dirs=search_dirs,
                  failed=frozenset(variables.failed))

    clusters = [(s, label, body) for s in sources for label, body in _blocks(s, "cluster")]
    if not clusters:
        raise ConfigError(f"no cluster block in {path} (expected cluster \"aws\" {{ ... }})")
    if len(clusters) > 1:
        places = [f"{s.path}:{n}" for s in sources for n in s.inner(None, r"^\s*cluster\b")]
        raise ConfigError(f"more than one cluster block ({', '.join(places)}); a configuration defines one cluster")
    cluster_source, platform, body = clusters[0]
    cluster_line = cluster_source.first(None, r"^\s*cluster\b")
    if platform != "aws":
        raise ConfigError(f'platform "{platform}" is not supported by lokonb (only aws)',
                          file=str(cluster_source.path), line=cluster_line)
    backends = [(s, label, b) for s in sources for label, b in _blocks(s, "backend")]
    if len(backends) > 1:
        places = [f"{s.path}:{n}" for s in sources for n in s.inner(None, r"^\s*backend\b")]
        raise ConfigError(f"more than one backend block ({', '.join(places)}); a configuration has one state backend")
    if backends:
        _check_backend(*backends[0][:2])
    # Structural errors above stop loading; from here every attribute is evaluated on its own and a failing
    # expression becomes an issue (INVALID value), reported with validation's issues.
    cluster, pool_lines = _cluster_raw(cluster_source, body, ctx, issues, cluster_line)
    state = _backend_state(*backends[0], ctx, issues, cluster) if backends else {}
    components = [(s, label) for s in sources for label, _b in _blocks(s, "component")]
    if components:
        issues.append(Issue(path="component", severity="warning", rule="components",
                            message="components are not handled by lokonb: "
                                    + ", ".join(dict.fromkeys(label for _s, label in components))
                                    + " (install them with lokoctl or Helm)"))
        _repeated_components(components, issues)
    locate = _locator(cluster_source, cluster_line, pool_lines, backends[0][0] if backends else None)
    _hcl_conversions(cluster)
    eras.check(cluster, locate, issues)  # before the legacy names and string forms it reads are reported
    _os_name(cluster, locate, issues)
    _empty_means_default(cluster, locate, issues)
    _string_labels(cluster, locate, issues)
    _placeholders(cluster, cluster_source.path, issues)
    raw = RawDefinition(cluster=cluster, aws={}, state=state, file=str(path), issues=issues, locate=locate,
                        spelling=_SPELLING, hcl=True)
    config, found = validate_raw(raw)
    return Loaded(config, tuple(i for i in found if i.severity != "error"))


#: lokocfg spellings for "allowed:" lists: pools are ``worker_pool "name" { }`` blocks (the label is the name)
_SPELLING: dict[str, str | None] = {"worker_pools": "worker_pool", "name": None}


def _require_path(value: Any, function: str, name: str = "path") -> None:
    if not isinstance(value, str | os.PathLike):
        raise ConfigError(wrong_kind(function, name, "a file or directory path (str or Path)", value))


def _require_overrides(value: Any, function: str) -> None:
    # the CLI's NAME=VALUE strings are the natural mistake: dict() of them raised "dictionary update sequence
    # element #0 has length 3; 2 is required"
    if value is None or isinstance(value, Mapping):
        return
    hint = (" (NAME=VALUE text, as --var takes it, becomes a pair with parse_var_override())"
            if isinstance(value, str) or (isinstance(value, list | tuple) and value and isinstance(value[0], str))
            else "")
    raise ConfigError(f"{function}(): overrides must be a mapping of variable name to value, e.g. "
                      f"{{'web_workers': 3}}, got {kind_name(value)}{hint}")


def load_lokocfg(path: str | Path, vars_path: str | Path | None = None,
                 overrides: Mapping[str, Any] | None = None) -> ClusterConfig:
    """Load a Lokomotive ``.lokocfg`` (file or directory) into the validated model; warnings are logged."""
    loaded = read_lokocfg(path, vars_path, overrides)
    for issue in loaded.warnings:
        log.warning("%s", issue)
    return loaded.config
