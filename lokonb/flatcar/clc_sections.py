"""ct's etcd, flannel, docker, update and locksmith sections: option tables and unit/file text.

The option lists are data: emission order is the table order (never the YAML order), each option typed
``i`` (int), ``b`` (bool) or ``s`` (string). Strings are Go ``%q``-quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lokonb.flatcar.yamlpos import BOOL, INT, STR, Struct


def _opts(spec: str) -> list[tuple[str, str]]:
    out = []
    for item in spec.split():
        name, _, typ = item.partition(":")
        out.append((name, typ or "s"))
    return out


ETCD_30 = _opts("""name data_dir wal_dir snapshot_count:i heartbeat_interval:i election_timeout:i
enable_pprof:b
listen_peer_urls listen_client_urls max_snapshots:i max_wals:i cors initial_advertise_peer_urls
initial_cluster
initial_cluster_state initial_cluster_token advertise_client_urls discovery discovery_srv discovery_fallback
discovery_proxy strict_reconfig_check:b auto_compaction_retention:i proxy proxy_failure_wait:i
proxy_refresh_interval:i proxy_dial_timeout:i proxy_write_timeout:i proxy_read_timeout:i ca_file cert_file
key_file client_cert_auth:b trusted_ca_file auto_tls:b peer_ca_file peer_cert_file peer_key_file
peer_client_cert_auth:b peer_trusted_ca_file peer_auto_tls:b debug:b log_package_levels
force_new_cluster:b""")
ETCD_31 = ETCD_30 + _opts("metrics log_output")


def _insert_after(
    opts: list[tuple[str, str]], after: str, new: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    idx = [n for n, _ in opts].index(after)
    return opts[: idx + 1] + new + opts[idx + 1 :]


ETCD_32 = _insert_after(
    _insert_after(ETCD_31, "enable_pprof", [("enable_v2", "b")]), "peer_auto_tls", [("auth_token", "s")]
)
ETCD_33 = _opts("""name data_dir wal_dir snapshot_count:i heartbeat_interval:i election_timeout:i
enable_pprof:b
enable_v2:b listen_peer_urls listen_client_urls max_snapshots:i max_wals:i cors quota_backend_bytes:i
max_txn_ops:i
max_request_bytes:i grpc_keepalive_min_time grpc_keepalive_interval grpc_keepalive_timeout
initial_advertise_peer_urls initial_cluster initial_cluster_state initial_cluster_token advertise_client_urls
discovery discovery_srv discovery_fallback discovery_proxy strict_reconfig_check:b auto_compaction_retention
auto_compaction_mode proxy proxy_failure_wait:i proxy_refresh_interval:i proxy_dial_timeout:i
proxy_write_timeout:i proxy_read_timeout:i ca_file cert_file key_file client_cert_auth:b client_crl_file
trusted_ca_file auto_tls:b peer_ca_file peer_cert_file peer_key_file peer_client_cert_auth:b peer_crl_file
peer_trusted_ca_file peer_auto_tls:b peer_cert_allowed_cn auth_token debug:b log_package_levels
force_new_cluster:b metrics log_output listen_metrics_urls experimental_initial_corrupt_check:b
experimental_corrupt_check_time experimental_enable_v2v3""")
ETCD_34 = _opts("""name data_dir wal_dir snapshot_count:i heartbeat_interval:i election_timeout:i
initial_election_tick_advance:b listen_peer_urls listen_client_urls max_snapshots:i max_wals:i
quota_backend_bytes:i backend_batch_interval backend_batch_limit:i max_txn_ops:i max_request_bytes:i
grpc_keepalive_min_time grpc_keepalive_interval grpc_keepalive_timeout initial_advertise_peer_urls
initial_cluster initial_cluster_state initial_cluster_token advertise_client_urls discovery discovery_fallback
discovery_proxy discovery_srv discovery_srv_name strict_reconfig_check:b pre_vote:b auto_compaction_retention
auto_compaction_mode enable_v2:b cert_file key_file client_cert_auth:b client_crl_file
client_cert_allowed_hostname trusted_ca_file auto_tls:b peer_cert_file peer_key_file peer_client_cert_auth:b
peer_trusted_ca_file peer_cert_allowed_cn peer_cert_allowed_hostname peer_auto_tls:b peer_crl_file
cipher_suites cors host_whitelist auth_token bcrypt_cost:i auth_token_ttl:i enable_pprof:b metrics
listen_metrics_urls logger log_outputs log_level proxy proxy_failure_wait:i proxy_refresh_interval:i
proxy_dial_timeout:i proxy_write_timeout:i proxy_read_timeout:i experimental_initial_corrupt_check:b
experimental_corrupt_check_time experimental_enable_v2v3 experimental_backend_bbolt_freelist_type
experimental_enable_lease_checkpoint:b experimental_compaction_batch_limit:i
experimental_watch_progress_notify_interval experimental_warning_apply_duration force_new_cluster:b debug:b
log_package_levels""")


def _etcd_35() -> list[tuple[str, str]]:
    removed = {"experimental_backend_bbolt_freelist_type", "debug", "log_package_levels"}
    opts = [o for o in ETCD_34 if o[0] not in removed]
    idx = [n for n, _ in opts].index("backend_batch_interval")
    opts = opts[:idx] + [("backend_bbolt_freelist_type", "s")] + opts[idx:]
    opts = _insert_after(
        opts, "grpc_keepalive_timeout", [("socket_reuse_port", "b"), ("socket_reuse_address", "b")]
    )
    opts = _insert_after(opts, "enable_v2", [("v2_deprecation", "s")])
    opts = _insert_after(opts, "peer_auto_tls", [("self_signed_cert_validity", "i")])
    opts = _insert_after(
        opts,
        "log_level",
        _opts("""enable_log_rotation:b log_rotation_config_json
        experimental_enable_distributed_tracing:b experimental_distributed_tracing_address
        experimental_distributed_tracing_service_name experimental_distributed_tracing_instance_id"""),
    )
    opts = _insert_after(
        opts, "experimental_warning_apply_duration", [("experimental_txn_mode_write_with_shared_buffer", "b")]
    )
    return opts + [("unsafe_no_fsync", "b")]


ETCD_35 = _etcd_35()
#: ct's ``deprecated`` struct tags on the etcd 3.0–3.3 option sets (reported as ``deprecated`` entries).
ETCD_DEPRECATED = {
    "ca_file": "ca_file obsoleted by trusted_ca_file and client_cert_auth",
    "peer_ca_file": "peer_ca_file obsoleted peer_trusted_ca_file and peer_client_cert_auth",
}
ETCD_2 = _opts("""advertise_client_urls ca_file cert_file client_cert_auth:b cors data_dir debug:b discovery
discovery_fallback discovery_srv discovery_proxy election_timeout:i enable_pprof:b force_new_cluster:b
heartbeat_interval:i initial_advertise_peer_urls initial_cluster initial_cluster_state initial_cluster_token
key_file listen_client_urls listen_peer_urls log_package_levels max_snapshots:i max_wals:i name peer_ca_file
peer_cert_file peer_key_file peer_client_cert_auth:b peer_trusted_ca_file proxy proxy_dial_timeout:i
proxy_failure_wait:i proxy_read_timeout:i proxy_refresh_interval:i proxy_write_timeout:i snapshot_count:i
strict_reconfig_check:b trusted_ca_file wal_dir""")

FLANNEL_07 = _opts("""etcd_username etcd_password etcd_endpoints etcd_cafile etcd_certfile etcd_keyfile
etcd_prefix
ip_masq subnet_file interface public_ip kube_subnet_mgr:b""")
FLANNEL_06 = [o for o in FLANNEL_07 if o[0] != "kube_subnet_mgr"]
FLANNEL_05 = _opts(
    "etcd_endpoints etcd_cafile etcd_certfile etcd_keyfile etcd_prefix ip_masq subnet_file interface "
    "public_ip"
)

_TYPES = {"s": STR, "i": INT, "b": BOOL}


def option_struct(goname: str, opts: list[tuple[str, str]], extra: dict[str, Any]) -> Struct:
    st = Struct(goname, dict(extra))
    for name, typ in opts:
        st.fields[name] = _TYPES[typ]
    return st


# ------------------------------------------------------------------------------------------------ platforms

PLATFORMS: dict[str, dict[str, str]] = {
    "azure": {"PRIVATE_IPV4": "COREOS_AZURE_IPV4_DYNAMIC", "PUBLIC_IPV4": "COREOS_AZURE_IPV4_VIRTUAL"},
    "digitalocean": {
        "HOSTNAME": "COREOS_DIGITALOCEAN_HOSTNAME",
        "PRIVATE_IPV4": "COREOS_DIGITALOCEAN_IPV4_PRIVATE_0",
        "PUBLIC_IPV4": "COREOS_DIGITALOCEAN_IPV4_PUBLIC_0",
        "PRIVATE_IPV6": "COREOS_DIGITALOCEAN_IPV6_PRIVATE_0",
        "PUBLIC_IPV6": "COREOS_DIGITALOCEAN_IPV6_PUBLIC_0",
    },
    "ec2": {
        "HOSTNAME": "COREOS_EC2_HOSTNAME",
        "PRIVATE_IPV4": "COREOS_EC2_IPV4_LOCAL",
        "PUBLIC_IPV4": "COREOS_EC2_IPV4_PUBLIC",
    },
    "gce": {
        "HOSTNAME": "COREOS_GCE_HOSTNAME",
        "PRIVATE_IPV4": "COREOS_GCE_IP_LOCAL_0",
        "PUBLIC_IPV4": "COREOS_GCE_IP_EXTERNAL_0",
    },
    "packet": {
        "HOSTNAME": "COREOS_PACKET_HOSTNAME",
        "PRIVATE_IPV4": "COREOS_PACKET_IPV4_PRIVATE_0",
        "PUBLIC_IPV4": "COREOS_PACKET_IPV4_PUBLIC_0",
        "PUBLIC_IPV6": "COREOS_PACKET_IPV6_PUBLIC_0",
    },
    "openstack-metadata": {
        "HOSTNAME": "COREOS_OPENSTACK_HOSTNAME",
        "PRIVATE_IPV4": "COREOS_OPENSTACK_IPV4_LOCAL",
        "PUBLIC_IPV4": "COREOS_OPENSTACK_IPV4_PUBLIC",
    },
    "vagrant-virtualbox": {
        "HOSTNAME": "COREOS_VAGRANT_VIRTUALBOX_HOSTNAME",
        "PRIVATE_IPV4": "COREOS_VAGRANT_VIRTUALBOX_PRIVATE_IPV4",
    },
    "cloudstack-configdrive": {"HOSTNAME": "CLOUDSTACK_LOCAL_HOSTNAME"},
    "custom": {
        "HOSTNAME": "COREOS_CUSTOM_HOSTNAME",
        "PRIVATE_IPV4": "COREOS_CUSTOM_PRIVATE_IPV4",
        "PUBLIC_IPV4": "COREOS_CUSTOM_PUBLIC_IPV4",
        "PRIVATE_IPV6": "COREOS_CUSTOM_PRIVATE_IPV6",
        "PUBLIC_IPV6": "COREOS_CUSTOM_PUBLIC_IPV6",
    },
}


def perform_templating(mapping: dict[str, str], line: str) -> str | None:
    """ct's templating.PerformTemplating on one rendered flag: the text between the first '{' and the first '}' is a
    field name (any characters; None when the platform has none), replaced by ``${VAR}``; the scan goes on after
    the old '}'. A '}' before the first '{' stops it at once, so such a flag keeps its placeholders."""
    start, end = line.find("{"), line.find("}")
    while start != -1 and end != -1 and start < end:
        field = line[start + 1 : end]
        if field not in mapping:
            return None
        line = line.replace("{" + field + "}", "${" + mapping[field] + "}", 1)
        start = line.find("{", end)
        if start != -1:
            end = line.find("}", start)
    return line


#: Platforms whose coreos-metadata needs a provider override (ct adds two units, before all others).
METADATA_PROVIDER_PLATFORMS = ("openstack-metadata", "cloudstack-configdrive")


def platform_units(platform: str | None) -> list[dict[str, Any]]:
    if platform not in METADATA_PROVIDER_PLATFORMS:
        return []
    dropin = {
        "contents": f"[Service]\nEnvironment=COREOS_METADATA_OPT_PROVIDER=--provider={platform}",
        "name": "20-clct-provider-override.conf",
    }
    return [
        {"dropins": [dict(dropin)], "name": "coreos-metadata.service"},
        {"dropins": [dict(dropin)], "enabled": True, "name": "coreos-metadata-sshkeys@.service"},
    ]


# ---------------------------------------------------------------------------------------------- Go helpers


def go_lower(text: str) -> str:
    """Go ``strings.ToLower``: ``unicode.ToLower`` rune by rune -- no final-sigma context ("ΑΣ" -> "ασ"), and U+0130
    maps to a plain "i" (Python's full case mapping gives "i" + U+0307)."""
    return "".join("i" if c == "\u0130" else c.lower() for c in text)


def go_quote(text: str) -> str:
    """Go ``strconv.Quote``."""
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\a\b\f\n\r\t\v":
            out.append(
                {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}[
                    ch
                ]
            )
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        elif ch == " " or ch.isprintable():
            out.append(ch)
        elif o < 0x10000:
            out.append(f"\\u{o:04x}")
        else:
            out.append(f"\\U{o:08x}")
    out.append('"')
    return "".join(out)


_SEMVER_RE = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)


