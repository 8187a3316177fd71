"""Benchmark of the initial sync: QBO with 20,000 customers, 5,000 items and 500 projects; an FSM
organization with 5,000 customers, half of them matching QBO ones. Prints wall time, QBO requests by
kind against the page-count minimum, database queries, peak memory, and the wall-time floor that
QBO's batch limit sets.

    .venv/bin/python bench/initial_import.py [--database-url URL] [--batch-per-minute N]

Not a test: it starts the simulator, builds a fresh database (an SQLite file under bench/out/ unless
--database-url is given; a PostgreSQL database is dropped and re-created), measures, and stops.
The simulator throttles like QBO's limits page: 500 requests/min and 10 in flight per company, and
40 batch requests/min per company and app (the 2025 figure of 120/min is per company, across all its
apps, on top of that). The 2,500 creates in 84 batch requests alone need two minutes at 40/min; QBO meters
reads and requests, not writes, so the import sends single creates while the batch window is full, and
the floor is about a minute (`floor_seconds_with_singles`); reads stay at the page minimum.
`--batch-per-minute 120` with `QBO_BATCH_PER_MINUTE=110` shows what a 120/min budget would give.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the app's modules import once Django is set up
    from accounts.models import Organization
    from integrations.models import ImportRun, QuickBooksConnection
    from qbo_sim.testing import SimControl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "initial_import"
sys.path.insert(0, str(ROOT))
QBO_CUSTOMERS, QBO_ITEMS, QBO_PROJECTS, LOCAL_CUSTOMERS = 20_000, 5_000, 500, 5_000


def _environment(database_url: str | None) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if database_url is None:
        db_file = OUT / "bench.sqlite3"
        db_file.unlink(missing_ok=True)
        database_url = f"sqlite:///{db_file}"
    elif database_url.startswith("postgres"):
        import psycopg2

        base, name = database_url.rsplit("/", 1)
        admin = psycopg2.connect(base + "/postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cur.execute(f'CREATE DATABASE "{name}"')
        admin.close()
    os.environ.update({"DATABASE_URL": database_url, "FSM_VAR_DIR": str(OUT), "QBO_ENVIRONMENT": "simulator",
                       "FSM_LOG_LEVEL": "warning", "DJANGO_SETTINGS_MODULE": "fsm.settings",
                       "DJANGO_DEBUG": "1"})  # a development run: embedded secrets, the simulator


def _seed_local(control: SimControl, realm: str) -> Organization:
    from accounts.models import Plan
    from accounts.services import organization_create
    from customers.models import Customer

    org = organization_create(name="Bench Heating", plan=Plan.PRO, slug="bench-heating")
    qbo_rows = [c for c in control.objects(realm, "Customer") if c["_sim"]["active"] and not c.get("Job")]
    half = LOCAL_CUSTOMERS // 2
    rows = [Customer(organization=org, display_name=c["DisplayName"],
                     email=(c.get("PrimaryEmailAddr") or {}).get("Address", "")) for c in qbo_rows[:half]]
    rows += [Customer(organization=org, display_name=f"Bench Local {n}", email=f"local{n}@bench.example")
             for n in range(LOCAL_CUSTOMERS - half)]
    Customer.objects.bulk_create(rows, batch_size=1000)
    return org


def _connect(control: SimControl, org: Organization, realm: str) -> QuickBooksConnection:
    from datetime import timedelta

    from django.utils import timezone

    from integrations.models import ConnectionStatus, QuickBooksConnection

    tokens = control.connect(realm)
    now = timezone.now()
    return QuickBooksConnection.objects.create(
        organization=org, realm_id=realm, environment="simulator", company_name="Bench Books",
        status=ConnectionStatus.CONNECTED, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
        access_token_expires_at=now + timedelta(hours=1), refresh_token_expires_at=now + timedelta(days=100),
        connected_at=now)


def _requests(control: SimControl, realm: str) -> dict[str, int]:
    by_endpoint = control.stats(realm)["requests"]["by_endpoint"]
    return {k: sum(v.values()) for k, v in by_endpoint.items()}


def _minimum(run: ImportRun) -> int:
    """Requests no implementation can avoid: a COUNT and ceil(rows/1000) pages per swept type, and
    ceil(creates/30) batch requests."""
    reads = sum(1 + math.ceil(run.progress[k]["total"] / 1000) for k in ("customers", "items", "projects"))
    return reads + math.ceil(run.summary["created_in_qbo"] / 30)


def _floors(batches: int, sim_batch_per_minute: int, ours_per_window: int) -> dict[str, float]:
    """Seconds that `batches` batch requests need at the least, requests taking no time: under QBO's
    sliding minute (a full minute's worth at once, then one more minute per further limit's worth), and
    under our limiter's window (QBO_BATCH_PER_MINUTE in any BATCH_WINDOW_SECONDS)."""
    from integrations.qbo.limiter import BATCH_WINDOW_SECONDS

    qbo = 60.0 * ((batches - 1) // sim_batch_per_minute) if batches else 0.0
    ours = BATCH_WINDOW_SECONDS * ((batches - 1) // ours_per_window) if batches else 0.0
    return {"qbo_batch_limit_per_minute": sim_batch_per_minute, "floor_seconds_batches_only": round(qbo, 1),
            "our_batches_per_window": ours_per_window, "floor_seconds_our_limiter": round(ours, 1)}


def _floor_with_singles(creates: int, batch_per_minute: int, requests_per_minute: int = 500) -> float:
    """Seconds `creates` need at the least when single creates fill the request budget beside the batch
    window (QBO meters batches per minute and all requests per minute, not writes): each minute takes a
    window's batches of 30 plus the rest of the 500 requests as singles; the last minute's batches go at once."""
    left, seconds = creates, 0.0
    while left > batch_per_minute * 30:
        left -= batch_per_minute * 30 + (requests_per_minute - batch_per_minute)
        seconds += 60.0
    return seconds


def _record_timeline() -> list[tuple[str, float, float, float, bool]]:
    """Wrap the client's limiter slot: (kind, asked at, slot given at, answer at, refused) per request."""
    from contextlib import contextmanager

    from integrations.qbo import client, limiter

    events: list[tuple[str, float, float, float, bool]] = []
    real = limiter.request_slot

    @contextmanager
    def slot(realm_id: str, *, kind: str = "request", batch_patience: float = limiter.MAX_WAIT_SECONDS) -> Any:
        asked = time.perf_counter()
        try:
            with real(realm_id, kind=kind, batch_patience=batch_patience):
                given = time.perf_counter()
                yield
        except limiter.BatchWindowFull:
            events.append((kind, asked, time.perf_counter(), time.perf_counter(), True))
            raise
        events.append((kind, asked, given, time.perf_counter(), False))

    setattr(client, "request_slot", slot)  # noqa: B010 - bench only: the client looks it up per request
    return events


def _print_timeline(events: list[tuple[str, float, float, float, bool]], started: float) -> None:
    """Per 5 s of the run: requests by kind, seconds spent waiting for our limiter, refused batch slots."""
    print("timeline (s from start: batch / single / refused-batch, limiter wait s, busy in requests s)")
    end = max(e[3] for e in events)
    for lo in range(0, int(end - started) + 5, 5):
        rows = [e for e in events if lo <= e[1] - started < lo + 5]
        print(f"  {lo:>3}-{lo + 5:<3} batch {sum(1 for e in rows if e[0] == 'batch' and not e[4]):>3}"
              f"  single {sum(1 for e in rows if e[0] != 'batch'):>3}  refused {sum(1 for e in rows if e[4]):>2}"
              f"  wait {sum(e[2] - e[1] for e in rows):5.1f}  busy {sum(e[3] - e[2] for e in rows):5.1f}")
    first_create = min((e[1] for e in events if e[0] == "batch"), default=end)
    print(f"  first batch at {first_create - started:.1f} s; last answer at {end - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--batch-per-minute", type=int, default=None,
                        help="the simulator's batch limit per app (default: its own, 40 like QBO)")
    parser.add_argument("--profile", action="store_true", help="cProfile the run (top 25 by cumulative time)")
    parser.add_argument("--timeline", action="store_true",
                        help="print when each kind of request went and how long our limiter held it")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also report Python's own peak allocation (slows the run several times over)")
    args = parser.parse_args()
    _environment(args.database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from integrations.importer.run import import_execute
    from integrations.importer.services import import_request
    from qbo_sim.testing import SimulatorProcess

    call_command("migrate", verbosity=0)
    with SimulatorProcess() as sim:
        settings.QBO_SIM_URL = sim.url
        control = sim.control
        if args.batch_per_minute is not None:
            control.config(throttle_batch_per_minute=args.batch_per_minute)
        t0 = time.perf_counter()
        realm = control.create_company("Bench Books", seed={"customers": QBO_CUSTOMERS, "items": QBO_ITEMS,
                                                             "projects": QBO_PROJECTS, "seed": 3})
        org = _seed_local(control, realm)
        conn = _connect(control, org, realm)
        print(f"seeded in {time.perf_counter() - t0:.1f} s ({connection.vendor})")
        before = _requests(control, realm)

        queries = [0]

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            queries[0] += 1
            return execute(sql, params, many, context)

        run = import_request(connection=conn, enqueue=False)
        events = _record_timeline() if args.timeline else None
        if args.tracemalloc:
            tracemalloc.start()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        with connection.execute_wrapper(count):
            if args.profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                done = profiler.runcall(import_execute, run.pk)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            else:
                done = import_execute(run.pk)
        wall = time.perf_counter() - started
        if events is not None:
            _print_timeline(events, started)
        peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else 0
        tracemalloc.stop()
        after = _requests(control, realm)
        stats = control.stats(realm)
        sim_batch_limit = int(control.config()["throttle_batch_per_minute"])

    assert done is not None
    spent = {k: after[k] - before.get(k, 0) for k in after if after[k] - before.get(k, 0)}
    total = sum(spent.values())
    pages = sum(math.ceil(done.progress[k]["total"] / 1000) for k in ("customers", "items", "projects"))
    figures = {
        "state": done.state, "wall_seconds": round(wall, 2), "qbo_requests": spent, "qbo_requests_total": total,
        "qbo_requests_minimum": _minimum(done), "db_queries": queries[0], "pages_read": pages,
        # Peak resident memory of this process (Django, the seeding and the run; the simulator is another
        # process), and what it was before the run started.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_run_mb": round(rss_before / 1024, 1),
        **({"peak_python_alloc_mb": round(peak / 2**20, 1)} if args.tracemalloc else {}),
        "throttled_429": stats.get("throttled_429", 0), "duplicates": stats["duplicate_counts"],
        "batch_floor": _floors(spent.get("POST batch", 0), sim_batch_limit, settings.QBO_BATCH_PER_MINUTE),
        "floor_seconds_with_singles": _floor_with_singles(done.summary["created_in_qbo"], sim_batch_limit),
        "ratio_to_floor_with_singles": round(wall / max(_floor_with_singles(done.summary["created_in_qbo"],
                                                                            sim_batch_limit), 1.0), 2),
        "progress": done.progress, "summary": done.summary, "database": connection.vendor,
    }
    (OUT / "result.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
