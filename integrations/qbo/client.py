"""The one QBO API client: unmodified python-quickbooks underneath, typed errors and call info on top.

Never construct python-quickbooks' `QuickBooks` elsewhere: get a client from
`integrations.qbo.tokens.client_for(connection)`, which hands over a fresh access token.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, cast

import requests
from django.conf import settings
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException

from integrations.qbo.errors import CallInfo, QboAuthError, QboError, QboTransient, classify
from integrations.qbo.limiter import MAX_WAIT_SECONDS, request_slot

MINOR_VERSION = 75
PAGE_SIZE = 1000  # QBO caps MAXRESULTS at 1000
IN_CHUNK = 100  # values per `IN (...)` list (QBO states no limit; a query is a URL parameter)

JsonObject = dict[str, Any]  # a JSON object as QBO sends it (entity bodies, query responses)


def discovery_environment() -> str:
    """What intuit-oauth's `environment` should be: a discovery URL for the simulator (library quirk:
    any string other than sandbox/production is fetched as the discovery document)."""
    if settings.QBO_ENVIRONMENT == "simulator":
        return f"{settings.QBO_SIM_URL}/.well-known/openid_sandbox_configuration"
    return settings.QBO_ENVIRONMENT


def make_auth_client(*, access_token: str | None = None, refresh_token: str | None = None,
                     realm_id: str | None = None) -> AuthClient:
    auth = AuthClient(
        client_id=settings.QBO_CLIENT_ID,
        client_secret=settings.QBO_CLIENT_SECRET,
        redirect_uri=settings.QBO_REDIRECT_URI,
        environment=discovery_environment(),
        access_token=access_token,
        refresh_token=refresh_token,
        realm_id=realm_id,
    )
    # QBO sends the refresh token's 5-year hard limit (x_refresh_token_hard_expires_in) only when asked
    # with this header. intuit-oauth 1.2.6 (pinned by python-quickbooks 0.9.12) never asks, but its
    # AuthClient is a requests.Session and sends its token requests through itself, so a session header
    # rides along; it copies every key of the token JSON onto the client, where tokens_store finds it.
    auth.headers["x-include-refresh-token-hard-expires-in"] = "true"
    return auth


_QBO_APP_HOSTS = {"sandbox": "https://app.sandbox.qbo.intuit.com", "production": "https://app.qbo.intuit.com"}


def qbo_app_url() -> str:
    """The QuickBooks web app's host (the simulator serves the same /app/... paths on its own host)."""
    return settings.QBO_APP_URL or _QBO_APP_HOSTS.get(settings.QBO_ENVIRONMENT, settings.QBO_SIM_URL)


def company_url(realm_id: str) -> str:
    """Where a person opens this company in QuickBooks (the web app's home page; the simulator serves it too).
    QBO picks the company from the signed-in session; realmId tells the simulator which one."""
    return f"{qbo_app_url()}/app/homepage?realmId={realm_id}"


