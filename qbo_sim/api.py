"""Accounting API v3 under /v3/company/{realmId}/: auth, throttling, injected faults,
requestid replay, then dispatch to reads, writes, query, batch and CDC."""

from __future__ import annotations

import json
import time

from . import attach, batch_cdc, clock, company, errors, ledger, query_exec, reports, taxservice
from .entities import BY_PATH, TYPES, ops
from .entities.common import WriteOpts
from .simstate import SimState
from .store import Company, Record
from .tokens import Access
from .web import Request, Response, from_error

# Sales forms with GET /{entity}/{id}/pdf and POST /{entity}/{id}/send on Intuit's entity pages.
SENDABLE = ("Invoice", "Estimate", "SalesReceipt", "CreditMemo", "RefundReceipt")
MAX_REQUEST_ID = 50
MAX_BATCH_REQUEST_ID = 36
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
       b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def label(req: Request, rest: list[str]) -> str:
    op = req.query.get("operation")
    head = rest[0].lower() if rest else ""
    if len(rest) > 2 and head == "invoice":
        head = f"invoice/{rest[2].lower()}"
    return f"{req.method} {head}" + (f"?operation={op}" if op else "")


def handle(sim: SimState, req: Request, realm: str, rest: list[str]) -> Response:
    tag = label(req, rest)
    co = sim.registry.get(realm)
    try:
        resp = _guarded(sim, req, realm, co, rest)
    except errors.ApiError as exc:
        resp = from_error(exc)
    if co is not None:
        co.stats.request(tag, resp.action or str(resp.status))
    return resp


def _guarded(sim: SimState, req: Request, realm: str, co: Company | None, rest: list[str]) -> Response:
    token = req.bearer()
    access = sim.tokens.check(token)
    if access is None:
        raise errors.unauthorized(sim.tokens.describe_failure(token))
    if co is None or access.realm_id != realm:
        raise errors.forbidden(f"The access token is not authorized for company {realm}")
    is_batch = bool(rest) and rest[0].lower() == "batch"
    is_write = req.method == "POST" and not (rest and rest[0].lower() == "query")
    with co.lock:
        burst = co.faults.take_burst()
    if burst or not co.throttle.admit(sim.config, is_batch, access.client_id):
        co.stats.bump("faults_burst_429" if burst else "throttle_rejections")
        raise errors.throttled(sim.config.throttle_xml)
    try:
        with co.lock:  # decided after admission so a 429 never eats a one-shot fault
            plan = co.faults.plan(is_write)
        if plan.latency_s:
            time.sleep(plan.latency_s)
        if plan.error_status:
            co.stats.bump("faults_error")
            raise errors.system_error(plan.error_status)
        if plan.hang and not plan.hang_commits:
            co.stats.bump("faults_timeout")
            sim.hang()
            return Response(action="timeout")
        resp = _execute(sim, req, co, rest, access)
        if plan.hang:
            co.stats.bump("faults_timeout")
            sim.hang()
            resp.action = "timeout"
        elif plan.drop:
            co.stats.bump("faults_drop")
            resp.action = "drop"  # the write is committed; the client never hears about it
        return resp
    finally:
        co.throttle.release()


def _execute(sim: SimState, req: Request, co: Company, rest: list[str], access: Access) -> Response:
    request_id = req.query.get("requestid")
    if not request_id:
        with co.lock:
            return _safe_dispatch(sim, req, co, rest, access, False)
    limit = MAX_BATCH_REQUEST_ID if rest and rest[0].lower() == "batch" else MAX_REQUEST_ID
    if len(request_id) > limit:
        raise errors.too_long("requestid", limit, len(request_id))
    with co.lock:
        hit = co.replays.get(request_id)
        if hit is not None:
            # QBO: a repeated requestid returns the stored response without executing again.
            co.stats.bump("replays")
            return Response(hit[0], hit[1], hit[2])
        resp = _safe_dispatch(sim, req, co, rest, access, True)
        co.remember_replay(request_id, resp.status, resp.body, resp.content_type)
        return resp


def _safe_dispatch(sim: SimState, req: Request, co: Company, rest: list[str], access: Access,
                   has_request_id: bool) -> Response:
    try:
        return _dispatch(sim, req, co, rest, access, has_request_id)
    except errors.ApiError as exc:
        return from_error(exc)


