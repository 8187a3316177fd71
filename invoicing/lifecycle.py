"""The invoice status lifecycle: every transition is a service function; illegal ones are refused.

Draft → Generated (finalize) → Sent; payments make it Partially paid or Paid; unpaid past its due date
it becomes Overdue (a scheduled task); Void; Refunded and Partially refunded; Disputed and back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from invoicing.models import Invoice, InvoiceStatus, Payment, PaymentKind
from invoicing.money import to_cents

S = InvoiceStatus

# action -> statuses it may start from
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "finalize": frozenset({S.DRAFT}),
    "send": frozenset({S.GENERATED, S.SENT, S.OVERDUE, S.PARTIALLY_PAID}),
    "record_payment": frozenset({S.GENERATED, S.SENT, S.OVERDUE, S.PARTIALLY_PAID}),
    "void": frozenset({S.GENERATED, S.SENT, S.OVERDUE}),
    "refund": frozenset({S.PAID, S.PARTIALLY_PAID, S.PARTIALLY_REFUNDED}),
    "dispute": frozenset({S.GENERATED, S.SENT, S.OVERDUE, S.PARTIALLY_PAID, S.PAID}),
    "resolve_dispute": frozenset({S.DISPUTED}),
    "mark_overdue": frozenset({S.GENERATED, S.SENT}),
    "delete_draft": frozenset({S.DRAFT}),
}

ACTION_LABELS = {
    "finalize": "finalized",
    "send": "sent",
    "record_payment": "paid",
    "void": "voided",
    "refund": "refunded",
    "dispute": "disputed",
    "resolve_dispute": "taken out of dispute",
    "mark_overdue": "marked overdue",
    "delete_draft": "deleted",
}


class TransitionError(ValidationError):
    """An action the invoice's current status does not allow."""


def allowed_actions(invoice: Invoice) -> list[str]:
    return [action for action, sources in ALLOWED_FROM.items() if invoice.status in sources]


def transition_check(invoice: Invoice, action: str) -> None:
    """Refuse an action the invoice's status does not allow (callers that act later, e.g. Send by email)."""
    if invoice.status not in ALLOWED_FROM[action]:
        raise TransitionError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()} and cannot be "
            f"{ACTION_LABELS[action]}."
        )


def _lock(invoice: Invoice, action: str) -> Invoice:
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    transition_check(locked, action)
    return locked


def _save(invoice: Invoice, fields: Iterable[str]) -> Invoice:
    invoice.save(update_fields=[*fields, "updated_at"])
    return invoice


@transaction.atomic
def invoice_finalize(*, invoice: Invoice) -> Invoice:
    invoice = _lock(invoice, "finalize")
    if not invoice.lines.exists():
        raise TransitionError(f"Invoice {invoice.number} has no lines; add at least one before finalizing.")
    if invoice.total <= 0:
        # Nothing to bill: a 0.00 invoice would be sent, synced and counted as open for no money.
        raise TransitionError(f"Invoice {invoice.number} totals {invoice.total:.2f}; give it a line with a price "
                              "before finalizing, or delete the draft.")
    invoice.status, invoice.finalized_at = S.GENERATED, timezone.now()
    return _save(invoice, ["status", "finalized_at"])


@transaction.atomic
def invoice_send(*, invoice: Invoice) -> Invoice:
    invoice = _lock(invoice, "send")
    if invoice.status == S.GENERATED:
        invoice.status = S.SENT
    invoice.sent_at = timezone.now()
    return _save(invoice, ["status", "sent_at"])


def _positive_amount(amount: Decimal | str | int) -> Decimal:
    try:
        value = to_cents(amount)
    except ValueError:
        raise ValidationError({"amount": [f"{amount!r} is not an amount."]}) from None
    if value <= 0:
        raise ValidationError({"amount": ["The amount must be greater than zero."]})
    return value


@transaction.atomic
def invoice_record_payment(*, invoice: Invoice, amount: Decimal | str, received_on: date | None = None,
                           method: str = "", reference: str = "", note: str = "") -> Payment:
    invoice = _lock(invoice, "record_payment")
    value = _positive_amount(amount)
    if value > invoice.balance:
        raise ValidationError({"amount": [f"The payment ({value}) is more than the balance ({invoice.balance})."]})
    payment = Payment.objects.create(
        organization=invoice.organization, invoice=invoice, kind=PaymentKind.PAYMENT, amount=value,
        received_on=received_on or timezone.localdate(), method=method, reference=reference, note=note,
    )
    invoice.amount_paid += value
    invoice.balance = invoice.total - invoice.amount_paid
    invoice.status = S.PAID if invoice.balance == 0 else S.PARTIALLY_PAID
    _save(invoice, ["amount_paid", "balance", "status"])
    return payment


