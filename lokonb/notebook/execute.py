"""The run wrapper: ``run`` / ``run_many`` (§4). One run directory per run, one child process per run.

Order of work for one run: gather and validate parameters (no kernel yet) → create the run directory with an
exclusive ``mkdir`` → ``results.json`` with ``status: running`` → child process (papermill) under the parent's
deadline and signal handling → repair the saved notebook for failures papermill hides → collect recorded results →
scrub → write the notebook, ``report.html``, ``results.json``, ``run.log`` → remove ``.partial/`` → rebuild the
index → upload to S3. On failure every artefact is written first, then :class:`RunFailed` is raised.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb import __version__
from lokonb.errors import ConfigError, wrong_kind
from lokonb.notebook.exceptions import EnvironmentFailure, ParameterError, ParameterIssue, RunFailed, UsageError
from lokonb.notebook.outcome import STATUS_EXIT, RunResult, RunStatus, write_json_atomic
from lokonb.notebook.params import (
    CREDENTIAL_NAME,
    P_ROUTE,
    NotebookSchema,
    Text,
    set_leaf,
    to_literal,
    validate,
)
from lokonb.notebook.project import find_root, relative, resolve_notebook
from lokonb.notebook.runoptions import (
    check_jobs,
    check_named_present,
    check_only,
    check_output,
    check_path,
    check_sources,
    check_timeout,
)

KILL_GRACE_S = 20.0
BANNER_TAG = "papermill-error-cell-tag"


@dataclass
class RunRequest:
    """Everything ``run`` takes, as one object (``run_many`` takes a list of them)."""

    notebook: str | Path
    parameter_set: str | None = None
    files: Sequence[str | Path] = ()
    parameters: Mapping[str, Any] | None = None
    yaml_text: str | Sequence[str] | None = None
    p: Sequence[tuple[str, str]] = ()
    r: Sequence[tuple[str, str]] = ()
    output: str | Path | None = None
    cell_timeout: float | None = None
    run_timeout: float | None = None
    kernel: str | None = None
    report: bool = True
    show_input: bool = False
    log_output: bool = False
    root: str | Path | None = None
    schema: NotebookSchema | None = None
    extra_env: Mapping[str, str] = field(default_factory=dict)


def _utc(ts: float) -> str:
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------------------------------------------


def _replace(raw: dict[str, Any], sources: dict[str, str], tree: Mapping[str, Any], label: str | None,
             tree_sources: Mapping[str, str] | None = None) -> None:
    """Apply one source the way papermill does (``dict.update``): a name it sets replaces the whole earlier value.

    Sources of the replaced values (``aws.region`` of an earlier file) are dropped with them. ``tree_sources``
    (from :func:`read_set`) also knows the lines of values without a scalar (``allow: []``).
    """
    from lokonb.notebook.paramfiles import sources_of

    for name, value in tree.items():
        for path in [k for k in sources if k == name or k.startswith((f"{name}.", f"{name}["))]:
            del sources[path]
        raw[name] = value
    new = dict(tree_sources) if tree_sources is not None else sources_of(dict(tree))
    sources.update({k: label for k in [*new, *tree]} if label else new)


def gather(req: RunRequest, root: Path | None) -> tuple[dict[str, Any], dict[str, str], str, str | None]:
    """Merge every parameter source by precedence: ``(raw tree, sources, set label, origin file)``.

    As in papermill: set files in order, then each ``-y``, then ``-p`` (text converted by the declared type; the
    exact word ``None`` is ``None`` for optional parameters), then ``-r`` (the string papermill would inject).
    Files and ``-y`` replace whole top-level parameters; ``-p a.b VALUE`` sets one leaf.
    """
    from lokonb.notebook.paramfiles import check_set_name, misnamed_set, parse_text_tree, read_set, set_tree

    raw: dict[str, Any] = {}
    sources: dict[str, str] = {}
    set_label = "adhoc"
    origin = None
    files: list[str | Path] = list(req.files)
    if req.parameter_set is not None:  # --set '' ran without any set, as if the option were not given
        check_set_name(req.parameter_set)
        if root is None:
            raise UsageError("--set needs a project root with parameters/")
        name = Path(str(req.notebook)).stem
        path = root / "parameters" / name / f"{req.parameter_set}.yaml"
        if not path.is_file():
            avail = sorted(p.stem for p in (root / "parameters" / name).glob("*.yaml"))
            raise UsageError(
                f"no parameter set {req.parameter_set!r} for {name} ({path})"
                f"{misnamed_set(path.parent, req.parameter_set)}; available: "
                + (", ".join(avail) or "none")
            )
        files.insert(0, path)
        set_label = req.parameter_set
    elif files:
        set_label = Path(str(files[0])).stem
    for location in files:
        tree, tree_sources, label = read_set(location)
        _replace(raw, sources, tree, None, tree_sources)
        origin = label
    yaml_texts = [req.yaml_text] if isinstance(req.yaml_text, str) else list(req.yaml_text or ())
    for text in yaml_texts:
        tree = set_tree(parse_text_tree(text, source="-y"))
        if not isinstance(tree, dict):
            raise ConfigError("-y must be a YAML mapping")
        _replace(raw, sources, tree, "-y")
    for name, value in req.parameters.items() if req.parameters else ():
        try:
            raw[name] = to_literal(value)
        except TypeError as exc:
            raise ParameterError(
                Path(str(req.notebook)).stem, [ParameterIssue(name, str(exc), "api")]
            ) from None
        sources[name] = "api"
    for route, pairs in ((P_ROUTE, req.p), ("-r", req.r)):  # empty parts first: no mapping question then
        for name, _text in pairs:
            _check_dotted(route, name)
    _seed_dict_defaults(raw, sources, req)
    for name, text in req.p:
        set_leaf(raw, name, Text(text, source=P_ROUTE))
        sources[name] = P_ROUTE
    for name, text in req.r:
        set_leaf(raw, name, text)  # a plain str, converted exactly as the setup cell converts papermill's -r
        sources[name] = "-r"
    return raw, sources, set_label, origin


def _check_dotted(route: str, name: str) -> None:
    """``-p cluster..name x``, ``-p .x``, ``-p cluster.``: an empty name between dots was reported as an unknown
    attribute with no name at all (" (cluster): unknown attribute")."""
    if not name.strip() or any(not part.strip() for part in name.split(".")):
        raise ConfigError(f"{route} {name!r}: empty name {'between dots ' if '.' in name else ''}(allowed: a "
                          f"parameter NAME, or NAME.KEY... to set one leaf of a mapping, e.g. {route} "
                          "cluster.cluster_name demo)")


def _seed_dict_defaults(raw: dict[str, Any], sources: dict[str, str], req: RunRequest) -> None:
    """``-p a.b VALUE`` sets one leaf of ``a``: without a set file giving ``a``, of its schema default (the leaf
    alone replaced the whole default, so ``-p cluster.cluster_name x`` lost every other cluster field)."""
    import copy

    from lokonb.notebook.schemas import REGISTRY

    schema = req.schema or REGISTRY.get(Path(str(req.notebook)).stem)
    for route, name in [*((P_ROUTE, n) for n, _ in req.p), *(("-r", n) for n, _ in req.r)]:
        top = name.split(".", 1)[0]
        param = schema.param(top) if schema is not None and "." in name else None
        if param is not None and param.kind not in ("dict", "any"):  # it became {KEY: Text(...)}, shown as such
            raise ConfigError(f"{route} {name!r}: {top} is a {param.type_name} parameter, not a mapping (allowed: "
                              f"{route} {top} VALUE; NAME.KEY only for mapping parameters such as cluster)")
        if param is not None and top not in raw and isinstance(param.default, dict):
            raw[top] = to_literal(copy.deepcopy(param.default))
            sources.setdefault(top, "default")


def _validate(
    name: str, schema: NotebookSchema | None, raw: dict[str, Any], sources: dict[str, str], origin: str | None
) -> tuple[dict[str, Any], dict[str, str]]:
    if schema is not None:
        v = validate(schema, raw, sources, route="api", origin=origin)
        return v.literals, v.sources
    from lokonb.notebook.paramfiles import plain_value

    issues = [
        ParameterIssue(
            k,
            "credentials are never parameters",
            sources.get(k, "api"),
            "they come from the AWS credential chain or the kubeconfig",
        )
        for k in raw
        if CREDENTIAL_NAME.search(k)
    ]
    if issues:
        raise ParameterError(name, issues, origin)
    return plain_value(raw), {k: sources.get(k, "api") for k in raw}


# ---------------------------------------------------------------------------------------------------------------
# Run directory
# ---------------------------------------------------------------------------------------------------------------


#: Longest set label (UTF-8 bytes) in a run directory name: with the stamp, "-" and a "-n" suffix well under the
#: 255 bytes a file name may have.
MAX_LABEL_BYTES = 200


def make_run_dir(base: Path, notebook: str, set_label: str, now: float) -> tuple[str, Path]:
    """Create ``<base>/<notebook>/<UTC>-<set>[-n]`` with an exclusive mkdir (R4.3)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    parent = base / notebook
    # the label comes from a -f file's name, which may be longer than a directory name may be once the stamp is
    # added (the OS's "File name too long" then read as an unwritable --output); results.json keeps it whole
    raw = set_label.encode("utf-8")
    if len(raw) > MAX_LABEL_BYTES:
        set_label = raw[:MAX_LABEL_BYTES].decode("utf-8", "ignore") + "~"
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for n in range(1, 10_000):
            run_id = f"{stamp}-{set_label}" + (f"-{n}" if n > 1 else "")
            path = parent / run_id
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return run_id, path
    except OSError as exc:  # §4.5: the output could not be written (exit 5), before anything runs
        raise EnvironmentFailure(
            f"cannot create the run directory under {base}: {exc.strerror or exc}; give a writable --output"
        ) from None
    raise UsageError(f"cannot create a run directory under {parent}")  # pragma: no cover


