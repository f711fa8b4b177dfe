"""A users' cluster directory (composed fixture ``tests/fixtures/lokocfg_users/split``, sources in that folder's
README): three ``*.lokocfg`` files merged, variables with HCL2 types and defaults, lokocfg.vars and ``--var``
precedence, templates in a backend key, a map key and ``pathexpand()``; then the mistakes users make in such a
directory, each reported at its line with what to write."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from lokonb.config import ConfigError, ConfigValidationError, read_lokocfg

from .test_lokomotive_go_cases import _lookup

SPLIT = Path(__file__).parents[1] / "fixtures" / "lokocfg_users" / "split"


def _copy(tmp_path: Path, edits: list[tuple[str, str, str]]) -> Path:
    """The fixture directory with (file, old, new) edits applied; a file not in it is created from ``new``."""
    target = tmp_path / "split"
    shutil.copytree(SPLIT, target)
    for name, old, new in edits:
        path = target / name
        text = path.read_text() if path.exists() else ""
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1) if old else text + new)
    return target


def _line(directory: Path, name: str, text: str) -> str:
    path = directory / name
    return f"{path}:{next(n for n, line in enumerate(path.read_text().split(chr(10)), 1) if text in line)}"


BASE_VALUES: dict[str, Any] = {
    "cluster_name": "users", "controller_type": "t3.large",  # lokocfg.vars beats the variable's default
    "asset_dir": os.path.expanduser("~/lokoassets/users"), "tags": {"platform-owner": "ops"},
    "worker_pools[0].name": "pool-1", "worker_pools[0].count": 2, "worker_pools[0].instance_type": "t3a.small",
    "oidc.client_id": "clusterauth", "state.backend": "s3", "state.bucket": "users-lokomotive-state",
    "state.key": "users/terraform.tfstate.lokonb.json", "state.dynamodb_table": "users-lock",
}


@pytest.mark.parametrize(("overrides", "values"), [
    ({}, BASE_VALUES),
    ({"controller_type": "m5.large"}, {**BASE_VALUES, "controller_type": "m5.large"}),  # --var beats the vars file
])
def test_the_directory_loads_with_its_values(tmp_path, overrides, values):
    directory = _copy(tmp_path, [])
    loaded = read_lokocfg(directory, directory / "lokocfg.vars", overrides)
    data = loaded.config.to_dict()
    for path, value in values.items():
        assert _lookup(data, path) == value, path
    # component bodies are never evaluated (dex's refers to an undeclared variable); one warning lists them
    assert [(w.path, w.message) for w in loaded.warnings] == [
        ("component", "components are not handled by lokonb: contour, metrics-server, dex (install them with "
                      "lokoctl or Helm)")]


#: (case, edits, (path, severity, rule, message fragment, (file, text of the line it points at) or None)).
CASES: list[tuple[str, list[tuple[str, str, str]], tuple[str, str, str, str, tuple[str, str] | None]]] = [
    # lokoctl evaluates defaults and vars-file values without variables ("Variables not allowed")
    ("default-refers-to-var", [("variables.lokocfg", 'default = "platform"', "default = var.cluster_name")],
     ("var.team", "error", "expression", "a variable's default cannot refer to variables",
      ("variables.lokocfg", "default = var.cluster_name"))),
    ("vars-file-refers-to-var", [("lokocfg.vars", '"users-lokomotive-state"', "var.cluster_name")],
     ("var.state_bucket", "error", "expression", "a value in lokocfg.vars cannot refer to variables",
      ("lokocfg.vars", "state_bucket"))),
    ("vars-file-unquoted", [("lokocfg.vars", '"t3.large"', "t3.large")],
     ("var.controller_type", "error", "expression", '`t3.large` is not a value: write a string in quotes '
      '("t3.large")', ("lokocfg.vars", "controller_type"))),
    ("cluster-unquoted-zone", [("cluster.lokocfg", '"users.example.org"', "users.example.org")],
     ("dns_zone", "error", "expression", 'write a string in quotes ("users.example.org")',
      ("cluster.lokocfg", "dns_zone "))),
    ("cluster-terraform-reference", [("cluster.lokocfg", '"users.example.org"', "local.zone")],
     ("dns_zone", "error", "expression", "unsupported expression `local.zone` (lokonb evaluates var.*",
      ("cluster.lokocfg", "dns_zone "))),
    # HCL takes a block label literally: no templates
    ("label-template", [("cluster.lokocfg", 'worker_pool "pool-1"', 'worker_pool "${var.pool.name}"')],
     ("worker_pool", "error", "block", "a block label is plain text: HCL allows no ${...}",
      ("cluster.lokocfg", 'worker_pool "$'))),
    # lokoctl's oidc takes "" as its default (an envsubst template with the variable unset)
    ("oidc-empty-client-id", [("cluster.lokocfg", "oidc {}", 'oidc {\n    client_id = ""\n  }')],
     ("oidc.client_id", "warning", "empty-default", "'' means the default for lokoctl (its oidc block takes the "
      "default for an empty value); lokonb uses the default 'clusterauth'", ("cluster.lokocfg", "client_id"))),
    ("oidc-empty-issuer", [("cluster.lokocfg", "oidc {}", 'oidc {\n    issuer_url = ""\n  }')],
     ("oidc.issuer_url", "warning", "empty-default", "uses the default https://dex.<cluster_name>.<dns_zone>",
      ("cluster.lokocfg", "issuer_url"))),
    # the same component twice: lokoctl finds its settings by name and uses the first block
    ("component-twice", [("more.lokocfg", "", 'component "contour" {\n  service_type = "NodePort"\n}\n')],
     ('component["contour"]', "warning", "components", "is defined 2 times", ("more.lokocfg", "component"))),
]


@pytest.mark.parametrize(("case", "edits", "expected"), CASES, ids=[c[0] for c in CASES])
def test_users_mistakes(tmp_path, case, edits, expected):
    directory = _copy(tmp_path, edits)
    path, severity, rule, fragment, where = expected
    try:
        issues = list(read_lokocfg(directory, directory / "lokocfg.vars").warnings)
    except ConfigValidationError as exc:
        issues = list(exc.issues)
    found = [i for i in issues if i.path == path and i.rule == rule]
    assert found, (case, issues)
    assert found[0].severity == severity and fragment in found[0].message, found[0]
    if where is not None:
        assert found[0].source == _line(directory, *where), found[0]
    if severity == "warning":  # nothing else is wrong with the directory
        assert not [i for i in issues if i.severity == "error"], issues


def test_a_repeated_component_is_listed_once(tmp_path):
    directory = _copy(tmp_path, [("more.lokocfg", "", 'component "dex" {}\n')])
    warnings = read_lokocfg(directory, directory / "lokocfg.vars").warnings
    listed = next(w for w in warnings if w.path == "component")
    assert listed.message.count("dex") == 1
    twice = next(w for w in warnings if w.path == 'component["dex"]')
    assert twice.message.startswith(f"is defined 2 times ({_line(directory, 'components.lokocfg', 'dex')}, ")


@pytest.mark.parametrize(("edit", "text", "where"), [
    # Terraform's variable validation: lokoctl decodes a variable's body as attributes only
    (("variables.lokocfg", 'default = "platform"\n',
      'default = "platform"\n  validation {\n    condition     = true\n    error_message = "x"\n  }\n'),
     'variable "team": validation is a block, and a variable block takes attributes only', "validation {"),
    (("variables.lokocfg", 'default = "platform"', 'defualt = "platform"'),
     "variable \"team\": unknown attribute 'defualt'; did you mean \"default\"?", "defualt"),
])
def test_variable_block_mistakes_stop_loading_at_their_line(tmp_path, edit, text, where):
    directory = _copy(tmp_path, [edit])
    with pytest.raises(ConfigError) as exc:
        read_lokocfg(directory, directory / "lokocfg.vars")
    assert text in exc.value.message
    assert f"{exc.value.file}:{exc.value.line}" == _line(directory, "variables.lokocfg", where)
