"""S3 input and output for runs (§4.8): set files from ``s3://``, finished artefacts uploaded once.

Clients follow lokonb's AWS rules: the endpoint from ``AWS_ENDPOINT_URL`` (the embedded AWS sets it), otherwise
the standard credential chain; retries come from botocore's own configuration only. No ACL is sent.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from lokonb.errors import ConfigError
from lokonb.notebook.exceptions import EnvironmentFailure
from lokonb.notebook.outcome import RunResult


def split(url: str) -> tuple[str, str]:
    """``s3://bucket/key`` → ``(bucket, key)``."""
    if not url.startswith("s3://") or len(url) <= 5:
        raise ConfigError(f"not an S3 URL: {url!r} (expected s3://BUCKET/KEY)")
    bucket, _, key = url[5:].partition("/")
    if not bucket:
        raise ConfigError(f"no bucket in {url!r}")
    return bucket, key


def client() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 5}))


def read_text(url: str) -> str:
    bucket, key = split(url)
    try:
        body = client().get_object(Bucket=bucket, Key=key)["Body"].read()
    except Exception as exc:  # noqa: BLE001 - botocore raises many types; all mean "cannot read"
        raise ConfigError(f"cannot read {url}: {exc}") from None
    text: str = body.decode("utf-8")
    return text


def publish_run(result: RunResult, run_dir: Path, prefix_url: str) -> None:
    """Upload each finished artefact once to ``<prefix>/<notebook>/<run-id>/``, then rebuild the S3 index.

    ``.partial/`` is never uploaded. On failure the local copy is kept, its path printed, and the run's exit
    code becomes 5.
    """
    bucket, prefix = split(prefix_url.rstrip("/") + "/")
    prefix = prefix.rstrip("/")
    base_key = "/".join(p for p in (prefix, result.notebook, result.run_id) if p)
    try:
        s3 = client()  # inside: a missing $AWS_PROFILE or a broken config file is an upload failure (exit 5) too
        for path in sorted(run_dir.rglob("*")):
            rel = path.relative_to(run_dir)
            if not path.is_file() or rel.parts[0] == ".partial":
                continue
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            s3.upload_file(
                str(path), bucket, f"{base_key}/{rel.as_posix()}", ExtraArgs={"ContentType": ctype}
            )
        _rebuild_s3_index(s3, bucket, prefix)
    except Exception as exc:  # noqa: BLE001 - any upload failure: keep the local copy, exit 5
        result.exit_code = 5
        raise EnvironmentFailure(
            f"upload to {prefix_url} failed ({type(exc).__name__}: {exc}); the run is kept "
            f"locally in {run_dir}"
        ) from None


def _rebuild_s3_index(s3: Any, bucket: str, prefix: str) -> None:
    import json
    import tempfile

    from lokonb.notebook.index import render_html, row_of

    with tempfile.TemporaryDirectory(prefix="lokonb-s3-index-") as tmp:
        base = Path(tmp)
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                rel = key[len(prefix) + 1 :] if prefix else key
                if rel.count("/") == 2 and rel.endswith("/results.json"):
                    local = base / rel
                    local.parent.mkdir(parents=True, exist_ok=True)
                    s3.download_file(bucket, key, str(local))
        rows = sorted(
            (row_of(p, base) for p in base.glob("*/*/results.json")),
            key=lambda r: (r["started_at"], r["run_id"]),
            reverse=True,
        )
        index_key = f"{prefix}/index.html" if prefix else "index.html"
        s3.put_object(Bucket=bucket, Key=index_key, Body=render_html(rows).encode(), ContentType="text/html")
        s3.put_object(
            Bucket=bucket,
            Key=index_key.replace("index.html", "index.json"),
            Body=json.dumps({"runs": rows}, indent=2).encode(),
            ContentType="application/json",
        )
