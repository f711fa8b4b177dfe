"""Property-based robustness: random and mutated definitions only ever raise ConfigError-type errors."""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lokonb.config import ClusterConfig, ConfigError, load_yaml
from lokonb.config.fields import AWS_FIELDS, CLUSTER_FIELDS, POOL_FIELDS, STATE_FIELDS

from .conftest import MINIMAL

# CI runs a fixed, reproducible set of examples (a red CI must mean a real regression, reproducible locally with
# CI=true); LOKONB_FUZZ_SCALE=20 explores 20x more examples with fresh randomness when hunting for bugs.
SCALE = int(os.environ.get("LOKONB_FUZZ_SCALE", "1"))
DERANDOMIZE = bool(os.environ.get("CI"))

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(allow_nan=True),
                    st.text(max_size=40), st.sampled_from(["", "0", "-1", "10.0.0.0/8", "t3.small", "s3",
                                                           "embedded", "ssh-rsa AAAA", "https://x", "a:b"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=8)
cluster_keys = st.sampled_from([f.name for f in CLUSTER_FIELDS] + ["worker_pools", "oidc", "bogus"])
pool_keys = st.sampled_from([f.name for f in POOL_FIELDS] + ["bogus"])
block_keys = st.sampled_from([f.name for f in AWS_FIELDS + STATE_FIELDS] + ["bogus"])


def _check(data: Any) -> None:
    try:
        assert isinstance(load_yaml(data), ClusterConfig)
    except ConfigError:
        pass


@settings(max_examples=300 * SCALE, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["cluster", "pool", "aws", "state"]), st.one_of(cluster_keys, pool_keys,
                                                                                          block_keys), values),
                max_size=6))
def test_mutated_definitions_only_raise_config_errors(mutations):
    data = copy.deepcopy(MINIMAL)
    for where, key, value in mutations:
        if where == "cluster":
            data["cluster"][key] = value
        elif where == "pool" and isinstance(data["cluster"].get("worker_pools"), list) \
                and data["cluster"]["worker_pools"] and isinstance(data["cluster"]["worker_pools"][0], dict):
            data["cluster"]["worker_pools"][0][key] = value
        elif where in ("aws", "state"):
            block = data.setdefault(where, {})
            if isinstance(block, dict):
                block[key] = value
            else:
                data[where] = value
    _check(data)


@settings(max_examples=150 * SCALE, deadline=None, derandomize=DERANDOMIZE)
@given(values)
def test_random_documents_only_raise_config_errors(value):
    _check(value)
    _check({"cluster": value})


@settings(max_examples=200 * SCALE, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 8), st.text(alphabet='{}[]"=$#\n ab1.,<-(:)',
                                                                            max_size=6)), min_size=1, max_size=4))
def test_mutated_lokocfg_text_only_raises_config_errors(tmp_path_factory, edits):
    from .test_lokocfg import CI, TESTING, VARS

    directory = tmp_path_factory.mktemp("fuzz")
    text = TESTING + CI.split("cluster \"aws\"")[0]
    for position, delete, insert in edits:
        position %= len(text) + 1
        text = text[:position] + insert + text[position + delete:]
    (directory / "c.lokocfg").write_text(text)
    (directory / "lokocfg.vars").write_text(VARS)
    try:
        from lokonb.config import load_lokocfg

        load_lokocfg(directory / "c.lokocfg", directory / "lokocfg.vars")
    except ConfigError:
        pass
