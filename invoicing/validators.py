"""What an invoice's input must be, in one place: the pages, the API and the admin all call these.

Pure functions of their arguments (no queries, no writes); each raises Django's ValidationError keyed by
the field a person would fix, so every caller shows the same sentence beside the same field.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.permissions import can
from invoicing import totals as arithmetic
from invoicing.models import Invoice, InvoiceStatus
from invoicing.money import line_amount

# Statuses whose lines and dates may still change (nothing paid against them yet).
EDITABLE_STATUSES = (InvoiceStatus.DRAFT, InvoiceStatus.GENERATED, InvoiceStatus.SENT, InvoiceStatus.OVERDUE)

# Every money column is DecimalField(max_digits=12, decimal_places=2): nothing above this fits.
MONEY_MAX = Decimal("9999999999.99")
# QuickBooks takes at most 750 lines on a taxable transaction (Intuit's Invoice reference; see
# qbo-tax-and-money.md §4.1): refusing here says so before the invoice exists, not when its sync fails.
MAX_LINES = 750
# The memo is printed for the customer. QBO's CustomerMemo holds at most 1000 characters and its
# PrivateNote 4000 (qbo-tax-and-money.md §7): 1000 fits either.
MEMO_MAX_LENGTH = 1000
# Year 1 or 9999 is a typo, not a bill; a fixed window keeps the rule the same on every day it runs.
DATE_MIN = date(1970, 1, 1)
DATE_MAX = date(2099, 12, 31)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def invoice_edit_refusal(invoice: Invoice) -> str | None:
    """Why the invoice's lines, dates and customer can no longer change; None when they can."""
    if invoice.status in EDITABLE_STATUSES and invoice.amount_paid == 0:
        return None
    return (f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; "
            "only invoices with nothing paid against them can be edited.")


def invoice_edit_check(*, invoice: Invoice, role: str | None) -> None:
    """The edit rule of the invoice page and the API, in one place: first the invoice's state
    (invoice_edit_refusal, a ValidationError), then the role (PermissionDenied): anyone who writes drafts
    may edit a draft (technicians write up work); an issued invoice is the office's to correct."""
    refusal = invoice_edit_refusal(invoice)
    if refusal:
        raise ValidationError(refusal)
    if invoice.status == InvoiceStatus.DRAFT:
        if not can(role, "invoice.edit_draft"):
            raise PermissionDenied("Your role may not edit invoices (invoice.edit_draft).")
    elif not can(role, "invoice.finalize"):
        raise PermissionDenied(f"Invoice {invoice.number} is finalized; your role may edit drafts only, so ask "
                               "the office to correct it.")


def invoice_can_edit(*, invoice: Invoice, role: str | None) -> bool:
    """invoice_edit_check as a yes or no, for the Edit buttons. Pure: no queries, safe per list row."""
    try:
        invoice_edit_check(invoice=invoice, role=role)
    except (ValidationError, PermissionDenied):
        return False
    return True


# Statuses after which no other tax figure replaces the invoice's (money moved, or it no longer bills).
_TAX_SETTLED = (InvoiceStatus.PAID, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.REFUNDED,
                InvoiceStatus.PARTIALLY_REFUNDED)


def invoice_tax_override_refusal(invoice: Invoice) -> str | None:
    """Why another tax figure can no longer replace (or stop replacing) the invoice's own; None when it
    can. Only between finalizing and sending: a draft is still being written, and once the customer was
    sent the invoice the tax they saw never changes behind their back."""
    number = invoice.number
    if invoice.status == InvoiceStatus.VOID:
        return f"Invoice {number} is void; its tax cannot change."
    if invoice.status == InvoiceStatus.DRAFT:
        return f"Invoice {number} is a draft; finalize it first, then its tax can be taken from elsewhere."
    if invoice.sent_at is not None:
        return (f"Invoice {number} was already sent to the customer; the tax they were sent stays as it is "
                "(it is never changed after sending).")
    if invoice.status in _TAX_SETTLED or invoice.amount_paid > 0:
        return f"Invoice {number} is {invoice.get_status_display().lower()}; its tax cannot change once it is paid."
    if invoice.status == InvoiceStatus.DISPUTED:
        return f"Invoice {number} is disputed; resolve the dispute first."
    if invoice.prices_include_tax:
        return f"Invoice {number}'s prices include tax, so its tax cannot be replaced by another figure."
    return None


