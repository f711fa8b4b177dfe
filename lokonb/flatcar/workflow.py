"""The render workflow shared by ``lokonb flatcar render`` and the ``render_flatcar`` notebook:
load the cluster definition, get the cluster assets, render every role, validate, save, diff with the previous
render. Outputs never contain secret contents (sizes, paths and hashes only)."""

from __future__ import annotations

import dataclasses
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.errors import ConfigError
from lokonb.flatcar.diff import RenderDiff, diff_renders
from lokonb.flatcar.errors import RenderError
from lokonb.flatcar.render import ClusterRender, render_cluster
from lokonb.flatcar.validate import Finding


@dataclass
class RenderRun:
    """Everything one render produced (what the notebook shows and records)."""

    cluster_name: str
    render: ClusterRender | None
    findings: list[Finding]
    saved_to: Path | None
    previous: Path | None
    diff: RenderDiff | None
    seconds: float
    external: bool
    errors: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.render is not None and not self.errors

    def summary_frame(self) -> Any:
        import pandas as pd

        return self.render.to_frame() if self.render else pd.DataFrame()

    def findings_frame(self) -> Any:
        import pandas as pd

        cols = ["role", "severity", "validator", "path", "message", "source", "line", "column"]
        return pd.DataFrame([{c: getattr(f, c) for c in cols} for f in self.findings], columns=cols)

    def headline(self) -> dict[str, Any]:
        rows = self.render.summary() if self.render else []
        return {
            "cluster": self.cluster_name,
            "ok": self.ok,
            "roles": len(rows),
            "spec": self.render.spec if self.render else None,
            "errors": sum(f.severity == "error" for f in self.findings),
            "warnings": sum(f.severity == "warning" for f in self.findings),
            "largest_config_bytes": max((r["config_size"] for r in rows), default=0),
            "s3_roles": sum(r["delivery"] == "s3" for r in rows),
            "inline_roles": sum(r["delivery"] == "inline" for r in rows),
            "external_validation": self.external,
            "diff_rows": len(self.diff) if self.diff is not None else None,
            "render_seconds": round(self.seconds, 3),
        }


def load_cluster(path: str | Path, vars_path: str | Path | None = None) -> Any:
    from lokonb import config as cfgmod

    return cfgmod.load(path, vars_path).config


def render_from_file(
    cluster_config: str | Path,
    *,
    out_dir: str | Path,
    asset_dir: str | Path | None = None,
    ignition_version: str | None = None,
    snippets: bool = True,
    external_validate: bool = False,
    previous_render: str | Path | None = None,
    policy: str = "auto",
    bucket: str | None = None,
    vars_path: str | Path | None = None,
    assets: Any = None,
) -> RenderRun:
    """Render a cluster definition into ``out_dir`` (``<role>.ign`` + ``manifest.json``).

    The previous render is ``previous_render`` when given, else what ``out_dir`` held before (kept as
    ``<out_dir>.previous``); a RenderError is returned as findings, never raised.
    """

    model = load_cluster(cluster_config, vars_path)
    if asset_dir:
        model = dataclasses.replace(model, asset_dir=Path(asset_dir))
    if assets is None:
        from lokonb.flatcar.assets import real_assets

        assets = real_assets(model)
    out = Path(out_dir)
    _check_output_dir(out)  # before <out>.previous is replaced
    previous: Path | None = Path(previous_render) if previous_render else None
    if previous is None and (out / "manifest.json").exists():
        previous = out.with_name(out.name + ".previous")
        if previous.exists() or previous.is_symlink():
            # only a copy this command made is replaced: a folder of the user's that happens to be named
            # <out>.previous was deleted (rmtree) without a word
            if previous.is_symlink() or not previous.is_dir() or _saved_render_problem(previous):
                raise ConfigError(f"{previous} exists and is not an earlier render kept by lokonb: not replaced "
                                  f"(rename or remove it, or give --out another folder); nothing written")
            shutil.rmtree(previous)
        shutil.copytree(out, previous)
    return _render_and_save(model, out, previous, external_validate=external_validate, assets=assets,
                            snippets=snippets, ignition_version=ignition_version, policy=policy, bucket=bucket)


def render_notebook(
    cluster: dict[str, Any] | str | Path,
    *,
    asset_dir: str | Path | None = None,
    roles: list[str] | None = None,
    snippets: bool = True,
    ignition_version: str = "3.3.0",
    external_validate: bool | None = None,
    previous_render: str | Path | None = None,
    output_dir: str | Path | None = None,
    assets: Any = None,
) -> RenderRun:
    """The ``render_flatcar`` notebook's one call: ``cluster`` is the definition dict (or a file path).

    ``asset_dir`` None → a fresh temporary directory for the PKI; ``external_validate`` None → run
    ``ignition-validate`` when installed; ``output_dir`` None → a temporary directory.
    """
    import tempfile

    from lokonb.config import load_yaml
    from lokonb.flatcar.validate import ignition_validate_binary

    if isinstance(cluster, (str, Path)):
        model = load_cluster(cluster)
    else:
        model = load_yaml({"cluster": dict(cluster)})
    model = dataclasses.replace(
        model, asset_dir=Path(asset_dir) if asset_dir else Path(tempfile.mkdtemp(prefix="lokonb-assets-"))
    )
    out = Path(output_dir) if output_dir else Path(tempfile.mkdtemp(prefix="lokonb-render-"))
    _check_output_dir(out)  # before the PKI is generated
    if external_validate is None:
        external_validate = ignition_validate_binary() is not None
    if assets is None:
        from lokonb.flatcar.assets import real_assets

        assets = real_assets(model)
    previous = Path(previous_render) if previous_render else None
    return _render_and_save(model, out, previous, external_validate=bool(external_validate), roles=roles,
                            assets=assets, snippets=snippets, ignition_version=ignition_version)


