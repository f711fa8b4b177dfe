"""translate_clc warns when its 2.3.0 output would fail the spec 2.x → 3.x conversion of flatcar.md §6.3, which
Flatcar >= 3185 runs at boot (ct accepts these configs silently). Each case is valid for ct: the config is still
produced, with one warning per conversion error, positioned on the CLC source."""

from __future__ import annotations

import pytest

from lokonb.flatcar.clc import BOOT_CONVERSION_WARNING, translate_clc
from lokonb.flatcar.translator import translate

W = BOOT_CONVERSION_WARNING

# (name, CLC text, expected boot-conversion warnings as (line, column, JSON path, message))
WARN = [
    (
        "file and link at one path",
        "storage:\n  files:\n    - path: /etc/x\n      mode: 0644\n  links:\n    - path: /etc/x\n      target: /y\n",
        [(6, 13, "$.storage.links.0.path", "Config has conflicting inodes: $.storage.files.0 and $.storage.links.0")],
    ),
    (
        "networkd unit over a storage file",
        "networkd:\n  units:\n    - name: 10-eth.network\n      contents: \"[Match]\\n\"\nstorage:\n  files:\n"
        "    - path: /etc/systemd/network/10-eth.network\n      mode: 0644\n",
        [(3, 7, "$.networkd.units.0", "Config has conflicting inodes: $.storage.files.0 and $.networkd.units.0")],
    ),
    (
        "path through a link of the same config",
        "storage:\n  links:\n    - path: /opt/l\n      target: /srv\n  files:\n    - path: /opt/l/x\n"
        "      mode: 0644\n",
        [(6, 13, "$.storage.files.0.path", "path /opt/l/x traverses link /opt/l defined in the same config")],
    ),
    (
        "duplicate user",
        "passwd:\n  users:\n    - name: ops\n    - name: ops\n      groups: [docker]\n",
        [(4, 13, "$.passwd.users.1.name", "duplicate entry defined")],
    ),
    (
        "duplicate group",
        "passwd:\n  groups:\n    - name: ops\n    - name: ops\n      gid: 1001\n",
        [(4, 13, "$.passwd.groups.1.name", "duplicate entry defined")],
    ),
    (
        "duplicate disk",
        "storage:\n  disks:\n    - device: /dev/sdb\n    - device: /dev/sdb\n      wipe_table: true\n",
        [(4, 15, "$.storage.disks.1.device", "duplicate entry defined")],
    ),
    (
        "duplicate raid",
        "storage:\n  raid:\n    - name: md0\n      level: raid1\n      devices: [/dev/sdb, /dev/sdc]\n"
        "    - name: md0\n      level: raid0\n      devices: [/dev/sdd, /dev/sde]\n",
        [(6, 13, "$.storage.raid.1.name", "duplicate entry defined")],
    ),
    (
        "duplicate filesystem device",
        "storage:\n  filesystems:\n    - name: a\n      mount:\n        device: /dev/sdb\n        format: ext4\n"
        "    - name: b\n      mount:\n        device: /dev/sdb\n        format: xfs\n",
        [
            (
                9,
                17,
                "$.storage.filesystems.1.mount.device",
                "duplicate filesystem device /dev/sdb (also $.storage.filesystems.0)",
            )
        ],
    ),
    (
        "mount.create without force",
        "storage:\n  filesystems:\n    - name: data\n      mount:\n        device: /dev/sdb\n        format: ext4\n"
        "        create:\n          options: [-L, DATA]\n",
        [
            (
                8,
                11,
                "$.storage.filesystems.0.mount.create",
                "Config must force filesystem creation in case mount.create object is defined.",
            )
        ],
    ),
    (
        "file on a filesystem without a path",
        "storage:\n  filesystems:\n    - name: data\n      mount:\n        device: /dev/sdb\n        format: ext4\n"
        "  files:\n    - path: /x\n      filesystem: data\n      mode: 0644\n",
        [(9, 19, "$.storage.files.0.filesystem", 'filesystem "data" has no path')],
    ),
    (
        "duplicate drop-in in one unit",
        "systemd:\n  units:\n    - name: a.service\n      dropins:\n        - name: x.conf\n"
        "          contents: \"[Service]\\n\"\n        - name: x.conf\n          contents: \"[Unit]\\n\"\n",
        [(5, 9, "$.systemd.units.0.dropins", "duplicate drop-in name in one unit")],
    ),
    (
        # ct's docker.service comes first in the output; the position is still the user's unit
        "user drop-in named like ct's docker drop-in",
        "docker:\n  flags: [--debug]\nsystemd:\n  units:\n    - name: docker.service\n      dropins:\n"
        "        - name: 20-clct-docker.conf\n          contents: \"[Service]\\n\"\n",
        [(7, 9, "$.systemd.units.1.dropins", "duplicate drop-in 20-clct-docker.conf in unit docker.service")],
    ),
    (
        "two problems, two warnings",
        "passwd:\n  users:\n    - name: a\n    - name: a\n  groups:\n    - name: g\n    - name: g\n",
        [
            (4, 13, "$.passwd.users.1.name", "duplicate entry defined"),
            (7, 13, "$.passwd.groups.1.name", "duplicate entry defined"),
        ],
    ),
]

