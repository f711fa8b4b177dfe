"""Bad inputs, round 10: notebook parameter sets (files, ``-y``, ``-p``, ``-r``, the Python API), cluster
definitions whose name does not say their format (``<(cat x.lokocfg)`` is ``/dev/fd/63``), and the kind of a wrong
value named as a user knows it ("a map", "None"), never as a Python class (``NoneType``, ``dict``).

Each row either reads (and the values it gives are checked) or fails with the product's own error naming the
file/line or the parameter and what is allowed; a traceback, a Python class name where a YAML kind is meant, or a
value silently changed fails the row.

Modelled on: duplicate keys kept silently by PyYAML (https://github.com/yaml/pyyaml/issues/165); a byte order mark
glued to the first key, then "did you mean" the same-looking name (https://github.com/supernovae-st/nika/pull/791,
https://github.com/kaitai-io/kaitai_struct/issues/499); YAML files saved as UTF-16 by PowerShell redirection
(https://github.com/fluxcd/flux2/issues/1126, https://github.com/kubernetes/kubernetes/issues/39007); a bare ``~``
read as null where a path was meant (https://github.com/JanDeDobbeleer/oh-my-posh/issues/5092,
https://github.com/ansible/ansible/pull/63011); a second ``---`` document in a one-document file
(https://github.com/quarto-dev/quarto-cli/issues/10296); ``-p`` taking the following word as its value
(https://github.com/nteract/papermill/issues/427); process substitution giving a path without a suffix
(https://github.com/carvel-dev/ytt/issues/894, https://github.com/copier-org/copier/issues/2142). The set texts are
composed for lokonb's own parameters; no third-party text is used.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest

from lokonb.cli import main
from lokonb.errors import LokonbError
from lokonb.notebook.execute import RunRequest, gather
from lokonb.notebook.params import validate
from lokonb.notebook.schemas import REGISTRY

REPO = Path(__file__).resolve().parents[1]
LOKO = REPO / "examples/demo/cluster.lokocfg"
VARS = REPO / "examples/demo/lokocfg.vars"
PC_YAML = REPO / "parameters/provision_cluster/default.yaml"
#: Python class names that must not reach a message about a value read from YAML or -p text.
PY_NAMES = ("NoneType", "got dict", "got list", "got int", "got str", "got float", "Text(", "Traceback")
AL, MA, RF, PC = "apiserver_logs", "metadata_access", "render_flatcar", "provision_cluster"


def _outcome(notebook: str, **request: Any) -> dict[str, Any]:
    """Gather and validate one request as ``lokonb run`` does before any kernel starts; the literal values."""
    raw, sources, _label, origin = gather(RunRequest(notebook, **request), REPO)
    return validate(REGISTRY[notebook], raw, sources, origin=origin).literals


def _check(notebook: str, expect: Any, **request: Any) -> None:
    if isinstance(expect, dict):
        values = _outcome(notebook, **request)
        assert {k: values[k] for k in expect} == expect
        return
    with pytest.raises(LokonbError) as exc:
        _outcome(notebook, **request)
    message = str(exc.value)
    for fragment in expect:
        assert fragment in message, message
    assert not any(name in message for name in PY_NAMES), message


# ---------------------------------------------------------------------------------------------------------------
# Parameter set files (-f FILE, --set, params --check): (id, notebook, file content, expected values or fragments)
# ---------------------------------------------------------------------------------------------------------------

FILES: list[tuple[str, str, str | bytes, Any]] = [
    # anchors, aliases and merge keys are read as papermill reads them
    ("alias-list", AL, "sources: &s [sample]\nprobe_periods: &p [10, 20]\n", {"sources": ["sample"]}),
    ("alias-reused", AL, "x: &n [10.0.0.0/16]\n", ["x (line 1): unknown parameter", "valid names: sources"]),
    ("alias-into-probe", AL, "extra_probe_networks: &n [10.0.0.0/16]\nvpc_cidrs: *n\n",
     {"extra_probe_networks": ["10.0.0.0/16"], "vpc_cidrs": ["10.0.0.0/16"]}),
    ("merge-scalar", AL, "pods:\n  <<: 5\n", [":2:7: a merge key `<<` takes a mapping", "got the value '5'"]),
    ("merge-twice", AL, "pods:\n  <<: {namespace: a}\n  <<: {namespace: b}\n",
     [":3:3: duplicate key '<<' (first set on line 2"]),
    ("undefined-alias", AL, "sources: *nothing\n", [":1: not valid YAML: found undefined alias 'nothing'"]),
    ("recursive-alias", AL, "sources: &s [*s]\n", ["recursive YAML alias"]),
    # duplicate keys name both lines
    ("dup-top", AL, "format: klog\nmax_records: 5\nformat: json\n",
     [":3: duplicate key 'format' (first set on line 1", "each key once per mapping"]),
    ("dup-nested", AL, "pods:\n  namespace: a\n  container: c\n  namespace: b\n",
     [":4: duplicate key 'namespace' (first set on line 2"]),
    ("dup-flow", MA, "allow: [{namespace: a, namespace: b}]\n", [":1: duplicate key 'namespace' (first set on line 1"]),
    ("dup-in-list-item", MA, "allow:\n  - namespace: a\n    pod_selector: {app: x}\n    namespace: b\n",
     [":4: duplicate key 'namespace' (first set on line 2"]),
    ("dup-quoted", AL, "format: klog\n'format': json\n", [":2: duplicate key 'format' (first set on line 1"]),
    ("same-key-two-maps", AL, "pods: {namespace: a}\nsources: [sample]\n", {"sources": ["sample"]}),
    # tags: only the core ones; an explicit !!str is a quoted string
    ("tag-python-object", AL, "sources: !!python/object/apply:os.system ['true']\n",
     ["YAML tag '!!python/object/apply:os.system' is not supported", "allowed: plain values"]),
    ("tag-python-name", AL, "format: !!python/name:os.system\n", ["'!!python/name:os.system' is not supported"]),
    ("tag-ref", AL, "format: !Ref Format\n", ["YAML tag '!Ref' is not supported"]),
    ("tag-getatt", AL, "bucket: !GetAtt Stack.Bucket\n", ["YAML tag '!GetAtt' is not supported"]),
    ("tag-binary", AL, "klog_tz: !!binary VVRD\n", ["YAML tag '!!binary' is not supported"]),
    ("tag-set", AL, "sources: !!set {a, b}\n", ["YAML tag '!!set' is not supported"]),
    ("tag-omap", AL, "pods: !!omap [{namespace: a}]\n", ["YAML tag '!!omap' is not supported"]),
    ("tag-str-int-field", AL, "max_records: !!str 5\n", ["max_records (line 1): expected an integer, got '5'"]),
    ("tag-str-bool-field", AL, "progress: !!str true\n",
     ["expected true or false, got 'true'", "(quoted, so a string"]),
    ("tag-str-str-field", AL, "klog_tz: !!str UTC\n", {"klog_tz": "UTC"}),
    ("tag-str-list-item", AL, "probe_periods: [!!str 10]\n", ["probe_periods[0] (line 1): expected a number"]),
    ("tag-int-ok", AL, "max_records: !!int 50\n", {"max_records": 50}),
    ("tag-int-text", AL, "max_records: !!int fifty\n", [":1: !!int 'fifty': the text is not of that kind",
                                                       "allowed: !!int 5"]),
    ("tag-float-text", AL, "probe_periods: [!!float ten]\n", [":1: !!float 'ten': the text is not of that kind"]),
    ("tag-bool-text", AL, "progress: !!bool maybe\n", ["!!bool 'maybe': the text is not of that kind"]),
    ("tag-null-text", AL, "year: !!null 2026\n", ["!!null '2026': the text is not of that kind"]),
    ("tag-null-ok", AL, "year: !!null ~\n", {"year": None}),
    ("tag-float-int-field", AL, "max_records: !!float 5\n", {"max_records": 5}),
    # more than one document
    ("two-documents", AL, "format: klog\n---\nformat: json\n",
     [":2: not valid YAML: a second YAML document starts here", "a parameter set is one document",
      "put each document in its own file"]),
    ("trailing-separator", AL, "format: klog\n---\n", [":2: not valid YAML: a second YAML document"]),
    ("leading-separator", AL, "---\nformat: klog\n", {"format": "klog"}),
    ("document-end", AL, "format: klog\n...\n", {"format": "klog"}),
    ("directive", AL, "%YAML 1.1\n---\nformat: klog\n", {"format": "klog"}),
    ("separator-then-list", AL, "format: klog\n--- [a]\n", [":2: not valid YAML: a second YAML document"]),
    # numbers
    ("huge-int", AL, "max_records: 123456789012345678901234567890\n", {"max_records": 123456789012345678901234567890}),
    ("int-5000-digits", AL, f"max_records: {'9' * 5000}\n",
     ["max_records (line 1): expected an integer, got a number of 5,000 digits (allowed: at most 4,300 digits)"]),
    ("float-5000-digits", AL, f"probe_periods: [{'9' * 5000}]\n",
     ["probe_periods[0] (line 1): '99999", "is too large for a number (it overflows to inf)"]),
    ("free-key-int-5000", PC, f"cluster: {{controller_count: {'9' * 5000}}}\n",
     [":1: a number of 5,000 digits (allowed: at most 4,300 digits)"]),
    ("huge-int-range", AL, "year: 99999999999999999999999999\n",
     ["year (line 1)", "out of range; allowed: 1970 to 2200"]),
    ("huge-float", AL, "probe_periods: [1e400]\n",
     ["probe_periods[0] (line 1): '1e400' is too large for a number (it overflows to inf)", "give a finite number"]),
    ("huge-negative-float", AL, "probe_periods: [-2e308]\n",
     ["'-2e308' is too large for a number (it overflows to -inf)"]),
    ("inf", AL, "probe_periods: [.inf]\n", ["probe_periods[0] (line 1): inf is not allowed; give a finite number"]),
    ("minus-inf", AL, "probe_periods: [-.inf]\n", ["-inf is not allowed"]),
    ("nan", AL, "probe_periods: [.nan]\n", ["nan is not allowed"]),
    ("nan-word", AL, "probe_periods: [NaN]\n", ["nan is not allowed"]),
    ("float-for-int", AL, "max_records: 5.0\n", ["max_records (line 1): expected an integer, got '5.0'"]),
    ("exp-for-int", AL, "max_records: 1e5\n", ["expected an integer, got '1e5'"]),
    ("hex-for-int", AL, "max_records: 0x10\n", ["expected an integer, got '0x10'"]),
    ("octal-leading-zero", AL, "max_records: 0123\n",
     ["expected an integer, got '0123'", "a leading zero is ambiguous"]),
    ("underscore-int", AL, "max_records: 1_000\n", ["expected an integer, got '1_000'"]),
    ("sexagesimal-int", AL, "max_records: 1:30\n", ["expected an integer, got '1:30'"]),
    ("bool-for-int", AL, "max_records: true\n", ["expected an integer, got 'true'"]),
    ("quoted-int", AL, "max_records: '5'\n", ["expected an integer, got '5'"]),
    ("int-for-str", AL, "klog_tz: 5\n", ["klog_tz (line 1): '5' is not a time zone"]),
    ("version-float-choice", RF, "ignition_version: 3.30\n", ["'3.30' is not allowed; allowed: 3.3.0, 3.4.0, 2.3.0"]),
    # dates and times stay text unless the field is a date-time
    ("date-for-since", AL, "since: '2026-11-27T00:00:00Z'\n", {"since": "2026-11-27T00:00:00Z"}),
    ("date-for-year", AL, "year: 2026-11-27\n", ["year (line 1): expected an integer, got '2026-11-27'"]),
    ("date-for-choice", AL, "format: 2026-11-27\n", ["'2026-11-27' is not allowed; allowed: auto, klog"]),
    ("date-in-list", AL, "probe_periods: [2026-11-27]\n", ["probe_periods[0] (line 1): expected a number"]),
    ("datetime-for-bool", AL, "progress: 2026-11-27 10:00:00\n", ["expected true or false, got '2026-11-27 10:00:00'"]),
    # YAML 1.1 booleans: errors with a hint for bool fields, text for str fields (notebooks.md §3.2, R2.10)
    ("yes", AL, "progress: yes\n", ["progress (line 1): expected true or false, got 'yes'",
                                    "YAML 1.1 reads unquoted yes as true; write true"]),
    ("no", MA, "dry_run: no\n", ["expected true or false, got 'no'", "reads unquoted no as false; write false"]),
    ("on", MA, "confirm: on\n", ["got 'on'", "write true"]),
    ("off", RF, "snippets: off\n", ["got 'off'", "write false"]),
    ("Y", RF, "snippets: Y\n", ["got 'Y'", "write true"]),
    ("one", RF, "snippets: 1\n", ["got '1'", "write true"]),
    ("True-capital", RF, "snippets: True\n", {"snippets": True}),
    ("FALSE-upper", RF, "snippets: FALSE\n", {"snippets": False}),
    ("quoted-true", RF, "snippets: 'true'\n", ["(quoted, so a string; write true without quotes)"]),
    ("no-for-choice", AL, "format: no\n", ["'no' is not allowed; allowed: auto"]),
    ("off-for-str", AL, "klog_tz: off\n", ["'off' is not a time zone"]),
    # null where a value is required; a str field no longer takes YAML's null as the text "null" or "~"
    ("tilde-source", AL, "sources: [~]\n",
     ["sources[0] (line 1): a value is required (null is not allowed here)", "quote it ('~') for the text"]),
    ("null-str", AL, "klog_tz: null\n", ["klog_tz (line 1): a value is required", "quote it ('null') for the text"]),
    ("empty-str", AL, "bucket:\n", ["bucket (line 1): a value is required", "give a value, or quote '' for empty"]),
    ("null-list", AL, "sources: null\n", ["sources (line 1): a value is required (null is not allowed here)"]),
    ("null-bool", RF, "snippets: ~\n", ["snippets (line 1): a value is required"]),
    ("null-optional", AL, "year: null\nsince: ~\nuntil:\n", {"year": None, "since": None, "until": None}),
    ("quoted-tilde-path", AL, "families_file: '~'\n", {"families_file": "~"}),
    ("null-in-dict-leaf", PC, "aws: {region: null}\n", ["aws.region (line 1): a value is required"]),
    # empty files and the wrong top level
    ("empty-file", AL, "", {"format": "auto", "max_records": 100000}),
    ("comments-only", AL, "# nothing set here\n\n", {"format": "auto"}),
    ("only-separator", AL, "---\n", {"format": "auto"}),
    ("top-list", AL, "- format: klog\n", [":1: a parameter set must be a mapping of names to values"]),
    ("top-scalar", AL, "klog\n", [":1: a parameter set must be a mapping"]),
    ("top-null", AL, "~\n", {"format": "auto"}),
    ("complex-key", AL, "? [format]\n: klog\n", ["a key must be a plain name, got a list"]),
    ("map-key", AL, "{format: klog}: 1\n", ["a key must be a plain name, got a mapping"]),
    # unknown names
    ("unknown-close", AL, "formt: klog\n", ["formt (line 1): unknown parameter; did you mean 'format'?"]),
    ("unknown-case", AL, "Format: klog\n", ["Format (line 1): unknown parameter; did you mean 'format'?"]),
    ("unknown-far", AL, "colour: red\n", ["colour (line 1): unknown parameter; valid names: sources, pods, format"]),
    ("unknown-nested", AL, "pods: {namespce: a}\n", ["pods.namespce (line 1): unknown parameter; did you mean "
                                                      "'namespace'?"]),
    ("unknown-dash", AL, "max-records: 5\n", ["did you mean 'max_records'?"]),
    ("unknown-credential", AL, "aws_secret_access_key: AKIAEXAMPLE\n", ["credentials are never parameters"]),
    ("unknown-number-key", AL, "5: x\n", ["5 (line 1): unknown parameter"]),
    ("bom-mid-file", AL, "format: klog\n\ufeffmax_records: 5\n",
     ["unknown parameter: the name holds the invisible character(s) U+FEFF", "joining files",
      "did you mean 'max_records'?"]),
    ("zero-width-space", AL, "for\u200bmat: klog\n", ["invisible character(s) U+200B", "did you mean 'format'?"]),
    # wrong kinds, named as YAML names them
    ("map-for-str", AL, "klog_tz: {a: 1}\n", ["klog_tz (line 1): expected a string, got a map"]),
    ("list-for-str", AL, "klog_tz: [UTC]\n", ["expected a string, got a list"]),
    ("map-for-bool", AL, "progress: {a: 1}\n", ["expected true or false, got a map {'a': '1'}"]),
    ("list-for-int", AL, "max_records: [5]\n", ["expected an integer, got a list ['5']"]),
    ("map-for-float-item", AL, "probe_periods: [{a: 1}]\n",
     ["probe_periods[0] (line 1): expected a number, got a map"]),
    ("map-for-list", AL, "sources: {a: 1}\n", ["sources (line 1): expected a list, got a map"]),
    ("list-for-map", AL, "pods: [a]\n", ["pods (line 1): expected a mapping, got a list"]),
    ("empty-map-for-list", AL, "sources: {}\n", ["sources (line 1): expected a list, got a map"]),
    ("map-item-for-str-list", AL, "sources: [{path: x}]\n", ["sources[0] (line 1): expected a string, got a map"]),
    ("list-in-choice", AL, "format: [klog]\n", ["expected a string, got a list"]),
    # encodings and line ends
    ("bom", AL, "\ufeffformat: klog\n".encode(), {"format": "klog"}),
    ("crlf", AL, b"format: klog\r\nmax_records: 5\r\n", {"format": "klog", "max_records": 5}),
    ("bom-crlf", AL, b"\xef\xbb\xbfformat: klog\r\nmax_records: 5\r\n", {"format": "klog", "max_records": 5}),
    ("cr-only", AL, b"format: klog\rmax_records: 5\r", {"format": "klog", "max_records": 5}),
    ("utf16-le-bom", AL, "format: klog\n".encode("utf-16"),
     ["cannot read parameter file: not UTF-8 text: the file is UTF-16 LE", "save it as UTF-8"]),
    ("utf16-be-bom", AL, b"\xfe\xff" + "format: klog\n".encode("utf-16-be"), ["the file is UTF-16 BE"]),
    ("utf16-le-no-bom", AL, "format: klog\nmax_records: 5\n".encode("utf-16-le"), ["the file is UTF-16 LE"]),
    ("utf16-crlf", AL, "format: klog\r\n".encode("utf-16"), ["the file is UTF-16 LE"]),
    ("utf32", AL, "format: klog\n".encode("utf-32"), ["the file is UTF-32 LE"]),
    ("latin-1", AL, "klog_tz: UTC # caf\xe9\n".encode("latin-1"), ["not UTF-8 text (byte 18: b'\\xe9')"]),
    ("nul-byte", AL, b"format: klog\x00\n", ["character U+0000 is not allowed"]),
    ("tab-indent", AL, "pods:\n\tnamespace: a\n",
     [":2: not valid YAML: found character '\\t' that cannot start any token"]),
]


@pytest.mark.parametrize(("name", "notebook", "content", "expect"), FILES, ids=[r[0] for r in FILES])
def test_parameter_set_file(tmp_path: Path, name: str, notebook: str, content: str | bytes, expect: Any) -> None:
    path = tmp_path / "set.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    _check(notebook, expect, files=[path])


def test_merge_keys_in_a_dict_parameter(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text("base: &b {namespace: infra}\n")
    with pytest.raises(LokonbError, match="base .line 1.: unknown parameter"):
        _outcome(AL, files=[path])
    path.write_text("sources: [sample]\nextra_probe_networks: &n [10.0.0.0/16]\n"
                    "pods:\n  <<: {namespace: infra, container: kube-apiserver}\n  namespace: ops\n")
    assert _outcome(AL, files=[path])["pods"]["namespace"] == "ops"


# ---------------------------------------------------------------------------------------------------------------
# -y, -p, -r and the Python API: (id, notebook, request, expected values or fragments)
# ---------------------------------------------------------------------------------------------------------------

ROUTES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("y-dup", AL, {"yaml_text": ["{format: klog, format: json}"]},
     ["-y:1: duplicate key 'format' (first set on line 1"]),
    ("y-two-docs", AL, {"yaml_text": ["format: klog\n---\nyear: 2026"]},
     ["-y:2: not valid YAML: a second YAML document"]),
    ("y-list", AL, {"yaml_text": ["- a"]}, ["-y must be a YAML mapping"]),
    ("y-tag", AL, {"yaml_text": ["format: !Sub x"]}, ["YAML tag '!Sub' is not supported"]),
    ("y-str-tag", AL, {"yaml_text": ["max_records: !!str 5"]}, ["max_records (-y, line 1): expected an integer"]),
    ("y-tilde", AL, {"yaml_text": ["sources: [sample, ~]"]}, ["sources[1] (-y, line 1): a value is required"]),
    ("y-date", AL, {"yaml_text": ["since: 2026-11-27"]}, {"since": "2026-11-27"}),
    ("y-huge", AL, {"yaml_text": ["probe_periods: [1e999]"]}, ["'1e999' is too large for a number"]),
    ("y-empty", AL, {"yaml_text": [""]}, {"format": "auto"}),
    ("y-null", AL, {"yaml_text": ["~"]}, {"format": "auto"}),
    ("y-map-for-str", AL, {"yaml_text": ["bucket: {a: 1}"]}, ["bucket (-y): expected a string, got a map"]),
    ("p-int", AL, {"p": [("max_records", "3")]}, {"max_records": 3}),
    ("p-int-spaces", AL, {"p": [("max_records", " 3 ")]}, {"max_records": 3}),
    ("p-int-float", AL, {"p": [("max_records", "3.0")]}, ["max_records (-p): expected an integer, got '3.0'"]),
    ("p-int-list", AL, {"p": [("max_records", "[1, 2]")]}, ["max_records (-p): expected an integer, got '[1, 2]'"]),
    ("p-int-empty", AL, {"p": [("max_records", "")]}, ["max_records (-p): a value is required"]),
    ("p-int-huge", AL, {"p": [("max_records", "9" * 40)]}, {"max_records": int("9" * 40)}),
    ("p-int-5000", AL, {"p": [("max_records", "9" * 5000)]}, ["max_records (-p): expected an integer, got a number "
                                                              "of 5,000 digits"]),
    ("p-leaf-int-5000", PC, {"p": [("cluster.controller_count", "9" * 5000)]}, ["-p: a number of 5,000 digits"]),
    ("p-list", AL, {"p": [("probe_periods", "[1, 2.5]")]}, {"probe_periods": [1.0, 2.5]}),
    ("p-list-bad-item", AL, {"p": [("probe_periods", "[1, x]")]}, ["probe_periods[1] (-p): expected a number"]),
    ("p-list-nested", AL, {"p": [("sources", "[a, [b]]")]}, ["sources[1] (-p): expected a string, got a list"]),
    ("p-list-map-item", AL, {"p": [("sources", "[a, {b: 1}]")]}, ["sources[1] (-p): expected a string, got a map"]),
    ("p-list-unclosed", AL, {"p": [("sources", "[a, b")]}, ["-p:1: not valid YAML"]),
    ("p-list-dup-flow", AL, {"p": [("pods", "{namespace: a, namespace: b}")]},
     ["-p:1: duplicate key 'namespace' (first set on line 1"]),
    ("p-list-tag", AL, {"p": [("sources", "[a, !Ref b]")]}, ["YAML tag '!Ref' is not supported"]),
    ("p-list-two-docs", AL, {"p": [("sources", "[a]\n---\n[b]")]}, ["a second YAML document starts here"]),
    ("p-list-plain", AL, {"p": [("sources", "a")]}, ["sources (-p): expected a list, got 'a'",
                                                     "write a YAML flow sequence such as [a, b]"]),
    ("p-bool-yes", AL, {"p": [("progress", "yes")]}, ["progress (-p): expected true or false, got 'yes'"]),
    ("p-bool-TRUE", AL, {"p": [("progress", "TRUE")]}, {"progress": True}),
    ("p-bool-None", AL, {"p": [("progress", "None")]}, {"progress": None}),
    ("p-choice-None", AL, {"p": [("format", "None")]}, ["format (-p): 'None' is not allowed; allowed: auto"]),
    ("p-str-null", AL, {"p": [("klog_tz", "null")]}, ["'null' is not a time zone"]),
    ("p-float-huge", AL, {"p": [("probe_periods", "[1e400]")]}, ["'1e400' is too large for a number"]),
    ("p-date-since", AL, {"p": [("since", "2026-11-27")]}, {"since": "2026-11-27"}),
    ("p-unknown", AL, {"p": [("formt", "klog")]}, ["formt (-p): unknown parameter; did you mean 'format'?"]),
    ("p-unknown-leaf", AL, {"p": [("pods.namespac", "x")]}, ["did you mean 'namespace'?"]),
    ("p-leaf-of-int", AL, {"p": [("max_records.x", "1")]}, ["max_records is a int parameter, not a mapping"]),
    ("p-map-text", AL, {"p": [("pods", "5")]}, ["pods (-p): expected a mapping, got '5'"]),
    ("r-int", AL, {"r": [("max_records", "5")]},
     ["max_records (-r): expected an integer, got str '5'", "-r always passes text; give a int with -p NAME VALUE"]),
    ("r-bool", AL, {"r": [("progress", "yes")]}, ["progress (-r): expected true or false, got 'yes'"]),
    ("r-list", AL, {"r": [("sources", "[a]")]}, ["sources (-r): expected a list, got the string '[a]'"]),
    ("r-str", AL, {"r": [("klog_tz", "UTC")]}, {"klog_tz": "UTC"}),
    ("api-dict-for-str", AL, {"parameters": {"klog_tz": {"a": 1}}}, ["klog_tz (api): expected a string, got dict"]),
    ("api-none-for-str", AL, {"parameters": {"klog_tz": None}}, ["klog_tz (api): a value is required"]),
    ("api-float-for-int", AL, {"parameters": {"max_records": 5.0}}, ["expected an integer, got float 5.0"]),
    ("api-set", AL, {"parameters": {"sources": {"a"}}}, ["cannot pass set as a notebook parameter", "allowed: None"]),
    ("api-object", AL, {"parameters": {"sources": object()}}, ["cannot pass object as a notebook parameter"]),
    ("api-inf", AL, {"parameters": {"probe_periods": [float("inf")]}}, ["inf is not allowed"]),
    ("api-int-5001-digits", AL, {"parameters": {"year": 10**5000}},
     ["year (api): expected an integer, got a number of about 5,001 digits (allowed: at most 4,300 digits)"]),
    ("api-int-for-float", AL, {"parameters": {"probe_periods": [10**5000]}},
     ["probe_periods[0] (api): a number of about 5,001 digits is too large for a number"]),
]


def _python_kinds_allowed(row: tuple[str, str, dict[str, Any], Any]) -> bool:
    return row[0].startswith(("api-", "r-"))


@pytest.mark.parametrize(("name", "notebook", "request_", "expect"), ROUTES, ids=[r[0] for r in ROUTES])
def test_parameter_route(name: str, notebook: str, request_: dict[str, Any], expect: Any) -> None:
    if _python_kinds_allowed((name, notebook, request_, expect)) and not isinstance(expect, dict):
        # Python values are named by their Python type ("got dict", "got float 5.0"): what a caller passed
        with pytest.raises(LokonbError) as exc:
            _outcome(notebook, **request_)
        assert all(fragment in str(exc.value) for fragment in expect), str(exc.value)
        assert "NoneType" not in str(exc.value) and "Traceback" not in str(exc.value)
        return
    _check(notebook, expect, **request_)


# ---------------------------------------------------------------------------------------------------------------
# the command line: -p NAME=VALUE, params --check
# ---------------------------------------------------------------------------------------------------------------

CLI = [
    (["run", AL, "-p", "max_records=3"], ["-p 'max_records=3': NAME and VALUE are two words",
                                         "allowed: -p max_records 3"]),
    (["run", AL, "-p", "max_records=3", "--output", "{tmp}/runs"], ["allowed: -p max_records 3"]),
    (["run", AL, "-p", "progress=true", "-p", "format=klog"], ["-p 'progress=true'"]),
    (["run", AL, "-r", "since=-6h"], ["-r 'since=-6h': NAME and VALUE are two words", "allowed: -r since -6h"]),
    (["run", AL, "--parameters", "pods.namespace=infra", "x"], ["allowed: --parameters pods.namespace infra"]),
    (["run", AL, "-p", "klog_tz=Europe/Berlin offset"], ["allowed: -p klog_tz 'Europe/Berlin offset'"]),
]


@pytest.mark.parametrize(("argv", "fragments"), CLI, ids=[f"cli-{i}" for i in range(len(CLI))])
def test_name_equals_value_is_refused_before_anything_runs(tmp_path: Path, capsys: Any, argv: list[str],
                                                           fragments: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([a.format(tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and all(f in err for f in fragments), err
    assert not (tmp_path / "runs").exists()


def test_params_check_names_the_file_and_both_lines(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("format: klog\nprogress: yes\nformat: json\n")
    assert main(["params", AL, "--check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:3: duplicate key 'format' (first set on line 1" in err and "Traceback" not in err


RF_DEFAULT = (REPO / "parameters/render_flatcar/default.yaml").read_text()
#: (tag key as written in cluster.tags, what --check says about it: None = nothing)
KEY_TRAPS = [
    ("on", "key on: unquoted, YAML 1.1 readers read it as the bool True, not as text; quote it"),
    ("No", "key No: unquoted, YAML 1.1 readers read it as the bool False"),
    ("0123", "key 0123: unquoted, YAML 1.1 readers read it as the int 83"),
    ("1.10", "key 1.10: unquoted, YAML 1.1 readers read it as the float 1.1"),
    ("2026-11-27", "key 2026-11-27: unquoted, YAML 1.1 readers read it as a date"),
    ("true", "key true: unquoted, YAML 1.1 readers read it as the bool True"),
    ("12", "key 12: unquoted, YAML 1.1 readers read it as the int 12"),
    ("'on'", None),
    ("team-b", None),
]


@pytest.mark.parametrize(("key", "message"), KEY_TRAPS, ids=[k for k, _ in KEY_TRAPS])
def test_params_check_flags_keys_yaml11_reads_as_no_text(tmp_path: Path, capsys: Any, key: str,
                                                         message: str | None) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(RF_DEFAULT.replace("    team: platform\n", f"    team: platform\n    {key}: x1\n"))
    code = main(["params", RF, "--check", str(path)])
    out, err = capsys.readouterr()
    if message is None:
        assert code == 0 and f"{path}: ok" in out, err
    else:
        assert code == 2 and f"{path}:12: {message}" in err, err


PC_DEFAULT = PC_YAML.read_text()
#: values papermill (YAML 1.1) reads as numbers while lokonb keeps the text: --check names them
VALUE_TRAPS = [
    ("0x1F", "cluster.tags.team: unquoted 0x1F is the number 31 to YAML 1.1 readers; quote it"),
    ("1_000", "cluster.tags.team: unquoted 1_000 is the number 1000 to YAML 1.1 readers; quote it"),
    ("0b11", "cluster.tags.team: unquoted 0b11 is the number 3 to YAML 1.1 readers; quote it"),
    (".inf", "cluster.tags.team: unquoted .inf is the number inf to YAML readers; quote it"),
    ("-.Inf", "cluster.tags.team: unquoted -.Inf is the number -inf to YAML readers; quote it"),
    ("a_b", None),
    ("'0x1F'", None),
]


@pytest.mark.parametrize(("value", "message"), VALUE_TRAPS, ids=[v for v, _ in VALUE_TRAPS])
def test_params_check_flags_numbers_only_yaml11_reads(tmp_path: Path, capsys: Any, value: str,
                                                      message: str | None) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(PC_DEFAULT.replace("    team: platform\n", f"    team: {value}\n"))
    code = main(["params", PC, "--check", str(path)])
    out, err = capsys.readouterr()
    if message is None:
        assert code == 0 and f"{path}: ok" in out, err
    else:
        assert code == 2 and f"{path}:12: {message}" in err, err


#: cluster YAML (config validate): numbers and dates YAML 1.1 made of the text, (line replaced, new line, fragment)
CLUSTER_YAML = [
    ("    team: platform", "    team: 0123",
     'tags["team"]: expected a string, got 0123, which YAML reads as the number 83 (quote it to keep the exact'),
    ("    team: platform", "    team: 0x1F",
     'tags["team"]: expected a string, got 0x1F, which YAML reads as the number 31'),
    ("    team: platform", "    team: 2026-11-27",
     'tags["team"]: expected a string, got the date 2026-11-27 (YAML reads an unquoted date as one; quote it'),
    ("    team: platform", "    team: 2026-11-27 10:00:00", 'tags["team"]: expected a string, got the date'),
    ("  controller_count: 1", "  controller_count: 01",
     "controller_count: expected an integer, got 01, which YAML 1.1 reads as 1 (write 1, or the number without"),
    ("  controller_count: 1", "  controller_count: 1:0",
     "controller_count: expected an integer, got 1:0, which YAML 1.1 reads as 60 (write 60)"),
    ("      count: 2", "      count: 010", 'worker_pool["web"].count: expected an integer, got 010, which YAML 1.1 '
                                             "reads as 8"),
    ("  controller_count: 1", "  controller_count: " + "9" * 5000,
     ":9:21: YAML syntax error: a number of 5,000 digits (allowed: at most 4,300 digits)"),
    ("  controller_count: 1", "  controller_count: 1\n  enable_csi: yes",
     'enable_csi: expected true or false, got "yes" (YAML 1.1 reads unquoted yes as true; write true)'),
    ("  controller_count: 1", "  controller_count: 1\n  enable_csi: Off",
     'enable_csi: expected true or false, got "Off" (YAML 1.1 reads unquoted Off as false; write false)'),
    ("  controller_count: 1", "  controller_count: 1\n  enable_csi: 'on'",
     'enable_csi: expected true or false, got "on" ['),
    ("  controller_count: 1", "  controller_count: 1\n  enable_csi: True", None),
    ("    team: platform", "    team: no\n    on: x", None),
    ("  controller_count: 1", "  controller_count: 0x1", None),
    ("    team: platform", "    team: 12", None),
    ("    team: platform", "    team: '0123'", None),
]


@pytest.mark.parametrize(("old", "new", "fragment"), CLUSTER_YAML,
                         ids=[r[1].split("\n")[-1].strip()[:30] for r in CLUSTER_YAML])
def test_cluster_yaml_numbers_and_dates_keep_their_text(tmp_path: Path, capsys: Any, old: str, new: str,
                                                        fragment: str | None) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(PC_DEFAULT.replace(old + "\n", new + "\n", 1))
    code = main(["config", "validate", str(path)])
    out, err = capsys.readouterr()
    assert (code == 0 and "demo: valid" in out) if fragment is None else (code == 2 and fragment in err), err
    assert "got date" not in err and "Traceback" not in err


def test_cluster_yaml_keeps_yaml11_words_as_text(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(PC_DEFAULT.replace("    team: platform\n", "    team: no\n    on: x\n", 1))
    assert main(["config", "show", "--json", str(path)]) == 0
    assert '"team": "no"' in capsys.readouterr().out


# ---------------------------------------------------------------------------------------------------------------
# cluster definitions whose name does not say the format: decided by content (pipes read once)
# ---------------------------------------------------------------------------------------------------------------

NEITHER = "opens neither a Lokomotive config nor a YAML mapping"


def _fifo(tmp_path: Path, content: bytes, name: str = "63") -> Path:
    """A named pipe fed ``content`` once (as ``<(cat x.lokocfg)`` gives ``/dev/fd/63``)."""
    path = tmp_path / name
    os.mkfifo(path)

    def feed() -> None:
        try:
            with open(path, "wb") as pipe:
                pipe.write(content)
        except OSError:
            pass

    threading.Thread(target=feed, daemon=True).start()
    return path


def _drain(path: Path) -> None:
    """Unblock the feeder thread when a row never opened the pipe."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    os.close(fd)


