"""Go's json.Unmarshal type errors for an Ignition 3.3/3.4 config (Butane parses inline child configs into the
spec's types.Config before validating them): the first UnmarshalTypeError, worded and placed as Go does.

The struct table is Ignition's config/v3_4/types/schema.go (generated from the spec's JSON schema); 3.3.0 lacks
the fields listed in ``_NEW_IN_340``. Call :func:`type_error` only on text that passed goscan.syntax_error.
"""

from __future__ import annotations

import json
import re

# struct -> (json key, Go field type) in schema.go order; embedded Node/…Embedded1 fields are promoted into
# File, Directory and Link, as Go's decoder sees them
_STRUCTS: dict[str, tuple[tuple[str, str], ...]] = {
    "Config": (("ignition", "Ignition"), ("kernelArguments", "KernelArguments"), ("passwd", "Passwd"),
               ("storage", "Storage"), ("systemd", "Systemd")),
    "Ignition": (("config", "IgnitionConfig"), ("proxy", "Proxy"), ("security", "Security"),
                 ("timeouts", "Timeouts"), ("version", "string")),
    "IgnitionConfig": (("merge", "[]Resource"), ("replace", "Resource")),
    "Proxy": (("httpProxy", "*string"), ("httpsProxy", "*string"), ("noProxy", "[]NoProxyItem")),
    "Security": (("tls", "TLS"),),
    "TLS": (("certificateAuthorities", "[]Resource"),),
    "Timeouts": (("httpResponseHeaders", "*int"), ("httpTotal", "*int")),
    "KernelArguments": (("shouldExist", "[]KernelArgument"), ("shouldNotExist", "[]KernelArgument")),
    "Passwd": (("groups", "[]PasswdGroup"), ("users", "[]PasswdUser")),
    "PasswdGroup": (("gid", "*int"), ("name", "string"), ("passwordHash", "*string"), ("shouldExist", "*bool"),
                    ("system", "*bool")),
    "PasswdUser": (("gecos", "*string"), ("groups", "[]Group"), ("homeDir", "*string"), ("name", "string"),
                   ("noCreateHome", "*bool"), ("noLogInit", "*bool"), ("noUserGroup", "*bool"),
                   ("passwordHash", "*string"), ("primaryGroup", "*string"),
                   ("sshAuthorizedKeys", "[]SSHAuthorizedKey"), ("shell", "*string"), ("shouldExist", "*bool"),
                   ("system", "*bool"), ("uid", "*int")),
    "Storage": (("directories", "[]Directory"), ("disks", "[]Disk"), ("files", "[]File"),
                ("filesystems", "[]Filesystem"), ("links", "[]Link"), ("luks", "[]Luks"), ("raid", "[]Raid")),
    "Node": (("group", "NodeGroup"), ("overwrite", "*bool"), ("path", "string"), ("user", "NodeUser")),
    "NodeGroup": (("id", "*int"), ("name", "*string")),
    "NodeUser": (("id", "*int"), ("name", "*string")),
    "Directory": (("mode", "*int"),),
    "File": (("append", "[]Resource"), ("contents", "Resource"), ("mode", "*int")),
    "Link": (("hard", "*bool"), ("target", "*string")),
    "Disk": (("device", "string"), ("partitions", "[]Partition"), ("wipeTable", "*bool")),
    "Partition": (("guid", "*string"), ("label", "*string"), ("number", "int"), ("resize", "*bool"),
                  ("shouldExist", "*bool"), ("sizeMiB", "*int"), ("startMiB", "*int"), ("typeGuid", "*string"),
                  ("wipePartitionEntry", "*bool")),
    "Filesystem": (("device", "string"), ("format", "*string"), ("label", "*string"),
                   ("mountOptions", "[]MountOption"), ("options", "[]FilesystemOption"), ("path", "*string"),
                   ("uuid", "*string"), ("wipeFilesystem", "*bool")),
    "Luks": (("clevis", "Clevis"), ("device", "*string"), ("discard", "*bool"), ("keyFile", "Resource"),
             ("label", "*string"), ("name", "string"), ("openOptions", "[]OpenOption"),
             ("options", "[]LuksOption"), ("uuid", "*string"), ("wipeVolume", "*bool")),
    "Clevis": (("custom", "ClevisCustom"), ("tang", "[]Tang"), ("threshold", "*int"), ("tpm2", "*bool")),
    "ClevisCustom": (("config", "*string"), ("needsNetwork", "*bool"), ("pin", "*string")),
    "Tang": (("thumbprint", "*string"), ("url", "string"), ("advertisement", "*string")),
    "Raid": (("devices", "[]Device"), ("level", "*string"), ("name", "string"), ("options", "[]RaidOption"),
             ("spares", "*int")),
    "Resource": (("compression", "*string"), ("httpHeaders", "HTTPHeaders"), ("source", "*string"),
                 ("verification", "Verification")),
    "HTTPHeader": (("name", "string"), ("value", "*string")),
    "Verification": (("hash", "*string"),),
    "Systemd": (("units", "[]Unit"),),
    "Unit": (("contents", "*string"), ("dropins", "[]Dropin"), ("enabled", "*bool"), ("mask", "*bool"),
             ("name", "string")),
    "Dropin": (("contents", "*string"), ("name", "string")),
}
_PROMOTED = {"File": ("Node",), "Directory": ("Node",), "Link": ("Node",)}
_NAMED_SLICES = {"HTTPHeaders": "[]HTTPHeader"}
_NEW_IN_340 = {("Luks", "discard"), ("Luks", "openOptions"), ("Tang", "advertisement")}
_BASIC = {"string", "int", "bool"}