def _saved_render_problem(directory: Path) -> str | None:
    """Why ``directory/manifest.json`` is not one lokonb wrote (None when it is): a JSON object with a
    cluster_name and a roles mapping."""
    import json

    try:
        manifest = json.loads((directory / "manifest.json").read_text("utf-8"))
    except OSError as exc:
        return f"manifest.json unreadable: {exc.strerror or exc}"
    except ValueError:
        return "manifest.json is not JSON"
    if not isinstance(manifest, dict) or not isinstance(manifest.get("roles"), dict) or "cluster_name" not in manifest:
        return "manifest.json has no cluster_name and roles"
    return None


def _check_output_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():  # mkdir would raise a bare FileExistsError in the notebook
        raise ConfigError(f"output_dir: {out} exists and is not a directory; give a directory (created if missing)")
    # a render writes manifest.json and summary.json: one of another tool's was overwritten silently
    problem = (out / "manifest.json").exists() and _saved_render_problem(out)
    if problem:
        raise ConfigError(f"{out} holds a manifest.json that lokonb did not write ({problem}): not replaced (give "
                          "an empty or new folder, or remove that file); nothing written")


def _render_and_save(model: Any, out: Path, previous: Path | None, *, external_validate: bool,
                     roles: list[str] | None = None, **render_options: Any) -> RenderRun:
    """Render (timed), keep only ``roles`` when given, save into ``out`` and diff against ``previous``.

    A ``RenderError`` comes back as a RenderRun carrying its findings, never raised.
    """
    import time

    _check_output_dir(out)
    start = time.perf_counter()
    try:
        render = render_cluster(model, external_validate=external_validate, **render_options)
    except RenderError as exc:
        errors = [f for f in exc.findings if f.severity == "error"]
        return RenderRun(model.cluster_name, None, exc.findings, None, previous, None,
                         time.perf_counter() - start, external_validate, errors)
    seconds = time.perf_counter() - start
    if roles:
        unknown = [r for r in roles if r not in render.roles]
        if unknown:
            raise ConfigError(
                f"roles: unknown role(s) {', '.join(unknown)}; this cluster has {', '.join(render.roles)}"
            )
        render.roles = {k: v for k, v in render.roles.items() if k in roles}
        render.findings = [f for f in render.findings if f.role in roles or f.role is None]
    render.save(out)
    diff = diff_renders(previous, render) if previous is not None else None
    return RenderRun(model.cluster_name, render, render.findings, out, previous, diff, seconds, external_validate)


def size_plot(run: RenderRun) -> Any:
    """Horizontal bars: compact config size and delivered user-data size per role against the 16 KiB limit."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from lokonb.flatcar.delivery import USER_DATA_LIMIT

    rows = run.render.summary() if run.render else []
    fig, ax = plt.subplots(figsize=(8, 0.5 + 0.6 * max(len(rows), 1)))
    names = [r["role"] for r in rows]
    ys = range(len(rows))
    ax.barh(
        [y + 0.2 for y in ys], [r["config_size"] / 1024 for r in rows], height=0.4, label="config (compact)"
    )
    ax.barh(
        [y - 0.2 for y in ys],
        [r["user_data_size"] / 1024 for r in rows],
        height=0.4,
        label="user data delivered",
    )
    ax.axvline(USER_DATA_LIMIT / 1024, color="red", linestyle="--", label="EC2 user-data limit (16 KiB)")
    ax.set_yticks(list(ys), names)
    ax.set_xscale("log")
    ax.set_xlabel("KiB (log scale)")
    ax.set_title("Node config sizes against the EC2 user-data limit")
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    plt.close(fig)
    return fig


def headline_markdown(run: RenderRun) -> str:
    h = run.headline()
    if not run.ok:
        lines = [f"**Rendering {run.cluster_name} failed** with {h['errors']} error(s):", ""]
        for f in run.errors[:20]:
            where = " ".join(x for x in (f.role or "", f.source or "", f.path or "") if x)
            pos = f" (line {f.line}, column {f.column})" if f.line is not None else ""
            lines.append(f"- `{where}`{pos}: {f.message}")
        return "\n".join(lines)
    return (
        f"**{h['roles']} node role(s)** of `{run.cluster_name}` rendered to Ignition {h['spec']} in "
        f"{h['render_seconds']} s: {h['errors']} errors, {h['warnings']} warnings; "
        f"{h['s3_roles']} delivered through S3 (secrets or > 16 KiB), {h['inline_roles']} inline; largest "
        f"config {h['largest_config_bytes']} bytes. External validation (ignition-validate): "
        f"{'yes' if h['external_validation'] else 'no'}. Saved to `{run.saved_to}`."
    )
