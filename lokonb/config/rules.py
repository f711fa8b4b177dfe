"""The static validation rules V1-V22 (``aws.md`` §3.2), as a table of small functions.

Each rule reads the resolved values and reports issues through the collector; values that already failed their
type check are ``INVALID`` and skipped, so one mistake gives one message. Limits that follow AWS live in data
tables (``DISK_LIMITS``) rather than in code.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import functools
import ipaddress
import re
import struct
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlparse

from lokonb.config.build import INVALID, Collector, RawPath, Resolved, attr_path, canonical_zone, key_path

Env = Mapping[str, str]

NAME_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
MAX_NAME = 28
RESERVED_LB_PORT = 6443
CPU_POLICIES = ("", "none", "static")
CHANNELS = ("stable", "beta", "alpha", "edge")
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
#: Ignition specs the node configs can target (flatcar.md §2; lokonb.flatcar.translator.TARGETS renders them)
IGNITION_SPECS = ("3.3.0", "3.4.0", "2.3.0")
#: The first Flatcar release with Ignition v2 (spec 3); older ones run Ignition v0.3x, max spec 2.3.0 (T1)
FIRST_SPEC3_RELEASE = 3185
#: fs.inotify.max_user_watches is a C int; below the kernel's old fixed default kubelet's watches run out
MAX_USER_WATCHES = (1, 2**31 - 1)
LOW_USER_WATCHES = 8192
SPOT_RE = re.compile(r"^\d+(\.\d{1,5})?$")
INSTANCE_RE = re.compile(r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.[a-z0-9]+(-[a-z0-9]+)*$")
ARM_FAMILY_RE = re.compile(r"^(a1|[a-z]+\d+g[a-z]*)$")
TG_ARN_RE = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):elasticloadbalancing:([a-z0-9-]+):(\d{12}):"
                       r"targetgroup/([A-Za-z0-9-]{1,32})/([0-9a-f]{16})$")
ZONE_ID_RE = re.compile(r"^[A-Z0-9]{1,32}$")
DNS_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
TAG_CHARS_RE = re.compile(r"^[\w .:/=+\-@]*$", re.UNICODE)
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
MAX_USER_TAGS = 45  # 50 per resource minus lokonb's own five

SSH_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                 "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com")


# (min GiB, max GiB, min IOPS, max IOPS, max IOPS per GiB, IOPS required); None = IOPS not allowed.
DISK_LIMITS: dict[str, tuple[int, int, tuple[int, int, int, bool] | None]] = {
    "gp2": (1, 16384, None),
    "gp3": (1, 16384, (3000, 16000, 500, False)),
    "io1": (4, 16384, (100, 64000, 50, True)),
    "io2": (4, 16384, (100, 256000, 1000, True)),
    "standard": (1, 1024, None),
}


def ok(*values: Any) -> bool:
    """True when none of the values failed its type check."""
    return all(v is not INVALID for v in values)


def _pools(r: Resolved) -> Iterator[tuple[str, RawPath, dict[str, Any]]]:
    yield from r.pools


# --- V1 / V2 / V3: pools and names --------------------------------------------------------------------------

def v1_pools_exist(r: Resolved, col: Collector, env: Env) -> None:
    if not r.pools and not r.pools_reported:
        col.add("worker_pool", "at least one worker pool must be defined", raw=("cluster",), rule="V1",
                allowed="one or more worker_pool blocks (worker_pools list in YAML)")


def v2_unique_pools(r: Resolved, col: Collector, env: Env) -> None:
    seen: set[str] = set()
    for base, raw, p in _pools(r):
        name = p["name"]
        if isinstance(name, str):
            if name in seen:
                col.add(base, f"worker pool {name!r} is duplicated; pool names must be unique",
                        raw=(*raw, "name"), value=name, rule="V2")
            seen.add(name)


def _check_name(col: Collector, path: str, raw: RawPath, name: Any, what: str) -> None:
    if not isinstance(name, str):
        return
    if not name or len(name) > MAX_NAME or not NAME_RE.match(name):
        col.add(path, f"{name!r} is not a valid {what}", raw=raw, value=name, rule="V3",
                allowed=f"1-{MAX_NAME} characters: lowercase letters, digits and '-', starting with a letter "
                        "and not ending with '-'")


def v3_names(r: Resolved, col: Collector, env: Env) -> None:
    name = r.cluster["cluster_name"]
    _check_name(col, "cluster_name", ("cluster", "cluster_name"), name, "cluster name")
    if isinstance(name, str) and name.startswith("internal-"):
        col.add("cluster_name", f"{name!r} starts with \"internal-\", which ELB reserves for internal load "
                "balancers", raw=("cluster", "cluster_name"), value=name, rule="V3",
                allowed="a name not starting with internal-")
    for base, raw, p in _pools(r):
        _check_name(col, attr_path(base, "name"), (*raw, "name"), p["name"], "worker pool name")


# --- V4: load-balancer ports ----------------------------------------------------------------------------------

#: First ports suggested to a pool whose default LB port is taken (Lokomotive's CI used 8080/8443).
_FREE_FROM = {"lb_http_port": 8080, "lb_https_port": 8443}


def _sets_itself(col: Collector, raw: RawPath, name: str) -> bool:
    """The pool's definition holds ``name`` (other than 0, which means the default too)."""
    node: Any = col.raw.cluster
    for key in raw[1:]:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(node, Mapping) and node.get(name) not in (None, 0)


def _default_taken(fname: str, port: int, taken: set[int]) -> str:
    """Lokomotive issue #1392: every pool left at 80/443 collided with the first, and the message did not say
    that the pools had not set these ports at all. The suggested port is marked taken for the next pool."""
    free = next(p for p in range(_FREE_FROM[fname], 65536) if p not in taken and p != RESERVED_LB_PORT)
    taken.add(free)
    return f" ({port} is the default: give each further pool its own {fname}, such as {free})"