# A payment can be taken back (deleted or voided where it was recorded, e.g. in QuickBooks) while the
# invoice is paid or part paid and nothing has been refunded. Not a person's action: not in ALLOWED_FROM.
REVERSIBLE_FROM = frozenset({S.PAID, S.PARTIALLY_PAID})


@transaction.atomic
def invoice_reverse_payment(*, payment: Payment) -> Invoice:
    """Undo a recorded payment: the invoice owes it again and its status steps back (Partially paid,
    or Sent / Generated / Overdue when nothing is paid any more). The Payment row is removed."""
    invoice = Invoice.objects.select_for_update().get(pk=payment.invoice_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.kind != PaymentKind.PAYMENT:
        raise ValidationError("Only payments can be reversed; refunds are not.")
    if invoice.status not in REVERSIBLE_FROM or invoice.amount_refunded > 0:
        raise TransitionError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}"
            f"{' with refunds' if invoice.amount_refunded > 0 else ''}; its payment cannot be reversed."
        )
    payment.delete()
    invoice.amount_paid -= payment.amount
    invoice.balance = invoice.total - invoice.amount_paid
    if invoice.amount_paid > 0:
        invoice.status = S.PARTIALLY_PAID
    else:
        invoice.status = S.SENT if invoice.sent_at else S.GENERATED
        if invoice.due_date < timezone.localdate():
            invoice.status = S.OVERDUE
    return _save(invoice, ["amount_paid", "balance", "status"])


@transaction.atomic
def invoice_refund(*, invoice: Invoice, amount: Decimal | str, received_on: date | None = None,
                   note: str = "") -> Payment:
    invoice = _lock(invoice, "refund")
    value = _positive_amount(amount)
    refundable = invoice.amount_paid - invoice.amount_refunded
    if value > refundable:
        raise ValidationError({"amount": [f"The refund ({value}) is more than what was paid and not yet refunded ({refundable})."]})
    refund = Payment.objects.create(
        organization=invoice.organization, invoice=invoice, kind=PaymentKind.REFUND, amount=value,
        received_on=received_on or timezone.localdate(), note=note,
    )
    invoice.amount_refunded += value
    invoice.status = S.REFUNDED if invoice.amount_refunded == invoice.amount_paid else S.PARTIALLY_REFUNDED
    _save(invoice, ["amount_refunded", "status"])
    return refund


@transaction.atomic
def invoice_void(*, invoice: Invoice) -> Invoice:
    invoice = _lock(invoice, "void")
    invoice.status, invoice.voided_at = S.VOID, timezone.now()
    # A void invoice is owed nothing; QBO zeroes a voided invoice the same way.
    invoice.balance = Decimal("0.00")
    return _save(invoice, ["status", "voided_at", "balance"])


@transaction.atomic
def invoice_dispute(*, invoice: Invoice) -> Invoice:
    invoice = _lock(invoice, "dispute")
    invoice.status_before_dispute, invoice.status = invoice.status, S.DISPUTED
    return _save(invoice, ["status", "status_before_dispute"])


@transaction.atomic
def invoice_resolve_dispute(*, invoice: Invoice) -> Invoice:
    invoice = _lock(invoice, "resolve_dispute")
    invoice.status = invoice.status_before_dispute or S.SENT
    invoice.status_before_dispute = ""
    if invoice.status in ALLOWED_FROM["mark_overdue"] and invoice.due_date < timezone.localdate():
        invoice.status = S.OVERDUE
    return _save(invoice, ["status", "status_before_dispute"])


@transaction.atomic
def invoice_delete_draft(*, invoice: Invoice) -> None:
    invoice = _lock(invoice, "delete_draft")
    invoice.delete()


def invoices_mark_overdue(*, today: date | None = None) -> list[int]:
    """Move every unpaid invoice past its due date to Overdue; returns the ids changed."""
    today = today or timezone.localdate()
    due = Q(status__in=ALLOWED_FROM["mark_overdue"], due_date__lt=today, balance__gt=0)
    changed: list[int] = []
    with transaction.atomic():
        for invoice in Invoice.objects.select_for_update().filter(due).only("id", "status"):
            invoice.status = S.OVERDUE
            invoice.save(update_fields=["status", "updated_at"])
            changed.append(invoice.id)
    return changed
