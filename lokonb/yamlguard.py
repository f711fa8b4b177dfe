"""Guards for composed YAML node graphs before anything walks them as trees.

YAML aliases turn a document into a graph: ``a: &x [*x]`` is a list that contains itself (every tree walk
recurses until RecursionError) and nine levels of nine aliases expand to 387 million values from 10 lines (a walk
never ends). lokonb's inputs are small trees, so both are refused with the line of the offending anchor.
"""

from __future__ import annotations

import yaml

from lokonb.errors import ConfigError

# Expanded values allowed per document: far above any cluster definition or parameter set, far below a hang.
MAX_EXPANDED_NODES = 100_000
# Nesting allowed per document: PyYAML's composer recurses (three frames a level), so 5,000 `[` ended in a
# RecursionError traceback; no cluster definition or parameter set comes near 100 levels.
MAX_DEPTH = 100


class DepthLimited:
    """Mixin for a pure-Python PyYAML loader: refuse lists/mappings nested deeper than :data:`MAX_DEPTH` with a
    ``ComposerError`` at the offending line (callers already turn those into file:line errors)."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self._depth >= MAX_DEPTH:
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            raise yaml.composer.ComposerError(
                None, None, f"lists/mappings nested more than {MAX_DEPTH} levels deep (allowed: up to {MAX_DEPTH})",
                mark)
        self._depth += 1
        try:
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1


class GuardedSafeLoader(DepthLimited, yaml.SafeLoader):
    """``yaml.SafeLoader`` with the nesting limit of :class:`DepthLimited`."""


def check_node_graph(root: yaml.Node | None, file: str | None, *, limit: int = MAX_EXPANDED_NODES) -> None:
    """Raise :class:`ConfigError` when ``root`` contains itself through an alias or expands beyond ``limit``."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # Iterative post-order walk: a deep document must not hit the recursion limit here either.
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > limit:
                raise ConfigError(
                    f"YAML aliases expand this document to more than {limit:,} values (an alias bomb?); "
                    "write the values out instead of nesting aliases",
                    file=file, line=node.start_mark.line + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise ConfigError(
                "recursive YAML alias: the value anchored here contains an alias to itself "
                "(allowed: aliases to values defined and closed earlier)",
                file=file, line=node.start_mark.line + 1, column=node.start_mark.column + 1)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
