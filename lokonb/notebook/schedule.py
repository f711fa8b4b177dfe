"""Scheduling (§10): a crontab line (``flock``, ``%`` escaped) and Kubernetes manifests (ConfigMap,
ServiceAccount, CronJob running ``lokonb run`` with ``concurrencyPolicy: Forbid``)."""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lokonb.notebook.exceptions import ScheduleError
from lokonb.notebook.runoptions import check_output, check_timeout

# (field name, lowest, highest, accepted names → numbers) in crontab order
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    (
        "month",
        1,
        12,
        {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
    ),
    ("day of week", 0, 7, {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}),
)
_PARAMS_MOUNT = "/etc/lokonb"
_CONFIGMAP_KEY = re.compile(r"[-._a-zA-Z0-9]{1,253}\Z")
METADATA_ALLOW_LABEL = "lokonb.io/metadata-access"


@dataclass
class ScheduleRequest:
    notebook: str
    cron: str
    parameter_set: str | None = None
    file: str | None = None
    fmt: str = "both"
    image: str | None = None
    namespace: str = "lokonb"
    output: str | None = None
    time_zone: str = "Etc/UTC"
    credentials: str = "instance-role"
    cell_timeout: float | None = None
    run_timeout: float | None = None
    root: str | None = None


def _value(text: str, lo: int, hi: int, names: dict[str, int], field: str) -> int:
    key = text.lower()
    if key in names:
        return names[key]
    if not text.isdigit():
        raise ScheduleError(
            f"cron {field}: {text!r} is not a number" + (f" or a name ({', '.join(names)})" if names else "")
        )
    value = int(text)
    if not lo <= value <= hi:
        raise ScheduleError(f"cron {field}: {value} is out of range {lo}-{hi}")
    return value


def check_cron(expr: str) -> list[str]:
    """Validate a 5-field cron expression (ranges, steps, lists, month/day names); returns the fields."""
    fields = expr.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"cron expression {expr!r} has {len(fields)} fields; expected 5: MIN HOUR DOM MON DOW"
        )
    for text, (name, lo, hi, names) in zip(fields, _FIELDS, strict=True):
        for part in text.split(","):
            base, _, step = part.partition("/")
            if step and (not step.isdigit() or int(step) == 0):
                raise ScheduleError(f"cron {name}: bad step {step!r}")
            if base == "*":
                continue
            start, _, end = base.partition("-")
            a = _value(start, lo, hi, names, name)
            if end and _value(end, lo, hi, names, name) < a:
                raise ScheduleError(f"cron {name}: range {base!r} runs backwards")
    _check_day_exists(fields)
    return fields


# the longest each month gets (February 29 in leap years)
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _expand(text: str, lo: int, hi: int, names: dict[str, int], field: str) -> set[int]:
    """The values one checked cron field selects."""
    out: set[int] = set()
    for part in text.split(","):
        base, _, step = part.partition("/")
        if base == "*":
            start, end = lo, hi
        else:
            first, _, last = base.partition("-")
            start = _value(first, lo, hi, names, field)
            end = _value(last, lo, hi, names, field) if last else (hi if step else start)
        out.update(range(start, end + 1, int(step or 1)))
    return out


def _check_day_exists(fields: list[str]) -> None:
    """A day of month no chosen month has (``31 2``) never fires; cron accepts it silently. With a day of week
    set too, cron runs on either, so the day of week still fires."""
    if fields[4] != "*" or fields[2].startswith("*"):
        return
    days = _expand(fields[2], *_FIELDS[2][1:], _FIELDS[2][0])
    months = _expand(fields[3], *_FIELDS[3][1:], _FIELDS[3][0])
    if min(days) > max(_MONTH_DAYS[m - 1] for m in months):
        raise ScheduleError(
            f"cron {' '.join(fields)!r} never runs: no chosen month has day {min(days)} "
            "(allowed: days that exist in at least one of the months, e.g. 28 for February)"
        )


def k8s_name(notebook: str, set_name: str, limit: int = 52) -> str:
    """``lokonb-<notebook>-<set>`` as a DNS-1123 label of at most ``limit`` characters (hash-shortened)."""
    raw = f"lokonb-{notebook}-{set_name}".lower().replace("_", "-")
    name = re.sub(r"[^a-z0-9-]+", "-", raw).strip("-")
    name = re.sub(r"-{2,}", "-", name)
    if len(name) > limit:
        digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
        name = name[: limit - 9].rstrip("-") + "-" + digest
    return name


