"""The initial sync job: run a requested run, one slice at a time (a Celery worker) or to the end in the
foreground (`manage.py qbo_import`, tests).

Order: customers (so projects find their parent), items, projects, then local customers QBO lacks.
Every page commits its records, mappings, progress and the run's cursor together, and every step first
checks what already exists, so a rerun after a crash or a kill finishes the work without doing any of it
twice, and a slice that stops (its time is up, QBO throttles, QBO fails for a while) loses nothing.
A failing QBO never puts a worker to sleep: the shared policy (`integrations.qbo.retry.retry_after`) says
when to try again, the run is queued until then, and a worker comes back to it.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from integrations.importer.common import Ctx
from integrations.importer.progress import Reporter
from integrations.importer.steps import advance
from integrations.models import OPEN_IMPORT_STATES, ImportRun, ImportState, QuickBooksConnection
from integrations.qbo.errors import QboAuthError, QboError, QboThrottled
from integrations.qbo.retry import Retry, Verdict, retry_after
from integrations.qbo.tokens import client_for
from integrations.services.audit import audit_record

log = logging.getLogger(__name__)
# A running run whose heartbeat is older than this is dead (a page or a chunk of creates takes far less).
LEASE = timedelta(seconds=150)
# A queued run due this long ago with no worker on it: its message may be lost, the sweeper rings again.
# Longer than a slice usually waits in the queue behind other companies' slices.
RING_GRACE = timedelta(seconds=60)
# A delayed message may arrive a little before its time (clocks of broker and worker).
EARLY = timedelta(seconds=1)


def _me() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_dead(owner: str) -> bool:
    """On this host we can tell at once whether the process that held the run is gone (SIGKILL)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def run_is_stale(run: ImportRun, *, now: datetime | None = None) -> bool:
    if run.state != ImportState.RUNNING:
        return False
    now = now or timezone.now()
    beat = run.heartbeat_at or run.started_at or run.created_at
    return beat < now - LEASE or (bool(run.owner) and _owner_dead(run.owner))


def _claim(run_id: int, ticket: int | None) -> ImportRun | None:
    """The run, now ours: queued and due (with this ticket, when the message has one), or abandoned."""
    now = timezone.now()
    fields = {"state": ImportState.RUNNING, "owner": _me(), "heartbeat_at": now, "status_reason": "",
              "next_attempt_at": None,
              "started_at": Coalesce(F("started_at"), Value(now, output_field=DateTimeField()))}
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + EARLY)
    queued = ImportRun.objects.filter(due, pk=run_id, state=ImportState.QUEUED)
    if ticket is not None:
        queued = queued.filter(ticket=ticket)  # an older message (re-sent by the sweeper) does nothing
    if queued.update(**fields):
        return ImportRun.objects.select_related("connection__organization").get(pk=run_id)
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is not None and run_is_stale(run) and ticket in (None, run.ticket):
        taken = ImportRun.objects.filter(pk=run_id, state=ImportState.RUNNING, owner=run.owner,
                                         heartbeat_at=run.heartbeat_at).update(**fields)
        if taken:
            return ImportRun.objects.select_related("connection__organization").get(pk=run_id)
    return None


def _release(run: ImportRun, *, at: datetime, attempts: int, reason: str = "") -> None:
    """Back in the queue until `at`, with a new ticket for the message that asks for the next slice."""
    ImportRun.objects.filter(pk=run.pk, state=ImportState.RUNNING, owner=_me()).update(
        state=ImportState.QUEUED, owner="", next_attempt_at=at, attempts=attempts, status_reason=reason[:500],
        heartbeat_at=timezone.now(), ticket=F("ticket") + 1)


def _end(reporter: Reporter, state: str, reason: str = "") -> None:
    reporter.flush(state=state, status_reason=reason[:500], finished_at=timezone.now(), next_attempt_at=None)
    reporter.run.state = state


def _waiting_line(exc: QboError, doing: str, retry: Retry) -> str:
    seconds = max(0.0, ((retry.at or timezone.now()) - timezone.now()).total_seconds())
    if isinstance(exc, QboThrottled):
        return f"QuickBooks asked us to slow down while {doing}; continuing in {seconds:.0f} s."
    return f"QuickBooks did not answer while {doing} ({exc.message}); trying again in {seconds:.0f} s."


