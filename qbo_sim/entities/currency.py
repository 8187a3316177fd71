"""Multicurrency (Intuit: "Manage multiple currencies"; Preferences.CurrencyPrefs; the CurrencyRef of
Customer, Invoice and Payment in the API reference).

- A customer's currency is the home currency unless another is given when multicurrency is on; once
  set it cannot change (Intuit: "Once set, it cannot be changed").
- With multicurrency on, CurrencyRef "must be defined" on a transaction (Invoice, Payment, sales
  forms: "Required if multicurrency is enabled for the company"), and a transaction is in its
  customer's currency. Without multicurrency every amount is in the home currency.
Intuit documents no fault code for a currency that is not the customer's: 6000 is assumed (README)."""

from __future__ import annotations

import re
from typing import Any

from .. import errors, kinds
from ..store import Company, Record
from .common import WriteOpts

_CODE = re.compile(r"^[A-Z]{3}$")


def _prefs(co: Company) -> dict[str, Any]:
    rec = co.get("Preferences", "1")
    return (rec.data.get("CurrencyPrefs") or {}) if rec else {}


def home(co: Company) -> str:
    return str((_prefs(co).get("HomeCurrency") or {}).get("value") or "USD")


def enabled(co: Company) -> bool:
    return _prefs(co).get("MultiCurrencyEnabled") is True


def ref(code: str) -> dict[str, str]:
    return {"value": code, "name": kinds.CURRENCY.get(code, code)}


def _sent(d: dict[str, Any]) -> str:
    raw = d.get("CurrencyRef")
    value = raw.get("value") if isinstance(raw, dict) else raw
    code = str(value or "").strip().upper()
    if code and not _CODE.match(code):
        raise errors.validation("2010", "Request has invalid or unsupported property",
                                f"CurrencyRef: {value!r} is not an ISO 4217 code", "CurrencyRef")
    return code


def _rate(value: Any) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = 0.0
    if rate <= 0:
        raise errors.validation("2030", "Invalid Number", f"ExchangeRate: {value!r} is not a rate", "ExchangeRate")
    return rate


def of_customer(co: Company, customer: Record | None) -> str:
    if customer is None:
        return home(co)
    return str((customer.data.get("CurrencyRef") or {}).get("value") or home(co))


def person_currency(co: Company, d: dict[str, Any], old: Record | None) -> dict[str, str]:
    """The currency a customer (vendor, employee) is held in."""
    sent = _sent(d)
    if old is not None:
        kept = of_customer(co, old)
        if sent and sent != kept:
            raise errors.business(f"The currency of a name cannot be changed once set ({kept})", "CurrencyRef")
        return ref(kept)
    if sent and sent != home(co) and not enabled(co):
        raise errors.business(f"Multicurrency is off in this company: every name is in {home(co)}",
                              "CurrencyRef")
    return ref(sent or home(co))


def txn_currency(co: Company, d: dict[str, Any], customer: Record | None, opts: WriteOpts) -> dict[str, str]:
    """Set CurrencyRef (and, with multicurrency on, ExchangeRate) on a transaction; refuse a currency that
    is not its customer's. A bookkeeper's or seed write without CurrencyRef takes the customer's, as
    QBO's own screens do; an API write in a multicurrency company must send it."""
    if not enabled(co):
        sent = _sent(d)
        if sent and sent != home(co):
            raise errors.business(f"Multicurrency is off in this company: transactions are in {home(co)}",
                                  "CurrencyRef")
        return ref(home(co))
    theirs = of_customer(co, customer)
    sent = _sent(d) or (theirs if opts.internal else "")
    if not sent:
        raise errors.required("CurrencyRef")
    if sent != theirs:
        raise errors.business(f"The transaction currency ({sent}) must be the customer's currency ({theirs})",
                              "CurrencyRef")
    # Home-currency amounts: rate 1 at home; a foreign rate as sent (default 1: the sim keeps no rate table).
    d["ExchangeRate"] = 1 if sent == home(co) else _rate(d.get("ExchangeRate", 1))
    return ref(sent)


def home_amounts(co: Company, d: dict[str, Any], *fields: str) -> None:
    """HomeTotalAmt / HomeBalance: the amounts in the home currency (multicurrency only)."""
    if not enabled(co):
        return
    rate = float(d.get("ExchangeRate", 1) or 1)
    for src, dst in (("TotalAmt", "HomeTotalAmt"), ("Balance", "HomeBalance")):
        if src in fields and src in d:
            d[dst] = round(float(d[src]) * rate, 2)
