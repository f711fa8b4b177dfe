"""lokonb: Lokomotive-style Kubernetes clusters on AWS with Flatcar, as a library with notebooks on top.

Packages mirror the domain and data flows one way:
parameters -> ``lokonb.config`` (model) -> ``lokonb.flatcar`` / ``lokonb.aws`` / ``lokonb.kube`` / ``lokonb.logs``
-> notebook outputs and reports (``lokonb.notebook``). Importing ``lokonb`` is cheap: no heavy dependency is
imported here.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
