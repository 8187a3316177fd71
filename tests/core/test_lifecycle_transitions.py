"""Every (status, action) pair of the lifecycle: legal ones land where the spec says, illegal ones are refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from itertools import product
from typing import Any

import pytest

from invoicing import lifecycle
from invoicing.lifecycle import ALLOWED_FROM, TransitionError
from invoicing.models import Invoice, InvoiceStatus, Payment

S = InvoiceStatus
DELETED = "<deleted>"

# The spec, written out by hand: (action, from status) -> status after. Partial amounts are used
# for payments and refunds; full amounts are covered in test_money.py.
EXPECTED: dict[tuple[str, str], str] = {
    ("finalize", S.DRAFT): S.GENERATED,
    ("send", S.GENERATED): S.SENT,
    ("send", S.SENT): S.SENT,
    ("send", S.OVERDUE): S.OVERDUE,
    ("send", S.PARTIALLY_PAID): S.PARTIALLY_PAID,
    ("record_payment", S.GENERATED): S.PARTIALLY_PAID,
    ("record_payment", S.SENT): S.PARTIALLY_PAID,
    ("record_payment", S.OVERDUE): S.PARTIALLY_PAID,
    ("record_payment", S.PARTIALLY_PAID): S.PARTIALLY_PAID,
    ("void", S.GENERATED): S.VOID,
    ("void", S.SENT): S.VOID,
    ("void", S.OVERDUE): S.VOID,
    ("refund", S.PAID): S.PARTIALLY_REFUNDED,
    ("refund", S.PARTIALLY_PAID): S.PARTIALLY_REFUNDED,
    ("refund", S.PARTIALLY_REFUNDED): S.PARTIALLY_REFUNDED,
    ("dispute", S.GENERATED): S.DISPUTED,
    ("dispute", S.SENT): S.DISPUTED,
    ("dispute", S.OVERDUE): S.DISPUTED,
    ("dispute", S.PARTIALLY_PAID): S.DISPUTED,
    ("dispute", S.PAID): S.DISPUTED,
    ("resolve_dispute", S.DISPUTED): S.SENT,  # the fixture disputes a Sent invoice that is not yet due
    ("mark_overdue", S.GENERATED): S.OVERDUE,
    ("mark_overdue", S.SENT): S.OVERDUE,
    ("delete_draft", S.DRAFT): DELETED,
}

SMALL = Decimal("10.00")
# Any: each call returns its own thing (mark_overdue: the ids it marked, which the test looks in).
_ACTIONS: dict[str, Callable[[Invoice], Any]] = {
    "finalize": lambda invoice: lifecycle.invoice_finalize(invoice=invoice),
    "send": lambda invoice: lifecycle.invoice_send(invoice=invoice),
    "record_payment": lambda invoice: lifecycle.invoice_record_payment(invoice=invoice, amount=SMALL),
    "void": lambda invoice: lifecycle.invoice_void(invoice=invoice),
    "refund": lambda invoice: lifecycle.invoice_refund(invoice=invoice, amount=SMALL),
    "dispute": lambda invoice: lifecycle.invoice_dispute(invoice=invoice),
    "resolve_dispute": lambda invoice: lifecycle.invoice_resolve_dispute(invoice=invoice),
    # The sweep is not a per-invoice call: run it on the day after this invoice falls due.
    "mark_overdue": lambda invoice: lifecycle.invoices_mark_overdue(today=invoice.due_date + timedelta(days=1)),
    "delete_draft": lambda invoice: lifecycle.invoice_delete_draft(invoice=invoice),
}
ALL_PAIRS = sorted(product(ALLOWED_FROM, S.values))


def _snapshot(invoice: Invoice) -> dict[str, object]:
    fresh = Invoice.objects.get(pk=invoice.pk)
    fields = ("status", "status_before_dispute", "subtotal", "total", "balance", "amount_paid",
              "amount_refunded", "finalized_at", "sent_at", "voided_at", "updated_at")
    return {
        **{name: getattr(fresh, name) for name in fields},
        "payments": list(Payment.objects.filter(invoice=fresh).values_list("kind", "amount")),
    }


def test_the_table_covers_exactly_the_legal_pairs() -> None:
    legal = {(action, status) for action, sources in ALLOWED_FROM.items() for status in sources}
    assert set(EXPECTED) == legal
    assert set(_ACTIONS) == set(ALLOWED_FROM)


@pytest.mark.parametrize(("action", "status"), ALL_PAIRS, ids=[f"{s}-{a}" for a, s in ALL_PAIRS])
def test_transition(action: str, status: str, invoice_in: Callable[..., Invoice]) -> None:
    invoice = invoice_in(status)
    if (action, status) in EXPECTED:
        _ACTIONS[action](invoice)
        after = Invoice.objects.filter(pk=invoice.pk).values_list("status", flat=True).first()
        assert (after or DELETED) == EXPECTED[(action, status)]
    elif action == "mark_overdue":
        before = _snapshot(invoice)
        assert invoice.id not in _ACTIONS[action](invoice)
        assert _snapshot(invoice) == before
    else:
        before = _snapshot(invoice)
        with pytest.raises(TransitionError) as refused:
            _ACTIONS[action](invoice)
        message = refused.value.messages[0]
        assert message == (
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()} and cannot be "
            f"{lifecycle.ACTION_LABELS[action]}."
        )
        assert _snapshot(invoice) == before


def test_allowed_actions_follow_the_table(invoice_in: Callable[..., Invoice]) -> None:
    for status in S.values:
        invoice = invoice_in(status)
        expected = sorted(action for action, source in EXPECTED if source == status)
        assert sorted(lifecycle.allowed_actions(invoice)) == expected, status


def test_finalizing_a_draft_without_lines_is_refused(invoice_in: Callable[..., Invoice]) -> None:
    invoice = invoice_in(S.DRAFT)
    invoice.lines.all().delete()
    with pytest.raises(TransitionError, match="has no lines"):
        lifecycle.invoice_finalize(invoice=invoice)
    assert Invoice.objects.get(pk=invoice.pk).status == S.DRAFT


def test_voiding_zeroes_the_balance(invoice_in: Callable[..., Invoice]) -> None:
    invoice = lifecycle.invoice_void(invoice=invoice_in(S.SENT))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance, invoice.total) == (S.VOID, Decimal("0.00"), Decimal("200.00"))
    assert invoice.voided_at is not None
