"""Arguments of the wrong type to the public lokocfg helpers (round 4 of the bad-input sweep) are ConfigErrors that
name the argument and the allowed form, not "dictionary update sequence element #0 has length 3" or an
AttributeError/TypeError from inside (the CLI's NAME=VALUE strings passed as ``overrides`` are the likely slip)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.config import ConfigError, is_lokocfg, load, load_lokocfg, parse_var_override, read_yaml

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo"
CFG, VARS = str(DEMO / "cluster.lokocfg"), str(DEMO / "lokocfg.vars")

BAD = [
    # (call, parts of the message)
    (lambda: load_lokocfg(CFG, VARS, overrides=["web_workers=3"]),
     ["read_lokocfg(): overrides must be a mapping", "got list", "parse_var_override()"]),
    (lambda: load_lokocfg(CFG, VARS, overrides="web_workers=3"),
     ["overrides must be a mapping", "got str", "parse_var_override()"]),
    (lambda: load(CFG, VARS, overrides=[("web_workers", 3)]), ["overrides must be a mapping", "got list"]),
    (lambda: load_lokocfg(CFG, VARS, overrides=5), ["overrides must be a mapping", "got int"]),
    (lambda: parse_var_override(None), ["parse_var_override(): expected NAME=VALUE text, got None"]),
    (lambda: parse_var_override(5), ["expected NAME=VALUE text, got int"]),
    (lambda: is_lokocfg(None), ["is_lokocfg(): path must be a file or directory path", "got None"]),
    (lambda: is_lokocfg(5), ["got int"]),
    (lambda: read_yaml({"cluster": {}}, extra_keys=5), ["extra_keys must be a list of top-level key names", "got 5"]),
    (lambda: read_yaml({"cluster": {}}, extra_keys=[None]), ["extra_keys must be a list", "got [None]"]),
]


@pytest.mark.parametrize("call,parts", BAD, ids=[f"bad-{i}" for i in range(len(BAD))])
def test_wrong_argument_types_are_named(call, parts):
    with pytest.raises(ConfigError) as exc:
        call()
    assert all(p in str(exc.value) for p in parts), str(exc.value)


def test_mapping_overrides_and_none_still_work():
    assert load_lokocfg(CFG, VARS, overrides={"web_workers": 3}).worker_pools[0].count == 3
    assert load_lokocfg(CFG, VARS, overrides=None).worker_pools[0].count == 2
    assert dict([parse_var_override("web_workers=3")]) == {"web_workers": 3}
    assert is_lokocfg(CFG) and not is_lokocfg(str(DEMO / "missing.yaml"))


PARAMS = Path(__file__).resolve().parents[2] / "parameters" / "provision_cluster" / "default.yaml"


@pytest.mark.parametrize("extra_keys", ["states", ["states"], ("states",)], ids=["str", "list", "tuple"])
def test_one_extra_key_string_is_one_key(extra_keys):
    """A notebook key that looks like a misspelt block is the caller's when named in extra_keys; one string was read
    as its letters ("s", "t", ...), so "states" stayed an error (round 5)."""
    import yaml

    data = yaml.safe_load(PARAMS.read_text("utf-8")) | {"states": 1}
    with pytest.raises(ConfigError, match='states: unknown block; did you mean "state"'):
        read_yaml(data)
    assert read_yaml(data, extra_keys=extra_keys).config.cluster_name == "demo"
