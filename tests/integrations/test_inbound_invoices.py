"""A bookkeeper's payments, voids and deletes in QBO reach the invoices here, through webhooks from the
running simulator to the live server."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

import pytest

from accounts.models import Organization
from integrations.connection.company import company_reread
from integrations.connection.method_terms import payment_methods_set
from integrations.models import ExternalRef, JobState, QuickBooksConnection, SyncConflict, SyncJob
from integrations.push.services import ref_repush
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus, Payment
from tests.integrations.conftest import Qbo
from tests.integrations.inbound_helpers import Hooks

pytestmark = pytest.mark.django_db(transaction=True)
S = InvoiceStatus
T = TypeVar("T")  # what the gated action returns


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Payments Books")


@pytest.fixture
def synced(hooks: Hooks, org: Organization, make_invoice: Callable[..., Invoice]) -> tuple[Invoice, str, str]:
    """A finalized invoice of 190.00 pushed to QBO: (invoice, its QBO id, its customer's QBO id)."""
    invoice = make_invoice(org, lines=[("2", "95.00")])
    with_gate(hooks, lambda: lifecycle.invoice_finalize(invoice=invoice))
    hooks.drain()
    hooks.process()
    invoice.refresh_from_db()
    ref = ExternalRef.objects.get(object_type="invoice", local_id=invoice.pk)
    customer = ExternalRef.objects.get(object_type="customer", local_id=invoice.customer_id)
    return invoice, ref.qbo_id, customer.qbo_id


def with_gate(hooks: Hooks, action: Callable[[], T]) -> T:
    from tests.integrations.inbound_helpers import GATE

    with GATE:
        return action()


def _pay(qbo: Qbo, realm: str, customer_id: str, applied: dict[str, float], total: float | None = None) -> str:
    lines = [{"Amount": amount, "LinkedTxn": [{"TxnId": inv, "TxnType": "Invoice"}]} for inv, amount in applied.items()]
    body = {"CustomerRef": {"value": customer_id}, "TotalAmt": total or sum(applied.values()), "Line": lines}
    return str(qbo.control.entities(realm, "Payment", body)["Id"])


def _state(invoice: Invoice) -> tuple[str, Decimal, Decimal]:
    invoice.refresh_from_db()
    return invoice.status, invoice.amount_paid, invoice.balance


def test_payment_in_full_turns_the_invoice_paid(qbo: Qbo, realm: str, hooks: Hooks,
                                               synced: tuple[Invoice, str, str]) -> None:
    invoice, invoice_id, customer_id = synced
    payment_id = _pay(qbo, realm, customer_id, {invoice_id: 190.0})
    hooks.process()
    assert _state(invoice) == (S.PAID, Decimal("190.00"), Decimal("0.00"))
    payment = Payment.objects.get(invoice=invoice)
    assert payment.method == "QuickBooks" and payment.reference == ""  # no PaymentRefNum, no method in QBO
    assert ExternalRef.objects.filter(object_type="payment", qbo_id=f"{payment_id}:{invoice_id}").exists()
    assert not SyncJob.objects.exclude(state=JobState.DONE).exists()  # nothing pushed back


def test_partial_then_edited_then_deleted_payment(qbo: Qbo, realm: str, hooks: Hooks,
                                                 synced: tuple[Invoice, str, str]) -> None:
    invoice, invoice_id, customer_id = synced
    payment_id = _pay(qbo, realm, customer_id, {invoice_id: 50.0})
    hooks.process()
    assert _state(invoice) == (S.PARTIALLY_PAID, Decimal("50.00"), Decimal("140.00"))

    qbo.control.entities(realm, "Payment", {"Id": payment_id, "TotalAmt": 80.0, "Line": [
        {"Amount": 80.0, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}]})
    hooks.process()
    assert _state(invoice) == (S.PARTIALLY_PAID, Decimal("80.00"), Decimal("110.00"))
    assert Payment.objects.filter(invoice=invoice).count() == 1

    qbo.control.delete_entity(realm, "Payment", payment_id)
    hooks.process()
    assert _state(invoice) == (S.GENERATED, Decimal("0.00"), Decimal("190.00"))
    assert not Payment.objects.filter(invoice=invoice).exists()
    assert not ExternalRef.objects.filter(object_type="payment").exists()


def test_voided_payment_moves_the_invoice_back(qbo: Qbo, realm: str, hooks: Hooks,
                                              synced: tuple[Invoice, str, str]) -> None:
    invoice, invoice_id, customer_id = synced
    with_gate(hooks, lambda: lifecycle.invoice_send(invoice=invoice))
    hooks.drain()
    hooks.process()
    payment_id = _pay(qbo, realm, customer_id, {invoice_id: 190.0})
    hooks.process()
    assert _state(invoice)[0] == S.PAID
    qbo.control.void_entity(realm, "Payment", payment_id)
    hooks.process()
    assert _state(invoice) == (S.SENT, Decimal("0.00"), Decimal("190.00"))


def test_one_payment_for_two_invoices_and_redelivery_is_idempotent(
        qbo: Qbo, realm: str, hooks: Hooks, org: Organization, synced: tuple[Invoice, str, str],
        make_invoice: Callable[..., Invoice]) -> None:
    first, first_id, customer_id = synced
    second = make_invoice(org, customer=first.customer, lines=[("1", "40.00")])
    with_gate(hooks, lambda: lifecycle.invoice_finalize(invoice=second))
    hooks.drain()
    hooks.process()
    second_id = ExternalRef.objects.get(object_type="invoice", local_id=second.pk).qbo_id
    _pay(qbo, realm, customer_id, {first_id: 100.0, second_id: 40.0}, total=150.0)  # 10.00 stays unapplied
    hooks.process()
    assert _state(first) == (S.PARTIALLY_PAID, Decimal("100.00"), Decimal("90.00"))
    assert _state(second) == (S.PAID, Decimal("40.00"), Decimal("0.00"))

    from integrations.inbound.cdc import cdc_sweep  # the CDC sweep sees the same payment again

    with_gate(hooks, lambda: cdc_sweep(connection=first.organization.qbo_connections.get()))
    assert Payment.objects.filter(invoice__in=[first, second]).count() == 2
    assert _state(first)[1] == Decimal("100.00")


def test_payment_on_an_invoice_disputed_here_is_a_logged_conflict(
        qbo: Qbo, realm: str, hooks: Hooks, synced: tuple[Invoice, str, str]) -> None:
    invoice, invoice_id, customer_id = synced
    with_gate(hooks, lambda: lifecycle.invoice_dispute(invoice=invoice))
    hooks.drain()
    _pay(qbo, realm, customer_id, {invoice_id: 190.0})
    hooks.process()
    assert _state(invoice) == (S.DISPUTED, Decimal("0.00"), Decimal("190.00"))
    conflict = SyncConflict.objects.get(object_type="payment")
    assert "could not be recorded here" in conflict.note and conflict.label == f"Invoice {invoice.number}"
    assert not ExternalRef.objects.filter(object_type="payment").exists()


def test_payment_recorded_here_comes_back_once_and_follows_a_delete_in_qbo(
        qbo: Qbo, realm: str, hooks: Hooks, synced: tuple[Invoice, str, str]) -> None:
    invoice, invoice_id, _ = synced
    with_gate(hooks, lambda: lifecycle.invoice_record_payment(invoice=invoice, amount="70.00"))
    hooks.drain()  # the push queue sends our payment to QBO; its webhook comes back
    hooks.process()
    assert _state(invoice) == (S.PARTIALLY_PAID, Decimal("70.00"), Decimal("120.00"))  # not counted twice
    pushed = ExternalRef.objects.get(object_type="payment")
    assert qbo.control.object(realm, "Invoice", invoice_id)["Balance"] == 120.0
    qbo.control.delete_entity(realm, "Payment", pushed.qbo_id)  # the bookkeeper takes it back in QBO
    hooks.process()
    assert _state(invoice) == (S.GENERATED, Decimal("0.00"), Decimal("190.00"))
    assert not ExternalRef.objects.filter(object_type="payment").exists()


def test_invoice_voided_in_qbo_is_void_here_and_qbo_payments_go_with_it(
        qbo: Qbo, realm: str, hooks: Hooks, synced: tuple[Invoice, str, str]) -> None:
    invoice, invoice_id, customer_id = synced
    _pay(qbo, realm, customer_id, {invoice_id: 60.0})
    hooks.process()
    assert _state(invoice)[0] == S.PARTIALLY_PAID
    qbo.control.void_entity(realm, "Invoice", invoice_id)
    hooks.process()
    assert _state(invoice) == (S.VOID, Decimal("0.00"), Decimal("0.00"))
    assert not Payment.objects.filter(invoice=invoice).exists()
    assert not SyncJob.objects.exclude(state=JobState.DONE).exists()  # no void pushed back to QBO


def test_invoice_deleted_in_qbo_is_marked_never_recreated_until_the_owner_asks(
        qbo: Qbo, realm: str, hooks: Hooks, synced: tuple[Invoice, str, str]) -> None:
    invoice, invoice_id, _ = synced
    qbo.control.delete_entity(realm, "Invoice", invoice_id)
    hooks.process()
    ref = ExternalRef.objects.get(object_type="invoice", local_id=invoice.pk)
    assert ref.deleted_in_qbo and _state(invoice)[0] == S.GENERATED  # nothing deleted or changed here
    assert SyncConflict.objects.filter(object_type="invoice", note__startswith="Deleted in QuickBooks").exists()

    with_gate(hooks, lambda: lifecycle.invoice_send(invoice=invoice))  # a later edit here...
    hooks.drain()
    assert [i["Id"] for i in qbo.control.objects(realm, "Invoice") if not i["_sim"]["deleted"]] == []  # ...no re-create

    job = with_gate(hooks, lambda: ref_repush(ref=ExternalRef.objects.get(pk=ref.pk), actor=None))
    assert job.state == JobState.QUEUED
    hooks.drain()
    hooks.process()
    live = [i for i in qbo.control.objects(realm, "Invoice") if not i["_sim"]["deleted"]]
    assert [i["DocNumber"] for i in live] == [invoice.number] and live[0]["Id"] != invoice_id
    new_ref = ExternalRef.objects.get(object_type="invoice", local_id=invoice.pk)
    assert new_ref.qbo_id == live[0]["Id"] and not new_ref.deleted_in_qbo


def test_qbo_payment_reference_and_method_become_ours(qbo: Qbo, realm: str, hooks: Hooks,
                                                      synced: tuple[Invoice, str, str]) -> None:
    """Issue 16: a check recorded in QBO keeps its number (PaymentRefNum) and method here, not
    "QuickBooks payment 5"."""
    invoice, invoice_id, customer_id = synced
    check = next(str(m["Id"]) for m in qbo.control.objects(realm, "PaymentMethod") if m["Name"] == "Check")
    qbo.control.entities(realm, "Payment", {
        "CustomerRef": {"value": customer_id}, "TotalAmt": 40.0, "PaymentRefNum": "1042",
        "PaymentMethodRef": {"value": check},
        "Line": [{"Amount": 40.0, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}]})
    hooks.process()
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.reference, payment.method, payment.amount) == ("1042", "Check", Decimal("40.00"))


def test_qbo_payment_method_reads_back_as_the_local_method_mapped_to_it(
        qbo: Qbo, realm: str, hooks: Hooks, conn: QuickBooksConnection, synced: tuple[Invoice, str, str]) -> None:
    """Mappings: payments, the other way: "Card" here is sent as QBO's "Credit Card", so a Credit Card payment
    recorded in QBO is a "Card" payment here — not a method the payment form does not know."""
    invoice, invoice_id, customer_id = synced
    company_reread(connection=conn)
    card = next(str(m["Id"]) for m in qbo.control.objects(realm, "PaymentMethod") if m["Name"] == "Credit Card")
    payment_methods_set(connection=conn, choices=[("Card", card)])
    qbo.control.entities(realm, "Payment", {
        "CustomerRef": {"value": customer_id}, "TotalAmt": 25.0, "PaymentRefNum": "AUTH-7",
        "PaymentMethodRef": {"value": card},
        "Line": [{"Amount": 25.0, "LinkedTxn": [{"TxnId": invoice_id, "TxnType": "Invoice"}]}]})
    hooks.process()
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.reference, payment.method) == ("AUTH-7", "Card")
