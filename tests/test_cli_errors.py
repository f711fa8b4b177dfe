"""How the ``lokonb`` command reports failures: output paths checked before the work starts (exit 2, naming the
option), unwritable outputs of ``flatcar translate`` as ct does (exit 1), a run directory that cannot be made as an
environment error (exit 5, notebooks.md §4.5), an ``OSError`` about a file as that file and its reason (exit 1), and
anything else as an internal error with its traceback saved to a file (exit 70)."""

from __future__ import annotations

import pytest

import lokonb.cli.logs as cli_logs
from lokonb.cli import main

NOWHERE = "/proc/lokonb-nowhere"  # a folder that cannot be created, even by root


@pytest.fixture
def clc(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("storage:\n  files:\n    - path: /etc/x\n      filesystem: root\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["flatcar", "render", "parameters/provision_cluster/default.yaml", "--out", NOWHERE], 2,
         f"error: --out: cannot create the folder {NOWHERE}: No such file or directory"),
        (["logs", "sample", "--output", f"{NOWHERE}/s.log"], 2,
         f"error: --output: cannot write {NOWHERE}/s.log: the folder {NOWHERE} does not exist"),
        (["logs", "sample", "--controllers", "2", "--output", NOWHERE], 2,
         f"error: --output: cannot create the folder {NOWHERE}"),
        (["logs", "sample", "--lines", "10", "--output", "{tmp}/s.log", "--truth", "/proc/lokonb-t.json"], 2,
         "error: --truth: cannot write /proc/lokonb-t.json: No such file or directory"),
        (["run", "metadata_access", "--output", NOWHERE], 5,
         f"cannot create the run directory under {NOWHERE}: No such file or directory; give a writable --output"),
    ],
)
def test_unwritable_outputs(tmp_path, capsys, argv, code, message):
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err and "internal error" not in err and "Traceback" not in err


def test_flatcar_translate_unwritable_output_is_exit_1(clc, capsys):
    assert main(["flatcar", "translate", str(clc), "-o", f"{NOWHERE}/x.ign"]) == 1
    assert f"error: cannot write {NOWHERE}/x.ign: No such file or directory" in capsys.readouterr().err


def test_oserror_about_a_file_names_it(monkeypatch, capsys):
    def fail(args):
        raise PermissionError(13, "Permission denied", "/srv/families.yaml")

    monkeypatch.setattr(cli_logs, "_families", fail)
    assert main(["logs", "families"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "error: /srv/families.yaml: Permission denied"


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyError("x")])
def test_other_errors_are_internal_with_a_saved_traceback(monkeypatch, capsys, exc):
    def fail(args):
        raise exc

    monkeypatch.setattr(cli_logs, "_families", fail)
    assert main(["logs", "families"]) == 70
    err = capsys.readouterr().err
    assert err.startswith(f"internal error: {type(exc).__name__}: ") and "traceback saved to " in err
    saved = err.split("traceback saved to ", 1)[1].split(";", 1)[0]
    with open(saved, encoding="utf-8") as fh:
        text = fh.read()
    assert "Traceback (most recent call last)" in text and "in fail" in text


@pytest.mark.parametrize(
    "argv, code, message",
    [
        (["params", "metadata_access", "--check", "{dir}"], 2, "{dir}: cannot read parameter file: Is a directory"),
        (["params", "metadata_access", "--check", "{bin}"], 2,
         "{bin}: cannot read parameter file: not UTF-8 text (byte 0: b'\\xff')"),
        (["metadata", "audit", "--kubeconfig", "{dir}"], 2,
         "kubeconfig {dir} is a directory; give the kubeconfig file"),
        (["flatcar", "diff", "{dir}", "{dir}"], 2, "{dir}: not a saved render (it has no manifest.json)"),
        (["flatcar", "diff", "{dir}/none", "{dir}"], 2,
         "{dir}/none: no such render directory (`lokonb flatcar render CONFIG --out {dir}/none` writes one)"),
    ],
)
def test_unreadable_inputs(tmp_path, capsys, argv, code, message):
    names = {"dir": str(tmp_path / "adir"), "bin": str(tmp_path / "bad.yaml")}
    (tmp_path / "adir").mkdir()
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfeab: 1\n")
    assert main([a.format(**names) for a in argv]) == code
    err = capsys.readouterr().err
    assert message.format(**names) in err and "Errno" not in err and "internal error" not in err


def test_runs_of_a_missing_folder_says_so(tmp_path, capsys):
    missing = tmp_path / "none"
    assert main(["runs", "--output", str(missing)]) == 0
    out = capsys.readouterr()
    assert out.out == "" and f"no runs: {missing} does not exist" in out.err
    assert main(["runs", "--output", str(missing), "--json"]) == 0
    assert capsys.readouterr().out.strip() == "[]"
