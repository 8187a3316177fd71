"""Thin Celery tasks. The database holds all work; these messages are only doorbells. A doorbell runs
worker steps: claim the next due job fairly (and a batch of like creates when it pays), run it."""

from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings

from integrations.push.batch import batch_claim, batch_run
from integrations.push.claim import job_claim_next
from integrations.push.runner import job_run
from integrations.push.sweeper import push_due_count, push_prune

SLICE_SECONDS = 20.0


def run_next() -> int:
    """One worker step. How many jobs ran (0: nothing was due)."""
    job = job_claim_next()
    if job is None:
        return 0
    more = batch_claim(job)
    if more:
        batch_run([job, *more])
    else:
        job_run(job)
    return 1 + len(more)


@shared_task(name="integrations.push.tasks.push_doorbell", ignore_result=True)
def push_doorbell() -> int:
    """Run due jobs, fairly across companies, for one time slice. Duplicate doorbells are harmless."""
    ran, deadline = 0, time.monotonic() + SLICE_SECONDS
    while time.monotonic() < deadline:
        step = run_next()
        if step == 0:
            break
        ran += step
    return ran


@shared_task(name="integrations.push.tasks.push_sweep", ignore_result=True)
def push_sweep() -> int:
    """Every few seconds: ring doorbells for due work (retries whose time came, jobs whose worker died,
    jobs whose message a flushed broker lost)."""
    due = push_due_count()
    for _ in range(min(due, settings.QBO_PUSH_DOORBELLS)):
        push_doorbell.delay()
    push_prune()
    return due
