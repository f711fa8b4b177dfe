"""``$KUBECONFIG`` with several files, merged as kubectl merges them (only the first entry was read)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from lokonb.kube.client import load_api_client
from lokonb.kube.errors import KubeconfigError


def _kubeconfig(path: Path, n: int, current: bool) -> None:
    doc = {"apiVersion": "v1", "kind": "Config",
           "clusters": [{"name": f"c{n}", "cluster": {"server": f"https://127.0.0.1:{n}"}}],
           "users": [{"name": f"u{n}", "user": {"token": f"SECRET-TOKEN-{n}"}}],
           "contexts": [{"name": f"ctx{n}", "context": {"cluster": f"c{n}", "user": f"u{n}"}}]}
    if current:
        doc["current-context"] = f"ctx{n}"
    path.write_text(yaml.safe_dump(doc))


@pytest.mark.parametrize("entries,context,port", [
    (["a", "b"], None, 1),            # the first current-context wins
    (["b", "a"], None, 1),            # b sets none: a's (kubectl; the first entry alone had none: an error)
    (["a", "b"], "ctx2", 2),          # a context of the second file ("not found" before)
    (["missing", "a"], None, 1),      # missing entries are skipped, as kubectl does ("not found" before)
    (["missing", "a", "", "b"], "ctx2", 2),
])
def test_kubeconfig_list_is_merged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entries: list[str],
                                   context: str | None, port: int) -> None:
    _kubeconfig(tmp_path / "a", 1, current=True)
    _kubeconfig(tmp_path / "b", 2, current=False)
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(str(tmp_path / e) if e else "" for e in entries))
    client = load_api_client(None, context)
    assert client.configuration.host == f"https://127.0.0.1:{port}"


@pytest.mark.parametrize("entries,context,message", [
    (["m1", "m2"], None, "none of the $KUBECONFIG files exist"),
    (["a", "b"], "nope", "context 'nope' not found in $KUBECONFIG"),
    (["b", "b2"], None, "no current-context set in $KUBECONFIG"),
])
def test_kubeconfig_list_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entries: list[str],
                                context: str | None, message: str) -> None:
    _kubeconfig(tmp_path / "a", 1, current=True)
    _kubeconfig(tmp_path / "b", 2, current=False)
    _kubeconfig(tmp_path / "b2", 3, current=False)
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join(str(tmp_path / e) for e in entries))
    with pytest.raises(KubeconfigError) as exc:
        load_api_client(None, context)
    assert message in str(exc.value) and "SECRET-TOKEN" not in str(exc.value)
