"""Bootstrap-token Secrets and the RBAC for kubelet TLS bootstrapping and CSR auto-approval.

Each token authenticates as ``system:bootstrappers`` plus its own group
``system:bootstrappers:lokonb:<role>``;
the bindings name those groups, so a token deleted from the cluster loses its rights with it.
"""

from __future__ import annotations

from lokonb.assets.manifests.common import ManifestContext, cluster_role_binding, group_subject, meta

NODE_BOOTSTRAPPER = "system:node-bootstrapper"
APPROVE_NEW = "system:certificates.k8s.io:certificatesigningrequests:nodeclient"
APPROVE_RENEWAL = "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"


def render(ctx: ManifestContext) -> list[dict]:
    docs: list[dict] = []
    if ctx.config.enable_tls_bootstrap:
        groups = [group_subject(t.group) for t in ctx.tokens]
        docs += [t.secret_manifest() for t in ctx.tokens]
        docs += [
            cluster_role_binding("lokonb:kubelet-bootstrap", NODE_BOOTSTRAPPER, groups),
            cluster_role_binding("lokonb:node-autoapprove-bootstrap", APPROVE_NEW, groups),
            cluster_role_binding(
                "lokonb:node-autoapprove-certificate-rotation",
                APPROVE_RENEWAL,
                [group_subject("system:nodes")],
            ),
        ]
    else:
        # One shared kubelet certificate cannot satisfy the Node authorizer (CN system:node:<name>): grant the
        # system:node role to the group instead, as Lokomotive did.
        docs.append(
            cluster_role_binding("lokonb:kubelet-nodes", "system:node", [group_subject("system:nodes")])
        )
    # Workers delete their own Node object on shutdown (delete-node.service, flatcar.md §7.5).
    docs.append(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta("lokonb:kubelet-delete", None),
            "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "delete"]}],
        }
    )
    docs.append(
        cluster_role_binding(
            "lokonb:kubelet-delete", "lokonb:kubelet-delete", [group_subject("system:nodes")]
        )
    )
    return docs
