"""Bad inputs, round 8: parameter set files read through the Python API (``read_set`` + ``validate``, as
``lokonb.notebook.run`` and ``params --check`` do) and cluster YAML through ``lokonb.config.load``. Each row: file
bytes and fragments of the error; no row may end in a traceback, show lokonb's internal ``Text(...)`` leaves, or
take a value whose YAML tag was dropped without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.errors import ConfigError
from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.paramfiles import read_set
from lokonb.notebook.params import validate
from lokonb.notebook.schemas import REGISTRY

DEEP = "[" * 3000 + "]" * 3000
# nine levels of nine aliases: 387 million values from 10 lines
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True))
TAGS = "allowed: plain values, or the standard tags"

# id, notebook, file bytes, fragments of the error (None: the set is valid)
CASES = [
    # nesting: PyYAML's recursive composer ended in a RecursionError traceback
    ("deep-list", "apiserver_logs", f"progress: {DEEP}\n", ["s.yaml:1", "nested more than 100 levels",
                                                            "allowed: up to 100"]),
    ("deep-map", "render_flatcar", "cluster: " + "{a: " * 2000 + "1" + "}" * 2000 + "\n",
     ["s.yaml:1", "nested more than 100 levels"]),
    ("deep-block", "metadata_access", "allow:\n" + "".join("  " * i + "- \n" for i in range(1, 400)),
     ["nested more than 100 levels"]),
    # tags: dropped without a word, the text under them taken as the value
    ("tag-python-object", "metadata_access", "context: !!python/object:os.system prod\n",
     ["s.yaml:1", "'!!python/object:os.system' is not supported", TAGS]),
    ("tag-python-apply", "provision_cluster", "action: !!python/object/apply:os.system ['true']\n",
     ["'!!python/object/apply:os.system'"]),
    ("tag-binary", "metadata_access", "context: !!binary cHJvZA==\n", ["'!!binary' is not supported"]),
    ("tag-set", "apiserver_logs", "sources: !!set {sample}\n", ["'!!set' is not supported"]),
    ("tag-omap", "apiserver_logs", "pods: !!omap [namespace: kube-system]\n", ["'!!omap' is not supported"]),
    ("tag-custom", "render_flatcar", "asset_dir: !Ref AssetDir\n", ["s.yaml:1", "'!Ref' is not supported"]),
    ("tag-nested", "provision_cluster", "cluster:\n  tags:\n    team: !!python/name:os.getcwd ''\n",
     ["s.yaml:3", "'!!python/name:os.getcwd'"]),
    ("tag-str-ok", "metadata_access", "context: !!str prod\n", None),
    # messages quoted lokonb's internal leaves: "got dict {'a': Text(text='1', quoted=False, so..."
    ("show-map", "apiserver_logs", "progress: {a: 1}\n", ["expected true or false, got a map {'a': '1'}"]),
    ("show-list", "metadata_access", "dry_run: [1, 2]\n", ["expected true or false, got a list ['1', '2']"]),
    # control characters: the error named '"<unicode string>", position 31' instead of a line
    ("nul-raw", "apiserver_logs", b"format: auto\nklog_tz: UTC\nyear: \x00\n", ["s.yaml:3", "U+0000 is not allowed"]),
    ("esc-raw", "metadata_access", b"source: sample\ncontext: a\x1bb\n", ["s.yaml:2", "U+001B is not allowed"]),
    # already refused with file and line (kept as guards)
    ("alias-bomb", "apiserver_logs", BOMB + "progress: *h\n", ["alias bomb"]),
    ("alias-recursive", "apiserver_logs", "progress: &a [*a]\n", ["recursive YAML alias"]),
    ("dup-key", "metadata_access", "context: a\ncontext: b\n", ["s.yaml:2", "duplicate key 'context'"]),
    ("tab-indent", "apiserver_logs", "sources:\n\t- sample\n", ["s.yaml:2", "'\\t'"]),
    ("latin-1", "apiserver_logs", "klog_tz: UTC # caf\xe9\n".encode("latin-1"), ["not UTF-8 text"]),
    ("unknown-nested", "apiserver_logs", "pods: {namespace: a, nosuch: 1}\n", ["nosuch"]),
    ("bom-ok", "apiserver_logs", b"\xef\xbb\xbfklog_tz: UTC\n", None),
]


@pytest.mark.parametrize(("notebook", "data", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parameter_set_file(tmp_path: Path, notebook: str, data: str | bytes, fragments: list[str] | None) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    try:
        tree, sources, label = read_set(str(path))
        validate(REGISTRY[notebook], tree, sources, route="file", origin=label)
    except (ConfigError, ParameterError) as exc:
        message = str(exc)
        assert fragments is not None, message
        for fragment in fragments:
            assert fragment in message, message
        assert "Text(" not in message
        return
    assert fragments is None, "accepted"


def test_cluster_yaml_nested_too_deep(tmp_path: Path) -> None:
    from lokonb.config import load

    path = tmp_path / "c.yaml"
    path.write_text(f"cluster_name: demo\ntags: {DEEP}\n")
    with pytest.raises(ConfigError, match=r"c\.yaml:2:\d+: .*nested more than 100 levels deep"):
        load(path)


# lokonb.logs.parse_lines/analyze options: NaN passed every range check, True counted as 1, year "2024" ended in
# numpy's UFuncTypeError, a string of periods or one CIDR string was read a character at a time
# modelled on kube-apiserver's httplog line format (https://github.com/kubernetes/apiserver, pkg/server/httplog)
LINE = ('I0102 03:04:05.678901      12 httplog.go:132] "HTTP" verb="GET" URI="/healthz" latency="1ms" '
        'userAgent="kube-probe/1.27" audit-ID="" srcIP="192.0.2.5:41234" resp=200\n')
OPTIONS = [
    ("year", "2024", "year: '2024' is not allowed (allowed: an integer year from 1970 to 2200"),
    ("year", 2024.5, "year: 2024.5 is not allowed"),
    ("year", True, "year: True is not allowed"),
    ("max_records", True, "max_records: True is not allowed (allowed: a non-negative integer)"),
    ("max_records", 1.5, "max_records: 1.5 is not allowed"),
    ("probe_periods", (float("nan"),), "probe_periods: nan is not allowed (allowed: periods between 1 and 3600"),
    ("probe_periods", "10", "probe_periods: '10' must be a list of seconds or 'auto'"),
    ("probe_tolerance_s", -1, "probe_tolerance_s: -1 is not allowed (allowed: seconds from 0 to 3600"),
    ("probe_tolerance_s", float("nan"), "probe_tolerance_s: nan is not allowed"),
    ("trace_threshold_s", -1, "trace_threshold_s: -1 is not allowed (allowed: a non-negative number of seconds)"),
    ("trace_threshold_s", float("nan"), "trace_threshold_s: nan is not allowed"),
    ("trace_threshold_s", "1", "trace_threshold_s: '1' is not allowed"),
    # arguments of the wrong kind ended in "'int' object is not iterable"
    ("format", None, "format: expected one of auto, klog"),
    ("format", 5, "(or a mapping of source name to format), got int"),
    ("vpc_cidrs", 5, "vpc_cidrs: expected 'auto', a CIDR or a list of CIDRs, got int"),
    ("families", 5, "families: expected a YAML path, a mapping or a list of families, got int"),
]


@pytest.mark.parametrize(("name", "value", "fragment"), OPTIONS, ids=[f"{o[0]}={o[1]!r}" for o in OPTIONS])
def test_logs_option_refused(name: str, value: object, fragment: str) -> None:
    from lokonb.logs import parse_lines
    from lokonb.logs.errors import LogParameterError

    with pytest.raises(LogParameterError) as info:
        parse_lines(LINE, **{name: value})
    assert fragment in str(info.value)


def test_logs_one_extra_probe_network_string() -> None:
    from lokonb.logs import parse_lines

    # one CIDR string is one network (as vpc_cidrs takes it), not the networks '1', '0', '.', ...
    result = parse_lines(LINE, extra_probe_networks="192.0.2.0/24")
    assert result.records["client_addr"].tolist() == ["192.0.2.5"]


@pytest.mark.parametrize(("lines", "fragment"), [
    (None, "got None"), (5, "got int"), ([5], "got int in the list"), ([LINE, None], "got None in the list"),
    ({LINE: 1}, "got dict"),
], ids=["none", "int", "list-int", "list-none", "dict"])
def test_parse_lines_refuses_non_text(lines: object, fragment: str) -> None:
    from lokonb.logs import parse_lines
    from lokonb.logs.errors import LogParameterError

    # a bare TypeError ('NoneType' object is not iterable) before; a dict was read as its keys
    with pytest.raises(LogParameterError, match=r"lines must be text \(str or bytes\) or a list of lines, " + fragment):
        parse_lines(lines)


@pytest.mark.parametrize(("args", "kwargs", "fragment"), [
    ((5,), {}, "sources: expected a path or a list of paths, got int"),
    ((["x.log"],), {"pods": 5}, "pods: expected a PodQuery or a mapping of its fields, got int"),
], ids=["sources-int", "pods-int"])
def test_analyze_argument_kinds(args: tuple, kwargs: dict, fragment: str) -> None:
    from lokonb.logs import analyze
    from lokonb.logs.errors import LogParameterError

    with pytest.raises(LogParameterError) as info:
        analyze(*args, **kwargs)
    assert fragment in str(info.value)
