"""The registry of notebook parameter schemas (R3.1): one :class:`NotebookSchema` per notebook.

Domain fields come from the domain specs (``aws.md``, ``flatcar.md``, ``logs.md``, ``metadata.md``); this module
only declares them. The registry is a plain mapping; nothing runs at import time but the declarations.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from lokonb.notebook.exceptions import ParameterIssue
from lokonb.notebook.params import NotebookSchema, Param

_PROGRESS = Param(
    "progress",
    "bool",
    None,
    "text progress bars in headless runs (null: only interactively)",
    optional=True,
    group="run",
)
_STR_LIST = Param("item", "str", "", "")

# --- provision_cluster (aws.md §2.6: cluster / aws / state blocks) ------------------------------------------------

DEMO_CLUSTER: dict[str, Any] = {
    "cluster_name": "demo",
    "dns_zone": "example.com",
    "ssh_pubkeys": [
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"
    ],
    "controller_count": 1,
    "controller_type": "t3.medium",
    "tags": {"team": "platform"},
    "worker_pools": [
        {"name": "web", "count": 2, "instance_type": "t3.small", "labels": {"role": "web"}},
        {
            "name": "batch",
            "count": 1,
            "instance_type": "t3.small",
            "spot_price": "0.05",
            "lb_http_port": 8080,
            "lb_https_port": 8443,
            "taints": {"dedicated": "batch:NoSchedule"},
        },
    ],
    "oidc": {},
}

_AWS_FIELDS = (
    Param(
        "endpoint",
        "str",
        "embedded",
        "null = real AWS; embedded = moto on 127.0.0.1; or an endpoint URL",
        optional=True,
    ),
    Param("region", "str", "eu-central-1", "AWS region"),
    Param("profile", "str", None, "AWS profile name (credentials come from the AWS chain)", optional=True),
    Param("shared_credentials_file", "path", None, "AWS shared credentials file", optional=True),
    Param(
        "retry_mode",
        "choice",
        None,
        "botocore retry mode",
        choices=("standard", "adaptive"),  # the cluster model refuses botocore's "legacy"
        optional=True,
    ),
    Param("max_attempts", "int", None, "botocore max attempts", optional=True, minimum=1),
    Param("max_concurrency", "int", None, "parallel API calls during apply", optional=True, minimum=1),
    Param("connect_timeout", "float", None, "seconds", optional=True, minimum=0),
    Param("read_timeout", "float", None, "seconds", optional=True, minimum=0),
    Param(
        "waiter_scale",
        "float",
        None,
        "scale of waiter delays (0.02 on embedded unless set)",
        optional=True,
        minimum=0,
    ),
    Param("flatcar_ami_owner", "str", None, "owner account of Flatcar AMIs", optional=True),
    Param("ebs_kms_key_id", "str", None, "KMS key for EBS volumes", optional=True),
)
_STATE_FIELDS = (
    Param("backend", "choice", "local", "where the state lives", choices=("local", "s3")),
    Param("path", "path", None, "local state file", optional=True),
    Param("bucket", "str", None, "S3 state bucket", optional=True),
    Param("key", "str", None, "S3 state key", optional=True),
    Param("region", "str", None, "S3 state region", optional=True),
    Param("dynamodb_table", "str", None, "DynamoDB lock table", optional=True),
    Param("profile", "str", None, "AWS profile for the state backend", optional=True),
    Param("shared_credentials_file", "path", None, "credentials file for the state backend", optional=True),
    Param("lock", "bool", None, "lock the state during apply/destroy", optional=True),
)


def _cluster_model_rule(values: Mapping[str, Any], raw: Mapping[str, Any]) -> Iterable[ParameterIssue]:
    """Validate ``cluster``/``aws``/``state`` through the cluster model (``lokonb.config``) when it exists."""
    return _model_issues({
        "cluster": values["cluster"],
        "aws": _drop_none(values["aws"]),
        "state": _drop_none(values["state"]),
    }, raw)


def _cluster_only_rule(values: Mapping[str, Any], raw: Mapping[str, Any]) -> Iterable[ParameterIssue]:
    """render_flatcar's ``cluster``, checked like provision_cluster's before a kernel starts (R3.6), not in cell 5."""
    return _model_issues({"cluster": values["cluster"]}, raw)


_cluster_model_rule.takes_raw = _cluster_only_rule.takes_raw = True  # type: ignore[attr-defined]


def _raw_lines(raw: Mapping[str, Any]) -> tuple[str | None, dict[tuple[str | int, ...], int]]:
    """The set file and the line of every value read from it, by the model's raw path (``("cluster",
    "worker_pools", 0, "count")``), so model issues name ``file:line`` as ``lokonb config validate`` does. Values
    from another source (``-p``, a notebook, a second file) get no line rather than a wrong one."""
    from lokonb.notebook.params import Text

    found: list[tuple[tuple[str | int, ...], str, int]] = []

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(node, Text):
            label, _, line = (node.source or "").rpartition(":")
            if label and not label.startswith(("<", "-")) and line.isdigit():  # not a form box or -y text
                found.append((path, label, int(line)))
        elif isinstance(node, Mapping):
            for key, value in node.items():
                walk(value, (*path, str(key)))
        elif isinstance(node, list | tuple):
            for i, value in enumerate(node):
                walk(value, (*path, i))

    walk({k: raw[k] for k in ("cluster", "aws", "state") if k in raw}, ())
    if not found:
        return None, {}
    file = found[0][1]
    # values only, no block lines: the model would place a -p value's issue at its block's first line
    return file, {path: line for path, label, line in found if label == file}


def _roles_rule(values: Mapping[str, Any]) -> Iterable[ParameterIssue]:
    """render_flatcar's ``roles`` name roles of ``cluster`` (known before a kernel starts, not only in cell 5)."""
    roles = values.get("roles")
    if roles is None:
        return []
    if not roles:  # the notebook renders every role for a falsy value: [] would silently mean "all"
        return [ParameterIssue("roles", "[] selects no role", "parameters",
                               "use null for every role, or name roles such as [worker-web]")]
    try:
        from lokonb.config import load_yaml

        model = load_yaml({"cluster": values["cluster"]})
    except Exception:  # noqa: BLE001 - a bad cluster is _cluster_only_rule's issue
        return []
    known = [f"controller-{i}" for i in range(int(model.controller_count))]
    known += [f"worker-{p.name}" for p in model.worker_pools]
    unknown = [r for r in roles if r not in known]
    if not unknown:
        return []
    return [ParameterIssue("roles", f"unknown role(s) {', '.join(map(str, unknown))}; this cluster has "
                           f"{', '.join(known)}", "parameters")]


