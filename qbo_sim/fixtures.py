"""What every new sandbox company starts with: chart of accounts, US tax codes, terms,
payment methods, a "Services" item, CompanyInfo and Preferences (reference §8 "Fixtures")."""

from __future__ import annotations

from typing import Any

from . import clock, company
from .entities import ops
from .entities.common import WriteOpts
from .store import Company

INTERNAL = WriteOpts(internal=True)
ACCOUNTS: list[dict[str, Any]] = [
    {"Name": "Services", "AccountType": "Income", "AccountSubType": "ServiceFeeIncome"},
    {"Name": "Sales of Product Income", "AccountType": "Income", "AccountSubType": "SalesOfProductIncome"},
    {"Name": "Undeposited Funds", "AccountType": "Other Current Asset", "AccountSubType": "UndepositedFunds"},
    {"Name": "Accounts Receivable (A/R)", "AccountType": "Accounts Receivable"},
    {"Name": "Checking", "AccountType": "Bank", "AccountSubType": "Checking"},
    {"Name": "Inventory Asset", "AccountType": "Other Current Asset", "AccountSubType": "Inventory"},
    {"Name": "Cost of Goods Sold", "AccountType": "Cost of Goods Sold"},
    {"Name": "Accounts Payable (A/P)", "AccountType": "Accounts Payable"},
    {"Name": "Sales Tax Payable", "AccountType": "Other Current Liability"},
]
SWITCHES = {"CustomTxnNumbers": ("SalesFormsPrefs",), "PartnerTaxEnabled": ("TaxPrefs",),
            "ProjectsEnabled": ("OtherPrefs",)}


def install(co: Company) -> None:
    """Called with ``co.lock`` held while the company is created; fires no webhooks."""
    listener, co.listener = co.listener, None
    try:
        for acct in ACCOUNTS:
            ops.create(co, "Account", acct, INTERNAL)
        _tax(co)
        for name, days in (("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60)):
            ops.create(co, "Term", {"Name": name, "DueDays": days}, INTERNAL)
        for name, kind in (("Cash", "NON_CREDIT_CARD"), ("Check", "NON_CREDIT_CARD"),
                           ("Credit Card", "CREDIT_CARD")):
            ops.create(co, "PaymentMethod", {"Name": name, "Type": kind}, INTERNAL)
        ops.create(co, "Item", {"Name": "Services", "Type": "Service", "IncomeAccountRef": {"value": "1"}},
                   INTERNAL)
        ops.create(co, "Item", {"Name": "Hours", "Type": "Service", "IncomeAccountRef": {"value": "1"}},
                   INTERNAL)
        ops.create(co, "CompanyInfo", {"Id": "1", **company.company_info(co)}, INTERNAL)
        ops.create(co, "Preferences", {"Id": "1", **company.preferences(co.name)}, INTERNAL)
    finally:
        co.listener = listener


def _tax(co: Company) -> None:
    ops.create(co, "TaxRate", {"Id": "1", "Name": "California", "Description": "California sales tax",
                               "RateValue": 8.0, "Active": True, "SpecialTaxType": "NONE",
                               "DisplayType": "ReadOnly", "AgencyRef": {"value": "1"}}, INTERNAL)
    # QBO US: line tax codes are the pseudo codes TAX/NON; TxnTaxCodeRef picks a real code.
    ops.create(co, "TaxCode", {"Id": "TAX", "Name": "TAX", "Description": "TAX", "Taxable": True,
                               "TaxGroup": False, "Active": True}, INTERNAL)
    ops.create(co, "TaxCode", {"Id": "NON", "Name": "NON", "Description": "NON", "Taxable": False,
                               "TaxGroup": False, "Active": True}, INTERNAL)
    ops.create(co, "TaxCode", {"Id": "2", "Name": "California", "Description": "California sales tax",
                               "Taxable": True, "TaxGroup": True, "Active": True,
                               "SalesTaxRateList": {"TaxRateDetail": [
                                   {"TaxRateRef": {"value": "1", "name": "California"},
                                    "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]},
                               "PurchaseTaxRateList": {"TaxRateDetail": []}}, INTERNAL)


def switches(co: Company) -> dict[str, bool]:
    prefs = co.get("Preferences", "1")
    data = prefs.data if prefs else {}
    other = {nv["Name"]: nv["Value"] for nv in (data.get("OtherPrefs") or {}).get("NameValue", [])}
    return {"CustomTxnNumbers": bool((data.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers")),
            "PartnerTaxEnabled": bool((data.get("TaxPrefs") or {}).get("PartnerTaxEnabled")),
            "ProjectsEnabled": other.get("ProjectsEnabled") == "true"}


def set_switches(co: Company, patch: dict[str, Any]) -> dict[str, bool]:
    """Flip the Preferences switches the sync engine reads; it is an edit, so SyncToken moves."""
    rec = co.get("Preferences", "1")
    assert rec is not None
    data = rec.data
    for key, value in patch.items():
        if key not in SWITCHES:
            raise KeyError(key)
        if key == "ProjectsEnabled":
            pairs = [nv for nv in data["OtherPrefs"]["NameValue"] if nv["Name"] != key]
            data["OtherPrefs"]["NameValue"] = [{"Name": key, "Value": "true" if value else "false"}, *pairs]
        else:
            data.setdefault(SWITCHES[key][0], {})[key] = bool(value)
    ts = clock.now()
    data["SyncToken"] = str(int(data["SyncToken"]) + 1)
    data["MetaData"]["LastUpdatedTime"] = clock.iso_s(ts)
    rec.updated = ts
    rec.touch()
    co.emit("Preferences", "1", "Update", ts)
    return switches(co)
