"""Thin Celery tasks. The database holds all work; these messages are only doorbells."""

from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings

from integrations.push.sweeper import push_due_count, push_prune
from integrations.push.worker import run_next

SLICE_SECONDS = 20.0


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
