"""Evaluating the HCL expressions found in Lokomotive configs, as python-hcl2 returns them.

python-hcl2 gives literals as Python values, quoted strings and heredocs in their source form, and any other
expression as ``${...}`` text. lokonb evaluates what lokoctl configs use: literals, lists, maps, heredocs,
``var.NAME``, string templates with ``${...}``, ``file(path)`` and ``pathexpand(path)``. Anything else
(other functions, conditionals, arithmetic, ``for``) is refused with a message saying what is supported.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from lokonb.errors import kind_name

SUPPORTED = "lokonb evaluates var.*, file(), pathexpand() and string templates"
HEREDOC_RE = re.compile(r'^"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\n(.*?)(\n?)[ \t]*\2"$', re.DOTALL)
IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
#: Terraform's references (``local.x``, ``module.m.out``...): lokoctl has none of them, so they are unsupported
#: expressions, not text that lacks its quotes.
REFERENCE_ROOTS = frozenset({"local", "module", "data", "path", "terraform", "each", "count", "self"})
#: The rest of a dotted name after its first part (``.small`` of ``t3.small``, ``.2xlarge`` of ``m5.2xlarge``).
DOTTED_RE = re.compile(r"(?:\s*\.\s*[A-Za-z0-9_-]+)+")
NUMBER_RE = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?")
LEGACY_INDEX_RE = re.compile(r"\d+")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
#: Where the loader moved the strip markers of ``"${~ x ~}"`` in quoted strings so python-hcl2 can parse them
#: (private-use characters: not text a config holds); ``render_template`` puts them back.
STRIP_LEFT, STRIP_RIGHT = "\ue000", "\ue001"


class FileText(str):
    """The text ``file(path)`` returns; ``path`` is the argument as written, so that snippet findings can name the
    file (flatcar.md §6.4). Otherwise a plain ``str``."""

    path: str

    def __new__(cls, text: str, path: str) -> FileText:
        obj = super().__new__(cls, text)
        obj.path = path
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (FileText, (str(self), self.path))


# YAML dumpers look representers up by exact type: dump a FileText as the string it is (`lokonb config show`).
yaml.SafeDumper.add_representer(FileText, lambda dumper, data: dumper.represent_str(str(data)))


class ExprError(Exception):
    """An expression lokonb cannot evaluate; ``str()`` is the user message (without location)."""


class FailedVariable(ExprError):
    """``var.NAME`` whose own value (vars file entry or default) failed to evaluate and was reported there; the
    expression using it fails too, but reporting it again would repeat the same mistake."""


@dataclass
class Context:
    """What expressions can see: variable values, where relative ``file()`` paths are looked up."""

    variables: Mapping[str, Any]
    declared: frozenset[str]
    search_dirs: tuple[Path, ...]
    where: str = ""
    used_files: list[Path] = field(default_factory=list)
    failed: frozenset[str] = frozenset()  # variables whose value failed to evaluate (see FailedVariable)
    #: why ``var.*`` is not allowed here (a variable's default, a vars file entry: HCL evaluates them without
    #: variables, lokoctl says "Variables not allowed"); empty where variables are in scope
    no_variables: str = ""


#: A template sequence (``${`` or ``%{``) that is not escaped as ``$${`` / ``%%{``.
_TEMPLATE_RE = re.compile(r"(?<![$%])[$%]\{")


def unquote_key(key: str, ctx: Context | None = None) -> str:
    """Block labels (``ctx`` None) and map keys come back quoted (``"\\"web\\""``); return the plain text.

    A label is literal text in HCL ("Template sequences are not allowed in this string"); a map key is a
    template like any string (``"${var.team}-owner" = "x"``), evaluated with ``ctx``.
    """
    if len(key) >= 2 and key[0] == key[-1] == '"':
        if ctx is None and _TEMPLATE_RE.search(key[1:-1]):
            raise ExprError('a block label is plain text: HCL allows no ${...} or %{...} in it (write the name '
                            'itself, or $${ for a literal "${")')
        value = render_template(key[1:-1], ctx, escapes=True)
        if isinstance(value, list | dict) or value is None:
            raise ExprError(f"a map key must be a string, got {kind_name(value, document=True)}"
                            f" from `{key}`")
        return scalar_text(value)
    if ctx is not None and key.startswith("${") and _matching_brace(key, 1) == len(key) - 1:
        return _expression_key(key[2:-1].strip(), ctx)
    return key


#: A naked reference of several steps (``var.team``), which HCL refuses as a map key ("Ambiguous attribute key").
_TRAVERSAL_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(\s*\.\s*[A-Za-z_][A-Za-z0-9_-]*)+")


def _expression_key(text: str, ctx: Context) -> str:
    """A map key that is an expression (python-hcl2 gives ``${...}``): HCL evaluates ``(var.team) = "x"``, and refuses
    a naked ``var.team = "x"`` as ambiguous (a reference, or text with dots?)."""
    if _TRAVERSAL_RE.fullmatch(text):
        raise ExprError(f"map key {text} is ambiguous in HCL (lokoctl refuses it): write ({text}) = ... for the "
                        f'value of {text}, or "{text}" = ... for the text itself')
    value = Parser(text, ctx).parse_all()
    if isinstance(value, list | dict) or value is None:
        raise ExprError(f"a map key must be a string, got {kind_name(value, document=True)}"
                        f" from `({text.strip('()')})`")
    return scalar_text(value)


def evaluate(value: Any, ctx: Context) -> Any:
    """Evaluate one attribute value from python-hcl2's output."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list):
        return [evaluate(v, ctx) for v in value]
    if isinstance(value, dict):
        return {unquote_key(k, ctx): evaluate(v, ctx) for k, v in value.items() if k != "__is_block__"}
    if not isinstance(value, str):
        raise ExprError(f"unsupported value {value!r}")
    heredoc = HEREDOC_RE.match(value)
    if heredoc:
        if not heredoc.group(3) and not heredoc.group(4):  # no line between the markers: "" (a blank line is "\n")
            return ""
        return render_template(_heredoc_body(heredoc.group(1) == "-", heredoc.group(3)), ctx, escapes=False)
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return render_template(value[1:-1], ctx, escapes=True)
    if value.startswith("${") and _matching_brace(value, 1) == len(value) - 1:
        return Parser(value[2:-1], ctx).parse_all()
    return Parser(value, ctx).parse_all()


