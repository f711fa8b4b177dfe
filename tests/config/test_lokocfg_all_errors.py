"""A .lokocfg with several bad expressions reports every one of them, each at its own line (aws.md §3.1, §2.7).

Each attribute is evaluated on its own: one that fails does not hide the others, does not add a second issue for
the same path ("is required", a rule), and is reported together with the model's own validation issues.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import lokonb as lokonb_pkg
from lokonb.config import ConfigError, ConfigValidationError, read_lokocfg

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"

BASE = f"""\
variable "zone" {{
  default = "example.com"
}}

variable "keys" {{
  default = ["{KEY}"]
}}

variable "unset" {{}}

cluster "aws" {{
  asset_dir       = "./assets"
  cluster_name    = "demo"
  region          = "eu-central-1"
  dns_zone        = var.zone
  dns_zone_id     = "Z0123456789ABC"
  ssh_pubkeys     = var.keys
  controller_type = "t3.medium"
  os_channel      = "stable"

  tags = {{
    team = "ops"
  }}

  worker_pool "web" {{
    count         = 2
    instance_type = "t3.small"
    ssh_pubkeys   = var.keys
  }}
}}

backend "local" {{
  path = "state"
}}
"""

#: (lines of BASE, their bad replacement, issue path, message fragment): independent mistakes, one per attribute;
#: the issue is at the first line of the replacement.
BAD = [
    ('  cluster_name    = "demo"', '  cluster_name    = "demo-${var.keys}"', "cluster_name",
     "cannot put a list value of `var.keys` into a string"),
    ('  dns_zone_id     = "Z0123456789ABC"', "  dns_zone_id     = var.unset", "dns_zone_id",
     'variable "unset" has no value'),
    ('  controller_type = "t3.medium"', "  controller_type = var.nope", "controller_type",
     'reference to undeclared variable "nope"'),
    ('  os_channel      = "stable"', '  os_channel      = upper("stable")', "os_channel",
     "unsupported function upper()"),
    # a multi-line value is reported at the line of its attribute (its name), wherever inside the mistake is
    ('  tags = {\n    team = "ops"', '  tags = {\n    team = var.nope', "tags", 'undeclared variable "nope"'),
    ('    instance_type = "t3.small"', '    instance_type = file("missing.txt")', 'worker_pool["web"].instance_type',
     "file('missing.txt'): no such file"),
    ('  path = "state"', '  path = var.state_path', "backend.path", 'undeclared variable "state_path"'),
]


def write(tmp_path: Path, rows: list[tuple[str, str, str, str]], text: str = BASE,
          name: str = "cluster.lokocfg") -> tuple[Path, dict[str, int]]:
    """The config with ``rows`` applied, and each row's path -> the (first) line of its replacement."""
    lines = {}
    for old, new, path, _fragment in rows:
        assert text.count(old + "\n") == 1, old
        text = text.replace(old + "\n", new + "\n")
        lines[path] = text[:text.index(new + "\n")].count("\n") + 1
    cfg = tmp_path / name
    cfg.write_text(text, encoding="utf-8")
    return cfg, lines


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no lokocfg.vars from the working directory; file() looks here first


def test_every_independent_expression_error_is_reported_at_its_line(tmp_path):
    cfg, lines = write(tmp_path, BAD)
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg)
    errors = exc.value.errors
    assert [(i.path, i.source) for i in errors] == [(path, f"{cfg}:{lines[path]}") for _o, _n, path, _f in BAD]
    for issue, (_old, _new, _path, fragment) in zip(errors, BAD, strict=True):
        assert fragment in issue.message and issue.rule == "expression" and issue.severity == "error"
    # every one of them is in the message too, each naming its path and line
    for path, line in lines.items():
        assert f"{path}: " in str(exc.value) and f"[{cfg}:{line}]" in str(exc.value)
    assert exc.value.line is None  # several errors: no single line to point at