def _check_one_line(what: str, value: str) -> None:
    """A crontab entry is one line: a line break in a path would end the entry and start another (one that cron
    runs every minute when it begins with five fields)."""
    if any(ch in value for ch in "\n\r"):
        raise ScheduleError(f"{what} {value!r} holds a line break, which would split the crontab entry (allowed: "
                            "paths and names without line breaks; rename the file or folder)")


def crontab(req: ScheduleRequest, root: Path, set_label: str) -> str:
    """A comment line and the crontab entry; every ``%`` escaped (cron turns it into a newline)."""
    _check_one_line("the project root", str(root))
    _check_one_line("-f", str(req.file or ""))
    _check_one_line("--set", set_label)
    lokonb_bin = Path(sys.executable).parent / "lokonb"
    runs = root / "runs"
    cmd = [str(lokonb_bin), "run", req.notebook]
    cmd += ["--set", req.parameter_set] if req.parameter_set else ["-f", str(Path(req.file or "").resolve())]
    if req.output:
        cmd += ["--output", req.output]
    if req.cell_timeout:
        cmd += ["--cell-timeout", str(req.cell_timeout)]
    if req.run_timeout:
        cmd += ["--run-timeout", str(req.run_timeout)]
    line = (
        f"cd {shlex.quote(str(root))} && mkdir -p {shlex.quote(str(runs))} && flock -n "
        f"{shlex.quote(str(runs / f'.cron-{req.notebook}.lock'))} {' '.join(shlex.quote(c) for c in cmd)} "
        f">> {shlex.quote(str(runs / 'cron.log'))} 2>&1"
    )
    comment = (
        f"# lokonb: {req.notebook} with set {set_label}; cron uses the system time zone (not {req.time_zone})"
    )
    return f"{comment}\n{req.cron} {line.replace('%', chr(92) + '%')}\n"


# Values copied into the manifests, checked as the API server and kubelet would (a bad one fails at apply time or
# when the Job starts, far from the command that wrote it): option, pattern, what is allowed.
_K8S_OPTION_RULES: tuple[tuple[str, str, re.Pattern[str], str], ...] = (
    ("--namespace", "namespace", re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\Z"),
     "a DNS-1123 label: lowercase letters, digits and '-', at most 63 characters"),
    # NAME[:TAG][@ALGORITHM:DIGEST]: an '@' only before a digest (USER:PASSWORD@registry was taken as valid)
    ("--image", "image", re.compile(r"[a-z0-9][A-Za-z0-9._/:+-]*(@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[A-Fa-f0-9]{32,})?\Z"),
     "an image reference such as registry.example.com/lokonb:1.0 (no spaces or upper-case repository)"),
    ("--output", "output", re.compile(r"s3://[a-z0-9][a-z0-9.-]{0,62}(/\S*)?\Z"),
     "s3://BUCKET/PREFIX: a bucket name of lowercase letters, digits, '.' and '-', no spaces"),
)
_CREDENTIAL_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "irsa": (re.compile(r"arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}\Z"),
             "irsa:arn:aws:iam::ACCOUNT:role/NAME"),
    "secret": (re.compile(r"[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\Z"),
               "secret:NAME with NAME a DNS-1123 subdomain (lowercase letters, digits, '-' and '.')"),
}


def check_kubernetes_options(req: ScheduleRequest) -> None:
    """Refuse option values that would give manifests the cluster rejects or a CronJob that can never start."""
    for option, attr, pattern, allowed in _K8S_OPTION_RULES:
        value = getattr(req, attr) or ""
        if not pattern.match(value):
            shown = "" if "@" in value else f" {value!r}"  # USER:PASSWORD@: the value is not quoted back
            raise ScheduleError(f"{option}{shown} is not valid in a Kubernetes manifest (allowed: {allowed})")
    kind, _, arg = req.credentials.partition(":")
    if kind in _CREDENTIAL_RULES and arg:
        pattern, allowed = _CREDENTIAL_RULES[kind]
        if not pattern.match(arg):
            raise ScheduleError(f"--credentials {req.credentials!r}: {arg!r} is not valid (allowed: {allowed})")
    check_time_zone(req.time_zone)