def _directory_rule(*names: str) -> Any:
    """Path parameters that must be directories. A missing one is left to the run: `schedule` and `params --check`
    validate sets for another machine or a CronJob's volumes, where the directory may well exist."""

    def rule(values: Mapping[str, Any]) -> Iterable[ParameterIssue]:
        issues = []
        for name in names:
            value = values.get(name)
            if value is None or str(value).startswith("s3://"):
                continue
            path = os.path.expanduser(str(value))
            if os.path.exists(path) and not os.path.isdir(path):
                issues.append(ParameterIssue(name, f"{value} exists and is not a directory", "parameters",
                                             "give a directory"))
        return issues

    return rule


def _model_issues(doc: dict[str, Any], raw: Mapping[str, Any] | None = None) -> Iterable[ParameterIssue]:
    from lokonb.config.build import validate_raw
    from lokonb.config.loaders import raw_from_data

    file, lines = _raw_lines(raw or {})
    try:
        validate_raw(raw_from_data(doc, file=file, lines=lines))
    except Exception as exc:  # noqa: BLE001 - any model error becomes parameter issues
        issues = getattr(exc, "issues", None)
        if issues:
            return [
                ParameterIssue(str(getattr(i, "path", "cluster")), str(getattr(i, "message", i)),
                               getattr(i, "source", None) or "cluster")
                for i in issues
            ]
        return [ParameterIssue("cluster", str(exc), "cluster")]
    return []


