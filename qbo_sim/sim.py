"""The simulator object: its state (``simstate.SimState``) plus the top-level routing."""

from __future__ import annotations

from . import api, attach, control, errors, oauth, pages, record_pages
from .simstate import SimState
from .web import Request, Response, from_error, html_response, json_response

DISCOVERY_PATHS = ("/.well-known/openid_sandbox_configuration", "/.well-known/openid_configuration")


class Simulator(SimState):
    """The state plus the top-level routing that ``server.SimServer`` calls."""

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


def attach_file(sim: SimState, path: str) -> Response:
    """The TempDownloadUri of an uploaded Attachable (Intuit serves these from a file host)."""
    parts = path.split("/")
    co = sim.registry.get(parts[3]) if len(parts) == 5 else None
    if co is None:
        return json_response({"error": "not_found", "path": path}, 404)
    with co.lock:
        return attach.file_bytes(co, parts[4])
