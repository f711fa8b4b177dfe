"""The provision_cluster notebook's steps as library calls: validate -> render node configs -> plan -> apply ->
show resources -> destroy (aws.md §13, architecture.md). The notebook stays thin: one call per cell.

One :class:`ProvisionRun` holds one AWS session for the whole notebook, so every step talks to the same embedded
AWS (which lives only for the run). On the embedded AWS a cluster definition without ``asset_dir`` gets a
temporary asset directory, and the state record lives there too: nothing outlives the moto instance it describes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from lokonb.aws.errors import NotConfirmed


@dataclass
class ProvisionRun:
    config: Any
    warnings: list[str]
    aws: Any = None
    node_configs: Any = None
    assets: Any = field(default=None, repr=False)
    plan: Any = None
    applied: Any = None
    destroyed: Any = None
    notes: list[str] = field(default_factory=list)
    _tmp: Any = field(default=None, repr=False)
    #: a later notebook execution in the same kernel closes this run (lokonb.notebook.session.ENDS_WITH_EXECUTION)
    ends_with_execution: ClassVar[bool] = True

    # -- steps ------------------------------------------------------------------------------------------
    @property
    def embedded(self) -> bool:
        return self.config.aws.endpoint == "embedded"

    def model_frame(self):
        """The resolved model's main attributes (one row each) — the 'validate' output."""
        import pandas as pd

        c = self.config
        rows = [("cluster_name", c.cluster_name), ("api endpoint", f"https://{c.api_endpoint}:6443"),
                ("region", c.aws.region), ("endpoint", c.aws.endpoint or "real AWS"),
                ("controllers", f"{c.controller_count} x {c.controller_type}"),
                ("flatcar", f"{c.os_channel} / {c.os_version}"), ("host_cidr", c.host_cidr)]
        rows += [(f'worker_pool["{p.name}"]', f"{p.count} x {p.instance_type}"
                  + (f", spot {p.spot_price}" if p.spot_price else "")
                  + f", ports {p.lb_http_port}/{p.lb_https_port}") for p in c.worker_pools]
        rows += [("warning", w) for w in self.warnings]
        return pd.DataFrame(rows, columns=["attribute", "value"])

    def render(self):
        """Render every role's node config (lokonb.flatcar + lokonb.assets); sizes and delivery per role."""
        import pandas as pd

        from lokonb.assets import load_or_generate
        from lokonb.aws.names import bucket_name
        from lokonb.aws.nodeconfigs import render_node_configs

        self.assets = load_or_generate(self.config)
        self.node_configs = render_node_configs(self.config, self.assets)
        account = "123456789012" if self.embedded else (self.aws.account_id or self.aws.identify()["Account"])
        bucket = bucket_name(account, self.config.aws.region, self.config.cluster_name)
        rows = []
        for role, body in self.node_configs.configs.items():
            d = self.node_configs.deliver(self.config.cluster_name, role, bucket)
            rows.append({"role": role, "config_bytes": len(body), "user_data_bytes": len(d.user_data),
                         "limit": 16384, "delivery": d.mode, "secret": self.node_configs.secret.get(role, True),
                         "object": f"s3://{bucket}/{d.key}" if d.key else ""})
        return pd.DataFrame(rows)

    def make_plan(self):
        from lokonb.aws import api

        self.plan = api.plan(self.config, node_configs=self.node_configs, aws=self.aws)
        return self.plan

    def apply(self, confirm: bool, progress: bool | None = True):
        from lokonb.aws import api

        if not self.embedded and not confirm:
            raise NotConfirmed("apply against real AWS needs confirm: true (the plan above shows what it would do)")
        self.applied = api.apply(self.config, node_configs=self.node_configs, aws=self.aws,
                                 progress=_bars(progress), assets=self.assets)
        return self.applied

    def resources(self):
        """Every owned resource as AWS reports it, with the verification of each desired attribute."""
        from lokonb.aws import api

        v = api.verify(self.config, node_configs=self.node_configs, aws=self.aws)
        per = v.groupby(["resource", "type"]).agg(attributes=("ok", "size"), ok=("ok", "all")).reset_index()
        return per, v

    def destroy(self, confirm: bool, progress: bool | None = True):
        from lokonb.aws import api
        from lokonb.aws.errors import AwsInputError

        if not isinstance(confirm, bool):  # "false" is truthy: only a real bool may confirm
            raise AwsInputError(f"destroy(): confirm must be True or False, got {confirm!r}")
        if not self.embedded and not confirm:
            p = api.destroy_plan(self.config, aws=self.aws)
            raise NotConfirmed(f"destroy against real AWS needs confirm: true; it would delete {len(p.actions)} "
                               "resources (see the plan above)")
        self.destroyed = api.destroy(self.config, confirm=True, aws=self.aws, progress=_bars(progress))
        return self.destroyed

    def close(self) -> None:
        if self.aws is not None:
            self.aws.close()
            self.aws = None