def _environment(kernel: str) -> dict[str, Any]:
    from importlib import metadata

    env: dict[str, Any] = {"lokonb": __version__, "python": sys.version.split()[0], "kernel": kernel}
    for dist in ("papermill", "nbclient", "ipykernel"):
        try:
            env[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            env[dist] = None
    return env


# ---------------------------------------------------------------------------------------------------------------
# run
# ---------------------------------------------------------------------------------------------------------------


def run(
    notebook: str | Path,
    *,
    parameter_set: str | None = None,
    files: Sequence[str | Path] = (),
    parameters: Mapping[str, Any] | None = None,
    output: str | Path | None = None,
    cell_timeout: float | None = None,
    run_timeout: float | None = None,
    kernel: str | None = None,
    report: bool = True,
    raise_on_failure: bool = True,
    **options: Any,
) -> RunResult:
    """Run one notebook headlessly in a child process and return its :class:`RunResult`.

    ``notebook`` is a name (``render_flatcar``) or a path to an ``.ipynb``; ``parameter_set`` names
    ``parameters/<nb>/<set>.yaml``; ``files`` are set files (local or ``s3://``) applied in order; ``parameters``
    are Python values (highest priority but below ``p``/``r`` options); ``output`` is a directory or
    ``s3://bucket/prefix`` (default ``<root>/runs``). Further options (``yaml_text``, ``p``, ``r``,
    ``show_input``, ``log_output``, ``root``, ``schema``, ``extra_env``) mirror the CLI. On failure all
    artefacts are written, then :class:`RunFailed` is raised unless ``raise_on_failure`` is false.
    """
    if not isinstance(raise_on_failure, bool):  # "no" is true: a failed run raised where a result was asked for
        raise UsageError(f"run(): raise_on_failure must be True or False, got {raise_on_failure!r:.40}")
    req = RunRequest(
        notebook,
        parameter_set,
        files,
        parameters,
        output=output,
        cell_timeout=cell_timeout,
        run_timeout=run_timeout,
        kernel=kernel,
        report=report,
        **options,
    )
    result = execute_request(req)
    if raise_on_failure and not result.succeeded:
        raise RunFailed(result)
    return result


def execute_request(req: RunRequest) -> RunResult:
    """Run one request and return its result (never raises for run failures; raises for usage errors)."""
    from lokonb.notebook.schemas import REGISTRY

    check_sources(req)
    check_timeout("--cell-timeout", req.cell_timeout)
    check_timeout("--run-timeout", req.run_timeout)
    check_output(req.output)
    root = find_root(req.root, required=not str(req.notebook).endswith(".ipynb"))
    name, nb_path = resolve_notebook(req.notebook, root)
    schema = req.schema or REGISTRY.get(name)
    s3_url = str(req.output) if req.output and str(req.output).startswith("s3://") else None
    if s3_url:
        base = Path(tempfile.mkdtemp(prefix="lokonb-s3-run-"))
    elif req.output:
        base = Path(req.output).expanduser().resolve()
    elif root is not None:
        base = root / "runs"
    else:
        raise UsageError("no --output given and no project root for runs/")
    started = time.time()
    raw, sources, set_label, origin = gather(req, root)
    run_id, run_dir = make_run_dir(base, name, set_label, started)
    kernel = req.kernel or "python3"
    result = RunResult(
        run_id=run_id,
        notebook=name,
        run_dir=str(run_dir),
        notebook_path=relative(nb_path, root),
        parameter_set=set_label,
        started_at=_utc(started),
        environment=_environment(kernel),
        output_url=(f"{s3_url.rstrip('/')}/{name}/{run_id}" if s3_url else None),
    )
    from lokonb.notebook.redact import from_environment

    redactor = from_environment({**os.environ, **req.extra_env})
    try:
        literals, param_sources = _validate(name, schema, raw, sources, origin)
    except ParameterError as exc:
        return _finish_parameter_error(result, exc, redactor, base, started, s3_url)
    result.parameters = redactor.value(literals)
    result.parameter_sources = param_sources
    from lokonb.notebook.paramfiles import dump_literals

    (run_dir / "parameters.yaml").write_text(dump_literals(result.parameters), encoding="utf-8")
    write_json_atomic(run_dir / "results.json", result.to_json())
    timeout = req.cell_timeout if req.cell_timeout is not None else (schema.cell_timeout if schema else 600)
    deadline = req.run_timeout if req.run_timeout is not None else (schema.run_timeout if schema else None)
    warm = None
    if req.report:  # the report renderer gets ready while the child runs (the parent only waits for it meanwhile)
        from lokonb.notebook.report import warm_up

        warm = warm_up(req.show_input)
    from lokonb.notebook.finalize import finalize, wrapper_lock

    with wrapper_lock(run_dir) as lock_fd:  # `runs --finalize` must not take over a run that is still going
        outcome = _run_child(req, nb_path, run_dir, root, literals, kernel, timeout, deadline, lock_fd)
        if warm is not None:
            warm.join()  # never import or render concurrently with finalize
        finalize(
            result,
            outcome,
            run_dir,
            root,
            redactor,
            started,
            report=req.report,
            show_input=req.show_input,
            schema=schema,
        )
    from lokonb.notebook.index import rebuild_index

    rebuild_index(base)
    if s3_url:
        from lokonb.notebook.s3 import publish_run

        publish_run(result, run_dir, s3_url)
    return result


def _finish_parameter_error(
    result: RunResult, exc: ParameterError, redactor: Any, base: Path, started: float, s3_url: str | None
) -> RunResult:
    run_dir = Path(result.run_dir)
    issues = [redactor.value(i.to_dict()) for i in exc.issues]
    result.status = RunStatus.PARAMETER_ERROR.value
    result.exit_code = int(STATUS_EXIT[RunStatus.PARAMETER_ERROR])
    result.error = {
        "kind": "parameter_error",
        "message": redactor.text(str(exc)),
        "issues": issues,
        "cell_index": None,
        "execution_count": None,
        "ename": "ParameterError",
        "evalue": redactor.text(str(exc)),
        "traceback": None,
        "source": None,
    }
    finished = time.time()
    result.finished_at = _utc(finished)
    result.duration_s = round(finished - started, 3)
    with open(run_dir / "run.log", "a", encoding="utf-8") as fh:
        fh.write(f"{result.finished_at} wrapper {redactor.text(str(exc))}\n")
    result.artefacts = {"results": "results.json", "log": "run.log"}
    result.redactions = redactor.count
    write_json_atomic(run_dir / "results.json", result.to_json())
    from lokonb.notebook.index import rebuild_index

    rebuild_index(base)
    if s3_url:
        from lokonb.notebook.s3 import publish_run

        publish_run(result, run_dir, s3_url)
    return result


_ACTIVE: set[subprocess.Popen[bytes]] = set()
_ACTIVE_LOCK = threading.Lock()
_CANCEL: dict[str, str | None] = {"signal": None}


def cancel_all(signame: str) -> None:
    """Forward a SIGTERM/SIGINT to every running child (the CLI's signal handler calls this)."""
    _CANCEL["signal"] = signame
    with _ACTIVE_LOCK:
        for proc in list(_ACTIVE):
            if proc.poll() is None:  # the signal received, so the child's error names it (SIGINT said SIGTERM)
                proc.send_signal(getattr(signal, signame, signal.SIGTERM))


def _run_child(
    req: RunRequest,
    nb_path: Path,
    run_dir: Path,
    root: Path | None,
    literals: dict[str, Any],
    kernel: str,
    cell_timeout: float,
    deadline: float | None,
    lock_fd: int | None = None,
) -> dict[str, Any]:
    partial = run_dir / ".partial"
    partial.mkdir(mode=0o700)
    staging = partial / f"{nb_path.stem}.ipynb"
    request = {
        "input": str(nb_path),
        "staging": str(staging),
        "partial": str(partial),
        "log": str(run_dir / "run.log"),
        "parameters": literals,
        "kernel": kernel,
        "cwd": str(nb_path.parent),
        "cell_timeout": cell_timeout,
        "log_output": req.log_output,
    }
    (partial / "request.json").write_text(json.dumps(request), encoding="utf-8")
    env = {
        **os.environ,
        "LOKONB_HEADLESS": "1",
        "LOKONB_RUN_DIR": str(run_dir),
        # inline figures in the kernel even when the caller exports MPLBACKEND=Agg (run.sh does)
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",
        "PYTHONUNBUFFERED": "1",
        **req.extra_env,
    }
    if req.show_input:
        env["LOKONB_SHOW_INPUT"] = "1"
    if root is not None:
        env["LOKONB_ROOT"] = str(root)
    # The child's and the kernel's own stderr (ipykernel warnings) go to a staging file; finalize scrubs it
    # into run.log. Noise there never decides the status (R4.9).
    with open(partial / "process.log", "wb") as proc_log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lokonb.notebook.child", str(partial / "request.json")],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=proc_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # the child shares the run's lock: it outlives a killed wrapper, and the run is not over while it runs
            pass_fds=(lock_fd,) if lock_fd is not None else (),
        )
    with _ACTIVE_LOCK:
        _ACTIVE.add(proc)
    reason: str | None = None
    start = reason_at = time.monotonic()
    try:
        while proc.poll() is None:
            now = time.monotonic()
            if reason is None:
                if _CANCEL["signal"]:  # cancel_all already forwarded the signal
                    reason, reason_at = _CANCEL["signal"], now
                elif deadline is not None and now - start > deadline:
                    reason, reason_at = "deadline", now
                    proc.send_signal(signal.SIGTERM)
            elif now - reason_at > KILL_GRACE_S:  # the child had its chance to save; stop everything
                _kill(proc)
                break
            time.sleep(0.05)
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(proc)
    outcome_file = partial / "outcome.json"
    outcome: dict[str, Any] = {
        "status": "environment_error",
        "running_cell": None,
        "cancel": None,
        "error": {
            "kind": "environment",
            "ename": "ChildDied",
            "evalue": f"the run process exited with code {proc.returncode}",
            "traceback": None,
        },
    }
    if outcome_file.is_file():
        outcome = json.loads(outcome_file.read_text(encoding="utf-8"))
    if reason == "deadline":
        outcome["status"] = "timeout"
        outcome["error"] = {
            **(outcome.get("error") or {}),
            "kind": "run_timeout",
            "ename": "RunTimeout",
            "evalue": f"the run exceeded its deadline of {deadline} s",
        }
    elif reason and outcome["status"] in ("failed", "environment_error", "succeeded", "cancelled"):
        outcome["status"] = "cancelled"
        outcome["cancel"] = reason
    outcome["staging"] = str(staging)
    return outcome


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


