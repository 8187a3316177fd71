"""Celery end to end: a real `celery -A fsm worker` (and beat) process against the test database.

The broker is the one the suite runs with: the embedded filesystem transport, in a temporary folder
so a developer's running `make run` worker cannot take the message, or Redis when CELERY_BROKER_URL
is set, on a queue of this test's own so concurrent runs cannot take each other's messages.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from fsm.celery import app
from invoicing.models import Invoice, InvoiceStatus
from invoicing.tasks import mark_overdue_invoices

S = InvoiceStatus
TASK = "invoicing.tasks.mark_overdue_invoices"
WAIT_SECONDS = 60
EMBEDDED = settings.CELERY_BROKER_URL == "filesystem://"


def _database_url() -> str:
    """The URL of the test database this process is using, for a process started from here."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def _child_env(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "FSM_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1"}
    env.update(extra)
    return env


def _embedded_options(var_dir: Path) -> dict[str, object]:
    """The filesystem broker's folders as settings lay them out, moved under `var_dir`."""
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    for key, value in options.items():
        if key.endswith("_folder") or key.startswith("data_folder"):
            folder = var_dir / Path(str(value)).relative_to(settings.VAR_DIR)
            folder.mkdir(parents=True, exist_ok=True)  # the worker may not have made it yet
            options[key] = str(folder)
    return options


@contextmanager
def _celery(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "celery", "-A", "fsm", *args], cwd=settings.BASE_DIR,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        # The worker forks pool children: stop the whole process group, politely first.
        for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=grace)
                break
            except ProcessLookupError:
                break
            except subprocess.TimeoutExpired:
                continue


def _wait_for_status(invoice: Invoice, status: str, procs: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        invoice.refresh_from_db()
        if invoice.status == status:
            return
        died = [proc for proc in procs if proc.poll() is not None]
        if died:
            break
        time.sleep(0.25)
    output = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for log in logs)
    pytest.fail(f"invoice stayed {invoice.status!r} (wanted {status!r}); process output:\n{output}")


@pytest.fixture
def due_and_not_due(invoice_in: Callable[..., Invoice]) -> tuple[Invoice, Invoice]:
    return invoice_in(S.SENT, due=date.today() - timedelta(days=3)), invoice_in(S.SENT)


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_overdue_sweep_sent_through_the_broker(
    tmp_path: Path, due_and_not_due: tuple[Invoice, Invoice]
) -> None:
    past_due, not_due = due_and_not_due
    queue = f"test-core-{uuid.uuid4().hex[:12]}"
    worker_args = ["worker", "-l", "info", "--concurrency", "1", "-Q", queue, "-n", f"{queue}@%h",
                   "--without-gossip", "--without-mingle"]
    log = tmp_path / "worker.log"
    with _celery(worker_args, _child_env(tmp_path), log) as worker:
        broker = (app.connection_for_write(transport_options=_embedded_options(tmp_path)) if EMBEDDED
                  else app.connection_for_write())
        with broker as conn:
            # .delay() plus the two routing options .delay() cannot take: this test's broker and queue.
            # celery-types omits apply_async's documented connection= option (kombu.Connection to reuse)
            mark_overdue_invoices.apply_async(connection=conn, queue=queue)  # type: ignore[call-arg]
        _wait_for_status(past_due, S.OVERDUE, [worker], [log])
    not_due.refresh_from_db()
    assert not_due.status == S.SENT
    assert f"Task {TASK}[" in log.read_text()


@pytest.mark.django_db(transaction=True)
def test_beat_schedules_the_sweep_and_a_worker_runs_it(
    tmp_path: Path, due_and_not_due: tuple[Invoice, Invoice]
) -> None:
    past_due, not_due = due_and_not_due
    # Always the embedded broker in a private folder: beat publishes to the default queue, which a
    # shared Redis would hand to whatever other worker listens there.
    env = {k: v for k, v in _child_env(tmp_path, FSM_OVERDUE_SWEEP_SECONDS="5").items() if k != "CELERY_BROKER_URL"}
    worker_log, beat_log = tmp_path / "worker.log", tmp_path / "beat.log"
    with (
        _celery(["worker", "-l", "info", "--concurrency", "1", "--without-gossip", "--without-mingle"], env,
                worker_log) as worker,
        _celery(["beat", "-l", "info"], env, beat_log) as beat,
    ):
        _wait_for_status(past_due, S.OVERDUE, [worker, beat], [worker_log, beat_log])
    not_due.refresh_from_db()
    assert not_due.status == S.SENT
    assert f"Sending due task invoices-mark-overdue ({TASK})" in beat_log.read_text()


def test_the_task_is_registered_and_on_the_beat_schedule() -> None:
    app.loader.import_default_modules()
    assert TASK in app.tasks
    assert app.conf.beat_schedule["invoices-mark-overdue"]["task"] == TASK
    assert app.conf.beat_schedule["invoices-mark-overdue"]["schedule"] == float(settings.OVERDUE_SWEEP_SECONDS)


def test_the_sweep_interval_comes_from_the_environment(tmp_path: Path) -> None:
    code = "import json; from fsm.celery import app; print(json.dumps(app.conf.beat_schedule['invoices-mark-overdue']))"
    env = {**os.environ, "FSM_VAR_DIR": str(tmp_path), "FSM_OVERDUE_SWEEP_SECONDS": "42"}
    result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"task": TASK, "schedule": 42.0}


def test_a_worker_knows_every_task_beat_schedules() -> None:
    """A fresh process loads tasks as a worker does (autodiscovery plus the apps' ready()); every task beat
    sends must be among them, or the worker drops it as unregistered (a task module that moved into a
    sub-package is not autodiscovered)."""
    probe = ("import django, json; django.setup(); from fsm.celery import app; "
             "app.loader.import_default_modules(); print(json.dumps(sorted(app.tasks)))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=settings.BASE_DIR, capture_output=True, text=True,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "fsm.settings_test"}, check=True, timeout=120)
    registered = set(json.loads(out.stdout.strip().splitlines()[-1]))
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled - registered == set()
