"""Requests as Intuit's API reference and guides write them, replayed over HTTP against the
simulator with the answer those pages document. No request here was taken from our app.

Sources: developer.intuit.com "Query operations and syntax" (data-queries), the entity pages
of the Accounting API reference, the OAuth 2.0 / OpenID discovery and token pages, and the
2017 "Deep dive: SQL queries" post (reference §2.5-2.6, §1)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from qbo_sim.testing import SimControl, SimulatorProcess


def q(api: Any, text: str) -> requests.Response:
    return api.post(f"{api.base}/query", data=text, headers={"Content-Type": "application/text"}, timeout=10)


@pytest.fixture
def people(control: SimControl, realm: str) -> str:
    for body in ({"DisplayName": "Wild Garden Restaurant", "CompanyName": "Wild Garden Restaurant",
                  "FamilyName": "Smith", "GivenName": "Ann"},
                 {"DisplayName": "Bill's Windsurf Shop", "CompanyName": "Bill's Windsurf Shop",
                  "FamilyName": "Lucchini", "GivenName": "Bill"},
                 {"DisplayName": "Dormant Diner", "Active": False}):
        control.entities(realm, "Customer", body)
    return realm


# (query as the docs write it, expected DisplayNames in order or a count)
QUERIES: list[tuple[str, Any]] = [
    ("select * from Customer where Metadata.LastUpdatedTime >= '2015-03-01'",
     ["Wild Garden Restaurant", "Bill's Windsurf Shop"]),
    (("SELECT * FROM Customer WHERE Metadata.CreateTime > '2014-12-12T14:50:22-08:00' "
      "ORDERBY Metadata.LastUpdatedTime"), ["Wild Garden Restaurant", "Bill's Windsurf Shop"]),
    ("SELECT * FROM Customer WHERE CompanyName='Wild Garden Restaurant'", ["Wild Garden Restaurant"]),
    ("Select * from Customer where DisplayName LIKE 'Bill%'", ["Bill's Windsurf Shop"]),
    ("select * from customer where displayname like '%garden%'", ["Wild Garden Restaurant"]),
    ("Select * From Customer Where FamilyName IN ('Smith', 'Lucchini') ORDERBY FamilyName",
     ["Bill's Windsurf Shop", "Wild Garden Restaurant"]),
    ("SELECT * FROM Customer WHERE Active IN (true, false) ORDER BY DisplayName DESC",
     ["Wild Garden Restaurant", "Dormant Diner", "Bill's Windsurf Shop"]),
    ("SELECT * FROM Customer WHERE Active = false", ["Dormant Diner"]),
    ("SELECT * FROM Customer ORDERBY GivenName, FamilyName STARTPOSITION 2 MAXRESULTS 1",
     ["Bill's Windsurf Shop"]),  # Ann < Bill; the page starts at the second row
    ("select count(*) from Customer", 2),
    ("SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)", 3),
    ("Select * from Estimate", []),
    ("select * from Vendor where DisplayName = 'Nobody'", []),
]


@pytest.mark.parametrize(("text", "expected"), QUERIES)
def test_documented_queries(api: Any, people: str, text: str, expected: Any) -> None:
    resp = q(api, text)
    assert resp.status_code == 200, resp.text
    body = resp.json()["QueryResponse"]
    if isinstance(expected, int):
        assert body == {"totalCount": expected}
        return
    entity = next((k for k in body if k not in ("startPosition", "maxResults", "totalCount")), None)
    assert [r["DisplayName"] for r in body.get(entity, [])] == expected
    if expected:
        assert body["maxResults"] == len(expected)
    else:
        assert body == {}  # QBO: nothing matched is an empty QueryResponse


@pytest.mark.parametrize(("text", "code", "detail"), [
    ("SELECT * FROM Customer WHERE Color = 'red'", "4001", "QueryValidationError: property 'Color'"),
    ("SELECT * FROM Customer WHERE BillAddr = 'x'", "4001", "QueryValidationError: property 'BillAddr'"),
    ("SELECT * FROM Customer ORDERBY Shoe", "4001", "QueryValidationError: property 'Shoe'"),
    ("SELECT * FROM Widget", "4001", "QueryValidationError: value Widget is not a valid entity"),
    ("SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'", "4000", "QueryParserError:"),
    ("SELECT * Customer", "4000", "QueryParserError:"),
])
def test_documented_query_errors(api: Any, people: str, text: str, code: str, detail: str) -> None:
    resp = q(api, text)
    assert resp.status_code == 400
    err = resp.json()["Fault"]["Error"][0]
    assert err["code"] == code and err["Detail"].startswith(detail), err
    assert resp.json()["Fault"]["type"] == "ValidationFault"


@pytest.mark.parametrize("entity", [
    "Estimate", "CreditMemo", "SalesReceipt", "RefundReceipt", "Deposit", "Bill", "Vendor", "Purchase",
    "PurchaseOrder", "JournalEntry", "Transfer", "VendorCredit", "TimeActivity", "Class", "Department",
    "TaxAgency", "Budget", "BillPayment", "Attachable", "CreditCardPayment", "CompanyCurrency",
    "ExchangeRate", "JournalCode", "RecurringTransaction", "ReimburseCharge", "TaxClassification",
    "TaxPayment", "Employee", "CustomerType",
])
def test_every_v3_entity_is_queryable(api: Any, realm: str, entity: str) -> None:
    resp = q(api, f"select * from {entity} where Metadata.LastUpdatedTime > '2015-01-01'")
    assert resp.status_code == 200, resp.text
    assert resp.json()["QueryResponse"] == {} or entity in resp.json()["QueryResponse"]
    count = q(api, f"select count(*) from {entity}")
    assert count.status_code == 200 and "totalCount" in count.json()["QueryResponse"]


# ---- OAuth 2.0 (Intuit's token endpoint page and the discovery document) ----------------------

def _token(sim: SimulatorProcess, form: dict[str, str], basic: tuple[str, str] | None = None,
           **headers: str) -> requests.Response:
    if basic:
        headers["Authorization"] = "Basic " + base64.b64encode(":".join(basic).encode()).decode()
    return requests.post(f"{sim.url}/oauth2/v1/tokens/bearer", data=form, timeout=10,
                         headers={"Accept": "application/json", **headers})


def test_discovery_advertises_what_the_token_endpoint_accepts(sim: SimulatorProcess, control: SimControl,
                                                              realm: str) -> None:
    doc = requests.get(f"{sim.url}/.well-known/openid_sandbox_configuration", timeout=5).json()
    assert set(doc["token_endpoint_auth_methods_supported"]) == {"client_secret_post", "client_secret_basic"}
    assert doc["response_types_supported"] == ["code"] and doc["id_token_signing_alg_values_supported"] == ["RS256"]
    for method in doc["token_endpoint_auth_methods_supported"]:
        rt = control.connect(realm)["refresh_token"]
        form = {"grant_type": "refresh_token", "refresh_token": rt}
        if method == "client_secret_post":
            resp = _token(sim, {**form, "client_id": "sim-client-id", "client_secret": "sim-client-secret"})
        else:
            resp = _token(sim, form, ("sim-client-id", "sim-client-secret"))
        assert resp.status_code == 200, (method, resp.text)
        body = resp.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 3600
        assert body["x_refresh_token_expires_in"] == 8726400 and "x_refresh_token_hard_expires_in" not in body


def test_hard_expiry_field_on_request(sim: SimulatorProcess, control: SimControl, realm: str) -> None:
    rt = control.connect(realm)["refresh_token"]
    resp = _token(sim, {"grant_type": "refresh_token", "refresh_token": rt}, ("sim-client-id", "sim-client-secret"),
                  **{"x-include-refresh-token-hard-expires-in": "true"})
    hard = resp.json()["x_refresh_token_hard_expires_in"]
    assert 5 * 365 * 86400 - 60 < hard <= 5 * 366 * 86400  # five years from the grant


@pytest.mark.parametrize(("form", "basic", "status", "body"), [
    ({"grant_type": "refresh_token", "refresh_token": "RT1-x", "client_id": "sim-client-id",
      "client_secret": "wrong"}, None, 401, {"error": "invalid_client"}),
    ({"grant_type": "refresh_token", "refresh_token": "RT1-x"}, None, 401, {"error": "invalid_client"}),
    ({"grant_type": "refresh_token", "refresh_token": "RT1-x"}, ("sim-client-id", "nope"), 401,
     {"error": "invalid_client"}),
    ({"grant_type": "client_credentials"}, ("sim-client-id", "sim-client-secret"), 400,
     {"error": "unsupported_grant_type"}),
    ({"grant_type": "refresh_token", "refresh_token": "RT1-unknown"}, ("sim-client-id", "sim-client-secret"),
     400, {"error": "invalid_grant", "error_description": "Incorrect or invalid refresh token"}),
    ({"grant_type": "authorization_code", "code": "AB11bogus", "redirect_uri": "http://x/cb",
      "client_id": "sim-client-id", "client_secret": "sim-client-secret"}, None, 400, {"error": "invalid_grant"}),
])
def test_token_endpoint_errors(sim: SimulatorProcess, form: dict[str, str], basic: tuple[str, str] | None,
                               status: int, body: dict[str, str]) -> None:
    resp = _token(sim, form, basic)
    assert resp.status_code == status
    got = resp.json()
    assert got["error"] == body["error"] and set(got) <= {"error", "error_description"}
    if "error_description" in body:
        assert got["error_description"] == body["error_description"]
    assert resp.headers["Content-Type"].startswith("application/json") and resp.headers.get("intuit_tid")


def test_userinfo_answers_the_claims_of_the_granted_scopes(sim: SimulatorProcess, control: SimControl,
                                                           realm: str) -> None:
    url = f"{sim.url}/v1/openid_connect/userinfo"
    full = control.connect(realm, scope="openid email profile com.intuit.quickbooks.accounting")
    info = requests.get(url, headers={"Authorization": f"Bearer {full['access_token']}"}, timeout=5).json()
    assert {"sub", "email", "emailVerified", "givenName", "familyName"} <= set(info)
    only_email = control.connect(realm, scope="openid email")
    info = requests.get(url, headers={"Authorization": f"Bearer {only_email['access_token']}"}, timeout=5).json()
    assert set(info) == {"sub", "email", "emailVerified"}
    accounting = control.connect(realm, scope="com.intuit.quickbooks.accounting")
    resp = requests.get(url, headers={"Authorization": f"Bearer {accounting['access_token']}"}, timeout=5)
    assert resp.status_code == 403
