"""Calico selector expressions (``spec.selector`` of GlobalNetworkPolicy/NetworkPolicy) parsed and evaluated.

Grammar (Calico's documented selector syntax, checked against the vectors of Calico's own parser and tokenizer
tests): ``all()``, ``global()``, ``has(k)``, ``k == 'v'``, ``k != 'v'``, ``k in {'a', 'b'}``, ``k not in {...}``
(also ``notin``), ``k contains 's'``, ``k starts with 's'`` (also ``startswith``), ``k ends with 's'`` (also
``endswith``), ``!``, ``&&``, ``||`` and parentheses. Label keys are made of ``A-Z a-z 0-9 _ . / -``; values are
quoted with ``'`` or ``"``. Operator words are recognised only right after a label key, so keys may be words such as
``contains`` or ``has``. An empty selector selects every endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

Matcher = Callable[[Mapping[str, str]], bool]

_LABEL = re.compile(r"[A-Za-z0-9_./-]+")
_SPACE = re.compile(r"\s*")
#: Operators that may follow a label key; "starts with", "ends with" and "not in" may be written as one word.
_LABEL_OP = re.compile(r"contains|starts\s*with|ends\s*with|not\s*in|in")
_FUNC = re.compile(r"(has|all|global)\(\s*([A-Za-z0-9_./-]*)\s*(\)?)")
_OP_KIND = {"con": "contains", "sta": "starts", "end": "ends", "not": "notin", "in": "in"}
_PUNCT = ("==", "!=", "&&", "||", "!", "(", ")", "{", "}", ",")

Token = tuple[str, str, int]  # (kind, value, column)
#: In a rule's ``namespaceSelector`` Calico reads ``all()`` as "any namespaced endpoint" and ``global()`` as "any
#: non-namespaced one" (GlobalNetworkSets, host endpoints). Labels passed to a selector compiled with
#: ``namespace_scope=True`` carry this key when they describe a namespaced endpoint (it cannot be a label key).
NAMESPACED = "\x00namespaced"
#: Deepest parenthesis nesting a selector may use.
MAX_NESTING = 64


class SelectorSyntaxError(ValueError):
    """The selector text is not valid Calico selector syntax."""


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while True:
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
        if pos >= len(text):
            return out
        c = text[pos]
        if c in "'\"":
            end = text.find(c, pos + 1)
            if end < 0:
                raise SelectorSyntaxError(f"unterminated string starting at column {pos + 1}")
            out.append(("str", text[pos + 1 : end], pos))
            pos = end + 1
            continue
        punct = next((p for p in _PUNCT if text.startswith(p, pos)), None)
        if punct is not None:
            out.append((punct, punct, pos))
            pos += len(punct)
            continue
        if c in "=&|":
            raise SelectorSyntaxError(f"expected '{c}{c}' at column {pos + 1}")
        if out and out[-1][0] == "label":
            m = _LABEL_OP.match(text, pos)
            if not m:
                raise SelectorSyntaxError(
                    f"expected an operator (==, !=, in, not in, contains, starts with, ends with) after label "
                    f"{out[-1][1]!r} at column {pos + 1}"
                )
            word = m.group()
            out.append((_OP_KIND[word[:3]], word, pos))
            pos = m.end()
            continue
        m = _FUNC.match(text, pos)
        if m:
            name, arg, close = m.groups()
            if not close or (name == "has") != bool(arg):
                want = "a label key and ')'" if name == "has" else "')'"
                raise SelectorSyntaxError(f"{name}( at column {pos + 1} needs {want}")
            out.append((name, arg, pos))
            pos = m.end()
            continue
        m = _LABEL.match(text, pos)
        if not m:
            raise SelectorSyntaxError(f"unexpected character {c!r} at column {pos + 1}")
        out.append(("label", m.group(), pos))
        pos = m.end()


class _Parser:
    def __init__(self, text: str, namespace_scope: bool = False) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.namespace_scope = namespace_scope
        self.depth = 0

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self, *expected: str, what: str | None = None) -> Token:
        tok = self.toks[self.i] if self.i < len(self.toks) else None
        if tok is None or (expected and tok[0] not in expected):
            want = what or " or ".join(repr(e) for e in expected) or "more input"
            got = f"{tok[1]!r} at column {tok[2] + 1}" if tok else "the end of the selector"
            raise SelectorSyntaxError(f"expected {want}, got {got}")
        self.i += 1
        return tok

    def parse(self) -> Matcher:
        if not self.toks:
            return lambda labels: True
        m = self.or_expr()
        if self.peek() is not None:
            tok = self.toks[self.i]
            raise SelectorSyntaxError(f"unexpected {tok[1]!r} at column {tok[2] + 1}")
        return m

    def or_expr(self) -> Matcher:
        parts = [self.and_expr()]
        while self.peek() == "||":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda labels: any(p(labels) for p in parts))

    def and_expr(self) -> Matcher:
        parts = [self.operation()]
        while self.peek() == "&&":
            self.take()
            parts.append(self.operation())
        return parts[0] if len(parts) == 1 else (lambda labels: all(p(labels) for p in parts))

    def operation(self) -> Matcher:
        negate = False
        while self.peek() == "!":
            self.take()
            negate = not negate
        inner = self.term()
        return (lambda labels: not inner(labels)) if negate else inner

    def _set(self) -> frozenset[str]:
        self.take("{", what="a set literal '{...}'")
        values = []
        while self.peek() == "str":
            values.append(self.take()[1])
            if self.peek() != ",":
                break
            self.take()
        self.take("}", what="'}' or a quoted value")
        return frozenset(values)

    def term(self) -> Matcher:
        kind, value, col = self.take(
            "has", "all", "global", "label", "(", what="a label, has(), all(), global() or '('"
        )
        if kind in ("all", "global") and self.namespace_scope:
            if kind == "all":
                return lambda labels: NAMESPACED in labels
            return lambda labels: NAMESPACED not in labels
        if kind in ("all", "global"):
            return lambda labels: True
        if kind == "has":
            return lambda labels: value in labels
        if kind == "(":
            # the parser recurses per parenthesis: a bound keeps a hand-written or hostile selector from
            # exhausting Python's stack (real selectors nest a few levels)
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise SelectorSyntaxError(f"parentheses nested more than {MAX_NESTING} deep at column {col + 1}")
            inner = self.or_expr()
            self.take(")", what="')'")
            self.depth -= 1
            return inner
        key = value
        op = self.take("==", "!=", "in", "notin", "contains", "starts", "ends", what="an operator")[0]
        if op in ("in", "notin"):
            s = self._set()
            if op == "in":
                return lambda labels: key in labels and labels[key] in s
            return lambda labels: key not in labels or labels[key] not in s
        v = self.take("str", what=f"a quoted value after {op!r}")[1]
        if op == "==":
            return lambda labels: key in labels and labels[key] == v
        if op == "!=":
            return lambda labels: key not in labels or labels[key] != v
        if op == "contains":
            return lambda labels: key in labels and v in labels[key]
        if op == "starts":
            return lambda labels: key in labels and labels[key].startswith(v)
        return lambda labels: key in labels and labels[key].endswith(v)


@lru_cache(maxsize=512)
def compile_selector(text: str | None, namespace_scope: bool = False) -> Matcher:
    """Compile a Calico selector; raises :class:`SelectorSyntaxError` when invalid.

    ``namespace_scope=True`` compiles a rule's ``namespaceSelector``: ``all()`` and ``global()`` then test
    :data:`NAMESPACED` (see there) instead of matching everything.
    """
    return _Parser(text or "", namespace_scope).parse()
