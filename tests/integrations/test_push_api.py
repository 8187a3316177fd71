"""The push-queue API: the queue (list, state filter, summary), Retry, Sync All Pending, the sync log and
the per-invoice sync, with the pages' role rules and organization scoping."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from integrations.models import ConnectionStatus, JobState, ObjectType, SyncAttempt, SyncJob
from invoicing.models import Invoice, InvoiceStatus
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain
from tests.integrations.push_ui_helpers import add_job, add_ref, db_connection, open_job, set_status

pytestmark = pytest.mark.django_db

API = "/api/v1/integrations/quickbooks/"
QUEUE = API + "queue/"
SYNC_ALL = QUEUE + "sync-all-pending/"
LOG = API + "sync-log/"


def retry(job: SyncJob) -> str:
    return f"{QUEUE}{job.pk}/retry/"


def invoice_sync(invoice: Invoice) -> str:
    return f"/api/v1/invoices/{invoice.pk}/sync/"


@pytest.fixture
def sent(org: Organization, make_invoice: Callable[..., Invoice]) -> list[Invoice]:
    """Five sent invoices, made before the organization connects (so nothing queued itself)."""
    return [set_status(make_invoice(org), InvoiceStatus.SENT) for _ in range(5)]


@pytest.fixture
def owner(org: Organization, api_client_for: Callable[..., APIClient]) -> APIClient:
    return api_client_for(org, Role.OWNER)


def test_queue_lists_open_jobs_and_filters_by_state(org: Organization, owner: APIClient, sent: list[Invoice]) -> None:
    conn = db_connection(org)
    states = [JobState.QUEUED, JobState.BACKOFF, JobState.ERROR, JobState.PAUSED, JobState.DONE]
    jobs = {state: add_job(conn, inv, state, last_error=f"{state} reason") for inv, state in zip(sent, states)}
    body = owner.get(QUEUE).json()
    assert body["count"] == 4 and {r["state"] for r in body["results"]} == set(states) - {JobState.DONE}
    error = owner.get(QUEUE, {"state": "error"}).json()["results"]
    assert [(r["id"], r["object_label"], r["object_url"], r["last_error"], r["state_label"]) for r in error] == [
        (jobs[JobState.ERROR].pk, f"Invoice {sent[2].number}", f"/invoices/{sent[2].pk}/", "error reason", "Error")]
    assert owner.get(QUEUE, {"state": "all"}).json()["count"] == 5
    assert owner.get(QUEUE, {"state": "done"}).json()["results"][0]["id"] == jobs[JobState.DONE].pk
    bad = owner.get(QUEUE, {"state": "stuck"})
    assert bad.status_code == 400 and "stuck" in bad.json()["state"][0]


def test_queue_summary_is_the_banner(org: Organization, owner: APIClient, sent: list[Invoice]) -> None:
    assert owner.get(QUEUE + "summary/").json()["state"] == "not_connected"
    conn = db_connection(org)
    soon = timezone.now() + timedelta(minutes=3)
    add_job(conn, sent[0], JobState.BACKOFF, next_attempt_at=soon)
    add_job(conn, sent[1], JobState.BACKOFF, next_attempt_at=soon + timedelta(minutes=5))
    summary = owner.get(QUEUE + "summary/").json()
    assert (summary["state"], summary["pending_retry"], summary["errors"]) == ("pending", 2, 0)
    assert abs(datetime.fromisoformat(summary["next_retry_at"]) - soon) < timedelta(milliseconds=1)


def test_retry_resets_attempts_and_queues_now(
        org: Organization, owner: APIClient, sent: list[Invoice],
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    job = add_job(db_connection(org), sent[0], JobState.BACKOFF, attempts=4,
                  next_attempt_at=timezone.now() + timedelta(minutes=20))
    with django_capture_on_commit_callbacks() as rung:
        response = owner.post(retry(job))
    assert response.status_code == 200 and rung  # the doorbell rings once the change commits
    body = response.json()
    assert (body["state"], body["attempts"]) == ("queued", 0)
    job.refresh_from_db()
    assert job.next_attempt_at is not None
    assert job.next_attempt_at <= timezone.now()
    not_failed = owner.post(retry(job))
    assert not_failed.status_code == 400 and "only failed items" in not_failed.json()["detail"]


def test_retry_rules(org: Organization, other_org: Organization,
                     api_client_for: Callable[[Organization, str], APIClient], sent: list[Invoice],
                     make_invoice: Callable[..., Invoice]) -> None:
    theirs = set_status(make_invoice(other_org), InvoiceStatus.SENT)
    conn = db_connection(org, status=ConnectionStatus.AUTH_EXPIRED)
    job = add_job(conn, sent[0], JobState.ERROR)
    their_job = add_job(db_connection(other_org, realm_id="9130-OTHER"), theirs, JobState.ERROR)
    dispatcher = api_client_for(org, Role.DISPATCHER)
    assert api_client_for(org, Role.TECHNICIAN).post(retry(job)).status_code == 403
    assert dispatcher.post(retry(their_job)).status_code == 404
    not_connected = dispatcher.post(retry(job))
    assert not_connected.status_code == 409 and "not connected" in not_connected.json()["detail"]
    assert APIClient().post(retry(job)).status_code == 401
    assert SyncJob.objects.get(pk=job.pk).state == SyncJob.objects.get(pk=their_job.pk).state == JobState.ERROR


def test_sync_all_pending_leaves_backoff_windows_alone(
        org: Organization, owner: APIClient, sent: list[Invoice],
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks) -> None:
    conn = db_connection(org)
    later = timezone.now() + timedelta(minutes=15)
    add_job(conn, sent[0], JobState.QUEUED)
    add_job(conn, sent[1], JobState.BACKOFF, attempts=2, next_attempt_at=timezone.now() - timedelta(seconds=1))
    waiting = add_job(conn, sent[2], JobState.BACKOFF, attempts=3, next_attempt_at=later)
    with django_capture_on_commit_callbacks() as rung:
        response = owner.post(SYNC_ALL)
    body = response.json()
    assert response.status_code == 200 and body["queued"] == 2 and rung
    assert "keep their schedule (1 waiting" in body["detail"] and body["queue"]["pending_retry"] == 2
    waiting.refresh_from_db()
    assert (waiting.state, waiting.attempts, waiting.next_attempt_at) == (JobState.BACKOFF, 3, later)


def test_sync_all_pending_rules(org: Organization, api_client_for: Callable[[Organization, str], APIClient]) -> None:
    assert api_client_for(org, Role.TECHNICIAN).post(SYNC_ALL).status_code == 403
    response = api_client_for(org, Role.ADMIN).post(SYNC_ALL)
    assert response.status_code == 409 and "not connected" in response.json()["detail"]


def test_sync_log_lists_filters_and_scopes(org: Organization, other_org: Organization, owner: APIClient,
                                           sent: list[Invoice]) -> None:
    conn = db_connection(org)
    now = timezone.now()
    for n, (outcome, object_type) in enumerate([("create", ObjectType.INVOICE), ("error", ObjectType.CUSTOMER),
                                                ("backoff", ObjectType.INVOICE)]):
        SyncAttempt.objects.create(connection=conn, object_type=object_type, local_id=sent[n].pk, operation="upsert",
                                   outcome=outcome, http_status=200 if outcome == "create" else 503,
                                   intuit_tid=f"tid-{n}", qbo_id="77" if outcome == "create" else "",
                                   started_at=now - timedelta(minutes=n), duration_ms=10 + n)
    SyncAttempt.objects.create(connection=db_connection(other_org, realm_id="9130-OTHER"), object_type="invoice",
                               local_id=1, operation="upsert", outcome="error", started_at=now)
    body = owner.get(LOG).json()
    assert body["count"] == 3
    first = body["results"][0]
    assert (first["outcome"], first["object_label"], first["intuit_tid"], first["http_status"], first["qbo_id"]) == (
        "create", f"Invoice {sent[0].number}", "tid-0", 200, "77")
    assert first["qbo_url"].endswith(f"/app/invoice?txnId=77&realmId={conn.realm_id}")  # QBO's page path
    assert [r["outcome"] for r in owner.get(LOG, {"outcome": "failed"}).json()["results"]] == ["error", "backoff"]
    assert [r["outcome"] for r in owner.get(LOG, {"object_type": "invoice", "outcome": "backoff"}).json()[
        "results"]] == ["backoff"]
    bad = owner.get(LOG, {"date_from": "yesterday", "outcome": "melted"})
    assert bad.status_code == 400 and set(bad.json()) == {"date_from", "outcome"}


def test_invoice_sync(org: Organization, owner: APIClient, sent: list[Invoice]) -> None:
    conn = db_connection(org)
    add_ref(conn, sent[1], "501")
    response = owner.post(invoice_sync(sent[0]))
    assert response.status_code == 202
    body = response.json()
    assert body["job"]["state"] == "queued" and body["job"]["object_label"] == f"Invoice {sent[0].number}"
    assert (body["action"]["label"], body["action"]["enabled"]) == ("Sync queued", False)
    assert open_job(sent[0]).requested_by_person
    resync = owner.post(invoice_sync(sent[1])).json()
    assert resync["action"]["qbo_id"] == "501" and resync["job"]["operation"] == "upsert"
    again = owner.post(invoice_sync(sent[0]))  # already queued: refused, nothing changes
    assert again.status_code == 400 and "Waiting for a worker" in again.json()["detail"]


def test_invoice_sync_rules(org: Organization, other_org: Organization,
                            api_client_for: Callable[[Organization, str], APIClient],
                            make_invoice: Callable[..., Invoice], sent: list[Invoice]) -> None:
    theirs = set_status(make_invoice(other_org), InvoiceStatus.SENT)
    draft = make_invoice(org)
    db_connection(org)
    assert api_client_for(org, Role.TECHNICIAN).post(invoice_sync(sent[0])).status_code == 403
    dispatcher = api_client_for(org, Role.DISPATCHER)
    assert dispatcher.post(invoice_sync(theirs)).status_code == 404
    refused = dispatcher.post(invoice_sync(draft))
    assert refused.status_code == 400 and refused.json()["detail"] == "Draft invoices do not sync to QuickBooks."
    assert not SyncJob.objects.exists()


def test_invoice_sync_end_to_end(qbo: Qbo, org: Organization, owner: APIClient, sent: list[Invoice]) -> None:
    realm = qbo.company("API Books")
    connect_org(qbo.control, org, realm)
    assert owner.post(invoice_sync(sent[0])).status_code == 202
    drain()
    [pushed] = qbo.control.objects(realm, "Invoice")
    log = owner.get(LOG, {"object_type": "invoice"}).json()["results"]
    assert [(r["outcome"], r["qbo_id"]) for r in log] == [("create", pushed["Id"])]
    assert owner.get(QUEUE).json()["count"] == 0