def start(cluster: Mapping[str, Any], aws: Mapping[str, Any] | None, state: Mapping[str, Any] | None) -> ProvisionRun:
    """Validate the definition (``cluster``/``aws``/``state`` blocks) and open the run's AWS session."""
    from lokonb.aws.session import open_aws
    from lokonb.config import read_yaml

    # the notebook schema fills every aws/state field, unset ones with None: None means "the model's default"
    doc: dict[str, Any] = {"cluster": dict(cluster),
                           "aws": {k: v for k, v in (aws or {}).items() if v is not None or k == "endpoint"},
                           "state": {k: v for k, v in (state or {}).items() if v is not None}}
    tmp = None
    if doc["aws"].get("endpoint") == "embedded" and not doc["cluster"].get("asset_dir"):
        tmp = tempfile.TemporaryDirectory(prefix="lokonb-provision-")
        doc["cluster"]["asset_dir"] = str(Path(tmp.name) / doc["cluster"].get("cluster_name", "cluster"))
    loaded = read_yaml(doc)
    run = ProvisionRun(loaded.config, [str(w) for w in loaded.warnings], _tmp=tmp)
    run.aws = open_aws(loaded.config)
    if tmp is not None and run.aws.embedded is not None:
        from lokonb.aws import embedded

        if embedded.references() == 1:
            # a throw-away cluster (new PKI and state) on a server this run started: moto's backends are
            # process-global and outlive a stopped server, so an earlier run's resources in this kernel were found
            run.aws.embedded.reset()
    return run


def _bars(progress: bool | None) -> Any:
    """The notebook layer's mode-aware bars (widget in JupyterLab, off headless unless asked), or none."""
    if progress is False:
        return False
    try:
        from lokonb.notebook.progress import progress as factory
    except ImportError:  # pragma: no cover - the notebook package is part of lokonb
        return True
    return factory


def plan_plot(plan: Any):
    """Bar chart: planned actions per resource type (static matplotlib figure)."""
    import matplotlib

    matplotlib.use("Agg") if not _interactive() else None
    import matplotlib.pyplot as plt

    df = plan.df
    fig, ax = plt.subplots(figsize=(8, 3.2))
    if len(df):
        table = df.groupby(["type", "action"]).size().unstack(fill_value=0)
        table.plot.barh(stacked=True, ax=ax)
    ax.set_title(plan.summary, fontsize=9)
    ax.set_xlabel("resources")
    fig.tight_layout()
    plt.close(fig)
    return fig


def timing_plot(result_df: Any, title: str):
    """Seconds per action type (where apply/destroy spends its time)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.2))
    if len(result_df):
        result_df.groupby("type")["seconds"].sum().sort_values().plot.barh(ax=ax)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("seconds (sum over resources)")
    fig.tight_layout()
    plt.close(fig)
    return fig


def _interactive() -> bool:
    import matplotlib

    return matplotlib.get_backend().lower() not in ("agg", "pdf", "svg")
