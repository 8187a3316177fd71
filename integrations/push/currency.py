"""The company's currency on what we push (issue #16: multicurrency read and respected).

The app bills in one currency and has no currency of its own: it is taken to be the QuickBooks company's
home currency (said on the QuickBooks page). In a multicurrency company QBO wants `CurrencyRef` on every
transaction ("must be defined if multicurrency is enabled", Intuit's Invoice and Payment reference) and a
transaction in its customer's currency, so invoices and payments carry the home currency, customers we
create are made in it, and an invoice for a customer QuickBooks holds in another currency is refused here,
before anything is sent, rather than left to a QuickBooks fault."""

from __future__ import annotations

from typing import Any

from integrations.models import QuickBooksConnection
from integrations.qbo.errors import QboRefusedHere


def currency_of(entity: dict[str, Any]) -> str:
    """The ISO code of a QBO record's CurrencyRef ("" when it has none)."""
    ref = entity.get("CurrencyRef")
    value = ref.get("value") if isinstance(ref, dict) else ref
    return str(value or "").strip().upper()[:3]


def home_currency_ref(connection: QuickBooksConnection) -> dict[str, Any]:
    """`{"CurrencyRef": …}` for a body in a multicurrency company whose home currency was read, else {}:
    a single-currency company's bodies stay as they were."""
    if not (connection.multicurrency_enabled and connection.home_currency):
        return {}
    return {"CurrencyRef": {"value": connection.home_currency}}


def customer_currency_check(connection: QuickBooksConnection, *, currency: str, name: str, what: str) -> None:
    """Refuse `what` (an invoice, a payment) for a customer QuickBooks holds in another currency than the
    home currency. An unknown currency ("": mapped before the company was read) is taken as home."""
    if not connection.multicurrency_enabled or not connection.home_currency:
        return
    if currency and currency != connection.home_currency:
        raise QboRefusedHere(
            f"QuickBooks holds the customer “{name}” in {currency}, but this organization bills in the "
            f"company's home currency {connection.home_currency}: QuickBooks takes {what} only in its "
            "customer's currency, so nothing was sent.",
            hint=f"In QuickBooks a customer's currency cannot be changed: link “{name}” to a QuickBooks "
                 f"customer in {connection.home_currency} (or unlink it so the sync creates one), then retry; "
                 f"or record this {what} in QuickBooks in {currency} yourself.",
            code="currency_mismatch")
