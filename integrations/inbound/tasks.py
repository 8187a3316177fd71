"""Thin Celery tasks of the inbound side. The database holds the work (stored events, cursors, drift runs);
these messages only say "look now", so losing one loses nothing."""

from __future__ import annotations

from celery import shared_task

from integrations.inbound.cdc import cdc_sweep
from integrations.inbound.drift import drift_execute, drift_run_due
from integrations.inbound.events import events_due_count, events_process, events_prune
from integrations.inbound.selectors import connections_syncing
from integrations.models import QuickBooksConnection


@shared_task(name="integrations.inbound.tasks.inbound_doorbell", ignore_result=True)
def inbound_doorbell() -> int:
    """Process stored webhook events for one time slice. Duplicate doorbells are harmless."""
    return events_process()


@shared_task(name="integrations.inbound.tasks.inbound_events_sweep", ignore_result=True)
def inbound_events_sweep() -> int:
    """Every few seconds: events whose doorbell was lost, whose retry came due or whose worker died."""
    due = events_due_count()
    if due:
        inbound_doorbell.delay()
    events_prune()
    return due


@shared_task(name="integrations.inbound.tasks.inbound_cdc_sweep", ignore_result=True)
def inbound_cdc_sweep() -> int:
    """Every QBO_CDC_SWEEP_SECONDS: one CDC sweep task per connected company."""
    ids = [conn.pk for conn in connections_syncing()]
    for connection_id in ids:
        inbound_cdc_sweep_one.delay(connection_id)
    return len(ids)


@shared_task(name="integrations.inbound.tasks.inbound_cdc_sweep_one", ignore_result=True)
def inbound_cdc_sweep_one(connection_id: int) -> str:
    connection = QuickBooksConnection.objects.select_related("organization").filter(pk=connection_id).first()
    if connection is None or not connection.is_connected:
        return "not connected"
    return cdc_sweep(connection=connection).mode


@shared_task(name="integrations.inbound.tasks.drift_nightly", ignore_result=True)
def drift_nightly() -> int:
    """The nightly drift report of every connected company."""
    return drift_run_due()


@shared_task(name="integrations.inbound.tasks.drift_run_one", ignore_result=True)
def drift_run_one(run_id: int) -> str:
    return drift_execute(run_id=run_id)
