"""aws.md §4.1: every taggable resource carries ``Name`` in its create call; IAM roles, their instance profiles and
NLB listeners had none. A tag change reaches the instance profile too (it was created with the role's tags and
kept the old ones)."""

from __future__ import annotations

from aws.conftest import boto
from lokonb.aws import api


def _tags(items) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in items or []}


def _iam_tags(iam, cluster: str) -> dict[str, tuple[dict, dict]]:
    """role name -> (role tags, instance profile tags) for the cluster's path."""
    out = {}
    for r in iam.list_roles(PathPrefix=f"/lokonb/{cluster}/")["Roles"]:
        name = r["RoleName"]
        out[name] = (_tags(iam.list_role_tags(RoleName=name)["Tags"]),
                     # moto has no ListInstanceProfileTags (a 500): GetInstanceProfile reports the tags too
                     _tags(iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"].get("Tags")))
    return out


def test_roles_profiles_and_listeners_are_named_and_profile_tags_follow(make_config, aws_url):
    api.apply(make_config(), node_configs="minimal", progress=False)
    iam, elb = boto(aws_url, "iam"), boto(aws_url, "elbv2")

    tags = _iam_tags(iam, "demo")
    assert set(tags) == {"demo-controller", "demo-web-worker", "demo-batch-worker"}
    for name, (role, profile) in tags.items():
        assert role["Name"] == name and profile == role, name

    lb = elb.describe_load_balancers(Names=["demo-nlb"])["LoadBalancers"][0]
    listeners = elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]
    described = elb.describe_tags(ResourceArns=[li["ListenerArn"] for li in listeners])["TagDescriptions"]
    by_arn = {d["ResourceArn"]: _tags(d["Tags"]) for d in described}
    assert sorted(by_arn[li["ListenerArn"]]["Name"] for li in listeners) == sorted(
        f"demo-nlb:{li['Port']}" for li in listeners)

    # a changed and a removed user tag reach role and profile alike
    res = api.apply(make_config(tags={"owner": "ops"}), node_configs="minimal", progress=False)
    assert (res.result_df.status == "done").all()
    for name, (role, profile) in _iam_tags(iam, "demo").items():
        assert role.get("owner") == "ops" and "team" not in role, name
        assert profile == role, name