@pytest.mark.parametrize("row", BAD, ids=[row[2] for row in BAD])
def test_one_bad_expression_still_reports_as_before(tmp_path, row):
    """One mistake: a ConfigError (exit code 2) naming the file, the line, the path and what is wrong."""
    cfg, lines = write(tmp_path, [row])
    with pytest.raises(ConfigError) as exc:
        read_lokocfg(cfg)
    _old, _new, path, fragment = row
    assert exc.value.exit_code == 2
    assert exc.value.file == str(cfg) and exc.value.line == lines[path]
    assert f"{path}: " in str(exc.value) and fragment in str(exc.value)
    assert [i.path for i in exc.value.errors] == [path]  # type: ignore[attr-defined]


#: Required attributes (and attributes rules look at) whose expression fails: one issue each, no "is required".
REQUIRED = [
    ('  cluster_name    = "demo"', "  cluster_name    = var.nope", "cluster_name", "undeclared"),
    ("  dns_zone        = var.zone", "  dns_zone        = var.unset", "dns_zone", "has no value"),
    ("  ssh_pubkeys     = var.keys", '  ssh_pubkeys     = [upper("x")]', "ssh_pubkeys", "upper()"),
    ("    count         = 2", "    count         = var.unset", 'worker_pool["web"].count', "has no value"),
]


@pytest.mark.parametrize("row", REQUIRED, ids=[row[2] for row in REQUIRED])
def test_a_failed_required_attribute_is_not_also_missing(tmp_path, row):
    cfg, lines = write(tmp_path, [row])
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg)
    assert [(i.path, i.rule, i.source) for i in exc.value.issues if i.severity == "error"] == [
        (row[2], "expression", f"{cfg}:{lines[row[2]]}")]


@pytest.mark.parametrize(("rows", "value"), [
    ([BAD[1]], "var.unset"),
    ([BAD[3]], 'upper("stable")'),
    ([BAD[0]], '"demo-${var.keys}"'),
    ([REQUIRED[2]], None),  # a list: its items are not shown one by one
    ([('  os_channel      = "stable"', '  os_channel      = <<EOF\n${var.nope}\nEOF', "os_channel", "")], None),
])
def test_issue_value_is_the_expression_as_written(tmp_path, rows, value):
    cfg, _lines = write(tmp_path, rows)
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg)
    assert exc.value.errors[0].value == value


@pytest.mark.parametrize(("vars_text", "variable_default", "path", "line", "fragment"), [
    # a bad vars file entry: reported once at its line, not again where var.keys is used (twice)
    ('zone = "example.com"\nkeys = [upper("x")]\n', None, "var.keys", 2, "upper()"),
    # a bad default: reported at the default's line, not again at dns_zone
    (None, '  default = upper("example.com")', "var.zone", 2, "upper()"),
])
def test_a_failed_variable_is_reported_once_where_its_value_is(tmp_path, vars_text, variable_default, path, line,
                                                                  fragment):
    text = BASE if variable_default is None else BASE.replace('  default = "example.com"', variable_default)
    cfg, _lines = write(tmp_path, [], text=text)
    vars_path = None
    if vars_text is not None:
        vars_path = tmp_path / "lokocfg.vars"
        vars_path.write_text(vars_text, encoding="utf-8")
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg, vars_path)
    (issue,) = exc.value.errors
    assert issue.path == path and fragment in issue.message
    assert issue.source == f"{vars_path or cfg}:{line}"


def test_a_command_line_value_replaces_a_failed_vars_file_entry_but_the_entry_stays_reported(tmp_path):
    cfg, _lines = write(tmp_path, [])
    vars_path = tmp_path / "lokocfg.vars"
    vars_path.write_text('zone = upper("x")\n', encoding="utf-8")
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg, vars_path, {"zone": "example.org"})
    assert [(i.path, i.source) for i in exc.value.errors] == [("var.zone", f"{vars_path}:1")]