def v4_lb_ports(r: Resolved, col: Collector, env: Env) -> None:
    allowed = "a port 1-65535 not used by another pool and not 6443"
    used: dict[int, str] = {}
    taken = {port for _b, _r, p in _pools(r) for f in _FREE_FROM if isinstance(port := p.get(f), int)}
    for base, raw, p in _pools(r):
        ports = [(f, p.get(f)) for f in ("lb_http_port", "lb_https_port")]
        for fname, port in ports:
            path = attr_path(base, fname)
            if not isinstance(port, int) or port is INVALID:
                continue
            if not 1 <= port <= 65535:
                col.add(path, f"{port} is out of range; use {allowed}", raw=(*raw, fname), value=port,
                        rule="V4", allowed=allowed)
            elif port == RESERVED_LB_PORT:
                col.add(path, f"{port} is the API server listener; use {allowed}", raw=(*raw, fname),
                        value=port, rule="V4", allowed=allowed)
            elif port in used and not used[port].startswith(base + "."):
                hint = "" if _sets_itself(col, raw, fname) else _default_taken(fname, port, taken)
                col.add(path, f"{port} collides with {used[port]}; use {allowed}{hint}", raw=(*raw, fname),
                        value=port, rule="V4", allowed=allowed)
            else:
                used.setdefault(port, path)
        (hf, hp), (sf, sp) = ports
        if isinstance(hp, int) and hp is not INVALID and hp == sp:
            col.add(attr_path(base, sf), f"{sp} is also this pool's lb_http_port; HTTP and HTTPS need "
                    "different ports", raw=(*raw, sf), value=sp, rule="V4", allowed=allowed)


# --- V5 / V6 / V7 / V8 -------------------------------------------------------------------------------------

def v5_cpu_manager(r: Resolved, col: Collector, env: Env) -> None:
    for base, raw, p in _pools(r):
        policy = p["cpu_manager_policy"]
        if ok(policy) and policy not in CPU_POLICIES:
            col.add(attr_path(base, "cpu_manager_policy"), f"{policy!r} is not a CPU manager policy",
                    raw=(*raw, "cpu_manager_policy"), value=policy, rule="V5", allowed='"none" (or ""), "static"')


def v6_conntrack(r: Resolved, col: Collector, env: Env) -> None:
    value = r.cluster["conntrack_max_per_core"]
    if ok(value) and value < 0:
        col.add("conntrack_max_per_core", f"{value} can't be a negative value", value=value, rule="V6",
                raw=("cluster", "conntrack_max_per_core"), allowed="0 (keep the kernel value) or more")


def v7_oidc(r: Resolved, col: Collector, env: Env) -> None:
    if r.oidc is None:
        return
    url = r.oidc["issuer_url"]
    raw: RawPath = ("cluster", "oidc", "issuer_url")
    if ok(url):
        parsed = urlparse(url)
        if parsed.scheme != "https":
            col.add("oidc.issuer_url", f"scheme must be https, got: {parsed.scheme or '(none)'} ({url!r})",
                    raw=raw, value=url, rule="V7", allowed="an https:// URL with a host")
        elif not parsed.hostname:
            col.add("oidc.issuer_url", f"{url!r} has no host", raw=raw, value=url, rule="V7",
                    allowed="an https:// URL with a host")
    client_id = r.oidc["client_id"]
    if ok(client_id) and not client_id:
        col.add("oidc.client_id", "must not be empty", raw=("cluster", "oidc", "client_id"), rule="V7")


def v8_controllers(r: Resolved, col: Collector, env: Env) -> None:
    count = r.cluster["controller_count"]
    if not ok(count):
        return
    if count < 1:
        col.add("controller_count", f"{count} controllers: at least 1 is needed", value=count, rule="V8",
                raw=("cluster", "controller_count"), allowed="1, 3 or 5")
    elif count % 2 == 0:
        col.add("controller_count", f"{count} controllers: etcd needs a majority, so {count} tolerate no more "
                f"failures than {count - 1}; use 1, 3 or 5", severity="warning", value=count, rule="V8",
                raw=("cluster", "controller_count"))


# --- V9: networks -------------------------------------------------------------------------------------------

RESERVED_NETS = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("127.0.0.0/8"))


def _network(col: Collector, name: str, value: Any) -> ipaddress.IPv4Network | None:
    if not ok(value):
        return None
    raw: RawPath = ("cluster", name)
    try:
        return ipaddress.IPv4Network(value)
    except ValueError as exc:
        if "has host bits set" in str(exc):
            fixed = ipaddress.IPv4Network(value, strict=False)
            col.add(name, f"{value} has host bits set; did you mean {fixed}?", raw=raw, value=value,
                    rule="V9", allowed="an IPv4 network address such as 10.0.0.0/16")
        else:
            col.add(name, f"{value!r} is not an IPv4 network", raw=raw, value=value, rule="V9",
                    allowed="an IPv4 CIDR such as 10.0.0.0/16")
        return None


