"""The /_sim control API (JSON, no auth): companies, seeding, faults, tokens, config, stats,
object dumps, bookkeeper edits, reset. Documented in qbo_sim/README.md."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import control_data, errors, fixtures, kinds, persist, seed
from .control_data import company
from .counts import duplicates, object_counts
from .simstate import SimState
from .store import Company
from .web import Request, Response, json_response

Handler = Callable[[SimState, Request, dict[str, str]], Response]
CO = r"/_sim/companies/(?P<realm>\d+)"


def _body(req: Request) -> dict[str, Any]:
    data = req.json() if req.body.strip() else {}
    if not isinstance(data, dict):
        raise errors.bad_request_body("Expected a JSON object")
    return data


def _summary(co: Company) -> dict[str, Any]:
    with co.lock:
        return {"realm_id": co.realm_id, "name": co.name, "kind": kinds.kind_of(co), "objects": object_counts(co),
                "preferences": fixtures.switches(co)}


def list_companies(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    return json_response([_summary(co) for co in sim.registry.all()])


def create_company(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    body = _body(req)
    empty = body.get("empty")
    if empty is None and body.get("seed"):
        empty = True   # seed counts say exactly what the company holds
    try:
        kind = kinds.check(body.get("kind")) if body.get("kind") else None
    except ValueError as exc:
        raise errors.ApiError(400, {"error": "invalid_kind", "detail": str(exc)}) from exc
    co = sim.registry.create(str(body.get("name") or "Sandbox Company"),
                             sample=None if empty is None else not bool(empty), kind=kind)
    with co.lock:
        if body.get("preferences"):
            _switches(co, body["preferences"])
        seeded = _seed(co, body.get("seed") or {}) if body.get("seed") else {}
    return json_response({"realm_id": co.realm_id, "name": co.name, "kind": kinds.kind_of(co), "seeded": seeded},
                         201)


def get_company(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    return json_response(_summary(company(sim, m["realm"])))


def _seed(co: Company, body: dict[str, Any]) -> dict[str, int]:
    counts = {k: int(body.get(k, 0)) for k in ("customers", "items", "projects", "invoices", "payments")}
    listener, co.listener = co.listener, None   # seeded data predates the app: no webhooks
    try:
        return seed.seed(co, seed=int(body.get("seed", 1)), **counts)
    finally:
        co.listener = listener


def seed_company(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co = company(sim, m["realm"])
    with co.lock:
        return json_response({"realm_id": co.realm_id, "created": _seed(co, _body(req))})


def faults(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co = company(sim, m["realm"])
    with co.lock:
        if req.method in ("PATCH", "POST"):
            co.faults.update(_body(req))
        return json_response(co.faults.as_dict())


def clear_faults(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co = company(sim, m["realm"])
    with co.lock:
        co.faults.update({"latency_ms": 0, "latency_jitter_ms": 0, "error_rate": 0, "drop_rate": 0,
                          "timeout_rate": 0, "throttle_burst": 0, "error_next": 0, "drop_next": 0,
                          "timeout_next": 0})
        return json_response(co.faults.as_dict())


def expire_tokens(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    return json_response({"expired": sim.tokens.expire_realm(company(sim, m["realm"]).realm_id)})


def revoke(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    return json_response({"revoked": sim.tokens.revoke_realm(company(sim, m["realm"]).realm_id)})


def connect(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co = company(sim, m["realm"])
    body = _body(req)
    client_id = str(body.get("client_id") or next(iter(sim.config.apps)))
    if client_id not in sim.config.apps:
        raise errors.ApiError(400, {"error": "invalid_client"})
    _, tokens = sim.tokens.mint(client_id, co.realm_id, str(body.get("scope") or
                                "com.intuit.quickbooks.accounting"), str(body.get("email") or "dev@example.com"))
    tokens.pop("_hard_expires_in", None)
    return json_response({**tokens, "realm_id": co.realm_id, "client_id": client_id})


def throttle_reset(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co = company(sim, m["realm"])
    co.throttle.reset()
    return json_response(co.throttle.as_dict())


def stats(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co = company(sim, m["realm"])
    with co.lock:
        objects, dups = object_counts(co), duplicates(co)
    counters = co.stats.as_dict()
    return json_response({"realm_id": co.realm_id, "requests": counters, "throttle": co.throttle.as_dict(),
                          "throttled_429": counters.get("throttled_429", 0),
                          "token_refresh_calls": counters.get("token_refresh_calls", 0),
                          "objects": objects, "duplicates": dups,
                          "duplicate_counts": {k: sum(len(g) - 1 for g in v) for k, v in dups.items()}})


def _switches(co: Company, patch: dict[str, Any]) -> dict[str, bool]:
    try:
        return fixtures.set_switches(co, patch)
    except KeyError as exc:
        raise errors.ApiError(400, {"error": "unknown_switch", "switch": str(exc)}) from exc


def preferences(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co = company(sim, m["realm"])
    with co.lock:
        if req.method in ("PATCH", "POST"):
            return json_response(_switches(co, _body(req)))
        return json_response(fixtures.switches(co))


def rotate(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    realm = _body(req).get("realm_id")
    return json_response({"grants_marked": sim.tokens.rotate_now(str(realm) if realm else None)})


def config(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    if req.method in ("PATCH", "POST"):
        sim.config.update(_body(req))
    return json_response(sim.config.public())


def webhooks(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    return json_response(sim.webhooks.snapshot())


def recent(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    return json_response(list(sim.recent))


def reset(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    sim.reset()
    return json_response({"reset": True})


def save(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    path = _body(req).get("path")
    return json_response({"saved": persist.save_state(sim, str(path) if path else None)})


def health(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    return json_response({"ok": True, "url": sim.base_url, "companies": len(sim.registry.all())})


ROUTES: list[tuple[str, re.Pattern[str], Handler]] = [(methods, re.compile(rx + "/?$"), fn) for methods, rx, fn in [
    ("GET", r"/_sim/health", health),
    ("GET", r"/_sim/companies", list_companies),
    ("POST", r"/_sim/companies", create_company),
    ("GET", CO, get_company),
    ("POST", CO + "/seed", seed_company),
    ("GET PATCH POST", CO + "/faults", faults),
    ("POST DELETE", CO + "/faults/clear", clear_faults),
    ("POST", CO + "/expire-tokens", expire_tokens),
    ("POST", CO + "/revoke", revoke),
    ("POST", CO + "/connect", connect),
    ("POST", CO + "/throttle/reset", throttle_reset),
    ("GET", CO + "/stats", stats),
    ("GET PATCH POST", CO + "/preferences", preferences),
    ("GET", CO + r"/objects/(?P<entity>\w+)", control_data.objects),
    ("GET", CO + r"/objects/(?P<entity>\w+)/(?P<id>[^/]+)", control_data.one_object),
    ("POST", CO + r"/entities/(?P<entity>\w+)", control_data.write),
    ("POST", CO + r"/entities/(?P<entity>\w+)/(?P<id>[^/]+)/(?P<op>delete|void)", control_data.remove),
    ("POST", CO + r"/merge/(?P<entity>\w+)", control_data.merge),
    ("POST", r"/_sim/rotate-refresh-now", rotate),
    ("GET PATCH POST", r"/_sim/config", config),
    ("GET", r"/_sim/webhooks", webhooks),
    ("GET", r"/_sim/requests", recent),
    ("POST", r"/_sim/reset", reset),
    ("POST", r"/_sim/save", save),
]]


def handle(sim: SimState, req: Request) -> Response:
    for methods, rx, fn in ROUTES:
        match = rx.match(req.path)
        if match and req.method in methods.split():
            return fn(sim, req, match.groupdict())
    return json_response({"error": "not_found", "path": req.path, "method": req.method}, 404)
