"""Invoice → QBO Invoice: customer and items first, lines and tax exactly as ours, void via QBO's void."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from integrations.method_terms import term_match
from integrations.models import ExternalRef, ObjectType, QuickBooksConnection
from integrations.push.currency import customer_currency_check, home_currency_ref
from integrations.push.handlers.base import Need, PushContext, PushResult, create_or_adopt, update_with_retry
from integrations.push.handlers.customer import customer_need
from integrations.push.handlers.invoice_discount import DiscountPlan, discount_plan, sales_line_money
from integrations.push.handlers.invoice_tax import line_tax_codes, qbo_tax_kept, tax_detail
from integrations.push.handlers.item import item_need
from integrations.push.numbering import doc_number_refused, doc_number_wait
from integrations.push.policy import NEVER_SYNC_STATUSES
from integrations.qbo.errors import QboNotFound, QboStale, QboValidation
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus


class SkipPush(Exception):
    """The object is no longer in a state that syncs (e.g. went back to disputed)."""


def _line(ctx: PushContext, line: Any, tax_code: str, share: Decimal) -> dict[str, Any]:
    amount, money, description = sales_line_money(line, share)
    detail: dict[str, Any] = {**money, "TaxCodeRef": {"value": tax_code}}
    if line.product is not None:
        detail["ItemRef"] = {"value": ctx.mapped_id(item_need(ctx, line.product))}
    return {"DetailType": "SalesItemLineDetail", "Amount": float(amount), "Description": description,
            "SalesItemLineDetail": detail}


def _lines(ctx: PushContext, invoice: Invoice) -> list[InvoiceLine]:
    key = f"lines:{invoice.pk}"
    if key not in ctx.memo:
        ctx.memo[key] = list(invoice.lines.select_related("product", "tax_code").all())
    return ctx.memo[key]


def _codes(ctx: PushContext, invoice: Invoice) -> list[str]:
    """Each line's QBO tax code. Computed before anything is pushed: a refusal (an unmapped code, several
    US codes, a discount the company refuses) sends nothing at all, not even the customer."""
    key = f"codes:{invoice.pk}"
    if key not in ctx.memo:
        ctx.memo[key] = line_tax_codes(ctx.connection, invoice, _lines(ctx, invoice))
        ctx.memo[f"discount:{invoice.pk}"] = discount_plan(ctx.connection, invoice, _lines(ctx, invoice))
    return ctx.memo[key]


def _pushes(ctx: PushContext, invoice: Invoice) -> bool:
    return (invoice.status not in NEVER_SYNC_STATUSES and ctx.job.operation != "void"
            and invoice.status != InvoiceStatus.VOID)


def _number_free(ctx: PushContext, invoice: Invoice) -> None:
    """Its number must not be taken in QBO (numbering.py; the first invoice push of a connection looks all
    our numbers up at once). One indexed look-up of the clash list per job: a mapped invoice has no clash
    (the check leaves mapped invoices out, Link removes its clash), so no mapping read is needed first."""
    if "number_free" not in ctx.memo:
        doc_number_wait(connection=ctx.connection, client=ctx.client, invoice=invoice)
    ctx.memo["number_free"] = True


def invoice_needs(ctx: PushContext) -> list[Need]:
    """The customer and the lines' products, when this job will send the invoice (not a void or a skip)."""
    invoice = invoice_load(ctx)
    if not _pushes(ctx, invoice):
        return []
    _codes(ctx, invoice)
    _number_free(ctx, invoice)  # a refusal here, too, sends nothing at all
    products = {line.product.pk: line.product for line in _lines(ctx, invoice) if line.product is not None}
    return [customer_need(invoice.customer), *(item_need(ctx, product) for product in products.values())]


