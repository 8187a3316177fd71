from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from integrations.models import JobState, SyncAttempt, SyncJob
from integrations.push.claim import due_filter

RETENTION = timedelta(days=30)
# Rows deleted per table per sweep (every 15 s): far above what a day's aging adds at 10M log rows a month
# (~60 a sweep), and small enough that one sweep's cost stays the same at any table size.
PRUNE_CHUNK = 5000


def push_due_count() -> int:
    return SyncJob.objects.filter(due_filter()).count()


def _delete_oldest(qs: QuerySet, order: str) -> int:
    ids = list(qs.order_by(order).values_list("id", flat=True)[:PRUNE_CHUNK])
    if not ids:
        return 0
    return qs.model.objects.filter(pk__in=ids).delete()[0]


def push_prune() -> int:
    """The sync log keeps 30 days; the oldest rows go first, a bounded chunk at a time (index on the age)."""
    cutoff = timezone.now() - RETENTION
    return (_delete_oldest(SyncAttempt.objects.filter(started_at__lt=cutoff), "started_at")
            + _delete_oldest(SyncJob.objects.filter(state=JobState.DONE, finished_at__lt=cutoff), "finished_at"))
