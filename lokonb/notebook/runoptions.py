"""Checks of the run options shared by ``run``, ``run-all`` and ``schedule`` (and their Python API): bad values
are usage errors (exit 2) before anything is created, not a kernel error (exit 5), a 0 s deadline (exit 3) or a
crontab line that can never run."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lokonb.errors import kind_name, wrong_kind
from lokonb.notebook.exceptions import UsageError


def check_timeout(option: str, value: float | None) -> None:
    """``value`` seconds must be a finite positive number (None: the schema's default)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        raise UsageError(f"{option} {value!r}: expected a positive number of seconds (allowed: > 0, finite; "
                         "leave it out for the notebook's default)")


#: S3 bucket names: up to 63 lowercase letters, digits, '.' and '-'
_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{0,62}")


def check_path(function: str, name: str, value: Any, allowed: str = "a path (str or Path)", *,
               optional: bool = False) -> None:
    """A path argument of the Python API is text or a Path (None with ``optional``): 5, a list or a dict ended in
    "expected str, bytes or os.PathLike object" from pathlib."""
    if (optional and value is None) or isinstance(value, str | os.PathLike):
        return
    raise UsageError(wrong_kind(function, name, allowed + (" or None" if optional else ""), value))


def check_output(value: str | Path | None, function: str = "run") -> None:
    """An output is a local folder or ``s3://BUCKET/PREFIX``; another URL would become a local folder named
    ``ftp:``."""
    check_path(function, "output", value, "a local folder or s3://BUCKET/PREFIX (str or Path)", optional=True)
    text = str(value) if value is not None else ""
    if "://" in text and not text.startswith("s3://"):
        raise UsageError(f"--output {text!r}: unsupported URL scheme {text.split('://', 1)[0]!r} "
                         "(allowed: a local folder or s3://BUCKET/PREFIX)")
    if text.startswith("s3://"):
        bucket = text[5:].split("/", 1)[0]
        if "@" in bucket:  # s3://KEY:SECRET@bucket: never quoted back, and S3 URLs carry no credentials
            raise UsageError("--output: an s3:// URL cannot carry credentials (USER:PASSWORD@ before the bucket); "
                             "give s3://BUCKET/PREFIX and the credentials through a profile or the environment")
        if not _S3_BUCKET.fullmatch(bucket):
            raise UsageError(f"--output {text!r} is not valid: {bucket!r} is not an S3 bucket name (allowed: "
                             "s3://BUCKET/PREFIX, BUCKET of lowercase letters, digits, '.' and '-')")


def check_jobs(value: int | None) -> None:
    """``--jobs``: runs at a time, 1 or more (None: the default)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise UsageError(f"--jobs {value!r}: expected 1 or more runs at a time (leave it out for min(cpus, 4))")


def parse_only(text: str | None) -> list[str] | None:
    """``--only a,b``: the names, or None for every notebook; an option with no name in it is an error, not 'all'."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError(f"--only {text!r}: no notebook name (allowed: comma-separated names such as "
                         "render_flatcar,metadata_access)")
    return names


def check_only(only: Any, known: list[str]) -> list[str] | None:
    """``run_all(only=...)``: a list of notebook names (one name as a plain string is one name; it was read letter
    by letter: "unknown notebook(s) _, a, c, ..."); an empty list is an error, as ``--only ''`` is, not a run of
    nothing."""
    if only is None:
        return None
    if isinstance(only, str):
        only = [only]
    if not isinstance(only, list | tuple | set | frozenset) or not all(isinstance(n, str) for n in only):
        raise UsageError(f"run_all(): only must be a list of notebook names (known: {', '.join(known)}), "
                         f"got {only!r:.60}")
    if not only:
        raise UsageError(f"run_all(): only is empty: no notebook to run (give names such as {known[0]!r}, or "
                         "leave it out for every notebook)")
    return list(only)


