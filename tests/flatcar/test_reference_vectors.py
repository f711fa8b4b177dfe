"""Reference-tool vectors (ct and Butane tests/docs, transcribed as data in vectors/*.yaml; each file names its source).

`FIXES` lists the vectors that failed before the fix they came with; the rest guard behaviour that already matched.
ct vectors compare the whole 2.3.0 config and the report; Butane vectors compare the config with data URLs decoded
(gzip bytes differ between Go and Python zlib, flatcar.md §5) plus the encoding choice, and run ignition-validate.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import os
import socket
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml

from lokonb.flatcar.butane import translate_butane
from lokonb.flatcar.clc import BOOT_CONVERSION_WARNING, translate_clc
from lokonb.flatcar.gojson import to_json

VECTORS = Path(__file__).parent / "vectors"
NAMES = sorted(p.stem for p in VECTORS.glob("*.yaml"))
FIXES = [
    # ct: networkd units and drop-ins are checked by struct-level Validate() -> positioned at the mapping
    "ct-error-networkd-extension",
    "ct-error-networkd-content",
    "ct-derived-error-networkd-dropin",
    "ct-derived-error-systemd-dropin",
    # Butane 1.1.0 ssh_authorized_keys_local: no `sshAuthorizedKeys: []` for an empty key file; no files dir -> one
    # error on the list
    "bu11-ssh-keys-local-empty-file",
    "bu11-error-ssh-keys-local-no-files-dir",
    # Butane: more than one of local/inline/source is reported on the last one in Butane's check order (source >
    # inline > local), not in YAML order; a tree without local is reported on the tree
    "bu-error-resource-inline-source",
    "bu-error-resource-local-source",
    "bu-error-resource-local-inline",
    "bu-error-resource-all-three",
    "bu-error-resource-source-inline-yaml-order",
    "bu-error-tree-no-local",
    # Ignition 3 validation as ignition-validate (and hence Butane): URL/data-URL parsing with Ignition's messages,
    # keyed-list duplicates at the entry path, Butane (snake_case) paths; ct: Go url.Parse host/port errors
    "bu-ignval-error-ca-dup",
    "bu-ignval-error-data-url-base64-char",
    "bu-ignval-error-data-url-base64-padding",
    "bu-ignval-error-data-url-escape",
    "bu-ignval-error-data-url-no-comma",
    "bu-ignval-error-data-url-quote",
    "bu-ignval-error-data-url-space",
    "bu-ignval-error-disks-dup",
    "bu-ignval-error-dropins-dup",
    "bu-ignval-error-files-dir-same-path",
    "bu-ignval-error-filesystems-dup",
    "bu-ignval-error-http-headers-dup",
    "bu-ignval-error-kargs-dup",
    "bu-ignval-error-luks-dup",
    "bu-ignval-error-merge-dup",
    "bu-ignval-error-no-proxy-dup",
    "bu-ignval-error-partitions",
    "bu-ignval-error-raid-dup",
    "bu-ignval-error-ssh-keys-dup",
    "bu-ignval-error-units-dup",
    "bu-ignval-error-url-bad-port",
    "bu-ignval-error-url-scheme",
    "bu-ignval-error-url-unparsable",
    "bu-ignval-error-user-groups-dup",
    "bu-ignval-error-users-dup",
    "ct-derived-error-url-host-bracket",
    "ct-derived-error-url-port",
    # ct: a null list entry's errors are positioned at the entry, not at 0:0
    "ct-derived-error-null-systemd-unit",
    "ct-derived-error-null-networkd-unit",
    # Ignition 3 validation in ignition-validate's order (node: path, mode, overwrite, group, user, append,
    # contents; resource: compression, source, HTTP headers, verification; duplicates in a final pass), HTTP
    # headers only with http(s) sources, and its warning for setuid/setgid/sticky modes before spec 3.4.0
    "bu-ignval-error-file-all-fields",
    "bu-ignval-error-dir-all-fields",
    "bu-ignval-error-link-all-fields",
    "bu11-ignval-error-file-all-fields",
    "bu11-ignval-error-dir-all-fields",
    "bu-ignval-warning-sticky-mode",
    "bu-ignval-error-order-file-fields",
    "bu-ignval-error-order-dup-pass",
    "bu-ignval-error-verification-without-source",
    # Ignition 3 field rules Butane reports through Ignition validation: LUKS, RAID, partitions, filesystem
    # labels/format/device, disks, proxies, merge/CA sources, header names, drop-in order, S3 versionId and ARNs,
    # sums checked by length only
    "bu-ignval-error-luks-fields",
    "bu-ignval-error-luks-no-device",
    "bu-ignval-error-raid-fields",
    "bu-ignval-error-partition-fields",
    "bu-ignval-error-filesystem-labels",
    "bu-ignval-error-filesystem-no-format",
    "bu-ignval-error-filesystem-no-device",
    "bu-ignval-error-disk-no-device",
    "bu-ignval-error-proxy",
    "bu-ignval-warning-proxy-plain-http",
    "bu-ignval-error-merge-sources",
    "bu-ignval-error-ca-sources",
    "bu-ignval-error-http-header-no-name",
    "bu-ignval-error-dropin-order",
    "bu-ignval-error-s3-version-id",
    "bu-ignval-hash-sum-not-hex",
    "bu11-ignval-error-arn-format",
    # Butane: an inline merge/replace config is parsed with the types of the emitted spec, so any other version
    # (3.2.0 under flatcar 1.0.0, 3.3.0 under 1.1.0) is unknown; the warning is on <resource>.version
    "bu-warning-merge-inline-unknown-version",
    "bu-warning-replace-inline-older-version",
    "bu11-warning-merge-inline-3_3-config",
    # Ignition 3 Disk.Validate before the partitions' own checks: first number collision only, should_exist false
    # beside a number-0 entry, first label collision only (also for number-0 entries); nothing after a missing
    # device; a partition needs a number or a label; LUKS names without slashes
    "bu-ignval-error-disk-check-order",
    "bu-ignval-error-disk-no-device-skips-collisions",
    "bu-ignval-error-partition-first-collision-only",
    "bu-ignval-error-partition-label-twice",
    "bu-ignval-error-should-not-exist-beside-number-0",
    "bu-ignval-error-partition-no-number-no-label",
    "bu-ignval-error-luks-name-slash",
    "bu-ignval-error-luks-check-order",
    # ct: EtcdVersion/FlannelVersion.Validate run on the version field -> positioned at its value, not the section
    "ct-error-etcd-too-old",
    "ct-error-etcd-major-too-new",
    "ct-error-flannel-too-old",
    # Butane names mount units with go-systemd's UnitNamePathEscape: `\x%x`, so a tab is \x9, not \x09
    "bu-mount-unit-name-escaping",
    # ct: Ignition 2.x checks of the output as its Go code runs them: label lengths in bytes, a case-sensitive RAID
    # level, the create-conflict errors in PasswdUser.Validate's order
    "ct-ignval2-error-label-bytes",
    "ct-ignval2-error-raid-level-case",
    "ct-ignval2-error-create-conflicts-order",
    # ct: Ignition 2.x filesystem checks as filesystem.go runs them: struct-level at the filesystem (wipe before
    # options, then the warning; an error stops the descent), the format at the mount mapping, device before label,
    # and ValidatePath's message naming the filesystem
    "ct-ignval2-error-filesystem-create-conflicts",
    "ct-ignval2-error-filesystem-path-relative",
    "ct-ignval2-error-filesystem-format-stops-mount",
    "ct-ignval2-error-mount-device-then-label",
    "ct-ignval2-error-filesystem-mount-and-path",
    # ct: Disk.ValidatePartitions rejects two partitions with the same non-zero number (at the partitions list)
    "ct-ignval2-error-partition-numbers-collide",
    # ct: dynamic data as templating.PerformTemplating scans a flag: the field is everything between the first '{'
    # and the first '}' (any characters), and a '}' before the first '{' leaves the flag untouched
    "ct-template-close-brace-first",
    "ct-error-template-nested-braces",
    "ct-error-template-field-with-space",
    # ct: partition size/start: an empty string is no dimension; a size error drops the partition before start is read
    "ct-error-partition-size-before-start",
    "ct-partition-empty-dimensions",
    # yaml.v3 decoding (ct and Butane): an !!float into an int is truncated, quoted YAML 1.1 bool words are bools,
    # ct's *uint fields reject negatives, dates resolve to !!timestamp
    "ct-yaml-float-into-int",
    "ct-yaml-quoted-bool-words",
    "bu-yaml-quoted-bool-words",
    "ct-error-yaml-negative-uint",
    "ct-error-yaml-negative-create-uid",
    "ct-error-yaml-timestamp-into-int",
    # ct: unused keys are checked on the mapping as written (astyaml): a merge key '<<' is one, the keys it merges in
    # are not reported again
    "ct-yaml-merge-key",
    "ct-yaml-merge-unknown-key-once",
    # ct: nothing below an alias or a merged-in field has a node of its own, so no unused-key check runs there
    "ct-yaml-alias-keys-unchecked",
    "ct-yaml-merge-nested-keys-unchecked",
    # unit contents through go-systemd's lexer (Ignition 2 and 3): an option needs '=' (EOF inside its name is the
    # error "EOF"), the [Install] check wants an option in that section, not a header; Ignition 3 quotes the garbage
    "bu-ignval-warning-install-header-without-options",
    "bu-ignval-error-unit-option-without-equals",
    "bu-ignval-error-unit-option-name-at-eof",
    "bu-ignval-error-unit-garbage-after-section",
    "bu-ignval-unit-lexer-forms",
    "bu-ignval-error-dropin-option-without-equals",
    "ct-ignval2-error-unit-option-without-equals",
    "ct-ignval2-warning-install-header-without-options",
    # ct contents.local: ioutil.ReadFile(path.Join(files_dir, local)) -- the cleaned path in the OS error, a
    # directory fails on read, an absolute local is under files_dir
    "ct-derived-error-local-is-directory",
    "ct-derived-error-local-path-cleaned",
    "ct-derived-local-absolute",
    # yaml.v3 (ct and Butane): an explicit !!str tag makes a plain scalar a string, as quoting does
    "ct-error-yaml-explicit-str-into-int",
    "ct-yaml-explicit-str-scalars",
    "bu-error-yaml-explicit-str-into-int",
    # Ignition 3 Storage.Validate as ignition-validate runs it: paths under any link of the config (hard ones too,
    # a plain '<path>/' prefix, one error per link) for directories, then files, then links; per link the missing
    # target, then a hard link naming a directory of the config (target cleaned, a relative one joined to the link)
    "bu-ignval-error-directory-before-file-under-link",
    "bu-ignval-error-file-under-hard-link",
    "bu-ignval-error-file-under-link-before-link-target",
    "bu-ignval-error-file-under-two-links",
    "bu-ignval-error-hard-link-relative-target-joined",
    "bu-ignval-error-hard-link-target-cleaned",
    "bu-ignval-error-hard-link-to-directory",
    "bu-ignval-error-hard-link-to-directory-before-owner",
    "bu-ignval-error-hard-link-to-directory-listed-twice",
    "bu-ignval-error-hard-link-to-directory-under-link",
    "bu-ignval-error-link-path-trailing-slash",
    "bu-ignval-error-link-under-hard-link",
    "bu-ignval-error-link-under-link-then-no-target",
    "bu11-ignval-error-hard-link-to-directory",
    # Ignition 3 HTTP headers: an empty value is 'unable to parse HTTP header'; headers without a (non-empty,
    # parsable) source are 'unable to parse url', not a wrong scheme
    "bu-ignval-error-http-header-name-and-value-empty",
    "bu-ignval-error-http-header-value-empty",
    "bu-ignval-error-http-header-value-empty-merge",
    "bu-ignval-error-http-headers-empty-source",
    "bu-ignval-error-http-headers-no-source",
    "bu-ignval-error-http-headers-no-source-append",
    "bu-ignval-error-http-headers-no-source-ca",
    "bu-ignval-error-http-headers-no-source-luks-key-file",
    "bu-ignval-error-http-headers-no-source-merge",
    "bu-ignval-error-http-headers-no-source-replace",
    "bu-ignval-error-http-headers-unparsable-source",
    "bu11-ignval-error-http-headers-no-source",
    # Ignition 3 nil checks: an empty hash is still checked (malformed); source "" is a source for verification
    # and overwrite
    "bu-ignval-error-hash-empty",
    "bu-ignval-error-hash-empty-append",
    "bu-ignval-error-hash-empty-no-source",
    "bu-ignval-hash-with-empty-source",
    "bu-ignval-overwrite-empty-source",
    # Ignition 3's duplicate pass: per struct every keyed list first (field order), then its structs; an unset or
    # empty key is "" and collides; node paths are keys as written; headers of merge/replace/CA/key-file resources
    "bu-ignval-error-dup-empty-keys",
    "bu-ignval-error-dup-pass-order",
    "bu-ignval-error-node-path-key-as-written",
    # Ignition 3 field rules: a filesystem path must be fully simplified, an empty RAID device is 'path not
    # specified', an empty filesystem label needs no format, no enable warning after a contents error, verification
    # without a source before the HTTP header checks, Disk.partitionsOverlap
    "bu-ignval-error-filesystem-path-not-simplified",
    "bu-ignval-error-raid-device-empty",
    "bu-ignval-error-filesystem-label-empty-no-format",
    "bu-ignval-error-enabled-unit-unparsable-no-warning",
    "bu-ignval-error-verification-before-headers",
    "bu-ignval-error-partitions-overlap",
    # ct: Ignition 2.3's Config.Validate runs first on the output: a warning per file, then link, then directory
    # naming a filesystem the config does not define, then per filesystem redefining a name ("root" is predefined)
    "ct-ignval2-warning-file-nonexistent-filesystem",
    "ct-ignval2-warning-link-nonexistent-filesystem",
    "ct-ignval2-warning-directory-nonexistent-filesystem",
    "ct-ignval2-warning-nonexistent-filesystem-order",
    "ct-ignval2-warning-filesystem-shadows-root",
    "ct-ignval2-warning-filesystem-shadows-duplicate",
    "ct-ignval2-warning-nonexistent-filesystem-quoted",
    "ct-ignval2-error-strict-nonexistent-filesystem",
    "ct-ignval2-warning-nonexistent-filesystem-beside-error",
    "ct-ignval2-warning-shadow-before-create-warning",
    "ct-ignval2-warning-mode-before-nonexistent-filesystem",
    "ct-ignval2-warning-filesystem-shadows-empty-name",
    # ct: a group's password_hash is a plain string (omitempty in PasswdGroup), so "" is not written
    "ct-passwd-group-empty-password-hash",
    # ct: config and CA references keep source "" (no omitempty) and null entries (zero structs); CAs are not
    # URL-parsed while converting; reference URL errors are Ignition's bare messages (no `invalid url %q:` wrapper)
    "ct-config-replace-empty-source",
    "ct-config-append-null-and-empty-entries",
    "ct-security-ca-null-and-empty-entries",
    "ct-ignval2-error-ca-bad-scheme",
    "ct-ignval2-error-ca-unparsable",
    "ct-ignval2-error-append-bad-scheme",
    "ct-ignval2-error-replace-bad-scheme",
    "ct-ignval2-error-append-bad-data-url",
    # ct: a RAID array's devices are appended to a nil slice and `json:"devices"` has no omitempty: [] is null
    "ct-raid-empty-devices-null",
    # ct v0.9: flannel options are pointers ("", false written; etcdctl flags when set), network_config is
    # json.Unmarshal'd into a map (null ok, NaN not), (*Flannel).Validate runs first and stops the descent
    "ct-error-flannel-kube-before-json",
    "ct-error-flannel-kube-stops-descent",
    "ct-error-flannel-network-config-nan",
    "ct-flannel-0_7-zero-values-written",
    "ct-flannel-empty-endpoints-in-etcdctl",
    "ct-flannel-kube-false-with-network-config",
    "ct-flannel-network-config-null",
    # ct's parse-time walk: a fatal struct-level check (contents with two sources, locksmith with half a window)
    # stops the descent: nothing inside the mapping is reported, unknown keys included
    "ct-error-contents-two-sources-stops-descent",
    "ct-error-locksmith-window-stops-descent",
    # ct: Ignition 2.3 validation in its walk order (generated structs are alphabetical: Node's group, path, user;
    # then contents and mode; a unit's drop-ins before its name; RAID devices before the level) with fatal
    # struct-level checks (File.Validate, Networkdunit.Validate) stopping the descent; relative RAID devices
    "ct-ignval2-error-raid-relative-devices",
    "ct-ignval2-error-file-append-overwrite-stops",
    "ct-ignval2-error-file-check-order",
    "ct-ignval2-error-directory-check-order",
    "ct-ignval2-error-unit-dropin-before-name",
    "ct-ignval2-error-networkd-unit-stops-dropins",
    # ct: a partition's checks in Partition's (alphabetical) field order: guid, label, type_guid
    "ct-ignval2-error-partition-check-order",
    # Butane's ReadLocalFile: filepath.Join (cleaned, an absolute local stays under the files dir) and a lexical
    # traversal check (a symlink inside pointing outside is read); OS errors name the cleaned path
    "bu-file-local-absolute",
    "bu-file-local-symlink-leaves-files-dir",
    "bu11-file-local-symlink-leaves-files-dir",
    "bu11-dropin-contents-local-symlink-leaves-files-dir",
    "bu-error-file-local-path-cleaned",
    "bu-error-tree-missing-path-cleaned",
    "bu-tree-local-absolute",
    "bu11-ssh-keys-local-absolute",
    "bu11-error-ssh-keys-local-path-cleaned",
    "bu11-unit-contents-local-absolute",
    "bu11-error-unit-contents-local-path-cleaned",
    # Butane trees: no files dir stops at the first tree; the destination is path.Join'ed (cleaned); Ignition
    # findings on a tree's nodes are reported at the tree (walkTree's translations)
    "bu-error-tree-no-files-dir-first-only",
    "bu-tree-path-double-slash",
    "bu-error-tree-relative-path",
    # Butane: unit and drop-in contents_local '' is skipped (util.NotEmpty), no files dir needed
    "bu11-unit-contents-local-empty-string",
    "bu11-dropin-contents-local-empty-string",
    # Butane's stages (config/util Translate): source validation, translation, field filters; a stage with an
    # error ends the run, and the source stage's entries come first
    "bu-error-source-invalid-stops-translation",
    "bu-error-mount-unit-no-format-stops-translation",
    "bu-error-translation-before-field-filter",
    "bu-error-tree-no-local-stops-translation",
    "bu11-error-unit-both-sources-stops-translation",
    # Butane validates an inline merge/replace config (Resource.Validate) of the emitted spec as Ignition does, at
    # the child's own paths; a version that is not semver is an error, not a warning
    "bu-error-merge-inline-child-invalid",
    "bu-error-replace-inline-child-duplicate",
    "bu-warning-merge-inline-child-special-mode",
    "bu-error-merge-inline-no-version",
    "bu-error-replace-inline-version-not-semver",
    # ... and its last pass: 'Unused key' warnings on the embedded config, in Go struct order
    "bu-warning-merge-inline-child-unused-keys",
    "bu-error-replace-inline-child-error-and-unused-key",
    # Butane's source entries in validate.Validate's walk: a struct's own Validate before its fields, fields in Go
    # struct order (storage directories, disks, files, filesystems, links, luks, raid, trees; a file's append
    # before its contents), not in document order
    "bu-error-source-order-struct-walk",
    "bu-error-source-order-append-before-contents",
    "bu-error-source-order-files-before-filesystems",
    "bu-warning-source-order-directories-before-files",
    # ... and the unused-key pass before it walks the same way (bu-warning-unused-1_1-keys-in-1_0 expected document
    # order, a derivation; Butane reports passwd before systemd)
    "bu-warning-unused-keys-struct-order",
    "bu-warning-unused-keys-ignition-before-passwd",
    "bu-warning-unused-1_1-keys-in-1_0",
    # Butane trees: filepath.Walk Lstats the root, so a symlink root is one link at the destination itself
    "bu-tree-root-symlink",
    "bu-tree-root-symlink-with-path",
    # Butane's field filter reports clevis only when FieldFilters.isEmpty is false: {} and empty lists pass
    "bu-luks-clevis-empty-not-filtered",
    "bu11-luks-clevis-empty-lists-not-filtered",
    # Butane merges the config into its mount units with Ignition's merge: only the last user unit of a generated
    # name is merged, the others vanish; user units after the mount units are reported at their own index
    "bu-mount-unit-user-duplicates-collapse",
    "bu-error-units-dup-without-mount-unit-match",
    # Butane's dispatch reads variant/version with yaml.v3 (a null scalar is "": no variant) and picks the
    # translator by go-semver v0.3.1's NewVersion(version).String(): leading zeros and an empty pre-release or
    # metadata still name 1.0.0/1.1.0; nothing is trimmed; an empty dot-separated identifier is invalid
    "bu-error-variant-null",
    "bu-error-variant-null-title-case",
    "bu-error-variant-tilde",
    "bu-error-version-leading-space",
    "bu-error-version-pre-release-empty-identifier",
    "bu-version-empty-metadata",
    "bu-version-empty-pre-release",
    "bu-version-leading-zeros",
    "bu11-version-leading-zeros",
    # ... and an inline merge/replace config's version as Ignition.Validate reads it (go-semver, compared with
    # MaxVersion): 03.3.0 and 3.4.0- are the emitted spec and validated, v3.3.0 does not parse (an error, not the
    # unknown-version warning)
    "bu-merge-inline-version-leading-zero",
    "bu11-replace-inline-version-empty-pre-release",
    "bu-error-merge-inline-version-v-prefix",
    # Butane's Translate merges the ValidateDups report before validate.Validate's (ignition-validate, and an inline
    # child config, the other way round): duplicates first. The ignition-validate-derived vectors above that mix
    # both (bu-ignval-error-partitions, -order-dup-pass, -disk-check-order, ...) were reordered with this fix
    "bu-error-dups-before-validation",
    "bu-error-dups-before-unit-checks",
    "bu-ignval-error-hard-link-no-target-at-directory",
    "bu-ignval-error-partition-number-collide",
    # Butane's ReadLocalFile is os.ReadFile: a directory opens and fails on read ('read <p>: is a directory', as ct)
    "bu-error-file-local-is-directory",
    "bu-error-merge-local-is-directory",
    "bu11-error-unit-contents-local-is-directory",
    "bu11-error-ssh-keys-local-is-directory",
    # ct: etcd/flannel versions are go-semver Versions (Set: '+'/'-' split off before the dotted-tri check, three
    # strconv.ParseInt parts -- no 'v' prefix, leading zeros fine --, identifiers validated); LessThan puts a
    # pre-release before its release; the image tag is Version.String(); null is the default, "" is parsed
    "ct-error-etcd-version-bad-prerelease",
    "ct-error-etcd-version-empty-string",
    "ct-error-etcd-version-four-parts",
    "ct-error-etcd-version-non-numeric-minor",
    "ct-error-etcd-version-prerelease-too-old",
    "ct-error-etcd-version-two-parts-prerelease",
    "ct-error-etcd-version-v-prefix",
    "ct-error-flannel-version-prerelease-too-old",
    "ct-error-flannel-version-v-prefix",
    "ct-etcd-version-leading-zeros",
    "ct-etcd-version-null-is-default",
    # ct: partition sizes through alecthomas/units' leadingInt, which rejects an int64 overflow ('units: invalid')
    "ct-error-partition-size-digits-overflow",
    # yaml.v3: an integer beyond int64 that ParseUint accepts is still an !!int (the terror says so); a *uint field
    # takes it, and ct's int(*u) wraps it into the output
    "ct-error-yaml-uint64-into-int",
    "ct-passwd-uint-ids-wrap-to-int",
    # ct: yaml.v3 type errors name the Go type decoded into: etcdCommon/flannelCommon (Etcd/Flannel.UnmarshalYAML),
    # the named string types NetworkConfig and UpdateGroup/UpdateServer/...
    "ct-error-etcd-sequence",
    "ct-error-flannel-network-config-mapping",
    "ct-error-flannel-scalar",
    "ct-error-update-group-sequence",
    "ct-error-update-server-mapping",
    # ct: remote URLs are written by URL.String(): userinfo and host are unescaped and escaped again
    "ct-file-remote-url-host-non-ascii",
    "ct-file-remote-url-userinfo-escaped",
    "ct-file-remote-url-userinfo-normalised",
    # ct: locksmith windows as Go parses them: fmt.Sscanf("%s %s") (a newline is no separator), time.Parse and
    # ParseDuration with ASCII digits and no trailing newline
    "ct-error-locksmith-window-length-non-ascii-digit",
    "ct-error-locksmith-window-length-trailing-newline",
    "ct-error-locksmith-window-start-newline-between",
    "ct-error-locksmith-window-start-non-ascii-digit",
    "ct-error-locksmith-window-start-trailing-newline",
    # ct: update group and locksmith words are lowercased with Go's strings.ToLower (simple per-rune mapping)
    "ct-locksmith-window-day-dotted-capital-i",
    "ct-update-group-dotted-capital-i",
    "ct-update-group-final-sigma",
    # ct: Ignition 2.3's Disk.ValidateDevice is a field validator: an empty device written as `device: ""` is reported
    # at that value, a missing one at the disk
    "ct-ignval2-error-disk-device-empty-string",
    # ct validates the whole output (generated units too) against the CLC tree by list index: the units ct generates
    # come first, so output unit i is checked at CLC unit i's node, past the last one at the units sequence; a drop-in
    # without a node of its own at the drop-ins sequence (or the unit), a null drop-in entry at the entry
    "ct-ignval2-error-docker-flag-newline-breaks-dropin",
    "ct-ignval2-error-docker-shifts-user-unit-to-sequence",
    "ct-ignval2-error-docker-user-unit-checked-at-next-node",
    "ct-ignval2-error-docker-dropin-at-user-unit-dropin",
    "ct-ignval2-error-null-dropin-at-entry",
    # ct patches its tree for a remote url only: without one, remote's compression/verification errors are at the
    # CLC contents mapping
    "ct-ignval2-error-compression-beside-inline-at-contents",
    "ct-ignval2-error-hash-without-url-at-contents",
    # Ignition 3.4 S3 sources as url.go reads them: an arn: ARN is rebuilt from url.Parse's Opaque (empty after
    # 'arn:/'); versionId comes from url.ParseQuery, which skips a pair holding ';' or a bad escape
    "bu11-ignval-error-arn-opaque-slash",
    "bu11-ignval-error-arn-version-id-semicolon-pair-skipped",
    "bu11-ignval-error-arn-version-id-semicolon-in-value-skipped",
    "bu11-ignval-error-s3-version-id-semicolon-pair-skipped",
    "bu11-ignval-error-s3-version-id-bad-escape-skipped",
    # ct: Ignition 2.3's validateURL checks an s3 source's versionId as 3.x does (file contents wrapped as invalid url
    # %q, config and CA references bare)
    "ct-r10-error-file-remote-s3-version-id-empty",
    "ct-r10-error-append-s3-version-id-empty",
    "ct-r10-error-ca-s3-version-id-empty",
    # ct: Ignition 2.3's Verification.Validate checks a sum's length only (hex.EncodedLen), not its digits
    "ct-r10-file-remote-hash-sum-not-hex",
    "ct-r10-config-append-hash-sum-not-hex",
    "ct-r10-security-ca-hash-sum-not-hex",
    # go-systemd's lexer as Ignition 2.x/3.x run it: before each step, 2048 buffered bytes without a CR or LF are
    # 'line too long' (through a 4096-byte bufio.Reader, so only while that much is buffered); only unicode.IsSpace
    # runes are skipped before an option name
    "bu-r10-ignval-error-unit-line-2048",
    "bu-r10-ignval-error-unit-long-line-early",
    "bu-r10-ignval-error-dropin-line-too-long",
    "bu-r10-ignval-error-unit-comment-line-too-long",
    "bu-r10-ignval-error-unit-junk-before-section-too-long",
    "bu-r10-ignval-error-unit-fs-char-option-name",
    "ct-r10-ignval2-error-unit-line-too-long",
    "ct-r10-ignval2-error-networkd-line-too-long",
    "ct-r10-ignval2-error-dropin-line-too-long",
    # ct: locksmith window lengths through Go's time.ParseDuration, overflow included: a part or total past int64
    # nanoseconds (uint64 accumulation, a negative total may reach 1<<63) is 'couldn't parse window length'
    "ct-r11-error-locksmith-window-length-hours-overflow",
    "ct-r11-error-locksmith-window-length-ns-overflow",
    "ct-r11-error-locksmith-window-length-leading-int-overflow",
    "ct-r11-error-locksmith-window-length-sum-overflow",
    "ct-r11-error-locksmith-window-length-fraction-overflow",
    # ct: Locksmith fields are *string and getArgs skips nil pointers only: an explicit "" is written as KEY=""
    # (a YAML null is not written)
    "ct-r11-locksmith-group-empty-string-written",
    "ct-r11-locksmith-window-both-empty-written",
    "ct-r11-locksmith-reboot-strategy-empty-written",
    "ct-r11-locksmith-endpoint-empty-after-group",
    "ct-r11-locksmith-all-empty-keys-order",
    # Go's encoding/json: ct's flannel network_config is an error when a number is beyond float64 (ParseFloat's
    # ErrRange) or the nesting passes 10000 levels; nesting Python's json could not parse (RecursionError, a
    # traceback) is read, in ct's network_config and in Butane's inline child configs, whose depth error is
    # Go's message at the first bracket past the limit
    "ct-r11-error-flannel-network-config-float-overflow",
    "ct-r11-error-flannel-network-config-negative-overflow",
    "ct-r11-error-flannel-network-config-integer-overflow",
    "ct-r11-error-flannel-network-config-overflow-in-array",
    "ct-r11-error-flannel-network-config-too-deep",
    "ct-r11-error-flannel-network-config-nested-line-too-long",
    "bu-r11-merge-inline-deep-nesting-unused-key",
    "bu-r11-error-merge-inline-too-deep",
    "bu11-r11-error-replace-inline-too-deep",
    # Butane inline configs and ct's network_config through Go's JSON scanner (goscan.py): NaN/Infinity are errors
    # (Python's json read them), and each error is Go's message at the byte the scanner stopped on
    "bu-r11-error-merge-inline-nan",
    "bu-r11-error-merge-inline-infinity",
    "bu11-r11-error-replace-inline-negative-infinity",
    "bu-r11-error-merge-inline-string-escape",
    "bu-r11-error-merge-inline-unicode-escape",
    "bu-r11-error-merge-inline-tab-in-string",
    "bu-r11-error-merge-inline-non-ascii-byte",
    "bu-r11-error-merge-inline-decimal-point",
    "bu-r11-error-merge-inline-literal-cut",
    # Butane decodes an inline config into the emitted spec's types.Config (gotypes.py): Go's first type error,
    # 'json: cannot unmarshal <value> into Go struct field <Struct>.<path> of type <type>' at its offset, fails it
    # (type errors were ignored; {"ignition":[]} and {"ignition":"x"} raised AttributeError); null is the zero config
    "bu-r11-error-merge-inline-after-unknown-key",
    "bu-r11-error-merge-inline-element-type",
    "bu-r11-error-merge-inline-file-mode-float",
    "bu-r11-error-merge-inline-file-mode-overflow",
    "bu-r11-error-merge-inline-file-mode-string",
    "bu-r11-error-merge-inline-first-type-error-only",
    "bu-r11-error-merge-inline-http-headers-object",
    "bu-r11-error-merge-inline-ignition-array",
    "bu-r11-error-merge-inline-ignition-string",
    "bu-r11-error-merge-inline-key-case-folded",
    "bu-r11-error-merge-inline-null-is-empty-config",
    "bu-r11-error-merge-inline-storage-array",
    "bu-r11-error-merge-inline-top-level-array",
    "bu-r11-error-merge-inline-unit-enabled-string",
    "bu-r11-error-merge-inline-version-number",
    "bu11-r11-error-replace-inline-luks-discard-string",
]


def _files_dir(spec: dict[str, Any] | None, tmp_path: Path) -> str | None:
    if spec is None:
        return None
    root = tmp_path / "files"
    root.mkdir()
    for rel, f in spec["files"].items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(f["text"].encode() if "text" in f else base64.b64decode(f["base64"]))
        p.chmod(f["mode"])
    for rel, target in spec["links"].items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(target)
    for rel, mode in spec.get("dirs", {}).items():  # empty directories (Butane's dirDirs)
        (root / rel).mkdir(parents=True, exist_ok=True)
        (root / rel).chmod(mode)
    for rel in spec.get("sockets", []):  # Unix sockets (Butane's dirSockets); closed, the inode stays
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        with socket.socket(socket.AF_UNIX) as s:
            s.bind(str(root / rel))
    return str(root)


def _decoded(o: Any) -> Any:
    """Data URLs replaced by (encoding, payload); gzip payloads gunzipped."""
    if isinstance(o, list):
        return [_decoded(x) for x in o]
    if not isinstance(o, dict):
        return o
    o = {k: _decoded(v) for k, v in o.items()}
    src = o.get("source")
    if isinstance(src, str) and src.startswith("data:"):
        head, _, data = src[5:].partition(",")
        raw = base64.b64decode(data) if head.endswith(";base64") else urllib.parse.unquote_to_bytes(data)
        kind = "base64" if head.endswith(";base64") else "percent"
        if o.get("compression") == "gzip":
            raw, kind = gzip.decompress(raw), "gzip"
        o["source"] = [kind, raw.hex()]
    return o


def _ignition_validate(cfg: dict[str, Any]) -> None:
    c = copy.deepcopy(cfg)
    if c["ignition"]["version"] == "3.4.0":
        c["ignition"]["version"] = "3.4.0-experimental"  # Debian's ignition-validate (flatcar.md §8)
    proc = subprocess.run(["ignition-validate", "-"], input=json.dumps(c).encode(), capture_output=True, timeout=60)
    assert proc.returncode == 0 and b"error" not in proc.stdout, proc.stdout + proc.stderr


def _check(name: str, tmp_path: Path) -> None:
    v = yaml.safe_load((VECTORS / f"{name}.yaml").read_text())
    if "skip_if_root" in v and os.geteuid() == 0:
        pytest.skip(v["skip_if_root"])
    files_dir = _files_dir(v.get("files_dir"), tmp_path)
    strict = v.get("strict", False)  # ct -strict / butane --strict: any warning fails the translation
    if v["tool"] == "ct":
        t = translate_clc(v["input"], platform=v.get("platform"), files_dir=files_dir, strict=strict)
    else:
        t = translate_butane(
            v["input"], files_dir=files_dir, auto_compress=v.get("auto_compress", True), strict=strict
        )
    errors = [e for e in t.report if e.kind == "error"]
    if "errors" in v:
        assert t.config is None
        want = [{k: str(x).replace("%FilesDir%", files_dir or "") for k, x in w.items()} for w in v["errors"]]
        got = [{k: str(getattr(e, k)) for k in w} for e, w in zip(errors, want, strict=False)]
        assert len(errors) == len(want) and got == want, [e.to_dict() for e in errors]
        if "warnings" in v:  # the warnings that failed a strict translation
            got_w = [e for e in t.report if e.kind == "warning"]
            if v["tool"] == "ct":
                assert [e.message for e in got_w if not e.message.startswith(BOOT_CONVERSION_WARNING)] == v["warnings"]
            else:
                assert [{"path": e.path, "message": e.message} for e in got_w] == v["warnings"]
        return
    assert t.config is not None, [e.to_dict() for e in errors]
    if v["tool"] == "ct":
        assert t.config == v["expected"]
        if "warnings" in v:  # ct's warnings; lokonb adds its boot-conversion warnings (flatcar.md §6.3)
            ct_warnings = [e.message for e in t.report if e.kind == "warning"]
            assert [m for m in ct_warnings if not m.startswith(BOOT_CONVERSION_WARNING)] == v["warnings"]
    else:
        assert _decoded(t.config) == _decoded(v["expected"])
        if "warnings" in v:
            assert [{"path": e.path, "message": e.message} for e in t.report if e.kind == "warning"] == v["warnings"]
        if "compact_stdout" in v:  # the tool's exact stdout, as shown in the source
            assert to_json(t.config, style="butane").decode() == v["compact_stdout"]
        _ignition_validate(t.config)


def test_vectors_present() -> None:
    assert len(NAMES) >= 200 and set(FIXES) <= set(NAMES)


@pytest.mark.parametrize("name", FIXES)
def test_fixed_vector(name: str, tmp_path: Path) -> None:
    _check(name, tmp_path)


@pytest.mark.parametrize("name", [n for n in NAMES if n not in FIXES])
def test_reference_vector(name: str, tmp_path: Path) -> None:
    _check(name, tmp_path)
