"""Retry after a definite refusal is a new request: QBO replays its stored answer to a repeated requestid
(the simulator does too, and counts it), so a person who fixed the cause in QuickBooks and presses Retry
must not get the old 6140 back. Only a retry after an outcome we could not see keeps the old requestid."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypedDict

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from accounts.models import Organization
from customers.models import Customer
from fsm.celery import app as celery_app
from integrations.models import JobState, ObjectType, QuickBooksConnection, SyncJob
from integrations.push.numbering import DOC_NUMBER_CLASH
from invoicing import lifecycle
from invoicing.models import Invoice
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain, make_due
from tests.integrations.push_ui_helpers import open_job

pytestmark = pytest.mark.django_db

PAGE = "/settings/integrations/quickbooks/"


class HtmxEnviron(TypedDict):
    HTTP_HX_REQUEST: str  # a WSGI environ entry: Client.post(**HTMX) sends it as the HX-Request header


HTMX: HtmxEnviron = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def realm(qbo: Qbo) -> str:
    return qbo.company("Fresh Request Books")


@pytest.fixture
def eager_doorbell() -> Iterator[None]:
    """push_doorbell.delay() runs the doorbell here and now, as a worker would."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def _replays(qbo: Qbo, realm: str) -> int:
    return int(qbo.control.stats(realm)["requests"].get("replays", 0))


