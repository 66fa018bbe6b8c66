"""The local HTTP front: API Gateway (routes, Cognito authorizer, proxy integration), ``/_local/*``, ``/app/``.

Needs the shared layer on ``sys.path`` (problem documents come from ``certtrack.errors``) but
imports nothing that reads the environment, so ``local.devserver`` can bind the port first.
"""

from __future__ import annotations

import json
import mimetypes
import sys
import threading
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from local import overrides
from local.apigateway import Problem, Request, Response, RouteTable, proxy_event, proxy_response
from local.artifact import ArtifactRuntime
from local.cognito import IdentityProvider, InvalidToken
from local.eventsources import EventSources
from local.lambdas import HandlerMissing, Runtime
from local.local_routes import LocalRoutes
from local.template import Template

MAX_BODY_BYTES = 1024 * 1024
_DRAIN_LIMIT = 16 * MAX_BODY_BYTES  # read (and drop) a too-large body up to this, so the client sees the 413
# What the CDN's response headers policy adds to /app/ in production (template.yaml
# SecurityHeadersPolicy), but HSTS (plain http here); its Content-Security-Policy is the
# template's, as local.overrides.web_client_policy makes it for the local origins.
_STATIC_HEADERS = [
    ("Cache-Control", "no-cache"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
]
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}


@dataclass(frozen=True)
class Preflight:
    """What API Gateway answers to ``OPTIONS`` (the template's ``Api`` ``Cors``, a mock integration)."""

    allow_origin: str
    allow_headers: str
    max_age: str

    @classmethod
    def from_template(cls, template: Template) -> Preflight | None:
        for props in template.properties_of_type("AWS::Serverless::Api").values():
            cors = props.get("Cors")
            if isinstance(cors, dict):
                values = {key: str(template.resolve(cors.get(key)) or "").strip("'") for key in cors}
                return cls(values.get("AllowOrigin", "*"), values.get("AllowHeaders", ""), values.get("MaxAge", ""))
        return None

    def response(self, allow_methods: str) -> Response:
        headers = [
            ("Access-Control-Allow-Origin", self.allow_origin),
            ("Access-Control-Allow-Headers", self.allow_headers),
            ("Access-Control-Allow-Methods", allow_methods),
        ]
        if self.max_age:
            headers.append(("Access-Control-Max-Age", self.max_age))
        return Response(200, [*headers, ("Content-Type", "application/json")], b"{}")


