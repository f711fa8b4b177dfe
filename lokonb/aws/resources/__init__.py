"""The cluster's resource graph, one module per infrastructure concern (aws.md §5).

Each module defines its :class:`~lokonb.aws.graph.ResourceType` handlers, ``desired(build)`` (the resources the
model asks for) and ``discover(aws, build, found)`` (what exists, by tags / derived names, with batched calls).
:data:`MODULES` is the order discovery runs in (later modules map ids found by earlier ones to keys).
"""

from __future__ import annotations

from lokonb.aws.resources import bucket, controllers, dns, iam, loadbalancer, network, security, workers  # noqa: F401

MODULES = (network, security, iam, bucket, controllers, loadbalancer, workers, dns)