def v9_networks(r: Resolved, col: Collector, env: Env) -> None:
    nets = {n: _network(col, n, r.cluster.get(n)) for n in ("host_cidr", "pod_cidr", "service_cidr")}
    host, service = nets["host_cidr"], nets["service_cidr"]
    if host is not None and not 16 <= host.prefixlen <= 24:
        col.add("host_cidr", f"{host} is a /{host.prefixlen}; the VPC needs /16 to /24 (subnets are 4 bits "
                "longer)", raw=("cluster", "host_cidr"), value=str(host), rule="V9", allowed="/16 to /24")
    if service is not None and service.prefixlen > 28:
        col.add("service_cidr", f"{service} is too small to hold the cluster DNS address (.10)",
                raw=("cluster", "service_cidr"), value=str(service), rule="V9", allowed="/28 or larger")
    items = [(n, v) for n, v in nets.items() if v is not None]
    for i, (name_a, a) in enumerate(items):
        for name_b, b in items[i + 1:]:
            if a.overlaps(b):
                col.add(name_b, f"{b} overlaps {name_a} {a}; the three networks must be disjoint",
                        raw=("cluster", name_b), value=str(b), rule="V9")
        for reserved in RESERVED_NETS:
            if a.overlaps(reserved):
                col.add(name_a, f"{a} overlaps the reserved {reserved}", raw=("cluster", name_a),
                        value=str(a), rule="V9", allowed="a private range outside 169.254.0.0/16 and 127.0.0.0/8")
    ip = r.cluster["node_local_dns_ip"]
    if ok(ip):
        try:
            addr = ipaddress.IPv4Address(ip)
        except ValueError:
            col.add("node_local_dns_ip", f"{ip!r} is not an IPv4 address", raw=("cluster", "node_local_dns_ip"),
                    value=ip, rule="V9", allowed="an address in 169.254.0.0/16 other than 169.254.169.254")
        else:
            if addr not in RESERVED_NETS[0] or str(addr) == "169.254.169.254":
                col.add("node_local_dns_ip", f"{ip} must be a link-local address other than the metadata "
                        "endpoint", raw=("cluster", "node_local_dns_ip"), value=ip, rule="V9",
                        allowed="an address in 169.254.0.0/16 other than 169.254.169.254")


# --- V10: disks ---------------------------------------------------------------------------------------------

def _check_disk(col: Collector, base: str, raw: RawPath, d: Mapping[str, Any]) -> None:
    dtype, size, iops = d["disk_type"], d["disk_size"], d["disk_iops"]
    if not ok(dtype):
        return
    limits = DISK_LIMITS.get(dtype)
    if limits is None:
        col.add(attr_path(base, "disk_type"), f"{dtype!r} is not a bootable EBS volume type",
                raw=(*raw, "disk_type"), value=dtype, rule="V10", allowed=", ".join(DISK_LIMITS))
        return
    lo, hi, iops_limits = limits
    if ok(size) and not lo <= size <= hi:
        col.add(attr_path(base, "disk_size"), f"{size} GiB is out of range for {dtype}",
                raw=(*raw, "disk_size"), value=size, rule="V10", allowed=f"{lo}-{hi} GiB")
    if not ok(iops):
        return
    path = attr_path(base, "disk_iops")
    if iops_limits is None:
        if iops != 0:
            col.add(path, f"{iops}: provisioned IOPS are only possible with io1, io2 or gp3, not {dtype}",
                    raw=(*raw, "disk_iops"), value=iops, rule="V10", allowed="0 for " + dtype)
        return
    imin, imax, per_gib, required = iops_limits
    if iops == 0:
        if required:
            col.add(path, f"is required for {dtype} volumes", raw=(*raw, "disk_iops"), rule="V10",
                    allowed=f"{imin}-{imax}")
        return
    if not imin <= iops <= imax:
        col.add(path, f"{iops} is out of range for {dtype}", raw=(*raw, "disk_iops"), value=iops, rule="V10",
                allowed=f"{imin}-{imax}")
    elif ok(size) and iops > per_gib * size:
        col.add(path, f"{iops} IOPS exceed {per_gib} per GiB for a {size} GiB {dtype} volume",
                raw=(*raw, "disk_iops"), value=iops, rule="V10", allowed=f"at most {per_gib * size}")


def v10_disks(r: Resolved, col: Collector, env: Env) -> None:
    _check_disk(col, "", ("cluster",), r.cluster)
    for base, raw, p in _pools(r):
        _check_disk(col, base, raw, p)


# --- V11 / V12 ----------------------------------------------------------------------------------------------

def v11_spot_price(r: Resolved, col: Collector, env: Env) -> None:
    for base, raw, p in _pools(r):
        price = p["spot_price"]
        if ok(price) and price != "" and (not SPOT_RE.match(price) or float(price) <= 0):
            col.add(attr_path(base, "spot_price"), f"{price!r} is not a price", raw=(*raw, "spot_price"),
                    value=price, rule="V11", allowed='"" (on-demand) or a positive decimal such as "0.05"')


def ssh_key_problem(key: str) -> tuple[str, str] | None:
    """Check one OpenSSH public key; returns (severity, message) or None when it is fine."""
    parts = key.strip().split(None, 2)
    if len(parts) < 2:
        return "error", "is not an OpenSSH public key (expected \"TYPE BASE64 [COMMENT]\")"
    ktype, b64 = parts[0], parts[1]
    if ktype not in SSH_KEY_TYPES:
        return "error", f"key type {ktype!r} is not supported by OpenSSH on Flatcar"
    try:
        blob = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return "error", "the key data is not valid base64 of an SSH key"
    fields = _wire_strings(blob)
    try:
        embedded = fields[0].decode("ascii") if fields else None
    except UnicodeDecodeError:
        embedded = None
    if embedded is None:
        return "error", "the key data is not valid base64 of an SSH key"
    if embedded != ktype:
        return "error", f"the key data is a {embedded!r} key, not {ktype!r}"
    count, sizes = SSH_KEY_LAYOUT[ktype]
    if len(fields) != count or any(len(fields[i]) != n for i, n in sizes.items()):
        # sshd parses the blob as a whole (sshkey_from_blob) and ignores a key that is cut short, padded or
        # the wrong size, as if it were not there: nobody could log in with it
        return "error", f"the {ktype} key data is truncated, padded or of the wrong size ({len(blob)} bytes)"
    if ktype.startswith(("ecdsa-", "sk-ecdsa-")) and fields[1].decode("ascii", "replace") not in ktype:
        return "error", f"the key data names curve {fields[1].decode('ascii', 'replace')!r}, not that of {ktype!r}"
    if ktype == "ssh-rsa":
        bits = int.from_bytes(fields[2], "big").bit_length()
        if bits < 1024:
            return "error", f"RSA key of {bits} bits: sshd refuses keys under 1024 bits"
        if bits < 2048:
            return "warning", f"RSA key of {bits} bits is weak; use 2048 bits or more (or ed25519)"
    return None


