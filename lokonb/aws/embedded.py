"""The embedded AWS (aws.md §11): a moto server on 127.0.0.1, seeded like a real account.

* :func:`acquire` / :func:`release` keep **one** server per process (moto's backends are process-global, so a
  second server would share state anyway), reference-counted: the first user starts it, the last one stops it.
* Seeding: a Flatcar AMI catalogue (every channel, two releases, x86_64 and arm64, owner = the Flatcar publisher)
  through ``MOTO_AMIS_PATH`` — set before ``moto.ec2`` is imported, or patched into moto's already-loaded catalogue —
  and a public Route 53 hosted zone per requested DNS zone (:meth:`EmbeddedAWS.seed_zone`).
* ``python -m lokonb.aws.embedded serve --port N`` runs one in its own process, for runs that must outlive a
  single command (an apply followed by a separate plan, or a test that kills an apply).

Clients talking to it use dummy credentials (``testing``) and account 123456789012.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lokonb.errors import OperationFailed

log = logging.getLogger(__name__)

#: Account id moto uses by default.
ACCOUNT_ID = "123456789012"
#: Default publisher account of Flatcar AMIs (aws.md §2.5 aws.flatcar_ami_owner).
FLATCAR_OWNER = "075585003325"
#: Flatcar releases in the catalogue, oldest first per channel.
CATALOGUE: dict[str, tuple[str, ...]] = {
    "stable": ("3815.2.0", "3815.2.5"),
    "beta": ("3850.1.0", "3874.1.0"),
    "alpha": ("3913.0.0", "3941.0.0"),
    "edge": ("3874.99.0", "3941.99.0"),
}
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

_ENV = {
    "MOTO_ENABLE_AMI_VALIDATION": "true",
    "MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION": "true",
}


def ami_catalogue(owner: str = FLATCAR_OWNER) -> list[dict]:
    """The generated AMI catalogue in moto's ``MOTO_AMIS_PATH`` format (deterministic ids and dates)."""
    images = []
    n = 0
    for channel, versions in CATALOGUE.items():
        for vi, version in enumerate(versions):
            for arch, suffix in (("x86_64", ""), ("arm64", "-arm64")):
                n += 1
                images.append({
                    "ami_id": f"ami-0f1a7ca7{n:09x}",
                    "name": f"Flatcar-{channel}-{version}{suffix}-hvm",
                    "description": f"Flatcar Container Linux {channel} {version}",
                    "owner_id": owner,
                    "public": True,
                    "virtualization_type": "hvm",
                    "architecture": arch,
                    "state": "available",
                    "platform": None,
                    "image_type": "machine",
                    "hypervisor": "xen",
                    "root_device_name": "/dev/xvda",
                    "root_device_type": "ebs",
                    "sriov": "simple",
                    "creation_date": f"2026-0{1 + vi}-{10 + len(images) % 10:02d}T00:00:00.000Z",
                    "tags": {},
                })
    return images


