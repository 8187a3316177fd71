"""Human links: the QuickBooks web app's record pages and the customer's InvoiceLink page are
HTML that shows the record (as Intuit's links do), never the API's JSON."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from qbo_sim.testing import SimControl, SimulatorProcess


def _invoice(control: SimControl, realm: str, email: str | None = "pay@example.com") -> tuple[dict, dict]:
    cust = control.entities(realm, "Customer", {"DisplayName": "Page Person",
                                                **({"PrimaryEmailAddr": {"Address": email}} if email else {})})
    inv = control.entities(realm, "Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": [
        {"DetailType": "SalesItemLineDetail", "Amount": 190.0, "Description": "Furnace repair",
         "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 2, "UnitPrice": 95}}]})
    return cust, inv


def test_web_app_paths_show_the_record(sim: SimulatorProcess, control: SimControl, realm: str) -> None:
    cust, inv = _invoice(control, realm)
    page = requests.get(f"{sim.url}/app/invoice", params={"txnId": inv["Id"], "realmId": realm}, timeout=5)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert f"Invoice #{inv['DocNumber']}" in page.text and "Furnace repair" in page.text
    assert "$190.00" in page.text and "Page Person" in page.text and "Open" in page.text
    detail = requests.get(f"{sim.url}/app/customerdetail", params={"nameId": cust["Id"], "realmId": realm},
                          timeout=5)
    assert detail.status_code == 200 and "Page Person" in detail.text and inv["DocNumber"] in detail.text
    # Without realmId (as Intuit's own link): the newest company holding that record.
    plain = requests.get(f"{sim.url}/app/invoice?txnId={inv['Id']}", timeout=5)
    assert plain.status_code == 200 and "<html" in plain.text
    missing = requests.get(f"{sim.url}/app/invoice", params={"txnId": "999999", "realmId": realm}, timeout=5)
    assert missing.status_code == 404 and "text/html" in missing.headers["Content-Type"]
    home = requests.get(f"{sim.url}/app/homepage", params={"realmId": realm}, timeout=5)
    assert home.status_code == 200 and control.company(realm)["name"] in home.text


def test_invoice_link_opens_the_customer_view(api: Any, sim: SimulatorProcess, control: SimControl,
                                              realm: str) -> None:
    _, inv = _invoice(control, realm)
    got = api.get(f"{api.base}/invoice/{inv['Id']}", params={"include": "invoiceLink"}, timeout=5).json()
    link = got["Invoice"]["InvoiceLink"]
    assert link.startswith(sim.url)
    page = requests.get(link, timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"] and "Pay now" in page.text


def test_invoice_link_is_https_with_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    with SimulatorProcess(["--tls", "--no-throttle"]) as tls:
        assert tls.ca_path is not None  # --tls prints QBO_SIM_CA before start() returns
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls.ca_path)  # how clients trust the test CA
        ctl = SimControl(tls.url)
        realm = ctl.create_company("TLS Books")
        _, inv = _invoice(ctl, realm)
        token = ctl.connect(realm)["access_token"]
        got = requests.get(f"{tls.url}/v3/company/{realm}/invoice/{inv['Id']}", params={"include": "invoiceLink"},
                           headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                           verify=tls.ca_path, timeout=10).json()
        link = got["Invoice"]["InvoiceLink"]
        assert link.startswith("https://")
        assert "Pay now" in requests.get(link, verify=tls.ca_path, timeout=10).text


def test_invoice_page_labels_the_two_notes_as_quickbooks_does(sim: SimulatorProcess, control: SimControl,
                                                              realm: str) -> None:
    cust, _ = _invoice(control, realm)
    inv = control.entities(realm, "Invoice", {
        "CustomerRef": {"value": cust["Id"]}, "CustomerMemo": {"value": "Thank you for your business."},
        "PrivateNote": "Gate code 4411", "Line": [
            {"DetailType": "SalesItemLineDetail", "Amount": 95.0, "Description": "Visit",
             "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": 95}}]})
    page = requests.get(f"{sim.url}/app/invoice", params={"txnId": inv["Id"], "realmId": realm}, timeout=5).text
    assert "Message on invoice" in page and "Thank you for your business." in page  # the customer's
    assert "Message on statement" in page and "Gate code 4411" in page  # PrivateNote, never on the invoice
