"""The Celery doorbells of the initial sync. The ImportRun row holds all state (progress, cursor, when it
is due); a message only says "run the next slice of run N", so losing one loses nothing (the sweeper
rings again) and a duplicate does nothing (its ticket is stale, or the run is not queued)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from integrations.importer.run import import_slice, runs_to_ring
from integrations.models import ImportRun, ImportState


def _ring(run: ImportRun) -> None:
    """The next slice, at the back of the queue (behind the slices other companies' runs queued), or at
    the time QBO's wait ends."""
    at = run.next_attempt_at
    if at is not None and at > timezone.now():
        import_run_task.apply_async(args=(run.pk, run.ticket), eta=at)
    else:
        import_run_task.apply_async(args=(run.pk, run.ticket))


@shared_task(name="integrations.importer.tasks.import_run_task", ignore_result=True)
def import_run_task(run_id: int, ticket: int | None = None) -> str:
    """One slice of about QBO_IMPORT_SLICE_SECONDS, then the rest re-queued: fifty companies' initial
    syncs take turns on the workers instead of the first few holding every slot to the end."""
    run = import_slice(run_id, seconds=settings.QBO_IMPORT_SLICE_SECONDS, ticket=ticket)
    if run is None:
        return "not-claimed"
    if run.state == ImportState.QUEUED:
        _ring(run)
    return run.state


@shared_task(name="integrations.importer.tasks.import_sweep", ignore_result=True)
def import_sweep() -> int:
    """Every few seconds: runs whose message was lost (queued and due for a while) or whose worker died."""
    rung = runs_to_ring()
    for run_id, ticket in rung:
        import_run_task.delay(run_id, ticket)
    return len(rung)