def _drop_none(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if hasattr(v, "parts") else v) for k, v in mapping.items() if v is not None}


def _confirm_rule(live: Any) -> Any:
    """A cross-field rule: ``action`` apply/destroy against real resources needs ``confirm: true`` (R3.3)."""

    def rule(values: Mapping[str, Any]) -> Iterable[ParameterIssue]:
        if values.get("action") in ("apply", "destroy") and live(values) and not values.get("confirm"):
            return [
                ParameterIssue(
                    "confirm",
                    f"action {values['action']!r} against real resources needs confirm: true",
                    "parameters",
                    "set confirm: true after reviewing the plan",
                )
            ]
        return []

    return rule


PROVISION_CLUSTER = NotebookSchema(
    notebook="provision_cluster",
    title="Provision a cluster on AWS",
    params=(
        Param(
            "cluster",
            "dict",
            DEMO_CLUSTER,
            "the cluster definition (Lokomotive attribute names, aws.md §2)",
            free_keys=True,
            group="cluster",
        ),
        Param(
            "aws",
            "dict",
            {"endpoint": "embedded", "region": "eu-central-1"},
            "AWS endpoint, region and client settings",
            fields=_AWS_FIELDS,
            group="aws",
        ),
        Param(
            "state",
            "dict",
            {"backend": "local"},
            "where the cluster state is kept",
            fields=_STATE_FIELDS,
            group="aws",
        ),
        Param(
            "action",
            "choice",
            "apply",
            "how far to go (apply/destroy against real AWS also need confirm: true)",
            choices=("validate", "plan", "apply", "destroy"),
            group="run",
        ),
        Param("confirm", "bool", False, "required for apply/destroy against real AWS", group="run"),
        _PROGRESS,
    ),
    rules=(_confirm_rule(lambda v: (v.get("aws") or {}).get("endpoint") != "embedded"), _cluster_model_rule),
    cell_timeout=3600,
    index_results=("plan_counts", "resources"),
)

# --- render_flatcar (flatcar.md) -----------------------------------------------------------------------------------

RENDER_FLATCAR = NotebookSchema(
    notebook="render_flatcar",
    title="Render Flatcar node configs",
    params=(
        Param(
            "cluster",
            "dict",
            DEMO_CLUSTER,
            "the cluster definition (same format as provision_cluster)",
            free_keys=True,
            group="cluster",
        ),
        Param("asset_dir", "path", None, "cluster assets (PKI); null: a temporary directory", optional=True),
        Param(
            "roles",
            "list",
            None,
            "roles to render (controller-<i>, worker-<pool>); null: all",
            optional=True,
            item=_STR_LIST,
        ),
        Param("snippets", "bool", True, "merge the Container Linux Config snippets"),
        Param(
            "ignition_version",
            "choice",
            "3.3.0",
            "Ignition spec version of the output (2.3.0: legacy Flatcar/ct configs)",
            choices=("3.3.0", "3.4.0", "2.3.0"),
        ),
        Param(
            "external_validate",
            "bool",
            None,
            "also run ignition-validate (null: when installed)",
            optional=True,
        ),
        Param("previous_render", "path", None, "a saved render directory to diff against", optional=True),
        Param("output_dir", "path", None, "save the rendered configs here", optional=True),
        _PROGRESS,
    ),
    rules=(_cluster_only_rule, _roles_rule,
           _directory_rule("asset_dir", "output_dir", "previous_render")),
    index_results=("roles", "valid"),
)

# --- apiserver_logs (logs.md OUT-9, IN-5) --------------------------------------------------------------------------

_PODS_FIELDS = (
    Param("kubeconfig", "path", None, "kubeconfig file (null: standard loading)", optional=True),
    Param("context", "str", None, "kubeconfig context", optional=True),
    Param("namespace", "str", "kube-system", "namespace of the kube-apiserver pods"),
    Param(
        "selector",
        "str",
        None,
        "label selector (null: k8s-app=, then component=kube-apiserver)",
        optional=True,
    ),
    Param("names", "list", None, "explicit pod names", optional=True, item=_STR_LIST),
    Param("container", "str", None, "container (null: kube-apiserver or the only one)", optional=True),
    Param("all_containers", "bool", False, "read every container"),
    Param("previous", "bool", False, "also read the previous container instance"),
    Param("limit_bytes", "int", None, "passed to the log API", optional=True, minimum=1),
    Param("tail_lines", "int", None, "passed to the log API", optional=True, minimum=1),
    Param("concurrency", "int", 4, "controllers fetched at once", minimum=1, maximum=64),
)