_TOKEN = re.compile(rb'\s*("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false|null|[\[\]{}:,])')
_INT = re.compile(rb"-?[0-9]+")


def _fields(struct: str, spec: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in (*_PROMOTED.get(struct, ()), struct):
        for key, typ in _STRUCTS[name]:
            if spec >= "3.4.0" or (struct, key) not in _NEW_IN_340:
                out[key] = typ
    return out


def _go_type(typ: str) -> str:
    """reflect.Type.String() of the value Go stores into (pointers are allocated and dereferenced first)."""
    typ = typ.lstrip("*")
    if typ in _BASIC:
        return typ
    if typ.startswith("[]"):
        return "[]" + _go_type(typ[2:])
    return "types." + typ


def _kind(typ: str) -> str:
    """struct, slice, or the Go kind of a scalar (named string types are strings)."""
    typ = _NAMED_SLICES.get(typ.lstrip("*"), typ.lstrip("*"))
    if typ.startswith("[]"):
        return "slice"
    if typ in _STRUCTS:
        return "struct"
    return typ if typ in _BASIC else "string"


def _lookup(fields: dict[str, str], key: str) -> tuple[str, str | None]:
    """(field name, Go type): Go matches a JSON key to a field exactly, else case-insensitively; error paths name
    the field as declared."""
    if key in fields:
        return key, fields[key]
    folded = key.lower()
    return next(((k, t) for k, t in fields.items() if k.lower() == folded), (key, None))


def type_error(text: str, spec: str) -> tuple[str, int, int] | None:
    """The first ``json: cannot unmarshal …`` error of ``text`` decoded into the spec's types.Config, as
    (message, line, column) with Go's UnmarshalTypeError.Offset as the column (Butane's position), or None."""
    raw = text.encode("utf-8")
    tokens = [(m.group(1), m.end(1)) for m in _TOKEN.finditer(raw)]
    # frames: [struct or slice element type, struct name for messages, field path, container kind]
    stack: list[tuple[str | None, str | None, tuple[str, ...], str]] = []
    expect: str | None = "Config"  # Go type of the next value; None: an unknown key's value, skipped
    struct_name: str | None = None
    path: tuple[str, ...] = ()
    i = 0

    def fail(value: str, typ: str, offset: int) -> tuple[str, int, int]:
        where = f"Go struct field {struct_name}.{'.'.join(path)}" if struct_name else "Go value"
        line_start = raw.rfind(b"\n", 0, offset) + 1
        msg = f"json: cannot unmarshal {value} into {where} of type {_go_type(typ)}"
        return msg, raw.count(b"\n", 0, offset) + 1, max(offset - line_start, 1)

    def skip(j: int) -> int:
        """Index past the value starting at token j."""
        depth = 0
        while True:
            tok = tokens[j][0]
            depth += tok in (b"[", b"{")
            depth -= tok in (b"]", b"}")
            j += 1
            if depth == 0:
                return j

    while i < len(tokens):
        tok, end = tokens[i]
        if tok in (b",", b":"):
            i += 1
            continue
        if tok in (b"]", b"}"):
            _, struct_name, path, _ = stack.pop()
            i += 1
        elif stack and stack[-1][3] == "object" and tok[:1] == b'"' and tokens[i + 1][0] == b":":
            fields = _fields(stack[-1][0] or "", spec)
            key, typ = _lookup(fields, json.loads(tok))
            struct_name = stack[-1][0]
            path = (*stack[-1][2], key)
            expect = typ
            i += 2
            continue
        else:  # a value
            typ = expect
            if typ is None or tok == b"null":
                i = skip(i)
            else:
                kind = _kind(typ)
                if tok == b"{":
                    if kind != "struct":
                        return fail("object", typ, end)
                    stack.append((typ.lstrip("*"), struct_name, path, "object"))
                    i += 1
                elif tok == b"[":
                    if kind != "slice":
                        return fail("array", typ, end)
                    elem = _NAMED_SLICES.get(typ.lstrip("*"), typ.lstrip("*"))[2:]
                    stack.append((elem, struct_name, path, "array"))
                    i += 1
                else:
                    value = {b"t": "bool", b"f": "bool", b'"': "string"}.get(tok[:1], "number")
                    if value == "number" and kind == "int":
                        if not _INT.fullmatch(tok) or not -(2**63) <= int(tok) < 2**63:
                            return fail("number " + tok.decode(), typ, end)
                    elif value != kind and not (value == "number" and kind == "int"):
                        return fail(value, typ, end)
                    i += 1
        # the next value in an array is an element; in an object a key comes next
        if stack and stack[-1][3] == "array":
            expect = stack[-1][0]
            struct_name, path = stack[-1][1], stack[-1][2]
    return None

