"""Mappings: payment methods and terms — what a local payment method or number of days is sent as.

A person's choice, kept on the connection (`payment_method_map`, `term_map`; "" = send none), wins. Without
one, a method is sent as QBO's PaymentMethod of the same name (case-insensitive) and a number of days as the
Term of the same `DueDays` — the match used before choices existed, so nothing changes until someone chooses.
Push (payment, invoice), inbound (a QBO payment's method read back) and the page/API rows all ask here.
"""

from __future__ import annotations

from dataclasses import dataclass

from customers.models import Customer
from integrations.models import QuickBooksConnection
from invoicing.models import PAYMENT_METHODS, Invoice, Payment

CHOICE, BY_NAME, BY_DAYS = "choice", "name", "days"


@dataclass(frozen=True)
class Match:
    ref: dict[str, str] | None  # the QBO reference to send ({"value", "name"}), None = none
    by: str  # CHOICE (a person's), BY_NAME / BY_DAYS (the implicit match), "" (nothing matches)


def _key(name: str) -> str:
    return name.strip().casefold()


def _ref(rows: list[dict[str, str]], qbo_id: str) -> dict[str, str] | None:
    if not qbo_id:
        return None
    name = next((r["name"] for r in rows if r["id"] == qbo_id), "")
    return {"value": qbo_id, "name": name} if name else {"value": qbo_id}


def method_by_name(methods: list[dict[str, str]], method: str) -> dict[str, str] | None:
    """The company's PaymentMethod of the same name (case-insensitive), as last read; None when none."""
    wanted = _key(method)
    match = [m for m in methods if wanted and _key(m["name"]) == wanted]
    return {"value": match[0]["id"], "name": match[0]["name"]} if match else None


def term_by_days(terms: list[dict[str, str]], days: int | None) -> dict[str, str] | None:
    """The company's Term whose DueDays equals `days`, as last read; None when none does."""
    if days is None:
        return None
    match = [t for t in terms if t.get("days") == str(days)]
    return {"value": match[0]["id"], "name": match[0]["name"]} if match else None


def method_chosen(connection: QuickBooksConnection, method: str) -> str | None:
    """A person's choice for `method` (an id, or "" for none), or None when nobody chose."""
    wanted = _key(method)
    for name, qbo_id in connection.payment_method_map.items():
        if _key(name) == wanted:
            return str(qbo_id)
    return None


def method_match(*, connection: QuickBooksConnection, method: str) -> Match:
    chosen = method_chosen(connection, method)
    if chosen is not None:
        return Match(_ref(connection.qbo_payment_methods, chosen), CHOICE)
    ref = method_by_name(connection.qbo_payment_methods, method)
    return Match(ref, BY_NAME if ref else "")


def term_match(*, connection: QuickBooksConnection, days: int | None) -> Match:
    if days is None:
        return Match(None, "")
    chosen = connection.term_map.get(str(days))
    if chosen is not None:
        return Match(_ref(connection.qbo_terms, str(chosen)), CHOICE)
    ref = term_by_days(connection.qbo_terms, days)
    return Match(ref, BY_DAYS if ref else "")


def method_name_for_qbo(*, connection: QuickBooksConnection, qbo_id: str) -> str:
    """The local method a QBO PaymentMethod reads back as: the local name a person mapped to it ("" when
    none did; the caller then keeps QBO's own name). Several local names mapped to one QBO method: the one
    spelled like it, else the first alphabetically — QBO's payment cannot say which one it was."""
    names = sorted(n for n, i in connection.payment_method_map.items() if qbo_id and str(i) == qbo_id)
    if not names:
        return ""
    qbo_name = next((_key(m["name"]) for m in connection.qbo_payment_methods if m["id"] == qbo_id), "")
    return next((n for n in names if _key(n) == qbo_name), names[0])


@dataclass(frozen=True)
class MappingRow:
    local: str  # the method's name, or the number of days as text
    qbo_id: str  # what is sent: "" = none
    qbo_name: str
    by: str  # CHOICE, BY_NAME / BY_DAYS, or ""


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        if name.strip() and _key(name) not in seen:
            seen[_key(name)] = name.strip()
    return list(seen.values())


def local_methods(*, connection: QuickBooksConnection) -> list[str]:
    """The payment form's methods, then the other methods this organization's payments use, then any
    still mapped (a method no payment uses any more keeps its choice)."""
    used = (Payment.objects.filter(organization_id=connection.organization_id).exclude(method="")
            .values_list("method", flat=True).distinct().order_by("method"))
    return _unique([*PAYMENT_METHODS, *used, *sorted(connection.payment_method_map)])


def local_days(*, connection: QuickBooksConnection) -> list[int]:
    """The numbers of days invoices are sent with: the organization's default, the customers' own terms,
    the invoices' terms, and any still mapped."""
    org = connection.organization_id
    days: set[int | None] = {connection.organization.payment_terms_days}
    days |= set(Customer.objects.filter(organization_id=org, payment_terms_days__isnull=False)
                .values_list("payment_terms_days", flat=True).distinct())
    days |= set(Invoice.objects.filter(organization_id=org, terms_days__isnull=False)
                .values_list("terms_days", flat=True).distinct())
    days |= {int(d) for d in connection.term_map if str(d).isdigit()}
    return sorted(d for d in days if d is not None)


def payment_method_rows(*, connection: QuickBooksConnection) -> list[MappingRow]:
    rows = []
    for name in local_methods(connection=connection):
        found = method_match(connection=connection, method=name)
        ref = found.ref or {}
        rows.append(MappingRow(name, ref.get("value", ""), ref.get("name", ""), found.by))
    return rows


def term_rows(*, connection: QuickBooksConnection) -> list[MappingRow]:
    rows = []
    for days in local_days(connection=connection):
        found = term_match(connection=connection, days=days)
        ref = found.ref or {}
        rows.append(MappingRow(str(days), ref.get("value", ""), ref.get("name", ""), found.by))
    return rows