def _logs_rule(values: Mapping[str, Any]) -> Iterable[ParameterIssue]:
    """Time zones, CIDRs, times, the bucket and "no source at all" before a kernel starts (R3.6), not in cell 5."""
    from lokonb.logs.paramcheck import parameter_issues

    return [ParameterIssue(field, message, "parameters") for field, message in parameter_issues(values)]


APISERVER_LOGS = NotebookSchema(
    notebook="apiserver_logs",
    title="Analyse kube-apiserver logs",
    params=(
        Param(
            "sources",
            "list",
            ["sample"],
            "log files, globs, directories, NAME-equals-PATH pairs, or sample",
            item=_STR_LIST,
            group="input",
        ),
        Param(
            "pods",
            "dict",
            None,
            "live kube-apiserver pods: kubeconfig, context, namespace, selector, names, previous...; null: none",
            optional=True,
            fields=_PODS_FIELDS,
            group="input",
        ),
        Param(
            "format",
            "choice",
            "auto",
            "log format",
            choices=("auto", "klog", "kubectl", "cri", "docker", "json", "syslog", "cloudwatch", "envelope", "csv"),
            group="input",
        ),
        Param("families_file", "path", None, "YAML file extending the message families", optional=True),
        Param("klog_tz", "str", "UTC", "time zone of klog times: UTC, an IANA name or auto"),
        Param(
            "year",
            "int",
            None,
            "year of the first record when no timestamp has one",
            optional=True,
            minimum=1970,
            maximum=2200,
        ),
        Param("vpc_cidrs", "any", "auto", "probe networks: auto, null, or a list of CIDRs", optional=True),
        Param(
            "extra_probe_networks", "list", [], "more CIDRs whose periodic probes are noise", item=_STR_LIST
        ),
        Param(
            "probe_periods",
            "list",
            [10, 30],
            "expected probe periods in seconds (1-3600)",
            item=Param("item", "float", 10, "", minimum=1, maximum=3600),
        ),
        Param("since", "str", None, "start: a duration (6h) or an ISO time", optional=True),
        Param("until", "str", None, "end: an ISO time", optional=True),
        Param("bucket", "str", "1min", "timeline bucket (pandas offset, e.g. 1min, 5min)"),
        Param("max_records", "int", 100000, "records kept in memory", minimum=1),
        Param(
            "fail_on",
            "choice",
            None,
            "fail the run on findings at or above this priority",
            optional=True,
            choices=("critical", "high", "medium", "low"),
        ),
        _PROGRESS,
    ),
    rules=(_logs_rule,),
    index_results=("lines_read", "actionable"),
)

# --- metadata_access (metadata.md) ---------------------------------------------------------------------------------

_ALLOW_FIELDS = (
    Param("namespace", "str", "default", "namespace of the pods"),
    Param("pod_selector", "dict", {}, "matchLabels / matchExpressions", free_keys=True),
    Param("mode", "choice", "metadata-only", "what the policy allows", choices=("metadata-only", "open")),
    Param("name", "str", None, "policy name (null: derived)", optional=True),
    Param("include", "list", [], "extra egress kept for these pods: dns, all-but-metadata",
          item=Param("item", "choice", "dns", "", choices=("dns", "all-but-metadata"))),
)

def _policies_rule(values: Mapping[str, Any]) -> Iterable[ParameterIssue]:
    """``blocked_cidrs`` and each ``allow`` entry render before a kernel starts (R3.6), not only in cell 5."""
    try:
        from lokonb.kube.workflow import policy_issues
    except ImportError:  # pragma: no cover - the kube package ships with lokonb
        return []
    return [ParameterIssue(field, message, "parameters")
            for field, message in policy_issues(values.get("blocked_cidrs") or [], values.get("allow") or [],
                                                values.get("node_local_dns"))]