def _wrap(entity: str, rec: Record) -> Response:
    now = clock.iso_ms(clock.now()).encode()
    return Response(200, b'{"' + entity.encode() + b'":' + rec.json() + b',"time":"' + now + b'"}')


def _dispatch(sim: SimState, req: Request, co: Company, rest: list[str], access: Access,
              has_request_id: bool) -> Response:
    head = rest[0].lower() if rest else ""
    if head == "query":
        text = req.query.get("query") if req.method == "GET" else req.body.decode("utf-8", "replace")
        if not text:
            raise errors.query_parse('Encountered "<EOF>" at line 1, column 1.')
        return Response(200, query_exec.run(co, text))
    if head == "batch" and req.method == "POST":
        return Response(200, batch_cdc.batch(sim, co, req.json(), has_request_id))
    if head == "cdc" and req.method == "GET":
        return Response(200, batch_cdc.cdc(co, req.query))
    if head == "reports" and req.method == "GET" and len(rest) == 2:
        return Response(200, reports.run(co, rest[1], req.query))
    if head == "upload" and req.method == "POST":
        return attach.upload(sim, co, req)
    if head == "download" and req.method == "GET" and len(rest) == 2:
        return attach.download(sim, co, rest[1])
    if head == "taxservice" and req.method == "POST" and len(rest) == 2 and rest[1].lower() == "taxcode":
        body = {"TaxService": taxservice.create_tax_code(co, req.json()), "time": clock.iso_ms(clock.now())}
        return Response(200, json.dumps(body).encode())
    if head == "companyinfo":
        if req.method == "POST":
            return _wrap("CompanyInfo", company.update_company_info(co, req.json()))
        return _wrap("CompanyInfo", ops.existing(co, "CompanyInfo", "1"))
    if head == "preferences":
        if req.method == "POST":
            return _wrap("Preferences", company.update_preferences(co, req.json()))
        return _wrap("Preferences", ops.existing(co, "Preferences", "1"))
    entity = BY_PATH.get(head)
    if entity is None or req.method not in ("GET", "POST"):
        raise errors.unsupported(f"Operation Could not find resource for relative : {req.path}")
    if req.method == "GET":
        return _read(sim, req, co, entity, rest)
    if len(rest) == 3 and entity in SENDABLE and rest[2].lower() == "send":
        return _wrap(entity, batch_cdc.send_invoice(co, rest[1], req.query.get("sendTo"), entity))
    return _write(req, co, entity)


def _read(sim: SimState, req: Request, co: Company, entity: str, rest: list[str]) -> Response:
    if len(rest) < 2:
        raise errors.unsupported(f"Operation GET is not supported on {req.path}")
    if entity == "Account":
        ledger.refresh_accounts(co)
    rec = ops.existing(co, entity, rest[1])
    if len(rest) == 3 and rest[2].lower() == "pdf" and entity in SENDABLE:
        return Response(200, PDF, "application/pdf")
    if entity == "Invoice" and "invoicelink" in req.query.get("include", "").lower() and rec.data.get("BillEmail"):
        body = {"Invoice": {**rec.data, "InvoiceLink": f"{sim.base_url}/comm/{co.realm_id}/invoice/{rec.id}"},
                "time": clock.iso_ms(clock.now())}
        return Response(200, json.dumps(body).encode())
    return _wrap(entity, rec)


def _write(req: Request, co: Company, entity: str) -> Response:
    op = req.query.get("operation", "").lower()
    include = req.query.get("include", "").lower()
    body = req.json()
    if op == "delete":
        rec = ops.delete(co, entity, body)
        return Response(200, json.dumps({entity: {"Id": rec.id, "status": "Deleted", "domain": "QBO"},
                                         "time": clock.iso_ms(clock.now())}).encode())
    if op == "void" or (op == "update" and "void" in include.split(",")):
        return _wrap(entity, ops.void(co, entity, body))
    if op not in ("", "update", "create"):
        raise errors.unsupported(f"Operation {op} is not supported")
    if entity not in TYPES:
        raise errors.unsupported(f"Entity {entity} is not supported")
    opts = WriteOpts(allow_dup_docnum="allowduplicatedocnum" in include)
    rec, _ = ops.save(co, entity, body, opts)
    return _wrap(entity, rec)
