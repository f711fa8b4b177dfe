"""YAML loading edge cases: syntax errors with positions, duplicate keys, empty files, BOM, CRLF, top-level forms."""

from __future__ import annotations

import pytest
import yaml

from lokonb.config import ConfigError, ConfigValidationError, load_yaml, read_yaml

from .conftest import MINIMAL


def dump(tmp_path, data, name="c.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_syntax_error_names_file_line_and_column(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("cluster:\n  cluster_name: demo\n  dns_zone: [example.com\n")
    with pytest.raises(ConfigError) as exc:
        load_yaml(path)
    assert exc.value.file == str(path) and exc.value.line is not None and exc.value.column is not None
    assert str(exc.value).startswith(f"{path}:")


def test_duplicate_keys_are_errors(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("cluster:\n  cluster_name: a\n  cluster_name: b\n")
    with pytest.raises(ConfigError) as exc:
        load_yaml(path)
    assert "duplicate key 'cluster_name'" in str(exc.value) and exc.value.line == 3


@pytest.mark.parametrize("content", [b"", b"\n\n", b"# only a comment\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "empty.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError, match="empty"):
        load_yaml(path)


def test_bom_and_crlf(tmp_path):
    text = yaml.safe_dump(MINIMAL, sort_keys=False).replace("\n", "\r\n")
    path = tmp_path / "win.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert load_yaml(path).cluster_name == "demo"


def test_not_utf8_and_not_a_mapping(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"cluster:\n  cluster_name: d\xe9mo\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_yaml(path)
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_yaml(path)
    with pytest.raises(ConfigError, match="file not found"):
        load_yaml(tmp_path / "missing.yaml")


def test_issue_source_has_file_and_line(tmp_path):
    data = {"cluster": {**MINIMAL["cluster"], "worker_pools": [{"name": "web", "count": 2, "lb_https_port": 6443}]}}
    path = dump(tmp_path, data)
    with pytest.raises(ConfigValidationError) as exc:
        load_yaml(path)
    (issue,) = exc.value.errors
    line = path.read_text().split("\n").index("    lb_https_port: 6443") + 1
    assert issue.source == f"{path}:{line}"


def test_notebook_keys_beside_the_cluster_are_left_alone_but_block_typos_are_errors(tmp_path):
    data = {**MINIMAL, "confirm": False, "action": "plan"}
    assert not read_yaml(dump(tmp_path, data)).warnings
    with pytest.raises(ConfigValidationError) as exc:
        read_yaml(dump(tmp_path, {**data, "stat": {"backend": "s3"}}))
    assert str(exc.value.errors[0]).startswith('stat: unknown block; did you mean "state"?')


def test_flat_form_is_accepted(minimal):
    flat = {**minimal["cluster"], "aws": {"endpoint": "embedded"}}
    assert load_yaml(flat).aws.endpoint == "embedded"


def test_yaml_11_booleans_are_not_silently_strings(minimal):
    minimal["cluster"]["worker_pools"][0]["labels"] = {"enabled": True}
    with pytest.raises(ConfigValidationError) as exc:
        load_yaml(minimal)
    assert exc.value.errors[0].path == 'worker_pool["web"].labels["enabled"]'
