"""Build ``k8s-schemas-v1.21.0-strict.json.gz`` (test data) from a kubernetes-validate wheel.

kubernetes-validate >= 1.29 ships API schemas from Kubernetes 1.25 on only; 1.28.3 still ships v1.21.0, the
version lokonb pins (``lokonb.assets.versions.KUBERNETES_VERSION``). Only ``_definitions.json`` and the kinds
the asset manifests use are kept. Usage (any machine with PyPI access)::

    pip download kubernetes-validate==1.28.3 --no-deps -d /tmp/kv
    python tests/assets/data/extract_k8s_schemas.py /tmp/kv/kubernetes_validate-1.28.3-py3-none-any.whl

The schemas are kubernetes-json-schema (derived from the Kubernetes OpenAPI specification, Apache-2.0).
"""

from __future__ import annotations

import gzip
import json
import sys
import zipfile
from pathlib import Path

VERSION = "v1.21.0-local-strict"
KINDS = (
    "pod-v1",
    "secret-v1",
    "configmap-v1",
    "service-v1",
    "serviceaccount-v1",
    "daemonset-apps-v1",
    "deployment-apps-v1",
    "poddisruptionbudget-policy-v1",
    "clusterrole-rbac-v1",
    "clusterrolebinding-rbac-v1",
    "role-rbac-v1",
    "rolebinding-rbac-v1",
    "customresourcedefinition-apiextensions-v1",
)


def main(wheel: str) -> None:
    base = f"kubernetes_validate/kubernetes-json-schema/{VERSION}/"
    with zipfile.ZipFile(wheel) as z:
        bundle = {
            "source": f"{Path(wheel).name}:{base}",
            "definitions": json.loads(z.read(base + "_definitions.json")),
            "kinds": {k: json.loads(z.read(f"{base}{k}.json")) for k in KINDS},
        }
    out = Path(__file__).with_name("k8s-schemas-v1.21.0-strict.json.gz")
    out.write_bytes(gzip.compress(json.dumps(bundle, sort_keys=True).encode(), mtime=0))
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
