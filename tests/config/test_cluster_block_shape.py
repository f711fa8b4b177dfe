"""A `cluster:` key that is not a mapping (null after commenting its lines out, a list, a string) is an error
naming it, not the flat form's "cluster: unknown attribute; did you mean cluster_name?" plus four "is required";
the path-taking loaders name a non-path argument instead of a TypeError from pathlib."""

from __future__ import annotations

import pytest

from lokonb.config import ConfigError, load, load_lokocfg, load_yaml, read_yaml

BLOCKS = [
    # (file text, what the message says it got)
    ("cluster:\n#  cluster_name: x\naws:\n  endpoint: embedded\n", "got null (an empty block"),
    ("cluster: []\n", "got a list"),
    ("cluster: demo\n", "got a str"),
]


@pytest.mark.parametrize("text,got", BLOCKS, ids=["null", "list", "str"])
def test_cluster_block_must_be_a_mapping(tmp_path, text, got):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_yaml(path)
    message = str(exc.value)
    assert "cluster: expected a mapping of the cluster's attributes" in message and got in message
    assert exc.value.line == 1 and "unknown attribute" not in message


def test_in_memory_cluster_block_too():
    with pytest.raises(ConfigError, match="got a list"):
        read_yaml({"cluster": [1]})


PATHS = [
    # (call, message part)
    (lambda: load(None), "load(): path must be a file or directory path"),
    (lambda: load({"cluster": {}}), "for a dict use lokonb.config.read_yaml"),
    (lambda: load_lokocfg(None), "read_lokocfg(): path must be"),
    (lambda: load_lokocfg("x.lokocfg", vars_path=5), "vars_path must be"),
]


@pytest.mark.parametrize("call,message", PATHS, ids=["load None", "load dict", "lokocfg None", "vars 5"])
def test_loaders_name_a_non_path(call, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()
