"""Tests of lokonb.kube: metadata policies, audit, apply, the Kubernetes API test server, the notebook."""
