"""Helpers for push-queue tests: a connected organization without the browser, and draining the queue
the way the worker does (claim fairly, run) — minus Celery, which only rings doorbells."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accounts.models import Organization
from integrations.models import ConnectionStatus, QuickBooksConnection, SyncJob
from integrations.push.claim import job_claim_next
from integrations.push.runner import job_run
from qbo_sim.testing import SimControl


def connect_org(control: SimControl, organization: Organization, realm_id: str) -> QuickBooksConnection:
    tokens = control.connect(realm_id)
    now = timezone.now()
    return QuickBooksConnection.objects.create(
        organization=organization, realm_id=realm_id, environment="simulator", company_name="Sim Co",
        status=ConnectionStatus.CONNECTED, access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"], access_token_expires_at=now + timedelta(hours=1),
        refresh_token_expires_at=now + timedelta(days=100), connected_at=now,
    )


def drain_batched(max_steps: int = 200) -> int:
    """Run due work exactly as a worker's doorbell does, batching included; returns jobs run."""
    from integrations.push.tasks import run_next

    total = 0
    for _ in range(max_steps):
        step = run_next()
        if step == 0:
            break
        total += step
    return total


def drain(max_jobs: int = 200) -> list[tuple[int, str]]:
    """Run every due job once; returns (job id, new state) in order."""
    ran: list[tuple[int, str]] = []
    for _ in range(max_jobs):
        job = job_claim_next()
        if job is None:
            break
        ran.append((job.pk, job_run(job)))
    return ran


def make_due(job: SyncJob) -> None:
    """Skip a job's backoff wait (tests do not sleep)."""
    SyncJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
