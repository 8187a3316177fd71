"""Batching under a backlog, against the simulator: fewer requests, the same exactly-once guarantees."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pytest_django import Settings

from accounts.models import Organization
from customers.models import Customer
from integrations.models import ExternalRef, JobState, SyncAttempt, SyncJob
from invoicing import lifecycle
from invoicing.models import Invoice
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain_batched, make_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Batch Books")


def _batch_requests(qbo: Qbo, realm: str) -> int:
    by_endpoint = qbo.control.stats(realm)["requests"]["by_endpoint"]
    return sum(sum(by_status.values()) for name, by_status in by_endpoint.items() if "batch" in name.lower())


def test_a_backlog_of_new_customers_goes_in_batches_of_30(qbo: Qbo, realm: str, org: Organization,
                                                         make_customer: Callable[..., Customer]) -> None:
    conn = connect_org(qbo.control, org, realm)
    customers = [make_customer(org, f"Batch Person {i:02d}", email=f"p{i}@example.com") for i in range(45)]
    assert drain_batched() == 45
    assert _batch_requests(qbo, realm) == 2  # 30 + 15
    names = sorted(c["DisplayName"] for c in qbo.control.objects(realm, "Customer"))
    assert names == sorted(c.display_name for c in customers)
    assert ExternalRef.objects.filter(connection=conn, object_type="customer").count() == 45
    assert set(SyncJob.objects.values_list("state", flat=True)) == {JobState.DONE}
    assert SyncAttempt.objects.filter(outcome="create", message="batch").count() == 45


def test_invoices_batch_once_their_customer_and_items_are_in_qbo(
        qbo: Qbo, realm: str, org: Organization, make_invoice: Callable[..., Invoice],
        make_customer: Callable[..., Customer]) -> None:
    connect_org(qbo.control, org, realm)
    invoices = [make_invoice(org, customer=make_customer(org, f"Invoice Person {i}")) for i in range(8)]
    for inv in invoices:
        lifecycle.invoice_finalize(invoice=inv)
    drain_batched()
    in_qbo = sorted(i["DocNumber"] for i in qbo.control.objects(realm, "Invoice"))
    assert in_qbo == sorted(inv.number for inv in invoices)
    assert qbo.control.stats(realm)["duplicate_counts"] == {"Customer": 0, "Item": 0, "Invoice": 0}
    assert _batch_requests(qbo, realm) >= 1  # the customers at least went together


def test_per_item_fault_fails_only_that_item(qbo: Qbo, realm: str, org: Organization,
                                             make_customer: Callable[..., Customer]) -> None:
    qbo.control.entities(realm, "Vendor", {"DisplayName": "Batch Clash"})
    connect_org(qbo.control, org, realm)
    good = [make_customer(org, f"Fine {i}") for i in range(5)]
    clash = make_customer(org, "Batch Clash")
    drain_batched()
    job = SyncJob.objects.get(object_type="customer", local_id=clash.pk)
    assert job.state == JobState.ERROR and job.last_fault_code == "6240"
    assert all(ExternalRef.objects.filter(object_type="customer", local_id=c.pk).exists() for c in good)


def test_an_unknown_batch_outcome_is_resolved_by_lookup(qbo: Qbo, realm: str, org: Organization,
                                                       make_customer: Callable[..., Customer]) -> None:
    connect_org(qbo.control, org, realm)
    qbo.control.set_faults(realm, drop_next=1)  # QBO applies the batch, the client sees a reset
    customers = [make_customer(org, f"Dropped {i}") for i in range(6)]
    drain_batched()
    jobs = list(SyncJob.objects.filter(object_type="customer"))
    assert {(j.state, j.outcome_unknown) for j in jobs} == {(JobState.BACKOFF, True)}
    for job in jobs:
        make_due(job)
    drain_batched()
    assert len(qbo.control.objects(realm, "Customer")) == 6
    assert qbo.control.stats(realm)["duplicate_counts"]["Customer"] == 0
    assert all(ExternalRef.objects.filter(object_type="customer", local_id=c.pk).exists() for c in customers)


def test_when_the_batch_window_is_full_the_creates_go_one_by_one(qbo: Qbo, realm: str, org: Organization,
                                                                 make_customer: Callable[..., Customer],
                                                                 settings: Settings) -> None:
    # QBO takes 40 batch requests a minute per company and app; here the window holds one.
    settings.QBO_BATCH_PER_MINUTE = 1
    conn = connect_org(qbo.control, org, realm)
    for i in range(40):
        make_customer(org, f"Window Person {i:02d}", email=f"w{i}@example.com")
    assert drain_batched() == 40
    assert _batch_requests(qbo, realm) == 1  # the first 30; the window was full for the other 10
    assert SyncAttempt.objects.filter(outcome="create", message="batch").count() == 30
    assert SyncAttempt.objects.filter(outcome="create").exclude(message="batch").count() == 10
    assert ExternalRef.objects.filter(connection=conn, object_type="customer").count() == 40
    assert set(SyncJob.objects.values_list("state", flat=True)) == {JobState.DONE}
    assert qbo.control.stats(realm)["duplicate_counts"]["Customer"] == 0


def test_a_worker_step_sends_one_create_while_the_batch_window_is_full(
        qbo: Qbo, realm: str, org: Organization, make_customer: Callable[..., Customer], settings: Settings) -> None:
    """A worker never holds a company's thirty singles in one step (the other companies would wait for it):
    with the window full it claims one job, and the rest stay queued for the next claims, in their order."""
    from integrations.push.tasks import run_next

    settings.QBO_BATCH_PER_MINUTE = 1
    connect_org(qbo.control, org, realm)
    first = [make_customer(org, f"Early {i:02d}") for i in range(30)]
    assert run_next() == 30  # one batch: the window (one a minute here) is now full
    later = [make_customer(org, f"Later {i:02d}") for i in range(5)]
    assert run_next() == 1
    states = dict(SyncJob.objects.filter(local_id__in=[c.pk for c in later]).values_list("local_id", "state"))
    assert states == {later[0].pk: JobState.DONE, **{c.pk: JobState.QUEUED for c in later[1:]}}
    assert _batch_requests(qbo, realm) == 1 and len(first) == 30


def test_a_batch_whose_window_filled_after_the_claim_sends_one_and_requeues_the_rest(
        qbo: Qbo, realm: str, org: Organization, make_customer: Callable[..., Customer], settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Another worker took the window's last place between this worker's look and its send: nothing was sent
    for the claimed batch, so one create goes now and the others are queued again, not pushed one by one."""
    from integrations.push import batch
    from integrations.push.tasks import run_next

    settings.QBO_BATCH_PER_MINUTE = 1
    monkeypatch.setattr(batch, "BATCH_PATIENCE_SECONDS", 0)
    connect_org(qbo.control, org, realm)
    [make_customer(org, f"Early {i:02d}") for i in range(30)]
    assert run_next() == 30
    monkeypatch.setattr(batch, "batch_window_wait", lambda realm_id: 0.0)  # the look saw a place
    later = [make_customer(org, f"Later {i:02d}") for i in range(5)]
    assert run_next() == 5  # claimed as a batch
    jobs = SyncJob.objects.filter(local_id__in=[c.pk for c in later])
    assert sorted(jobs.values_list("state", flat=True)) == [JobState.DONE] + [JobState.QUEUED] * 4
    assert _batch_requests(qbo, realm) == 1
    assert ExternalRef.objects.filter(object_type="customer", local_id__in=[c.pk for c in later]).count() == 1
