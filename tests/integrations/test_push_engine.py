"""The push queue against the running simulator: what reaches QBO, exactly once, and what happens on
every failure class."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Model
from pytest_django import Settings

from accounts.models import Organization
from customers.models import Customer
from integrations.models import ConnectionStatus, ExternalRef, JobState, QuickBooksConnection, SyncAttempt, SyncJob
from integrations.push.enqueue import sync_enqueue
from invoicing import lifecycle
from invoicing.models import Invoice, Product
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain, make_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Push Test Books")


def _qbo_objects(qbo: Qbo, realm: str, entity: str) -> list[dict[str, Any]]:
    return qbo.control.objects(realm, entity)


def _job(obj: Model, object_type: str) -> SyncJob:
    return SyncJob.objects.exclude(state=JobState.DONE).get(object_type=object_type, local_id=obj.pk)


def test_customer_create_then_update_reaches_qbo_once(qbo: Qbo, realm: str, conn: QuickBooksConnection,
                                                      org: Organization,
                                                      make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org, "Ada Lovelace", email="ada@example.com")
    customer.phone = "555-0100"
    customer.save()  # a second edit before the worker runs coalesces into the same job
    assert SyncJob.objects.filter(object_type="customer", local_id=customer.pk).count() == 1
    assert drain() == [(_done_id(customer), JobState.DONE)]
    rows = [c for c in _qbo_objects(qbo, realm, "Customer") if c["DisplayName"] == "Ada Lovelace"]
    assert len(rows) == 1 and rows[0]["PrimaryPhone"]["FreeFormNumber"] == "555-0100"
    ref = ExternalRef.objects.get(connection=conn, object_type="customer", local_id=customer.pk)
    assert ref.qbo_id == rows[0]["Id"]

    customer.email = "ada@lovelace.example"
    customer.save()
    drain()
    after = qbo.control.object(realm, "Customer", ref.qbo_id)
    assert after["PrimaryEmailAddr"]["Address"] == "ada@lovelace.example"
    assert after["SyncToken"] == "1"
    assert len([c for c in _qbo_objects(qbo, realm, "Customer") if c["DisplayName"] == "Ada Lovelace"]) == 1


def _done_id(obj: Model) -> int:
    return SyncJob.objects.filter(local_id=obj.pk).order_by("-id").values_list("id", flat=True)[0]


def test_finalized_invoice_pushes_customer_items_and_exact_lines(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, tax_percent="8.875", lines=[("2", "95.00"), ("1.5", "12.49")])
    assert not SyncJob.objects.filter(object_type="invoice").exists()  # drafts never sync
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    qbo_invoices = _qbo_objects(qbo, realm, "Invoice")
    assert [i["DocNumber"] for i in qbo_invoices] == [invoice.number]
    pushed = qbo_invoices[0]
    sales = [ln for ln in pushed["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
    assert [(Decimal(str(ln["Amount"])), Decimal(str(ln["SalesItemLineDetail"]["Qty"]))) for ln in sales] == [
        (Decimal("190.00"), Decimal(2)), (Decimal("18.74"), Decimal("1.5"))]
    assert Decimal(str(pushed["TotalAmt"])) == invoice.total
    customer_ref = ExternalRef.objects.get(connection=conn, object_type="customer", local_id=invoice.customer_id)
    assert pushed["CustomerRef"]["value"] == customer_ref.qbo_id
    product = Product.objects.for_org(org).get()
    item_ref = ExternalRef.objects.get(connection=conn, object_type="item", local_id=product.pk)
    assert {ln["SalesItemLineDetail"]["ItemRef"]["value"] for ln in sales} == {item_ref.qbo_id}


@pytest.mark.parametrize("status_action", ["draft", "dispute"])
def test_drafts_and_disputed_invoices_never_sync(qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
                                                 make_invoice: Callable[..., Invoice], status_action: str) -> None:
    invoice = make_invoice(org)
    if status_action == "dispute":
        lifecycle.invoice_finalize(invoice=invoice)
        lifecycle.invoice_dispute(invoice=invoice)
        SyncJob.objects.all().delete()  # what finalize queued is not the point here
        invoice.refresh_from_db()
        invoice.memo = "edited while disputed"
        invoice.save()
    assert sync_enqueue(organization=org, obj=invoice) is None
    assert sync_enqueue(organization=org, obj=invoice, by_person=True) is None
    assert not SyncJob.objects.filter(object_type="invoice").exists()


@pytest.mark.parametrize(("steps", "syncs"), [
    ([], False),
    (["finalize"], True),
    (["finalize", "send"], True),
    (["finalize", "payment_part"], True),
    (["finalize", "payment_full"], True),
    (["finalize", "void"], True),
    (["finalize", "payment_full", "refund_part"], True),
    (["finalize", "payment_full", "refund_full"], True),
    (["finalize", "dispute"], False),
])
def test_every_status_in_and_out_of_the_syncable_list(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization, make_invoice: Callable[..., Invoice],
        steps: list[str], syncs: bool) -> None:
    invoice = make_invoice(org)
    for step in steps:
        _apply(invoice, step)
    if steps and steps[-1] == "dispute":
        SyncJob.objects.filter(object_type="invoice").delete()  # finalize's job is not the point here
    drain()
    invoice.refresh_from_db()
    in_qbo = [i for i in _qbo_objects(qbo, realm, "Invoice") if i.get("DocNumber") == invoice.number]
    assert bool(in_qbo) is syncs, invoice.status
    if syncs and invoice.status == "void":
        assert Decimal(str(in_qbo[0]["TotalAmt"])) == 0 and "Voided" in in_qbo[0].get("PrivateNote", "")


def _apply(invoice: Invoice, step: str) -> None:
    invoice.refresh_from_db()
    if step == "finalize":
        lifecycle.invoice_finalize(invoice=invoice)
    elif step == "send":
        lifecycle.invoice_send(invoice=invoice)
    elif step == "payment_part":
        lifecycle.invoice_record_payment(invoice=invoice, amount=invoice.balance / 2)
    elif step == "payment_full":
        lifecycle.invoice_record_payment(invoice=invoice, amount=invoice.balance)
    elif step == "refund_part":
        lifecycle.invoice_refund(invoice=invoice, amount=invoice.amount_paid / 2)
    elif step == "refund_full":
        lifecycle.invoice_refund(invoice=invoice, amount=invoice.amount_paid)
    elif step == "void":
        drain()  # pushed first, so there is something to void in QBO
        invoice.refresh_from_db()
        lifecycle.invoice_void(invoice=invoice)
    elif step == "dispute":
        lifecycle.invoice_dispute(invoice=invoice)


def test_invoice_finalized_before_connecting_is_pushed_only_on_request(
        qbo: Qbo, realm: str, org: Organization, make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    connect_org(qbo.control, org, realm)
    invoice.refresh_from_db()
    lifecycle.invoice_send(invoice=invoice)  # a later change of a historical invoice: still not pushed
    assert not SyncJob.objects.filter(object_type="invoice").exists()
    assert sync_enqueue(organization=org, obj=invoice, by_person=True) is not None
    drain()
    assert [i["DocNumber"] for i in _qbo_objects(qbo, realm, "Invoice")] == [invoice.number]


def test_commit_then_drop_is_resolved_by_lookup_not_a_second_create(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_customer: Callable[..., Customer]) -> None:
    qbo.control.set_faults(realm, drop_next=1)  # QBO applies the create, the client sees a reset
    customer = make_customer(org, "Grace Hopper", email="grace@example.com")
    [(job_id, state)] = drain()
    assert state == JobState.BACKOFF
    job = SyncJob.objects.get(pk=job_id)
    assert job.outcome_unknown and job.attempts == 1
    make_due(job)
    drain()
    assert SyncJob.objects.get(pk=job_id).state == JobState.DONE
    named = [c for c in _qbo_objects(qbo, realm, "Customer") if c["DisplayName"] == "Grace Hopper"]
    assert len(named) == 1
    assert ExternalRef.objects.get(object_type="customer", local_id=customer.pk).qbo_id == named[0]["Id"]
    assert qbo.control.stats(realm)["duplicate_counts"]["Customer"] == 0


def test_server_errors_back_off_then_error_after_max_attempts(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization, settings: Settings,
        make_customer: Callable[..., Customer]) -> None:
    settings.QBO_MAX_ATTEMPTS = 3
    qbo.control.set_faults(realm, error_rate=1.0)
    customer = make_customer(org, "Alan Turing")
    job = _job(customer, "customer")
    states = []
    for _ in range(3):
        drain()
        job.refresh_from_db()
        states.append((job.state, job.attempts))
        make_due(job)
    assert states == [(JobState.BACKOFF, 1), (JobState.BACKOFF, 2), (JobState.ERROR, 3)]
    assert job.last_error.startswith("QuickBooks did not answer properly")
    assert job.last_error_hint == "QuickBooks kept failing (3 tries). Press Retry once it is back."
    assert SyncAttempt.objects.filter(job=job).count() == 3
    assert {a.http_status for a in SyncAttempt.objects.filter(job=job)} <= {500, 503}


def test_throttling_backs_off_without_spending_attempts(qbo: Qbo, realm: str, conn: QuickBooksConnection,
                                                        org: Organization,
                                                        make_customer: Callable[..., Customer]) -> None:
    qbo.control.set_faults(realm, throttle_burst=50)
    customer = make_customer(org, "Katherine Johnson")
    drain()
    job = _job(customer, "customer")
    assert (job.state, job.attempts) == (JobState.BACKOFF, 0)
    attempt = SyncAttempt.objects.get(job=job)
    assert (attempt.http_status, attempt.fault_code) == (429, "3001")


def test_duplicate_name_of_a_vendor_is_an_error_with_a_plain_hint(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_customer: Callable[..., Customer]) -> None:
    qbo.control.entities(realm, "Vendor", {"DisplayName": "Hedy Lamarr"})
    customer = make_customer(org, "Hedy Lamarr", email="hedy@example.com")
    drain()
    job = _job(customer, "customer")
    assert job.state == JobState.ERROR and job.last_fault_code == "6240"
    assert "already uses this name" in job.last_error
    assert "rename the customer" in job.last_error_hint.lower()


def test_duplicate_name_of_the_same_customer_by_email_links_it(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_customer: Callable[..., Customer]) -> None:
    existing = qbo.control.entities(realm, "Customer", {"DisplayName": "Mary Jackson",
                                                        "PrimaryEmailAddr": {"Address": "mary@example.com"}})
    customer = make_customer(org, "Mary Jackson", email="MARY@example.com")
    drain()
    ref = ExternalRef.objects.get(object_type="customer", local_id=customer.pk)
    assert ref.qbo_id == str(existing.get("Id") or existing["Customer"]["Id"])
    assert len([c for c in _qbo_objects(qbo, realm, "Customer") if c["DisplayName"] == "Mary Jackson"]) == 1


def test_stale_sync_token_is_reread_and_retried_once(qbo: Qbo, realm: str, conn: QuickBooksConnection,
                                                     org: Organization, make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org, "Dorothy Vaughan")
    drain()
    ref = ExternalRef.objects.get(object_type="customer", local_id=customer.pk)
    # A bookkeeper edits the customer in QBO: our SyncToken is now stale.
    qbo.control.entities(realm, "Customer", {"Id": ref.qbo_id, "SyncToken": ref.sync_token, "sparse": True,
                                             "Notes": "edited in QBO"})
    customer.phone = "555-0199"
    customer.save()
    drain()
    assert _job_state_latest(customer) == JobState.DONE
    assert qbo.control.object(realm, "Customer", ref.qbo_id)["PrimaryPhone"]["FreeFormNumber"] == "555-0199"


def _job_state_latest(obj: Model) -> str:
    return SyncJob.objects.filter(local_id=obj.pk).order_by("-id").values_list("state", flat=True)[0]


def test_expired_access_token_is_refreshed_and_the_call_retried(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_customer: Callable[..., Customer]) -> None:
    qbo.control.expire_tokens(realm)  # QBO now answers 401 to our stored access token
    customer = make_customer(org, "Mae Jemison")
    drain()
    assert _job_state_latest(customer) == JobState.DONE
    conn.refresh_from_db()
    assert conn.last_refreshed_at is not None and conn.status == ConnectionStatus.CONNECTED


def test_revoked_authorization_pauses_jobs_and_reconnect_resumes(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_customer: Callable[..., Customer]) -> None:
    qbo.control.revoke(realm)
    customer = make_customer(org, "Sally Ride")
    drain()
    job = _job(customer, "customer")
    conn.refresh_from_db()
    assert conn.status == ConnectionStatus.AUTH_EXPIRED
    assert (job.state, job.attempts) == (JobState.PAUSED, 0)
    assert drain() == []  # nothing runs while paused
    # Reconnect (what the OAuth callback does): fresh tokens, paused jobs resume.
    from integrations.services.jobs_pause import jobs_resume_for_connection

    tokens = qbo.control.connect(realm)
    conn.access_token, conn.refresh_token, conn.status = tokens["access_token"], tokens["refresh_token"], "connected"
    conn.save()
    jobs_resume_for_connection(connection=conn)
    drain()
    assert _job_state_latest(customer) == JobState.DONE
    assert [c["DisplayName"] for c in _qbo_objects(qbo, realm, "Customer")].count("Sally Ride") == 1


def test_payments_recorded_here_are_applied_to_the_qbo_invoice(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("50.00"), reference="CHK-1001")
    drain()
    invoice.refresh_from_db()
    ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    in_qbo = qbo.control.object(realm, "Invoice", ref.qbo_id)
    assert Decimal(str(in_qbo["Balance"])) == invoice.balance == invoice.total - Decimal("50.00")
    [payment] = qbo.control.objects(realm, "Payment")
    assert payment["PaymentRefNum"] == "CHK-1001" and Decimal(str(payment["TotalAmt"])) == Decimal("50.00")


def test_a_customer_made_inactive_in_qbo_is_not_reactivated_by_an_edit_here(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_customer: Callable[..., Customer]) -> None:
    from integrations.models import RemoteState

    customer = make_customer(org, "Rosalind Franklin")
    drain()
    ref = ExternalRef.objects.get(connection=conn, object_type="customer", local_id=customer.pk)
    theirs = qbo.control.object(realm, "Customer", ref.qbo_id)
    qbo.control.entities(realm, "Customer", {"Id": ref.qbo_id, "SyncToken": theirs["SyncToken"], "sparse": True,
                                             "Active": False})
    RemoteState.objects.update_or_create(ref=ref, defaults={"inactive_in_qbo": True})  # as inbound records it
    customer.phone = "555-0142"
    customer.save()
    drain()
    after = qbo.control.object(realm, "Customer", ref.qbo_id)
    assert after["PrimaryPhone"]["FreeFormNumber"] == "555-0142"
    assert after["Active"] is False


def test_an_invoice_whose_customer_another_worker_is_creating_waits_without_a_second_push_of_it(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_invoice: Callable[..., Invoice]) -> None:
    """Two workers claim a new customer's create and its invoice at the same moment: the invoice waits for the
    customer, and the customer's job is not marked changed (that pushed it a second time, as an update)."""
    from integrations.push.claim import job_claim
    from integrations.push.runner import job_run

    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    customer_job = job_claim(_job(invoice.customer, "customer").pk)  # the other worker has it
    invoice_job = job_claim(_job(invoice, "invoice").pk)
    assert customer_job is not None and invoice_job is not None
    assert job_run(invoice_job) == JobState.BACKOFF
    assert job_run(customer_job) == JobState.DONE  # done, not queued again for an update
    assert not SyncJob.objects.filter(object_type="customer", local_id=invoice.customer_id,
                                      state=JobState.QUEUED).exists()
