"""The outbox row of one object: created, or coalesced into the open one (one open job per object).
Used by the enqueue (a domain change) and by the runner (a dependency pushed first)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import JobState, QuickBooksConnection, SyncJob


def upsert_open_job(connection: QuickBooksConnection, object_type: str, local_id: int, operation: str, *,
                     by_person: bool) -> SyncJob:
    now = timezone.now()
    with transaction.atomic():
        job = (SyncJob.objects.select_for_update()
               .filter(connection=connection, object_type=object_type, local_id=local_id)
               .exclude(state=JobState.DONE).first())
        if job is None:
            job = SyncJob(connection=connection, object_type=object_type, local_id=local_id, operation=operation,
                          state=JobState.QUEUED, next_attempt_at=now, requested_by_person=by_person)
            job.new_request_id()
            try:
                with transaction.atomic():
                    job.save()
                return job
            except IntegrityError:  # a concurrent writer created it first: coalesce into theirs
                job = SyncJob.objects.select_for_update().get(
                    connection=connection, object_type=object_type, local_id=local_id, state__in=OPEN_STATES)
        return _coalesce(job, operation, by_person=by_person, now=now)


OPEN_STATES = [JobState.QUEUED, JobState.RUNNING, JobState.BACKOFF, JobState.ERROR, JobState.PAUSED]


def _coalesce(job: SyncJob, operation: str, *, by_person: bool, now: datetime) -> SyncJob:
    # A void supersedes an update; an update never downgrades a pending void.
    if operation == "void" or job.operation != "void":
        job.operation = operation
    job.requested_by_person = job.requested_by_person or by_person
    if job.state == JobState.RUNNING:
        job.dirty = True  # the worker pushes again after it finishes, with the newest data
    elif job.state in (JobState.QUEUED, JobState.ERROR) or (job.state == JobState.BACKOFF and by_person):
        # A new edit of a failed item is a new chance; Backoff keeps its schedule unless a person asks.
        job.state, job.next_attempt_at = JobState.QUEUED, now
        if by_person:
            job.attempts = 0
    job.save()
    return job
