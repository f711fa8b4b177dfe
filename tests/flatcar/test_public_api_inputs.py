"""The public functions of lokonb.flatcar given the wrong kind of value (a notebook user passes a parsed dict, None
or an unknown spec): a LokonbError naming the function and what it expects, never an AttributeError from inside."""

from __future__ import annotations

import pytest

import lokonb.flatcar as flatcar
from lokonb.errors import ConfigError

CASES = [
    # (label, call, exception type, fragment)
    ("translate(None)", lambda: flatcar.translate(None), TypeError, "translate(): expected the document text"),
    ("translate(dict)", lambda: flatcar.translate({"storage": {}}), TypeError, "got dict"),
    ("translate(latin-1 bytes)", lambda: flatcar.translate("é".encode("latin-1")), ConfigError,
     "translate(): not UTF-8 text (byte 0)"),
    ("translate(target=9)", lambda: flatcar.translate("", target="9"), ValueError, "unsupported Ignition target"),
    ("detect_format(5)", lambda: flatcar.detect_format(5), TypeError, "detect_format(): expected the document text"),
    ("validate_config(str)", lambda: flatcar.validate_config("{}"), TypeError,
     "validate_config(): expected an Ignition config"),
    ("validate_config(spec 9.9.9)", lambda: flatcar.validate_config({"ignition": {"version": "9.9.9"}}),
     ValueError, "no schema for Ignition spec '9.9.9'"),
    ("render_cluster(dict)", lambda: flatcar.render_cluster({"cluster_name": "demo"}), TypeError,
     "render_cluster(): expected a cluster model"),
    ("translate(files_dir=5)", lambda: flatcar.translate("storage: {}\n", files_dir=5), TypeError,
     "translate(): files_dir must be a directory path"),
    ("diff_renders(None, None)", lambda: flatcar.diff_renders(None, None), TypeError,
     "diff_renders(): expected a ClusterRender or a saved render directory, got None"),
]


@pytest.mark.parametrize("label,call,kind,fragment", CASES, ids=[c[0] for c in CASES])
def test_wrong_input_kind(label, call, kind, fragment):
    with pytest.raises(ConfigError) as exc:
        call()
    assert isinstance(exc.value, kind) and fragment in str(exc.value)
    assert exc.value.exit_code == 2


def test_ignition_that_is_not_an_object_is_a_schema_finding():
    findings = flatcar.validate_config({"ignition": 5})
    assert [(f.path, f.message) for f in findings] == [("$.ignition", "5 is not of type 'object'")]


def test_text_and_bytes_still_translate():
    assert flatcar.translate("storage: {}\n").config == flatcar.translate(b"storage: {}\n").config


@pytest.mark.parametrize("config", [None, {"cluster_name": "demo"}, "cluster.yaml"])
def test_assets_need_a_cluster_model(tmp_path, config):
    from lokonb.assets import load_or_generate

    with pytest.raises(ConfigError, match=r"load_or_generate\(\): expected a cluster model"):
        load_or_generate(config, tmp_path)
    assert not list(tmp_path.iterdir())


GOOD_MANIFEST = '{"roles": {"worker-w": {"spec": "3.3.0"}}, "cluster_name": "d", "spec": "3.3.0"}'
GOOD_IGN = '{"ignition": {"version": "3.3.0"}}'
DAMAGED_RENDERS = [
    # (manifest.json, worker-w.ign or None when missing, fragment)
    ("[]", GOOD_IGN, "not a saved render (manifest.json has fields of the wrong type"),
    ('{"roles": {"worker-w": {}}, "cluster_name": "d", "spec": "3.3.0"}', GOOD_IGN,
     "not a saved render (manifest.json has no 'spec'"),
    (GOOD_MANIFEST, "garbage", "worker-w.ign: the saved config is not JSON"),
    (GOOD_MANIFEST, "[1]", "worker-w.ign: the saved config holds a list, not an Ignition object"),
    (GOOD_MANIFEST, None, "worker-w.ign: cannot read the saved config: No such file or directory"),
]


@pytest.mark.parametrize("manifest,ign,fragment", DAMAGED_RENDERS)
def test_damaged_saved_render(tmp_path, manifest, ign, fragment):
    from lokonb.flatcar.render import ClusterRender

    good, bad = tmp_path / "good", tmp_path / "bad"
    for d, m, i in ((good, GOOD_MANIFEST, GOOD_IGN), (bad, manifest, ign)):
        d.mkdir()
        (d / "manifest.json").write_text(m)
        if i is not None:
            (d / "worker-w.ign").write_text(i)
    assert list(ClusterRender.load(good).roles) == ["worker-w"]
    with pytest.raises(ConfigError, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        flatcar.diff_renders(good, bad)