def _failed(reporter: Reporter, run: ImportRun, exc: QboError) -> str | None:
    """A QBO failure: pause, wait (queued until the policy's time; None: no end yet) or give up."""
    # Failures in a row: a slice that committed a step before failing starts the count again.
    attempts = 0 if reporter.steps else run.attempts
    retry = retry_after(exc, attempts + 1)
    if isinstance(exc, QboAuthError) or retry.verdict == Verdict.PAUSE:
        _end(reporter, ImportState.PAUSED, f"Paused: QuickBooks authorization expired ({exc.message}). "
                                           "Reconnect QuickBooks to finish the initial sync.")
        return ImportState.PAUSED
    if retry.verdict == Verdict.WAIT:
        assert retry.at is not None  # WAIT always says until when
        _release(run, at=retry.at, attempts=attempts + int(retry.spends_attempt),
                 reason=_waiting_line(exc, reporter.doing or "talking to QuickBooks", retry))
        return None
    _end(reporter, ImportState.FAILED, f"QuickBooks kept failing: {exc.message}. Run it again to finish.")
    return ImportState.FAILED


def import_slice(run_id: int, *, seconds: float | None, ticket: int | None = None,
                 on_change: Callable[[Reporter], None] | None = None) -> ImportRun | None:
    """Claim the run and work on it for about `seconds` (None: to the end). Returns the run as it is now:
    done, failed or paused, or queued again (for the next slice, or until a QBO wait is over). None when
    the run is not ours to run (another process has it, it is not due, or the message is stale)."""
    run = _claim(run_id, ticket)
    if run is None:
        return None
    reporter = Reporter.resume(run, on_change=on_change)
    connection = run.connection
    ended: str | None
    try:
        client = client_for(connection)
        finished = advance(Ctx(connection=connection, client=client, reporter=reporter),
                           deadline=None if seconds is None else time.monotonic() + seconds)
    except QboError as exc:  # reauthorization, 429, 5xx, refusals: the shared policy decides
        ended = _failed(reporter, run, exc)
    except Exception as exc:
        log.exception("import run %s crashed", run_id)
        _end(reporter, ImportState.FAILED, f"Internal error ({type(exc).__name__}); run it again to finish.")
        ended = ImportState.FAILED
    else:
        if finished:
            _end(reporter, ImportState.DONE)
            QuickBooksConnection.objects.filter(pk=connection.pk).update(last_sync_at=timezone.now())
            ended = ImportState.DONE
        else:
            _release(run, at=timezone.now(), attempts=0)  # behind the slices other runs queued meanwhile
            ended = None
    if ended is not None:
        audit_record(connection=connection, action="import_finished",
                     detail=f"Initial sync run {run.pk}: {ended}; " +
                            ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in reporter.summary().items() if v))
    return ImportRun.objects.get(pk=run.pk)


def import_execute(run_id: int, *, on_change: Callable[[Reporter], None] | None = None) -> ImportRun | None:
    """Run a queued (or abandoned) run to the end in this process. None when another live process already
    runs it. This is the foreground (a command, a test), not a worker: it may sleep through QBO's waits."""
    run = import_slice(run_id, seconds=None, on_change=on_change)
    if run is None:
        return None
    while run.state == ImportState.QUEUED:
        if run.next_attempt_at is not None:
            time.sleep(max(0.0, (run.next_attempt_at - timezone.now()).total_seconds()))
        again = import_slice(run_id, seconds=None, on_change=on_change)
        if again is None:
            return _follow(run_id)  # a worker took it over while we waited (the sweeper rang it)
        run = again
    return run


def _follow(run_id: int) -> ImportRun:
    run = ImportRun.objects.get(pk=run_id)
    while run.state in OPEN_IMPORT_STATES:
        time.sleep(1.0)
        run = ImportRun.objects.get(pk=run_id)
    return run


def runs_to_ring(*, now: datetime | None = None) -> list[tuple[int, int]]:
    """(run id, ticket) of the runs a worker should look at: queued and due for a while (their message
    may be lost) and running ones whose worker died. The ticket stays: a copy of a message still queued
    is harmless, the first of the two to run a slice makes the other stale."""
    now = now or timezone.now()
    due = Q(next_attempt_at__lte=now - RING_GRACE) | Q(next_attempt_at__isnull=True, created_at__lte=now - RING_GRACE)
    queued = list(ImportRun.objects.filter(due, state=ImportState.QUEUED).values_list("pk", "ticket"))
    running = [(run.pk, run.ticket) for run in ImportRun.objects.filter(state=ImportState.RUNNING)
               if run_is_stale(run, now=now)]
    return queued + running
