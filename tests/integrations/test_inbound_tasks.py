"""The inbound side's Celery wiring: beat entries, one CDC sweep task per connected company, the events
sweep that finds rows whose doorbell was lost, pruning, and the nightly drift report."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import Organization, Plan
from fsm.celery import app as celery_app
from integrations.inbound import tasks
from integrations.models import (
    ConnectionStatus,
    DriftRun,
    EventState,
    InboundCursor,
    QuickBooksConnection,
    WebhookEvent,
)
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager() -> Iterator[None]:
    """Tasks sent while this runs execute at once, here (what a worker would do with them)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_beat_runs_the_inbound_tasks() -> None:
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["integrations.inbound.tasks.inbound_cdc_sweep"] == float(settings.QBO_CDC_SWEEP_SECONDS)
    assert schedule["integrations.inbound.tasks.inbound_events_sweep"] == float(settings.QBO_SWEEP_SECONDS)
    assert "integrations.inbound.tasks.drift_nightly" in schedule
    for name in ("inbound_doorbell", "inbound_cdc_sweep_one", "drift_run_one"):
        assert f"integrations.inbound.tasks.{name}" in celery_app.tasks


def test_cdc_sweep_runs_once_per_connected_paid_company(qbo: Qbo, eager: None,
                                                        make_org: Callable[..., Organization]) -> None:
    connected = connect_org(qbo.control, make_org("Connected"), qbo.company("A"))
    starter_org = make_org("Starter", plan=Plan.STARTER)
    starter = connect_org(qbo.control, starter_org, qbo.company("B"))
    gone = connect_org(qbo.control, make_org("Gone"), qbo.company("C"))
    QuickBooksConnection.objects.filter(pk=gone.pk).update(status=ConnectionStatus.DISCONNECTED)
    assert tasks.inbound_cdc_sweep() == 1
    assert InboundCursor.objects.get(connection=connected).last_success_at is not None
    assert not InboundCursor.objects.filter(connection__in=[starter, gone]).exists()


def test_events_sweep_processes_rows_whose_doorbell_was_lost_and_prunes_old_ones(
        qbo: Qbo, eager: None, org: Organization) -> None:
    conn = connect_org(qbo.control, org, qbo.company("Lost doorbell"))
    old = WebhookEvent.objects.create(dedupe_key="old", connection=conn, realm_id=conn.realm_id, format="cloudevents",
                                      entity="Item", entity_id="1", operation="Update", state=EventState.DONE)
    WebhookEvent.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=40))
    lost = WebhookEvent.objects.create(dedupe_key="lost", connection=conn, realm_id=conn.realm_id,
                                       format="cloudevents", entity="Item", entity_id="1", operation="Update")
    assert tasks.inbound_events_sweep() == 1
    lost.refresh_from_db()
    assert lost.state == EventState.DONE and lost.outcome  # re-read from QBO (an unlinked item) and settled
    assert not WebhookEvent.objects.filter(pk=old.pk).exists()


def test_nightly_drift_report_covers_every_connected_company(qbo: Qbo, org: Organization) -> None:
    conn = connect_org(qbo.control, org, qbo.company("Nightly"))
    assert tasks.drift_nightly() == 1
    run = DriftRun.objects.get(connection=conn)
    assert run.state == "done" and run.finished_at is not None


def test_changes_wait_while_the_initial_sync_runs(qbo: Qbo, org: Organization) -> None:
    from integrations.inbound.cdc import cdc_sweep
    from integrations.inbound.events import events_process
    from integrations.models import ImportRun, ImportState

    conn = connect_org(qbo.control, org, qbo.company("Importing"))
    run = ImportRun.objects.create(organization=org, connection=conn, state=ImportState.RUNNING,
                                   heartbeat_at=timezone.now())
    event = WebhookEvent.objects.create(dedupe_key="during-import", connection=conn, realm_id=conn.realm_id,
                                        format="cloudevents", entity="Item", entity_id="1", operation="Update")
    assert cdc_sweep(connection=conn).mode == "waiting for the initial sync"
    assert events_process(time_budget=1.0) == 0
    assert WebhookEvent.objects.get(pk=event.pk).state == EventState.PENDING
    assert not InboundCursor.objects.filter(connection=conn, cdc_since__isnull=False).exists()
    ImportRun.objects.filter(pk=run.pk).update(state=ImportState.DONE)
    assert cdc_sweep(connection=conn).mode == "cdc"
    assert events_process(time_budget=5.0) == 1