def check_named_present(missing: list[str], parameter_set: str, project: Path, option: str = "--only") -> None:
    """Notebooks named in ``--only`` must exist with the set: run-all skipped them and exited 0 having run
    nothing, so a CI job passed. With ``option="--set"``: ``missing`` are all the project's notebooks, none of
    which has the set."""
    from lokonb.notebook.paramfiles import misnamed_set

    problems = []
    for name in missing:
        notebook = project / "notebooks" / f"{name}.ipynb"
        folder = project / "parameters" / name
        if not notebook.is_file():
            problems.append(f"{name}: no notebook {notebook}")
            continue
        sets = sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []
        problems.append(f"{name}: no parameter set {parameter_set!r} ({folder / (parameter_set + '.yaml')})"
                        f"{misnamed_set(folder, parameter_set)}; sets: {', '.join(sets) or 'none'}")
    if problems and option == "--set":
        raise UsageError(f"--set {parameter_set!r}: no notebook has this parameter set: " + "; ".join(problems))
    if problems:
        raise UsageError("--only names notebook(s) that cannot run on --set "
                         f"{parameter_set!r}: " + "; ".join(problems))


def check_runs_filters(status: str | None, limit: int | None, known_statuses: list[str]) -> None:
    """``lokonb runs`` filters: a status that no run can have would print an empty table that looks like 'no runs'."""
    if status is not None and status not in known_statuses:
        raise UsageError(f"--status {status!r} is not a run status (allowed: {', '.join(known_statuses)})")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit {limit}: expected 1 or more rows (leave it out for all runs)")


def check_sources(req: Any) -> None:
    """The parameter sources and flags of a ``RunRequest`` (Python API): one path given as ``files`` is one file
    (it was read letter by letter: "/: cannot read parameter file: Is a directory"), and a flag written as the
    string "no" would be true."""
    # notebook=None or 5 was looked up as a notebook named 'None' or '5'
    check_path("run", "notebook", req.notebook, "a notebook name such as 'render_flatcar' or a path to an .ipynb")
    if isinstance(req.files, str | os.PathLike):
        req.files = (req.files,)
    elif not isinstance(req.files, list | tuple) or not all(isinstance(f, str | os.PathLike) for f in req.files):
        raise UsageError(f"run(): files must be a list of parameter set files (paths or s3:// URLs), got "
                         f"{req.files!r:.60}")
    if req.parameter_set is not None and not isinstance(req.parameter_set, str):
        raise UsageError(f"run(): parameter_set must be the name of a set in parameters/<notebook>/ (such as "
                         f"'default') or None, got {req.parameter_set!r:.40}")
    if req.parameters is not None and not isinstance(req.parameters, Mapping):
        raise UsageError(f"run(): parameters must be a mapping of parameter name to value, e.g. {{'mode': 'audit'}}, "
                         f"got {kind_name(req.parameters)}")
    texts = [req.yaml_text] if isinstance(req.yaml_text, str) else req.yaml_text
    if texts is not None and (not isinstance(texts, list | tuple) or not all(isinstance(t, str) for t in texts)):
        raise UsageError(f"run(): yaml_text must be YAML text or a list of YAML texts (-y), got {req.yaml_text!r:.40}")
    for option in ("p", "r"):
        pairs = getattr(req, option)
        if not isinstance(pairs, list | tuple) or not all(
            isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
            for pair in pairs
        ):
            raise UsageError(f"run(): {option} must be a list of (NAME, VALUE) text pairs as -{option} takes them, "
                             f"e.g. [('mode', 'audit')], got {pairs!r:.60}")
    for flag in ("report", "show_input", "log_output"):
        if not isinstance(getattr(req, flag), bool):
            raise UsageError(f"run(): {flag} must be True or False, got {getattr(req, flag)!r:.40}")
    # kernel=5 failed inside papermill (environment_error, after a run directory was made); extra_env {"A": 5}
    # raised a bare TypeError from subprocess and left an empty run directory behind
    if req.kernel is not None and (not isinstance(req.kernel, str) or not req.kernel.strip()):
        raise UsageError(f"run(): kernel must be a Jupyter kernel name such as 'python3' (or None), "
                         f"got {req.kernel!r:.40}")
    env = req.extra_env
    if not isinstance(env, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in env.items()):
        raise UsageError(f"run(): extra_env must be a mapping of environment variable name to text, e.g. "
                         f"{{'AWS_PROFILE': 'ops'}}, got {env!r:.60}")
