"""Long names (round 4 of the bad-input sweep): a set name or a -f file name past what a file or directory name may
hold used to surface as the OS's "File name too long" (run --set, run-all --set: exit 1; the form's Save: an OSError
lost in the button callback; run -f: "cannot create the run directory ...; give a writable --output", exit 5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.errors import ConfigError
from lokonb.notebook.paramfiles import MAX_SET_NAME, check_set_name

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name,error", [
    ("a" * MAX_SET_NAME, None),
    ("nightly-2", None),
    ("a" * (MAX_SET_NAME + 1), f"({MAX_SET_NAME + 1} characters): use at most {MAX_SET_NAME}"),
    ("a" * 300, "(300 characters): use at most"),
    ("../default", "use lowercase letters, digits and '-'"),
])
def test_set_name_length(name: str, error: str | None) -> None:
    if error is None:
        check_set_name(name)
        return
    with pytest.raises(ConfigError) as exc:
        check_set_name(name)
    assert error in str(exc.value) and len(str(exc.value)) < 200


@pytest.mark.parametrize("argv", [
    ["run", "metadata_access", "--set", "a" * 300],
    ["run-all", "--set", "a" * 300],
    ["schedule", "metadata_access", "--cron", "0 3 * * *", "--set", "a" * 300],
])
def test_long_set_name_is_a_usage_error(argv: list[str], tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "lokonb", *argv, "--root", str(REPO)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert f"use at most {MAX_SET_NAME}" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("label", ["a" * 245, "é" * 200, "ok"])
def test_run_directory_name_fits_for_long_file_names(tmp_path: Path, label: str) -> None:
    from lokonb.notebook.execute import MAX_LABEL_BYTES, make_run_dir

    first, path = make_run_dir(tmp_path, "metadata_access", label, 0.0)
    second, _ = make_run_dir(tmp_path, "metadata_access", label, 0.0)  # the "-n" suffix still fits
    assert path.is_dir() and second == first + "-2"
    assert len(second.encode()) <= 255
    if len(label.encode()) <= MAX_LABEL_BYTES:
        assert first.endswith("-" + label)
    else:
        assert first.endswith("~") and label.startswith(first.split("-", 1)[1][:-1])


def _form(root: Path):  # noqa: ANN202 - ipywidgets VBox with extras
    from lokonb.notebook.schemas import get_schema
    from lokonb.notebook.widgets import parameter_form

    return parameter_form(get_schema("metadata_access"), {}, root=root)


@pytest.mark.parametrize("case,name,expected", [
    ("long name", "a" * 300, "use at most"),
    ("parameters/<nb> is a file", "nightly", "not saved: cannot write"),
    ("<name>.yaml is a directory", "nightly", "not saved: cannot write"),
    ("writable", "nightly", "saved "),
])
def test_form_save_reports_write_problems_in_the_form(tmp_path: Path, case: str, name: str, expected: str) -> None:
    if case == "parameters/<nb> is a file":
        (tmp_path / "parameters").mkdir()
        (tmp_path / "parameters" / "metadata_access").write_text("")
    if case == "<name>.yaml is a directory":
        (tmp_path / "parameters" / "metadata_access" / "nightly.yaml").mkdir(parents=True)
    form = _form(tmp_path)
    form.save_name.value = name
    path = form.save()  # raised OSError before: lost in the button callback, the form said nothing
    assert expected in form.message.value
    assert (path is not None) == (case == "writable")


# round 6: Save over an existing set replaced a hand-written one (comments and all) without a word
HAND_WRITTEN = "# nightly audit of the prod cluster, see the runbook\nsource: live\naction: audit\n"


@pytest.mark.parametrize("case,existing,saved", [
    ("hand-written set", HAND_WRITTEN, False),
    ("empty file", "", False),
    ("not UTF-8", "\udcff", False),
    ("set written by the form", None, True),  # None: saved by the form once, then saved again
    ("no file yet", "absent", True),
])
def test_form_save_keeps_sets_it_did_not_write(tmp_path: Path, case: str, existing: str | None, saved: bool) -> None:
    path = tmp_path / "parameters" / "metadata_access" / "nightly.yaml"
    path.parent.mkdir(parents=True)
    form = _form(tmp_path)
    form.save_name.value = "nightly"
    if existing is None:
        assert form.save() == path
    elif existing != "absent":
        path.write_bytes(existing.encode("utf-8", "surrogateescape"))
    before = path.read_bytes() if path.exists() else None
    result = form.save()
    assert (result is not None) == saved
    if saved:
        assert path.read_text("utf-8").startswith("# Parameter set for metadata_access")
    else:
        assert path.read_bytes() == before
        assert "exists and was not written by this form" in form.message.value
