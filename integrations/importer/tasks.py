"""The Celery doorbell of the initial sync. The ImportRun row holds all state; this only runs it."""

from __future__ import annotations

from celery import shared_task

from integrations.importer.run import import_execute


@shared_task(name="integrations.importer.tasks.import_run_task", ignore_result=True)
def import_run_task(run_id: int) -> str:
    run = import_execute(run_id)
    return run.state if run is not None else "not-claimed"