class LocalApp:
    """Routes one request: ``/`` and ``/app/`` (static), ``/_local/*``, else the template's API."""

    def __init__(
        self,
        template: Template,
        runtime: Runtime | ArtifactRuntime,
        identity: IdentityProvider,
        local_routes: LocalRoutes,
        web_dir: Path,
        stage: str,
        api_url: str | None = None,
        sources: EventSources | None = None,
        payment_origin: str | None = None,
        storage_origin: str | None = None,
    ) -> None:
        self._template = template
        self._routes = RouteTable(template.routes)
        self._preflight = Preflight.from_template(template)
        self._runtime = runtime
        self._identity = identity
        self._local_routes = local_routes
        self._web_dir = web_dir.resolve()
        self._stage = stage
        self._api_url = api_url  # set when this origin serves a web client that calls the API elsewhere
        self._sources = sources
        self._stop_sources = threading.Event()
        self._payment_origin = payment_origin  # the local payment provider's (localstripe's)
        self._storage_origin = storage_origin  # moto's S3, where the console's uploads go
        policy = overrides.web_client_policy(_web_client_policy(template), payment_origin, api_url, storage_origin)
        self._static_headers = [*_STATIC_HEADERS, ("Content-Security-Policy", policy)]

    def serving_web_client_for(self, api_url: str) -> LocalApp:
        """The same app on a second origin whose web client calls the API at ``api_url`` (cross-origin)."""
        return LocalApp(
            self._template,
            self._runtime,
            self._identity,
            self._local_routes,
            self._web_dir,
            self._stage,
            api_url,
            payment_origin=self._payment_origin,
            storage_origin=self._storage_origin,
        )

    def start_event_sources(self) -> None:
        """Poll the template's SQS event sources on a thread, as Lambda does, until :meth:`stop`."""
        if self._sources is not None:
            threading.Thread(target=self._sources.run, args=(self._stop_sources,), daemon=True).start()

    def stop(self) -> None:
        self._stop_sources.set()
        self._runtime.stop()

    def dispatch(self, request: Request) -> Response:
        try:
            if request.path in ("/", "/app"):
                return self._redirect(request, "/app/")
            if request.path.startswith("/app/"):
                return self._static(request)
            if request.path == "/_local" or request.path.startswith("/_local/"):
                return self._local(request)
            return self._api(request)
        except Problem as problem:
            response = problem.response()
            if self._preflight is not None and not request.path.startswith("/app/"):
                # API Gateway's own errors carry the template's CORS origin (GatewayResponses).
                response.headers.append(("Access-Control-Allow-Origin", self._preflight.allow_origin))
            return response

    def _local(self, request: Request) -> Response:
        """The local-only routes, reachable from a web client on the second origin too."""
        origin = request.header("Origin")
        if request.method == "OPTIONS" and self._preflight is not None:
            return self._preflight.response("GET, OPTIONS, POST")
        try:
            response = self._local_routes.dispatch(request)
        except Problem as problem:
            response = problem.response()
        if origin:
            response.headers.append(("Access-Control-Allow-Origin", origin))
        return response

    def _api(self, request: Request) -> Response:
        match = self._routes.match(request.path)
        if match is None:
            raise Problem(404, "route_not_found", "No such route.")
        route = match.route_for(request.method)
        if route is None and request.method == "OPTIONS" and self._preflight is not None:
            return self._preflight.response(", ".join(sorted({*match.methods, "OPTIONS"})))
        if route is None:
            raise Problem(405, "method_not_allowed", f"{request.method} is not allowed here.", [("Allow", match.allow)])
        claims = None
        if not route.public:
            try:
                claims = self._identity.verify(request.header("Authorization"))
            except InvalidToken as error:
                raise Problem(
                    401, "unauthorized", "A valid ID token is required.", [("WWW-Authenticate", "Bearer")]
                ) from error
        function = self._template.functions[route.function]
        event = proxy_event(request, match, route, stage=self._stage, claims=claims)
        try:
            return proxy_response(self._runtime.invoke(function, event))
        except HandlerMissing as error:
            raise Problem(501, "not_implemented", f"{route.method} {route.path} is not implemented yet.") from error
        except Exception as error:
            # API Gateway answers 502 when the integration fails or returns something malformed.
            traceback.print_exc(file=sys.stderr)
            raise Problem(502, "internal_error", "The function failed; see the dev server's log.") from error

    def _redirect(self, request: Request, location: str) -> Response:
        if request.method not in ("GET", "HEAD"):
            raise Problem(405, "method_not_allowed", "Use GET.", [("Allow", "GET, HEAD")])
        return Response(302, [("Location", location), ("Content-Type", "text/plain; charset=utf-8")], b"")

    def _static(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            raise Problem(405, "method_not_allowed", "Use GET.", [("Allow", "GET, HEAD")])
        relative = unquote(request.path.removeprefix("/app/"))
        if relative == "config.json" and (self._api_url is not None or self._payment_origin is not None):
            # As a deployment's config.json does: where the API is (another origin, with --web-port)
            # and where Stripe.js comes from (localstripe's mock, local.stripe_js).
            config: dict[str, Any] = {"apiBaseUrl": self._api_url or "", "auth": {"mode": "local"}}
            if self._payment_origin is not None:
                config["payments"] = {"stripeJs": f"{self._payment_origin}/js.stripe.com/v3/"}
            body = json.dumps(config).encode("utf-8")
            return Response(200, [("Content-Type", "application/json"), *self._static_headers], body)
        if "\x00" in relative:
            raise Problem(404, "not_found", "No such file.")  # no file name holds one (and resolve() raises)
        try:
            target = (self._web_dir / relative).resolve()
            if target.is_dir():
                target = target / "index.html"
            found = target.is_relative_to(self._web_dir) and target.is_file()
        except (OSError, ValueError):  # a name too long for the file system, say
            found = False
        if not found:
            raise Problem(404, "not_found", "No such file.")
        content_type = _CONTENT_TYPES.get(target.suffix.lower()) or (
            mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        )
        body = target.read_bytes()
        return Response(200, [("Content-Type", content_type), *self._static_headers], body)


def _web_client_policy(template: Template) -> str:
    """The distribution's Content-Security-Policy (template.yaml ``SecurityHeadersPolicy``)."""
    for props in template.properties_of_type("AWS::CloudFront::ResponseHeadersPolicy").values():
        headers = props["ResponseHeadersPolicyConfig"].get("SecurityHeadersConfig", {})
        if "ContentSecurityPolicy" in headers:
            return str(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    raise ValueError("template.yaml has no Content-Security-Policy for the web client")


class DevHTTPServer(ThreadingHTTPServer):
    """Binds ``127.0.0.1:port`` when made (port 0 picks one); set ``app`` before serving."""

    daemon_threads = True
    app: LocalApp

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _RequestHandler)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "certtrack-local"
    server: DevHTTPServer

    def version_string(self) -> str:
        return self.server_version

    def __getattr__(self, name: str) -> Any:
        # http.server looks up do_<METHOD> and answers 501 when it is missing: route every method
        # (PATCH, TRACE, made-up ones) so that unknown methods get 405 like any other.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self._send(Problem(411, "length_required", "Send a Content-Length.").response(), close=True)
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self._send(Problem(400, "bad_request", "Invalid Content-Length.").response(), close=True)
            return
        if length > MAX_BODY_BYTES:
            self._drain(length)
            detail = f"The request body is larger than {MAX_BODY_BYTES} bytes."
            self._send(Problem(413, "payload_too_large", detail).response(), close=True)
            return
        url = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=url.path or "/",
            query=url.query,
            headers=list(self.headers.items()),
            body=self.rfile.read(length) if length else b"",
            client_ip=self.client_address[0],
        )
        try:
            response = self.server.app.dispatch(request)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            response = Problem(500, "internal_error", "The dev server failed; see its log.").response()
        self._send(response)

    def _drain(self, length: int) -> None:
        remaining = min(length, _DRAIN_LIMIT)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)

    def _send(self, response: Response, *, close: bool = False) -> None:
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
