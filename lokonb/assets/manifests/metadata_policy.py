"""The ``block-metadata-access`` GlobalNetworkPolicy (metadata.md §1).

The metadata area owns the policy (``lokonb.kube.metadata.render_block_policy``); it is used when importable.
FALLBACK: until that module exists, :func:`_fallback_block_policy` renders the exact shape of metadata.md §1.
"""

from __future__ import annotations

DEFAULT_BLOCKED = ("169.254.169.254/32",)


def block_policy() -> dict:
    try:
        from lokonb.kube.metadata import render_block_policy
    except ImportError:  # FALLBACK (metadata helper's module not present yet)
        return _fallback_block_policy(DEFAULT_BLOCKED)
    return render_block_policy(DEFAULT_BLOCKED)


def _fallback_block_policy(blocked: tuple[str, ...]) -> dict:
    return {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "block-metadata-access"},
        "spec": {
            "selector": "!has(host-endpoint)",
            "types": ["Egress"],
            "egress": [{"action": "Allow", "destination": {"notNets": list(blocked)}}],
        },
    }
