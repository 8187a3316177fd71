from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from integrations.models import JobState, SyncAttempt, SyncJob
from integrations.push.claim import due_filter

RETENTION = timedelta(days=30)


def push_due_count() -> int:
    return SyncJob.objects.filter(due_filter()).count()


def push_prune() -> None:
    """The sync log keeps 30 days."""
    cutoff = timezone.now() - RETENTION
    SyncAttempt.objects.filter(started_at__lt=cutoff).delete()
    SyncJob.objects.filter(state=JobState.DONE, finished_at__lt=cutoff).delete()
