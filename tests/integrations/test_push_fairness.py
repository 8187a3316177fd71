"""One organization's backlog must not starve another's: claims go round-robin across connections."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from accounts.models import Organization
from customers.models import Customer
from integrations.models import QuickBooksConnection, SyncJob
from integrations.push.claim import job_claim_next
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org

pytestmark = pytest.mark.django_db


def test_a_small_queue_is_served_between_the_jobs_of_a_big_backlog(
        qbo: Qbo, make_org: Callable[..., Organization], make_customer: Callable[..., Customer]) -> None:
    big, small = make_org("Big Backlog"), make_org("Small Shop")
    connect_org(qbo.control, big, qbo.company("Big Books"))
    connect_org(qbo.control, small, qbo.company("Small Books"))
    for i in range(40):
        make_customer(big, f"Backlog {i}")
    latecomer = make_customer(small, "Latecomer")  # queued after all 40

    order = []
    for _ in range(4):
        job = job_claim_next()
        assert job is not None
        order.append(job.connection.organization.name)
    assert order.count("Small Shop") == 1 and order.index("Small Shop") <= 1
    assert SyncJob.objects.get(local_id=latecomer.pk, object_type="customer").state == "running"


def test_a_company_being_pushed_is_claimed_again_only_when_every_other_company_is_busy(
        qbo: Qbo, make_org: Callable[..., Organization], make_customer: Callable[..., Customer]) -> None:
    """Many workers (a threads pool) on few companies: the next claim goes to a company nobody is pushing
    for, so a second worker does not wait on the first's customer; a busy company still gets spare workers."""
    first, second = make_org("First Served"), make_org("Second Served")
    connect_org(qbo.control, first, qbo.company("First Books"))
    connect_org(qbo.control, second, qbo.company("Second Books"))
    for i in range(3):
        make_customer(first, f"First {i}")
    make_customer(second, "Second 0")

    taken = job_claim_next()  # both never served: the lower id, First Served
    assert taken is not None and taken.connection.organization == first
    # First Served was served longest ago once more (as when its worker is slow), and is busy.
    QuickBooksConnection.objects.filter(organization=first).update(last_served_at=None)
    nxt = job_claim_next()
    assert nxt is not None and nxt.connection.organization == second
    spare = job_claim_next()  # nobody else has due work: the busy company gets the spare worker
    assert spare is not None and spare.connection.organization == first


def test_the_pick_finds_work_by_company_whatever_the_state_of_the_others_jobs(
        qbo: Qbo, make_org: Callable[..., Organization], make_customer: Callable[..., Customer]) -> None:
    """The claim looks only at companies with open jobs, and among them only at due work: a company whose
    worker died mid-push is taken over, one waiting out a retry or disconnected is left alone."""
    from datetime import timedelta

    from django.utils import timezone

    from integrations.models import ConnectionStatus, JobState

    names = ["Dead Worker", "Retrying Later", "Disconnected", "All Done"]
    orgs = {name: make_org(name) for name in names}
    for name, org in orgs.items():
        connect_org(qbo.control, org, qbo.company(f"{name} Books"))
        make_customer(org, f"{name} Customer")
    now = timezone.now()
    jobs = {name: SyncJob.objects.get(connection__organization=org) for name, org in orgs.items()}
    SyncJob.objects.filter(pk=jobs["Dead Worker"].pk).update(state=JobState.RUNNING,
                                                               lease_until=now - timedelta(seconds=1))
    SyncJob.objects.filter(pk=jobs["Retrying Later"].pk).update(state=JobState.BACKOFF,
                                                                  next_attempt_at=now + timedelta(minutes=5))
    QuickBooksConnection.objects.filter(organization=orgs["Disconnected"]).update(
        status=ConnectionStatus.DISCONNECTED)
    SyncJob.objects.filter(pk=jobs["All Done"].pk).update(state=JobState.DONE)

    taken = job_claim_next()
    assert taken is not None and taken.pk == jobs["Dead Worker"].pk and taken.outcome_unknown
    assert job_claim_next() is None


def test_a_batch_counts_as_many_turns_as_it_has_jobs(
        qbo: Qbo, make_org: Callable[..., Organization], make_customer: Callable[..., Customer],
        make_product: Callable[..., object]) -> None:
    """Fair by work, not by turns: after a backlog's worker took thirty creates in one batch, a small company
    that took one job gets the next free worker again (its customer, then its invoice, come one after the
    other) instead of waiting for every backlog's next turn."""
    from integrations.push.tasks import run_next

    big, small = make_org("Big Backlog"), make_org("Small Shop")
    connect_org(qbo.control, big, qbo.company("Big Books"))
    connect_org(qbo.control, small, qbo.company("Small Books"))
    for i in range(40):
        make_customer(big, f"Backlog {i}")
    make_product(small)
    make_customer(small, "Small Customer")

    assert run_next() == 30  # never served, lower id: the backlog's batch
    assert run_next() == 1  # the small company's first job
    assert run_next() == 1  # served after the batch, but one job against thirty: its second job
    assert SyncJob.objects.filter(connection__organization=small).exclude(state="done").count() == 0
    assert SyncJob.objects.filter(connection__organization=big).exclude(state="done").count() == 10
