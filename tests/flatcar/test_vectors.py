"""Conformance: the 12 shared ct/butane vectors (flatcar.md §12, §13.1–13.2), through the API and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.flatcar.butane import translate_butane
from lokonb.flatcar.clc import translate_clc
from lokonb.flatcar.gojson import to_json

VECTORS = Path(__file__).resolve().parents[3] / "shared" / "data" / "flatcar-vectors"
NAMES = sorted(p.name[: -len(".meta.json")] for p in VECTORS.glob("*.meta.json"))


def _load(shared_data: Path, name: str) -> tuple[dict, str, str]:
    d = shared_data / "flatcar-vectors"
    meta = json.loads((d / f"{name}.meta.json").read_text())
    return meta, (d / f"{name}.input.yaml").read_text(), (d / f"{name}.expected.json").read_text()


def _translate(meta: dict, text: str):
    if meta["tool"] == "ct":
        return translate_clc(text, platform=meta["platform"]), "ct"
    return translate_butane(text), "butane"


def test_all_twelve_vectors_present():
    assert len(NAMES) == 12


@pytest.mark.parametrize("name", NAMES)
def test_vector_api(shared_data: Path, name: str) -> None:
    meta, text, expected = _load(shared_data, name)
    t, style = _translate(meta, text)
    if meta["expect"] == "success":
        assert t.config == json.loads(expected)
        assert to_json(t.config, style=style, pretty=True).decode() == expected
        stderr = t.format_report("ct" if style == "ct" else "raw")
        assert stderr == meta["tool_stderr"]
    else:
        exp = json.loads(expected)
        assert t.config is None
        got = [
            {k: v for k, v in e.to_dict().items() if k in ("kind", "message", "line", "column", "path")}
            for e in t.report
            if e.kind == "error"
        ]
        assert got == exp["errors"]
        fmt = "ct" if style == "ct" else "raw"
        stderr = t.format_report(fmt) + (t.note + "\n" if style == "butane" and t.note else "")
        assert stderr == exp["stderr"]


@pytest.mark.parametrize("name", NAMES)
def test_vector_cli(shared_data: Path, name: str) -> None:
    """The CLI as the vector's reference command: stdout, exit code and the whole stderr (ct's two-line form for
    CLC, Butane's raw form for Butane, spec flatcar.md §3)."""
    meta, text, expected = _load(shared_data, name)
    cmd = [sys.executable, "-m", "lokonb", "flatcar", "translate", "--pretty"]
    if meta["platform"]:
        cmd += ["--platform", meta["platform"]]
    proc = subprocess.run(
        cmd + [str(shared_data / "flatcar-vectors" / f"{name}.input.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == meta["tool_exit_code"]
    assert proc.stderr == meta["tool_stderr"]
    if meta["expect"] == "success":
        assert proc.stdout == expected
    else:
        assert proc.stdout == ""
        assert proc.stderr == json.loads(expected)["stderr"]


@pytest.mark.parametrize(("content", "message"), [
    (None, "error: cannot read {path}: No such file or directory"),
    (b"\xff\xfe not text", "error: {path} is not UTF-8 text"),
])
def test_cli_unreadable_input_is_an_error(tmp_path: Path, content: bytes | None, message: str) -> None:
    """An input that cannot be read exits 1 like any other error (ct does the same; 2 is for usage errors)."""
    path = tmp_path / "in.yaml"
    if content is not None:
        path.write_bytes(content)
    proc = subprocess.run([sys.executable, "-m", "lokonb", "flatcar", "translate", str(path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == message.format(path=path) + "\n"
