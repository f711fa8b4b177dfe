"""Recursive and exploding YAML aliases are refused with file and line by every YAML reader of lokonb's inputs
(cluster definitions, parameter sets), instead of a RecursionError (exit 70) or a hang."""

from __future__ import annotations

import pytest

from lokonb.config import load_yaml
from lokonb.errors import ConfigError
from lokonb.notebook.paramfiles import parse_text_tree


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ",".join(["x"] * width) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


CASES = [
    # (name, text, message part, line)
    ("list contains itself", "a: &x [*x]\n", "recursive YAML alias", 1),
    ("map contains itself", "cluster: &c\n  tags:\n    inner: *c\n", "recursive YAML alias", 1),
    ("nested cycle", "a:\n  b: &b\n    - c: [1, *b]\n", "recursive YAML alias", 2),
    ("alias bomb", _bomb(), "expand this document to more than 100,000 values", 6),
]


@pytest.mark.parametrize("name,text,message,line", CASES, ids=[c[0] for c in CASES])
def test_cluster_yaml_refuses(tmp_path, name, text, message, line):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_yaml(path)
    assert message in str(exc.value) and exc.value.file == str(path) and exc.value.line == line


@pytest.mark.parametrize("name,text,message,line", CASES, ids=[c[0] for c in CASES])
def test_parameter_set_refuses(name, text, message, line):
    with pytest.raises(ConfigError) as exc:
        parse_text_tree(text, source="set.yaml")
    assert message in str(exc.value) and exc.value.file == "set.yaml" and exc.value.line == line


def test_shared_aliases_within_the_limit_are_read():
    tree = parse_text_tree("base: &b {x: 1}\none: *b\ntwo: [*b, *b]\n" + _bomb(levels=3), source="set.yaml")
    assert str(tree["two"][1]["x"].text) == "1" and len(tree["a2"]) == 9
