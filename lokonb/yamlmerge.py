"""YAML 1.1 merge keys (``<<: *base``) on composed nodes, for every YAML reader of lokonb's inputs.

A mapping's own keys override merged ones, as in every YAML 1.1 reader. A key that two merged mappings both set
(``<<: [*a, *b]``) and the mapping does not set itself is refused: the merge spec says the first wins, but PyYAML
(so plain papermill) lets the last one win for most keys, and a set file must mean the same to both (R2.10).
"""

from __future__ import annotations

import yaml

from lokonb.errors import ConfigError

MERGE_TAG = "tag:yaml.org,2002:merge"
Pair = tuple[yaml.Node, yaml.Node]


def merged_pairs(node: yaml.MappingNode, file: str | None) -> tuple[list[Pair], list[Pair]]:
    """``(merged pairs, own pairs)`` of ``node``: the pairs its ``<<`` key brings in (none overridden by an own
    key, at most one per key) and its other pairs, in document order."""
    merge_values = [value for key, value in node.value if key.tag == MERGE_TAG]
    own = [(key, value) for key, value in node.value if key.tag != MERGE_TAG]
    if len(merge_values) > 1:
        first, second = [key for key, _ in node.value if key.tag == MERGE_TAG][:2]
        raise _error(f"duplicate key '<<' (first set on line {first.start_mark.line + 1}; merge several mappings "
                     "with `<<: [*a, *b]`)", second, file)
    if not merge_values:
        return [], own
    value = merge_values[0]
    sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
    own_keys = {_key(key) for key, _ in own}
    taken: dict[object, yaml.Node] = {}
    merged: list[Pair] = []
    for source in sources:
        if not isinstance(source, yaml.MappingNode):
            raise _error("a merge key `<<` takes a mapping or a list of mappings (e.g. `<<: *base`), "
                         f"got {_kind(source)}", source, file)
        inner_merged, inner_own = merged_pairs(source, file)
        for key, item in inner_merged + inner_own:
            name = _key(key)
            if name in own_keys:
                continue
            if name in taken:
                raise _error(f"key {key.value!r} comes from more than one merged mapping (lines "
                             f"{taken[name].start_mark.line + 1} and {key.start_mark.line + 1}); YAML readers "
                             "disagree on which wins: set it here", value, file)
            taken[name] = key
            merged.append((key, item))
    return merged, own


def _key(node: yaml.Node) -> object:
    return ("scalar", node.value) if isinstance(node, yaml.ScalarNode) else ("node", id(node))


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "a mapping" if isinstance(node, yaml.MappingNode) else f"the value {node.value!r}"


def _error(message: str, node: yaml.Node, file: str | None) -> ConfigError:
    mark = node.start_mark
    return ConfigError(message, file=file, line=mark.line + 1, column=mark.column + 1)