#: key type -> (number of length-prefixed strings in the public key blob, {string index: exact byte size}), as
#: OpenSSH's sshkey.c reads them: rsa (type, e, n); ed25519 (type, 32-byte key); ecdsa (type, curve, point:
#: uncompressed 1 + 2 * field bytes); security keys add the application string
SSH_KEY_LAYOUT: dict[str, tuple[int, dict[int, int]]] = {
    "ssh-rsa": (3, {}),
    "ssh-ed25519": (2, {1: 32}),
    "sk-ssh-ed25519@openssh.com": (3, {1: 32}),
    "ecdsa-sha2-nistp256": (3, {2: 65}),
    "ecdsa-sha2-nistp384": (3, {2: 97}),
    "ecdsa-sha2-nistp521": (3, {2: 133}),
    "sk-ecdsa-sha2-nistp256@openssh.com": (4, {2: 65}),
}


def _wire_strings(blob: bytes) -> list[bytes]:
    """The SSH wire-format strings (uint32 length + bytes) of a key blob; a string running past the end ends
    the list there, so a cut-short key has fewer strings than its type needs."""
    out, offset = [], 0
    while offset + 4 <= len(blob):
        (n,) = struct.unpack(">I", blob[offset:offset + 4])
        if offset + 4 + n > len(blob):
            return out
        out.append(blob[offset + 4:offset + 4 + n])
        offset += 4 + n
    if offset != len(blob):  # 1-3 stray bytes: one more (broken) field
        out.append(b"")
    return out


def _check_keys(col: Collector, base: str, raw: RawPath, keys: Any) -> None:
    if not ok(keys) or keys is None:
        return
    path = attr_path(base, "ssh_pubkeys")
    if len(keys) == 0 and base == "":
        col.add(path, "at least one SSH public key is needed", raw=(*raw, "ssh_pubkeys"), rule="V12",
                allowed="OpenSSH public keys (TYPE BASE64 [COMMENT])")
    seen: set[str] = set()
    for i, key in enumerate(keys):
        problem = ssh_key_problem(key)
        short = key[:40] + ("..." if len(key) > 40 else "")
        if problem:
            col.add(key_path(path, i), problem[1], severity=problem[0], raw=(*raw, "ssh_pubkeys", i),
                    value=short, rule="V12", allowed=", ".join(SSH_KEY_TYPES))
        blob = " ".join(key.split()[:2])
        if blob in seen:
            col.add(key_path(path, i), "duplicate key", severity="warning", raw=(*raw, "ssh_pubkeys", i),
                    value=short, rule="V12")
        seen.add(blob)


def v12_ssh_keys(r: Resolved, col: Collector, env: Env) -> None:
    _check_keys(col, "", ("cluster",), r.cluster["ssh_pubkeys"])
    for base, raw, p in _pools(r):
        if p["ssh_pubkeys"] is not r.cluster["ssh_pubkeys"]:
            _check_keys(col, base, raw, p["ssh_pubkeys"])


# --- V13: tags ----------------------------------------------------------------------------------------------

def _check_tags(col: Collector, base: str, raw: RawPath, tags: Any) -> Any:
    """Check the tags a block sets itself; returns them with ``Name`` renamed to ``X-Name``."""
    if not ok(tags) or not isinstance(tags, dict):
        return tags
    path = attr_path(base, "tags")
    for key, value in tags.items():
        kpath, kraw = key_path(path, key), (*raw, "tags", key)
        lower = key.lower()
        if not 1 <= len(key) <= 128 or not TAG_CHARS_RE.match(key):
            col.add(kpath, "is not a valid tag key", raw=kraw, value=key, rule="V13",
                    allowed="1-128 letters, digits, spaces and _ . : / = + - @")
        elif lower.startswith("aws:"):
            col.add(kpath, "tag keys starting with aws: are reserved by AWS", raw=kraw, value=key, rule="V13")
        elif lower.startswith("lokonb:") or lower.startswith("kubernetes.io/cluster/"):
            col.add(kpath, "this tag key is set by lokonb itself (ownership tags)", raw=kraw, value=key,
                    rule="V13", allowed="keys not starting with lokonb: or kubernetes.io/cluster/")
        if len(value) > 256 or not TAG_CHARS_RE.match(value):
            col.add(kpath, "is not a valid tag value", raw=kraw, value=value, rule="V13",
                    allowed="0-256 letters, digits, spaces and _ . : / = + - @")
    if "Name" in tags:
        col.add(key_path(path, "Name"), "lokonb sets the Name tag itself; this value is kept as tag X-Name",
                severity="warning", raw=(*raw, "tags", "Name"), rule="V13")
        tags = {("X-Name" if k == "Name" else k): v for k, v in tags.items()}
    return tags


def _check_tag_count(col: Collector, base: str, raw: RawPath, tags: dict[str, str]) -> None:
    if len(tags) > MAX_USER_TAGS:
        col.add(attr_path(base, "tags"), f"{len(tags)} user tags after merging; AWS allows 50 per resource "
                "and lokonb sets 5", raw=(*raw, "tags"), rule="V13", allowed=f"at most {MAX_USER_TAGS}")


def v13_tags(r: Resolved, col: Collector, env: Env) -> None:
    """Check cluster and pool tags, then merge each pool's tags over the cluster's (pool wins)."""
    cluster_tags = _check_tags(col, "", ("cluster",), r.cluster["tags"])
    r.cluster["tags"] = cluster_tags
    if ok(cluster_tags):
        _check_tag_count(col, "", ("cluster",), cluster_tags)
    for base, raw, p in _pools(r):
        own = _check_tags(col, base, raw, p["tags"])
        if ok(own, cluster_tags):
            p["tags"] = {**cluster_tags, **own}
            if len(own):
                _check_tag_count(col, base, raw, p["tags"])
        else:
            p["tags"] = INVALID


