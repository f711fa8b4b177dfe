"""Go encoding/json's syntax check (scanner.go's checkValid): the first bad byte and Go's message for it.

Python's json accepts NaN/Infinity and words its errors differently, so Butane's inline configs and ct's flannel
network_config are checked with this state machine; the value is still parsed by Python's json afterwards.
"""

from __future__ import annotations

from lokonb.flatcar.gojson import MAX_DEPTH

_SPACE = b" \t\r\n"
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdefABCDEF"
_ESCAPES = b'bfnrt\\/"'
# literal words: the state after each accepted letter expects the next one
_WORDS = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
_GO_SHORT_ESCAPES = {7: "\\a", 8: "\\b", 12: "\\f", 10: "\\n", 13: "\\r", 9: "\\t", 11: "\\v"}


def _quote_char(c: int) -> str:
    """Go's quoteChar: strconv.Quote(string(rune(c))) between single quotes (a byte >= 0x80 is that code point)."""
    if c == ord("'"):
        return "'\\''"
    ch = chr(c)
    if ch == '"' or (ch.isprintable() and c != 0x7F):
        return f"'{ch}'"
    if c in _GO_SHORT_ESCAPES:
        return f"'{_GO_SHORT_ESCAPES[c]}'"
    return f"'\\x{c:02x}'" if c < 0x80 else f"'\\u{c:04x}'"


class _Scanner:
    """scanner.go's states as names; ``stack`` is parseState ('key', 'value' in objects, 'array')."""

    def __init__(self) -> None:
        self.state = "begin_value"
        self.stack: list[str] = []
        self.word = b""  # the literal being read and how much of it was seen
        self.seen = 0
        self.end_top = False
        self.error: str | None = None

    def fail(self, c: int, context: str) -> None:
        self.state = "error"
        self.error = f"invalid character {_quote_char(c)} {context}"

    def push(self, c: int, kind: str) -> None:
        self.stack.append(kind)
        if len(self.stack) > MAX_DEPTH:
            self.fail(c, "exceeded max depth")

    def end_value(self, c: int) -> None:
        if not self.stack:
            self.state, self.end_top = "end_top", True
            self.step(c)
            return
        if c in _SPACE:
            self.state = "end_value"
            return
        top = self.stack[-1]
        if top == "key":
            if c == ord(":"):
                self.stack[-1], self.state = "value", "begin_value"
            else:
                self.fail(c, "after object key")
        elif top == "value":
            if c == ord(","):
                self.stack[-1], self.state = "key", "begin_string"
            elif c == ord("}"):
                self.pop()
            else:
                self.fail(c, "after object key:value pair")
        elif c == ord(","):
            self.state = "begin_value"
        elif c == ord("]"):
            self.pop()
        else:
            self.fail(c, "after array element")

    def pop(self) -> None:
        self.stack.pop()
        if self.stack:
            self.state = "end_value"
        else:
            self.state, self.end_top = "end_top", True

    def begin_value(self, c: int) -> None:
        if c in _SPACE:
            return
        if c == ord("{"):
            self.state = "begin_string_or_empty"
            self.push(c, "key")
        elif c == ord("["):
            self.state = "begin_value_or_empty"
            self.push(c, "array")
        elif c == ord('"'):
            self.state = "in_string"
        elif c == ord("-"):
            self.state = "neg"
        elif c == ord("0"):
            self.state = "zero"
        elif c in _WORDS:
            self.state, self.word, self.seen = "word", _WORDS[c], 1
        elif c in _DIGITS:
            self.state = "int"
        else:
            self.fail(c, "looking for beginning of value")

    def step(self, c: int) -> None:
        s = self.state
        if s == "begin_value":
            self.begin_value(c)
        elif s == "begin_value_or_empty":
            if c in _SPACE:
                return
            if c == ord("]"):
                self.end_value(c)
            else:
                self.state = "begin_value"
                self.begin_value(c)
        elif s in ("begin_string_or_empty", "begin_string"):
            if c in _SPACE:
                return
            if s == "begin_string_or_empty" and c == ord("}"):
                self.stack[-1] = "value"
                self.end_value(c)
            elif c == ord('"'):
                self.state = "in_string"
            else:
                self.fail(c, "looking for beginning of object key string")
        elif s == "end_value":
            self.end_value(c)
        elif s == "end_top":
            if c not in _SPACE:
                self.fail(c, "after top-level value")
        elif s == "in_string":
            if c == ord('"'):
                self.state = "end_value"
            elif c == ord("\\"):
                self.state = "in_string_esc"
            elif c < 0x20:
                self.fail(c, "in string literal")
        elif s == "in_string_esc":
            if c in _ESCAPES:
                self.state = "in_string"
            elif c == ord("u"):
                self.state, self.seen = "in_string_esc_u", 0
            else:
                self.fail(c, "in string escape code")
        elif s == "in_string_esc_u":
            if c not in _HEX:
                self.fail(c, "in \\u hexadecimal character escape")
            else:
                self.seen += 1
                if self.seen == 4:
                    self.state = "in_string"
        elif s == "neg":
            if c == ord("0"):
                self.state = "zero"
            elif c in _DIGITS:
                self.state = "int"
            else:
                self.fail(c, "in numeric literal")
        elif s in ("int", "zero"):
            if s == "int" and c in _DIGITS:
                return
            if c == ord("."):
                self.state = "dot"
            elif c in b"eE":
                self.state = "exp"
            else:
                self.end_value(c)
        elif s == "dot":
            if c in _DIGITS:
                self.state = "frac"
            else:
                self.fail(c, "after decimal point in numeric literal")
        elif s == "frac":
            if c in _DIGITS:
                return
            if c in b"eE":
                self.state = "exp"
            else:
                self.end_value(c)
        elif s in ("exp", "exp_sign"):
            if s == "exp" and c in b"+-":
                self.state = "exp_sign"
            elif c in _DIGITS:
                self.state = "exp_digits"
            else:
                self.fail(c, "in exponent of numeric literal")
        elif s == "exp_digits":
            if c not in _DIGITS:
                self.end_value(c)
        elif s == "word":
            want = self.word[self.seen]
            if c != want:
                self.fail(c, f"in literal {self.word.decode()} (expecting {_quote_char(want)})")
            else:
                self.seen += 1
                if self.seen == len(self.word):
                    self.state = "end_value"


def syntax_error(text: str) -> tuple[str, int, int] | None:
    """The first error Go's json.Unmarshal reports for ``text`` as (message, line, column), or None. The column is
    Go's SyntaxError.Offset counted from the start of its line, in bytes (Butane's position for inline configs)."""
    raw = text.encode("utf-8")
    sc = _Scanner()
    offset = len(raw)
    for i, c in enumerate(raw):
        sc.step(c)
        if sc.error:
            offset = i + 1  # Go's SyntaxError.Offset counts the bad byte itself
            break
    else:
        if not sc.end_top:
            sc.step(ord(" "))  # scanner.eof: a space ends a number or reveals a cut literal
            if not sc.error and not sc.end_top:
                sc.error = "unexpected end of JSON input"
    if sc.error is None:
        return None
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return sc.error, raw.count(b"\n", 0, offset) + 1, max(offset - line_start, 1)
