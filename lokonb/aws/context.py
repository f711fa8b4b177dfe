"""Reads every plan needs before building the desired graph: account, AZs, hosted zone, instance types, AMIs
(aws.md §3.3 preflight P1–P6, §5.5 AMI lookup). All problems are collected and reported at once."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lokonb.aws import names
from lokonb.aws.errors import AmiNotFound, AwsError, PreflightError
from lokonb.aws.nodeconfigs import NodeConfigs


@dataclass
class Build:
    """Inputs of the desired graph that come from AWS (plus the rendered node configs)."""

    config: Any
    account: str
    partition: str
    region: str
    azs: list[str]
    zone_id: str
    zone_name: str
    amis: dict[tuple[str, str, str], dict]
    arch: dict[str, str]
    node_configs: NodeConfigs
    notes: list[str] = field(default_factory=list)
    plain_http: bool = False

    @property
    def cluster(self) -> str:
        return self.config.cluster_name

    @property
    def bucket(self) -> str:
        return names.bucket_name(self.account, self.region, self.cluster)

    def tags(self, key: str, name: str | None, pool: Any = None) -> dict[str, str]:
        user = dict(pool.tags) if pool is not None else dict(self.config.tags)
        return names.ownership_tags(self.cluster, key, name, pool.name if pool is not None else None, user)

    def ami(self, channel: str, version: str, instance_type: str) -> dict:
        return self.amis[(channel, version, self.arch.get(instance_type, names.arch_of(instance_type)))]

    def delivery(self, role: str) -> Any:
        """The role's :class:`~lokonb.aws.nodeconfigs.Delivered` (cached)."""
        cache = self.__dict__.setdefault("_deliveries", {})
        if role not in cache:
            cache[role] = self.node_configs.deliver(self.cluster, role, self.bucket)
        return cache[role]

    @property
    def subnet_count(self) -> int:
        return min(len(self.azs), 16)


def _ami_query(aws: Any, owner: str, channel: str, version: str, arch: str) -> dict | None:
    pattern = f"Flatcar-{channel}-*" if version == "current" else f"Flatcar-{channel}-{version}-*"
    images = aws.call("ec2", "describe_images", Owners=[owner], Filters=[
        {"Name": "name", "Values": [pattern]}, {"Name": "architecture", "Values": [arch]},
        {"Name": "virtualization-type", "Values": ["hvm"]}, {"Name": "state", "Values": ["available"]}])["Images"]
    if version != "current":  # "3815.2.1-*" must not match "3815.2.10-..." -> the glob already prevents that
        images = [i for i in images if i["Name"].startswith(f"Flatcar-{channel}-{version}-")]

    def vkey(img: dict) -> tuple:
        m = re.search(r"-(\d+)\.(\d+)\.(\d+)", img.get("Name", ""))
        return (img.get("CreationDate", ""), tuple(int(x) for x in m.groups()) if m else (), img["ImageId"])

    return max(images, key=vkey) if images else None


