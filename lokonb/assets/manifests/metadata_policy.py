"""The ``block-metadata-access`` GlobalNetworkPolicy (metadata.md §1), owned by the metadata area.

The add-ons include exactly what ``lokonb.kube.metadata.render_block_policy`` renders, so the policy the
cluster
boots with is the one ``lokonb metadata`` audits and applies.
"""

from __future__ import annotations

from lokonb.kube.metadata import render_block_policy

DEFAULT_BLOCKED = ("169.254.169.254/32",)


def block_policy() -> dict:
    return render_block_policy(DEFAULT_BLOCKED)
