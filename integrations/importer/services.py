"""Requesting the initial sync: one queued run per connection, handed to a worker after commit."""

from __future__ import annotations

import logging

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from integrations.importer.run import run_is_stale
from integrations.importer.tasks import import_run_task
from integrations.models import OPEN_IMPORT_STATES, ImportRun, ImportState, QuickBooksConnection
from integrations.services.audit import audit_record

log = logging.getLogger(__name__)


def _enqueue(run_id: int) -> None:
    try:
        import_run_task.delay(run_id)
    except Exception:  # the Owner can press "Run initial sync" again; the run row says it is queued
        log.warning("import task for run %s could not be queued", run_id, exc_info=True)


def import_request(*, connection: QuickBooksConnection, actor: User | None = None,
                   enqueue: bool = True) -> ImportRun:
    """A queued run for `connection` (or the one already queued or running). With `enqueue`, a worker
    is asked to run it once the caller's transaction commits."""
    with transaction.atomic():
        QuickBooksConnection.objects.select_for_update().filter(pk=connection.pk).first()  # one request at a time
        current = ImportRun.objects.filter(connection=connection, state__in=OPEN_IMPORT_STATES).first()
        if current is not None and not run_is_stale(current):
            return current
        if current is not None:
            current.state, current.finished_at = ImportState.FAILED, timezone.now()
            current.status_reason = "Interrupted (its worker stopped); a new run picked up where it left off."
            current.save(update_fields=["state", "finished_at", "status_reason"])
        run = ImportRun.objects.create(organization=connection.organization, connection=connection,
                                       requested_by=actor if actor is not None and actor.is_authenticated else None)
        audit_record(connection=connection, action="import_requested", actor=actor,
                     detail=f"Initial sync run {run.pk} queued")
        if enqueue:
            transaction.on_commit(lambda: _enqueue(run.pk))
    return run