# Valid for ct and for the boot conversion: no warning at all
NO_WARN = [
    ("empty file list", "storage:\n  files: []\n"),
    ("plain file", "storage:\n  files:\n    - path: /etc/motd\n      mode: 0644\n      contents:\n        inline: hi\n"
     ),
    ("explicit root filesystem", "storage:\n  files:\n    - path: /x\n      filesystem: root\n      mode: 0644\n"),
    (
        "filesystem with its own path",
        "storage:\n  filesystems:\n    - name: data\n      path: /var/data\n  files:\n    - path: /x\n"
        "      filesystem: data\n      mode: 0644\n",
    ),
    (
        "mount.create with force",
        "storage:\n  filesystems:\n    - name: data\n      mount:\n        device: /dev/sdb\n        format: ext4\n"
        "        create:\n          force: true\n",
    ),
    ("link next to a file with a longer name", "storage:\n  links:\n    - path: /opt/l\n      target: /srv\n  files:\n"
     "    - path: /opt/lx\n      mode: 0644\n"),
    (
        # units of one name are merged by the conversion (§6.3), only clashing drop-in names fail
        "one unit named twice",
        "systemd:\n  units:\n    - name: a.service\n      enabled: true\n"
        "      contents: \"[Service]\\nExecStart=/bin/true\\n[Install]\\nWantedBy=multi-user.target\\n\"\n"
        "    - name: a.service\n      dropins:\n        - name: x.conf\n          contents: \"[Service]\\n\"\n",
    ),
    (
        "docker section plus a user drop-in for docker.service",
        "docker:\n  flags: [--debug]\nsystemd:\n  units:\n    - name: docker.service\n      dropins:\n"
        "        - name: 10-mine.conf\n          contents: \"[Service]\\n\"\n",
    ),
]


def _boot(report) -> list[tuple[int | None, int | None, str | None, str]]:  # type: ignore[no-untyped-def]
    return [
        (e.line, e.column, e.path, e.message[len(W) :])
        for e in report
        if e.kind == "warning" and e.message.startswith(W)
    ]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in WARN], ids=[c[0] for c in WARN])
def test_warns_when_the_boot_conversion_would_fail(text: str, expected: list[tuple[int, int, str, str]]) -> None:
    t = translate_clc(text, platform="ec2")
    assert t.config is not None and t.config["ignition"]["version"] == "2.3.0"  # still ct's output
    assert not t.errors
    assert _boot(t.report) == expected


@pytest.mark.parametrize("text", [c[1] for c in NO_WARN], ids=[c[0] for c in NO_WARN])
def test_no_warning_when_the_boot_conversion_succeeds(text: str) -> None:
    t = translate_clc(text, platform="ec2")
    assert t.config is not None
    assert _boot(t.report) == []


def test_strict_fails_on_the_warning() -> None:
    text = WARN[0][1]
    assert translate_clc(text, strict=True).config is None
    assert translate_clc(NO_WARN[1][1], strict=True).config is not None


def test_translate_reports_each_problem_once() -> None:
    text = WARN[0][1]
    # 2.3.0 target: the warning once (translate runs the same check, with the model's filesystem paths)
    t = translate(text, target="2.3.0")
    assert t.config is not None and len(_boot(t.report)) == 1
    # 3.x target: the conversion runs at render time and fails with errors, without the warning as well
    t = translate(text, target="3.3.0")
    assert t.config is None and _boot(t.report) == []
    assert [e.message for e in t.errors] == [WARN[0][2][0][3]]
