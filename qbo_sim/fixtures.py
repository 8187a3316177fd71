"""What every new sandbox company starts with: chart of accounts, US tax codes, terms,
payment methods, a "Services" item, CompanyInfo and Preferences (reference §8 "Fixtures")."""

from __future__ import annotations

from typing import Any

from . import clock, company, kinds
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
    # §6.1: the account of DiscountLineDetail, Preferences.SalesFormsPrefs.DefaultDiscountAccount.
    {"Name": "Discounts given", "AccountType": "Income", "AccountSubType": "DiscountsRefundsGiven"},
]
SWITCHES = {"CustomTxnNumbers": ("SalesFormsPrefs",), "PartnerTaxEnabled": ("TaxPrefs",),
            "ProjectsEnabled": ("OtherPrefs",), "AllowDiscount": ("SalesFormsPrefs",),
            "AllowDeposit": ("SalesFormsPrefs",), "MultiCurrencyEnabled": ("CurrencyPrefs",)}


def install(co: Company, kind: str = kinds.DEFAULT_KIND) -> None:
    """Called with ``co.lock`` held while the company is created; fires no webhooks. ``kind``: one of
    ``kinds.KINDS``; it decides the tax records, Preferences.TaxPrefs and CompanyInfo.Country."""
    listener, co.listener = co.listener, None
    try:
        for acct in ACCOUNTS:
            ops.create(co, "Account", acct, INTERNAL)
        for entity, body in kinds.tax_records(kind):
            ops.create(co, entity, body, INTERNAL)
        for name, days in (("Due on receipt", 0), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60)):
            ops.create(co, "Term", {"Name": name, "DueDays": days}, INTERNAL)
        for name, method in (("Cash", "NON_CREDIT_CARD"), ("Check", "NON_CREDIT_CARD"),
                             ("Credit Card", "CREDIT_CARD")):
            ops.create(co, "PaymentMethod", {"Name": name, "Type": method}, INTERNAL)
        ops.create(co, "Item", {"Name": "Services", "Type": "Service", "IncomeAccountRef": {"value": "1"}},
                   INTERNAL)
        ops.create(co, "Item", {"Name": "Hours", "Type": "Service", "IncomeAccountRef": {"value": "1"}},
                   INTERNAL)
        ops.create(co, "CompanyInfo", {"Id": "1", **company.company_info(co, kind)}, INTERNAL)
        prefs = company.preferences(co.name, kind)
        discounts = co.names["Account"].get("discounts given")
        if discounts:   # Intuit's example gives the id as a string ("86")
            prefs["SalesFormsPrefs"]["DefaultDiscountAccount"] = discounts[1]
        ops.create(co, "Preferences", {"Id": "1", **prefs}, INTERNAL)
    finally:
        co.listener = listener


def _ast_records(co: Company) -> None:
    """A company switched to AST gets the engine's agencies, rates and codes (§3.2), no webhooks."""
    listener, co.listener = co.listener, None
    try:
        for entity, body in kinds.tax_records("us_ast"):
            if co.get(entity, body["Id"]) is None:
                ops.create(co, entity, body, INTERNAL)
    finally:
        co.listener = listener


def switches(co: Company) -> dict[str, bool]:
    prefs = co.get("Preferences", "1")
    data = prefs.data if prefs else {}
    other = {nv["Name"]: nv["Value"] for nv in (data.get("OtherPrefs") or {}).get("NameValue", [])}
    return {"CustomTxnNumbers": bool((data.get("SalesFormsPrefs") or {}).get("CustomTxnNumbers")),
            "PartnerTaxEnabled": bool((data.get("TaxPrefs") or {}).get("PartnerTaxEnabled")),
            "ProjectsEnabled": other.get("ProjectsEnabled") == "true",
            "AllowDiscount": bool((data.get("SalesFormsPrefs") or {}).get("AllowDiscount")),
            "AllowDeposit": bool((data.get("SalesFormsPrefs") or {}).get("AllowDeposit")),
            "MultiCurrencyEnabled": bool((data.get("CurrencyPrefs") or {}).get("MultiCurrencyEnabled"))}


def set_switches(co: Company, patch: dict[str, Any]) -> dict[str, bool]:
    """Flip the Preferences switches the sync engine reads; it is an edit, so SyncToken moves."""
    rec = co.get("Preferences", "1")
    assert rec is not None
    data = rec.data
    for key, value in patch.items():
        if key not in SWITCHES:
            raise KeyError(key)
        if key == "MultiCurrencyEnabled":
            # OtherPrefs repeats it as UsingMultiCurrency. QBO never turns it off again; the sim's switch
            # can, so a test may go back (assumption, README).
            pairs = [nv for nv in data["OtherPrefs"]["NameValue"] if nv["Name"] != "UsingMultiCurrency"]
            data["OtherPrefs"]["NameValue"] = [*pairs, {"Name": "UsingMultiCurrency",
                                                        "Value": "true" if value else "false"}]
        if key == "ProjectsEnabled":
            pairs = [nv for nv in data["OtherPrefs"]["NameValue"] if nv["Name"] != key]
            data["OtherPrefs"]["NameValue"] = [{"Name": key, "Value": "true" if value else "false"}, *pairs]
        else:
            data.setdefault(SWITCHES[key][0], {})[key] = bool(value)
    if (data.get("TaxPrefs") or {}).get("PartnerTaxEnabled") is True:
        _ast_records(co)
    ts = clock.now()
    data["SyncToken"] = str(int(data["SyncToken"]) + 1)
    data["MetaData"]["LastUpdatedTime"] = clock.iso_s(ts)
    rec.updated = ts
    rec.touch()
    co.emit("Preferences", "1", "Update", ts)
    return switches(co)
