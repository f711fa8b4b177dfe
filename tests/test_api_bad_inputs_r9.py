"""Bad inputs, round 9: arguments of the wrong kind to the public Python API outside ``lokonb.logs``.

Each row calls one public function with one argument replaced by None, a number, bytes, a list, a dict, a path to
a directory or an empty string (the others valid) and expects the product's own error (a ``LokonbError``) naming
the function or the argument and what is allowed; a bare TypeError/AttributeError/ValueError from inside (the
state before this round, e.g. ``translate_clc(None)``: "a string or stream input is required") fails the row.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lokonb.errors import LokonbError, kind_name

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"
CLC = "passwd:\n  users:\n    - name: core\n"
IGN2 = {"ignition": {"version": "2.3.0"}}
IGN3 = {"ignition": {"version": "3.3.0"}}
DIR = object()  # stands for a path to an existing directory (tmp_path), filled in per test

#: The wrong kinds tried for an argument, by short name.
KINDS: dict[str, Any] = {"none": None, "int": 5, "bytes": b"x", "list": [1], "dict": {"a": 1}, "dir": DIR, "empty": ""}


def _model(tmp_path: Path) -> Any:
    from lokonb.config import read_yaml

    return read_yaml({"cluster": {"cluster_name": "demo", "dns_zone": "example.com", "ssh_pubkeys": [KEY],
                                  "asset_dir": str(tmp_path / "assets"), "worker_pools": [{"name": "web", "count": 1}]},
                      "aws": {"endpoint": "http://127.0.0.1:9"}}).config  # never reached: refused before any call


def _notebook(name: str) -> Callable[..., Any]:
    import lokonb.notebook

    return getattr(lokonb.notebook, name)


def _frame() -> Any:
    import pandas as pd

    return pd.DataFrame({"a": [1, 2]})


DEMO = str(Path(__file__).resolve().parents[1] / "examples" / "demo" / "cluster.lokocfg")


def _config_load() -> Callable[..., Any]:
    from lokonb.config import load

    return load


def _assets_check_dir() -> Callable[..., Any]:
    from lokonb.assets import check_dir

    return check_dir


def _aws(name: str) -> Callable[..., Any]:
    import lokonb.aws

    return getattr(lokonb.aws, name)


def _kube(module: str, name: str) -> Callable[..., Any]:
    import importlib

    return getattr(importlib.import_module(f"lokonb.kube.{module}"), name)


def _flatcar(name: str) -> Callable[..., Any]:
    import lokonb.flatcar

    return getattr(lokonb.flatcar, name)


# (function, argument, call(value, ctx), kinds tried, fragment of the message); ctx holds tmp_path and a model
TABLE: list[tuple[str, str, Callable[[Any, dict[str, Any]], Any], str, str]] = [
    # flatcar: text arguments failed inside PyYAML ("a string or stream input is required")
    ("translate_clc", "text", lambda v, c: _flatcar("translate_clc")(v), "none int list dict dir",
     "translate_clc(): expected the document text (str or bytes), got "),
    ("translate_butane", "text", lambda v, c: _flatcar("translate_butane")(v), "none int list dict dir",
     "translate_butane(): expected the document text (str or bytes), got "),
    # a list/dict platform: "unhashable type"
    ("translate_clc", "platform", lambda v, c: _flatcar("translate_clc")(CLC, platform=v), "list dict",
     "translate_clc(): platform must be a platform name (azure, "),
    ("translate", "platform", lambda v, c: _flatcar("translate")(CLC, platform=v), "list dict",
     "translate(): platform must be a platform name"),
    # source: a plain ValueError for "", unhashable for a list
    ("translate", "source", lambda v, c: _flatcar("translate")(CLC, source=v), "int bytes list dict dir",
     "translate(): source must be one of clc, butane, ignition, auto or None, got "),
    ("translate", "source", lambda v, c: _flatcar("translate")(CLC, source=v), "empty",
     "translate(): unknown source format ''; choose one of clc, butane, ignition, auto"),
    ("translate", "filesystem_paths", lambda v, c: _flatcar("translate")(CLC, target="3.3.0", filesystem_paths=v),
     "int bytes list dir empty", "translate(): filesystem_paths must be a mapping of filesystem name to mount path"),
    # to_json: json's "not JSON serializable", a plain ValueError for an unknown style
    ("to_json", "config", lambda v, c: _flatcar("to_json")(v), "bytes dir",
     "to_json(): config must be an Ignition config of JSON values"),
    ("to_json", "style", lambda v, c: _flatcar("to_json")(IGN3, style=v), "none int bytes list dict dir",
     "to_json(): style must be 'ct' or 'butane', got "),
    ("to_json", "style", lambda v, c: _flatcar("to_json")(IGN3, style=v), "empty",
     "to_json(): unknown JSON style '': use 'ct' or 'butane'"),
    # dict arguments: "'str' object has no attribute 'get'/'items'"
    ("convert_2x_to_3x", "cfg", lambda v, c: _flatcar("convert_2x_to_3x")(v), "none int bytes list dir empty",
     "convert_2x_to_3x(): cfg must be an Ignition 2.x config (a dict), got "),
    ("convert_2x_to_3x", "target", lambda v, c: _flatcar("convert_2x_to_3x")(IGN2, target=v),
     "none int bytes list dict dir", "convert_2x_to_3x(): target must be 3.3.0 or 3.4.0, got "),
    ("convert_2x_to_3x", "target", lambda v, c: _flatcar("convert_2x_to_3x")(IGN2, target=v), "empty",
     "convert_2x_to_3x(): target '' is not supported; choose 3.3.0 or 3.4.0"),
    ("convert_2x_to_3x", "filesystem_paths", lambda v, c: _flatcar("convert_2x_to_3x")(IGN2, filesystem_paths=v),
     "int list empty", "convert_2x_to_3x(): filesystem_paths must be a mapping"),
    ("merge_3x", "parent", lambda v, c: _flatcar("merge_3x")(v, IGN3), "none int bytes list dir empty",
     "merge_3x(): parent must be an Ignition 3.x config (a dict), got "),
    ("merge_3x", "child", lambda v, c: _flatcar("merge_3x")(IGN3, v), "none int list empty",
     "merge_3x(): child must be an Ignition 3.x config (a dict), got "),
    ("merge_3x", "on_override", lambda v, c: _flatcar("merge_3x")(IGN3, IGN3, on_override=v), "int dict",
     "merge_3x(): on_override must be a function (kind, key) or None, got "),
    ("append_2x", "parent", lambda v, c: _flatcar("append_2x")(v, IGN2), "none int list empty",
     "append_2x(): parent must be an Ignition 2.x config (a dict), got "),
    ("append_2x", "child", lambda v, c: _flatcar("append_2x")(IGN2, v), "none bytes dir",
     "append_2x(): child must be an Ignition 2.x config (a dict), got "),
    ("append_2x", "warnings", lambda v, c: _flatcar("append_2x")(IGN2, IGN2, warnings=v), "int dict empty",
     "append_2x(): warnings must be a list the warnings are appended to, or None, got "),
    # pointer_config(spec=None): "'NoneType' object has no attribute 'startswith'"; spec="" was written as is
    ("pointer_config", "spec", lambda v, c: _flatcar("pointer_config")("bkt", "k", b"{}", spec=v),
     "none int bytes list dict dir", "pointer_config(): spec must be an Ignition spec version (2.3.0, 3.3.0, 3.4.0)"),
    ("pointer_config", "spec", lambda v, c: _flatcar("pointer_config")("bkt", "k", b"{}", spec=v), "empty",
     "pointer_config(): spec '' is not supported"),
    ("validate_config", "spec", lambda v, c: _flatcar("validate_config")(IGN3, spec=v), "list dict",
     "validate_config(): spec must be an Ignition spec version"),
    ("validate_config", "role", lambda v, c: _flatcar("validate_config")(IGN3, role=v), "int list dict",
     "validate_config(): role must be a role name"),
    ("run_ignition_validate", "json_bytes", lambda v, c: _flatcar("run_ignition_validate")(v),
     "none int list dict dir", "run_ignition_validate(): json_bytes must be the config's JSON (bytes or str), got "),
    ("run_ignition_validate", "binary", lambda v, c: _flatcar("run_ignition_validate")(b"{}", binary=v),
     "int bytes list dict dir", "run_ignition_validate(): binary must be the path of the ignition-validate program"),
    # render_cluster: "'str' object has no attribute 'kubernetes_ca_pem'", "object is not callable"
    ("render_cluster", "assets", lambda v, c: _flatcar("render_cluster")(c["model"], assets=v, validate=False),
     "int bytes list dict dir empty", "render_cluster(): assets must be a NodeAssets provider"),
    ("render_cluster", "progress", lambda v, c: _flatcar("render_cluster")(c["model"], progress=v, validate=False),
     "int bytes list dict dir", "render_cluster(): progress must be a function taking the role name, or None"),
    ("render_cluster", "snippet_files_dir",
     lambda v, c: _flatcar("render_cluster")(c["model"], snippet_files_dir=v, validate=False), "int list",
     "render_cluster(): snippet_files_dir must be a directory path (str or Path), got "),
    # notebook: path arguments ended in "expected str, bytes or os.PathLike object" from pathlib
    ("run", "notebook", lambda v, c: _notebook("run")(v, output=str(c["tmp"])), "none int bytes list dict",
     "run(): notebook must be a notebook name such as 'render_flatcar' or a path to an .ipynb, got "),
    ("run", "output", lambda v, c: _notebook("run")("render_flatcar", output=v), "int bytes list dict",
     "run(): output must be a local folder or s3://BUCKET/PREFIX (str or Path) or None, got "),
    ("run_many", "requests", lambda v, c: _notebook("run_many")(v), "none int bytes dict dir",
     "run_many(): requests must be a list of RunRequest, got "),
    ("run_many", "requests", lambda v, c: _notebook("run_many")([v]), "none int",
     "run_many(): requests must be a list of RunRequest, got "),
    ("run_all", "parameter_set", lambda v, c: _notebook("run_all")(parameter_set=v), "none int bytes list dict dir",
     "run_all(): parameter_set must be the name of a parameter set such as 'default', got "),
    ("run_all", "root", lambda v, c: _notebook("run_all")(root=v), "int bytes list dict",
     "run_all(): root must be a project folder (str or Path) or None, got "),
    ("read_run", "run_dir", lambda v, c: _notebook("read_run")(v), "none int bytes list dict",
     "read_run(): run_dir must be a run directory such as runs/NOTEBOOK/RUN_ID (str or Path), got "),
    ("read_results", "notebook", lambda v, c: _notebook("read_results")(v), "none int bytes list dict",
     "read_results(): notebook must be the path or s3:// URL of an executed .ipynb (str or Path), got "),
    # a folder or "": a bare IsADirectoryError/FileNotFoundError from nbformat
    ("read_results", "notebook", lambda v, c: _notebook("read_results")(v), "dir empty", "read_results(): "),
    ("record_file", "path", lambda v, c: _notebook("record_file")("n", v), "none int bytes list dict",
     "record_file(): path must be the path of a file to record (str or Path), got "),
    ("get_schema", "name", lambda v, c: _notebook("get_schema")(v), "none int bytes list dict",
     "get_schema(): name must be a notebook name such as 'render_flatcar' or a path to an .ipynb, got "),
    ("setup", "notebook", lambda v, c: _notebook("setup")(v, {}), "none int list dict",
     "get_schema(): name must be a notebook name"),
    ("setup", "namespace", lambda v, c: _notebook("setup")("render_flatcar", v), "none int bytes list dir empty",
     "setup(): namespace must be the notebook's globals() (a mapping), got "),
    ("scrub", "text", lambda v, c: _notebook("scrub")(v), "int bytes list dict dir",
     "scrub(): text must be a string (scrub_value() scrubs JSON-like values), got "),
    ("progress", "desc", lambda v, c: _notebook("progress")([1], desc=v), "int bytes list dict dir",
     "progress(): desc must be the bar's text (a string) or None, got "),
    # filter_table: AttributeError/TypeError from pandas and dict(), a KeyError and ValueErrors of its own
    ("filter_table", "df", lambda v, c: _notebook("filter_table")(v), "none int bytes list dict dir empty",
     "filter_table(): df must be a pandas DataFrame, got "),
    ("filter_table", "filters", lambda v, c: _notebook("filter_table")(_frame(), filters=v), "none int bytes dir",
     "filter_table(): filters must be a list of column names or a mapping of column to filter kind"),
    ("filter_table", "filters", lambda v, c: _notebook("filter_table")(_frame(), filters=v), "empty",
     "filter_table: no column '' (columns: a)"),
    ("filter_table", "default", lambda v, c: _notebook("filter_table")(_frame(), default=v), "int bytes list dir",
     "filter_table(): default must be a mapping of column to initial value, or None, got "),
    ("filter_table", "max_rows", lambda v, c: _notebook("filter_table")(_frame(), max_rows=v), "none bytes empty",
     "filter_table: max_rows must be a whole number of rows, 1 or more"),
    # aws: checked before any AWS call (the model's endpoint above would not answer): a dict aws failed with
    # "'dict' object has no attribute 'calls'", state_path=5 inside pathlib, node_configs=5 was a plain ValueError
    ("plan", "aws", lambda v, c: _aws("plan")(c["model"], aws=v), "int bytes list dict dir empty",
     "plan(): aws must be an Aws from lokonb.aws.open_aws(config), or None, got "),
    ("plan", "state_path", lambda v, c: _aws("plan")(c["model"], state_path=v), "int bytes list dict dir empty",
     "plan(): state_path must be the path of a state file (str or Path), or None, got "),
    ("plan", "node_configs", lambda v, c: _aws("plan")(c["model"], node_configs=v), "int bytes list dir",
     "plan(): node_configs must be None, 'render', 'minimal', NodeConfigs or a mapping of role to Ignition config"),
    ("plan", "node_configs", lambda v, c: _aws("plan")(c["model"], node_configs=v), "empty",
     "plan(): node_configs '' is not one of None, 'render', 'minimal'"),
    ("apply", "state_path", lambda v, c: _aws("apply")(c["model"], state_path=v), "int dir",
     "apply(): state_path must be the path of a state file"),
    ("apply", "node_configs", lambda v, c: _aws("apply")(c["model"], node_configs=v), "int list",
     "apply(): node_configs must be None, 'render', 'minimal'"),
    ("destroy", "state_path", lambda v, c: _aws("destroy")(c["model"], state_path=v), "int list",
     "destroy(): state_path must be the path of a state file"),
    ("destroy_plan", "aws", lambda v, c: _aws("destroy_plan")(c["model"], aws=v), "int dict empty",
     "destroy_plan(): aws must be an Aws from lokonb.aws.open_aws(config), or None, got "),
    # state_path=[1]: no error at all; the call hung on the unreachable endpoint
    ("destroy_plan", "state_path", lambda v, c: _aws("destroy_plan")(c["model"], state_path=v), "int list dict",
     "destroy_plan(): state_path must be the path of a state file (str or Path), or None, got "),
    ("verify", "aws", lambda v, c: _aws("verify")(c["model"], aws=v), "int dict",
     "verify(): aws must be an Aws from lokonb.aws.open_aws(config), or None, got "),
    ("verify", "node_configs", lambda v, c: _aws("verify")(c["model"], node_configs=v), "int bytes dir",
     "verify(): node_configs must be None, 'render', 'minimal'"),
    ("break_lock", "state_path", lambda v, c: _aws("break_lock")(c["model"], "id", state_path=v),
     "int bytes list dict dir", "break_lock(): state_path must be the path of a state file (str or Path)"),
    ("wait_for_nodes", "result", lambda v, c: _aws("wait_for_nodes")(v), "int bytes list dict dir empty",
     "wait_for_nodes(): result must be the ApplyResult of lokonb.aws.apply, or None, got "),
    ("wait_for_nodes", "config", lambda v, c: _aws("wait_for_nodes")(config=v, kubeconfig="k"),
     "int bytes list dict dir empty", "wait_for_nodes(): expected a cluster model"),
    ("wait_for_nodes", "kubeconfig", lambda v, c: _aws("wait_for_nodes")(config=c["model"], kubeconfig=v),
     "int bytes list dict dir", "wait_for_nodes(): kubeconfig must be the path of a kubeconfig file"),
    # assets: pathlib's TypeError; a path as config: "'str' object has no attribute 'cluster_domain_suffix'"
    ("check_dir", "directory", lambda v, c: _assets_check_dir()(v), "none int bytes list dict",
     "check_dir(): directory must be an asset directory path (str or Path), got "),
    ("check_dir", "config", lambda v, c: _assets_check_dir()(c["tmp"], config=v), "int bytes list dict dir empty",
     "check_dir(): expected a cluster model"),
    # kube: "object is not iterable", pathlib TypeErrors, "'str' object has no attribute 'namespaces'"
    ("render_block_policy", "blocked_cidrs", lambda v, c: _kube("metadata", "render_block_policy")(v),
     "none int bytes dir", "blocked_cidrs: must be a CIDR or a list of CIDRs (e.g. ['169.254.169.254/32']), got "),
    ("render_policies", "blocked_cidrs", lambda v, c: _kube("workflow", "render_policies")(v), "none int dir",
     "blocked_cidrs: must be a CIDR or a list of CIDRs"),
    ("audit_inventory", "inv", lambda v, c: _kube("audit", "audit_inventory")(v), "none int bytes list dict dir empty",
     "audit_inventory(): inv must be an Inventory (from load_dump() or load_cluster()"),
    ("audit_metadata_access", "source", lambda v, c: _kube("audit", "audit_metadata_access")(v), "bytes",
     "audit_metadata_access(): source must be an Inventory or a manifest dump path (or a list of paths), got "),
    ("audit_metadata_access", "source", lambda v, c: _kube("audit", "audit_metadata_access")(v), "list",
     "load_dump(): path must be a manifest dump file or directory (str or Path), or a list of them, got int in"),
    ("load_dump", "path", lambda v, c: _kube("sources", "load_dump")(v), "none int bytes dict",
     "load_dump(): path must be a manifest dump file or directory (str or Path), or a list of them, got "),
    ("apply_policies", "objects", lambda v, c: _kube("apply", "apply_policies")(v, dry_run=True),
     "none int bytes dir empty", "objects: must be a list of rendered policy objects (dicts), got "),
    ("apply_policies", "objects", lambda v, c: _kube("apply", "apply_policies")([v], dry_run=True), "none int list",
     "objects[0]: must be a rendered policy object (a dict), got "),
    ("apply_policies", "kubeconfig", lambda v, c: _kube("apply", "apply_policies")([], kubeconfig=v, dry_run=True),
     "int bytes list dict", "kubeconfig must be the path of a kubeconfig file (str or Path), 'in-cluster' or None"),
    ("audit_source", "source", lambda v, c: _kube("workflow", "audit_source")(v), "none int bytes list dict",
     "source: must be 'sample', 'live' or a manifest dump path (str or Path), got "),
    ("audit_step", "source", lambda v, c: _kube("workflow", "audit_step")("audit", v), "int list",
     "source: must be 'sample', 'live' or a manifest dump path (str or Path), got "),
    # config.load of a .lokocfg ignored extra_keys of any kind without a word (read_yaml refused them)
    ("load", "extra_keys", lambda v, c: _config_load()(DEMO, extra_keys=v), "int bytes list dict dir",
     "extra_keys must be a list of top-level key names (such as ['action', 'confirm']), got "),
]

CASES = [(f"{fn}-{arg}-{kind}", call, KINDS[kind], fragment)
         for fn, arg, call, kinds, fragment in TABLE for kind in kinds.split()]


@pytest.mark.parametrize(("call", "value", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_kind_is_named(tmp_path: Path, call: Callable[[Any, dict[str, Any]], Any], value: Any,
                             fragment: str) -> None:
    ctx = {"tmp": tmp_path, "model": _model(tmp_path)}
    if value is DIR:
        value = tmp_path
    with pytest.raises(LokonbError) as info:
        call(value, ctx)
    message = str(info.value)
    assert fragment in message, message
    if fragment.endswith("got ") and "extra_keys" not in fragment:  # the kind follows, as the shared helper names it
        assert f"got {kind_name(value)}" in message, message


@pytest.mark.parametrize(("value", "python", "document"), [
    (None, "None", "null"), (True, "bool", "a boolean"), (5, "int", "a number"), (1.5, "float", "a number"),
    ("x", "str", "a string"), (b"x", "bytes", "bytes"), ([1], "list", "a list"), ((1,), "tuple", "a list"),
    ({"a": 1}, "dict", "a map"),
], ids=["none", "bool", "int", "float", "str", "bytes", "list", "tuple", "dict"])
def test_kind_name(value: Any, python: str, document: str) -> None:
    # one wording for argument kinds (Python names) and document values (YAML/HCL/JSON names), shared by every package
    assert kind_name(value) == python
    assert kind_name(value, document=True) == document


def test_kind_name_directory(tmp_path: Path) -> None:
    assert kind_name(tmp_path) == "a directory path"
    assert kind_name(tmp_path / "missing") == "PosixPath"


def test_load_or_generate_empty_asset_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lokonb.assets import load_or_generate
    from lokonb.assets.errors import AssetModelError

    # "" is the current folder to pathlib: the CA keys were written to ./cluster-assets without a word
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssetModelError, match=r"load_or_generate\(\): asset_dir is empty"):
        load_or_generate(_model(tmp_path), asset_dir="")
    assert not (tmp_path / "cluster-assets").exists()