def test_expression_errors_come_with_the_models_own_issues(tmp_path):
    extra = [
        ("  controller_type = \"t3.medium\"", "  controler_type  = \"t3.medium\"", "controler_type",
         'unknown attribute; did you mean "controller_type"?'),
        ("    count         = 2", "    count         = 2\n    lb_https_port = 6443", 'worker_pool["web"].lb_https_port',
         "6443"),
    ]
    cfg, lines = write(tmp_path, [BAD[1], BAD[3], *extra])
    lines['worker_pool["web"].lb_https_port'] = cfg.read_text().split("\n").index("    lb_https_port = 6443") + 1
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg)
    found = {i.path: i for i in exc.value.errors}
    assert set(found) == {"dns_zone_id", "os_channel", "controler_type", 'worker_pool["web"].lb_https_port'}
    for old_new in (BAD[1], BAD[3], *extra):
        path, fragment = old_new[2], old_new[3]
        assert fragment in found[path].message and found[path].source == f"{cfg}:{lines[path]}"


def test_directory_input_names_each_file(tmp_path):
    """Merged *.lokocfg files: the cluster's mistakes point into its file, the backend's into the other."""
    cluster_text, backend_text = BASE.split('backend "local"')
    conf = tmp_path / "conf"
    conf.mkdir()
    cluster_cfg, cluster_lines = write(conf, [BAD[2], BAD[5]], text=cluster_text, name="a-cluster.lokocfg")
    backend_cfg, backend_lines = write(conf, [BAD[6]], text='backend "local"' + backend_text,
                                       name="b-backend.lokocfg")
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(conf)
    expected = [(cluster_cfg, cluster_lines, BAD[2][2]), (cluster_cfg, cluster_lines, BAD[5][2]),
                (backend_cfg, backend_lines, BAD[6][2])]
    assert [(i.path, i.source) for i in exc.value.errors] == [
        (path, f"{cfg}:{lines[path]}") for cfg, lines, path in expected]


def lokonb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # run in cwd (outputs land there) with the lokonb under test, not whichever one is installed
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(lokonb_pkg.__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "lokonb", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=120)


@pytest.mark.parametrize("command", [
    ("config", "validate"),
    ("config", "show"),
    ("assets", "generate"),
])
def test_cli_prints_one_line_per_issue_and_exits_2(tmp_path, command):
    cfg, lines = write(tmp_path, BAD)
    result = lokonb(*command, str(cfg), cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().split("\n") == [
        line for line in result.stderr.strip().split("\n") if any(line.startswith(f"{p}: ") for p in lines)]
    for path, line in lines.items():
        (shown,) = [text for text in result.stderr.split("\n") if text.startswith(f"{path}: ")]
        assert shown.endswith(f"[{cfg}:{line}]")


@pytest.mark.parametrize("command", [
    ("flatcar", "render", "--out", "out"),
    ("cluster", "plan"),
])
def test_other_cli_commands_report_every_issue_too(tmp_path, command):
    cfg, lines = write(tmp_path, BAD)
    result = lokonb(*command[:2], str(cfg), *command[2:], cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for path, line in lines.items():
        assert any(f"{path}: " in text and text.endswith(f"[{cfg}:{line}]") for text in result.stderr.split("\n"))


def test_backend_mistakes_are_issues_at_the_backend_lines(tmp_path):
    """An unknown backend attribute no longer stops loading; a backend value is located in the backend block even
    when the cluster block has an attribute of the same name (region) above it."""
    s3 = ('backend "s3" {\n  bucket         = "bkt"\n  key            = "k"\n  region         = var.nope\n'
          '  dynamodb_table = "tbl"\n  buckt          = "x"\n}\n')
    text = BASE[:BASE.index('backend "local"')] + s3
    cfg, lines = write(tmp_path, [BAD[2]], text=text)
    numbered = cfg.read_text().split("\n")
    region, buckt = numbered.index("  region         = var.nope") + 1, numbered.index('  buckt          = "x"') + 1
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg)
    assert [(i.path, i.rule, i.source) for i in exc.value.errors] == [
        ("controller_type", "expression", f"{cfg}:{lines['controller_type']}"),
        ("backend.region", "expression", f"{cfg}:{region}"),
        ("backend.buckt", "unknown", f"{cfg}:{buckt}"),
    ]
    assert 'did you mean "bucket"?' in exc.value.errors[2].message
