"""Calico selector expressions (``spec.selector`` of GlobalNetworkPolicy/NetworkPolicy) parsed and evaluated.

Grammar (Calico's documented selector syntax): ``all()``, ``global()``, ``has(k)``, ``k == 'v'``, ``k !=
'v'``,
``k in {'a', 'b'}``, ``k not in {...}``, ``k contains 's'``, ``k starts with 's'``, ``k ends with 's'``,
``!``,
``&&``, ``||`` and parentheses. An empty selector selects every endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

Matcher = Callable[[Mapping[str, str]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
    (?P<str>'[^']*'|"[^"]*")
  | (?P<op>&&|\|\||==|!=|!|\(|\)|\{|\}|,)
  | (?P<word>[A-Za-z0-9_./-]+(?:\(\))?)
)""",
    re.VERBOSE,
)


class SelectorSyntaxError(ValueError):
    """The selector text is not valid Calico selector syntax."""


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SelectorSyntaxError(f"unexpected text at {text[pos:]!r}")
        out.append(m.group(m.lastgroup or "word"))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, k: int = 0) -> str | None:
        return self.toks[self.i + k] if self.i + k < len(self.toks) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise SelectorSyntaxError(f"expected {expected or 'more input'}, got {tok!r}")
        self.i += 1
        return tok

    def parse(self) -> Matcher:
        if not self.toks:
            return lambda labels: True
        m = self.or_expr()
        if self.peek() is not None:
            raise SelectorSyntaxError(f"unexpected {self.peek()!r}")
        return m

    def or_expr(self) -> Matcher:
        parts = [self.and_expr()]
        while self.peek() == "||":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda labels: any(p(labels) for p in parts))

    def and_expr(self) -> Matcher:
        parts = [self.unary()]
        while self.peek() == "&&":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda labels: all(p(labels) for p in parts))

    def unary(self) -> Matcher:
        tok = self.peek()
        if tok == "!":
            self.take()
            inner = self.unary()
            return lambda labels: not inner(labels)
        if tok == "(":
            self.take()
            inner = self.or_expr()
            self.take(")")
            return inner
        return self.term()

    @staticmethod
    def _value(tok: str) -> str:
        if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in "'\"":
            return tok[1:-1]
        raise SelectorSyntaxError(f"expected a quoted value, got {tok!r}")

    def _set(self) -> set[str]:
        self.take("{")
        values: set[str] = set()
        while self.peek() != "}":
            values.add(self._value(self.take()))
            if self.peek() == ",":
                self.take()
        self.take("}")
        return values

    def term(self) -> Matcher:
        tok = self.take()
        if tok in ("all()", "global()"):
            return lambda labels: True
        if tok == "has" or tok.startswith("has("):
            if tok == "has":
                self.take("(")
                key = self.take()
                self.take(")")
            else:
                raise SelectorSyntaxError(f"bad has() expression {tok!r}")
            return lambda labels: key in labels
        key = tok
        op = self.take()
        if op == "==":
            v = self._value(self.take())
            return lambda labels: labels.get(key) == v
        if op == "!=":
            v = self._value(self.take())
            return lambda labels: labels.get(key) != v
        if op == "in":
            s = self._set()
            return lambda labels: labels.get(key) in s
        if op == "not":
            self.take("in")
            s = self._set()
            return lambda labels: labels.get(key) not in s
        if op == "contains":
            v = self._value(self.take())
            return lambda labels: key in labels and v in labels[key]
        if op in ("starts", "ends"):
            self.take("with")
            v = self._value(self.take())
            if op == "starts":
                return lambda labels: key in labels and labels[key].startswith(v)
            return lambda labels: key in labels and labels[key].endswith(v)
        raise SelectorSyntaxError(f"unknown operator {op!r} after {key!r}")


@lru_cache(maxsize=512)
def compile_selector(text: str | None) -> Matcher:
    """Compile a Calico selector; raises :class:`SelectorSyntaxError` when invalid."""
    # "has(key)" is tokenised as the word "has" followed by "(" ... ")" because "(" is an operator token
    return _Parser(text or "").parse()