SNIFF: list[tuple[str, bytes, list[str], int, list[str]]] = [
    # (id, content, extra argv, exit code, fragments of stdout (exit 0) or stderr)
    ("pipe-lokocfg", LOKO.read_bytes(), ["--vars", str(VARS)], 0, ["demo: valid"]),
    ("pipe-yaml", PC_YAML.read_bytes(), [], 0, ["demo: valid"]),
    ("pipe-json", b'{"cluster": {"cluster_name": "x"}}', [], 2, ["dns_zone"]),
    ("pipe-neither", b"hello world\n", [], 2, [f"{{path}}:1: cannot tell the format: 'hello world' {NEITHER}",
                                              'cluster "aws" {{ ... }} block', "name the file .lokocfg or .yaml"]),
    ("pipe-list", b"- cluster\n", [], 2, [f"{{path}}:1: cannot tell the format: '- cluster' {NEITHER}"]),
    ("pipe-comment-then-neither", b"# generated\n\nhello\n", [], 2, ["{path}:3: cannot tell the format"]),
    ("pipe-hcl-comment", b"// generated\ncluster aws {\n}\n", [], 2, ["{path}"]),
    ("pipe-empty", b"", [], 2, ["the file is empty"]),
    ("pipe-yaml-with-vars", PC_YAML.read_bytes(), ["--vars", str(VARS)], 2, ["--vars/--var apply to .lokocfg files"]),
    ("pipe-utf16", "cluster:\n  cluster_name: x\n".encode("utf-16"), [], 2, ["not UTF-8 text: the file is UTF-16 LE"]),
]