def _optional_cluster_rule(values: Mapping[str, Any], raw: Mapping[str, Any]) -> Iterable[ParameterIssue]:
    """metadata_access's ``cluster`` is optional (null: none); when given it is checked as render_flatcar's is."""
    return [] if values.get("cluster") is None else _cluster_only_rule(values, raw)


_optional_cluster_rule.takes_raw = True  # type: ignore[attr-defined]


def _apply_needs_live(values: Mapping[str, Any]) -> Iterable[ParameterIssue]:
    """``action: apply`` writes policies to a cluster: only ``source: live`` names one (a dump or the sample does
    not), so refuse before any cell runs rather than in the apply cell. An empty ``source`` names nothing at all."""
    if not str(values.get("source") or "").strip():
        return [ParameterIssue("source", "is empty", "parameters", "write sample, live or a manifest dump path")]
    if values.get("action") == "apply" and values.get("source") != "live":
        return [
            ParameterIssue(
                "source",
                f"action 'apply' needs source: live (the cluster of kubeconfig/context), got {values.get('source')!r}",
                "parameters",
                "set source: live, or use action: render / audit with a dump",
            )
        ]
    return []


METADATA_ACCESS = NotebookSchema(
    notebook="metadata_access",
    title="Block and audit pod access to the EC2 metadata endpoint",
    params=(
        Param("source", "str", "sample", "audit input: sample, a manifest dump path, or live"),
        Param(
            "kubeconfig",
            "path",
            None,
            "kubeconfig for a live cluster (null: standard loading)",
            optional=True,
        ),
        Param("context", "str", None, "kubeconfig context", optional=True),
        Param("blocked_cidrs", "list", ["169.254.169.254/32"], "metadata addresses to block", item=_STR_LIST),
        Param(
            "allow",
            "list",
            [],
            "pods allowed to reach the endpoint: namespace, pod_selector, mode, name, include",
            item=Param("item", "dict", {}, "", fields=_ALLOW_FIELDS),
        ),
        Param(
            "node_local_dns",
            "list",
            None,
            "DNS cache IPs the dns rule also allows (null: from cluster)",
            optional=True,
            item=_STR_LIST,
        ),
        Param(
            "cluster",
            "dict",
            None,
            "cluster definition (as provision_cluster) for its NodeLocal DNS IP",
            optional=True,
            free_keys=True,
        ),
        Param("action", "choice", "audit", "what to do", choices=("render", "audit", "apply")),
        Param("dry_run", "bool", False, "server-side dry run when applying"),
        Param("confirm", "bool", False, "required to apply to a live cluster"),
        _PROGRESS,
    ),
    rules=(_confirm_rule(lambda v: v.get("source") == "live"), _apply_needs_live, _policies_rule,
           _optional_cluster_rule),
    index_results=("reachable", "pods"),
)

#: Notebook name → schema.
REGISTRY: dict[str, NotebookSchema] = {
    s.notebook: s for s in (PROVISION_CLUSTER, RENDER_FLATCAR, APISERVER_LOGS, METADATA_ACCESS)
}


def get_schema(name: str) -> NotebookSchema:
    """The schema of notebook ``name`` or of the ``.ipynb`` at a path, by its file name (:class:`UsageError` with a
    suggestion when unknown): every command that takes NOTEBOOK accepts both."""
    from lokonb.notebook.runoptions import check_path

    check_path("get_schema", "name", name, "a notebook name such as 'render_flatcar' or a path to an .ipynb")
    if str(name).endswith(".ipynb") or os.sep in str(name):
        from lokonb.notebook.project import resolve_notebook

        name = resolve_notebook(name, None)[0]
    try:
        return REGISTRY[name]
    except KeyError:
        import difflib

        from lokonb.notebook.exceptions import UsageError

        close = difflib.get_close_matches(name, list(REGISTRY), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(REGISTRY)}"
        raise UsageError(f"no parameter schema for notebook {name!r}{hint}") from None
