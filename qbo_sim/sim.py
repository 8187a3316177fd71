"""The simulator object: config, companies, tokens, webhooks, and top-level routing."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from . import api, attach, clock, control, errors, fixtures, oauth, pages, record_pages, sample_data
from .config import SimConfig
from .store import Company, Registry
from .tokens import TokenStore
from .web import Request, Response, from_error, html_response, json_response

DISCOVERY_PATHS = ("/.well-known/openid_sandbox_configuration", "/.well-known/openid_configuration")


class Simulator:
    def __init__(self, config: SimConfig | None = None, state_file: str | None = None) -> None:
        from .webhooks import WebhookDispatcher

        self.config = config or SimConfig()
        self.initial_config = self.config.snapshot()
        self.tokens = TokenStore(self.config)
        self.webhooks = WebhookDispatcher(self.config)
        self.registry = Registry(self._install, self.webhooks.emit)
        self.recent: deque[dict[str, Any]] = deque(maxlen=50)
        self.base_url = "http://127.0.0.1"
        self.stopping = threading.Event()
        self.state_file = state_file

    def _install(self, co: Company, sample: bool | None = None, kind: str | None = None) -> None:
        fixtures.install(co, kind or self.config.default_kind)
        if self.config.sample_data if sample is None else sample:
            listener, co.listener = co.listener, None   # sample data fires no webhooks
            try:
                sample_data.install(co)
            finally:
                co.listener = listener
        defaults = dict(self.config.default_faults)
        if self.config.seed is not None and "seed" not in defaults:
            defaults["seed"] = self.config.seed
        co.faults.update(defaults)

    def count(self, realm_id: str | None, name: str) -> None:
        co = self.registry.get(realm_id) if realm_id else None
        if co is not None:
            co.stats.bump(name)

    def hang(self) -> None:
        """A simulated timeout: hold the request, then the server closes without answering."""
        self.stopping.wait(self.config.timeout_hang_seconds)

    def log_request(self, req: Request, resp: Response, ms: float) -> None:
        realm = req.path.split("/")[3] if req.path.startswith("/v3/company/") else ""
        # minorversion is logged so a client can prove every API call it made was pinned (§2.3).
        self.recent.append({"ts": clock.now(), "method": req.method, "path": req.path,
                            "status": resp.action or resp.status, "ms": ms, "realm": realm,
                            "minorversion": req.query.get("minorversion", "")})

    def handle(self, req: Request) -> Response:
        try:
            return self._route(req)
        except errors.ApiError as exc:
            return from_error(exc)

    def _route(self, req: Request) -> Response:
        path, method = req.path, req.method
        if path.startswith("/v3/company/"):
            parts = path[len("/v3/company/"):].split("/")
            return api.handle(self, req, parts[0], [p for p in parts[1:] if p])
        if path.startswith("/_sim/files/") and method == "GET":
            return attach_file(self, path)
        if path.startswith("/_sim/") or path == "/_sim":
            return control.handle(self, req)
        if path.rstrip("/") in DISCOVERY_PATHS and method == "GET":
            return oauth.discovery(self)
        routes = {("GET", oauth.PATHS["authorization_endpoint"]): oauth.authorize_get,
                  ("POST", oauth.PATHS["authorization_endpoint"]): oauth.authorize_post,
                  ("POST", oauth.PATHS["token_endpoint"]): oauth.token,
                  ("POST", oauth.PATHS["revocation_endpoint"]): oauth.revoke,
                  ("GET", oauth.PATHS["jwks_uri"]): oauth.jwks,
                  ("GET", oauth.PATHS["userinfo_endpoint"]): oauth.userinfo}
        handler = routes.get((method, path.rstrip("/") or "/"))
        if handler is not None:
            return handler(self, req)
        if method == "GET" and path.startswith("/app/"):
            return record_pages.app_page(self, req)
        if method == "GET" and path.startswith("/comm/"):
            parts = path.split("/")   # /comm/{realm}/invoice/{id}
            if len(parts) == 5 and parts[3] == "invoice":
                return record_pages.invoice_link(self, parts[2], parts[4])
        if path == "/" and method == "GET":
            return html_response(pages.home_page(self))
        return json_response({"error": "not_found", "path": path}, 404)

    def reset(self) -> None:
        self.registry.clear()
        self.tokens.clear()
        self.webhooks.clear()
        self.recent.clear()
        apps = self.initial_config["apps"]
        self.config.update({k: v for k, v in self.initial_config.items() if k != "apps"})
        self.config.apps = dict(apps)

    def save_state(self, path: str | None = None) -> str | None:
        from .persist import save

        target = path or self.state_file
        if target:
            save(self, target)
        return target


def attach_file(sim: Simulator, path: str) -> Response:
    """The TempDownloadUri of an uploaded Attachable (Intuit serves these from a file host)."""
    parts = path.split("/")
    co = sim.registry.get(parts[3]) if len(parts) == 5 else None
    if co is None:
        return json_response({"error": "not_found", "path": path}, 404)
    with co.lock:
        return attach.file_bytes(co, parts[4])
