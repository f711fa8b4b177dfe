"""``record_file(name, path)`` in a headless run (round 6 of the bad-input sweep): two files of one base name (the
manifest.json of two renders) were both copied to files/manifest.json, so the first result silently showed the
second's content; a bad result name was refused only after the copy. Each recorded file now keeps its content."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.notebook import results
from lokonb.notebook.exceptions import RecordError


@pytest.fixture()
def run_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    run = tmp_path / "run"
    run.mkdir()
    monkeypatch.setenv("LOKONB_RUN_DIR", str(run))
    monkeypatch.setattr(results, "RECORDED", {})
    return run


def _file(tmp_path: Path, folder: str, name: str, text: str) -> Path:
    path = tmp_path / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


CASES = [
    # (name, [(result name, folder, file name, content)], expected value recorded per result name)
    ("two files of one name", [("old", "a", "manifest.json", "A"), ("new", "b", "manifest.json", "B")],
     {"old": "files/manifest.json", "new": "files/new-manifest.json"}),
    ("different names", [("x", "a", "x.csv", "X"), ("y", "b", "y.csv", "Y")],
     {"x": "files/x.csv", "y": "files/y.csv"}),
    ("one result re-recorded (cell run twice)", [("r", "a", "r.txt", "1"), ("r", "b", "r.txt", "2")],
     {"r": "files/r.txt"}),
]


@pytest.mark.parametrize("name,records,expected", CASES, ids=[c[0] for c in CASES])
def test_each_recorded_file_keeps_its_content(tmp_path: Path, run_dir: Path, name: str, records: list,
                                              expected: dict) -> None:
    last: dict[str, str] = {}
    for result, folder, file_name, text in records:
        results.record_file(result, _file(tmp_path, folder, file_name, text))
        last[result] = text
    assert {n: e["value"] for n, e in results.RECORDED.items()} == expected
    for result, rel in expected.items():
        assert (run_dir / rel).read_text() == last[result]


@pytest.mark.parametrize("bad", ["1x", "a-b", 5])
def test_bad_name_is_refused_before_the_copy(tmp_path: Path, run_dir: Path, bad: object) -> None:
    with pytest.raises(RecordError, match="is not an identifier"):
        results.record_file(bad, _file(tmp_path, "a", "f.txt", "x"))  # type: ignore[arg-type]
    assert not (run_dir / "files").exists()
