"""Claiming due jobs: fair across connections, safe across workers.

PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so workers never wait on each other's rows.
SQLite: a conditional UPDATE that must touch exactly one row does the same job.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from integrations.models import ConnectionStatus, JobState, QuickBooksConnection, SyncJob
from integrations.models.jobs import CLAIMABLE_STATES


def job_due_filter() -> Q:
    """A job a worker may take now, whatever its connection's state."""
    now = timezone.now()
    waiting = Q(state__in=[JobState.QUEUED, JobState.BACKOFF]) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(state=JobState.RUNNING, lease_until__lt=now)  # its worker died mid-push
    return waiting | abandoned


def due_filter() -> Q:
    return job_due_filter() & Q(connection__status=ConnectionStatus.CONNECTED)


# Fair by work, not by turns: a company's turn is its last_served_at, and a claim of n jobs (a batch) moves
# it n - 1 shares past now. A backlog taking thirty jobs a step then waits behind a small company taking one,
# whose next job (its customer, then its invoice) comes at the next free worker instead of one round of
# every company later (measured: a small company's invoice 7-16 s behind ten backlogs of 2,000 each).
JOB_SHARE = timedelta(seconds=0.2)


def served_bump(connection_id: int, jobs: int) -> None:
    """Count a batch's further jobs against the company's turn (the first was counted by job_take)."""
    if jobs > 0:
        QuickBooksConnection.objects.filter(pk=connection_id).update(
            last_served_at=timezone.now() + JOB_SHARE * jobs)


def lease_deadline() -> datetime:
    return timezone.now() + timedelta(seconds=settings.QBO_JOB_LEASE_SECONDS)


def _with_open_jobs() -> RawSQL:
    """Ids of the connections with a queued, retrying or running job, found by a skip scan of the
    `syncjob_claimable` index (one probe per such connection, a recursive query both databases run): the
    cost follows the number of companies with work, not the size of their backlogs. A DISTINCT over the
    due rows read every row: 9 ms at 10,000 queued jobs, and growing with them, on every claim."""
    table, states = SyncJob._meta.db_table, ", ".join(["%s"] * len(CLAIMABLE_STATES))
    sql = (f"WITH RECURSIVE c(id) AS (SELECT MIN(connection_id) FROM {table} WHERE state IN ({states}) "
           f"UNION ALL SELECT (SELECT MIN(connection_id) FROM {table} WHERE state IN ({states}) "
           "AND connection_id > c.id) FROM c WHERE c.id IS NOT NULL) SELECT id FROM c WHERE id IS NOT NULL")
    return RawSQL(sql, [*CLAIMABLE_STATES, *CLAIMABLE_STATES])  # the states are constants, passed as parameters


def _next_connection_id() -> int | None:
    """The connection with due work that was served longest ago (round robin: no backlog starves others),
    preferring one no worker is pushing for right now: with many workers (threads) on few companies, two
    pushes of one company at once mostly make the second wait for the first's customer or item.
    Each candidate costs index probes (`syncjob_claimable` for due work, `syncjob_running` for busy),
    never a read of its backlog."""
    due = SyncJob.objects.filter(job_due_filter(), connection_id=OuterRef("pk"))
    busy = SyncJob.objects.filter(connection_id=OuterRef("pk"), state=JobState.RUNNING,
                                  lease_until__gte=timezone.now())
    conn = (QuickBooksConnection.objects.filter(pk__in=_with_open_jobs(), status=ConnectionStatus.CONNECTED)
            .filter(Exists(due))
            .order_by(Exists(busy).asc(), F("last_served_at").asc(nulls_first=True), "id").only("id").first())
    return conn.pk if conn else None


def _due_jobs() -> QuerySet[SyncJob]:
    # The connection and its organization come with the job: the runner needs both, and job_take then
    # has nothing to re-read.
    return SyncJob.objects.filter(due_filter()).select_related("connection", "connection__organization")


def job_take(job: SyncJob) -> SyncJob | None:
    """Take `job` (as read, with its connection) if no one changed it since. Returns it as now stored."""
    fields: dict[str, object] = {"state": JobState.RUNNING, "lease_until": lease_deadline(), "updated_at": timezone.now()}
    if job.state == JobState.RUNNING:
        fields["outcome_unknown"] = True  # its worker died mid-push and may have reached QBO: look first
    updated = SyncJob.objects.filter(pk=job.pk, state=job.state, updated_at=job.updated_at).update(**fields)
    if updated != 1:
        return None
    served = timezone.now()
    QuickBooksConnection.objects.filter(pk=job.connection_id).update(last_served_at=served)
    # No re-read: the conditional UPDATE matched the row as read (whoever changes what the runner reads of
    # a job, its operation, requestid, attempts or outcome, also sets updated_at), so the row is now what
    # was read plus `fields`.
    for name, value in fields.items():
        setattr(job, name, value)
    if SyncJob.connection.is_cached(job):
        job.connection.last_served_at = served
    return job


def job_claim_next() -> SyncJob | None:
    """Claim one due job, fairly chosen. None when there is nothing to do."""
    for _ in range(5):  # lost races retry a few times
        conn_id = _next_connection_id()
        if conn_id is None:
            return None
        with transaction.atomic():
            qs = _due_jobs().filter(connection_id=conn_id).order_by("next_attempt_at", "id")
            if db.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            job = qs.first()
            if job is None:
                continue
            taken = job_take(job)
            if taken is not None:
                return taken
    return None


def job_claim(job_id: int) -> SyncJob | None:
    """Claim a specific job if it is due (used by tests and the per-item Retry)."""
    with transaction.atomic():
        job = _due_jobs().filter(pk=job_id).first()
        return job_take(job) if job else None
