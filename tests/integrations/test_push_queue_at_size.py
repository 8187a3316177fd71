"""The push queue stays as cheap with a million finished jobs as with none: the indexes exist, pruning is
bounded per sweep and takes the oldest rows first, the banner counts open jobs only.

The timing figures live in bench/queue_at_size.py (PostgreSQL, 1M jobs / 10M log rows), never here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone
from pytest_django import Settings

from accounts.models import Organization
from integrations.models import JobState, SyncAttempt, SyncJob
from integrations.push import sweeper
from integrations.push.selectors import queue_banner
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org

pytestmark = pytest.mark.django_db


def _index_names(table: str) -> set[str]:
    with db.cursor() as cur:
        return set(db.introspection.get_constraints(cur, table))


def test_the_migrations_create_the_indexes_the_claim_the_banner_and_the_sweeper_use() -> None:
    assert {"syncjob_claimable", "syncjob_running", "syncjob_done_finished"} <= _index_names(SyncJob._meta.db_table)
    assert "syncattempt_started" in _index_names(SyncAttempt._meta.db_table)


def _attempts(conn_id: int, count: int, age: timedelta) -> None:
    started = timezone.now() - age
    SyncAttempt.objects.bulk_create(
        [SyncAttempt(connection_id=conn_id, object_type="invoice", local_id=n, operation="upsert",
                     outcome="create", started_at=started - timedelta(seconds=n)) for n in range(count)])


def test_pruning_takes_the_oldest_rows_a_bounded_chunk_per_sweep_and_keeps_thirty_days(
        qbo: Qbo, make_org: Callable[..., Organization], settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweeper, "PRUNE_CHUNK", 50)
    org = make_org("Old Logs")
    conn = connect_org(qbo.control, org, qbo.company("Old Logs Books"))
    _attempts(conn.pk, 120, timedelta(days=31))
    _attempts(conn.pk, 10, timedelta(days=29))
    old = SyncJob.objects.bulk_create(
        [SyncJob(connection=conn, object_type="invoice", local_id=n, state=JobState.DONE,
                 finished_at=timezone.now() - timedelta(days=31, seconds=n)) for n in range(70)])
    SyncJob.objects.create(connection=conn, object_type="customer", local_id=1, state=JobState.DONE,
                           finished_at=timezone.now() - timedelta(days=1))

    assert sweeper.push_prune() == 100  # 50 log rows + 50 jobs: one sweep's bound
    oldest_left = SyncAttempt.objects.order_by("started_at").first()
    assert oldest_left is not None and SyncAttempt.objects.count() == 80
    # The oldest went first: what is left of the old rows is the younger end.
    assert SyncAttempt.objects.filter(started_at__lt=oldest_left.started_at).count() == 0
    assert not SyncJob.objects.filter(pk=old[-1].pk).exists()  # old[-1] is the oldest job

    while sweeper.push_prune():
        pass
    assert SyncAttempt.objects.count() == 10  # the last 30 days stay
    assert list(SyncJob.objects.values_list("object_type", flat=True)) == ["customer"]


def test_the_banner_counts_open_jobs_and_ignores_finished_ones(
        qbo: Qbo, make_org: Callable[..., Organization]) -> None:
    org = make_org("Busy Books")
    conn = connect_org(qbo.control, org, qbo.company("Busy Books QBO"))
    SyncJob.objects.bulk_create(
        [SyncJob(connection=conn, object_type="invoice", local_id=n, state=JobState.DONE,
                 finished_at=timezone.now()) for n in range(30)])
    SyncJob.objects.create(connection=conn, object_type="invoice", local_id=999, state=JobState.QUEUED)
    banner = queue_banner(organization=org)
    assert (banner.state, banner.queued, banner.pending_retry, banner.paused) == ("queued", 1, 0, 0)
