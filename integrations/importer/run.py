"""The initial sync job: execute a requested run (in a Celery worker or `manage.py qbo_import`).

Order: customers (so projects find their parent), items, projects, then local customers QBO lacks.
Every page commits its records, mappings and progress together, and every step first checks what
already exists, so a rerun after a crash or a kill finishes the work without doing any of it twice.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from integrations.importer.common import Ctx
from integrations.importer.customers import import_customers, load_state
from integrations.importer.items import import_items
from integrations.importer.progress import Reporter
from integrations.importer.projects import import_projects
from integrations.importer.push import push_customers
from integrations.models import ImportRun, ImportState, QuickBooksConnection
from integrations.qbo.errors import QboAuthError, QboError, QboReauthorizationRequired
from integrations.qbo.tokens import client_for
from integrations.selectors import preferences_for
from integrations.services.audit import audit_record

log = logging.getLogger(__name__)
# A running run whose heartbeat is older than this is dead (a page or a throttle wait takes far less).
LEASE = timedelta(seconds=150)


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


def run_is_stale(run: ImportRun, *, now: object | None = None) -> bool:
    if run.state != ImportState.RUNNING:
        return False
    now = now or timezone.now()
    beat = run.heartbeat_at or run.started_at or run.created_at
    return beat < now - LEASE or (bool(run.owner) and _owner_dead(run.owner))  # type: ignore[operator]


def _claim(run_id: int) -> ImportRun | None:
    now = timezone.now()
    fields = {"state": ImportState.RUNNING, "owner": _me(), "heartbeat_at": now, "started_at": now,
              "status_reason": ""}
    if ImportRun.objects.filter(pk=run_id, state=ImportState.QUEUED).update(**fields):
        return ImportRun.objects.select_related("connection__organization").get(pk=run_id)
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is not None and run_is_stale(run):
        taken = ImportRun.objects.filter(pk=run_id, state=ImportState.RUNNING, owner=run.owner,
                                         heartbeat_at=run.heartbeat_at).update(**fields)
        if taken:
            return ImportRun.objects.select_related("connection__organization").get(pk=run_id)
    return None


def _phases(ctx: Ctx) -> None:
    prefs = preferences_for(organization=ctx.organization)
    state = load_state(ctx)
    if prefs.sync_customers:
        import_customers(ctx, state)
    if prefs.sync_products:
        import_items(ctx)
    if prefs.sync_projects:
        import_projects(ctx, state)
    if prefs.sync_customers:
        push_customers(ctx, state)


def _end(reporter: Reporter, state: str, reason: str = "") -> None:
    reporter.flush(state=state, status_reason=reason[:500], finished_at=timezone.now())
    reporter.run.state = state


def import_execute(run_id: int, *, on_change: Callable[[Reporter], None] | None = None) -> ImportRun | None:
    """Run a queued (or abandoned) run to the end. None when another live process already runs it."""
    run = _claim(run_id)
    if run is None:
        return None
    reporter = Reporter(run=run, on_change=on_change)
    connection = run.connection
    try:
        client = client_for(connection)
        _phases(Ctx(connection=connection, client=client, reporter=reporter))
    except (QboReauthorizationRequired, QboAuthError) as exc:
        _end(reporter, ImportState.PAUSED, f"Paused: QuickBooks authorization expired ({exc.message}). "
                                           "Reconnect QuickBooks to finish the initial sync.")
    except QboError as exc:
        _end(reporter, ImportState.FAILED, f"QuickBooks kept failing: {exc.message}. Run it again to finish.")
    except Exception as exc:
        log.exception("import run %s crashed", run_id)
        _end(reporter, ImportState.FAILED, f"Internal error ({type(exc).__name__}); run it again to finish.")
    else:
        _end(reporter, ImportState.DONE)
        QuickBooksConnection.objects.filter(pk=connection.pk).update(last_sync_at=timezone.now())
    audit_record(connection=connection, action="import_finished",
                 detail=f"Initial sync run {run.pk}: {reporter.run.state}; " +
                        ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in reporter.summary().items() if v))
    return ImportRun.objects.get(pk=run.pk)