def _their_invoice(qbo: Qbo, realm: str, doc_number: str) -> dict[str, Any]:
    """A bookkeeper's invoice in QuickBooks that already uses our next number."""
    customer = qbo.control.entities(realm, "Customer", {"DisplayName": "Walk-in (QuickBooks only)"})
    item = qbo.control.entities(realm, "Item", {"Name": "Counter sale", "Type": "Service", "UnitPrice": 10,
                                               "IncomeAccountRef": {"value": "1"}})
    return qbo.control.entities(realm, "Invoice", {
        "DocNumber": doc_number, "CustomerRef": {"value": customer["Id"]},
        "Line": [{"Amount": 10, "DetailType": "SalesItemLineDetail",
                  "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}, "Qty": 1, "UnitPrice": 10}}]})


def _refused_with_6140(qbo: Qbo, realm: str, org: Organization, make_invoice: Callable[..., Invoice]
                       ) -> tuple[Invoice, SyncJob, dict[str, Any]]:
    """QBO refuses our number with 6140: it was used there after our numbers were checked (the check
    before the first push, numbering.py, would have kept the invoice from being sent at all)."""
    QuickBooksConnection.objects.filter(organization=org).update(doc_numbers_checked_at=timezone.now())
    invoice = make_invoice(org)
    theirs = _their_invoice(qbo, realm, invoice.number)
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    job = open_job(invoice, ObjectType.INVOICE)
    # Met as 6140, then kept as a clash like the check's: the invoice waits for a person.
    assert (job.state, job.last_fault_code) == (JobState.ERROR, DOC_NUMBER_CLASH), job.last_error
    assert f"numbered {invoice.number} (Id {theirs['Id']}" in job.last_error
    assert qbo.control.stats(realm)["requests"]["by_status"].get("400", 0) == 1
    return invoice, job, theirs


def _renumber_theirs_in_qbo(qbo: Qbo, realm: str, theirs: dict[str, Any]) -> None:
    """The person fixes the cause in QuickBooks: the other invoice gets another number."""
    current = qbo.control.object(realm, "Invoice", theirs["Id"])
    qbo.control.entities(realm, "Invoice", {"Id": theirs["Id"], "SyncToken": current["SyncToken"], "sparse": True,
                                            "DocNumber": f"{theirs['DocNumber']}-QB"})


def _ours_in_qbo(qbo: Qbo, realm: str, invoice: Invoice) -> list[dict[str, Any]]:
    return [i for i in qbo.control.objects(realm, "Invoice") if i.get("DocNumber") == invoice.number]


def test_retry_after_fixing_a_duplicate_doc_number_in_qbo_creates_the_invoice(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization, owner_client: Client,
        make_invoice: Callable[..., Invoice], eager_doorbell: None,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    invoice, job, theirs = _refused_with_6140(qbo, realm, org, make_invoice)
    _renumber_theirs_in_qbo(qbo, realm, theirs)
    replays_before = _replays(qbo, realm)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"{PAGE}queue/{job.pk}/retry/", **HTMX)
    assert response.status_code == 200

    job.refresh_from_db()
    assert job.state == JobState.DONE, job.last_error
    assert _replays(qbo, realm) == replays_before  # a new request, not QBO's stored 6140 played back
    assert len(_ours_in_qbo(qbo, realm, invoice)) == 1


def test_sync_all_pending_after_an_error_sends_a_new_request(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization, owner_client: Client,
        make_invoice: Callable[..., Invoice], eager_doorbell: None,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    invoice, job, theirs = _refused_with_6140(qbo, realm, org, make_invoice)
    _renumber_theirs_in_qbo(qbo, realm, theirs)
    lifecycle.invoice_send(invoice=invoice)  # a later change queues the failed invoice again (its doorbell is lost)
    assert open_job(invoice, ObjectType.INVOICE).state == JobState.QUEUED
    replays_before = _replays(qbo, realm)

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(PAGE + "queue/sync-all-pending/", **HTMX)
    assert response.status_code == 200

    assert SyncJob.objects.get(pk=job.pk).state == JobState.DONE
    assert _replays(qbo, realm) == replays_before
    assert len(_ours_in_qbo(qbo, realm, invoice)) == 1


def test_a_retry_after_an_unknown_outcome_keeps_its_request_id(
        qbo: Qbo, realm: str, conn: QuickBooksConnection, org: Organization,
        make_customer: Callable[..., Customer]) -> None:
    """The other half of the rule: QBO made the customer but the answer never arrived (the connection
    dropped after the commit). The retry repeats the same requestid, so QBO would replay that create."""
    qbo.control.set_faults(realm, drop_next=1)
    customer = make_customer(org, "Annie Easley")
    job = open_job(customer, ObjectType.CUSTOMER)
    sent_with = job.request_id
    drain()
    job.refresh_from_db()
    assert (job.state, job.outcome_unknown, job.request_id) == (JobState.BACKOFF, True, sent_with)
    make_due(job)
    drain()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert [c["DisplayName"] for c in qbo.control.objects(realm, "Customer")] == ["Annie Easley"]


def test_a_refusal_replayed_for_a_send_cut_off_by_a_killed_worker_is_settled_by_one_fresh_request(
        qbo: Qbo, realm: str, org: Organization, make_customer: Callable[..., Customer]) -> None:
    """A worker killed between a create's headers and its body leaves QBO holding "invalid request" under
    that requestid. The job is claimed again with its outcome unknown and the same id (right after a lost
    answer), finds no record by name, sends, and gets the stored refusal back: it must not end in Error."""
    import requests

    conn = connect_org(qbo.control, org, realm)
    person = make_customer(org, "Cut Off Customer", email="cut@example.com")
    job = SyncJob.objects.get(connection=conn, object_type=ObjectType.CUSTOMER, local_id=person.pk)
    cut = requests.post(f"{qbo.url}/v3/company/{realm}/customer", params={"requestid": job.request_id,
                                                                           "minorversion": "75"},
                        headers={"Authorization": f"Bearer {conn.access_token}", "Accept": "application/json",
                                 "Content-Type": "application/json"}, data=b"", timeout=10)
    assert cut.status_code == 400  # what the killed worker's request left behind
    SyncJob.objects.filter(pk=job.pk).update(outcome_unknown=True)  # as a reclaim after a dead lease sets it

    states = [state for _, state in drain()]
    assert states[0] == JobState.QUEUED  # the replayed refusal: once more, with a fresh requestid
    job.refresh_from_db()
    assert job.state == JobState.DONE, (states, job.last_error)
    names = [c["DisplayName"] for c in qbo.control.objects(realm, "Customer")]
    assert names.count("Cut Off Customer") == 1
