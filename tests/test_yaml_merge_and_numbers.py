"""YAML merge keys (`<<: *base`) in cluster definitions and parameter sets are read the way PyYAML/papermill read
them (the mapping's own keys win), never reported as duplicates or unknown attributes; a misused `<<` is an error
with file and line. A float where an integer is required is an error naming the field (YAML `count: 2.0`),
while HCL's `count = 2.0` stays the number 2 as in lokoctl."""

from __future__ import annotations

import pytest

from lokonb.config import ConfigError, ConfigValidationError, load_lokocfg, load_yaml
from lokonb.notebook.paramfiles import parse_text_tree, plain_value

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"
HEAD = f"cluster:\n  cluster_name: demo\n  dns_zone: example.com\n  ssh_pubkeys: [\"{KEY}\"]\n  worker_pools:\n"

MERGES = [
    # (name, pools text, expected (name, count, instance_type, lb_http_port) per pool)
    ("own keys override merged", "    - &w {name: web, count: 2, instance_type: t3.large}\n"
                                 "    - <<: *w\n      name: batch\n      count: 1\n      lb_http_port: 8080\n"
                                 "      lb_https_port: 8443\n",
     [("web", 2, "t3.large", 80), ("batch", 1, "t3.large", 8080)]),
    ("list of merges, shared keys set here", "    - &a {name: a, count: 3, lb_http_port: 81, lb_https_port: 441}\n"
                                            "    - &b {name: b, count: 4, instance_type: m5.large}\n"
                                            "    - {<<: [*a, *b], name: c, count: 5, lb_http_port: 82, "
                                            "lb_https_port: 442}\n",
     [("a", 3, "t3.small", 81), ("b", 4, "m5.large", 80), ("c", 5, "m5.large", 82)]),
    ("merged mapping with its own merge", "    - &a {name: a, count: 3, instance_type: m5.large}\n"
                                          "    - &b {<<: *a, name: b, lb_http_port: 81, lb_https_port: 441}\n"
                                          "    - {<<: *b, name: c, lb_http_port: 82, lb_https_port: 442}\n",
     [("a", 3, "m5.large", 80), ("b", 3, "m5.large", 81), ("c", 3, "m5.large", 82)]),
]


@pytest.mark.parametrize("name,pools,expected", MERGES, ids=[m[0] for m in MERGES])
def test_cluster_yaml_merge_keys(tmp_path, name, pools, expected):
    path = tmp_path / "c.yaml"
    path.write_text(HEAD + pools)
    config = load_yaml(path)
    assert [(p.name, p.count, p.instance_type, p.lb_http_port) for p in config.worker_pools] == expected


@pytest.mark.parametrize("name,pools,expected", MERGES, ids=[m[0] for m in MERGES])
def test_parameter_set_merge_keys(name, pools, expected):
    tree = plain_value(parse_text_tree(HEAD + pools, source="set.yaml"))
    pools_read = tree["cluster"]["worker_pools"]
    assert [(p["name"], p["count"]) for p in pools_read] == [(e[0], e[1]) for e in expected]
    assert all("<<" not in p for p in pools_read)


BAD = [
    # (name, pools text, message part, line)
    ("two merge keys", "    - name: web\n      <<: {count: 1}\n      <<: {count: 3}\n", "duplicate key '<<'", 8),
    ("key in two merged mappings", "    - &a {name: a, count: 3}\n    - &b {name: b, count: 4}\n"
                                   "    - <<: [*a, *b]\n      name: c\n",
     "key 'count' comes from more than one merged mapping (lines 6 and 7)", 8),
    ("own key twice beside a merge", "    - &w {name: web, count: 1}\n    - <<: *w\n      name: b\n      name: c\n",
     "duplicate key 'name'", 9),
]


@pytest.mark.parametrize("name,pools,message,line", BAD, ids=[b[0] for b in BAD])
def test_cluster_yaml_bad_merges(tmp_path, name, pools, message, line):
    path = tmp_path / "c.yaml"
    path.write_text(HEAD + pools)
    with pytest.raises(ConfigError) as exc:
        load_yaml(path)
    assert message in str(exc.value) and exc.value.file == str(path) and exc.value.line == line


SET_BAD = BAD + [
    ("merge of a scalar", "    - name: web\n      <<: 5\n", "a merge key `<<` takes a mapping", 7),
    ("merge of a list of scalars", "    - name: web\n      <<: [5]\n", "a merge key `<<` takes a mapping", 7),
]


@pytest.mark.parametrize("name,pools,message,line", SET_BAD, ids=[b[0] for b in SET_BAD])
def test_parameter_set_bad_merges(name, pools, message, line):
    with pytest.raises(ConfigError) as exc:
        parse_text_tree(HEAD + pools, source="set.yaml")
    assert message in str(exc.value) and exc.value.file == "set.yaml" and exc.value.line == line


def test_quoted_merge_key_is_an_ordinary_key():
    assert plain_value(parse_text_tree("a: {'<<': 1}\n", source="s.yaml")) == {"a": {"<<": 1}}


INTS = [
    # (name, pool text, path in the message)
    ("count 2.0", "    - {name: web, count: 2.0}\n", 'worker_pool["web"].count'),
    ("disk_size 40.0", "    - {name: web, count: 1, disk_size: 40.0}\n", 'worker_pool["web"].disk_size'),
]


@pytest.mark.parametrize("name,pools,path", INTS, ids=[i[0] for i in INTS])
def test_yaml_float_for_an_integer_is_an_error(tmp_path, name, pools, path):
    file = tmp_path / "c.yaml"
    file.write_text(HEAD + pools)
    with pytest.raises(ConfigValidationError) as exc:
        load_yaml(file)
    issues = [i for i in exc.value.issues if i.path == path]
    assert issues and "expected an integer" in issues[0].message and "(write " in issues[0].message


def test_hcl_whole_float_is_an_integer(tmp_path):
    file = tmp_path / "c.lokocfg"
    file.write_text(f'cluster "aws" {{\n  cluster_name = "demo"\n  dns_zone = "example.com"\n'
                    f'  ssh_pubkeys = ["{KEY}"]\n  controller_count = 1.0\n'
                    '  worker_pool "web" {\n    count = 2.0\n    disk_size = 1e2\n  }\n}\n')
    config = load_lokocfg(file)
    pool = config.worker_pools[0]
    assert (config.controller_count, pool.count, pool.disk_size) == (1, 2, 100)
    assert all(type(v) is int for v in (config.controller_count, pool.count, pool.disk_size))