def _heredoc_body(flush: bool, body: str) -> str:
    lines = body.split("\n")
    if flush:  # <<- removes the smallest common indentation
        indents = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()]
        cut = min(indents, default=0)
        lines = [line[cut:] for line in lines]
    return "\n".join(lines) + "\n"


def _matching_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start``, skipping quoted strings; -1 if none."""
    depth, i, in_str = 0, start, False
    while i < len(text):
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _strip_markers(inner: str) -> tuple[bool, str, bool]:
    """An interpolation's text between ``${`` and ``}`` as (strip before, expression, strip after): ``${~ x ~}``
    removes the white space of the literal text on either side (hcl/v2's template strip markers)."""
    left, right = inner.startswith("~"), inner.endswith("~") and len(inner) > 1
    return left, inner[1 if left else 0:len(inner) - 1 if right else len(inner)], right


def render_template(text: str, ctx: Context | None, *, escapes: bool) -> Any:
    """Render a string template; a template that is exactly one ``${expr}`` keeps the value's type."""
    text = text.replace(STRIP_LEFT + "${", "${~").replace("}" + STRIP_RIGHT, "~}")
    if ctx is not None and text.startswith("${") and _matching_brace(text, 1) == len(text) - 1:
        return _interpolate(_strip_markers(text[2:-1])[1], ctx)
    out: list[str] = []
    i = 0
    literal, trim_next = 0, False  # start in out of the literal text after the last ${...}; did that end in ~}
    while i < len(text):
        ch = text[i]
        if escapes and ch == "\\":
            i = _escape(text, i, out)
            continue
        if text.startswith("$${", i) or text.startswith("%%{", i):
            out.append(text[i + 1:i + 3])
            i += 3
            continue
        if text.startswith("${", i):
            end = _matching_brace(text, i + 1)
            if end < 0 or ctx is None:
                raise ExprError(f"unterminated or misplaced interpolation in {text!r}")
            strip_before, expression, strip_after = _strip_markers(text[i + 2:end])
            value = _interpolate(expression, ctx)
            if isinstance(value, list | dict) or value is None:
                raise ExprError(f"cannot put {kind_name(value, document=True)} value of "
                                f"`{expression.strip()}` into a string")
            # as hcl/v2: a marker trims all white space (escaped line breaks too) of the literal text beside it
            out[literal:] = [_trim("".join(out[literal:]), trim_next, strip_before)]
            out.append(scalar_text(value))
            literal, trim_next = len(out), strip_after
            i = end + 1
            continue
        if text.startswith("%{", i):
            raise ExprError(f"unsupported template directive in {text!r} ({SUPPORTED})")
        out.append(ch)
        i += 1
    out[literal:] = [_trim("".join(out[literal:]), trim_next, False)]
    return "".join(out)


def _interpolate(expression: str, ctx: Context) -> Any:
    """The value of one ``${...}``. ``${HOME}`` with no variable HOME is, in a CLC snippet, a shell or systemd variable
    that lacks HCL's escape (lokoctl: "Unknown variable"): say how to write it."""
    name = expression.strip()
    if IDENT_RE.fullmatch(name) and name not in ctx.declared and name not in ("true", "false", "null"):
        raise ExprError(f"${{{name}}} is an HCL interpolation and {name} is no variable: write $${{{name}}} for the "
                        f"text ${{{name}}} (a shell or systemd variable in a snippet), or ${{var.NAME}} for a variable")
    return Parser(expression, ctx).parse_all()


def _trim(text: str, start: bool, end: bool) -> str:
    text = text.lstrip() if start else text
    return text.rstrip() if end else text


def _escape(text: str, i: int, out: list[str]) -> int:
    nxt = text[i + 1:i + 2]
    if nxt in ESCAPES:
        out.append(ESCAPES[nxt])
        return i + 2
    for letter, width in (("u", 4), ("U", 8)):
        if nxt == letter:
            digits = text[i + 2:i + 2 + width]
            try:
                out.append(chr(int(digits, 16)))
            except ValueError:
                raise ExprError(f"invalid escape \\{letter}{digits} in string") from None
            return i + 2 + width
    raise ExprError(f"invalid escape sequence \\{nxt} in string")


def _number_text(value: int | float) -> str:
    """A number as HCL writes it as a string (go-cty's conversion, big.Float ``Text('f', -1)``): ``5``, ``0.05``,
    ``3.0`` -> ``3``, ``1e-05`` -> ``0.00001``. cty has one number type, so a whole float has no ``.0``."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


#: The numbers go-cty converts a string to (big.Float's Parse in base 10: a sign, "3.", ".5", an exponent).
_NUMERAL = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")


def to_number(value: Any) -> Any:
    """A value as HCL converts it where a number is wanted: a numeral string ("3", "2.5", "1e3") becomes a number
    and a whole float an int (cty has one number type: ``2.0`` is 2); anything else is returned for the caller to
    report."""
    if isinstance(value, str) and _NUMERAL.fullmatch(value):
        number = float(value)
        return int(number) if number.is_integer() else number
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def scalar_text(value: Any) -> str:
    """A scalar in a string template or map key, converted as HCL does (``true``, ``3``, not ``True``, ``3.0``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _number_text(value) if isinstance(value, int | float) else str(value)


def _element(value: Any, index: Any, name: str) -> Any:
    """``value[index]`` as hcl's Index takes it: a list's key converted to a whole number ("1" and 1.0 are 1), a
    map's to a string (1 is "1"); no negative or out-of-range positions, no bools as numbers."""
    key = to_number(index) if isinstance(value, list) else index
    if isinstance(value, dict) and isinstance(key, bool | int | float):
        key = scalar_text(key)
    if isinstance(value, list) and type(key) is int and 0 <= key < len(value):
        return value[key]
    if isinstance(value, dict) and isinstance(key, str) and key in value:
        return value[key]
    where = f"var.{name}[{_hcl_repr(index)}] does not exist"
    if isinstance(value, list):
        raise ExprError(f"{where}: var.{name} is " + (f"a list of {len(value)} items; a position is a whole number "
                                                      f"from 0 to {len(value) - 1}" if value else "an empty list"))
    if isinstance(value, dict):
        raise ExprError(f"{where}: var.{name} has the keys " + (", ".join(map(_hcl_repr, value)) or "(none)"))
    kind = "a string" if isinstance(value, str) else "a bool" if isinstance(value, bool) else "a number"
    raise ExprError(f"{where}: var.{name} is {kind}, which has no elements")  # its value may be a secret


def _hcl_repr(value: Any) -> str:
    """An index or key as HCL writes it in a message: ``"small"``, ``true``, ``1``."""
    return f'"{value}"' if isinstance(value, str) else scalar_text(value) if isinstance(value, bool | int | float) \
        else type(value).__name__


class Parser:
    """A recursive-descent evaluator for the expression subset lokoctl configs use."""

    def __init__(self, text: str, ctx: Context) -> None:
        self.text = text
        self.pos = 0
        self.ctx = ctx

    def unsupported(self) -> ExprError:
        return ExprError(f"unsupported expression `{self.text.strip()}` ({SUPPORTED})")

    def parse_all(self) -> Any:
        value = self.expr()
        self.skip()
        if self.pos != len(self.text):
            raise self.unsupported()
        return value

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos:self.pos + 1]

    def expect(self, ch: str) -> None:
        if self.peek() != ch:
            raise self.unsupported()
        self.pos += 1

    def expr(self) -> Any:
        ch = self.peek()
        if ch == '"':
            return self.string()
        if ch == "[":
            return self.sequence("[", "]")
        if ch == "{":
            return self.mapping()
        if ch == "(":
            self.pos += 1
            if (collection := self.serialized_collection()) is not None:
                return collection
            value = self.expr()
            self.expect(")")
            return value
        number = NUMBER_RE.match(self.text, self.pos)
        if number:
            self.pos = number.end()
            text = number.group(0)
            return float(text) if any(c in text for c in ".eE") else int(text)
        ident = IDENT_RE.match(self.text, self.pos)
        if not ident:
            raise self.unsupported()
        self.pos = ident.end()
        name = ident.group(0)
        if name in ("true", "false"):
            return name == "true"
        if name == "null":
            return None
        if self.peek() == "(":
            return self.call(name)
        if name == "var":
            return self.variable()
        if self.peek() in ("", ",", "]", "}", ")"):
            raise self.bare_name(name)
        dotted = DOTTED_RE.match(self.text, self.pos) if name not in REFERENCE_ROOTS else None
        if self.peek() == "." and dotted is not None:
            self.pos = dotted.end()
            if self.peek() in ("", ",", "]", "}", ")"):  # t3.small, example.com: text without its quotes
                text = name + dotted.group(0)
                raise ExprError(f'`{text}` is not a value: write a string in quotes ("{text}")')
        raise self.unsupported()

    def serialized_collection(self) -> Any:
        """python-hcl2 writes a list or map in parentheses (``(["a", var.b])``) as the Python repr of its serialized
        items, ``(['"a"', '${var.b}'])``: read that repr and evaluate the items; None for anything else."""
        rest = self.text[self.pos:].strip()
        if rest[:1] not in ("[", "{") or not rest.endswith(")"):
            return None
        try:
            items = ast.literal_eval(rest[:-1])
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
        if not isinstance(items, list | dict):
            return None
        self.pos = len(self.text)
        return evaluate(items, self.ctx)

    def bare_name(self, name: str) -> ExprError:
        """A name on its own (``dns_zone_id = route53_zone_id`` in Lokomotive's AWS reference): lokoctl says
        "Unknown variable"; say what was probably meant."""
        if name in self.ctx.declared:
            return ExprError(f"`{name}` alone is not a value: refer to the variable as var.{name}")
        return ExprError(f'`{name}` alone is not a value: write a string in quotes ("{name}"), or var.NAME for a '
                         "variable")

    def string(self) -> Any:
        start = self.pos
        self.pos += 1
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == "\\":
                self.pos += 2
                continue
            if ch == "$" and self.text.startswith("${", self.pos):
                end = _matching_brace(self.text, self.pos + 1)
                if end < 0:
                    raise self.unsupported()
                self.pos = end + 1
                continue
            if ch == '"':
                self.pos += 1
                return render_template(self.text[start + 1:self.pos - 1], self.ctx, escapes=True)
            self.pos += 1
        raise ExprError(f"unterminated string in `{self.text.strip()}`")

    def sequence(self, open_: str, close: str) -> list[Any]:
        self.expect(open_)
        items: list[Any] = []
        while self.peek() != close:
            items.append(self.expr())
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != close:
                raise self.unsupported()
        self.pos += 1
        return items

    def mapping(self) -> dict[str, Any]:
        self.expect("{")
        out: dict[str, Any] = {}
        while self.peek() != "}":
            if self.peek() == '"':
                key = self.string()
            else:
                ident = IDENT_RE.match(self.text, self.pos)
                if not ident:
                    raise self.unsupported()
                self.pos = ident.end()
                key = ident.group(0)
            if self.peek() not in ("=", ":"):
                raise self.unsupported()
            self.pos += 1
            out[str(key)] = self.expr()
            if self.peek() == ",":
                self.pos += 1
        self.pos += 1
        return out

    def variable(self) -> Any:
        if self.ctx.no_variables:
            raise ExprError(self.ctx.no_variables)
        self.expect(".")
        ident = IDENT_RE.match(self.text, self.pos)
        if not ident:
            raise self.unsupported()
        self.pos = ident.end()
        name = ident.group(0)
        if name not in self.ctx.declared:
            raise ExprError(f'reference to undeclared variable "{name}" (add a variable "{name}" block)')
        if name in self.ctx.failed:
            raise FailedVariable(f'variable "{name}" has no value: its value failed to evaluate')
        if name not in self.ctx.variables:
            raise ExprError(f'variable "{name}" has no value: set it in lokocfg.vars, with --var {name}=VALUE, '
                            "or give the variable block a default")
        value = self.ctx.variables[name]
        while self.peek() in ("[", "."):  # var.x[0], var.x["k"] and, as HCL reads a map's key too, var.x.k
            dot = self.peek() == "."
            self.pos += 1
            if dot:  # var.x.0 too: HCL's legacy index, var.x[0] of a list (the key "0" of a map)
                attr = IDENT_RE.match(self.text, self.pos) or LEGACY_INDEX_RE.match(self.text, self.pos)
                if not attr or not isinstance(value, dict | list) or (
                        isinstance(value, list) and not attr.group(0).isdigit()):
                    raise self.unsupported()
                self.pos, index = attr.end(), attr.group(0)
                index = int(index) if isinstance(value, list) else index
            else:
                index = self.expr()
                self.expect("]")
            value = _element(value, index, name)
        return value

    def call(self, name: str) -> Any:
        func = FUNCTIONS.get(name)
        if func is None:
            raise ExprError(f"unsupported function {name}() in `{self.text.strip()}` ({SUPPORTED})")
        args = self.sequence("(", ")")
        if len(args) != 1 or not isinstance(args[0], str):
            raise ExprError(f"{name}() takes one string argument")
        return func(args[0], self.ctx)


def _file(path: str, ctx: Context) -> str:
    expanded = Path(os.path.expanduser(path))
    # dict.fromkeys: the working directory and the config's directory are often the same one.
    candidates = [expanded] if expanded.is_absolute() else list(dict.fromkeys(d / expanded for d in ctx.search_dirs))
    for candidate in candidates:
        if candidate.is_file():
            ctx.used_files.append(candidate)
            try:
                return FileText(candidate.read_text(encoding="utf-8-sig").replace("\r\n", "\n"), path)
            except (OSError, UnicodeDecodeError) as exc:
                raise ExprError(f"file({path!r}): cannot read {candidate}: {exc}") from None
    looked = ", ".join(str(c) for c in candidates)
    if any(c.is_dir() for c in candidates):
        raise ExprError(f"file({path!r}): is a directory, expected a file (looked in: {looked})")
    raise ExprError(f"file({path!r}): no such file (looked in: {looked})")


def _pathexpand(path: str, ctx: Context) -> str:
    return os.path.expanduser(path)


FUNCTIONS: dict[str, Callable[[str, Context], str]] = {"file": _file, "pathexpand": _pathexpand}
