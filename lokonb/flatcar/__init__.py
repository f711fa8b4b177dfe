"""Flatcar node configs: Container Linux Config and Butane to Ignition, node templates, snippets, validation,
EC2 delivery (``flatcar.md``). Heavy pieces are imported lazily so ``import lokonb.flatcar`` stays cheap."""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "translate_clc": "lokonb.flatcar.clc",
    "to_json": "lokonb.flatcar.gojson",
    "ReportEntry": "lokonb.flatcar.report",
    "Translation": "lokonb.flatcar.report",
    "translate_butane": "lokonb.flatcar.butane",
    "translate": "lokonb.flatcar.translator",
    "detect_format": "lokonb.flatcar.translator",
    "convert_2x_to_3x": "lokonb.flatcar.convert",
    "merge_3x": "lokonb.flatcar.merge",
    "append_2x": "lokonb.flatcar.merge",
    "validate_config": "lokonb.flatcar.validate",
    "run_ignition_validate": "lokonb.flatcar.validate",
    "Finding": "lokonb.flatcar.validate",
    "NodeAssets": "lokonb.flatcar.assets",
    "render_cluster": "lokonb.flatcar.render",
    "ClusterRender": "lokonb.flatcar.render",
    "RoleConfig": "lokonb.flatcar.render",
    "plan_delivery": "lokonb.flatcar.delivery",
    "pointer_config": "lokonb.flatcar.delivery",
    "Delivery": "lokonb.flatcar.delivery",
    "diff_renders": "lokonb.flatcar.diff",
    "RenderDiff": "lokonb.flatcar.diff",
    "TranslationError": "lokonb.flatcar.errors",
    "RenderError": "lokonb.flatcar.errors",
    "TemplateError": "lokonb.flatcar.errors",
    "DeliveryError": "lokonb.flatcar.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lokonb.flatcar' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
