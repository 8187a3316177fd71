"""Mappings: payment methods and terms — a person's choices (the page and the API). What is sent follows
`integrations.method_terms`; payments and invoices already in QuickBooks keep what they were sent with."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from integrations.method_terms import local_days, local_methods, method_by_name, term_by_days
from integrations.models import QuickBooksConnection

REREAD = "re-read the company settings if it was added there since"


@transaction.atomic
def payment_methods_set(*, connection: QuickBooksConnection, choices: list[tuple[str, str]]) -> QuickBooksConnection:
    """(local method, QBO PaymentMethod id or "" for none) pairs; all or nothing. A choice equal to the match
    by name is not kept as a choice, so that method keeps following QBO's method of its name."""
    locals_by_key = {m.casefold(): m for m in local_methods(connection=connection)}
    ids = {m["id"] for m in connection.qbo_payment_methods}
    chosen = {k.strip().casefold(): v for k, v in connection.payment_method_map.items()}
    errors = []
    for method, qbo_id in choices:
        local = locals_by_key.get(method.strip().casefold())
        if local is None:
            errors.append(f"No payment method “{method[:40]}” here; reload the page.")
        elif qbo_id and qbo_id not in ids:
            errors.append(f"Choose one of the QuickBooks company's payment methods for “{local}” ({REREAD}).")
        else:
            implicit = (method_by_name(connection.qbo_payment_methods, local) or {}).get("value", "")
            if qbo_id == implicit:
                chosen.pop(local.casefold(), None)
            else:
                chosen[local.casefold()] = qbo_id
    if errors:
        raise ValidationError(errors)
    names = {k: locals_by_key.get(k, k) for k in chosen}
    connection.payment_method_map = {names[k]: v for k, v in sorted(chosen.items())}
    connection.save(update_fields=["payment_method_map", "updated_at"])
    return connection


@transaction.atomic
def terms_set(*, connection: QuickBooksConnection, choices: list[tuple[int, str]]) -> QuickBooksConnection:
    """(number of days, QBO Term id or "" for none) pairs; all or nothing. A choice equal to the Term of the
    same DueDays is not kept as a choice."""
    days_here = set(local_days(connection=connection))
    ids = {t["id"] for t in connection.qbo_terms}
    chosen = dict(connection.term_map)
    errors = []
    for days, qbo_id in choices:
        if days not in days_here:
            errors.append(f"No invoices or default terms of {days} days here; reload the page.")
        elif qbo_id and qbo_id not in ids:
            errors.append(f"Choose one of the QuickBooks company's terms for {days} days ({REREAD}).")
        elif qbo_id == (term_by_days(connection.qbo_terms, days) or {}).get("value", ""):
            chosen.pop(str(days), None)
        else:
            chosen[str(days)] = qbo_id
    if errors:
        raise ValidationError(errors)
    connection.term_map = dict(sorted(chosen.items(), key=lambda kv: int(kv[0])))
    connection.save(update_fields=["term_map", "updated_at"])
    return connection


def method_terms_forget_gone(connection: QuickBooksConnection) -> None:
    """On a re-read: a chosen PaymentMethod or Term gone (or inactive) since is forgotten, so that method or
    number of days follows the match by name / days again. Choices of "none" stay. Saved by the caller."""
    method_ids = {m["id"] for m in connection.qbo_payment_methods}
    term_ids = {t["id"] for t in connection.qbo_terms}
    connection.payment_method_map = {k: v for k, v in connection.payment_method_map.items()
                                     if not v or v in method_ids}
    connection.term_map = {k: v for k, v in connection.term_map.items() if not v or v in term_ids}
