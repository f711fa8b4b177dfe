"""Paths in a .lokocfg setup that are directories or repeated: the error says what the path is and where it was
looked for or found, never "not found" for a folder that exists or the same folder listed twice."""

from __future__ import annotations

import pytest

from lokonb.config import ConfigError, load_lokocfg

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"


def cluster(extra: str = "") -> str:
    return (f'cluster "aws" {{\n  cluster_name = "demo"\n  dns_zone = "example.com"\n  ssh_pubkeys = ["{KEY}"]\n'
            f'{extra}  worker_pool "w" {{\n    count = 1\n  }}\n}}\n')


CASES = [
    # (name, files written under the config folder, vars argument, fragments expected in the error)
    ("vars is a directory", {"c.lokocfg": cluster(), "vars/x": ""}, "vars",
     ["vars file vars is a directory", "NAME = VALUE"]),
    ("file() of a directory", {"c.lokocfg": cluster('  controller_clc_snippets = [file("snips")]\n'),
                               "snips/a.yaml": ""}, None,
     ["file('snips'): is a directory, expected a file", "c.lokocfg:5"]),
    ("file() looks in one folder once", {"c.lokocfg": cluster('  controller_clc_snippets = [file("no.yaml")]\n')},
     None, ["file('no.yaml'): no such file (looked in: {root}/no.yaml)"]),
    ("two cluster blocks in one file", {"c.lokocfg": cluster() + "\n" + cluster()}, None,
     ["more than one cluster block (c.lokocfg:1, c.lokocfg:10)"]),
    ("cluster blocks in two files", {"d/a.lokocfg": cluster(), "d/b.lokocfg": cluster()}, None,
     ["more than one cluster block (d/a.lokocfg:1, d/b.lokocfg:1)"]),
    ("two backend blocks", {"c.lokocfg": cluster() + 'backend "local" {}\nbackend "local" {}\n'}, None,
     ["more than one backend block (c.lokocfg:9, c.lokocfg:10)"]),
]


@pytest.mark.parametrize("name,files,vars_arg,fragments", CASES, ids=[c[0] for c in CASES])
def test_path_errors(tmp_path, monkeypatch, name, files, vars_arg, fragments):
    monkeypatch.chdir(tmp_path)
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    config = "d" if any(rel.startswith("d/") for rel in files) else "c.lokocfg"
    with pytest.raises(ConfigError) as exc:
        load_lokocfg(config, vars_arg)
    message = str(exc.value)
    for fragment in fragments:
        assert fragment.format(root=tmp_path) in message, message


def test_a_huge_value_is_quoted_shortened(tmp_path, monkeypatch):
    """A 5,000-character value (a pasted file, a runaway variable) is quoted by its start and size, not in full."""
    from lokonb.config import ConfigValidationError

    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.lokocfg").write_text(cluster().replace('"demo"', '"' + "a" * 5000 + '"'))
    with pytest.raises(ConfigValidationError) as exc:
        load_lokocfg("c.lokocfg")
    text = str(exc.value)
    assert "... (5,000 characters) is not a valid cluster name" in text
    assert "has 5,018 characters; a DNS name has at most 253" in text
    assert "a" * 200 not in text and len(text) < 1500
