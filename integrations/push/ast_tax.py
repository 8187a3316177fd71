"""US automated sales tax: a person takes QuickBooks' tax for an invoice before it is sent.

A company on AST computes its own tax from the job site's address (qbo-tax-and-money.md §3); the push sends
no TxnTaxDetail and keeps QBO's TotalTax on the invoice's mapping (handlers/invoice_tax.py). When it
differs from ours the invoice page says so; here the person's "Use QuickBooks' tax" makes it the invoice's
tax (invoicing's tax override, refused once the invoice was sent), and the invoice is pushed again. The
update still sends no TxnTaxDetail: AST recomputes the same figure from the same lines and address, so
ours and theirs agree and nothing overrides Intuit's engine (§3.2: an explicit TotalTax would).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from integrations.models import CompanyKind, ExternalRef, ObjectType, SyncJob
from integrations.models.jobs import OPEN_STATES
from integrations.push.enqueue import sync_enqueue
from integrations.push.selectors import QBO_TAX_PENDING
from integrations.selectors import connection_active
from integrations.services.audit import audit_record
from invoicing.models import Invoice
from invoicing.services import invoice_tax_override_set
from invoicing.validators import invoice_tax_override_check

# Where the figure came from, as the invoice keeps it (tax_override_source) and the invoice page shows it.
SOURCE = "QuickBooks automated sales tax"
AUDIT_ACTION = "invoice_tax_taken"


def qbo_tax_of(*, invoice: Invoice) -> Decimal:
    """QBO's tax of the invoice as last pushed to a company on automated sales tax; a plain refusal when
    there is none to take."""
    connection = connection_active(organization=invoice.organization)
    if connection is None:
        raise ValidationError("QuickBooks is not connected, so there is no QuickBooks tax to take.")
    if connection.company_kind != CompanyKind.US_AST:
        raise ValidationError("This QuickBooks company does not compute its own sales tax (automated sales "
                              "tax), so there is no QuickBooks tax to take.")
    ref = ExternalRef.objects.filter(connection=connection, object_type=ObjectType.INVOICE,
                                     local_id=invoice.pk).first()
    if ref is None or ref.qbo_total_tax is None:
        raise ValidationError(f"Invoice {invoice.number} has no tax from QuickBooks yet; it comes back when the "
                              "invoice is synced.")
    return ref.qbo_total_tax


def _pending_check(invoice: Invoice) -> None:
    """QBO's figure is for the invoice as last pushed; with a push pending the lines may have changed since."""
    if SyncJob.objects.filter(connection__organization=invoice.organization, object_type=ObjectType.INVOICE,
                              local_id=invoice.pk, state__in=OPEN_STATES).exists():
        raise ValidationError(QBO_TAX_PENDING)


@dataclass(frozen=True)
class QboTaxState:
    """What the invoice page shows about QBO's tax, for the API: both figures and whether it can be taken."""

    qbo_total_tax: Decimal | None
    tax_amount: Decimal
    can_take: bool
    why_not: str  # "" when it can be taken


def qbo_tax_state(*, invoice: Invoice, role: str | None) -> QboTaxState:
    try:
        theirs: Decimal | None = qbo_tax_of(invoice=invoice)
    except ValidationError as exc:
        return QboTaxState(None, invoice.tax_amount, False, " ".join(exc.messages))
    why_not = ""
    if theirs == invoice.tax_amount:
        why_not = f"Invoice {invoice.number}'s tax is already QuickBooks' ({theirs})."
    else:
        try:
            _pending_check(invoice)
            invoice_tax_override_check(invoice=invoice, role=role)
        except (ValidationError, PermissionDenied) as exc:
            why_not = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    return QboTaxState(theirs, invoice.tax_amount, not why_not, why_not)


def invoice_take_qbo_tax(*, invoice: Invoice, user: User | None, expected: Decimal | None = None) -> Invoice:
    """Make QBO's tax the invoice's (refused once sent, paid or void: invoicing says why), record it in the
    audit log with both figures, and queue the invoice's push. `expected` is the figure the person was
    shown: when QBO's changed since (another push came back), nothing is taken."""
    theirs = qbo_tax_of(invoice=invoice)
    if expected is not None and expected != theirs:
        raise ValidationError(f"QuickBooks' tax for invoice {invoice.number} is now {theirs}, not {expected}; "
                              "look at the figures again.")
    if theirs == invoice.tax_amount:
        raise ValidationError(f"Invoice {invoice.number}'s tax is already QuickBooks' ({theirs}).")
    _pending_check(invoice)
    ours = invoice.tax_amount
    with transaction.atomic():
        saved = invoice_tax_override_set(invoice=invoice, amount=theirs, source=SOURCE, user=user)
        # Mapped invoices follow every save already; a person's action queues it whatever the preferences.
        sync_enqueue(organization=saved.organization, obj=saved, by_person=True)
        audit_record(organization=saved.organization, connection=connection_active(organization=saved.organization),
                     action=AUDIT_ACTION, actor=user,
                     detail=f"Invoice {saved.number}: tax {theirs} taken from {SOURCE} in place of ours ({ours}); "
                            f"total now {saved.total}.")
    return saved
