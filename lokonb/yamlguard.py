"""Guards for composed YAML node graphs before anything walks them as trees.

YAML aliases turn a document into a graph: ``a: &x [*x]`` is a list that contains itself (every tree walk
recurses until RecursionError) and nine levels of nine aliases expand to 387 million values from 10 lines (a walk
never ends). Both are refused with the line of the offending anchor; a large document without such aliases (a
manifest dump of a big cluster) is not.
"""

from __future__ import annotations

import yaml

from lokonb.errors import ConfigError

# Values aliases may add to a document beyond those written in it: far above any real use, far below a hang.
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


#: PyYAML's wording for a second document (``---``) where one is read: "but found another document" alone.
_SECOND_DOCUMENT = "expected a single document in the stream"


def problem_text(exc: yaml.YAMLError, what: str) -> str:
    """The problem of a YAML error as a message says it; a second document in a file that holds one ``what``
    (a parameter set, a cluster definition) says so and what is allowed."""
    if getattr(exc, "context", None) == _SECOND_DOCUMENT:
        return (f"a second YAML document starts here (after ---), but {what} is one document (allowed: one "
                "document; remove the --- line, or put each document in its own file)")
    return str(getattr(exc, "problem", None) or getattr(exc, "context", None) or exc)


def check_node_graph(root: yaml.Node | None, file: str | None, *, limit: int = MAX_EXPANDED_NODES) -> None:
    """Raise :class:`ConfigError` when ``root`` contains itself through an alias or expands beyond ``limit``."""
    if root is None:
        return
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # Iterative post-order walk: a deep document must not hit the recursion limit here either. A node's children
    # ride along on its second visit (None: not expanded yet); scalars, most of a document, are done on sight.
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, children = stack.pop()
        key = id(node)
        if children is not None:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            # Only what aliases add counts: the node's written values are among the len(sizes) distinct nodes read
            # so far, so a large document written out (a cluster's `kubectl get pods -A -o yaml`: 300 values a pod)
            # passes however big, while a few lines of nested aliases still stop here, at the first such node.
            if sizes[key] - len(sizes) > limit:
                raise ConfigError(
                    f"YAML aliases expand this document to more than {limit:,} values (an alias bomb?); "
                    "write the values out instead of nesting aliases",
                    file=file, line=node.start_mark.line + 1)
            continue
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = 1
            continue
        if key in on_path:
            raise ConfigError(
                "recursive YAML alias: the value anchored here contains an alias to itself "
                "(allowed: aliases to values defined and closed earlier)",
                file=file, line=node.start_mark.line + 1, column=node.start_mark.column + 1)
        on_path.add(key)
        children = _children(node)
        stack.append((node, children))
        stack.extend((child, None) for child in children)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []
