"""Payment recorded here → QBO Payment applied to the invoice, so QBO's balance matches ours.

Refunds are not pushed: QBO models them as RefundReceipts against deposited funds, a bookkeeping choice
this app should not make on the accountant's behalf; the invoice's own status and totals still sync.
"""

from __future__ import annotations

from typing import Any

from integrations.method_terms import method_chosen, method_match
from integrations.models import ObjectType, QuickBooksConnection
from integrations.push.currency import customer_currency_check, home_currency_ref
from integrations.push.handlers.base import Need, PushContext, PushResult, create_or_adopt
from integrations.push.handlers.customer import customer_need
from integrations.push.handlers.invoice import SkipPush
from invoicing.models import Payment, PaymentKind


def _invoice_need(payment: Payment) -> Need:
    return Need(ObjectType.INVOICE, payment.invoice_id, f"invoice {payment.invoice.number}")


def _load(ctx: PushContext) -> Payment:
    return ctx.load(Payment.objects.select_related("invoice", "invoice__customer"))


def payment_needs(ctx: PushContext) -> list[Need]:
    """The invoice it pays, then that invoice's customer — unless this payment does not push at all."""
    payment = _load(ctx)
    if payment.kind != PaymentKind.PAYMENT or ctx.ref(ObjectType.PAYMENT, payment.pk) is not None:
        return []
    return [_invoice_need(payment), customer_need(payment.invoice.customer)]


def payment_payload(ctx: PushContext, payment: Payment) -> dict[str, Any]:
    invoice = payment.invoice
    invoice_qbo = ctx.mapped_id(_invoice_need(payment))
    customer_qbo = ctx.mapped_id(customer_need(invoice.customer))
    conn = ctx.connection
    customer_currency_check(conn, currency=ctx.mapped_currency(customer_need(invoice.customer)),
                            name=invoice.customer.display_name, what="a payment")
    body: dict[str, Any] = {
        "CustomerRef": {"value": customer_qbo},
        **home_currency_ref(conn),
        "TotalAmt": float(payment.amount),
        "TxnDate": payment.received_on.isoformat(),
        "PaymentRefNum": (payment.reference or f"FSM-{payment.pk}")[:21],
        "PrivateNote": f"Recorded in FieldDesk for {invoice.number}. {payment.note}".strip()[:4000],
        "Line": [{"Amount": float(payment.amount), "LinkedTxn": [{"TxnId": invoice_qbo, "TxnType": "Invoice"}]}],
    }
    # The method chosen under Mappings: payments, else QBO's method of the same name (none: sent without).
    method = method_match(connection=conn, method=payment.method).ref
    if method is not None:
        body["PaymentMethodRef"] = method
    # Without DepositToAccountRef QBO deposits to Undeposited Funds; a bank account chosen on the page wins.
    if conn.deposit_account_id:
        body["DepositToAccountRef"] = {"value": conn.deposit_account_id}
    return body


def unmatched_method_note(conn: QuickBooksConnection, payment: Payment, body: dict[str, Any]) -> str:
    """Why a payment went without PaymentMethodRef (for the sync log), or "" when nothing is missing or a
    person chose "none" for its method."""
    if not payment.method.strip() or "PaymentMethodRef" in body or method_chosen(conn, payment.method) is not None:
        return ""
    return (f"Payment method “{payment.method}” has no QuickBooks payment method of that name; "
            "sent without one (choose one under Mappings: payments on the QuickBooks page, or add it in "
            "QuickBooks and re-read the company settings).")


def _find(ctx: PushContext, payment: Payment, ref_num: str) -> dict[str, Any] | None:
    rows = ctx.client.find_by("Payment", "PaymentRefNum", ref_num)
    same = [r for r in rows if abs(float(r.get("TotalAmt", 0)) - float(payment.amount)) < 0.005]
    return same[0] if len(same) == 1 else None


def push_payment(ctx: PushContext) -> PushResult:
    payment = _load(ctx)
    if payment.kind != PaymentKind.PAYMENT:
        raise SkipPush("Refunds stay in FieldDesk; record the refund in QuickBooks if your books need it.")
    ref = ctx.ref(ObjectType.PAYMENT, payment.pk)
    if ref is not None:
        raise SkipPush("Already in QuickBooks; payments are not edited after they are recorded.")
    body = payment_payload(ctx, payment)
    entity, adopted = create_or_adopt(ctx, "Payment", body, lambda: _find(ctx, payment, body["PaymentRefNum"]),
                                      request_id=ctx.job.request_id)
    ctx.save_ref(ObjectType.PAYMENT, payment.pk, entity, body)
    note = unmatched_method_note(ctx.connection, payment, body)
    return PushResult(qbo_id=str(entity["Id"]), operation="link" if adopted else "create",
                      notes=[note] if note else [])
