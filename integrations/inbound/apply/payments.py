"""QBO Payment → payments on invoices here. A QBO payment can pay several invoices; each (payment, invoice)
pair is one local Payment, linked by ExternalRef(object_type "payment", qbo_id "<payment>:<invoice>").
Re-applying the same QBO state changes nothing; a changed amount, a removed line, a void or a delete
reverses the local payment (and records the new amount if any)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from integrations.merge.change import Change
from integrations.merge.context import ApplyContext
from integrations.merge.rules import money
from integrations.method_terms import method_name_for_qbo
from integrations.models import ExternalRef, ObjectType
from integrations.suppress import sync_suppressed
from invoicing.lifecycle import invoice_record_payment, invoice_reverse_payment
from invoicing.models import Invoice, Payment

METHOD = "QuickBooks"  # when the QBO payment names no PaymentMethod


def pair_id(payment_qbo_id: str, invoice_qbo_id: str) -> str:
    return f"{payment_qbo_id}:{invoice_qbo_id}"


def wanted_amounts(change: Change) -> dict[str, Decimal]:
    """Invoice QBO id → amount this payment applies to it now (nothing when deleted or voided)."""
    wanted: dict[str, Decimal] = {}
    if change.deleted:
        return wanted
    for line in change.data.get("Line") or []:
        amount = Decimal(money(line.get("Amount")))
        for link in line.get("LinkedTxn") or []:
            if link.get("TxnType") == "Invoice" and amount > 0:
                txn = str(link.get("TxnId"))
                wanted[txn] = wanted.get(txn, Decimal("0.00")) + amount
    return wanted


def existing_pairs(ctx: ApplyContext, payment_qbo_id: str) -> dict[str, ExternalRef]:
    """Invoice QBO id → the mapping of the local payment this QBO payment stands for on that invoice: the
    pairs recorded from QBO ("<payment>:<invoice>"), and a payment recorded here that the push queue sent
    (mapped by the bare QBO payment id, on its own invoice)."""
    refs = ExternalRef.objects.filter(connection=ctx.connection, object_type=ObjectType.PAYMENT,
                                      qbo_id__startswith=f"{payment_qbo_id}:")
    pairs = {ref.qbo_id.split(":", 1)[1]: ref for ref in refs}
    pushed = ExternalRef.objects.filter(connection=ctx.connection, object_type=ObjectType.PAYMENT,
                                        qbo_id=payment_qbo_id).first()
    if pushed is not None:
        local = Payment.objects.filter(pk=pushed.local_id).first()
        invoice_ref = ExternalRef.objects.filter(connection=ctx.connection, object_type=ObjectType.INVOICE,
                                                 local_id=local.invoice_id).first() if local else None
        pairs[invoice_ref.qbo_id if invoice_ref else f"?{pushed.local_id}"] = pushed
    return pairs


def apply_payment(ctx: ApplyContext, change: Change) -> str:
    wanted, have = wanted_amounts(change), existing_pairs(ctx, change.qbo_id)
    notes: list[str] = []
    for invoice_qbo_id in sorted(set(wanted) | set(have)):
        notes.append(_settle_pair(ctx, change, invoice_qbo_id, wanted.get(invoice_qbo_id), have.get(invoice_qbo_id)))
    return "; ".join(n for n in notes if n) or "no invoice here affected"


def _settle_pair(ctx: ApplyContext, change: Change, invoice_qbo_id: str, amount: Decimal | None,
                 ref: ExternalRef | None) -> str:
    local = Payment.objects.filter(pk=ref.local_id).first() if ref is not None else None
    if ref is not None and local is not None and amount is not None and local.amount == amount:
        ExternalRef.objects.filter(pk=ref.pk).update(sync_token=change.sync_token)
        return ""
    note = ""
    if ref is not None:
        note = reverse_pair(ctx, ref, local, reason="changed" if amount else "removed, voided or deleted")
        if note.startswith("could not"):
            return note
    if amount is not None:
        note = (note + "; " if note else "") + _record_pair(ctx, change, invoice_qbo_id, amount)
    return note


def reverse_pair(ctx: ApplyContext, ref: ExternalRef, local: Payment | None, *, reason: str) -> str:
    """Take back the local payment of one pair. The mapping goes only once the reversal succeeded."""
    if local is None:
        ref.delete()
        return ""
    try:
        with sync_suppressed():
            invoice_reverse_payment(payment=local)
    except ValidationError as exc:
        ctx.conflict(object_type=ObjectType.PAYMENT, local_id=local.pk, qbo_id=ref.qbo_id,
                     label=f"Payment of {local.amount} on {local.invoice.number}", ours=local.amount, theirs="",
                     note=f"QuickBooks {reason} this payment, but it could not be reversed here: "
                          f"{'; '.join(exc.messages)}")
        return f"could not reverse payment {local.pk}"
    ref.delete()
    return f"reversed {local.amount} on {local.invoice.number}"


def _record_pair(ctx: ApplyContext, change: Change, invoice_qbo_id: str, amount: Decimal) -> str:
    invoice_ref = ctx.ref(ObjectType.INVOICE, invoice_qbo_id)
    invoice = Invoice.objects.filter(pk=invoice_ref.local_id).first() if invoice_ref is not None else None
    if invoice is None:
        return ""  # paid an invoice that never came from here
    try:
        with sync_suppressed():
            payment = invoice_record_payment(
                invoice=invoice, amount=amount, received_on=_txn_date(change), method=_method(ctx, change),
                reference=str(change.data.get("PaymentRefNum") or "")[:100], note="Recorded in QuickBooks",
            )
    except ValidationError as exc:
        ctx.conflict(object_type=ObjectType.PAYMENT, local_id=invoice.pk, qbo_id=pair_id(change.qbo_id, invoice_qbo_id),
                     label=f"Invoice {invoice.number}", ours=invoice.balance, theirs=amount,
                     note=f"A payment of {amount} recorded in QuickBooks could not be recorded here: "
                          f"{'; '.join(exc.messages)}")
        return f"could not record {amount} on {invoice.number}"
    ExternalRef.objects.create(connection=ctx.connection, object_type=ObjectType.PAYMENT, local_id=payment.pk,
                               qbo_id=pair_id(change.qbo_id, invoice_qbo_id), sync_token=change.sync_token,
                               last_synced_at=ctx.now)
    return f"recorded {amount} on {invoice.number}"


def _method(ctx: ApplyContext, change: Change) -> str:
    """Our method for the QBO payment's PaymentMethodRef: the local method mapped to it under Mappings:
    payments, else the ref's own name, else the company's method of that id as last read (QBO often sends
    the ref without a name)."""
    ref = change.data.get("PaymentMethodRef") or {}
    mapped = method_name_for_qbo(connection=ctx.connection, qbo_id=str(ref.get("value") or ""))
    name = mapped or str(ref.get("name") or "")
    if not name and ref.get("value"):
        known = {m["id"]: m["name"] for m in ctx.connection.qbo_payment_methods}
        name = known.get(str(ref["value"]), "")
    return (name or METHOD)[:40]


def _txn_date(change: Change) -> date | None:
    try:
        return date.fromisoformat(str(change.data.get("TxnDate", "")))
    except ValueError:
        return None


def payment_refs_of(ctx: ApplyContext, invoice: Invoice) -> list[ExternalRef]:
    """The mappings of this invoice's payments that exist in QBO (recorded from QBO, or pushed there)."""
    ids = list(invoice.payments.values_list("pk", flat=True))
    return list(ExternalRef.objects.filter(connection=ctx.connection, object_type=ObjectType.PAYMENT,
                                           local_id__in=ids))


def reverse_payments_on_invoice(ctx: ApplyContext, invoice: Invoice, *, reason: str) -> list[str]:
    """QBO voided an invoice and freed its payments: the ones QBO has no longer pay it here either."""
    notes = []
    for ref in payment_refs_of(ctx, invoice):
        local = Payment.objects.filter(pk=ref.local_id).select_related("invoice").first()
        notes.append(reverse_pair(ctx, ref, local, reason=reason))
    return [n for n in notes if n]
