"""Multicurrency in the simulator, over HTTP: Intuit's "Manage multiple currencies" and the CurrencyRef of
Customer, Invoice and Payment (qbo-tax-and-money.md §1.1: read-only preference, CurrencyRef required on
transactions once it is on)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from qbo_sim.testing import SimControl, SimulatorProcess

LINE = [{"DetailType": "SalesItemLineDetail", "Amount": 100,
         "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "TaxCodeRef": {"value": "NON"}}}]


class Books:
    def __init__(self, sim: SimulatorProcess, control: SimControl, **prefs: bool) -> None:
        self.control = control
        self.realm = control.create_company(f"Money {uuid.uuid4().hex[:6]}", empty=True, preferences=prefs)
        token = control.connect(self.realm)["access_token"]
        self.s = requests.Session()
        self.s.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
        self.base = f"{sim.url}/v3/company/{self.realm}"

    def post(self, entity: str, body: dict[str, Any]) -> requests.Response:
        return self.s.post(f"{self.base}/{entity.lower()}", json=body, timeout=10)

    def ok(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = self.post(entity, body)
        assert resp.status_code == 200, resp.text
        return resp.json()[entity]

    def fault(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = self.post(entity, body)
        assert resp.status_code == 400, resp.text
        return resp.json()["Fault"]["Error"][0]


@pytest.fixture
def multi(sim: SimulatorProcess, control: SimControl) -> Books:
    return Books(sim, control, MultiCurrencyEnabled=True)


@pytest.fixture
def single(sim: SimulatorProcess, control: SimControl) -> Books:
    return Books(sim, control)


def test_create_company_switch_turns_multicurrency_on(multi: Books) -> None:
    prefs = multi.s.get(f"{multi.base}/preferences", timeout=10).json()["Preferences"]
    assert prefs["CurrencyPrefs"] == {"MultiCurrencyEnabled": True, "HomeCurrency": {"value": "USD"}}
    assert {"Name": "UsingMultiCurrency", "Value": "true"} in prefs["OtherPrefs"]["NameValue"]
    assert multi.control.preferences(multi.realm)["MultiCurrencyEnabled"] is True


def test_multicurrency_cannot_be_switched_through_the_api(single: Books) -> None:
    prefs = single.s.get(f"{single.base}/preferences", timeout=10).json()["Preferences"]
    new = single.ok("Preferences", {"SyncToken": prefs["SyncToken"], "sparse": True,
                                    "CurrencyPrefs": {"MultiCurrencyEnabled": True}})
    assert new["CurrencyPrefs"]["MultiCurrencyEnabled"] is False   # read-only (§1.1)


def test_customer_is_in_home_currency_unless_another_is_given(multi: Books) -> None:
    home = multi.ok("Customer", {"DisplayName": "Home Co"})
    assert home["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    euro = multi.ok("Customer", {"DisplayName": "Euro Co", "CurrencyRef": {"value": "EUR"}})
    assert euro["CurrencyRef"]["value"] == "EUR"


def test_customer_currency_is_fixed_once_set(multi: Books) -> None:
    euro = multi.ok("Customer", {"DisplayName": "Euro Co", "CurrencyRef": {"value": "EUR"}})
    err = multi.fault("Customer", {"Id": euro["Id"], "SyncToken": euro["SyncToken"], "sparse": True,
                                   "CurrencyRef": {"value": "USD"}})
    assert err["code"] == "6000" and "cannot be changed" in err["Detail"]


def test_invoice_without_currency_is_refused_when_multicurrency_is_on(multi: Books) -> None:
    cust = multi.ok("Customer", {"DisplayName": "Home Co"})
    err = multi.fault("Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": LINE})
    assert err["code"] == "2020" and err["element"] == "CurrencyRef"


def test_invoice_in_customer_currency_lands_with_home_amounts(multi: Books) -> None:
    cust = multi.ok("Customer", {"DisplayName": "Home Co"})
    inv = multi.ok("Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": LINE, "CurrencyRef": {"value": "USD"}})
    assert inv["CurrencyRef"]["value"] == "USD" and inv["ExchangeRate"] == 1
    assert inv["HomeTotalAmt"] == inv["TotalAmt"] == 100
    euro = multi.ok("Customer", {"DisplayName": "Euro Co", "CurrencyRef": {"value": "EUR"}})
    foreign = multi.ok("Invoice", {"CustomerRef": {"value": euro["Id"]}, "Line": LINE,
                                   "CurrencyRef": {"value": "EUR"}, "ExchangeRate": 1.1})
    assert foreign["CurrencyRef"]["value"] == "EUR" and foreign["HomeTotalAmt"] == 110


def test_transaction_in_another_currency_than_its_customer_is_refused(multi: Books) -> None:
    euro = multi.ok("Customer", {"DisplayName": "Euro Co", "CurrencyRef": {"value": "EUR"}})
    err = multi.fault("Invoice", {"CustomerRef": {"value": euro["Id"]}, "Line": LINE, "CurrencyRef": {"value": "USD"}})
    assert err["code"] == "6000" and err["element"] == "CurrencyRef"
    err = multi.fault("Payment", {"CustomerRef": {"value": euro["Id"]}, "TotalAmt": 5, "CurrencyRef": {"value": "USD"}})
    assert err["code"] == "6000"


def test_payment_carries_its_currency(multi: Books) -> None:
    cust = multi.ok("Customer", {"DisplayName": "Home Co"})
    pay = multi.ok("Payment", {"CustomerRef": {"value": cust["Id"]}, "TotalAmt": 5, "CurrencyRef": {"value": "USD"}})
    assert pay["CurrencyRef"]["value"] == "USD"


def test_foreign_customer_seeded_through_the_control_api(multi: Books) -> None:
    made = multi.control.entities(multi.realm, "Customer", {"DisplayName": "Pound Ltd", "CurrencyRef": {"value": "GBP"}})
    assert made["CurrencyRef"]["value"] == "GBP"
    # A bookkeeper's invoice without CurrencyRef takes the customer's, as QBO's own screens do.
    inv = multi.control.entities(multi.realm, "Invoice", {"CustomerRef": {"value": made["Id"]},
                                                          "Line": LINE})
    assert inv["CurrencyRef"]["value"] == "GBP"


def test_single_currency_company_keeps_everything_in_home_currency(single: Books) -> None:
    cust = single.ok("Customer", {"DisplayName": "Home Co"})
    inv = single.ok("Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": LINE})
    assert inv["CurrencyRef"]["value"] == "USD" and "HomeTotalAmt" not in inv
    err = single.fault("Customer", {"DisplayName": "Euro Co", "CurrencyRef": {"value": "EUR"}})
    assert err["code"] == "6000"
    err = single.fault("Invoice", {"CustomerRef": {"value": cust["Id"]}, "Line": LINE, "CurrencyRef": {"value": "EUR"}})
    assert err["code"] == "6000"
