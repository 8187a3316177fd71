"""Invoice numbers QBO already holds (DocNumber clashes), found before our invoices are pushed.

With custom transaction numbers on (`SalesFormsPrefs.CustomTxnNumbers`), QBO keeps the DocNumber we send and
refuses one already used with fault 6140, whose Detail names the holder (qbo-api.md §5.4). A company that
already numbered invoices 1001… or was fed by another app would then refuse our invoices one by one. So,
before the first invoice push of a connection (and when the Owner asks), the numbers of our invoices that
would be pushed are looked up in one `DocNumber IN (...)` query; each one found is a DocNumberClash, and
that invoice's push waits (code `doc_number_clash`, nothing sent) until the Owner chooses:

* Link, when QBO's invoice is provably ours (same customer through the customer mapping, same TxnDate, same
  TotalAmt): the mapping is made, and the push becomes an update of that invoice;
* a prefix for our numbers from now on; with the Owner's confirmation, clashing invoices not yet sent to
  the customer take a new number. A number the customer has seen never changes silently: such an invoice
  stays listed for a person (link it, or renumber the other one in QuickBooks, then check again).

With custom numbers off QBO numbers invoices itself and we send none, so nothing can clash.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from integrations.models import DocNumberClash, ExternalRef, ObjectType, QuickBooksConnection, SyncJob
from integrations.push.outbox import OPEN_STATES
from integrations.push.policy import SYNCABLE_INVOICE_STATUSES
from integrations.qbo.client import QboClient
from integrations.qbo.errors import QboError, QboRefusedHere
from invoicing.models import Invoice, InvoiceStatus

# The fault code a clashing invoice's job waits with: a choice on the QuickBooks page retries exactly those.
DOC_NUMBER_CLASH = "doc_number_clash"
HINT = ("On the QuickBooks settings page, under Invoice numbers: link it to the invoice QuickBooks has when "
        "that is this same invoice, or use a prefix for our invoice numbers.")
_TXN_ID = re.compile(r"TxnId=(\d+)")


class DocNumberTaken(QboRefusedHere):
    """Our invoice's number is already used in the company: the push waits for the Owner's choice."""


def _to_check(connection: QuickBooksConnection) -> QuerySet[Invoice]:
    """Our invoices whose push would send their number: syncable, not void, not mapped on this connection,
    and either made since the connection (pushed on their own) or with a push under way (history pushed on
    request)."""
    mapped = ExternalRef.objects.filter(connection=connection, object_type=ObjectType.INVOICE,
                                        local_id=OuterRef("pk"))
    queued = SyncJob.objects.filter(connection=connection, object_type=ObjectType.INVOICE, local_id=OuterRef("pk"),
                                    state__in=OPEN_STATES)
    recent = Q(finalized_at__gte=connection.created_at) | Q(finalized_at__isnull=True,
                                                           created_at__gte=connection.created_at)
    return (Invoice.objects.filter(organization_id=connection.organization_id,
                                   status__in=SYNCABLE_INVOICE_STATUSES - {InvoiceStatus.VOID})
            .exclude(Exists(mapped)).filter(recent | Q(Exists(queued))))


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def clash_fields(row: dict[str, Any]) -> dict[str, Any]:
    customer = row.get("CustomerRef") or {}
    return {"qbo_id": str(row["Id"]), "qbo_customer_id": str(customer.get("value", "")),
            "qbo_customer_name": str(customer.get("name", ""))[:500], "qbo_txn_date": str(row.get("TxnDate", ""))[:10],
            "qbo_total": _amount(row.get("TotalAmt"))}


def doc_numbers_check(*, connection: QuickBooksConnection, client: QboClient) -> list[DocNumberClash]:
    """Look our unpushed invoices' numbers up in the company; keep what clashes, forget what no longer does.
    Returns the clashes (the Owner's re-check, number_choices.py, then sends the invoices now free)."""
    found: dict[str, dict[str, Any]] = {}
    invoices = {inv.number: inv for inv in _to_check(connection)} if connection.custom_txn_numbers else {}
    for row in client.find_in("Invoice", "DocNumber", invoices):
        found.setdefault(str(row.get("DocNumber", "")), row)  # the first holder is enough to tell the Owner
    with transaction.atomic():
        clashes = []
        for number, row in found.items():
            invoice = invoices.get(number)
            if invoice is None:
                continue
            clash, _ = DocNumberClash.objects.update_or_create(
                connection=connection, invoice=invoice, defaults={"number": number, **clash_fields(row)})
            clashes.append(clash)
        DocNumberClash.objects.filter(connection=connection).exclude(pk__in=[c.pk for c in clashes]).delete()
        connection.doc_numbers_checked_at = timezone.now()
        QuickBooksConnection.objects.filter(pk=connection.pk).update(
            doc_numbers_checked_at=connection.doc_numbers_checked_at)
    return clashes


def _refusal(clash: DocNumberClash) -> DocNumberTaken:
    holder = f" for {clash.qbo_customer_name}" if clash.qbo_customer_name else ""
    dated = f", dated {clash.qbo_txn_date}" if clash.qbo_txn_date else ""
    return DocNumberTaken(
        f"QuickBooks already has an invoice numbered {clash.number} (Id {clash.qbo_id}{holder}{dated}); this "
        "invoice waits, and nothing was created in QuickBooks.", hint=HINT, code=DOC_NUMBER_CLASH)


def doc_number_wait(*, connection: QuickBooksConnection, client: QboClient, invoice: Invoice) -> None:
    """Before an invoice's first push: the first one of the connection looks every number up; then an
    invoice whose number QBO holds waits (DocNumberTaken) instead of meeting 6140. A clashing invoice's job
    waits in Error, so it runs again only when a person asks (Retry, an edit, a choice on the QuickBooks
    page): its number is looked up once more then, since the person may have renumbered QBO's invoice."""
    if not connection.custom_txn_numbers:
        return  # QBO numbers it; we send no DocNumber
    just_checked = connection.doc_numbers_checked_at is None
    if just_checked:
        doc_numbers_check(connection=connection, client=client)
    clash = DocNumberClash.objects.filter(connection=connection, invoice=invoice).first()
    if clash is None:
        return
    if clash.number != invoice.number:  # renumbered since: that number is no longer ours
        clash.delete()
        return
    if not just_checked:
        rows = client.find_by("Invoice", "DocNumber", invoice.number)
        if not rows:
            clash.delete()  # freed in QBO since
            return
        DocNumberClash.objects.filter(pk=clash.pk).update(**clash_fields(rows[0]))
        clash.refresh_from_db()
    raise _refusal(clash)


def doc_number_refused(*, connection: QuickBooksConnection, client: QboClient, invoice: Invoice,
                       error: QboError) -> DocNumberTaken:
    """A create refused with 6140 after the check (an invoice made since, or a number used in QBO since):
    recorded as a clash like the check's, so the same choices apply. The holder is the Detail's TxnId, read
    once; without one, looked up by number."""
    match = _TXN_ID.search(f"{error.message} {error.detail}")
    try:
        rows = [client.get("Invoice", match.group(1))] if match else client.find_by("Invoice", "DocNumber",
                                                                                    invoice.number)
    except QboError:
        rows = []
    fields = clash_fields(rows[0]) if rows else {"qbo_id": match.group(1) if match else "?"}
    clash, _ = DocNumberClash.objects.update_or_create(connection=connection, invoice=invoice,
                                                       defaults={"number": invoice.number, **fields})
    return _refusal(clash)
