"""AWS-side errors and the translation of botocore failures into messages an operator can act on (aws.md §10).

The translation is a data table (:data:`CODE_TABLE`): AWS error code -> (kind, message template). Every template
receives ``service``, ``operation``, ``code``, ``message``, ``region``, ``profile``, ``resource`` (the lokonb key
being worked on, if any) and ``principal``. Unknown codes keep AWS's own message with service and operation named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lokonb.errors import ConfigError, LokonbError, OperationFailed
from lokonb.errors import NotConfirmed as _NotConfirmed

__all__ = [
    "AwsError", "PlanError", "LockHeldError", "AmiNotFound", "ApplyFailed", "DestroyIncomplete", "PreflightError",
    "NotConfirmed", "translate", "CODE_TABLE",
]


class NotConfirmed(_NotConfirmed):
    """A destructive operation without confirmation (exit 2)."""


class AwsInputError(ConfigError, TypeError):
    """A public function of lokonb.aws got a value of the wrong kind (a dict or path for the cluster model, a
    string for ``confirm``); names the argument and what it expects."""


class AwsInputValueError(ConfigError, ValueError):
    """A public function of lokonb.aws got a value of the right kind that it cannot use (node configs that lack a
    role); a ValueError too, as it was before."""


class AwsError(OperationFailed):
    """A failed AWS call, translated. Keeps service, operation, code, HTTP status and request id."""

    def __init__(self, message: str, *, service: str = "", operation: str = "", code: str = "",
                 http_status: int | None = None, request_id: str = "", kind: str = "other") -> None:
        super().__init__(message)
        self.service = service
        self.operation = operation
        self.code = code
        self.http_status = http_status
        self.request_id = request_id
        self.kind = kind


class PlanError(LokonbError):
    """The configuration asks for changes AWS cannot make in place (identity fields); lists all of them."""

    exit_code = 2

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class PreflightError(LokonbError):
    """One or more online checks (aws.md §3.3) failed; every problem is listed."""

    exit_code = 1

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("preflight failed:\n  - " + "\n  - ".join(problems))


class LockHeldError(OperationFailed):
    """Another apply/destroy holds the cluster lock."""

    def __init__(self, message: str, info: dict[str, Any]) -> None:
        super().__init__(message)
        self.info = info


class AmiNotFound(OperationFailed):
    """No Flatcar AMI matches the filters used (the message names every filter)."""


class ApplyFailed(OperationFailed):
    """Apply stopped; ``.result`` is the per-action DataFrame (done / failed / unconfirmed / not-started)."""

    def __init__(self, message: str, result: Any = None, interrupted: bool = False) -> None:
        super().__init__(message)
        self.result = result
        self.interrupted = interrupted
        if interrupted:
            self.exit_code = 130


class DestroyIncomplete(OperationFailed):
    """Destroy finished but owned resources (or blockers) remain; ``.leftovers`` is a DataFrame."""

    def __init__(self, message: str, leftovers: Any = None) -> None:
        super().__init__(message)
        self.leftovers = leftovers


@dataclass(frozen=True)
class Translation:
    kind: str
    template: str


_CREDS = Translation(
    "credentials",
    "No AWS credentials found ({source}). Set aws.profile or AWS_PROFILE, or export "
    "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.")
_EXPIRED = Translation(
    "expired",
    "AWS credentials{for_profile} have expired ({code}). Refresh them (e.g. `aws sso login{profile_opt}`) "
    "and re-run; apply resumes.")
_REJECTED = Translation(
    "rejected", "AWS rejected the credentials ({code}: {message}): wrong keys, wrong partition, or clock skew.")
_REGION = Translation(
    "region", "Region {region} is not enabled for this account or is unreachable ({code}); check the region (V15).")
_DENIED = Translation(
    "denied", "Access denied: `{action}`{on_resource}{for_principal} ({code}). Grant that permission to the "
              "principal{decode_hint}.")
_DENIED_DECODED = Translation(
    "denied", "Access denied: `{action}`{on_resource}{for_principal} ({code} on `{called}`; {why}). Grant that "
              "permission to the principal.")
_QUOTA = Translation(
    "quota", "AWS quota reached: {code} in {region} ({message}). Delete unused resources or request an increase "
             "in Service Quotas.")
_CAPACITY = Translation(
    "capacity", "AWS has no capacity for the requested instance type in {region} right now, or does not offer it "
                "there ({code}: {message}). Retry later or choose another instance type.")
_SPOT = Translation(
    "spot", "Spot request failed ({code}: {message}); raise spot_price or leave it empty (on-demand cap).")
_RECORD = Translation(
    "record-exists", "Route 53 record {resource} already exists and is not owned by cluster {cluster} "
                     "({code}: {message}).")

#: AWS error code -> translation. Codes not listed keep AWS's message (see :func:`translate`).
CODE_TABLE: dict[str, Translation] = {
    **{c: _EXPIRED for c in ("ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRetrievalError")},
    **{c: _REJECTED for c in ("AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException",
                              "SignatureDoesNotMatch", "InvalidAccessKeyId")},
    **{c: _REGION for c in ("OptInRequired", "UnknownEndpoint")},
    **{c: _DENIED for c in ("UnauthorizedOperation", "AccessDenied", "AccessDeniedException")},
    **{c: _QUOTA for c in ("VpcLimitExceeded", "InstanceLimitExceeded", "VcpuLimitExceeded",
                           "RulesPerSecurityGroupLimitExceeded", "SecurityGroupLimitExceeded",
                           "TooManyLoadBalancers", "TooManyTargetGroups", "TooManyListeners", "LimitExceeded",
                           "LimitExceededException", "AddressLimitExceeded", "InternetGatewayLimitExceeded",
                           "SubnetLimitExceeded", "RouteLimitExceeded", "TooManyBuckets")},
    **{c: _CAPACITY for c in ("InsufficientInstanceCapacity", "Unsupported", "InsufficientCapacity")},
    **{c: _SPOT for c in ("SpotMaxPriceTooLow", "MaxSpotInstanceCountExceeded", "InsufficientSpotInstanceCapacity")},
}


#: EC2 instance state-reason code -> what usually causes it (shown when a wait ends in a failure state)
STATE_REASON_HINTS: dict[str, str] = {
    "Client.InternalError": "usually the EBS KMS key (aws.ebs_kms_key_id) cannot be used by EC2: check the key "
                            "policy and that the key is enabled",
    "Client.InvalidKMSKey.InvalidState": "the EBS KMS key (aws.ebs_kms_key_id) is disabled or pending deletion",
    "Client.VolumeLimitExceeded": "the EBS volume quota of the region is reached; request an increase in "
                                  "Service Quotas",
    "Server.InsufficientInstanceCapacity": "AWS has no capacity for the instance type in that zone right now; "
                                           "retry later or choose another instance type",
    "Server.InternalError": "an AWS-side failure at launch; apply again",
    "Server.SpotInstanceTermination": "the spot instance was reclaimed; raise spot_price or leave it empty",
}


def _state_reasons(response: Any) -> list[tuple[str, str, str]]:
    """(instance id, code, message) of every instance in a DescribeInstances response that has a state reason."""
    out = []
    for r in (response or {}).get("Reservations", []) or []:
        for i in r.get("Instances", []) or []:
            sr = i.get("StateReason") or {}
            if sr.get("Code") or sr.get("Message"):
                out.append((str(i.get("InstanceId", "?")), str(sr.get("Code", "")), str(sr.get("Message", ""))))
    return out


def waiter_failure(waiter: str, response: Any, resource: str = "") -> AwsError:
    """A wait that ended in one of the waiter's failure states (instance ``terminated`` while waiting for
    ``running``, ...): the state reasons AWS reported, with what usually causes them (:data:`STATE_REASON_HINTS`)."""
    where = f" for {resource}" if resource else ""
    reasons = _state_reasons(response)
    # AWS's message often repeats the code ("Client.InternalError: Client error on launch")
    parts = [f"{iid}: {msg if msg.startswith(code) else ': '.join(x for x in (code, msg) if x)}"
             for iid, code, msg in reasons]
    hints = [STATE_REASON_HINTS[c] for _, c, _ in reasons if c in STATE_REASON_HINTS]
    lb_states = [lb.get("State", {}) for lb in (response or {}).get("LoadBalancers", []) or []]
    parts += [f"{st.get('Code')}: {st.get('Reason')}" for st in lb_states if st.get("Reason")]
    text = (f"AWS reported a failure state while waiting ({waiter}){where}: "
            + ("; ".join(parts) if parts else "no reason given")
            + (f"; likely cause: {'; '.join(dict.fromkeys(hints))}" if hints else "")
            + ". Fix the cause and apply again.")
    code = reasons[0][1] if reasons and reasons[0][1] else "WaiterFailureState"
    return AwsError(text, operation=waiter, code=code, kind="failed-state")


#: S3 operations whose IAM action has another name (Amazon S3 user guide, "Required permissions for Amazon S3 API
#: operations"): a denial must name what the operator can grant, and there is no `s3:HeadBucket` to grant
S3_IAM_ACTIONS: dict[str, str] = {
    "HeadBucket": "ListBucket", "ListObjectsV2": "ListBucket", "ListObjects": "ListBucket",
    "ListObjectVersions": "ListBucketVersions", "ListBuckets": "ListAllMyBuckets",
    "HeadObject": "GetObject", "DeleteObjects": "DeleteObject",
    "GetBucketEncryption": "GetEncryptionConfiguration", "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock", "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "PutBucketPublicAccessBlock",
    "DeleteBucketTagging": "PutBucketTagging", "DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
}


def _service_action(service: str, operation: str) -> str:
    """The IAM action a call needs: ``service:Operation`` except where IAM names it otherwise."""
    prefix = {"elbv2": "elasticloadbalancing", "autoscaling": "autoscaling"}.get(service, service)
    if service == "s3":
        operation = S3_IAM_ACTIONS.get(operation, operation)
    return f"{prefix}:{operation}"


#: request parameters that only page or tune a read: they say nothing about what was read
_PAGING_PARAMS = frozenset({"MaxResults", "MaxRecords", "MaxItems", "NextToken", "Marker", "PageSize", "DryRun",
                            "ContinuationToken", "StartRecordType", "ConsistentRead", "IncludeAllInstances"})


def request_target(params: dict[str, Any], limit: int = 160) -> str:
    """What a call without a lokonb resource key was about, from its parameters (``Filters`` as ``name=values``,
    names, ids, ARNs, prefixes): a denied discovery read then names its resource, not only its action
    (``ec2:DescribeSecurityGroups`` on ``vpc-id=vpc-0ab…``). Bodies and long values are left out."""
    parts: list[str] = []
    for k, v in params.items():
        if k in _PAGING_PARAMS:
            continue
        if k == "Filters" and isinstance(v, list):
            parts += [f"{f.get('Name')}={','.join(map(str, f.get('Values', [])))}" for f in v if isinstance(f, dict)]
        elif isinstance(v, (str, int)) and not isinstance(v, bool) and len(str(v)) <= 128:
            parts.append(f"{k}={v}")
        elif isinstance(v, list) and v and all(isinstance(x, str) and len(x) <= 128 for x in v):
            parts.append(f"{k}={','.join(v[:5])}{',…' if len(v) > 5 else ''}")
    text = " ".join(parts)
    return text if len(text) <= limit else text[:limit - 1] + "…"


#: what precedes the blob in EC2's UnauthorizedOperation messages
ENCODED_MARKER = "Encoded authorization failure message:"


def encoded_authorization_message(exc: BaseException) -> str:
    """EC2's encoded authorization message in a denied ClientError ("" if none)."""
    msg = str(getattr(exc, "response", {}).get("Error", {}).get("Message", "")) if hasattr(exc, "response") else ""
    return msg.split(ENCODED_MARKER, 1)[1].strip() if ENCODED_MARKER in msg else ""


