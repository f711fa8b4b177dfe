"""Field checks shared by the Ignition 2.3 output checks and the 3.x semantic validator (Ignition's rules)."""

from __future__ import annotations

import re

from lokonb.flatcar.encoding import DataUrlError, GoUrlError, decode_data_url, go_url, gunzip, url_scheme  # noqa: F401

UNIT_EXTENSIONS = (
    ".service",
    ".socket",
    ".device",
    ".mount",
    ".automount",
    ".swap",
    ".target",
    ".path",
    ".timer",
    ".snapshot",
    ".slice",
    ".scope",
)
NETWORKD_EXTENSIONS = (".link", ".netdev", ".network")
SCHEMES_2 = ("http", "https", "tftp", "oem", "s3", "data")
SCHEMES_3 = ("http", "https", "tftp", "s3", "gs", "data", "arn")
FS_FORMATS = ("ext4", "btrfs", "xfs", "vfat", "swap", "none")
RAID_LEVELS = (
    "linear",
    "raid0",
    "0",
    "stripe",
    "raid1",
    "1",
    "mirror",
    "raid4",
    "4",
    "raid5",
    "5",
    "raid6",
    "6",
    "raid10",
    "10",
)
_HEX = re.compile(r"^[0-9a-fA-F]*$")
HASH_SIZES = {"sha512": 128, "sha256": 64}


def url_error(url: str, schemes: tuple[str, ...], *, spec2: bool = True) -> str | None:
    """Ignition's URL validation message for ``url`` or None: spec 2 (ct) wraps it as ``invalid url "<u>": <msg>``,
    spec 3 (Ignition v2, hence Butane and ignition-validate) reports the bare message."""
    msg = None
    try:
        go_url(url)
    except GoUrlError:
        msg = "unable to parse url"
    scheme = url_scheme(url)
    if msg is None and scheme not in schemes:
        msg = "invalid url scheme"
    if msg is None and scheme == "data":
        try:
            decode_data_url(url)
        except DataUrlError as exc:
            msg = str(exc)
    if msg is None:
        return None
    return f"invalid url {_q(url)}: {msg}" if spec2 else msg


def _q(text: str) -> str:
    from lokonb.flatcar.clc_sections import go_quote

    return go_quote(text)


def hash_error(spec_hash: str, functions: tuple[str, ...]) -> str | None:
    function, sep, digest = spec_hash.partition("-")
    if not sep:
        return "malformed hash specifier"
    if function not in functions:
        return "unrecognized hash function"
    if len(digest) != HASH_SIZES[function] or not _HEX.match(digest):
        return "incorrect size for hash sum"
    return None


def data_payload_error(url: str, compression: str | None) -> str | None:
    """For a data URL: decodes, and gunzips when ``compression`` is gzip."""
    if not url.startswith("data:"):
        return None
    try:
        data = decode_data_url(url)
    except DataUrlError as exc:
        return f"invalid data URL: {exc}"
    if compression == "gzip":
        try:
            gunzip(data)
        except DataUrlError:
            return "contents are marked gzip-compressed but are not valid gzip data"
    return None


def unit_content_error(contents: str) -> str | None:
    """go-systemd's unit deserializer errors (the ones Ignition reports)."""
    for raw in contents.split("\n"):
        line = raw.strip()
        if line.startswith("[") and not line.endswith("]"):
            if "]" in line:
                return "invalid unit content: found garbage after section name"
            return "invalid unit content: unable to find end of section"
    return None


def has_install_section(contents: str) -> bool:
    return any(line.strip() == "[Install]" for line in contents.split("\n"))


def mode_error(mode: int) -> str | None:
    if mode < 0 or mode > 0o7777:
        return "illegal file mode"
    return None