def preflight(aws: Any, config: Any, node_configs: NodeConfigs) -> Build:
    """Run P1–P6 and return the :class:`Build`; raise :class:`PreflightError` listing every problem."""
    problems: list[str] = []
    region = aws.region
    aws.identify()
    azs_raw = aws.call("ec2", "describe_availability_zones", Filters=[
        {"Name": "zone-type", "Values": ["availability-zone"]}, {"Name": "state", "Values": ["available"]}])
    azs = sorted(z["ZoneName"] for z in azs_raw["AvailabilityZones"])
    if config.controller_count > len(azs):
        problems.append(f"controller_count: {config.controller_count} controllers need as many availability "
                        f"zones, {region} has {len(azs)} ({', '.join(azs)}); use at most {len(azs)}")
    # P4 hosted zone
    zone_name = config.dns_zone.rstrip(".") + "."
    zone_id = ""
    want_id = (config.dns_zone_id or "").replace("/hostedzone/", "") or None
    notes: list[str] = []
    if aws.embedded is not None:
        seeded = aws.embedded.seed_zone(config.dns_zone)
        if want_id and want_id != seeded:
            notes.append(f"dns_zone_id {want_id} replaced by the embedded AWS's zone {seeded}")
        want_id = seeded
    try:
        if want_id:
            z = aws.call("route53", "get_hosted_zone", Id=want_id)["HostedZone"]
            if z["Name"] != zone_name:
                problems.append(f"dns_zone_id {want_id} is the zone {z['Name']}, not {zone_name}")
            elif z.get("Config", {}).get("PrivateZone"):
                problems.append(f"dns_zone_id {want_id} is a private hosted zone; the API and ingress records need "
                                f"the public zone {zone_name}")
            zone_id = want_id
        else:
            zones = aws.call("route53", "list_hosted_zones_by_name", DNSName=zone_name, MaxItems="100")
            public = [z for z in zones["HostedZones"]
                      if z["Name"] == zone_name and not z.get("Config", {}).get("PrivateZone")]
            if not public:
                problems.append(f"No public Route 53 hosted zone named {zone_name} is visible to account "
                                f"{aws.account_id}; create it or fix dns_zone")
            elif len(public) > 1:
                problems.append(f"several public zones are named {zone_name} "
                                f"({', '.join(z['Id'].split('/')[-1] for z in public)}); set dns_zone_id")
            else:
                zone_id = public[0]["Id"].split("/")[-1]
    except AwsError as exc:
        if exc.code in ("NoSuchHostedZone",):
            problems.append(f"dns_zone_id {want_id}: no such hosted zone in account {aws.account_id}")
        else:
            raise
    # P6 instance types -> architecture
    types = sorted({config.controller_type} | {p.instance_type for p in config.worker_pools}
                   | {t for p in config.worker_pools for t in getattr(p, "spot_instance_types", ())})
    arch: dict[str, str] = {}
    try:
        resp = aws.call("ec2", "describe_instance_types", InstanceTypes=types)
        for it in resp["InstanceTypes"]:
            archs = it.get("ProcessorInfo", {}).get("SupportedArchitectures", [])
            arch[it["InstanceType"]] = "arm64" if "arm64" in archs and "x86_64" not in archs else "x86_64"
    except AwsError as exc:
        if exc.code.startswith("InvalidInstanceType"):
            problems.append(f"unknown instance type among {', '.join(types)}: {exc}")
        else:
            raise
    for t in types:
        arch.setdefault(t, names.arch_of(t))
    # P7 extra target groups exist
    extra_tgs = sorted({arn for p in config.worker_pools for arn in p.target_groups})
    if extra_tgs:
        try:
            aws.call("elbv2", "describe_target_groups", TargetGroupArns=extra_tgs)
        except AwsError as exc:
            if exc.code not in ("TargetGroupNotFound", "ValidationError"):
                raise
            for arn in extra_tgs:
                try:
                    aws.call("elbv2", "describe_target_groups", TargetGroupArns=[arn])
                except AwsError:
                    pools = [f'worker_pool["{p.name}"]' for p in config.worker_pools if arn in p.target_groups]
                    problems.append(f"{', '.join(pools)}.target_groups: {arn} does not exist in {region}")
    # P5 AMIs
    owner = config.aws.flatcar_ami_owner
    wanted: dict[tuple[str, str, str], str] = {}
    # every user of an AMI with its disk_size: pools sharing the controllers' AMI are checked too (P5)
    disks: dict[tuple[str, str, str], list[tuple[str, int]]] = {}
    ckey = (config.os_channel, config.os_version, arch[config.controller_type])
    wanted.setdefault(ckey, "controllers")
    disks.setdefault(ckey, []).append(("controllers", config.disk_size))
    for p in config.worker_pools:
        pkey = (p.os_channel, p.os_version, arch[p.instance_type])
        wanted.setdefault(pkey, f'worker_pool["{p.name}"]')
        disks.setdefault(pkey, []).append((f'worker_pool["{p.name}"]', p.disk_size))
    amis: dict[tuple[str, str, str], dict] = {}
    for (channel, version, a), who in wanted.items():
        img = _ami_query(aws, owner, channel, version, a)
        if img is None:
            name = f"Flatcar-{channel}-*" if version == "current" else f"Flatcar-{channel}-{version}-*"
            problems.append(str(AmiNotFound(
                f"No Flatcar AMI for {who} in {region}: owner {owner}, name {name}, architecture {a}, "
                "virtualization-type hvm, state available. Check os_channel/os_version, the region, and "
                "aws.flatcar_ami_owner (other partitions use other publisher accounts).")))
        else:
            amis[(channel, version, a)] = img
            root = next((b for b in img.get("BlockDeviceMappings", [])
                         if b.get("DeviceName") == img.get("RootDeviceName")), None)
            min_size = (root or {}).get("Ebs", {}).get("VolumeSize", 0)
            for user, size in disks[(channel, version, a)]:
                if size < min_size:
                    problems.append(f"{user}: disk_size {size} GiB is smaller than the AMI's root snapshot "
                                    f"({min_size} GiB)")
    if problems:
        raise PreflightError(problems)
    b = Build(config=config, account=aws.account_id, partition=aws.partition, region=region, azs=azs,
              zone_id=zone_id, zone_name=zone_name, amis=amis, arch=arch, node_configs=node_configs, notes=notes)
    b.plain_http = bool(aws.endpoint_url and aws.endpoint_url.startswith("http://"))
    if b.plain_http:
        b.notes.append("plain-HTTP endpoint: the node-config bucket gets no deny-non-TLS policy (it would deny "
                       "every request through this endpoint)")
    b.notes.extend(node_configs.notes)
    return b