def prepare_environment() -> None:
    """Point moto at the Flatcar catalogue, enable its validations and fix its launch-template user data (call
    before moto.ec2 is imported).

    If ``moto.ec2`` was imported already (another library did so), the loaded catalogue list is replaced in place,
    which moto reads whenever a region backend is (re)created — so resets keep the AMIs too.
    """
    for key, value in _ENV.items():
        os.environ.setdefault(key, value)
    catalogue = ami_catalogue()
    if "MOTO_AMIS_PATH" not in os.environ or not Path(os.environ["MOTO_AMIS_PATH"]).exists():
        fd, path = tempfile.mkstemp(prefix="lokonb-flatcar-amis-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(catalogue, fh)
        os.environ["MOTO_AMIS_PATH"] = path
    amis_mod = sys.modules.get("moto.ec2.models.amis")
    if amis_mod is not None and not any(str(a.get("name", "")).startswith("Flatcar-") for a in amis_mod.AMIS):
        amis_mod.AMIS[:] = catalogue
    _parse_launch_template_version_user_data()


def _parse_launch_template_version_user_data() -> None:
    """moto 5.2.5 keeps CreateLaunchTemplateVersion's UserData as a plain string, while its Auto Scaling code
    asserts the Base64EncodedString that CreateLaunchTemplate stores: every instance launched from a version >= 2
    crashed the server (HTTP 500), i.e. any scale-up after a node-config change. Parse it as CreateLaunchTemplate
    does (moto internals, like the AMI catalogue; the canary in tests/aws/test_moto_gaps.py notices a fix)."""
    from moto.ec2.models.launch_templates import LaunchTemplate
    from moto.ec2.utils import parse_user_data

    original = LaunchTemplate.create_version
    if getattr(original, "lokonb_original", None) is not None:
        return  # already applied (prepare_environment runs once per server start)

    def create_version(self, data, description):  # type: ignore[no-untyped-def]
        if isinstance(data.get("UserData"), str):
            data = {**data, "UserData": parse_user_data(data["UserData"])}
        return original(self, data, description)

    create_version.lokonb_original = original  # type: ignore[attr-defined]
    LaunchTemplate.create_version = create_version


@dataclass
class EmbeddedAWS:
    """A running moto server (in this process, or reached by URL)."""

    url: str
    region: str = "eu-central-1"
    _server: object | None = field(default=None, repr=False)
    _zones: set[str] = field(default_factory=set, repr=False)

    def client(self, service: str, region: str | None = None):
        """A boto3 client for this server with dummy credentials."""
        from lokonb.aws.session import _new_session

        return _new_session(**DUMMY_CREDENTIALS, region_name=region or self.region).client(
            service, endpoint_url=self.url)

    def seed_zone(self, dns_zone: str) -> str:
        """Create a public hosted zone for ``dns_zone`` unless one exists; return its id (without /hostedzone/)."""
        name = dns_zone.rstrip(".") + "."
        r53 = self.client("route53")
        found = r53.list_hosted_zones_by_name(DNSName=name, MaxItems="10")["HostedZones"]
        for zone in found:
            if zone["Name"] == name and not zone.get("Config", {}).get("PrivateZone"):
                return zone["Id"].split("/")[-1]
        zone = r53.create_hosted_zone(Name=name, CallerReference=f"lokonb-seed-{name}-{time.time_ns()}",
                                      HostedZoneConfig={"Comment": "seeded by lokonb (embedded AWS)",
                                                        "PrivateZone": False})
        self._zones.add(name)
        return zone["HostedZone"]["Id"].split("/")[-1]

    def reset(self) -> None:
        """Drop every resource (POST /moto-api/reset); the AMI catalogue survives, zones must be re-seeded."""
        req = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")  # noqa: S310 - our own loopback server
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - 127.0.0.1 only
            resp.read()


_lock = threading.Lock()
_refs = 0
_current: EmbeddedAWS | None = None


_USER_AWS_CONFIG = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE")


@contextlib.contextmanager
def _without_user_aws_config() -> Iterator[None]:
    """Import moto without the user's AWS profile and config file: moto builds a boto3 session when imported, and a
    profile that does not exist (a shell set up for another account) or a config file botocore cannot parse ended
    the embedded AWS, which uses neither, in botocore's ProfileNotFound or ConfigParseError (an internal error)."""
    saved = {key: os.environ.pop(key) for key in _USER_AWS_CONFIG if key in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def acquire(region: str = "eu-central-1") -> EmbeddedAWS:
    """Start the process's embedded AWS (or take another reference to the running one)."""
    global _refs, _current
    with _lock:
        if _current is None:
            with _without_user_aws_config():
                prepare_environment()
                from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            host, port = server.get_host_and_port()
            _current = EmbeddedAWS(url=f"http://{host}:{port}", region=region, _server=server)
            log.info("embedded AWS started at %s", _current.url)
        _refs += 1
        return _current


def release(embedded: EmbeddedAWS | None = None) -> None:
    """Drop one reference; the last one stops the server."""
    global _refs, _current
    with _lock:
        if _current is None:
            return
        _refs -= 1
        if _refs <= 0:
            server = _current._server
            _current = None
            _refs = 0
            if server is not None:
                server.stop()  # type: ignore[attr-defined]
                log.info("embedded AWS stopped")


def references() -> int:
    """How many users hold the process's embedded AWS (0 when it is not running)."""
    return _refs


def running() -> EmbeddedAWS | None:
    """The process's embedded AWS if one is running."""
    return _current


class EmbeddedPortInUse(OperationFailed):
    """The port asked for the embedded AWS cannot be bound."""


def _check_port(host: str, port: int) -> None:
    """Fail clearly before starting: moto's ThreadedMotoServer.start() waits for ever when its thread cannot bind."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server: TIME_WAIT is no clash
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise EmbeddedPortInUse(
                f"cannot serve the embedded AWS on {host}:{port}: {exc.strerror or exc}. Another program (perhaps an "
                "embedded AWS left running) uses it: stop it, or pick another port (--port 0 picks a free one)"
            ) from None


def serve(port: int, host: str = "127.0.0.1", zones: tuple[str, ...] = (), region: str = "eu-central-1") -> None:
    """Run a seeded moto server in the foreground until SIGINT/SIGTERM (``serve`` sub-command)."""
    import signal

    _check_port(host, port)
    prepare_environment()
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    h, p = server.get_host_and_port()
    for zone in zones:
        EmbeddedAWS(url=f"http://{h}:{p}", region=region).seed_zone(zone)
    print(f"embedded AWS listening on http://{h}:{p} (use --endpoint http://{h}:{p}; Ctrl-C stops it)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lokonb.aws.embedded",
                                     description="Run lokonb's embedded AWS (a seeded moto server).")
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve", help="serve until interrupted")
    s.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 = a free port, printed)")
    s.add_argument("--dns-zone", action="append", default=[], metavar="ZONE",
                   help="seed a public hosted zone (repeatable), as a real account would already have it "
                        "(default: example.com, the zone of the example clusters)")
    s.add_argument("--region", default="eu-central-1", help="region used for seeding (default eu-central-1)")
    args = parser.parse_args(argv)
    if args.cmd == "serve":
        try:
            serve(args.port, zones=tuple(args.dns_zone or ["example.com"]), region=args.region)
        except EmbeddedPortInUse as exc:
            print(f"error: {exc}", file=sys.stderr)
            return exc.exit_code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