def parse_semver(text: str) -> tuple[int, int, int] | None:
    m = _SEMVER_RE.match(text.strip())
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


class SemverError(ValueError):
    """A version go-semver's ``Version.Set`` rejects; the message is Go's."""


#: go-semver's reIdentifier; used with fullmatch: Go's $ does not match before a final newline
_SEMVER_IDENT_RE = re.compile(r"[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*")


@dataclass(frozen=True)
class GoSemver:
    """A coreos/go-semver ``Version`` as ct's etcd/flannel ``version`` fields hold it."""

    major: int
    minor: int
    patch: int
    pre: str = ""
    meta: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return text + (f"-{self.pre}" if self.pre else "") + (f"+{self.meta}" if self.meta else "")

    def less_than(self, other: GoSemver) -> bool:
        a, b = (self.major, self.minor, self.patch), (other.major, other.minor, other.patch)
        if a != b:
            return a < b
        # a release sorts after its pre-releases; pre-releases compare identifier by identifier
        if not self.pre or not other.pre:
            return bool(self.pre) and not other.pre
        return _pre_cmp(self.pre.split("."), other.pre.split(".")) < 0


def _pre_cmp(a: list[str], b: list[str]) -> int:
    for x, y in zip(a, b, strict=False):
        xi, yi = _go_atoi(x), _go_atoi(y)
        if (xi is None) != (yi is None):  # numeric identifiers sort first
            return -1 if xi is not None else 1
        if xi is not None and yi is not None and xi != yi:
            return -1 if xi < yi else 1
        if x != y:
            return -1 if x < y else 1
    return (len(a) > len(b)) - (len(a) < len(b))


