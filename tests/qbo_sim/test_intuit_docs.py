"""Requests as Intuit's API reference and guides write them, replayed over HTTP against the
simulator with the answer those pages document. No request here was taken from our app.

Sources: developer.intuit.com "Query operations and syntax" (data-queries), the entity pages
of the Accounting API reference, the OAuth 2.0 / OpenID discovery and token pages, and the
2017 "Deep dive: SQL queries" post (reference §2.5-2.6, §1)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
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


# ---- entities a trade business uses (request bodies of Intuit's entity pages) -----------------

def post(api: Any, entity: str, body: dict[str, Any], **params: str) -> dict[str, Any]:
    resp = api.post(f"{api.base}/{entity.lower()}", json=body, params={"minorversion": "75", **params}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()[entity]


def get(api: Any, entity: str, ident: str) -> dict[str, Any]:
    resp = api.get(f"{api.base}/{entity.lower()}/{ident}", timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()[entity]


def account_id(api: Any, name: str) -> str:
    return q(api, f"select * from Account where Name = '{name}'").json()["QueryResponse"]["Account"][0]["Id"]


def _sale_line(amount: float, qty: float | None = None, price: float | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"ItemRef": {"value": "1", "name": "Services"}, "TaxCodeRef": {"value": "NON"}}
    if qty is not None:
        detail.update(Qty=qty, UnitPrice=price)
    return {"Description": "Pest Control Services", "DetailType": "SalesItemLineDetail", "Amount": amount,
            "SalesItemLineDetail": detail}


def test_estimate_sample_and_invoice_made_from_it(api: Any) -> None:
    cust = post(api, "Customer", {"DisplayName": "Cool Cars"})
    est = post(api, "Estimate", {
        "BillEmail": {"Address": "Cool_Cars@intuit.com"}, "PrintStatus": "NeedToPrint", "EmailStatus": "NotSet",
        "Line": [_sale_line(35.0, 1, 35),
                 {"DetailType": "SubTotalLineDetail", "Amount": 35.0, "SubTotalLineDetail": {}},
                 {"DetailType": "DiscountLineDetail", "Amount": 3.5,
                  "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10}}],
        "CustomerRef": {"value": cust["Id"]}, "TxnTaxDetail": {"TotalTax": 0}, "ApplyTaxAfterDiscount": False})
    assert est["TotalAmt"] == 31.5 and est["TxnStatus"] == "Pending" and est["DocNumber"]
    assert q(api, "select * from estimate where TxnStatus = 'Pending'").json()["QueryResponse"]["Estimate"][0]["Id"] \
        == est["Id"]
    inv = post(api, "Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": [_sale_line(35.0)],
                                "LinkedTxn": [{"TxnId": est["Id"], "TxnType": "Estimate"}]})
    assert {"TxnId": est["Id"], "TxnType": "Estimate"} in inv["LinkedTxn"]
    closed = get(api, "Estimate", est["Id"])
    assert closed["TxnStatus"] == "Closed" and closed["LinkedTxn"] == [{"TxnId": inv["Id"], "TxnType": "Invoice"}]
    assert closed["SyncToken"] == "1"
    post(api, "Invoice", {"Id": inv["Id"], "SyncToken": inv["SyncToken"]}, operation="delete")
    reopened = get(api, "Estimate", est["Id"])
    assert reopened["TxnStatus"] == "Pending" and reopened["LinkedTxn"] == []


def test_credit_memo_lowers_the_customer_balance(api: Any) -> None:
    cust = post(api, "Customer", {"DisplayName": "Amy's Bird Sanctuary"})
    post(api, "Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": [_sale_line(120.0)]})
    assert get(api, "Customer", cust["Id"])["Balance"] == 120.0
    memo = post(api, "CreditMemo", {"Line": [{"DetailType": "SalesItemLineDetail", "Amount": 50,
                                              "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"}}}],
                                    "CustomerRef": {"value": cust["Id"], "name": "Amy's Bird Sanctuary"}})
    assert memo["TotalAmt"] == 50.0 and memo["RemainingCredit"] == 50.0
    assert get(api, "Customer", cust["Id"])["Balance"] == 70.0
    post(api, "CreditMemo", {"Id": memo["Id"], "SyncToken": memo["SyncToken"]}, operation="delete")
    assert get(api, "Customer", cust["Id"])["Balance"] == 120.0
    gone = api.get(f"{api.base}/creditmemo/{memo['Id']}", timeout=10)
    assert gone.status_code == 400 and gone.json()["Fault"]["Error"][0]["code"] == "610"


def test_sales_receipt_refund_and_deposit_move_undeposited_funds(api: Any) -> None:
    undeposited, checking = account_id(api, "Undeposited Funds"), account_id(api, "Checking")
    receipt = post(api, "SalesReceipt", {"Line": [_sale_line(35.0, 1, 35)]})
    assert receipt["TotalAmt"] == 35.0 and receipt["DepositToAccountRef"]["value"] == undeposited
    cust = post(api, "Customer", {"DisplayName": "Red Rock Diner"})
    pay = post(api, "Payment", {"CustomerRef": {"value": cust["Id"]}, "TotalAmt": 65.0})
    assert get(api, "Account", undeposited)["CurrentBalance"] == 100.0
    dep = post(api, "Deposit", {"DepositToAccountRef": {"value": checking, "name": "Checking"}, "Line": [
        {"Amount": 65.0, "LinkedTxn": [{"TxnId": pay["Id"], "TxnType": "Payment", "TxnLineId": "0"}]},
        {"Amount": 20.0, "DetailType": "DepositLineDetail",
         "DepositLineDetail": {"AccountRef": {"value": account_id(api, "Services")}}}]})
    assert dep["TotalAmt"] == 85.0
    assert get(api, "Account", undeposited)["CurrentBalance"] == 35.0
    assert get(api, "Account", checking)["CurrentBalance"] == 85.0
    again = api.post(f"{api.base}/deposit", json={"DepositToAccountRef": {"value": checking}, "Line": [
        {"Amount": 65.0, "LinkedTxn": [{"TxnId": pay["Id"], "TxnType": "Payment"}]}]}, timeout=10)
    assert again.status_code == 400 and again.json()["Fault"]["Error"][0]["code"] == "6000"
    refund = post(api, "RefundReceipt", {"Line": [{"DetailType": "SalesItemLineDetail", "Amount": 20.0,
                                                   "SalesItemLineDetail": {"ItemRef": {"value": "1"}}}],
                                         "DepositToAccountRef": {"value": checking, "name": "Checking"}})
    assert refund["TotalAmt"] == 20.0 and get(api, "Account", checking)["CurrentBalance"] == 65.0
    missing = api.post(f"{api.base}/refundreceipt", json={"Line": [_sale_line(5.0)]}, timeout=10)
    assert missing.json()["Fault"]["Error"][0]["code"] == "2020"
    voided = post(api, "SalesReceipt", {"Id": receipt["Id"], "SyncToken": receipt["SyncToken"], "sparse": True},
                  operation="update", include="void")
    assert voided["TotalAmt"] == 0 and "Voided" in voided["PrivateNote"]


@pytest.mark.parametrize(("entity", "body", "check"), [
    ("Class", {"Name": "France"}, {"FullyQualifiedName": "France", "SubClass": False, "Active": True}),
    ("Department", {"Name": "Marketing Department"}, {"SubDepartment": False, "Active": True}),
    ("TaxAgency", {"DisplayName": "Sales Tax Agency"}, {"TaxTrackedOnSales": True}),
    ("Vendor", {"PrimaryEmailAddr": {"Address": "dbradley@myemail.com"}, "WebAddr": {"URI": "http://DiannesAutoShop.com"},
                "PrimaryPhone": {"FreeFormNumber": "(650) 555-2342"}, "DisplayName": "Dianne's Auto Shop",
                "Suffix": "Sr.", "Title": "Ms.", "FamilyName": "Bradley", "TaxIdentifier": "99-5688293",
                "AcctNum": "35372649", "CompanyName": "Dianne's Auto Shop", "GivenName": "Dianne"},
     {"PrintOnCheckName": "Dianne's Auto Shop", "Active": True}),
])
def test_name_list_samples(api: Any, entity: str, body: dict[str, Any], check: dict[str, Any]) -> None:
    rec = post(api, entity, body)
    assert rec["Id"] and rec["SyncToken"] == "0" and all(rec[k] == v for k, v in check.items())
    assert get(api, entity, rec["Id"]) == rec
    dup = api.post(f"{api.base}/{entity.lower()}", json=body, timeout=10)
    assert dup.status_code == 400 and dup.json()["Fault"]["Error"][0]["code"] == "6240"
    listed = q(api, f"select * from {entity} where Id = '{rec['Id']}'").json()["QueryResponse"]
    assert listed[entity][0]["Id"] == rec["Id"]


def test_sub_class_and_no_delete_for_name_lists(api: Any) -> None:
    parent = post(api, "Class", {"Name": "Europe"})
    child = post(api, "Class", {"Name": "France", "ParentRef": {"value": parent["Id"]}})
    assert child["SubClass"] is True and child["FullyQualifiedName"] == "Europe:France"
    resp = api.post(f"{api.base}/class", params={"operation": "delete"},
                    json={"Id": child["Id"], "SyncToken": "0"}, timeout=10)
    assert resp.json()["Fault"]["Error"][0]["code"] == "500"
    off = post(api, "Class", {"Id": child["Id"], "SyncToken": "0", "sparse": True, "Active": False})
    assert off["Active"] is False


def test_attachable_upload_and_download(api: Any) -> None:
    cust = post(api, "Customer", {"DisplayName": "Attach Co"})
    inv = post(api, "Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": [_sale_line(10.0)]})
    meta = {"AttachableRef": [{"EntityRef": {"type": "Invoice", "value": inv["Id"]}}],
            "FileName": "receipt_nov15.jpg", "ContentType": "image/jpg"}
    files = {"file_metadata_01": (None, json.dumps(meta), "application/json"),
             "file_content_01": ("receipt_nov15.jpg", b"\xff\xd8fake-jpeg", "image/jpg")}
    resp = api.post(f"{api.base}/upload", files=files, timeout=10)
    assert resp.status_code == 200, resp.text
    att = resp.json()["AttachableResponse"][0]["Attachable"]
    assert att["FileName"] == "receipt_nov15.jpg" and att["Size"] == 11
    assert att["AttachableRef"][0]["EntityRef"] == {"type": "Invoice", "value": inv["Id"]}
    link = api.get(f"{api.base}/download/{att['Id']}", timeout=10)
    assert link.status_code == 200
    assert requests.get(link.text, timeout=10).content == b"\xff\xd8fake-jpeg"
    found = q(api, "select * from attachable where AttachableRef.EntityRef.Type = 'invoice' "
                   f"and AttachableRef.EntityRef.value = '{inv['Id']}'").json()
    assert found["QueryResponse"]["Attachable"][0]["Id"] == att["Id"]
    # Intuit's "Attach images and notes" tutorial: a note on an invoice.
    note = post(api, "Attachable", {"AttachableRef": [{"EntityRef": {"type": "Invoice", "value": inv["Id"]}}],
                                    "Note": "This is a note added to the invoice."})
    assert note["Note"] == "This is a note added to the invoice." and note["SyncToken"] == "0"
    assert note["AttachableRef"] == [{"EntityRef": {"type": "Invoice", "value": inv["Id"]}, "IncludeOnSend": False}]
    lower = post(api, "Attachable", {"Note": "Called", "AttachableRef": [{"EntityRef": {"type": "customer",
                                                                                      "value": cust["Id"]}}]})
    assert lower["AttachableRef"][0]["EntityRef"]["type"] == "Customer"
    bad = api.post(f"{api.base}/attachable", json={"Note": "x", "AttachableRef": [
        {"EntityRef": {"type": "Invoice", "value": "99999"}}]}, timeout=10)
    assert bad.status_code == 400 and bad.json()["Fault"]["Error"][0]["code"] == "2500"


@pytest.mark.parametrize("entity", ["Bill", "Purchase", "JournalEntry", "TimeActivity", "Budget", "Transfer"])
def test_other_entities_read_as_an_empty_company(api: Any, entity: str) -> None:
    resp = api.get(f"{api.base}/{entity.lower()}/1", timeout=10)
    assert resp.status_code == 400 and resp.json()["Fault"]["Error"][0]["code"] == "610"


def test_cdc_covers_every_cdc_entity(api: Any) -> None:
    # Intuit's CDC page: "all API entities except JournalCode, TaxAgency, TimeActivity, TaxCode, TaxRate".
    names = ("Account,Attachable,Bill,BillPayment,Budget,Class,CreditMemo,Customer,Department,Deposit,Employee,"
             "Estimate,Invoice,Item,JournalEntry,Payment,PaymentMethod,Purchase,PurchaseOrder,RefundReceipt,"
             "SalesReceipt,Term,Transfer,Vendor,VendorCredit")
    post(api, "Class", {"Name": "CDC Class"})
    resp = api.get(f"{api.base}/cdc", params={"entities": names, "changedSince": "2000-01-01"}, timeout=10)
    assert resp.status_code == 400  # older than 30 days
    since = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    resp = api.get(f"{api.base}/cdc", params={"entities": names, "changedSince": since}, timeout=10)
    assert resp.status_code == 200, resp.text
    groups = resp.json()["CDCResponse"][0]["QueryResponse"]
    assert len(groups) == len(names.split(",")) and any("Class" in g for g in groups)
    lower = api.get(f"{api.base}/cdc", params={"entities": "customer,invoice", "changedSince": since}, timeout=10)
    assert lower.status_code == 200  # Intuit's own example spells them in lower case
    for excluded in ("JournalCode", "TaxAgency", "TimeActivity", "TaxCode", "TaxRate"):
        resp = api.get(f"{api.base}/cdc", params={"entities": excluded, "changedSince": since}, timeout=10)
        assert resp.status_code == 400, excluded


# ---- Preferences and CompanyInfo (Intuit's Preferences and CompanyInfo pages) ------------------

PREF_SECTIONS = ("AccountingInfoPrefs", "ProductAndServicesPrefs", "SalesFormsPrefs", "EmailMessagesPrefs",
                 "VendorAndPurchasesPrefs", "TimeTrackingPrefs", "TaxPrefs", "CurrencyPrefs", "ReportPrefs",
                 "OtherPrefs")


def test_preferences_have_every_section_and_update_sparsely(api: Any) -> None:
    prefs = api.get(f"{api.base}/preferences", timeout=10).json()["Preferences"]
    assert all(section in prefs for section in PREF_SECTIONS)
    assert prefs["EmailMessagesPrefs"]["InvoiceMessage"]["Subject"]
    assert prefs["ReportPrefs"]["ReportBasis"] == "Accrual"
    body = {"SyncToken": prefs["SyncToken"], "sparse": True, "SalesFormsPrefs": {"AllowDeposit": False},
            "EmailMessagesPrefs": {"InvoiceMessage": {"Subject": "Your invoice", "Message": "Thanks"}},
            "CurrencyPrefs": {"HomeCurrency": {"value": "EUR"}}}
    new = api.post(f"{api.base}/preferences", json=body, timeout=10).json()["Preferences"]
    assert new["SyncToken"] == str(int(prefs["SyncToken"]) + 1)
    assert new["SalesFormsPrefs"]["AllowDeposit"] is False
    assert new["SalesFormsPrefs"]["AllowDiscount"] == prefs["SalesFormsPrefs"]["AllowDiscount"]  # untouched
    assert new["EmailMessagesPrefs"]["InvoiceMessage"]["Subject"] == "Your invoice"
    assert new["EmailMessagesPrefs"]["EstimateMessage"] == prefs["EmailMessagesPrefs"]["EstimateMessage"]
    assert new["CurrencyPrefs"]["HomeCurrency"] == {"value": "USD"}  # read-only in QBO
    stale = api.post(f"{api.base}/preferences", json=body, timeout=10)
    assert stale.status_code == 400 and stale.json()["Fault"]["Error"][0]["code"] == "5010"
    bad = api.post(f"{api.base}/preferences", json={"SyncToken": new["SyncToken"], "ColourPrefs": {}}, timeout=10)
    assert bad.status_code == 400 and bad.json()["Fault"]["Error"][0]["code"] == "2010"


def test_company_info_read_query_and_sparse_update(api: Any, realm: str) -> None:
    info = api.get(f"{api.base}/companyinfo/{realm}", timeout=10).json()["CompanyInfo"]
    for key in ("CompanyName", "LegalName", "CompanyAddr", "CustomerCommunicationAddr", "LegalAddr",
                "PrimaryPhone", "CompanyStartDate", "FiscalYearStartMonth", "Country", "Email",
                "SupportedLanguages", "NameValue"):
        assert key in info, key
    assert info["CompanyAddr"]["Country"] == "USA"
    assert q(api, "select * from CompanyInfo").json()["QueryResponse"]["CompanyInfo"][0]["Id"] == "1"
    new = api.post(f"{api.base}/companyinfo", json={"Id": "1", "SyncToken": info["SyncToken"], "sparse": True,
                                                     "CompanyName": "Harbor HVAC"}, timeout=10).json()["CompanyInfo"]
    assert new["CompanyName"] == "Harbor HVAC" and new["LegalName"] == info["LegalName"]
    assert new["SyncToken"] == str(int(info["SyncToken"]) + 1)


# ---- a new sandbox company comes with sample data, as Intuit's do ------------------------------

def test_new_company_has_sandbox_sample_data(sim: SimulatorProcess, control: SimControl) -> None:
    realm = control.create_company("Sample Books", empty=False)
    token = control.connect(realm)["access_token"]
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    session.base = f"{sim.url}/v3/company/{realm}"  # type: ignore[attr-defined]

    def rows(text: str) -> dict[str, Any]:
        return q(session, text).json()["QueryResponse"]

    assert rows("select count(*) from Customer")["totalCount"] >= 7
    subs = rows("select * from Customer where Job = true")["Customer"]
    assert {c["FullyQualifiedName"] for c in subs} >= {"Freeman Sporting Goods:55 Twin Lane"}
    for entity in ("Item", "Invoice", "Payment", "Estimate", "Term", "TaxCode", "Account", "Vendor"):
        assert rows(f"select count(*) from {entity}")["totalCount"] > 0, entity
    amy = rows("select * from Customer where DisplayName = 'Amy\\'s Bird Sanctuary'")
    assert amy["Customer"][0]["Balance"] == 200.0  # 225 invoiced - 25 credit memo
    assert rows("select * from Estimate")["Estimate"][0]["TxnStatus"] == "Closed"
    empty = control.create_company("Empty Books", empty=True)
    assert control.company(empty)["objects"].get("Customer", {}).get("total", 0) == 0


# ---- reports (Intuit's ProfitAndLoss, BalanceSheet, AgedReceivables, CustomerBalance pages) ------

def _report(api: Any, name: str, **params: str) -> dict[str, Any]:
    resp = api.get(f"{api.base}/reports/{name}", params={"minorversion": "75", **params}, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _summary(section: dict[str, Any]) -> str:
    return section["Summary"]["ColData"][-1]["value"]


def _group(rows: list[dict[str, Any]], group: str) -> dict[str, Any]:
    for row in rows:
        if row.get("group") == group:
            return row
        inner = _group(row.get("Rows", {}).get("Row", []), group) if "Rows" in row else None
        if inner:
            return inner
    return {}


@pytest.fixture
def books(api: Any) -> str:
    cust = post(api, "Customer", {"DisplayName": "Report Person"})
    inv = post(api, "Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": [_sale_line(100.0)]})
    post(api, "Payment", {"CustomerRef": {"value": cust["Id"]}, "TotalAmt": 40.0,
                          "Line": [{"Amount": 40.0, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}]})
    post(api, "CreditMemo", {"CustomerRef": {"value": cust["Id"]}, "Line": [_sale_line(10.0)]})
    return cust["Id"]


def test_profit_and_loss_accrual_and_cash(api: Any, books: str) -> None:
    accrual = _report(api, "ProfitAndLoss")
    head = accrual["Header"]
    assert head["ReportName"] == "ProfitAndLoss" and head["ReportBasis"] == "Accrual" and head["Currency"] == "USD"
    assert head["StartPeriod"].endswith("-01-01") and [c["ColType"] for c in accrual["Columns"]["Column"]] == \
        ["Account", "Money"]
    rows = accrual["Rows"]["Row"]
    income = _group(rows, "Income")
    assert income["Header"]["ColData"][0]["value"] == "Income" and _summary(income) == "90.00"
    assert income["Rows"]["Row"][0]["ColData"][0] == {"value": "Services", "id": income["Rows"]["Row"][0]["ColData"][0]["id"]}
    assert _summary(_group(rows, "NetIncome")) == "90.00"
    cash = _report(api, "ProfitAndLoss", accounting_method="Cash")
    assert cash["Header"]["ReportBasis"] == "Cash" and _summary(_group(cash["Rows"]["Row"], "NetIncome")) == "40.00"
    past = _report(api, "ProfitAndLoss", start_date="2015-01-01", end_date="2015-12-31")
    assert _summary(_group(past["Rows"]["Row"], "NetIncome")) == "0.00"
    assert past["Header"]["Option"] == [{"Name": "NoReportData", "Value": "true"}]


def test_balance_sheet_balances(api: Any, books: str) -> None:
    sheet = _report(api, "BalanceSheet")
    rows = sheet["Rows"]["Row"]
    assert _summary(_group(rows, "AR")) == "50.00"
    assert _summary(_group(rows, "OtherCurrentAssets")) == "40.00"   # the payment waits in Undeposited Funds
    assert _summary(_group(rows, "TotalAssets")) == "90.00"
    assert _summary(_group(rows, "TotalLiabilitiesAndEquity")) == "90.00"


def test_aged_receivables_and_customer_balance(api: Any, books: str) -> None:
    aged = _report(api, "AgedReceivables")
    titles = [c["ColTitle"] for c in aged["Columns"]["Column"]]
    assert titles == ["", "Current", "1 - 30", "31 - 60", "61 - 90", "91 and over", "Total"]
    person = aged["Rows"]["Row"][0]["ColData"]
    assert person[0] == {"value": "Report Person", "id": books} and person[-1]["value"] == "50.00"
    assert aged["Rows"]["Row"][-1]["Summary"]["ColData"][0]["value"] == "TOTAL"
    balance = _report(api, "CustomerBalance")
    assert balance["Rows"]["Row"][0]["ColData"] == [{"value": "Report Person", "id": books}, {"value": "50.00"}]
    assert get(api, "Customer", books)["Balance"] == 50.0


@pytest.mark.parametrize(("name", "params", "code"), [
    ("ProfitAndLoss", {"start_date": "2025-13-01"}, "2080"),
    ("ProfitAndLoss", {"accounting_method": "Modified"}, "2170"),
    ("NoSuchReport", {}, "500"),
])
def test_report_errors(api: Any, name: str, params: dict[str, str], code: str) -> None:
    resp = api.get(f"{api.base}/reports/{name}", params=params, timeout=10)
    assert resp.status_code == 400 and resp.json()["Fault"]["Error"][0]["code"] == code


@pytest.mark.parametrize("entity", ["Estimate", "SalesReceipt", "CreditMemo"])
def test_sales_form_pdf_and_send(api: Any, entity: str) -> None:
    cust = post(api, "Customer", {"DisplayName": f"Send {entity}"})
    rec = post(api, entity, {"CustomerRef": {"value": cust["Id"]}, "Line": [_sale_line(35.0)]})
    pdf = api.get(f"{api.base}/{entity.lower()}/{rec['Id']}/pdf", timeout=10)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf" and pdf.content[:4] == b"%PDF"
    sent = api.post(f"{api.base}/{entity.lower()}/{rec['Id']}/send", params={"sendTo": "a@example.com"},
                    headers={"Content-Type": "application/octet-stream"}, timeout=10).json()[entity]
    assert sent["EmailStatus"] == "EmailSent" and sent["BillEmail"] == {"Address": "a@example.com"}
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email" and sent["SyncToken"] == "1"


# ---- the sample queries of the entity reference pages, against a sandbox company with sample data --

@pytest.fixture
def sandbox(sim: SimulatorProcess, control: SimControl) -> Any:
    realm = control.create_company("Sandbox Company_US_1", empty=False)
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {control.connect(realm)['access_token']}",
                            "Accept": "application/json"})
    session.base = f"{sim.url}/v3/company/{realm}"  # type: ignore[attr-defined]
    return session


@pytest.mark.parametrize(("text", "entity", "at_least"), [
    ("select * from Invoice where id = '1'", "Invoice", 1),
    ("select * from Customer Where Metadata.LastUpdatedTime > '2015-03-01'", "Customer", 7),
    ("select * from Item maxresults 2", "Item", 2),
    ("select * from estimate where TxnDate > '2014-09-15'", "Estimate", 1),
    ("select * from Payment", "Payment", 2),
    ("select * from Account where Metadata.CreateTime > '2014-12-31'", "Account", 9),
    ("select * from vendor where DisplayName = 'Books by Bessie'", "Vendor", 1),
    ("select * from SalesReceipt", "SalesReceipt", 1),
    ("select * from CreditMemo where CustomerRef = '1'", "CreditMemo", 1),
    ("select * from Term", "Term", 4),
    ("select * from TaxCode", "TaxCode", 2),
])
def test_entity_page_queries(sandbox: Any, text: str, entity: str, at_least: int) -> None:
    resp = q(sandbox, text)
    assert resp.status_code == 200, resp.text
    rows = resp.json()["QueryResponse"].get(entity, [])
    assert len(rows) >= at_least and all(r["domain"] == "QBO" and r["Id"] for r in rows)
    if "maxresults 2" in text:
        assert len(rows) == 2