def invoice_tax_override_check(*, invoice: Invoice, role: str | None) -> None:
    """The state (ValidationError), then the role (PermissionDenied): changing a finalized invoice's money
    is the office's, as editing it is (invoice_edit_check)."""
    refusal = invoice_tax_override_refusal(invoice)
    if refusal:
        raise ValidationError(refusal)
    if not can(role, "invoice.finalize"):
        raise PermissionDenied(f"Your role may not change the tax of invoice {invoice.number}; ask the office.")


def invoice_can_override_tax(*, invoice: Invoice, role: str | None) -> bool:
    """invoice_tax_override_check as a yes or no, for the buttons. Pure: no queries."""
    try:
        invoice_tax_override_check(invoice=invoice, role=role)
    except (ValidationError, PermissionDenied):
        return False
    return True


def validate_invoice_date(value: date) -> None:
    if not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(
            f"Give a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}; {value.isoformat()} is outside it.",
            code="date_window",
        )


def validate_memo(value: str) -> None:
    if len(value) > MEMO_MAX_LENGTH:
        raise ValidationError(
            f"The memo can have at most {MEMO_MAX_LENGTH:,} characters (QuickBooks' limit for a customer "
            f"memo); this one has {len(value):,}.",
            code="memo_length",
        )


def check_invoice_fields(*, issue_date: date | None, due_date: date | None, memo: str) -> None:
    """Dates inside the window, due on or after issue, a memo QuickBooks can hold."""
    errors: dict[str, list[str]] = {}
    for name, value in (("issue_date", issue_date), ("due_date", due_date)):
        if value is not None:
            try:
                validate_invoice_date(value)
            except ValidationError as exc:
                errors[name] = exc.messages
    if issue_date and due_date and due_date < issue_date and "due_date" not in errors:
        errors["due_date"] = ["The due date cannot be before the issue date."]
    try:
        validate_memo(memo)
    except ValidationError as exc:
        errors["memo"] = exc.messages
    if errors:
        raise ValidationError(errors)


def check_total(total: Decimal) -> None:
    """An invoice total the money columns can hold."""
    if total > MONEY_MAX:
        raise ValidationError({"lines": [
            (f"The invoice would total {_money(total)}, more than one invoice can hold ({_money(MONEY_MAX)}). "
            "Split the work over several invoices.")]})


def check_lines(lines: Sequence[tuple[Decimal, Decimal, bool, Decimal]]) -> None:
    """(quantity, unit price, is a credit, tax percent of the line's code) rows: how many, and whether every
    amount and the total fit.

    A line of 1,000,000 × 100,000.00 is 100,000,000,000.00, more than the database column holds:
    without this check it fails as a database error (a 500), or worse on SQLite, stores and reads badly.
    The total is the largest the lines can come to (tax added on top, no discount; totals.py's arithmetic);
    invoice_recompute_totals checks the exact one again with check_total.
    """
    if not lines:
        raise ValidationError({"lines": ["An invoice needs at least one line."]})
    if len(lines) > MAX_LINES:
        raise ValidationError({"lines": [
            (f"An invoice can have at most {MAX_LINES} lines (QuickBooks' limit); this one has {len(lines):,}. "
            "Split the work over several invoices.")]})
    errors = [
        f"Line {index}: {quantity.normalize():f} × {_money(price)} = {_money(amount)} is more than one line can "
        f"hold ({_money(MONEY_MAX)})."
        for index, (quantity, price, _, _) in enumerate(lines, start=1)
        if (amount := line_amount(quantity, price)) > MONEY_MAX
    ]
    if errors:
        raise ValidationError({"lines": errors})
    # Each line taxed on its own with its code's combined percent: a bound for an early, clear refusal.
    result = arithmetic.compute([
        arithmetic.Line(amount=line_amount(quantity, price) * (-1 if credit else 1),
                        rates=(arithmetic.Rate(key=index, name="", percent=percent),) if percent else ())
        for index, (quantity, price, credit, percent) in enumerate(lines)
    ])
    check_total(max(result.total, result.lines_sum))
