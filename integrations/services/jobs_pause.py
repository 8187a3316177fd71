from __future__ import annotations

from django.utils import timezone

from integrations.models import JobState, QuickBooksConnection, SyncJob

_PAUSABLE = (JobState.QUEUED, JobState.RUNNING, JobState.BACKOFF)


def jobs_pause_for_connection(*, connection: QuickBooksConnection, reason: str) -> int:
    """Stop all of a connection's push work at once; no attempts are spent, nothing is failed."""
    return SyncJob.objects.filter(connection=connection, state__in=_PAUSABLE).update(
        state=JobState.PAUSED, last_error=reason, lease_until=None, updated_at=timezone.now()
    )


def jobs_resume_for_connection(*, connection: QuickBooksConnection) -> int:
    return SyncJob.objects.filter(connection=connection, state=JobState.PAUSED).update(
        state=JobState.QUEUED, next_attempt_at=timezone.now(), last_error="", updated_at=timezone.now()
    )
