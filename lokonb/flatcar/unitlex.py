"""go-systemd's unit lexer (``unit.Deserialize``), as Ignition runs it to check unit and drop-in contents.

The lexer reads the text through a 4096-byte ``bufio.Reader`` and, before each of its steps, refuses the text when at
least ``LINE_MAX`` bytes are buffered and none of the next ``LINE_MAX`` is a CR or LF (``line too long``). Which long
lines are caught therefore depends on where the buffer stands: a long line that starts late in a buffer fill passes,
as it does with ignition-validate. The reader is modelled exactly for that reason.
"""

from __future__ import annotations

import re
from functools import lru_cache

LINE_MAX = 2048  # go-systemd SYSTEMD_LINE_MAX
_BUF_SIZE = 4096  # bufio.defaultBufSize
_LONG_RUN = re.compile(rb"[^\r\n]{%d}" % LINE_MAX)  # without one, no window can lack a CR or LF
# Go's unicode.IsSpace (Python's str.isspace also counts U+001C..U+001F)
_GO_SPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)


class _Reader:
    """bufio.Reader over a strings.Reader: ``pos``/``end`` are the data offsets of the buffered window."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos, self.end, self.eof, self.last = data, 0, 0, False, 0

    def buffered(self) -> int:
        return self.end - self.pos

    def _fill(self) -> None:
        n = min(_BUF_SIZE - self.buffered(), len(self.data) - self.end)  # one Read: all that fits, or 0 and EOF
        self.end += n
        self.eof = n == 0

    def read_rune(self) -> str | None:
        while self.buffered() < 4 and not _full_rune(self.data[self.pos : self.end]) and not self.eof:
            self._fill()
        if self.pos == self.end:
            return None
        size = _rune_size(self.data[self.pos : self.end])
        text = self.data[self.pos : self.pos + size].decode("utf-8", "replace")
        self.pos, self.last = self.pos + size, size
        return text

    def unread_rune(self) -> None:
        self.pos -= self.last

    def read_bytes(self, delim: bytes) -> tuple[bytes, bool]:
        """ReadBytes: the text up to and including ``delim`` (found) or to the end of the data (not found)."""
        start, scanned = self.pos, self.pos
        while True:
            i = self.data.find(delim, scanned, self.end)
            if i >= 0:
                self.pos = i + 1
                return self.data[start : self.pos], True
            if self.eof:
                self.pos = self.end
                return self.data[start : self.pos], False
            if self.buffered() >= _BUF_SIZE:  # ErrBufferFull: the fragment is kept, the buffer emptied
                self.pos = self.end
            scanned = self.end
            self._fill()

    def to_eol(self) -> bytes:
        """lexer.toEOL: the rest of the line; a final CR is trimmed *before* the LF, so it only goes at the end of
        the text (a CRLF line keeps its CR: a backslash before CRLF continues nothing)."""
        return self.read_bytes(b"\n")[0].removesuffix(b"\r").removesuffix(b"\n")

    def line_too_long(self) -> bool:
        if self.end - self.pos < LINE_MAX:
            return False
        stop = self.pos + LINE_MAX
        return self.data.find(b"\n", self.pos, stop) < 0 and self.data.find(b"\r", self.pos, stop) < 0

    def skip_to(self, delims: bytes) -> int:
        """The offset of the first of ``delims`` when reading runes up to it needs no fill (at least 4 bytes stay
        buffered before each read), else -1: lets the option-name loop skip plain characters in one go."""
        found = [i for i in (self.data.find(bytes([d]), self.pos, self.end) for d in delims) if i >= 0]
        return min(found) if found and min(found) < self.end - 3 else -1


def _want(lead: int) -> int:
    """The length a UTF-8 sequence with this lead byte needs (1 for ASCII and for bytes that cannot lead)."""
    return 1 if lead < 0xC2 or lead > 0xF4 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _rune_size(b: bytes) -> int:
    """utf8.DecodeRune's width."""
    want = _want(b[0])
    try:
        b[:want].decode("utf-8")
    except UnicodeDecodeError:
        return 1  # an invalid encoding is one RuneError byte
    return want


def _full_rune(b: bytes) -> bool:
    """utf8.FullRune: a whole sequence, or one already invalid (a width-1 error rune)."""
    return bool(b) and (len(b) >= _want(b[0]) or any(not 0x80 <= c <= 0xBF for c in b[1:]))


_GO_SPACE_CHARS = "".join(sorted(_GO_SPACE))


def _go_trim(b: bytes) -> str:
    """bytes.TrimSpace (unicode.IsSpace), as text."""
    if b.isascii():
        return b.strip(b" \t\n\v\f\r").decode()
    return b.decode("utf-8", "replace").strip(_GO_SPACE_CHARS)


@lru_cache(maxsize=512)  # renders check the same unit texts for every role, for errors and for [Install]
def lex(text: str) -> tuple[tuple[str, ...], str | tuple[str, str] | None]:
    """Each option's section, in order, and the lexer's error: a message, or ("garbage", text) after a section
    header. Before the first section every character but '[' and a comment start is skipped; a section name runs to
    the next ']' (across lines); an option needs '='; a comment or value ending in a backslash continues."""
    rd = _Reader(text.encode("utf-8", "surrogatepass"))
    sections: list[str] = []
    step, section, long_run = "start", "", _LONG_RUN.search(rd.data) is not None
    while step:
        if long_run and rd.line_too_long():
            return tuple(sections), f"line too long (max {LINE_MAX} bytes)"
        if step in ("start", "body"):  # lexNextSection / lexNextSectionOrOptionFunc
            r = rd.read_rune()
            if r is None:
                step = ""
            elif r == "[":
                step = "name:" + step
            elif r in "#;":
                step = "comment:" + step
            elif step == "body" and r not in _GO_SPACE:
                rd.unread_rune()
                step = "option"
        elif step.startswith("name:"):  # lexSectionName, then lexSectionSuffixFunc as its own step
            name, found = rd.read_bytes(b"]")
            if not found:
                return tuple(sections), "unable to find end of section"
            section, step = name[:-1].decode("utf-8", "replace"), "suffix"
        elif step == "suffix":
            garbage = _go_trim(rd.to_eol())
            if garbage:
                return tuple(sections), ("garbage", garbage)
            step = "body"
        elif step.startswith("comment:"):  # ignoreLineFunc: one step for the comment and its continuations
            while rd.to_eol().removesuffix(b" ").endswith(b"\\"):  # at the end, to_eol is b"" and stops it
                pass
            step = step.split(":", 1)[1]
        elif step == "option":  # lexOptionNameFunc
            if (k := rd.skip_to(b"=\r\n")) >= 0:
                rd.pos = k
            while (r := rd.read_rune()) != "=":
                if r is None:
                    return tuple(sections), "EOF"
                if r in "\r\n":
                    return tuple(sections), "unexpected newline encountered while parsing option name"
            step = "value"
        else:  # lexOptionValueFunc: a final backslash continues the value in a new step
            line = rd.to_eol()
            if _go_trim(line) and line.endswith(b"\\"):
                continue
            sections.append(section)
            step = "body"
    return tuple(sections), None
