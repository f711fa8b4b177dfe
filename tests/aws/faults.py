"""A moto server with fault injection (aws.md §11.5): a WSGI middleware in front of moto's app.

moto has no fault knobs, so this server answers chosen requests with the protocol's own error body (EC2
``<Response><Errors>``, query/Route 53 ``<ErrorResponse>``, S3 ``<Error>``, JSON ``__type``) or delays them, and keeps
a log of every request (service, operation). Rules can be set in-process (:meth:`FaultServer.add`) or from another
process (``POST /_fault/rules`` with a JSON list; ``GET /_fault/log``).

Uses moto internals (pinned moto 5.2.5): ``DomainDispatcherApplication`` + ``create_backend_app`` served by werkzeug
with ``MotoRequestHandler``, exactly what ``ThreadedMotoServer`` does.
"""

from __future__ import annotations

import io
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from lokonb.aws import embedded


@dataclass
class Rule:
    service: str
    op: str
    times: int | None = 1          # None = for ever
    status: int = 400
    code: str = "Throttling"
    message: str = "injected fault"
    delay: float = 0.0              # seconds; with code="" the request is passed on after the delay
    retry_after_ms: int | None = None
    after: str = ""                 # active only once this operation of the same service has been seen
    hits: int = 0


_EC2 = ("ec2",)
_QUERY = ("elasticloadbalancing", "autoscaling", "iam", "sts")


def _error_body(service: str, code: str, message: str, rid: str, target: str = "") -> tuple[bytes, str]:
    if service in _EC2:
        return (f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
                f"<RequestID>{rid}</RequestID></Response>").encode(), "text/xml"
    if service == "s3":
        return f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{rid}</RequestId></Error>".encode(), \
            "application/xml"
    if service == "dynamodb":
        return json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}).encode(), \
            "application/x-amz-json-1.0"
    if target:  # other JSON protocols (resourcegroupstaggingapi's GetResources): the same body shape
        return json.dumps({"__type": code, "message": message}).encode(), "application/x-amz-json-1.1"
    return (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{rid}</RequestId></ErrorResponse>").encode(), "text/xml"


def _op_matches(pattern: str, op: str) -> bool:
    """Exact operation name, ``*``, or for REST protocols a regex over ``METHOD PATH``."""
    if pattern in ("*", op):
        return True
    return " " in pattern and re.fullmatch(pattern, op) is not None


@dataclass
class FaultServer:
    rules: list[Rule] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""
    _server: Any = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **kw: Any) -> Rule:
        r = Rule(**kw)
        with self._lock:
            self.rules.append(r)
        return r

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()
            self.log.clear()

    def ops(self, service: str | None = None) -> list[str]:
        return [op for s, op in list(self.log) if service is None or s == service]

    @staticmethod
    def identify(environ: dict) -> tuple[str, str, bytes]:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        m = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/", auth)
        service = m.group(1) if m else "?"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            op = target.split(".")[-1]
        elif service in _EC2 + _QUERY:
            form = parse_qs(body.decode(errors="replace")) if body else parse_qs(environ.get("QUERY_STRING", ""))
            op = (form.get("Action") or ["?"])[0]
        else:
            op = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"
        return service, op, body

    def middleware(self, app: Any) -> Any:
        def wrapped(environ: dict, start_response: Any) -> Any:
            path = environ.get("PATH_INFO", "")
            if path == "/_fault/rules" and environ.get("REQUEST_METHOD") == "POST":
                data = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) or b"[]")
                with self._lock:
                    self.rules[:] = [Rule(**r) for r in data]
                start_response("200 OK", [("Content-Type", "application/json")])
                return [b"{}"]
            if path == "/_fault/log":
                start_response("200 OK", [("Content-Type", "application/json")])
                return [json.dumps(self.log).encode()]
            service, op, body = self.identify(environ)
            environ["wsgi.input"] = io.BytesIO(body)
            rule = None
            with self._lock:
                seen = {o for s, o in self.log if s == service}
                self.log.append((service, op))
                for r in self.rules:
                    if r.after and not any(_op_matches(r.after, o) for o in seen):
                        continue  # e.g. a read that fails only right after the create (eventual consistency)
                    if r.service == service and _op_matches(r.op, op) and (r.times is None or r.hits < r.times):
                        r.hits += 1
                        rule = r
                        break
            if rule is not None:
                if rule.delay:
                    time.sleep(rule.delay)
                if rule.code:
                    rid = uuid.uuid4().hex
                    payload, ctype = _error_body(service, rule.code, rule.message, rid,
                                                  environ.get("HTTP_X_AMZ_TARGET", ""))
                    headers = [("Content-Type", ctype), ("x-amzn-RequestId", rid),
                               ("Content-Length", str(len(payload)))]
                    if rule.retry_after_ms is not None:
                        headers.append(("x-amz-retry-after", str(rule.retry_after_ms)))
                    start_response(f"{rule.status} ERR", headers)
                    return [payload]
            return app(environ, start_response)

        return wrapped

    def start(self) -> FaultServer:
        embedded.prepare_environment()
        from moto.moto_server.threaded_moto_server import MotoRequestHandler
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        app = self.middleware(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
