"""Which reader a cluster definition needs, from its name or, when the name does not say, from its content.

``lokonb config validate <(sops -d cluster.lokocfg)`` hands lokonb ``/dev/fd/63``: a pipe, with no suffix, that
can be read only once. Such a path (and any file whose name has no known suffix) is read once, its text decides
the format, and the same text is parsed, so a Lokomotive config is never read as YAML (which only gave a puzzling
"expected '<document start>'" at the last line).
"""

from __future__ import annotations

import re
from pathlib import Path

from lokonb.errors import ConfigError

#: Names whose format the suffix alone decides.
YAML_SUFFIXES = (".yaml", ".yml", ".json")
#: A Lokomotive root block at the start of a line: how an HCL file that lacks the .lokocfg suffix is recognised.
HCL_BLOCK = re.compile(r'^\s*(cluster|variable|backend|component)\s+"[^"\n]*"\s*\{', re.MULTILINE)
#: The first significant line of a YAML mapping: a document marker or directive, a flow mapping, or `key:`.
_YAML_START = re.compile(r"""(---|\.\.\.|%|\{|(?!-\s)[^\s#:{}\[\],&*!|>'"%@`][^:#]*:(\s|$)|["'][^"']*["']\s*:(\s|$))""")
_ALLOWED = ('allowed: a Lokomotive config with a cluster "aws" { ... } block (HCL), or a YAML cluster definition '
            "starting with a mapping key such as cluster:; or name the file .lokocfg or .yaml")


def format_by_name(path: Path) -> str | None:
    """``"lokocfg"`` or ``"yaml"`` when the name decides (a folder is a lokocfg folder), else ``None``."""
    if path.suffix == ".lokocfg" or ".lokocfg" in path.suffixes:
        return "lokocfg"
    if path.suffix.lower() in YAML_SUFFIXES:
        return "yaml"
    return None


def format_by_content(text: str, file: str) -> str:
    """``"lokocfg"`` or ``"yaml"`` for a cluster definition's text; a :class:`ConfigError` naming the first
    significant line when the text is neither (an empty text is YAML: its reader says the file is empty)."""
    if HCL_BLOCK.search(text):
        return "lokocfg"
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith(("//", "/*")):  # HCL comments, which YAML has not: the HCL reader names the fault
            return "lokocfg"
        if _YAML_START.match(stripped):
            return "yaml"
        shown = stripped if len(stripped) <= 40 else stripped[:37] + "..."
        raise ConfigError(f"cannot tell the format: {shown!r} opens neither a Lokomotive config nor a YAML "
                          f"mapping ({_ALLOWED})", file=file, line=number)
    return "yaml"
