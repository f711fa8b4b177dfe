"""Field checks shared by the Ignition 2.3 output checks and the 3.x semantic validator (Ignition's rules)."""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

from lokonb.flatcar import unitlex
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


def url_error(url: str, schemes: tuple[str, ...], *, spec2: bool = True, wrap: bool | None = None) -> str | None:
    """Ignition's URL validation message for ``url`` or None: spec 2 (ct) wraps it as ``invalid url "<u>": <msg>``
    for file contents only (``wrap``, default ``spec2``: config and CA references report the bare message, as spec 3
    (Ignition v2, hence Butane and ignition-validate) always does)."""
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
    if msg is None and scheme in ("s3", "arn"):  # Ignition 2.x checks an s3 versionId too (arn is 3.x only)
        msg = _s3_error(url, scheme)
    if msg is None:
        return None
    return f"invalid url {_q(url)}: {msg}" if (spec2 if wrap is None else wrap) else msg


def proxy_error(url: str) -> str | None:
    """Ignition 3's proxy URL check: parsable, scheme http or https."""
    try:
        go_url(url)
    except GoUrlError:
        return "unable to parse url"
    return None if url_scheme(url) in ("http", "https") else "proxies must be http(s)"


def _s3_error(url: str, scheme: str) -> str | None:
    """Ignition's S3 source checks: an ``arn:`` source (3.x only) is an S3 object ARN (``arn:<partition>:s3:<region>:
    <account>:<bucket>/<key>``, access points ``accesspoint/<name>/<key>``); a ``versionId`` query is not empty (2.x and
    3.x validateURL alike)."""
    body, _, query = url.partition("#")[0][len(scheme) + 1 :].partition("?")
    if scheme == "arn":
        # Ignition rebuilds the ARN from url.Parse's Opaque, which is empty when the rest starts with '/'
        full = "arn:" + ("" if body.startswith("/") else body)
        sections = full.split(":", 5)
        if len(sections) < 6 or sections[2] != "s3":
            return "invalid S3 ARN format"
        if len(full.split("/")) < (3 if sections[5].startswith("accesspoint/") else 2):
            return "invalid S3 ARN format"
    versions = _go_query_values(query, "versionId")
    if versions and not versions[0]:
        return "invalid S3 object VersionId"
    return None


_BAD_QUERY_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _go_query_values(query: str, key: str) -> list[str]:
    """``url.ParseQuery(query)[key]`` as Go computes it: pairs split on '&' only; a pair holding ';' or a key or
    value that does not unescape is skipped (not kept raw, as Python's parse_qsl does); '+' is a space."""
    values = []
    for pair in query.split("&"):
        k, _, v = pair.partition("=")
        if not pair or ";" in pair or _BAD_QUERY_ESCAPE.search(k) or _BAD_QUERY_ESCAPE.search(v):
            continue
        if unquote_plus(k) == key:
            values.append(unquote_plus(v))
    return values


def _q(text: str) -> str:
    from lokonb.flatcar.clc_sections import go_quote

    return go_quote(text)


def hash_error(spec_hash: str, functions: tuple[str, ...], *, hex_digits: bool = False) -> str | None:
    """Ignition's hash check (2.x and 3.x alike): function, then only the length of the sum, not its digits (ct and
    ignition-validate accept ``sha512-zzz…``); ``hex_digits`` adds lokonb's stricter digit check."""
    function, sep, digest = spec_hash.partition("-")
    if not sep:
        return "malformed hash specifier"
    if function not in functions:
        return "unrecognized hash function"
    if len(digest) != HASH_SIZES[function] or (hex_digits and not _HEX.match(digest)):
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


def unit_content_error(contents: str, *, quote_garbage: bool = False) -> str | None:
    """go-systemd's unit deserializer errors (the ones Ignition reports). ``quote_garbage``: name the garbage after
    a section header as ignition-validate's go-systemd does (``: "x"``); ct's older vendored copy is not known."""
    error = unitlex.lex(contents)[1]
    if error is None:
        return None
    if isinstance(error, tuple):
        return "invalid unit content: found garbage after section name" + (
            f" : {_q(error[1])}" if quote_garbage else ""
        )
    return f"invalid unit content: {error}"


def has_install_section(contents: str) -> bool:
    """Ignition's ValidateInstallSection: some *option* of the unit is in [Install] (a bare header is not enough)."""
    return "Install" in unitlex.lex(contents)[0]


def mode_error(mode: int) -> str | None:
    if mode < 0 or mode > 0o7777:
        return "illegal file mode"
    return None