def invoice_payload(ctx: PushContext, invoice: Invoice) -> dict[str, Any]:
    conn = ctx.connection
    lines = _lines(ctx, invoice)
    codes = _codes(ctx, invoice)
    discount: DiscountPlan = ctx.memo[f"discount:{invoice.pk}"]
    tax = tax_detail(conn, invoice, lines)
    sales = [_line(ctx, line, code, discount.share(n)) for n, (line, code) in enumerate(zip(lines, codes, strict=True))]
    customer = customer_need(invoice.customer)
    customer_currency_check(conn, currency=ctx.mapped_currency(customer), name=invoice.customer.display_name,
                            what="an invoice")
    body: dict[str, Any] = {
        "TxnDate": invoice.issue_date.isoformat(),
        "DueDate": invoice.due_date.isoformat(),
        "CustomerRef": {"value": ctx.mapped_id(customer)},
        **home_currency_ref(conn),
        "Line": sales + discount.lines,
        **tax,
        **discount.extra,
        # The message to the customer prints on the invoice (CustomerMemo, at most 1000 characters in QBO);
        # the internal note is QBO's PrivateNote, which the customer never sees.
        "CustomerMemo": {"value": invoice.memo[:1000]},
        "PrivateNote": invoice.internal_note[:4000],
    }
    if conn.custom_txn_numbers:
        # Custom transaction numbers off: QBO numbers the invoice itself, and a number sent anyway is a
        # risk of duplicates (Intuit: "do not send a value"); QBO's number is kept on the mapping instead.
        body["DocNumber"] = invoice.number
    # The Term chosen under Mappings: terms for this number of days, else the one of the same DueDays.
    term = term_match(connection=conn, days=invoice.terms_days).ref
    if term is not None:
        body["SalesTermRef"] = term  # DueDate is sent too: it wins over the term's days in QBO
    if invoice.customer.email:
        body["BillEmail"] = {"Address": invoice.customer.email}
    return body


def _find(ctx: PushContext, number: str) -> dict[str, Any] | None:
    if not ctx.connection.custom_txn_numbers:
        return None  # our number was never sent: only the requestid replay guards an unknown outcome
    rows = ctx.client.find_by("Invoice", "DocNumber", number)
    return rows[0] if len(rows) == 1 else None


def _check_totals(ctx: PushContext, invoice: Invoice, entity: dict[str, Any], ref: ExternalRef) -> None:
    # US companies on Automated Sales Tax compute their own tax: keep QBO's on the mapping, say so.
    theirs = Decimal(str(entity.get("TotalAmt", invoice.total)))
    if theirs.quantize(Decimal("0.01")) != invoice.total:
        ctx.notes.append(f"QuickBooks total {theirs} differs from ours {invoice.total}.")
    kept = invoice_kept(ctx.connection, entity)
    if kept:
        ExternalRef.objects.filter(pk=ref.pk).update(**kept)


def invoice_kept(connection: QuickBooksConnection, entity: dict[str, Any]) -> dict[str, Any]:
    """What the mapping keeps of QBO's invoice: its own tax (US automated sales tax) and its own number
    (custom transaction numbers off, so QBO numbered it)."""
    kept: dict[str, Any] = {}
    tax = qbo_tax_kept(connection, entity)
    if tax is not None:
        kept["qbo_total_tax"] = tax
    if not connection.custom_txn_numbers:
        kept["qbo_doc_number"] = str(entity.get("DocNumber") or "")[:21]
    return kept


def _ref_even_after_unknown(ctx: PushContext, invoice: Invoice) -> ExternalRef | None:
    """The mapping, or after a create whose outcome we could not see, the invoice QBO committed anyway
    (QBO can apply a create whose answer is lost to a timeout or reset): found by DocNumber and mapped."""
    ref = ctx.ref(ObjectType.INVOICE, invoice.pk)
    if ref is None and ctx.job.outcome_unknown:
        found = _find(ctx, invoice.number)
        if found is not None:
            ref = ctx.save_ref(ObjectType.INVOICE, invoice.pk, found, {})
    return ref


