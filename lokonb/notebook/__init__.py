"""Notebook workflow: typed parameters, the run wrapper, recorded results, reports, secrets, widgets, scheduling.

Importing this package is cheap (no papermill, pandas, boto3 ...); submodules import what they need.
"""

from __future__ import annotations

from lokonb.notebook.results import record

__all__ = ["record"]
