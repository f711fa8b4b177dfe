"""HCL that lokoctl's hcl/v2 reads one way and python-hcl2 another (composed fixtures ``tests/fixtures/lokocfg_hcl``,
sources in that folder's README): what lokoctl accepted loads with its meaning, what it refused is a located error
saying what to write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lokonb.config import read_lokocfg
from lokonb.config.hclexpr import Context, evaluate
from lokonb.config.lokocfg import _HCL_CONVERSIONS, _blank_inline_comments
from lokonb.errors import ConfigError

from .test_lokomotive_go_cases import _lookup

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lokocfg_hcl"


@pytest.fixture(scope="module")
def forms() -> dict[str, Any]:
    return read_lokocfg(FIXTURES / "hcl-forms.lokocfg", FIXTURES / "hcl-forms.vars").config.to_dict()


#: (construct in hcl-forms.lokocfg, model path, value lokoctl decoded it to)
ACCEPTED: list[tuple[str, str, Any]] = [
    # /* */ comments are white space to hcl/v2 wherever they stand; python-hcl2 took one before a '{' for a label
    ("comment between block type, label and '{'", "cluster_name", "hcl-forms"),
    ("comment between a pool's label and '{'", "worker_pools[0].name", "web"),
    ("comment after '='", "dns_zone_id", "Z0HCLFORMS123"),
    ("comment after a value", "controller_type", "t3.small"),
    ("comment as a list item before a trailing comma", "ssh_pubkeys", [
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"]),
    # a map key in parentheses is an expression
    ("(var.x) as a tags key, the variable from the vars file", "tags", {"team": "platform", "cost-center": "4711"}),
    ("(var.x) as a labels key, the variable's default", "worker_pools[0].labels", {"node.kubernetes.io/web": "true"}),
    # null for a list or map: gocty decodes it into a nil Go slice or map, i.e. empty
    ("var.x whose default is null, as a list", "controller_clc_snippets", []),
    ("null taints", "worker_pools[0].taints", {}),
    ("null clc_snippets", "worker_pools[0].clc_snippets", []),
    ("null target_groups", "worker_pools[0].target_groups", []),
    ("null pool tags (the cluster's apply)", "worker_pools[0].tags", {"team": "platform", "cost-center": "4711"}),
    # go-cty's string -> bool conversion takes "1" and "0" as well as "true" and "false"
    ('"1" for a bool', "enable_csi", True),
    ('"0" for a bool', "enable_reporting", False),
]


@pytest.mark.parametrize(("construct", "path", "value"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_hcl_forms_lokoctl_accepted_load_with_its_meaning(forms, construct, path, value):
    assert _lookup(forms, path) == value, construct


#: (refused/<file>, line, column or None, message fragments): hcl/v2 refused these; lokonb says where and what to write
REFUSED: list[tuple[str, int, int | None, tuple[str, ...]]] = [
    # hcl/v2: "Ambiguous attribute key"; python-hcl2 gave the key "${var.team_tag}", then a tag key error
    ("ambiguous-key.lokocfg", 8, None, ("map key var.team_tag is ambiguous", "write (var.team_tag) = ...",
                                        '"var.team_tag" = ...')),
    # hcl/v2 refuses a line break in a quoted string; python-hcl2 kept it in the value
    ("string-over-lines.lokocfg", 8, 30, ("a string is not closed on this line", "cannot span lines", "heredoc",
                                          "\\n for a line break")),
    # an unclosed /* swallowed the rest of the file: the error was "a '}' is missing" at its end
    ("open-comment.lokocfg", 8, 3, ("a /* comment is not closed (a */ is missing)",)),
]


@pytest.mark.parametrize(("name", "line", "column", "words"), REFUSED, ids=[r[0] for r in REFUSED])
def test_hcl_forms_lokoctl_refused_are_located_errors(name, line, column, words):
    with pytest.raises(ConfigError) as info:
        read_lokocfg(FIXTURES / "refused" / name)
    assert (Path(info.value.file).name, info.value.line) == (name, line)
    if column is not None:
        assert info.value.column == column
    for word in words:
        assert word in str(info.value)


#: (text, what python-hcl2 is given): comments become spaces; strings, templates and heredocs keep "/*" as text
BLANKING: list[tuple[str, str]] = [
    ('a "b" /* c */ {', 'a "b"         {'),
    ("x = /* 1\n2 */ 3", "x =     \n     3"),
    ('x = "/* kept */"', 'x = "/* kept */"'),
    ('x = "${"a/*b"}" /* c */', 'x = "${"a/*b"}"        '),
    ("x = <<EOF\n/* kept */\nEOF\ny = 1 /**/", "x = <<EOF\n/* kept */\nEOF\ny = 1     "),
    ("x = 1 # /* a line comment", "x = 1 # /* a line comment"),
    ('x = "\\"/*" /**/', 'x = "\\"/*"     '),
]


@pytest.mark.parametrize(("text", "blanked"), BLANKING)
def test_block_comments_become_spaces_outside_strings_and_heredocs(text, blanked):
    assert _blank_inline_comments(text) == (blanked, None)
    assert [len(line) for line in blanked.split("\n")] == [len(line) for line in text.split("\n")]


def test_an_unclosed_block_comment_is_found_where_it_opens():
    assert _blank_inline_comments('x = 1\n  /* a\n"b" = 2')[1] == (2, 3)


#: (map as written, variables, value): a key in parentheses is an expression (a number or bool key becomes text)
KEYS: list[tuple[str, dict[str, object], dict[str, str]]] = [
    ('{ (var.k) = "v" }', {"k": "team"}, {"team": "v"}),
    ('{ ("a.b/c") = "v", plain = "w" }', {}, {"a.b/c": "v", "plain": "w"}),
    ('{ (var.n) = "v" }', {"n": 5}, {"5": "v"}),
    ('{ "${var.k}-owner" = "v" }', {"k": "team"}, {"team-owner": "v"}),
]


@pytest.mark.parametrize(("text", "variables", "value"), KEYS)
def test_map_keys_in_parentheses_are_evaluated(text, variables, value):
    import hcl2

    raw = hcl2.loads(f"x = {text}\n")["x"]
    ctx = Context(variables=variables, declared=frozenset(variables), search_dirs=())
    assert evaluate(raw, ctx) == value


#: (attribute kind, value as written, value lokoctl decoded): go-cty's conversions of strings (big.Float's Parse for
#: numbers), and null for a Go slice or map; anything else is left as it is for the type check to report
CONVERSIONS: list[tuple[str, Any, Any]] = [
    ("bool", "1", True), ("bool", "0", False), ("bool", "true", True), ("bool", "True", "True"),
    ("bool", "yes", "yes"), ("bool", 1, 1),
    ("int", "+3", 3), ("int", "3.", 3), ("int", "4e1", 40), ("number", ".5", 0.5), ("int", " 3", " 3"),
    ("int", "0x10", "0x10"), ("int", None, None), ("str", None, None),
    ("list", None, []), ("map", None, {}), ("list", [1, True], ["1", "true"]),
]


@pytest.mark.parametrize(("kind", "written", "decoded"), CONVERSIONS)
def test_string_and_null_conversions_follow_go_cty(kind, written, decoded):
    assert _HCL_CONVERSIONS[kind](written) == decoded