@pytest.mark.parametrize(("name", "content", "extra", "code", "fragments"), SNIFF, ids=[r[0] for r in SNIFF])
def test_config_from_a_pipe(tmp_path: Path, capsys: Any, name: str, content: bytes, extra: list[str], code: int,
                            fragments: list[str]) -> None:
    path = _fifo(tmp_path, content)
    assert main(["config", "validate", str(path), *extra]) == code
    out, err = capsys.readouterr()
    shown = out if code == 0 else err
    for fragment in fragments:
        assert fragment.format(path=path) in shown, shown
    assert "Traceback" not in err and "internal error" not in err and "document start" not in err


@pytest.mark.parametrize("argv", [
    ["config", "show", "{path}", "--vars", str(VARS)],
    ["flatcar", "render", "{path}", "--vars", str(VARS), "--out", "{tmp}/render"],
], ids=["config-show", "flatcar-render"])
def test_other_commands_read_a_lokocfg_pipe(tmp_path: Path, capsys: Any, argv: list[str]) -> None:
    path = _fifo(tmp_path, LOKO.read_bytes())
    assert main([a.format(path=path, tmp=tmp_path) for a in argv]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["config", "show", "{path}"],
    ["cluster", "plan", "{path}"],
    ["assets", "generate", "{path}", "--out", "{tmp}/assets"],
    ["flatcar", "render", "{path}", "--out", "{tmp}/render"],
], ids=["config-show", "cluster-plan", "assets-generate", "flatcar-render"])
def test_every_command_refuses_a_config_of_neither_format(tmp_path: Path, capsys: Any, argv: list[str]) -> None:
    path = tmp_path / "cluster"  # no suffix: decided by content
    path.write_text("[cluster]\nname = demo\n")
    code = main([a.format(path=path, tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and f"{path}:1: cannot tell the format: '[cluster]' {NEITHER}" in err, err
    assert not (tmp_path / "assets").exists()


def test_lokocfg_number_of_5000_digits_names_its_line(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "c.lokocfg"
    text = LOKO.read_text()
    path.write_text(text.replace("  controller_count = 1\n", f"  controller_count = {'9' * 5000}\n", 1))
    line = text[:text.index("  controller_count = 1\n")].count("\n") + 1
    assert main(["config", "validate", str(path), "--vars", str(VARS)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line}: HCL syntax error: a number of 5,000 digits (allowed: at most 4,300 digits)" in err, err
    assert "set_int_max_str_digits" not in err


@pytest.mark.parametrize(("name", "text", "kind"), [
    ("cluster", LOKO.read_text(), "lokocfg"),
    ("cluster.conf", PC_YAML.read_text(), "yaml"),
    ("cluster.txt", "# a YAML definition\ncluster:\n  cluster_name: demo\n", "yaml"),
    ("cluster.tpl", '\n\nvariable "x" {\n}\n', "lokocfg"),
    ("cluster.in", '"cluster": {}\n', "yaml"),
])
def test_suffixless_files_are_read_by_content(tmp_path: Path, name: str, text: str, kind: str) -> None:
    from lokonb.config.sniff import format_by_content

    assert format_by_content(text, name) == kind


# ---------------------------------------------------------------------------------------------------------------
# the kind of a wrong value, worded by lokonb.errors.kind_name (one row per former type(x).__name__ site)
# ---------------------------------------------------------------------------------------------------------------

def _dump(*extra: dict[str, Any]) -> Path:
    """A kubectl dump (JSON) with one pod and ``extra`` objects."""
    import json
    import tempfile

    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "d"},
           "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "x"}]}}
    path = Path(tempfile.mkdtemp()) / "dump.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [pod, *extra]}))
    return path


def _call_audit_rule(field: str, value: Any) -> None:
    from lokonb.kube.audit import audit_metadata_access

    policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
              "metadata": {"name": "np", "namespace": "d"},
              "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{field: value}]}}
    audit_metadata_access(_dump(policy))


def _kind_cases() -> list[tuple[str, Any, list[str]]]:
    from lokonb import config, flatcar

    return [
        ("is_lokocfg-None", lambda: config.is_lokocfg(None), ["is_lokocfg(): path must be", "got None"]),
        ("load-None", lambda: config.load(None), ["load(): path must be", "got None", "read_yaml"]),
        ("read_lokocfg-vars", lambda: config.read_lokocfg(LOKO, vars_path=None, overrides=None, text=5),
         ["read_lokocfg(): text must be a str", "got int"]),
        ("read_yaml-text", lambda: config.read_yaml(PC_YAML, text=b"x"), ["read_yaml(): text must be", "got bytes"]),
        ("load_lokocfg-path", lambda: config.load_lokocfg(None), ["path must be a file or directory path", "got None"]),
        ("parse_var_override", lambda: config.parse_var_override(None), ["expected NAME=VALUE text, got None"]),
        ("overrides", lambda: config.load_lokocfg(LOKO, VARS, overrides=5), ["overrides must be a mapping", "got int"]),
        ("not-a-model", lambda: flatcar.render_cluster(None), ["expected a cluster model", "got None"]),
        ("yaml-top-list", lambda: config.read_yaml(PC_YAML, text="- a\n"), ["expected a mapping at the top level, "
                                                                            "got a list"]),
        ("yaml-cluster-int", lambda: config.read_yaml(PC_YAML, text="cluster: 5\n"), ["got a number"]),
        ("hcl-key", lambda: config.load_lokocfg(_lokocfg('tags = { "${var.keys}" = "x" }')),
         ["a map key must be a string, got a list"]),
        ("hcl-interpolation", lambda: config.load_lokocfg(_lokocfg('controller_type = "t3-${var.keys}"')),
         ["cannot put a list value of `var.keys` into a string"]),
        ("logs-parse-lines", lambda: _parse_lines([None]), ["lines must be text", "got None in the list"]),
        ("audit-to", lambda: _call_audit_rule("to", {"ipBlock": {"cidr": "0.0.0.0/0"}}),
         ["egress rule 0 is malformed: 'to' must be a list of peers, got a map"]),
        ("audit-ports", lambda: _call_audit_rule("ports", {"port": 80}),
         ["egress rule 0 is malformed: 'ports' must be a list of ports, got a map"]),
        ("dump-not-object", lambda: _load_dump_text("- 1\n"), ["expected a Kubernetes object", "got a list"]),
        ("dump-item-null", lambda: _load_dump_text("apiVersion: v1\nkind: List\nitems: [5]\n"), ["got a number"]),
        ("node-imds", lambda: _audit_node_imds([1]), ["node_imds: must be a mapping", "got a list"]),
        ("allow-int", lambda: _render_allow(5), ["allow: must be a list of entries", "got a number"]),
        ("run-parameters", lambda: _run_parameters(5), ["parameters must be a mapping", "got int"]),
        ("diff-renders", lambda: flatcar.diff_renders(None, None), ["got None"]),
        ("validate-config", lambda: flatcar.validate_config(None), ["expected an Ignition config", "got None"]),
        ("plan-delivery", lambda: flatcar.plan_delivery(None, bucket="b"), ["expected a rendered role", "got None"]),
        ("state-record-null", lambda: _state_record(b"null"), ["holds null, not a JSON object", "move it away"]),
        ("results-json-number", lambda: _results_json("5"), ["not a lokonb results file: a number without run_id"]),
        ("saved-ign-string", lambda: _saved_ign('"x"'), ["the saved config holds a string, not an Ignition object"]),
    ]


KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"


def _lokocfg(attribute: str) -> Path:
    """A small .lokocfg whose cluster block holds ``attribute`` (and a list variable ``keys`` to misuse)."""
    import tempfile

    path = Path(tempfile.mkdtemp()) / "c.lokocfg"
    path.write_text(f'variable "keys" {{\n  default = ["{KEY}"]\n}}\n\ncluster "aws" {{\n  asset_dir = "./assets"\n'
                    f'  cluster_name = "demo"\n  dns_zone = "example.com"\n  ssh_pubkeys = var.keys\n  {attribute}\n'
                    '  worker_pool "web" {\n    count = 1\n  }\n}\n')
    return path


def _state_record(content: bytes) -> Any:
    import tempfile

    from lokonb.aws.state import LocalState

    path = Path(tempfile.mkdtemp()) / "state.json"
    path.write_bytes(content)
    return LocalState("demo", path).read()


def _results_json(content: str) -> Any:
    import tempfile

    from lokonb.notebook import read_run

    run_dir = Path(tempfile.mkdtemp())
    (run_dir / "results.json").write_text(content)
    return read_run(run_dir)


def _saved_ign(content: str) -> Any:
    import tempfile

    from lokonb.flatcar.render import _load_ign

    path = Path(tempfile.mkdtemp()) / "worker-web.ign"
    path.write_text(content)
    return _load_ign(path)


def _parse_lines(lines: Any) -> Any:
    from lokonb.logs.api import parse_lines

    return parse_lines(lines)


def _load_dump_text(text: str) -> Any:
    import tempfile

    from lokonb.kube.sources import load_dump

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
        fh.write(text)
    try:
        return load_dump(fh.name)
    finally:
        os.unlink(fh.name)


def _audit_node_imds(value: Any) -> Any:
    from lokonb.kube.audit import audit_metadata_access

    return audit_metadata_access(_dump(), node_imds=value)


def _render_allow(value: Any) -> Any:
    from lokonb.kube.workflow import render_policies

    return render_policies(["169.254.169.254/32"], value)


def _run_parameters(value: Any) -> Any:
    from lokonb.notebook import run

    return run(AL, parameters=value)


KIND_IDS = ["is_lokocfg-None", "load-None", "read_lokocfg-vars", "read_yaml-text", "load_lokocfg-path",
            "parse_var_override", "overrides", "not-a-model", "yaml-top-list", "yaml-cluster-int", "hcl-key",
            "hcl-interpolation", "logs-parse-lines", "audit-to", "audit-ports", "dump-not-object", "dump-item-null",
            "node-imds", "allow-int", "run-parameters", "diff-renders", "validate-config", "plan-delivery",
            "state-record-null", "results-json-number", "saved-ign-string"]


@pytest.mark.parametrize("case_id", KIND_IDS)
def test_wrong_kind_is_named_for_a_user(case_id: str) -> None:
    case = {c[0]: c for c in _kind_cases()}[case_id]
    with pytest.raises(LokonbError) as exc:
        case[1]()
    message = str(exc.value)
    assert all(fragment in message for fragment in case[2]), message
    assert "NoneType" not in message and "TypeError" not in message, message
    assert not re.search(r"JSON (str|int|float|bool|dict|list)\b", message), message



@pytest.mark.parametrize("other", ["prod.yml", "prod.YAML", "prod.json"])
def test_a_set_with_another_suffix_is_named(tmp_path: Path, other: str) -> None:
    from lokonb.notebook.runoptions import check_named_present

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / f"{AL}.ipynb").write_text("{}")
    folder = tmp_path / "parameters" / AL
    folder.mkdir(parents=True)
    (folder / "default.yaml").write_text("{}\n")
    (folder / other).write_text("format: klog\n")
    hint = f"({other} exists: set files are named <set>.yaml; rename it)"
    with pytest.raises(LokonbError) as exc:
        gather(RunRequest(AL, parameter_set="prod"), tmp_path)
    assert hint in str(exc.value) and "available: default" in str(exc.value), str(exc.value)
    with pytest.raises(LokonbError) as exc:
        check_named_present([AL], "prod", tmp_path)
    assert hint in str(exc.value), str(exc.value)