# --- V14: instance types ------------------------------------------------------------------------------------

def architecture(instance_type: str) -> str:
    """``arm64`` for Graviton families (a1, *g*: m6g, c7gn, t4g...), else ``x86_64``; the API wins in preflight."""
    family = instance_type.split(".", 1)[0]
    return "arm64" if ARM_FAMILY_RE.match(family) else "x86_64"


def _check_type(col: Collector, path: str, raw: RawPath, itype: Any) -> bool:
    if not ok(itype):
        return False
    if not INSTANCE_RE.match(itype):
        col.add(path, f"{itype!r} is not an EC2 instance type", raw=raw, value=itype, rule="V14",
                allowed="a type such as t3.medium or m6g.large")
        return False
    if itype.startswith("mac"):
        col.add(path, f"{itype!r}: Mac instances cannot run Flatcar", raw=raw, value=itype, rule="V14")
        return False
    return True


def v14_instance_types(r: Resolved, col: Collector, env: Env) -> None:
    _check_type(col, "controller_type", ("cluster", "controller_type"), r.cluster["controller_type"])
    for base, raw, p in _pools(r):
        main_ok = _check_type(col, attr_path(base, "instance_type"), (*raw, "instance_type"),
                              p["instance_type"])
        spot = p["spot_instance_types"]
        if not ok(spot):
            continue
        for i, itype in enumerate(spot):
            path = key_path(attr_path(base, "spot_instance_types"), i)
            if _check_type(col, path, (*raw, "spot_instance_types", i), itype) and main_ok \
                    and architecture(itype) != architecture(p["instance_type"]):
                col.add(path, f"{itype} is {architecture(itype)} but instance_type {p['instance_type']} is "
                        f"{architecture(p['instance_type'])}; one pool uses one AMI", rule="V14",
                        raw=(*raw, "spot_instance_types", i), value=itype,
                        allowed=f"{architecture(p['instance_type'])} instance types")


# --- V15: region --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def known_regions() -> dict[str, str]:
    """Region -> partition for every EC2 region botocore knows (aws, aws-cn, aws-us-gov).

    Read from botocore's packaged endpoint data, not through a session: a session reads the AWS config of
    $AWS_PROFILE/$AWS_CONFIG_FILE first, so a stale profile name or a broken config file crashed `config validate`
    (ProfileNotFound, exit 70) although validation needs no AWS access.
    """
    from botocore.loaders import create_loader
    from botocore.regions import EndpointResolver

    loader = create_loader()
    endpoints, path = loader.load_data_with_path("endpoints")
    resolver = EndpointResolver(endpoints, uses_builtin_data=loader.is_builtin_path(path))
    out: dict[str, str] = {}
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        for region in resolver.get_available_endpoints("ec2", partition):
            out[region] = partition
    return out


def v15_region(r: Resolved, col: Collector, env: Env) -> None:
    region = r.cluster["region"]
    if not ok(region):
        return
    regions = known_regions()
    from_aws = isinstance(col.raw.aws, Mapping) and "region" in col.raw.aws \
        and not (isinstance(col.raw.cluster, Mapping) and "region" in col.raw.cluster)
    path, raw = ("aws.region", ("aws", "region")) if from_aws else ("region", ("cluster", "region"))
    if region not in regions:
        col.add(path, _region_problem(region, list(regions)), raw=raw, value=region, rule="V15",
                allowed="an EC2 region of the aws, aws-cn or aws-us-gov partition")


