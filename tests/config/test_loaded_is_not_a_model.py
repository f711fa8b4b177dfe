"""The public functions that take a cluster model said "expected a cluster model (lokonb.config.load(PATH) or
lokonb.config.read_yaml(DICT))", but both return a ``Loaded`` (model + warnings), which the same functions refuse:
following the advice gave the same error. The message now names the loaders that return the model and, for a
``Loaded``, its ``.config`` (round 5 of the bad-input sweep)."""

from __future__ import annotations

from pathlib import Path

import pytest

import lokonb.aws as aws
import lokonb.flatcar as flatcar
from lokonb.assets import load_or_generate
from lokonb.config import ConfigError, read_yaml

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@x"

CALLS = [
    ("render_cluster", lambda m: flatcar.render_cluster(m)),
    ("load_or_generate", lambda m: load_or_generate(m)),
    ("plan", lambda m: aws.plan(m)),
    ("open_aws", lambda m: aws.open_aws(m)),
]


@pytest.fixture
def loaded(tmp_path: Path):  # type: ignore[no-untyped-def]
    return read_yaml({"cluster": {"cluster_name": "demo", "dns_zone": "example.com", "ssh_pubkeys": [KEY],
                                  "asset_dir": str(tmp_path / "a"), "worker_pools": [{"name": "web", "count": 1}]},
                      "aws": {"endpoint": "http://127.0.0.1:9"}})


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_a_loaded_result_names_its_config(loaded, tmp_path: Path, name: str, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as exc:
        call(loaded)
    text = str(exc.value)
    assert text.startswith(f"{name}(): expected a cluster model (lokonb.config.load_yaml(PATH or DICT), ")
    assert "got Loaded; this is the Loaded result of load()/read_yaml()/read_lokocfg(): pass its .config" in text
    assert not (tmp_path / "a").exists()


@pytest.mark.parametrize("name,call", CALLS, ids=[c[0] for c in CALLS])
def test_other_values_get_no_loaded_hint(name: str, call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as exc:
        call({"cluster": {}})
    assert f"{name}(): expected a cluster model" in str(exc.value) and "load(PATH).config" in str(exc.value)
    assert "this is the Loaded result" not in str(exc.value)
