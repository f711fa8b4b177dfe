"""Arguments of the wrong type to the public lokocfg helpers (round 4 of the bad-input sweep) are ConfigErrors that
name the argument and the allowed form, not "dictionary update sequence element #0 has length 3" or an
AttributeError/TypeError from inside (the CLI's NAME=VALUE strings passed as ``overrides`` are the likely slip)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.config import ConfigError, is_lokocfg, load, load_lokocfg, parse_var_override

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
    (lambda: parse_var_override(None), ["parse_var_override(): expected NAME=VALUE text, got NoneType"]),
    (lambda: parse_var_override(5), ["expected NAME=VALUE text, got int"]),
    (lambda: is_lokocfg(None), ["is_lokocfg(): path must be a file or directory path", "got NoneType"]),
    (lambda: is_lokocfg(5), ["got int"]),
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