def _region_problem(region: str, regions: list[str]) -> str:
    """Why ``region`` is refused: empty (Lokomotive's ``region = ""`` is not "the default"), or unknown."""
    if not region.strip():
        return "is empty; set a region such as eu-central-1, or leave the attribute out for the default"
    close = difflib.get_close_matches(region, regions, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else " (a very new region may need a newer botocore)"
    return f"{region!r} is not an AWS region known to botocore{hint}"


# --- V16 / V17 / V18 / V19 ------------------------------------------------------------------------------------

def _check_os(col: Collector, base: str, raw: RawPath, d: Mapping[str, Any]) -> None:
    channel, version = d["os_channel"], d["os_version"]
    if ok(channel) and channel not in CHANNELS:
        # "flatcar-stable": the form of Lokomotive's bare-metal channels (and early lokoctl's os_image) before v0.6.0
        bare = channel.removeprefix("flatcar-") if isinstance(channel, str) else None
        hint = f'; write "{bare}" (the flatcar- prefix of older Lokomotive releases is gone)' \
            if bare in CHANNELS else ""
        col.add(attr_path(base, "os_channel"), f"{channel!r} is not a Flatcar channel{hint}", value=channel,
                raw=(*raw, "os_channel"), rule="V16", allowed=", ".join(CHANNELS))
    if ok(version) and version != "current" and not VERSION_RE.match(version):
        col.add(attr_path(base, "os_version"), f"{version!r} is not a Flatcar version", value=version,
                raw=(*raw, "os_version"), rule="V16", allowed='"current" or X.Y.Z such as 3815.2.1')


def _check_spec_for_version(col: Collector, spec: str, base: str, raw: RawPath, version: Any) -> None:
    """T1 of flatcar.md §2: a pinned Flatcar version must be able to boot the Ignition spec of its configs."""
    if not ok(version) or version == "current" or not VERSION_RE.match(version):
        return
    major = int(version.split(".")[0])
    if major < FIRST_SPEC3_RELEASE and spec != "2.3.0":
        # a warning here, the error of T1 when node configs are rendered (plan, apply, flatcar render): the model
        # of a Lokomotive file that pins an old release stays valid. The line is the version's: ignition_spec is
        # mostly the default, written nowhere.
        col.add("ignition_spec", f"{spec!r}: Flatcar {version} ({attr_path(base, 'os_version')}) runs Ignition v0.3x "
                f'(max spec 2.3.0); node configs render only with ignition_spec: "2.3.0" or Flatcar >= '
                f"{FIRST_SPEC3_RELEASE}.0.0", severity="warning", raw=(*raw, "os_version"), rule="V16")
    elif major >= FIRST_SPEC3_RELEASE and spec == "2.3.0":
        col.add("ignition_spec", f"'2.3.0': Flatcar {version} ({attr_path(base, 'os_version')}) converts spec 2.3.0 "
                "at boot, and some valid 2.3.0 configs fail that conversion (use 3.3.0)", severity="warning",
                raw=("cluster", "ignition_spec"), rule="V16")


def _check_node_settings(r: Resolved, col: Collector) -> None:
    spec = r.cluster["ignition_spec"]
    if ok(spec) and spec not in IGNITION_SPECS:
        col.add("ignition_spec", f"{spec!r} is not an Ignition spec lokonb renders", value=spec, rule="V16",
                raw=("cluster", "ignition_spec"),
                allowed=f'"3.3.0" (default), "3.4.0" (needs Ignition >= 2.15 on the nodes) or "2.3.0" (Flatcar < '
                f'{FIRST_SPEC3_RELEASE})')
    elif ok(spec):
        _check_spec_for_version(col, spec, "", ("cluster",), r.cluster["os_version"])
        for base, raw, p in _pools(r):
            _check_spec_for_version(col, spec, base, raw, p["os_version"])
    watches = r.cluster["max_user_watches"]
    low, high = MAX_USER_WATCHES
    if ok(watches) and isinstance(watches, int) and not low <= watches <= high:
        col.add("max_user_watches", f"{watches} is out of range", value=watches, rule="V16",
                raw=("cluster", "max_user_watches"), allowed=f"{low}-{high} (default 1048576)")
    elif ok(watches) and isinstance(watches, int) and watches < LOW_USER_WATCHES:
        col.add("max_user_watches", f"{watches} is below the kernel's old default {LOW_USER_WATCHES}: kubelet "
                "and other inotify users can run out of watches", severity="warning", rule="V16",
                raw=("cluster", "max_user_watches"))


def v16_os(r: Resolved, col: Collector, env: Env) -> None:
    _check_os(col, "", ("cluster",), r.cluster)
    for base, raw, p in _pools(r):
        _check_os(col, base, raw, p)
    _check_node_settings(r, col)


# Subnets are one per AZ, at most MAX_SUBNETS, each 4 bits longer than host_cidr; AWS keeps 5 addresses of each.
MAX_SUBNETS = 16
AWS_RESERVED_PER_SUBNET = 5


def node_capacity(host_cidr: Any) -> tuple[int, int, int] | None:
    """``(total, per subnet, subnet prefix)`` node addresses host_cidr can ever give, or None when it is invalid."""
    try:
        net = ipaddress.IPv4Network(host_cidr)
    except (TypeError, ValueError):
        return None
    prefix = net.prefixlen + 4
    per_subnet = max(2 ** (32 - prefix) - AWS_RESERVED_PER_SUBNET, 0)
    return per_subnet * MAX_SUBNETS, per_subnet, prefix


def v17_counts(r: Resolved, col: Collector, env: Env) -> None:
    counts = []
    capacity = node_capacity(r.cluster.get("host_cidr"))
    for base, raw, p in _pools(r):
        count = p["count"]
        if ok(count):
            counts.append(count)
            if count < 0:
                col.add(attr_path(base, "count"), f"{count} workers: the count can't be negative",
                        raw=(*raw, "count"), value=count, rule="V17", allowed="0 or more")
            elif capacity and count > capacity[0]:
                col.add(attr_path(base, "count"), f"{count} workers cannot get addresses: host_cidr "
                        f"{r.cluster['host_cidr']} gives at most {MAX_SUBNETS} subnets of /{capacity[2]} with "
                        f"{capacity[1]:,} usable addresses each", raw=(*raw, "count"), value=count, rule="V17",
                        allowed=f"0 to {capacity[0]:,} (fewer with fewer AZs; a larger host_cidr holds more)")
    controllers = r.cluster["controller_count"]
    total = sum(c for c in counts if c > 0) + (controllers if ok(controllers) and controllers > 0 else 0)
    if capacity and all(c <= capacity[0] for c in counts) and total > capacity[0]:
        col.add("worker_pool", f"{total:,} nodes (controllers and workers) cannot get addresses: host_cidr "
                f"{r.cluster['host_cidr']} gives at most {capacity[0]:,}", raw=("cluster",), rule="V17",
                allowed="fewer nodes or a larger host_cidr (/16 holds the most)")
    if r.pools and counts and all(c == 0 for c in counts) and len(counts) == len(r.pools):
        col.add("worker_pool", "no worker nodes: workloads and ingress have nowhere to run",
                severity="warning", rule="V17")


def label_problem(key: str, value: str | None, *, node_label: bool = False) -> str | None:
    """Why a Kubernetes label (or taint) key/value is invalid, or None (rules of :mod:`lokonb.kube.labels`)."""
    from lokonb.kube.labels import kubelet_label_error, label_key_error, label_value_error

    return (label_key_error(key) or (kubelet_label_error(key) if node_label else None)
            or _spaces(value) or (label_value_error(value) if value is not None else None))


def _spaces(value: str | None) -> str | None:
    """Whitespace around a value is a typo Kubernetes refuses (Lokomotive's checkWorkerPoolLabelsAndTaints too)."""
    if isinstance(value, str) and value and value != value.strip():
        return f"value {value!r} has leading or trailing whitespace; write {value.strip()!r}"
    return None


def v18_labels_taints(r: Resolved, col: Collector, env: Env) -> None:
    for base, raw, p in _pools(r):
        labels, taints = p["labels"], p["taints"]
        for key, value in (labels.items() if ok(labels) else ()):
            problem = label_problem(key, value, node_label=True)
            if problem:
                col.add(key_path(attr_path(base, "labels"), key), f"invalid label: {problem}", rule="V18",
                        raw=(*raw, "labels", key), value=value)
        for key, value in (taints.items() if ok(taints) else ()):
            tvalue, sep, effect = value.rpartition(":")
            path = key_path(attr_path(base, "taints"), key)
            if not sep or effect not in TAINT_EFFECTS:
                col.add(path, f"{value!r} is not \"value:Effect\"", raw=(*raw, "taints", key), value=value,
                        rule="V18", allowed="value:Effect with Effect one of " + ", ".join(TAINT_EFFECTS))
                continue
            problem = label_problem(key, tvalue)
            if problem:
                col.add(path, f"invalid taint: {problem}", raw=(*raw, "taints", key), value=value, rule="V18")


def v19_target_groups(r: Resolved, col: Collector, env: Env) -> None:
    region = r.cluster["region"]
    for base, raw, p in _pools(r):
        groups = p["target_groups"]
        for i, arn in enumerate(groups if ok(groups) else ()):
            path = key_path(attr_path(base, "target_groups"), i)
            m = TG_ARN_RE.match(arn)
            if not m:
                col.add(path, f"{arn!r} is not an ELBv2 target group ARN", raw=(*raw, "target_groups", i),
                        value=arn, rule="V19",
                        allowed="arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>")
            elif ok(region) and m.group(2) != region:
                col.add(path, f"target group is in {m.group(2)}, the cluster in {region}", value=arn,
                        raw=(*raw, "target_groups", i), rule="V19", allowed=f"target groups in {region}")


# --- V20 / V21 / V22 ---------------------------------------------------------------------------------------------

def v20_dns(r: Resolved, col: Collector, env: Env) -> None:
    zone, zone_id = r.cluster["dns_zone"], r.cluster["dns_zone_id"]
    if ok(zone) and isinstance(zone, str):
        zone = canonical_zone(zone)
        r.cluster["dns_zone"] = zone
        labels = zone.split(".")
        if len(zone) > 253 or len(labels) < 2 or not all(DNS_LABEL_RE.match(lab) for lab in labels):
            col.add("dns_zone", f"{zone!r} is not a DNS zone name", raw=("cluster", "dns_zone"), value=zone,
                    rule="V20", allowed="a domain such as example.com")
        else:
            name = r.cluster["cluster_name"]
            if isinstance(name, str):
                # the longest name of the records the cluster creates (§5.4): the API name, the ingress wildcard
                # (2 more) and the last controller's etcd record (6 more or so) must all fit Route 53's 253
                count = r.cluster.get("controller_count")
                last = count - 1 if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0
                records = {"the API server record": f"{name}.{zone}", "the ingress record": f"*.{name}.{zone}",
                           f"the etcd record of controller {last}": f"{name}-etcd{last}.{zone}"}
                what, longest = max(records.items(), key=lambda item: len(item[1]))
                if len(longest) > 253:
                    shown = f"{longest[:40]}...{longest[-40:]}" if len(longest) > 100 else longest
                    col.add("dns_zone", f"{what} {shown} has {len(longest):,} characters; a DNS name has at most "
                            "253: use a shorter cluster_name or dns_zone", rule="V20", raw=("cluster", "dns_zone"))
    suffix = r.cluster["cluster_domain_suffix"]
    if ok(suffix) and isinstance(suffix, str) and (
            len(suffix) > 253 or not all(DNS_LABEL_RE.match(lab) for lab in suffix.split("."))):
        col.add("cluster_domain_suffix", f"{suffix!r} is not a DNS domain", raw=("cluster", "cluster_domain_suffix"),
                value=suffix, rule="V20", allowed="a domain such as cluster.local")
    elif ok(suffix) and isinstance(suffix, str) and suffix != suffix.lower():
        # the kubelet checks --cluster-domain as an RFC 1123 subdomain (lower case): the render refused it later
        col.add("cluster_domain_suffix", f"{suffix!r} has upper-case letters; the kubelet's --cluster-domain takes a "
                "lower-case domain", raw=("cluster", "cluster_domain_suffix"), value=suffix, rule="V20",
                allowed=f"a lower-case domain such as {suffix.lower()}")
    if ok(zone_id) and isinstance(zone_id, str):
        stripped = zone_id.removeprefix("/hostedzone/")
        r.cluster["dns_zone_id"] = stripped
        if not ZONE_ID_RE.match(stripped):
            col.add("dns_zone_id", f"{zone_id!r} is not a Route 53 hosted zone id", value=zone_id,
                    raw=("cluster", "dns_zone_id"), rule="V20", allowed="such as Z0123456789ABCDEFGHIJ")


def _check_imds(col: Collector, base: str, raw: RawPath, d: Mapping[str, Any]) -> None:
    hop, v2 = d["metadata_hop_limit"], d["imds_v2_required"]
    if ok(hop) and isinstance(hop, int):
        if not 1 <= hop <= 64:
            col.add(attr_path(base, "metadata_hop_limit"), f"{hop} is out of range", value=hop, rule="V21",
                    raw=(*raw, "metadata_hop_limit"), allowed="1-64")
        elif hop > 1:
            col.add(attr_path(base, "metadata_hop_limit"), f"{hop}: pods can then obtain the node's IAM "
                    "credentials from the metadata endpoint", severity="warning", rule="V21",
                    raw=(*raw, "metadata_hop_limit"))
    if v2 is False:
        col.add(attr_path(base, "imds_v2_required"), "false: IMDSv1 lets pods obtain the node's IAM "
                "credentials without a token", severity="warning", raw=(*raw, "imds_v2_required"), rule="V21")


def v21_limits(r: Resolved, col: Collector, env: Env) -> None:
    _check_imds(col, "", ("cluster",), r.cluster)
    for base, raw, p in _pools(r):
        if p["metadata_hop_limit"] != r.cluster["metadata_hop_limit"] \
                or p["imds_v2_required"] != r.cluster["imds_v2_required"]:
            _check_imds(col, base, raw, p)
    mtu = r.cluster["network_mtu"]
    if ok(mtu) and not 1280 <= mtu <= 9001:
        col.add("network_mtu", f"{mtu} is out of range", value=mtu, raw=("cluster", "network_mtu"), rule="V21",
                allowed="1280-9001 (9001 for jumbo frames)")
    hours = r.cluster["certs_validity_period_hours"]
    if ok(hours) and hours <= 0:
        col.add("certs_validity_period_hours", f"{hours} must be positive", value=hours, rule="V21",
                raw=("cluster", "certs_validity_period_hours"), allowed="1 or more hours (8760 = one year)")


# S3 backend names, as S3 and DynamoDB accept them (a bad one passed validation and failed in init-backend with a
# botocore regex, or was created by the embedded AWS and then refused by real AWS): attribute, pattern, allowed.
STATE_NAME_RULES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("bucket", re.compile(r"^(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
     "an S3 bucket name: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"),
    ("dynamodb_table", re.compile(r"^[A-Za-z0-9_.-]{3,255}$"),
     "a DynamoDB table name: 3-255 letters, digits, '_', '.' and '-'"),
)


def v22_state(r: Resolved, col: Collector, env: Env) -> None:
    s = r.state
    backend = s.get("backend")
    if ok(backend) and backend not in ("local", "s3"):
        col.add("state.backend", f"{backend!r} is not a state backend", value=backend, raw=("state", "backend"),
                rule="V22", allowed="local, s3")
        return
    if backend != "s3":
        return
    if not s.get("bucket"):
        col.add("state.bucket", "no bucket specified for the s3 state backend", raw=("state",), rule="V22")
    if not s.get("key"):
        col.add("state.key", "no key specified for the s3 state backend", raw=("state",), rule="V22")
    # a lokocfg has no state block: name the backend "s3" attribute to add (and lokonb's lock rule, which lokoctl
    # lacked: its docs call dynamodb_table optional, "the installer will not use the state locking feature")
    hcl = col.raw.hcl
    # lokoctl's rule: a credentials file, in the backend or in $AWS_SHARED_CREDENTIALS_FILE, stands in for a region
    credentials_file = s.get("shared_credentials_file") or env.get("AWS_SHARED_CREDENTIALS_FILE")
    if not s.get("region") and not env.get("AWS_DEFAULT_REGION") and not credentials_file:
        where = 'region = "<bucket region>" in the backend "s3" block' if hcl else "state.region"
        col.add("state.region", f"no region for the s3 state backend: set {where} or AWS_DEFAULT_REGION",
                raw=("state",), rule="V22")
    if not s.get("dynamodb_table") and s.get("lock") is not False:
        col.add("state.dynamodb_table", "a DynamoDB lock table is required for the s3 backend " + (
            "(lokoctl ran unlocked without one; lokonb does not): add dynamodb_table = \"<table with hash key "
            'LockID>" to the backend "s3" block (only the YAML form can turn locking off, with state.lock: false)'
            if hcl else "(or set state.lock: false to turn locking off)"), raw=("state",), rule="V22")
    for name, pattern, allowed in STATE_NAME_RULES:
        value = s.get(name)
        if ok(value) and isinstance(value, str) and value and not pattern.match(value):
            col.add(f"state.{name}", f"{value!r} is not a valid name", value=value, raw=("state", name), rule="V22",
                    allowed=allowed)


def aws_settings(r: Resolved, col: Collector, env: Env) -> None:
    """lokonb's own client settings: enumerations and positive numbers."""
    a = r.aws
    if ok(a["retry_mode"]) and a["retry_mode"] not in ("standard", "adaptive"):
        col.add("aws.retry_mode", f"{a['retry_mode']!r} is not a botocore retry mode", value=a["retry_mode"],
                raw=("aws", "retry_mode"), rule="aws", allowed="standard, adaptive")
    for name in ("max_attempts", "max_concurrency", "connect_timeout", "read_timeout", "waiter_scale"):
        value = a.get(name)
        if ok(value) and isinstance(value, int | float) and value <= 0:
            col.add(f"aws.{name}", f"{value} must be positive", value=value, raw=("aws", name), rule="aws",
                    allowed="a positive number")


Rule = Callable[[Resolved, Collector, Env], None]

#: The rule table, in reporting order.
RULES: tuple[tuple[str, Rule], ...] = (
    ("V1", v1_pools_exist), ("V2", v2_unique_pools), ("V3", v3_names), ("V4", v4_lb_ports),
    ("V5", v5_cpu_manager), ("V6", v6_conntrack), ("V7", v7_oidc), ("V8", v8_controllers),
    ("V9", v9_networks), ("V10", v10_disks), ("V11", v11_spot_price), ("V12", v12_ssh_keys),
    ("V13", v13_tags), ("V14", v14_instance_types), ("V15", v15_region), ("V16", v16_os),
    ("V17", v17_counts), ("V18", v18_labels_taints), ("V19", v19_target_groups), ("V20", v20_dns),
    ("V21", v21_limits), ("V22", v22_state), ("aws", aws_settings),
)


def run_rules(r: Resolved, col: Collector, *, environ: Env) -> None:
    """Run every rule; each reports into ``col``."""
    for _rule_id, rule in RULES:
        rule(r, col, environ)