def _quote(value: str) -> str:
    # QBO query values: escape backslashes too (python-quickbooks escapes only quotes).
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class QboClient:
    """A QBO company reached with one access token. `on_auth_error` returns a fresh token (or raises)."""

    def __init__(self, *, realm_id: str, access_token: str, on_auth_error: Callable[[str], str] | None = None
                 ) -> None:
        self.realm_id = realm_id
        self.last_call = CallInfo()
        self._on_auth_error = on_auth_error
        # The shared per-company limiter, never opt-in: every HTTP request to QBO holds a slot while it
        # runs (500 requests a minute and 10 in flight per company); batch() also takes the batch window.
        self._request_slot: Callable[[], AbstractContextManager[None]] = lambda: request_slot(realm_id)
        # Building the AuthClient with the access token set matters: without it QuickBooks() refreshes
        # on its own and the rotated refresh token would never be saved (python-quickbooks trap).
        auth = make_auth_client(access_token=access_token, realm_id=realm_id)
        self.qb = QuickBooks(auth_client=auth, company_id=realm_id, minorversion=MINOR_VERSION)
        if settings.QBO_ENVIRONMENT == "simulator":
            # A discovery URL makes python-quickbooks pick production hosts; point both at the simulator.
            self.qb.api_url_v3 = self.qb.sandbox_api_url_v3 = f"{settings.QBO_SIM_URL}/v3"
        self._wrap_session()

    def _wrap_session(self) -> None:
        session = self.qb.session
        send = session.request

        def request(method: str, url: str, **kw: Any) -> requests.Response:
            # Neither library sets a timeout; a stalled socket must not hold a worker forever.
            kw.setdefault("timeout", (5, settings.QBO_HTTP_TIMEOUT_SECONDS))
            self.last_call = CallInfo(method=method, url=url)
            with self._request_slot():
                started = time.monotonic()
                try:
                    response: requests.Response = send(method, url, **kw)
                finally:
                    self.last_call.duration_ms = int((time.monotonic() - started) * 1000)
            self.last_call.http_status = response.status_code
            self.last_call.intuit_tid = response.headers.get("intuit_tid", "")
            return response

        session.request = request

    def _call(self, fn: Callable[[], Any], *, write: bool) -> JsonObject:
        for attempt in (1, 2):
            try:
                # python-quickbooks (untyped) returns the parsed JSON body, an object for every call we make.
                return cast(JsonObject, fn())
            except QuickbooksException as exc:
                error = classify(http_status=self.last_call.http_status, code=exc.error_code, message=exc.message,
                                 detail=str(exc.detail or ""), call=self.last_call, write=write)
            except requests.RequestException as exc:
                # Timeout or reset: for a write we cannot know whether QBO applied it.
                error = QboTransient(f"{type(exc).__name__}: {exc}", outcome_unknown=write, call=self.last_call)
            if isinstance(error, QboAuthError) and attempt == 1 and self._on_auth_error is not None:
                self.qb.session.access_token = self._on_auth_error(self.qb.session.access_token)
                continue
            raise error
        raise AssertionError("unreachable")

    # ---- reads -------------------------------------------------------------------------------------
    def get(self, entity: str, qbo_id: str) -> dict[str, Any]:
        return _object(self._call(lambda: self.qb.get_single_object(entity, qbo_id), write=False), entity)

    def query(self, sql: str) -> dict[str, Any]:
        return _object(self._call(lambda: self.qb.query(sql), write=False), "QueryResponse", {})

    def count(self, entity: str, where: str = "") -> int:
        clause = f" WHERE {where}" if where else ""
        return int(self.query(f"SELECT COUNT(*) FROM {entity}{clause}").get("totalCount", 0))

    def query_page(self, entity: str, where: str = "", *, start: int = 1, select: str = "*",
                   page_size: int = PAGE_SIZE) -> list[dict[str, Any]]:
        """One page of rows ordered by Id, from STARTPOSITION `start` (1-based). A caller that must stop
        between pages (the initial import's slices) keeps `start` and asks for the next page later."""
        clause = f" WHERE {where}" if where else ""
        sql = f"SELECT {select} FROM {entity}{clause} ORDERBY Id STARTPOSITION {start} MAXRESULTS {page_size}"
        return _rows(self.query(sql), entity)

    def query_pages(self, entity: str, where: str = "", *, select: str = "*",
                    page_size: int = PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """Every row, one full page per request (QBO returns one page; pagination is ours)."""
        start = 1
        while True:
            rows = self.query_page(entity, where, start=start, select=select, page_size=page_size)
            if rows:
                yield rows
            if len(rows) < page_size:
                return
            start += page_size

    def find_by(self, entity: str, field: str, value: str, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        rows = _rows(self.query(f"SELECT * FROM {entity} WHERE {field} = {_quote(value)}"), entity)
        if include_inactive:
            # Name lists hide inactive rows unless asked (QBO quirk); duplicates collide with them too.
            rows += _rows(self.query(
                f"SELECT * FROM {entity} WHERE {field} = {_quote(value)} AND Active = false"
            ), entity)
        return rows

    def find_in(self, entity: str, field: str, values: Iterable[str], *, chunk: int = IN_CHUNK
                ) -> Iterator[dict[str, Any]]:
        """Every row whose `field` is one of `values`: `field IN (...)` over at most `chunk` values a query
        (QBO documents no limit on an IN list, so a long one is split), each query paginated."""
        wanted = sorted(set(values))
        for at in range(0, len(wanted), chunk):
            listed = ", ".join(_quote(v) for v in wanted[at:at + chunk])
            for rows in self.query_pages(entity, f"{field} IN ({listed})"):
                yield from rows

    def company_info(self) -> dict[str, Any]:
        return self.get("CompanyInfo", self.realm_id)

    def read_all(self, entity: str) -> list[dict[str, Any]]:
        """A small list (tax codes, tax rates) in one GET query: a read that never looks like a write."""
        url = f"{self.qb.api_url}/company/{self.realm_id}/query"
        sql = f"SELECT * FROM {entity} MAXRESULTS {PAGE_SIZE}"
        response = _object(self._call(lambda: self.qb.get(url, {}, params={"query": sql}), write=False),
                           "QueryResponse", {})
        return _rows(response, entity)

    def preferences(self) -> dict[str, Any]:
        """The raw Preferences JSON. Never python-quickbooks' Preferences/TaxPrefs objects: TaxPrefs() reads
        an absent PartnerTaxEnabled (every non-AST company) as True."""
        url = f"{self.qb.api_url}/company/{self.realm_id}/preferences"
        return _object(self._call(lambda: self.qb.get(url, {}), write=False), "Preferences", {})

    # ---- writes ------------------------------------------------------------------------------------
    def create(self, entity: str, body: dict[str, Any], *, request_id: str | None = None) -> dict[str, Any]:
        payload = json.dumps(body)
        return _object(self._call(lambda: self.qb.create_object(entity, payload, request_id=request_id), write=True),
                       entity)

    def update(self, entity: str, body: dict[str, Any], *, request_id: str | None = None) -> dict[str, Any]:
        payload = json.dumps(body)
        return _object(self._call(lambda: self.qb.update_object(entity, payload, request_id=request_id), write=True),
                       entity)

    def void_invoice(self, qbo_id: str, sync_token: str) -> dict[str, Any]:
        payload = json.dumps({"Id": qbo_id, "SyncToken": sync_token})
        return _object(self._call(
            lambda: self.qb.update_object("Invoice", payload, params={"operation": "void"}), write=True
        ), "Invoice")

    def batch(self, items: list[dict[str, Any]], *, request_id: str | None = None,
              patience: float = MAX_WAIT_SECONDS) -> list[dict[str, Any]]:
        """One batch request. QBO also caps batches per company (40 a minute): the request first waits up
        to `patience` seconds for a place in that window, else BatchWindowFull and nothing was sent."""
        payload = json.dumps({"BatchItemRequest": items})
        # batch_operation() cannot send a requestid (at most 36 characters on batch); post() can.
        url = f"{self.qb.api_url}/company/{self.realm_id}/batch"
        realm = self.realm_id
        self._request_slot = lambda: request_slot(realm, kind="batch", batch_patience=patience)
        try:
            return _rows(self._call(lambda: self.qb.post(url, payload, request_id=request_id), write=True),
                         "BatchItemResponse")
        finally:
            self._request_slot = lambda: request_slot(realm)

    def cdc(self, entities: list[str], changed_since: str) -> list[dict[str, Any]]:
        result = self._call(lambda: self.qb.change_data_capture(",".join(entities), changed_since), write=False)
        return _rows(_rows(result, "CDCResponse", [{}])[0], "QueryResponse")


def _object(body: JsonObject, key: str, default: JsonObject | None = None) -> JsonObject:
    """`body[key]` (with a default: `body.get(key, default)`), a JSON object by QBO's contract for the
    keys we read."""
    return cast(JsonObject, body[key] if default is None else body.get(key, default))


def _rows(body: JsonObject, key: str, default: list[JsonObject] | None = None) -> list[JsonObject]:
    """`body.get(key, default or [])`, a JSON array of objects by QBO's contract for the keys we read."""
    return cast(list[JsonObject], body.get(key, [] if default is None else default))


__all__ = ["QboClient", "QboError", "company_url", "make_auth_client", "qbo_app_url"]
