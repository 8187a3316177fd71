"""The Owner's choices about invoice numbers QBO already holds (numbering.py finds them): see them, check
again, link a provably same invoice, or use a prefix for our numbers (renumbering unsent clashing invoices
on confirmation). Each choice sends again the invoices whose clash it ended."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.models import DocNumberClash, ExternalRef, JobState, ObjectType, QuickBooksConnection, SyncJob
from integrations.push.enqueue import doorbell_ring
from integrations.push.numbering import DOC_NUMBER_CLASH, clash_fields, doc_numbers_check
from integrations.push.refs import ref_save
from integrations.qbo.client import QboClient
from integrations.services.audit import audit_record
from invoicing.models import Invoice
from invoicing.services import invoice_number_prefix_set, invoice_renumber, invoice_renumber_refusal


def _retry_cleared(connection: QuickBooksConnection) -> int:
    """Invoices that waited on a clash which is gone (linked, renumbered, or fixed in QBO) go again, with
    fresh attempts, as a person's Retry would."""
    clashing = DocNumberClash.objects.filter(connection=connection).values("invoice_id")
    queued = (SyncJob.objects.filter(connection=connection, object_type=ObjectType.INVOICE, state=JobState.ERROR,
                                     last_fault_code=DOC_NUMBER_CLASH)
              .exclude(local_id__in=clashing)
              .update(state=JobState.QUEUED, attempts=0, next_attempt_at=timezone.now(), updated_at=timezone.now()))
    if queued:
        transaction.on_commit(doorbell_ring)
    return queued


def doc_numbers_recheck(*, connection: QuickBooksConnection, client: QboClient) -> list[DocNumberClash]:
    """The Owner's "Check invoice numbers": look again, and send the invoices whose clash is gone."""
    with transaction.atomic():
        clashes = doc_numbers_check(connection=connection, client=client)
        _retry_cleared(connection)
    return clashes


@dataclass
class ClashRow:
    clash: DocNumberClash
    invoice: Invoice
    same_invoice: bool  # provably the same invoice: Link is offered
    why_not_same: str
    renumber_refusal: str  # "" when the invoice may take a new number


def _same_invoice_refusal(clash: DocNumberClash, invoice: Invoice, customer_qbo_id: str | None) -> str:
    """Why QBO's invoice is not provably ours ("" when it is): a difference found first, then a customer we
    cannot compare (not linked to QuickBooks yet)."""
    if customer_qbo_id is not None and customer_qbo_id != clash.qbo_customer_id:
        return f"QuickBooks' invoice is for {clash.qbo_customer_name or 'another customer'}, not {invoice.customer}."
    if clash.qbo_txn_date != invoice.issue_date.isoformat():
        return f"QuickBooks' invoice is dated {clash.qbo_txn_date}, ours {invoice.issue_date.isoformat()}."
    if clash.qbo_total != invoice.total:
        return f"QuickBooks' invoice totals {clash.qbo_total}, ours {invoice.total}."
    if customer_qbo_id is None:
        return f"{invoice.customer} is not linked to a QuickBooks customer, so it cannot be told to be the same."
    return ""


def clash_rows(*, connection: QuickBooksConnection) -> list[ClashRow]:
    clashes = list(DocNumberClash.objects.filter(connection=connection).select_related("invoice__customer")
                   .order_by("number"))
    customers = dict(ExternalRef.objects.filter(
        connection=connection, object_type=ObjectType.CUSTOMER,
        local_id__in={c.invoice.customer_id for c in clashes}).values_list("local_id", "qbo_id"))
    rows = []
    for clash in clashes:
        why = _same_invoice_refusal(clash, clash.invoice, customers.get(clash.invoice.customer_id))
        rows.append(ClashRow(clash=clash, invoice=clash.invoice, same_invoice=not why, why_not_same=why,
                             renumber_refusal=invoice_renumber_refusal(invoice=clash.invoice)))
    return rows


def doc_number_clash_link(*, connection: QuickBooksConnection, client: QboClient, clash_id: int,
                          actor: User | None) -> ExternalRef:
    """Link our invoice to QBO's invoice of the same number, once QBO's current record proves it the same
    (re-read now: it may have changed since the check). Its push then updates that invoice."""
    clash = DocNumberClash.objects.select_related("invoice__customer").filter(connection=connection,
                                                                             pk=clash_id).first()
    if clash is None:
        raise ValidationError("This invoice number clash is no longer listed; reload the page.")
    invoice = clash.invoice
    entity = client.get("Invoice", clash.qbo_id)
    for key, value in clash_fields(entity).items():
        setattr(clash, key, value)
    customer = ExternalRef.objects.filter(connection=connection, object_type=ObjectType.CUSTOMER,
                                          local_id=invoice.customer_id).values_list("qbo_id", flat=True).first()
    why = _same_invoice_refusal(clash, invoice, customer)
    if str(entity.get("DocNumber", "")) != invoice.number:
        why = f"QuickBooks' invoice {clash.qbo_id} is numbered {entity.get('DocNumber') or 'nothing'} now."
    if why:
        raise ValidationError(f"{invoice.number} cannot be linked: {why}")
    taken = ExternalRef.objects.filter(connection=connection, object_type=ObjectType.INVOICE,
                                       qbo_id=clash.qbo_id).exclude(local_id=invoice.pk).first()
    if taken is not None:
        raise ValidationError(f"QuickBooks' invoice {clash.qbo_id} is already linked to another invoice here.")
    with transaction.atomic():
        ref = ref_save(connection=connection, object_type=ObjectType.INVOICE, local_id=invoice.pk, entity=entity,
                       body={})
        clash.delete()
        audit_record(connection=connection, action="invoice_number_linked", actor=actor,
                     detail=f"{invoice.number} linked to QuickBooks invoice {ref.qbo_id} (same customer, date and total).")
        _retry_cleared(connection)
    return ref


@dataclass
class PrefixOutcome:
    prefix: str
    renumbered: list[tuple[str, str]] = field(default_factory=list)  # (old number, new number)
    kept: list[str] = field(default_factory=list)  # why each clashing invoice kept its number


def doc_number_prefix_use(*, connection: QuickBooksConnection, prefix: str, renumber: bool,
                          actor: User | None) -> PrefixOutcome:
    """Number new invoices with `prefix` from now on; with `renumber` (the Owner confirmed), each clashing
    invoice not yet sent to the customer takes the next number. Sent ones keep theirs and stay listed."""
    prefix = prefix.strip()
    outcome = PrefixOutcome(prefix=prefix)
    with transaction.atomic():
        invoice_number_prefix_set(organization=connection.organization, prefix=prefix)
        if renumber:
            for clash in DocNumberClash.objects.filter(connection=connection).select_related("invoice"):
                refusal = invoice_renumber_refusal(invoice=clash.invoice)
                if refusal:
                    outcome.kept.append(refusal)
                    continue
                renumbered = invoice_renumber(invoice=clash.invoice)
                outcome.renumbered.append((clash.number, renumbered.number))
                clash.delete()
        changes = ", ".join(f"{old} → {new}" for old, new in outcome.renumbered) or "none renumbered"
        audit_record(connection=connection, action="invoice_number_prefix", actor=actor,
                     detail=f"New invoice numbers start with “{prefix}”; {changes}.")
        _retry_cleared(connection)
    return outcome
