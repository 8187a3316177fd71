"""Requests as Intuit's API reference and guides write them, replayed over HTTP against the
simulator with the answer those pages document. No request here was taken from our app.

Sources: developer.intuit.com "Query operations and syntax" (data-queries), the entity pages
of the Accounting API reference, the OAuth 2.0 / OpenID discovery and token pages, and the
2017 "Deep dive: SQL queries" post (reference §2.5-2.6, §1)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from qbo_sim.testing import SimControl


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
