"""Sync All Pending and the per-item Retry, pressed on the QuickBooks page, against the running simulator:
the doorbell the page rings really runs the work (Celery in eager mode runs it in this process)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import TypedDict

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings

from accounts.models import Organization, Role
from customers.models import Customer
from fsm.celery import app as celery_app
from integrations.models import ExternalRef, JobState, ObjectType, SyncJob
from integrations.push.enqueue import sync_enqueue
from invoicing.models import Invoice, InvoiceStatus
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain, make_due
from tests.integrations.push_ui_helpers import add_job, db_connection, one, open_job, set_status

pytestmark = pytest.mark.django_db

PAGE = "/settings/integrations/quickbooks/"
SYNC_ALL = PAGE + "queue/sync-all-pending/"


class HtmxEnviron(TypedDict):
    HTTP_HX_REQUEST: str  # a WSGI environ entry: Client.post(**HTMX) sends it as the HX-Request header


HTMX: HtmxEnviron = {"HTTP_HX_REQUEST": "true"}


def retry_url(job: SyncJob) -> str:
    return f"{PAGE}queue/{job.pk}/retry/"


@pytest.fixture
def eager_doorbell() -> Iterator[None]:
    """push_doorbell.delay() runs the doorbell here and now, as a worker would."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Queue Page Books")


def _invoices(org: Organization, make_invoice: Callable[..., Invoice], make_customer: Callable[..., Customer],
              count: int) -> list[Invoice]:
    return [set_status(make_invoice(org, customer=make_customer(org, f"Customer {n}")), InvoiceStatus.SENT)
            for n in range(count)]


def _enqueue(org: Organization, invoice: Invoice) -> SyncJob:
    job = sync_enqueue(organization=org, obj=invoice, by_person=True)
    assert job is not None  # a sent invoice of a connected organization is queued
    return job