def check_time_zone(time_zone: str) -> None:
    """--time-zone: an IANA name (the CronJob's timeZone; the crontab comment names it too)."""
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(time_zone)
    except (ValueError, KeyError, OSError):
        raise ScheduleError(f"--time-zone {time_zone!r} is not an IANA time zone (allowed: a name such as "
                            "Etc/UTC or Europe/Berlin; the CronJob's timeZone)") from None


def manifests(
    req: ScheduleRequest, set_label: str, params_yaml: str, literals: dict[str, Any], schema_timeout: float
) -> tuple[list[dict[str, Any]], list[str]]:
    """ConfigMap, optional ServiceAccount and CronJob as plain dicts, plus notes for the user."""
    if not req.image:
        raise ScheduleError("--image is required for --format kubernetes (build one with `pip install .`)")
    if not req.output or not req.output.startswith("s3://"):
        raise ScheduleError(
            "--output s3://BUCKET/PREFIX is required for kubernetes (pod storage is ephemeral)"
        )
    check_kubernetes_options(req)
    notes: list[str] = []
    name = k8s_name(req.notebook, set_label)
    labels = {"app.kubernetes.io/name": "lokonb", "app.kubernetes.io/component": req.notebook}
    pod_labels = dict(labels)
    docs: list[dict[str, Any]] = []
    cm_key = Path(req.file).name if req.file else f"{set_label}.yaml"
    if not _CONFIGMAP_KEY.match(cm_key):
        # the API server refuses other keys; the key only names the mounted file, so use the spec's default
        notes.append(f"the ConfigMap key {cm_key!r} is not a valid key ([-._a-zA-Z0-9]+); using params.yaml")
        cm_key = "params.yaml"
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": req.namespace, "labels": labels},
            "data": {cm_key: params_yaml},
        }
    )
    sa_name = None
    env_from = None
    kind, _, arg = req.credentials.partition(":")
    if kind == "instance-role":
        pod_labels[METADATA_ALLOW_LABEL] = "allow"
        notes.append(
            f"pods use the node's role through the metadata endpoint; apply an allow policy for "
            f"label {METADATA_ALLOW_LABEL}=allow with the metadata_access notebook"
        )
    elif kind == "irsa" and arg:
        sa_name = name
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {
                    "name": name,
                    "namespace": req.namespace,
                    "labels": labels,
                    "annotations": {"eks.amazonaws.com/role-arn": arg},
                },
            }
        )
        notes.append(
            "irsa needs a pod identity webhook that injects web-identity variables; Lokomotive-style "
            "clusters do not have one by default"
        )
    elif kind == "secret" and arg:
        env_from = [{"secretRef": {"name": arg}}]
    else:
        raise ScheduleError(
            f"--credentials {req.credentials!r}: use instance-role, irsa:ROLE_ARN or secret:NAME"
        )
    run_timeout = int(req.run_timeout or schema_timeout)
    cmd = ["lokonb", "run", req.notebook, "-f", f"{_PARAMS_MOUNT}/{cm_key}", "--output", req.output]
    if req.cell_timeout:
        cmd += ["--cell-timeout", str(int(req.cell_timeout))]
    cmd += ["--run-timeout", str(run_timeout)]
    region = (
        str((literals.get("aws") or {}).get("region") or "eu-central-1")
        if isinstance(literals.get("aws"), dict)
        else "eu-central-1"
    )
    container: dict[str, Any] = {
        "name": "lokonb",
        "image": req.image,
        "command": cmd,
        "env": [
            {"name": "LOKONB_HEADLESS", "value": "1"},
            {"name": "AWS_REGION", "value": region},
            {"name": "HOME", "value": "/work"},
            {"name": "TMPDIR", "value": "/tmp"},  # noqa: S108 - the pod's own emptyDir
        ],
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "resources": {"requests": {"memory": "1Gi", "cpu": "500m"}, "limits": {"memory": "2Gi"}},
        "volumeMounts": [
            {"name": "params", "mountPath": _PARAMS_MOUNT, "readOnly": True},
            {"name": "work", "mountPath": "/work"},
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 - emptyDir volume
        ],
        "workingDir": "/work",
    }
    if env_from:
        container["envFrom"] = env_from
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 1000},
        "containers": [container],
        "volumes": [
            {"name": "params", "configMap": {"name": name}},
            {"name": "work", "emptyDir": {}},
            {"name": "tmp", "emptyDir": {}},
        ],
    }
    if sa_name:
        pod_spec["serviceAccountName"] = sa_name
    real = (
        literals.get("action") in ("apply", "destroy")
        and isinstance(literals.get("aws"), dict)
        and literals["aws"].get("endpoint") != "embedded"
    )
    docs.append(
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": name, "namespace": req.namespace, "labels": labels},
            "spec": {
                "schedule": req.cron,
                "timeZone": req.time_zone,
                "concurrencyPolicy": "Forbid",
                "startingDeadlineSeconds": 600,
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 5,
                "jobTemplate": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "backoffLimit": 0 if real else 1,
                        "activeDeadlineSeconds": run_timeout + 300,
                        "template": {"metadata": {"labels": pod_labels}, "spec": pod_spec},
                    },
                },
            },
        }
    )
    return docs, notes


