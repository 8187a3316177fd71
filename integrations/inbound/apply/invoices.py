"""QBO Invoice → Invoice: voided there → Void here; deleted there → marked Deleted in QuickBooks (nothing is
deleted here and the push queue never re-creates it silently). Balances move through QBO payments."""

from __future__ import annotations

from decimal import Decimal

from integrations.inbound.apply.payments import reverse_payments_on_invoice
from integrations.merge.change import Change
from integrations.merge.context import ApplyContext, ref_synced, remote_state
from integrations.merge.rules import money
from integrations.models import ExternalRef, ObjectType
from integrations.suppress import sync_suppressed
from invoicing.lifecycle import ALLOWED_FROM, invoice_void
from invoicing.models import Invoice, InvoiceStatus


def is_voided(entity: dict[str, object]) -> bool:
    """QBO keeps a voided invoice with zero amounts and "Voided" in its private note."""
    return Decimal(money(entity.get("TotalAmt"))) == 0 and "Voided" in str(entity.get("PrivateNote") or "")


def apply_invoice(ctx: ApplyContext, change: Change) -> str:
    ref = ctx.ref(ObjectType.INVOICE, change.qbo_id)
    if ref is None:
        return "invoice not linked here: ignored"
    invoice = Invoice.objects.select_for_update().filter(pk=ref.local_id, organization=ctx.organization).first()
    if invoice is None:
        return "linked invoice no longer exists here"
    if change.deleted:
        return _deleted(ctx, ref, invoice)
    outcome = _voided(ctx, ref, invoice, change) if is_voided(change.data) else "no status change"
    ref_synced(ref, change)
    state = remote_state(ref)
    state.remote_updated_at = change.updated_at
    state.save(update_fields=["remote_updated_at", "updated_at"])
    return outcome


def _deleted(ctx: ApplyContext, ref: ExternalRef, invoice: Invoice) -> str:
    if ref.deleted_in_qbo:
        return "already marked deleted in QuickBooks"
    ExternalRef.objects.filter(pk=ref.pk).update(deleted_in_qbo=True)
    state = remote_state(ref)
    state.flagged_at = ctx.now
    state.save(update_fields=["flagged_at", "updated_at"])
    ctx.conflict(object_type=ObjectType.INVOICE, local_id=invoice.pk, qbo_id=ref.qbo_id,
                 label=f"Invoice {invoice.number}",
                 note="Deleted in QuickBooks. Nothing was deleted here and it is not sent again unless the "
                      "Owner re-creates it in QuickBooks.")
    return f"invoice {invoice.number} marked deleted in QuickBooks"


def _voided(ctx: ApplyContext, ref: ExternalRef, invoice: Invoice, change: Change) -> str:
    if invoice.status == InvoiceStatus.VOID:
        return "already void"
    # QBO frees the payments applied to a voided invoice; the ones that came from QBO go with it.
    notes = reverse_payments_on_invoice(ctx, invoice, reason="voided the invoice of")
    invoice.refresh_from_db()
    if invoice.status not in ALLOWED_FROM["void"]:
        ctx.conflict(object_type=ObjectType.INVOICE, local_id=invoice.pk, qbo_id=ref.qbo_id,
                     label=f"Invoice {invoice.number}", ours=invoice.get_status_display(), theirs="Void",
                     note=f"Voided in QuickBooks, but here it is {invoice.get_status_display().lower()} "
                          "(payments or refunds recorded here); it was left as it is.")
        return "; ".join([*notes, "void refused here: conflict logged"])
    with sync_suppressed():
        invoice_void(invoice=invoice)
    return "; ".join([*notes, f"invoice {invoice.number} voided"])
