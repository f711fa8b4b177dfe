"""HCL rules lokoctl enforces and python-hcl2 does not (an attribute set twice), syntax errors worded for the
operator, and the clean-ups found by running Lokomotive's Go test snippets (test_lokomotive_go_cases.py)."""

from __future__ import annotations

import pytest

from lokonb.config import ConfigError, ConfigValidationError, load_yaml, read_lokocfg

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"
CLUSTER = f"""\
cluster "aws" {{
  cluster_name = "c"
  dns_zone     = "example.com"
  ssh_pubkeys  = ["{KEY}"]
{{body}}
}}
"""
POOL = '  worker_pool "p" {\n    count = 1\n  }'


def _write(tmp_path, body: str = POOL, name: str = "cluster.lokocfg"):
    path = tmp_path / name
    path.write_text(CLUSTER.replace("{body}", body), encoding="utf-8")
    return path


def _errors(path, vars_path=None) -> dict[str, tuple[str, str | None]]:
    with pytest.raises(ConfigValidationError) as info:
        read_lokocfg(path, vars_path)
    return {i.path: (i.message, i.source) for i in info.value.errors}


@pytest.mark.parametrize(("body", "path", "line"), [
    ('  region = "eu-west-1"\n  region = "eu-west-2"\n' + POOL, "region", 6),
    ('  worker_pool "p" {\n    count = 1\n    count = 2\n  }', 'worker_pool["p"].count', 7),
    ('  oidc {\n    client_id = "a"\n    client_id = "b"\n  }\n' + POOL, "oidc.client_id", 7),
])
def test_an_attribute_set_twice_in_a_block_is_an_error_at_its_second_line(tmp_path, body, path, line):
    errors = _errors(_write(tmp_path, body))
    message, source = errors[path]
    assert "is set again (first on line" in message and source.endswith(f":{line}")


def test_an_attribute_set_twice_in_the_backend_is_an_error(tmp_path):
    path = _write(tmp_path)
    path.write_text(path.read_text() + 'backend "local" {\n  path = "a"\n  path = "b"\n}\n', encoding="utf-8")
    assert "is set again" in _errors(path)["backend.path"][0]


def test_a_variable_set_twice_in_the_vars_file_is_an_error(tmp_path):
    path = _write(tmp_path, '  cluster_name = var.name\n' + POOL)
    path.write_text('variable "name" {}\n' + path.read_text().replace('  cluster_name = "c"\n', ""))
    vars_path = tmp_path / "lokocfg.vars"
    vars_path.write_text('name = "a"\nname = "b"\n', encoding="utf-8")
    message, source = _errors(path, vars_path)["var.name"]
    assert "once per file" in message and source.endswith("lokocfg.vars:2")


def test_a_heredoc_line_that_looks_like_an_attribute_is_not_a_repetition(tmp_path):
    snippet = '    clc_snippets = [<<EOF\nstorage: {}\n    count = 5\nEOF\n    ]\n'
    path = _write(tmp_path, f'  worker_pool "p" {{\n    count = 1\n{snippet}  }}')
    assert read_lokocfg(path).config.worker_pools[0].clc_snippets[0].endswith("count = 5\n")


@pytest.mark.parametrize(("text", "line", "words"), [
    ("oops", 1, "'oops' is neither an attribute nor a block"),
    ('cluster "aws" {\n  oops\n}\n', 2, "write oops = value"),
    ('foo "bar"\n', 1, 'block foo "bar" has no body'),
    ('cluster "aws" {\n  dns_zone = \n  cluster_name = "c"\n}\n', 2, "unexpected end of line: expected a value"),
])
def test_syntax_errors_say_what_is_wrong_at_the_line_where_it_is(tmp_path, text, line, words):
    path = tmp_path / "c.lokocfg"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_lokocfg(path)
    assert words in str(info.value) and info.value.line == line


def test_syntax_errors_of_every_file_of_a_directory_are_reported(tmp_path):
    (tmp_path / "a.lokocfg").write_text("oops1", encoding="utf-8")
    (tmp_path / "b.lokocfg").write_text("oops2", encoding="utf-8")
    with pytest.raises(ConfigValidationError) as info:
        read_lokocfg(tmp_path)
    sources = sorted(i.source.rsplit("/", 1)[-1] for i in info.value.errors)
    assert sources == ["a.lokocfg:1", "b.lokocfg:1"]


def test_ssh_keys_lose_surrounding_whitespace_from_lokocfg_heredocs_and_yaml(minimal):
    minimal["cluster"]["ssh_pubkeys"] = [KEY + "\n\n"]
    minimal["cluster"]["worker_pools"][0]["ssh_pubkeys"] = ["  " + KEY + "\n"]
    config = load_yaml(minimal)
    assert config.ssh_pubkeys == (KEY,) and config.worker_pools[0].ssh_pubkeys == (KEY,)


def test_an_empty_region_says_it_is_empty(tmp_path):
    message, _source = _errors(_write(tmp_path, '  region = ""\n' + POOL))["region"]
    assert message.startswith("is empty")


def test_a_label_value_with_a_trailing_space_says_so(tmp_path):
    body = '  worker_pool "p" {\n    count = 1\n    labels = { "a" = "b " }\n  }'
    message, _source = _errors(_write(tmp_path, body))['worker_pool["p"].labels["a"]']
    assert "leading or trailing whitespace; write 'b'" in message