def schedule(req: ScheduleRequest) -> tuple[str, list[str]]:
    """Validate parameters and cron, then return the text to print and notes for stderr."""

    from lokonb.notebook.execute import RunRequest, gather
    from lokonb.notebook.paramfiles import dump_literals
    from lokonb.notebook.params import validate
    from lokonb.notebook.project import find_root, resolve_notebook
    from lokonb.notebook.redact import MASK, from_environment
    from lokonb.notebook.schemas import get_schema

    if req.fmt not in ("crontab", "kubernetes", "both"):
        raise ScheduleError(f"--format {req.fmt!r}: use crontab, kubernetes or both")
    check_cron(req.cron)
    check_timeout("--cell-timeout", req.cell_timeout)
    check_timeout("--run-timeout", req.run_timeout)
    check_output(req.output)
    check_time_zone(req.time_zone)  # crontab too: a zone that does not exist was accepted and quoted in the comment
    root = find_root(req.root)
    assert root is not None
    if req.notebook.endswith(".ipynb") or os.sep in req.notebook:
        # cron runs `lokonb run NAME` in the project and the CronJob's image knows notebooks by name only
        name, nb_path = resolve_notebook(req.notebook, root)
        if nb_path != (root / "notebooks" / f"{name}.ipynb").resolve():
            raise ScheduleError(f"{nb_path} is not one of the project's notebooks ({root / 'notebooks'}): "
                                "scheduled runs find notebooks by name; copy it there or pass --root")
        req = replace(req, notebook=name)
    schema = get_schema(req.notebook)
    raw, sources, set_label, origin = gather(
        RunRequest(req.notebook, parameter_set=req.parameter_set, files=[req.file] if req.file else []), root
    )
    literals = validate(schema, raw, sources, origin=origin).literals
    notes = []
    aws = literals.get("aws")
    if req.notebook == "provision_cluster" and isinstance(aws, dict) and aws.get("endpoint") == "embedded":
        notes.append("this set targets the embedded AWS: scheduled runs will not touch a real account")
    redactor = from_environment()
    out = []
    if req.fmt in ("crontab", "both"):
        out.append(crontab(req, root, set_label))
    if req.fmt in ("kubernetes", "both"):
        docs, more = manifests(
            req, set_label, dump_literals(literals), literals, schema.run_timeout or schema.cell_timeout
        )
        notes.extend(more)
        text = _dump_all(docs)
        if redactor.text(text) != text:
            # lokonb never prints a secret (R7.2), so the printed ConfigMap would carry the placeholder where the
            # run needs the value: a manifest that silently differs from the set is worse than none
            where = f"-f {req.file}" if req.file else f"set {req.parameter_set!r}"
            raise ScheduleError(
                f"{where} holds secret-looking text (a key, token or password, e.g. in a snippet's file contents); "
                "the ConfigMap of --format kubernetes would store it in clear, and lokonb prints "
                f"{MASK} in its place, so the scheduled run would not get it. Keep secrets out of "
                "parameter sets (fetch them at run time, e.g. AWS credentials with --credentials secret:NAME), "
                "or schedule this set with --format crontab"
            )
        out.append(text)
    return redactor.text("---\n".join(out) if req.fmt != "both" else out[0] + "---\n" + out[1]), notes


def _dump_all(docs: list[dict[str, Any]]) -> str:
    """Multi-document YAML with multi-line strings (the ConfigMap's set file) as literal blocks, and no aliases."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            # the manifests share label dicts; written out in full, not as &id001/*id001 anchors a reader must chase
            # (and that alias-refusing YAML tools, lokonb's own readers among them, reject)
            return True

    def str_rep(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if "\n" in data else None)

    _Dumper.add_representer(str, str_rep)
    return yaml.dump_all(docs, Dumper=_Dumper, sort_keys=False, width=120)
