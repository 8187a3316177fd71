"""What may be pushed. Drafts and disputed invoices never sync."""

from __future__ import annotations

from customers.models import Customer
from integrations.models import InvoiceTrigger, ObjectType, QuickBooksConnection, SyncPreferences
from invoicing.models import Invoice, InvoiceStatus, Payment, Product

S = InvoiceStatus
SYNCABLE_INVOICE_STATUSES = frozenset({
    S.GENERATED, S.SENT, S.PARTIALLY_PAID, S.PAID, S.OVERDUE, S.VOID, S.REFUNDED, S.PARTIALLY_REFUNDED,
})
NEVER_SYNC_STATUSES = frozenset({S.DRAFT, S.DISPUTED})
_PREF_FIELD: dict[str, str] = {
    ObjectType.CUSTOMER: "sync_customers",
    ObjectType.ITEM: "sync_products",
    ObjectType.INVOICE: "sync_invoices",
    ObjectType.PROJECT: "sync_projects",
    ObjectType.PAYMENT: "sync_payments",
}
# What the push queue syncs: a domain object of one of these models.
Synced = Customer | Product | Invoice | Payment
OBJECT_TYPE_OF: dict[type[Synced], str] = {Customer: ObjectType.CUSTOMER, Product: ObjectType.ITEM,
                                           Invoice: ObjectType.INVOICE, Payment: ObjectType.PAYMENT}


def type_enabled(prefs: SyncPreferences, object_type: str) -> bool:
    return bool(getattr(prefs, _PREF_FIELD[object_type]))


def invoice_reached_trigger(invoice: Invoice, prefs: SyncPreferences) -> bool:
    """On-send: only once it was sent (or money moved on it); on-finalize: any syncable status."""
    if invoice.status not in SYNCABLE_INVOICE_STATUSES:
        return False
    if prefs.invoice_trigger == InvoiceTrigger.ON_SEND:
        return invoice.sent_at is not None or invoice.amount_paid > 0
    return True


def invoice_predates_connection(invoice: Invoice, connection: QuickBooksConnection) -> bool:
    """Invoices finalized before the company was first connected are history: pushed only on request."""
    finalized = invoice.finalized_at or invoice.created_at
    return finalized < connection.created_at