def test_a_dns_block_of_other_platforms_names_the_aws_attributes(tmp_path):
    body = '  dns {\n    zone = "example.com"\n  }\n' + POOL
    assert "dns_zone_id" in _errors(_write(tmp_path, body))["dns"][0]


def test_a_misspelt_variable_attribute_is_named_at_its_line_with_a_suggestion(tmp_path):
    path = tmp_path / "c.lokocfg"
    path.write_text('variable "x" {\n  type = string\n  defualt = "a"\n}\ncluster "aws" {}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_lokocfg(path)
    assert info.value.line == 3 and 'did you mean "default"?' in str(info.value)


def test_hcl_type_conversions_apply_as_lokoctl_decoded_them(tmp_path):
    body = ('  controller_count = "3"\n  enable_csi = "true"\n  tags = { "n" = 5 }\n'
            '  worker_pool "p" {\n    count = "2"\n    spot_price = 0.05\n    disk_size = 50.0\n'
            '    lb_http_port = "8080"\n    labels = { "a" = true }\n  }')
    config = read_lokocfg(_write(tmp_path, body)).config
    pool = config.worker_pools[0]
    assert (config.controller_count, config.enable_csi, dict(config.tags)) == (3, True, {"n": "5"})
    assert (pool.count, pool.spot_price, pool.disk_size, pool.lb_http_port) == (2, "0.05", 50, 8080)
    assert dict(pool.labels) == {"a": "true"}


@pytest.mark.parametrize(("value", "words"), [('"three"', 'expected an integer, got "three"'),
                                               ('"3.5"', "expected an integer, got 3.5"),
                                               ('" 3"', 'expected an integer, got " 3"')])
def test_strings_that_are_no_whole_numbers_stay_type_errors(tmp_path, value, words):
    body = f'  worker_pool "p" {{\n    count = {value}\n  }}'
    assert words in _errors(_write(tmp_path, body))['worker_pool["p"].count'][0]


@pytest.mark.parametrize(("text", "line", "header"), [
    ('cluster "aws"\n{\n}\n', 1, 'cluster "aws"'),
    (CLUSTER.replace("{body}", '  worker_pool "p"\n  {\n    count = 1\n  }'), 5, 'worker_pool "p"'),
])
def test_a_block_brace_on_the_next_line_is_refused_as_hcl_does(tmp_path, text, line, header):
    path = tmp_path / "c.lokocfg"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_lokocfg(path)
    assert info.value.line == line and f"write {header} {{" in str(info.value)


def test_a_brace_line_inside_a_heredoc_is_no_block(tmp_path):
    body = '  worker_pool "p" {\n    count = 1\n    clc_snippets = [<<EOF\nsystemd\n{\nEOF\n    ]\n  }'
    assert read_lokocfg(_write(tmp_path, body)).config.worker_pools[0].clc_snippets == ("systemd\n{\n",)


# one line scanner for brace depths and unclosed strings (lokocfg._scan_lines): braces inside a template's
# `${ }` (even a quoted "}" there), comments and heredoc bodies are no block braces
@pytest.mark.parametrize(("text", "depths", "open_quote"), [
    ('x {\n  a = "${"}"}"\n}\ny = 1', [0, 1, 1, 0], None),
    ('x {\n  a = "${ {k = "v"}["k"] }"\n  # }\n}', [0, 1, 1, 1], None),
    ('x {\n  s = <<EOF\n}\nEOF\n}', [0, 1, 1, 1, 1], None),
    ('x {\n  /* {\n  } */ b = "{"\n}', [0, 1, 1, 1], None),
    ('worker_pool "pool {\n  count = 1\n}', [0, 0, 0], (1, 13)),
    ('a = "${file("x")}"\nb = "open ${x}', [0, 0], (2, 5)),
])
def test_line_scanner(text, depths, open_quote):
    from lokonb.config.lokocfg import _line_depths, _unclosed_string

    assert _line_depths(text) == depths
    assert _unclosed_string(text) == open_quote


# worker pools given but unreadable are reported where they are, without "at least one worker pool must be defined"
# on top (it sent the operator to add a pool that is there)
@pytest.mark.parametrize("body", [
    '  worker_pool "${var.x}" {\n    count = 1\n  }',
    '  worker_pool "a" "b" {\n    count = 1\n  }',
])
def test_an_unreadable_worker_pool_is_not_also_a_missing_one(tmp_path, body):
    errors = _errors(_write(tmp_path, body))
    assert list(errors) == ["worker_pool"] and "label" in errors["worker_pool"][0]


def test_worker_pools_that_are_no_list_are_not_also_missing(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(f"cluster:\n  cluster_name: c\n  dns_zone: example.com\n  ssh_pubkeys: ['{KEY}']\n"
                    "  worker_pools: web\n")
    with pytest.raises(ConfigValidationError) as info:
        load_yaml(path)
    assert [i.path for i in info.value.errors] == ["worker_pools"]


def test_no_worker_pool_at_all_is_still_v1(tmp_path):
    assert "at least one worker pool" in _errors(_write(tmp_path, ""))["worker_pool"][0]