def _decoded_context(decoded: dict) -> dict[str, str]:
    """Action, resource, principal and reason from sts:DecodeAuthorizationMessage's JSON (the action can differ
    from the call: RunInstances denied for ``iam:PassRole`` on the instance profile's role)."""
    c = decoded.get("context") or {}
    principal = c.get("principal") or {}
    return {"action": str(c.get("action") or ""), "arn": str(c.get("resource") or ""),
            "principal": str(principal.get("arn") or principal.get("id") or ""),
            "why": "an explicit deny in a policy" if decoded.get("explicitDeny") else "no policy allows it"}


def translate(exc: BaseException, *, service: str = "", region: str = "", profile: str | None = None,
              resource: str = "", cluster: str = "", principal: str = "", decoded: dict | None = None,
              decode_failure: str = "") -> LokonbError:
    """Return a :class:`LokonbError` for any botocore/boto3 failure (or ``exc`` itself if already one).

    ``decoded``: EC2's encoded authorization message as decoded by sts:DecodeAuthorizationMessage;
    ``decode_failure``: why decoding it failed (the hint then names that call)."""
    if isinstance(exc, LokonbError):
        return exc
    from botocore import exceptions as bex
    from botocore.parsers import ResponseParserError

    ctx = {"region": region or "?", "profile": profile or "", "resource": resource or "?", "cluster": cluster,
           "for_profile": f" for profile {profile}" if profile else "",
           "profile_opt": f" --profile {profile}" if profile else "", "code": "", "message": str(exc)}
    where = f" (while working on {resource})" if resource else ""
    if isinstance(exc, (bex.NoCredentialsError, bex.PartialCredentialsError)):
        src = f"profile {profile}" if profile else "environment / shared files / instance role"
        return AwsError(_CREDS.template.format(source=src) + where, code=type(exc).__name__, kind="credentials")
    if isinstance(exc, bex.ProfileNotFound):
        # no aws.profile/--profile: the name came from $AWS_PROFILE (the message said "profile None")
        name = profile or getattr(exc, "kwargs", {}).get("profile")
        origin = "" if profile else " (from $AWS_PROFILE)"
        fix = "set aws.profile to an existing profile." if profile else \
            "unset AWS_PROFILE or name an existing profile with aws.profile (CLI: --profile)."
        return AwsError(f"AWS profile {name!r}{origin} not found in the shared config/credentials files; {fix}",
                        code="ProfileNotFound", kind="credentials")
    if isinstance(exc, bex.ConfigParseError):  # was an internal error
        path = getattr(exc, "kwargs", {}).get("path", "?")
        return AwsError(f"cannot parse the AWS config file {path} (expected INI sections such as [default] or "
                        "[profile NAME]); fix it or point AWS_CONFIG_FILE at another file.",
                        code="ConfigParseError", kind="credentials")
    if isinstance(exc, (bex.TokenRetrievalError, bex.SSOError)):  # SSOError: no cached token, or a revoked one
        ctx["code"] = type(exc).__name__
        return AwsError(_EXPIRED.template.format(**ctx), code=ctx["code"], kind="expired")
    if isinstance(exc, (bex.CredentialRetrievalError, bex.InvalidConfigError)):
        # a credential_process that failed, a source_profile that does not exist: botocore's text names them
        used = f"profile {profile}" if profile else "the default credential chain"
        return AwsError(f"AWS credentials for {used} could not be loaded: {str(exc).rstrip('. ')}. Fix the profile "
                        "in the shared config file, or set aws.profile / AWS_PROFILE to a working one.",
                        code=type(exc).__name__, kind="credentials")
    if isinstance(exc, (bex.EndpointConnectionError, bex.ConnectTimeoutError)):
        return AwsError(f"Cannot reach the AWS endpoint {getattr(exc, 'kwargs', {}).get('endpoint_url', '')} "
                        f"for region {ctx['region']} ({type(exc).__name__}); check the region (V15), aws.endpoint "
                        f"and the network{where}.", code=type(exc).__name__, kind="region")
    if isinstance(exc, bex.ReadTimeoutError):
        return AwsError(f"The AWS endpoint did not answer in time ({exc}){where}; apply again, it resumes.",
                        code="ReadTimeout", kind="timeout")
    if isinstance(exc, ResponseParserError):
        return AwsError("The AWS endpoint answered HTTP 500 with a non-AWS body (embedded AWS: an action moto does "
                        f"not implement; see the server log){where}: {str(exc)[:200]}",
                        code="ResponseParserError", kind="endpoint")
    if isinstance(exc, bex.WaiterError):
        return AwsError(f"Timed out waiting: {exc}{where}. Apply again; it resumes.", code="WaiterError",
                        kind="timeout")
    if isinstance(exc, bex.ClientError):
        err = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = str(err.get("Code", "Unknown"))
        msg = str(err.get("Message", "")).strip()
        op = getattr(exc, "operation_name", "") or ""
        ctx.update(code=code, message=msg or code)
        tr = CODE_TABLE.get(code)
        if tr is None and code == "InvalidChangeBatch" and "already exists" in msg:
            tr = _RECORD
        if tr is None:
            text = f"AWS {op} failed: {code}: {msg}{where}"
            kind = "other"
        else:
            ctx["action"] = _service_action(service, op) if service else op
            ctx["on_resource"] = f" on {resource}" if resource else ""
            ctx["for_principal"] = f" for `{principal}`" if principal else ""
            ctx["decode_hint"] = ""
            if tr is _DENIED and decoded:
                d = _decoded_context(decoded)
                tr = _DENIED_DECODED
                ctx.update(called=ctx["action"], why=d["why"], action=d["action"] or ctx["action"],
                           on_resource=f" on `{d['arn']}`" if d["arn"] else ctx["on_resource"],
                           for_principal=f" for `{d['principal'] or principal}`" if d["principal"] or principal
                           else "")
            elif ENCODED_MARKER in msg:
                ctx["decode_hint"] = ("; AWS's encoded authorization message (which names the denied action and "
                                      "resource) could not be decoded: sts:DecodeAuthorizationMessage "
                                      f"{decode_failure or 'was not called'}; allow it, or run "
                                      "`aws sts decode-authorization-message --encoded-message ...`")
            text = tr.template.format(**ctx)
            if tr is not _RECORD and resource and "{resource}" not in tr.template \
                    and "{on_resource}" not in tr.template:
                text += where
            elif tr is _DENIED_DECODED and resource:
                text += where
            kind = tr.kind
        return AwsError(text, service=service, operation=op, code=code, http_status=meta.get("HTTPStatusCode"),
                        request_id=meta.get("RequestId", ""), kind=kind)
    if isinstance(exc, bex.BotoCoreError):
        return AwsError(f"AWS client error: {exc}{where}", code=type(exc).__name__)
    return OperationFailed(f"{type(exc).__name__}: {exc}{where}")