# ---------------------------------------------------------------------------------------------------------------
# run_many / run_all
# ---------------------------------------------------------------------------------------------------------------


def run_many(requests: Iterable[RunRequest], *, jobs: int | None = None) -> list[RunResult]:
    """Run several requests, ``jobs`` at a time, each in its own child process; results in request order."""
    check_jobs(jobs)
    # 5 raised "'int' object is not iterable"; a string or dict was read item by item
    if isinstance(requests, RunRequest | str | bytes | Mapping) or not isinstance(requests, Iterable):
        raise UsageError(wrong_kind("run_many", "requests", "a list of RunRequest", requests))
    reqs = list(requests)
    bad = [r for r in reqs if not isinstance(r, RunRequest)]
    if bad:
        raise UsageError(wrong_kind("run_many", "requests", "a list of RunRequest", bad[0]) + " in the list")
    workers = jobs or min(os.cpu_count() or 1, 4)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        return list(pool.map(execute_request, reqs))


def run_all(
    *,
    parameter_set: str = "default",
    jobs: int | None = None,
    only: Sequence[str] | None = None,
    output: str | Path | None = None,
    root: str | Path | None = None,
) -> list[RunResult]:
    """Run every registered notebook that exists in ``notebooks/`` on ``parameter_set``."""
    from lokonb.notebook.paramfiles import check_set_name
    from lokonb.notebook.schemas import REGISTRY

    check_output(output, "run_all")
    check_jobs(jobs)
    if not isinstance(parameter_set, str):  # None failed in len() inside check_set_name
        raise UsageError(wrong_kind("run_all", "parameter_set", "the name of a parameter set such as 'default'",
                                    parameter_set))
    check_path("run_all", "root", root, "a project folder (str or Path)", optional=True)
    check_set_name(parameter_set)  # before it is used in file names below (a long one raised OSError there)
    project = find_root(root)
    assert project is not None
    only = check_only(only, list(REGISTRY))
    names = [n for n in REGISTRY if (only is None or n in only)]
    unknown = sorted(set(only or ()) - set(REGISTRY))
    if unknown:
        raise UsageError(f"unknown notebook(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    present = [
        n
        for n in names
        if (project / "notebooks" / f"{n}.ipynb").is_file()
        and (project / "parameters" / n / f"{parameter_set}.yaml").is_file()
    ]
    if only is not None:  # a notebook named in --only that cannot run is an error, not a run-all that ran nothing
        check_named_present([n for n in names if n not in present], parameter_set, project)
    elif not present:  # a mistyped --set ran nothing and exited 0; a project without notebooks stays a no-op
        check_named_present([n for n in names if (project / "notebooks" / f"{n}.ipynb").is_file()],
                            parameter_set, project, option="--set")
    reqs = [RunRequest(n, parameter_set=parameter_set, output=output, root=project) for n in present]
    return run_many(reqs, jobs=jobs)