def _go_atoi(text: str) -> int | None:
    return int(text) if re.fullmatch(r"[+-]?[0-9]+", text) and -(2**63) <= int(text) < 2**63 else None


def _go_parse_int(text: str) -> int:
    """``strconv.ParseInt(text, 10, 64)`` with Go's error text."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise SemverError(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    value = int(text)
    if not -(2**63) <= value < 2**63:
        raise SemverError(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return value


def go_semver(text: str) -> GoSemver:
    """go-semver's ``Version.Set``: build metadata and pre-release are split off first, then exactly three dotted
    ``strconv.ParseInt`` parts (signs and leading zeros allowed, no ``v`` prefix); raises :class:`SemverError`."""
    rest, _, meta = text.partition("+")
    rest, _, pre = rest.partition("-")
    parts = rest.split(".", 2)
    if len(parts) != 3:
        raise SemverError(f"{rest} is not in dotted-tri format")
    for what, ident in (("pre-release", pre), ("metadata", meta)):
        if ident and not _SEMVER_IDENT_RE.fullmatch(ident):
            raise SemverError(f"failed to validate {what}: {ident} is not a valid semver identifier")
    major, minor, patch = (_go_parse_int(x) for x in parts)
    return GoSemver(major, minor, patch, pre, meta)


def go_semver_string(text: str) -> str | None:
    """``semver.NewVersion(text).String()`` (Butane's version dispatch), or None when NewVersion fails: ``01.0.0``
    and ``1.0.0-`` are ``1.0.0``; nothing is trimmed (`` 1.0.0`` fails)."""
    try:
        return str(go_semver(text))
    except SemverError:
        return None


# time.ParseDuration's units in nanoseconds (both micro signs: U+00B5 and U+03BC)
_DURATION_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9,
                   "h": 3600 * 10**9}
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?([^0-9.]*)")
_U63 = 1 << 63


def go_duration_ok(text: str) -> bool:
    """Go ``time.ParseDuration`` accepts ``text``: ``[-+]?`` then ``<digits>[.<digits>]<unit>`` parts (ASCII digits,
    no trailing newline), or a bare ``0``; a total beyond int64 nanoseconds (and any part beyond 2^63) is an
    overflow error, as Go's uint64 accumulation checks it."""
    s = text[1:] if text[:1] in ("-", "+") else text
    if s == "0":
        return True
    total = 0
    pos = 0
    while pos < len(s) or pos == 0:
        m = _DURATION_PART.match(s, pos)
        if m is None:  # the pattern matches the empty string; kept for the type checker
            return False
        whole, frac, unit = m.group(1), m.group(2), m.group(3)
        if not whole and not frac or unit not in _DURATION_UNITS:  # no digits, missing or unknown unit
            return False
        v = int(whole or "0")
        if v > _U63:  # leadingInt's overflow
            return False
        unit_ns = _DURATION_UNITS[unit]
        if v > _U63 // unit_ns:
            return False
        v *= unit_ns
        f, scale = _leading_fraction(frac or "")
        if f > 0:  # float64, as Go does it, to be nanosecond-accurate for fractions of hours
            v += int(float(f) * (float(unit_ns) / scale))
            if v > _U63:
                return False
        total += v
        if total > _U63:
            return False
        pos = m.end()
    return text[:1] == "-" or total <= _U63 - 1


def _leading_fraction(digits: str) -> tuple[int, float]:
    """Go's leadingFraction: digits past what fits in int64 are ignored (no error)."""
    x, scale = 0, 1.0
    for c in digits:
        if x > (_U63 - 1) // 10 or x * 10 + int(c) > _U63:
            break
        x, scale = x * 10 + int(c), scale * 10
    return x, scale


def go_clock_ok(text: str) -> bool:
    """Go ``time.Parse("15:04", s)``."""
    m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", text)
    return m is not None and int(m.group(1)) < 24 and int(m.group(2)) < 60


def unit_text(unit: list[str], service: list[str], install: list[str]) -> str:
    parts = []
    for name, lines in (("Unit", unit), ("Service", service), ("Install", install)):
        if lines:
            parts.append(f"[{name}]\n" + "\n".join(lines))
    return "\n\n".join(parts)
