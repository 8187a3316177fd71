"""Shared set-up for the push-queue benchmarks: a simulator, a database, real Celery workers and beat.

Not a test: it starts processes, measures, prints figures and stops everything it started.
Database: PostgreSQL at BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/fsm_bench_<name>)
when reachable, else an SQLite file. Broker: Redis at BENCH_REDIS_URL (default redis://127.0.0.1:6379/<db>,
one db per benchmark) when reachable, else kombu's filesystem transport.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def _reachable_pg(url: str) -> bool:
    try:
        import psycopg2

        psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2).close()
        return True
    except Exception:  # noqa: BLE001 - any failure means "use SQLite"
        return False


def _reachable_redis(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except Exception:  # noqa: BLE001
        return False


def sim_args(*args: str) -> list[str]:
    """The simulator's arguments, on BENCH_SIM_PORT when set (a fixed port; else a free one)."""
    port = os.environ.get("BENCH_SIM_PORT")
    return [*args, *(["--port", port] if port else [])]


def environment(name: str, extra: dict[str, str], *, redis_db: int = 14) -> dict[str, str]:
    """The environment shared by this process and every child, chosen once."""
    var = OUT / name
    var.mkdir(parents=True, exist_ok=True)
    pg = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/fsm_bench_{name}")
    rd = os.environ.get("BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}")
    env = {
        "FSM_VAR_DIR": str(var),
        "DATABASE_URL": pg if _reachable_pg(pg) else f"sqlite:///{var / 'bench.sqlite3'}",
        "QBO_ENVIRONMENT": "simulator",
        "OAUTHLIB_INSECURE_TRANSPORT": "1",
        "DJANGO_SETTINGS_MODULE": "fsm.settings",
        "DJANGO_DEBUG": "1",  # a development run: embedded secrets, the simulator
        "FSM_LOG_LEVEL": "warning",
        **extra,
    }
    if _reachable_redis(rd):
        env["CELERY_BROKER_URL"] = rd
    os.environ.update(env)
    return env


def django_ready(fresh: bool = True) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if fresh and connection.vendor == "postgresql":
        _recreate_pg_database()
    elif fresh:
        Path(connection.settings_dict["NAME"]).unlink(missing_ok=True)
    call_command("migrate", verbosity=0)


def _recreate_pg_database() -> None:
    import psycopg2
    from django.db import connection

    connection.close()
    name = connection.settings_dict["NAME"]
    admin = psycopg2.connect(host=connection.settings_dict["HOST"], port=connection.settings_dict["PORT"],
                             user=connection.settings_dict["USER"], dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


class Worker:
    """A real `celery worker` process (its own process group, so SIGKILL takes its pool too)."""

    def __init__(self, name: str, env: dict[str, str], concurrency: int = 2) -> None:
        self.name, self.env, self.concurrency = name, env, concurrency
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = open(OUT / f"{self.name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "fsm", "worker", "-l", "warning", "-n", f"{self.name}@%h",
             "--concurrency", str(self.concurrency), "--without-gossip", "--without-mingle"],
            cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


W = TypeVar("W", bound=Worker)  # processes() hands back the workers as given (their subclass too)


@contextmanager
def processes(items: list[W]) -> Iterator[list[W]]:
    try:
        for item in items:
            item.start()
        yield items
    finally:
        for item in items:
            item.stop()


class Beat(Worker):
    def start(self) -> None:
        log = open(OUT / f"{self.name}.log", "ab")  # noqa: SIM115
        schedule = Path(self.env["FSM_VAR_DIR"]) / "celerybeat-schedule"
        schedule.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "fsm", "beat", "-l", "warning", "-s", str(schedule)],
            cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)


def open_jobs() -> int:
    from integrations.models import JobState, SyncJob

    return SyncJob.objects.exclude(state__in=[JobState.DONE, JobState.ERROR]).count()


def wait_until_drained(timeout: float, tick: float = 2.0, on_tick: Callable[[float], None] | None = None) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if callable(on_tick):
            on_tick(time.monotonic() - started)
        if open_jobs() == 0:
            return time.monotonic() - started
        time.sleep(tick)
    return time.monotonic() - started


def group_cpu_seconds(pgid: int) -> float:
    """utime + stime of every live process in the worker's process group (the pool's children too)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat (pgrp), after pid and comm
            total += int(fields[11]) + int(fields[12])
    return total / tick


def pid_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (the simulator: it runs on the same machine and competes for CPU)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def named_cpu_seconds(name: str) -> float:
    """utime + stime of every live process whose command is `name` (PostgreSQL's backends: shared with
    anything else using the server, so read it beside the load average)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as fh:
                head, rest = fh.read().rsplit(")", 1)
        except OSError:
            continue
        if head.split("(", 1)[1] == name:
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot (/proc/stat): the share not idle or waiting
    on I/O over an interval says whether the CPU, rather than waiting, limited the run."""
    with open("/proc/stat") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + values[4]
    return float(sum(values) - idle), float(sum(values))
