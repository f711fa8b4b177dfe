"""ct translation rules (flatcar.md §4, §13.4–13.10), table-driven with inline fixtures."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

import pytest

from lokonb.flatcar.clc import parse_size_mib, translate_clc
from lokonb.flatcar.gojson import dumps


def _file(text: str, **kw):
    t = translate_clc(text, **kw)
    assert t.config is not None, t.format_report()
    return t, t.config["storage"]["files"][0]


@pytest.mark.parametrize("mode, expected", [("0644", 420), ("0o644", 420), ("420", 420), ("0x1A4", 420)])
def test_int_modes(mode: str, expected: int) -> None:
    _, f = _file(f"storage:\n  files:\n    - path: /a\n      mode: {mode}\n")
    assert f["mode"] == expected


def test_quoted_mode_is_a_type_error_on_its_line() -> None:
    t = translate_clc('storage:\n  files:\n    - path: /a\n      mode: "0644"\n')
    assert t.config is None
    [e] = t.errors
    assert e.line == 4 and "cannot unmarshal !!str `0644` into int" in e.message


@pytest.mark.parametrize(
    "inline, source",
    [
        ("yes", "data:,yes"),
        ("0644", "data:,0644"),
        ("1.50", "data:,1.50"),
        ("0x1F", "data:,0x1F"),
        ("~", "data:,"),
        ('"hello world\\n#%?/é"', "data:,hello%20world%0A%23%25%3F%2F%C3%A9"),
    ],
)
def test_inline_strings_verbatim(inline: str, source: str) -> None:
    _, f = _file(
        f"storage:\n  files:\n    - path: /a\n      mode: 0644\n      contents:\n        inline: {inline}\n"
    )
    assert f["contents"]["source"] == source


@pytest.mark.parametrize(
    "word, value", [("yes", True), ("on", True), ("True", True), ("no", False), ("OFF", False)]
)
def test_bool_words(word: str, value: bool) -> None:
    t = translate_clc(f"systemd:\n  units:\n    - name: a.service\n      enabled: {word}\n")
    assert t.config["systemd"]["units"][0]["enabled"] is value


def test_mode_defaults_and_warnings() -> None:
    t = translate_clc("storage:\n  files:\n    - path: /a\n  directories:\n    - path: /d\n")
    assert t.config["storage"]["files"][0]["mode"] == 0o644
    assert t.config["storage"]["directories"][0]["mode"] == 0o755
    msgs = [(e.kind, e.message, e.line, e.column) for e in t.report]
    assert ("warning", "mode unspecified for file, defaulting to 0644", 3, 7) in msgs
    assert ("warning", "mode unspecified for directory, defaulting to 0755", 5, 7) in msgs


def test_duplicate_key_error_names_line() -> None:
    t = translate_clc("storage:\n  files:\n    - path: /a\n      path: /b\n")
    assert t.config is None
    assert 'line 4: mapping key "path" already defined at line 3' in t.errors[0].message


def test_missing_colon_reports_line_4() -> None:
    t = translate_clc("storage:\n  files:\n    - path: /a\n      mode 0644\n      contents: {}\n")
    assert t.config is None and t.errors[0].line == 4
    assert t.note == "Failed to parse config"


def test_unknown_key_and_did_you_mean_and_strict() -> None:
    text = "foo: 1\nstorage:\n  files:\n    - Path: /a\n      path: /a\n      mode: 0644\n"
    t = translate_clc(text)
    assert [(e.kind, e.message, e.line, e.column) for e in t.report] == [
        ("warning", "Config has unrecognized key: foo", 1, 1),
        ("warning", "Config has unrecognized key: Path", 4, 7),
        ("info", "Did you mean path instead of Path", 4, 7),
    ]
    assert t.config is not None
    assert translate_clc(text, strict=True).config is None


@pytest.mark.parametrize(
    "text, needle",
    [
        ("systemd:\n  units: {}\n", "cannot unmarshal !!map into []types.SystemdUnit"),
        (
            "passwd:\n  users:\n    - name: a\n      ssh_authorized_keys: key1\n",
            "cannot unmarshal !!str `key1` into []string",
        ),
        ("- a\n", "cannot unmarshal !!seq into types.Config"),
    ],
)
def test_wrong_types(text: str, needle: str) -> None:
    t = translate_clc(text)
    assert t.config is None and needle in t.errors[0].message and t.errors[0].line is not None


def test_version_must_be_zero() -> None:
    assert translate_clc("version: 0\n").config is not None
    t = translate_clc("version: 1\n")
    assert t.errors[0].message == "Invalid version. Only version 0 is supported"


def _dropin(cfg: dict, unit: str) -> str:
    return next(u for u in cfg["systemd"]["units"] if u["name"] == unit)["dropins"][0]["contents"]


def test_etcd_default_set_order_bool_false_and_quoting() -> None:
    t = translate_clc('etcd:\n  name: "a\\"b\\nc"\n  enable_v2: false\n  data_dir: /d\n')
    text = _dropin(t.config, "etcd-member.service")
    assert text == (
        "[Service]\nExecStart=\nExecStart=/usr/lib/coreos/etcd-wrapper $ETCD_OPTS \\\n"
        '  --name="a\\"b\\nc" \\\n  --data-dir="/d" \\\n  --enable-v2=false'
    )


def test_etcd_versions() -> None:
    assert "too old" in translate_clc('etcd:\n  version: "2.2.0"\n').errors[0].message
    assert "too new" in translate_clc('etcd:\n  version: "4.0.0"\n').errors[0].message
    t = translate_clc('etcd:\n  version: "3.6.0"\n  name: x\n')
    assert t.config is not None and "minor version" in t.warnings[0].message
    t = translate_clc('etcd:\n  version: "3.0.0"\n  unsafe_no_fsync: true\n')
    assert t.warnings[0].message == "Config has unrecognized key: unsafe_no_fsync"


def test_flannel_iface_docker_empty_update_without_group() -> None:
    t = translate_clc("flannel:\n  interface: eth0\ndocker: {}\nupdate:\n  server: https://u.example/\n")
    assert '--iface="eth0"' in _dropin(t.config, "flanneld.service")
    assert _dropin(t.config, "docker.service") == '[Service]\nEnvironment="DOCKER_OPTS="'
    src = t.config["storage"]["files"][0]["contents"]["source"]
    assert unquote_to_bytes(src[len("data:,") :]).decode().startswith("\nSERVER=https://u.example/")
    assert [u["name"] for u in t.config["systemd"]["units"]] == ["docker.service", "flanneld.service"]


def test_null_section_emits_nothing() -> None:
    assert translate_clc("etcd:\n").config["systemd"] == {}


def test_platforms() -> None:
    t = translate_clc("{}", platform="openstack-metadata")
    assert [u["name"] for u in t.config["systemd"]["units"]] == [
        "coreos-metadata.service",
        "coreos-metadata-sshkeys@.service",
    ]
    assert (
        translate_clc("etcd:\n  name: '{HOSTNAME}'\n").errors[0].message
        == "platform must be specified to use templating"
    )
    assert (
        translate_clc("etcd:\n  name: '{PRIVATE_IPV6}'\n", platform="ec2").errors[0].message
        == "unknown field"
    )
    assert translate_clc("{}", platform="aws").errors[0].message == "unsupported platform"
    assert translate_clc("{}", platform="ec2").config["systemd"] == {}


@pytest.mark.parametrize("size, expected", [("1GB512MB", 1536), ("0", 0), ("1.5GiB", 1536), ("2MB", 2)])
def test_sizes(size: str, expected: int) -> None:
    assert parse_size_mib(size) == expected


@pytest.mark.parametrize(
    "size, message",
    [
        ("100", "units: unknown unit  in 100"),
        ("512KiB", "invalid dimension (finest granularity is 1MiB)"),
        ("-100MB", 'invalid dimension (negative): "-100MB"'),
    ],
)
def test_bad_sizes(size: str, message: str) -> None:
    t = translate_clc(
        f"storage:\n  disks:\n    - device: /dev/sda\n      partitions:\n        - size: {size}\n"
    )
    assert t.config is None and t.errors[0].message == message and t.errors[0].line == 5


def test_type_guid_alias_and_disk_order() -> None:
    t = translate_clc(
        "storage:\n  disks:\n    - device: /dev/sda\n      wipe_table: true\n      partitions:\n"
        "        - label: x\n          size: 1GiB\n          type_guid: swap_partition\n"
    )
    assert dumps(t.config["storage"]["disks"]) == (
        '[{"device":"/dev/sda","partitions":[{"label":"x","sizeMiB":1024,'
        '"typeGuid":"0657fd6d-a4ab-43c4-84e5-0933c84b4f4f"}],'
        '"wipeTable":true}]'
    )


def test_remote_url_normalisation_and_only_one_source() -> None:
    _, f = _file(
        "storage:\n  files:\n    - path: /a\n      mode: 0644\n      contents:\n        remote:\n"
        "          url: 'http://example.com/a b/ä?x=1 2&y=%41#frag'\n"
    )
    assert f["contents"]["source"] == "http://example.com/a%20b/%C3%A4?x=1 2&y=%41#frag"
    t = translate_clc(
        "storage:\n  files:\n    - path: /a\n      contents:\n        inline: x\n        remote:\n"
        "          url: http://x/\n"
    )
    assert "only one of the following can be set: local, inline, remote.url" in [e.message for e in t.errors]


@pytest.mark.parametrize(
    ("url", "source"),
    [
        # Go keeps an escaped byte that is not UTF-8 as that byte (strings are bytes) and re-escapes the path
        ("http://e.com/a%DA b", "http://e.com/a%DA%20b"),
        ("http://e.com/%FF%FE/x y", "http://e.com/%FF%FE/x%20y"),
        ("http://e.com/%C3%A4 %DA#f%DA g", "http://e.com/%C3%A4%20%DA#f%DA%20g"),
    ],
)
def test_remote_url_with_escaped_non_utf8_bytes(url: str, source: str) -> None:
    _, f = _file(
        "storage:\n  files:\n    - path: /a\n      mode: 0644\n      contents:\n        remote:\n"
        f"          url: '{url}'\n"
    )
    assert f["contents"]["source"] == source


def test_local_files(tmp_path) -> None:
    (tmp_path / "f.txt").write_text("hi there\n")
    text = "storage:\n  files:\n    - path: /a\n      mode: 0644\n      contents:\n        local: {}\n"
    _, f = _file(text.format("f.txt"), files_dir=tmp_path)
    assert f["contents"]["source"] == "data:,hi%20there%0A"
    assert "--files-dir" in translate_clc(text.format("f.txt")).errors[0].message
    assert "traverses outside" in translate_clc(text.format("../x"), files_dir=tmp_path).errors[0].message


def test_users_create_conflict_and_empty_create() -> None:
    t = translate_clc("passwd:\n  users:\n    - name: a\n      uid: 1\n      create:\n        uid: 2\n")
    assert t.errors[0].message == "cannot use both the create object and the user-level uid field"


def test_go_json_escaping() -> None:
    t = translate_clc('systemd:\n  units:\n    - name: a.service\n      contents: "<&>\\u2028x\\b"\n')
    assert '"contents":"\\u003c\\u0026\\u003e\\u2028x\\u0008"' in dumps(t.config)


def test_unit_checks() -> None:
    t = translate_clc(
        "systemd:\n  units:\n    - name: foo.srvice\n    - name: a.service\n      enabled: true\n"
        "      contents: '[Service]'\n      dropins:\n        - name: x.cfg\n"
    )
    msgs = [e.message for e in t.report]
    assert "invalid systemd unit extension" in msgs and "invalid systemd drop-in extension" in msgs
    assert 'unit "a.service" is enabled, but has no install section so enable does nothing' in msgs


def test_etcd_deprecated_options_and_bad_version() -> None:
    t = translate_clc('etcd:\n  version: "3.2.0"\n  ca_file: /x\n')
    assert [(e.kind, e.message, e.line) for e in t.report] == [
        ("deprecated", "ca_file obsoleted by trusted_ca_file and client_cert_auth", 3)
    ]
    assert '--ca-file="/x"' in t.config["systemd"]["units"][0]["dropins"][0]["contents"]
    bad = translate_clc("etcd:\n  version: 3.3\n")
    assert bad.config is None and bad.format_report() == "error: 3.3 is not in dotted-tri format\n"


def test_yaml_merge_keys_and_first_document_only() -> None:
    t = translate_clc("x: &c\n  mode: 0600\nstorage:\n  files:\n    - <<: *c\n      path: /a\n---\nfoo: 1\n")
    assert t.config["storage"]["files"][0]["mode"] == 0o600
    # ct's unused-key check sees the mapping as written: '<<' is unrecognized (vector ct-yaml-merge-key)
    assert [e.message for e in t.report] == ["Config has unrecognized key: x", "Config has unrecognized key: <<"]


@pytest.mark.parametrize(
    "start, message",
    [
        ("mon 00:00", None),
        ("tue 23:59", None),
        ("1:00", None),
        ("mon00:00", "couldn't parse window start"),
        ("foo 00:00", "unknown day in window start"),
        ("mon 0000", "couldn't parse window start"),
        ("mon 24:00", "couldn't parse window start"),
    ],
)
def test_locksmith_window_start(start: str, message: str | None) -> None:
    t = translate_clc(f'locksmith:\n  window_start: "{start}"\n  window_length: 1h\n')
    assert [e.message for e in t.report] == ([message] if message else [])


def test_locksmith_start_without_length_skips_field_checks() -> None:
    t = translate_clc('locksmith:\n  reboot_strategy: bogus\n  window_start: "Sun 1:00"\n')
    assert [(e.message, e.line, e.column) for e in t.report] == [
        ("window-start and window-length must both be specified", 2, 3)
    ]


def test_flannel_pointer_fields_write_zero_values() -> None:
    # ct v0.9's Flannel0_x options are pointers (coreos ct flannel.go @387aea39, the ignition v2_3 era)
    t = translate_clc('flannel:\n  version: 0.7.1\n  kube_subnet_mgr: false\n  etcd_prefix: ""\n')
    text = t.config["systemd"]["units"][0]["dropins"][0]["contents"]
    assert text.endswith(' \\\n  --etcd-prefix="" \\\n  --kube-subnet-mgr=false')