def _void(ctx: PushContext, invoice: Invoice) -> PushResult:
    ref = _ref_even_after_unknown(ctx, invoice)
    if ref is None:
        raise SkipPush("Voided before it reached QuickBooks, so there is nothing to void there.")
    if ref.deleted_in_qbo:
        raise QboNotFound("This invoice was deleted in QuickBooks; nothing to void there.")
    try:
        entity = ctx.client.void_invoice(ref.qbo_id, ref.sync_token)
    except QboStale:
        entity = ctx.client.void_invoice(ref.qbo_id, str(ctx.client.get("Invoice", ref.qbo_id)["SyncToken"]))
    ctx.save_ref(ObjectType.INVOICE, invoice.pk, entity, {"voided": True})
    return PushResult(qbo_id=ref.qbo_id, operation="void")


def invoice_load(ctx: PushContext) -> Invoice:
    return ctx.load(Invoice.objects.select_related("customer"))


def invoices_preload(contexts: list[PushContext]) -> None:
    """Several jobs' invoices (one connection's, a batch), their customers and lines in two queries rather
    than two per invoice; `invoice_load` and the lines then come from the contexts. An invoice not found
    among the connection's organization's is left to `invoice_load`, which says why."""
    by_id = {ctx.local_id: ctx for ctx in contexts}
    organization_id = contexts[0].connection.organization_id
    invoices = list(Invoice.objects.select_related("customer").filter(organization_id=organization_id,
                                                                       pk__in=by_id))
    lines: dict[int, list[InvoiceLine]] = {invoice.pk: [] for invoice in invoices}
    # The lines in their own order (InvoiceLine's Meta.ordering), as `invoice.lines.all()` gives them.
    for line in InvoiceLine.objects.select_related("product", "tax_code").filter(invoice_id__in=lines):
        lines[line.invoice_id].append(line)
    for invoice in invoices:
        ctx = by_id[invoice.pk]
        ctx.preload(invoice)
        ctx.memo[f"lines:{invoice.pk}"] = lines[invoice.pk]


def push_invoice(ctx: PushContext) -> PushResult:
    invoice = invoice_load(ctx)
    if invoice.status in NEVER_SYNC_STATUSES:
        # Disputed after a create we could not see: map what QBO may hold, so that when the dispute ends
        # the invoice is updated there rather than created again (QBO would refuse the DocNumber).
        _ref_even_after_unknown(ctx, invoice)
        raise SkipPush(f"Invoice is {invoice.get_status_display().lower()}; it does not sync.")
    if ctx.job.operation == "void" or invoice.status == InvoiceStatus.VOID:
        # Voided before its push ran: void what QBO has, or nothing if it never got there.
        return _void(ctx, invoice)
    body = invoice_payload(ctx, invoice)
    ref = ctx.ref(ObjectType.INVOICE, invoice.pk)
    if ref is not None:
        entity = update_with_retry(ctx, "Invoice", ref, body)
        operation = "update"
    else:
        _number_free(ctx, invoice)
        # Never include=allowduplicatedocnum: a duplicate DocNumber must stay an error, not a 2nd invoice.
        try:
            entity, adopted = create_or_adopt(ctx, "Invoice", body, lambda: _find(ctx, invoice.number),
                                              request_id=ctx.job.request_id)
        except QboValidation as exc:
            if exc.code != "6140":
                raise
            # Used in QBO since the check (or by an invoice made since): waits like the check's clashes.
            raise doc_number_refused(connection=ctx.connection, client=ctx.client, invoice=invoice,
                                     error=exc) from exc
        operation = "link" if adopted else "create"
        if adopted:
            ref = ctx.save_ref(ObjectType.INVOICE, invoice.pk, entity, {})
            entity = update_with_retry(ctx, "Invoice", ref, body)
    saved = ctx.save_ref(ObjectType.INVOICE, invoice.pk, entity, body)
    _check_totals(ctx, invoice, entity, saved)
    return PushResult(qbo_id=str(entity["Id"]), operation=operation, notes=ctx.notes)