def test_sync_all_pending_runs_due_items_and_leaves_backoff_alone(
        qbo: Qbo, realm: str, org: Organization, owner_client: Client, make_invoice: Callable[..., Invoice],
        make_customer: Callable[..., Customer], eager_doorbell: None,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    queued_inv, due_inv, waiting_inv, failed_inv = _invoices(org, make_invoice, make_customer, 4)
    conn = connect_org(qbo.control, org, realm)
    jobs = {inv.pk: _enqueue(org, inv) for inv in (queued_inv, due_inv, waiting_inv, failed_inv)}
    later = timezone.now() + timedelta(minutes=10)
    SyncJob.objects.filter(pk=jobs[due_inv.pk].pk).update(
        state=JobState.BACKOFF, attempts=2, next_attempt_at=timezone.now() - timedelta(seconds=5))
    SyncJob.objects.filter(pk=jobs[waiting_inv.pk].pk).update(state=JobState.BACKOFF, attempts=3, next_attempt_at=later)
    SyncJob.objects.filter(pk=jobs[failed_inv.pk].pk).update(state=JobState.ERROR, attempts=1, last_error="No.")

    with django_capture_on_commit_callbacks(execute=True) as rung:
        response = owner_client.post(SYNC_ALL, **HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "qbo-queue-changed"
    notice = one(response.content, "qbo-queue-notice").text
    assert "2 items queued to run now" in notice and "Items in backoff keep their schedule (1 waiting" in notice
    assert rung  # the doorbell was rung; eager mode ran it when the request's transaction ended

    pushed = sorted(i["DocNumber"] for i in qbo.control.objects(realm, "Invoice"))
    assert pushed == sorted([queued_inv.number, due_inv.number])
    assert ExternalRef.objects.filter(connection=conn, object_type=ObjectType.INVOICE).count() == 2
    waiting = SyncJob.objects.get(pk=jobs[waiting_inv.pk].pk)
    assert (waiting.state, waiting.attempts, waiting.next_attempt_at) == (JobState.BACKOFF, 3, later)
    failed = SyncJob.objects.get(pk=jobs[failed_inv.pk].pk)
    assert (failed.state, failed.attempts) == (JobState.ERROR, 1)


def test_sync_all_pending_without_javascript_flashes_and_redirects(
        org: Organization, owner_client: Client, make_invoice: Callable[..., Invoice]) -> None:
    invoice = set_status(make_invoice(org), InvoiceStatus.SENT)
    add_job(db_connection(org), invoice, JobState.QUEUED)
    response = owner_client.post(SYNC_ALL)
    assert response.status_code == 302 and response["Location"] == PAGE
    page = owner_client.get(PAGE)
    flashed = [str(m) for m in page.context["messages"]]
    assert len(flashed) == 1 and flashed[0].startswith("Sync All Pending: 1 item queued to run now.")


def test_sync_all_pending_when_not_connected_says_so(org: Organization, owner_client: Client) -> None:
    response = owner_client.post(SYNC_ALL, **HTMX)
    assert "not connected" in one(response.content, "qbo-queue-notice").text


@pytest.fixture
def failing_customer(qbo: Qbo, realm: str, org: Organization, settings: Settings,
                     make_customer: Callable[..., Customer]) -> tuple[Customer, SyncJob]:
    """A customer whose pushes met only server errors: in backoff after one try."""
    settings.QBO_MAX_ATTEMPTS = 2
    connect_org(qbo.control, org, realm)
    qbo.control.set_faults(realm, error_rate=1.0)
    customer = make_customer(org, "Grace Hopper")
    drain()
    job = open_job(customer, ObjectType.CUSTOMER)
    assert job.next_attempt_at is not None
    assert (job.state, job.attempts) == (JobState.BACKOFF, 1) and job.next_attempt_at > timezone.now()
    return customer, job


def test_retry_of_a_failed_item_resets_attempts_and_runs_now(
        qbo: Qbo, realm: str, org: Organization, owner_client: Client, failing_customer: tuple[Customer, SyncJob],
        eager_doorbell: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    _, job = failing_customer
    make_due(job)
    drain()
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.ERROR, 2)
    qbo.control.clear_faults(realm)  # the person fixed the cause

    with django_capture_on_commit_callbacks(execute=False) as rung:
        response = owner_client.post(retry_url(job), **HTMX)
    assert one(response.content, "qbo-queue-notice").text == "Retrying Customer Grace Hopper now."
    job.refresh_from_db()
    assert job.next_attempt_at is not None
    assert (job.state, job.attempts) == (JobState.QUEUED, 0) and job.next_attempt_at <= timezone.now()
    for callback in rung:
        callback()  # the doorbell, after the commit
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert [c["DisplayName"] for c in qbo.control.objects(realm, "Customer")] == ["Grace Hopper"]


def test_retry_inside_the_backoff_window_runs_now(
        qbo: Qbo, realm: str, org: Organization, owner_client: Client, failing_customer: tuple[Customer, SyncJob],
        eager_doorbell: None, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    _, job = failing_customer
    qbo.control.clear_faults(realm)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(retry_url(job))  # no htmx: flash + redirect
    assert response.status_code == 302 and response["Location"] == PAGE
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.attempts == 0
    assert len(qbo.control.objects(realm, "Customer")) == 1


def test_retry_refuses_items_that_have_not_failed(org: Organization, owner_client: Client,
                                                 make_invoice: Callable[..., Invoice]) -> None:
    invoice = set_status(make_invoice(org), InvoiceStatus.SENT)
    job = add_job(db_connection(org), invoice, JobState.QUEUED, attempts=0)
    response = owner_client.post(retry_url(job), **HTMX)
    assert "only failed items can be retried" in one(response.content, "qbo-queue-notice").text
    job.refresh_from_db()
    assert job.state == JobState.QUEUED


def test_retry_and_sync_all_are_for_the_office_and_the_organization(
        org: Organization, other_org: Organization, client_for: Callable[[Organization, str], Client],
        make_invoice: Callable[..., Invoice]) -> None:
    mine = set_status(make_invoice(org), InvoiceStatus.SENT)
    theirs = set_status(make_invoice(other_org), InvoiceStatus.SENT)
    my_job = add_job(db_connection(org), mine, JobState.ERROR)
    their_job = add_job(db_connection(other_org, realm_id="9130-OTHER"), theirs, JobState.ERROR)
    technician = client_for(org, Role.TECHNICIAN)
    assert technician.post(retry_url(my_job)).status_code == 403
    assert technician.post(SYNC_ALL).status_code == 403
    dispatcher = client_for(org, Role.DISPATCHER)
    assert dispatcher.post(retry_url(their_job)).status_code == 404
    their_job.refresh_from_db()
    assert their_job.state == JobState.ERROR
    assert dispatcher.post(retry_url(my_job)).status_code == 302
    my_job.refresh_from_db()
    assert my_job.state == JobState.QUEUED
    assert dispatcher.get(retry_url(my_job)).status_code == 405
