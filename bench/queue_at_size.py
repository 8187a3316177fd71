"""The push queue at size: claim, banner and sweeper on an empty outbox and on 1M finished jobs + 10M log rows.

Not a test. Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/fsm_bench_j; the
database is dropped and made again). 200 connected companies with the same open work (queued, retrying,
running, errors) in both rounds; the second round adds finished `SyncJob` rows and sync-log rows in bulk
(generate_series), 40% of them on the company whose banner is measured (the worst case: a big company).

For each operation it prints the plan (EXPLAIN ANALYZE, BUFFERS) of every query the real code sends, the
shared buffers touched (a cost that load on the machine does not change) and the median wall time of the
whole call. The target: the same plan and within 2x of the empty-table time.

    .venv/bin/python bench/queue_at_size.py [--jobs 1000000] [--log 10000000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import timedelta

from _push_harness import django_ready, environment

COMPANIES = 200
OPEN_PER_COMPANY = 5


def setup_companies() -> int:
    """200 connected companies, each with open work; returns the organization whose banner is measured."""
    from django.utils import timezone

    from accounts.models import Organization
    from integrations.models import JobState, QuickBooksConnection, SyncAttempt, SyncJob

    now = timezone.now()
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Scale {i}", slug=f"scale-{i}") for i in range(COMPANIES)])
    conns = QuickBooksConnection.objects.bulk_create(
        [QuickBooksConnection(organization=o, realm_id=f"9{i:08d}", environment="simulator", status="connected",
                              access_token="x", refresh_token="x", connected_at=now,
                              last_served_at=now - timedelta(seconds=i)) for i, o in enumerate(orgs)])
    jobs = []
    states = [(JobState.QUEUED, None, None), (JobState.QUEUED, None, None),
              (JobState.BACKOFF, now + timedelta(minutes=5), None), (JobState.ERROR, None, None),
              (JobState.RUNNING, None, now + timedelta(minutes=5))]
    for conn in conns:
        for n, (state, next_at, lease) in enumerate(states[:OPEN_PER_COMPANY]):
            jobs.append(SyncJob(connection=conn, object_type="invoice", local_id=n + 1, state=state,
                                next_attempt_at=next_at, lease_until=lease, last_error="boom" if state == "error" else ""))
    jobs = SyncJob.objects.bulk_create(jobs)
    SyncAttempt.objects.bulk_create(
        [SyncAttempt(connection_id=j.connection_id, job=j, object_type="invoice", local_id=j.local_id,
                     operation="upsert", outcome="error", intuit_tid="tid-1", started_at=now) for j in jobs
         if j.state == JobState.ERROR])
    return orgs[0].pk


def fill(jobs: int, log: int, banner_conn: int) -> None:
    """Finished jobs and log rows in bulk, spread over the last 29 days (none old enough to prune)."""
    from django.db import connection as db

    with db.cursor() as cur:
        cur.execute("SELECT min(id), max(id) FROM integrations_quickbooksconnection")
        lo, hi = cur.fetchone()
        span = hi - lo + 1
        # 40% of the rows on the banner's company, the rest spread over all.
        conn_expr = f"CASE WHEN g % 5 < 2 THEN {banner_conn} ELSE {lo} + (g % {span}) END"
        t0 = time.monotonic()
        cur.execute(f"""
            INSERT INTO integrations_syncjob (connection_id, object_type, local_id, operation, state, attempts,
                request_id, outcome_unknown, dirty, requested_by_person, last_error, last_error_hint,
                last_fault_code, created_at, updated_at, finished_at)
            SELECT {conn_expr}, 'invoice', 1000000 + g, 'upsert', 'done', 1, '', false, false, false, '', '', '',
                   now() - (g % 2505600) * interval '1 second', now() - (g % 2505600) * interval '1 second',
                   now() - (g % 2505600) * interval '1 second'
            FROM generate_series(1, {jobs}) g""")
        print(f"  inserted {jobs:,} finished jobs in {time.monotonic() - t0:.0f}s", flush=True)
        cur.execute("SELECT min(id) FROM integrations_syncjob WHERE state = 'done'")
        first_done = cur.fetchone()[0]
        t0 = time.monotonic()
        step = 2_000_000
        for start in range(1, log + 1, step):
            stop = min(start + step - 1, log)
            cur.execute(f"""
                INSERT INTO integrations_syncattempt (connection_id, job_id, object_type, local_id, operation,
                    outcome, http_status, fault_code, intuit_tid, message, qbo_id, started_at, duration_ms)
                SELECT {conn_expr}, {first_done} + (g % {jobs}), 'invoice', 1000000 + g % {jobs}, 'upsert',
                       'create', 200, '', 'tid-' || g, '', g::text, now() - (g % 2505600) * interval '1 second', 120
                FROM generate_series({start}, {stop}) g""")
            print(f"  inserted log rows up to {stop:,} ({time.monotonic() - t0:.0f}s)", flush=True)
    db.close()
    with db.cursor() as cur:  # VACUUM cannot run in a transaction block; autocommit is Django's default
        t0 = time.monotonic()
        cur.execute("VACUUM ANALYZE integrations_syncjob")
        cur.execute("VACUUM ANALYZE integrations_syncattempt")
        cur.execute("VACUUM ANALYZE integrations_quickbooksconnection")
        print(f"  vacuum analyze {time.monotonic() - t0:.0f}s", flush=True)


def _shape(plan: dict) -> list[str]:
    """Node types and the indexes they use: what 'the same plan' means here."""
    node = plan["Node Type"] + (f" using {plan['Index Name']}" if "Index Name" in plan else "")
    if "Relation Name" in plan and "Index Name" not in plan:
        node += f" on {plan['Relation Name']}"
    out = [node]
    for child in plan.get("Plans", []):
        out += ["  " + line for line in _shape(child)]
    return out


def _explain(sql: str) -> dict:
    from django.db import connection as db

    with db.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        raw = cur.fetchone()[0]
    top = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    plan = top["Plan"]
    return {"shape": _shape(plan), "ms": top["Execution Time"],
            "buffers": plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)}


def measure(name: str, call: Callable[[], object], runs: int = 30) -> dict:
    """The call's queries (captured, then EXPLAINed inside a rolled-back transaction) and its median time."""
    from django.db import connection as db
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic(), CaptureQueriesContext(db) as ctx:
        call()
        transaction.set_rollback(True)
    queries = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    plans = []
    for sql in queries:
        with transaction.atomic():
            plans.append({"sql": sql, **_explain(sql)})
            transaction.set_rollback(True)
    times = []
    for _ in range(runs):
        with transaction.atomic():
            t0 = time.perf_counter()
            call()
            times.append((time.perf_counter() - t0) * 1000)
            transaction.set_rollback(True)
    return {"name": name, "plans": plans, "median_ms": statistics.median(times),
            "buffers": sum(p["buffers"] for p in plans), "db_ms": sum(p["ms"] for p in plans)}


def operations(org_id: int) -> list[tuple[str, Callable[[], object]]]:
    from accounts.models import Organization
    from integrations.push.claim import job_claim_next
    from integrations.push.selectors import queue_banner
    from integrations.push.sweeper import push_due_count, push_prune

    org = Organization.objects.get(pk=org_id)
    return [("claim (job_claim_next)", job_claim_next),
            ("banner (queue_banner)", lambda: queue_banner(organization=org)),
            ("sweeper: due count", push_due_count),
            ("sweeper: prune", push_prune)]


def report(label: str, results: list[dict]) -> None:
    print(f"\n=== {label} ===")
    for r in results:
        print(f"\n-- {r['name']}: median {r['median_ms']:.2f} ms wall, {r['db_ms']:.2f} ms in PostgreSQL,"
              f" {r['buffers']} buffers")
        for p in r["plans"]:
            print(f"   {p['sql'][:160]}{'…' if len(p['sql']) > 160 else ''}")
            print(f"     {p['ms']:.3f} ms, {p['buffers']} buffers")
            for line in p["shape"]:
                print(f"       {line}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--log", type=int, default=10_000_000)
    args = parser.parse_args()
    env = environment("j", {}, redis_db=12)
    if not env["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("queue_at_size needs PostgreSQL (BENCH_DATABASE_URL)")
    django_ready()
    org_id = setup_companies()
    from django.db import connection as db

    with db.cursor() as cur:
        cur.execute("ANALYZE")
    empty = [measure(n, c) for n, c in operations(org_id)]
    report(f"empty: {COMPANIES} companies, {COMPANIES * OPEN_PER_COMPANY} open jobs, no finished jobs or log", empty)
    print(f"\nfilling: {args.jobs:,} finished jobs, {args.log:,} sync-log rows", flush=True)
    from integrations.models import QuickBooksConnection

    fill(args.jobs, args.log, QuickBooksConnection.objects.get(organization_id=org_id).pk)
    full = [measure(n, c) for n, c in operations(org_id)]
    report(f"at size: {args.jobs:,} finished jobs, {args.log:,} log rows", full)
    summary(empty, full)


BIG_TABLES = ("integrations_syncjob", "integrations_syncattempt")


def summary(empty: list[dict], full: list[dict]) -> None:
    """Same plan: literally the same node tree, or else (PostgreSQL seq-scans a table of a few pages, so
    the empty table's plan differs by nature) one that reads the big tables through indexes only."""
    print("\n=== summary (target: same plan, within 2x of empty) ===")
    print("wall: median of the whole call (Python included; the machine is shared); db: PostgreSQL's"
          " execution time of its queries; buffers: pages touched (independent of load)")
    print(f"{'operation':<26}{'wall empty':>11}{'wall full':>10}{'db empty':>9}{'db full':>8}{'ratio':>7}"
          f"{'buf empty':>10}{'buf full':>9}  plan at size")
    for e, f in zip(empty, full, strict=True):
        same = [p["shape"] for p in e["plans"]] == [p["shape"] for p in f["plans"]]
        scans = [line.strip() for p in f["plans"] for line in p["shape"] if "Seq Scan on" in line
                 and line.strip().endswith(BIG_TABLES)]
        verdict = "same" if same else ("indexes only on the big tables" if not scans else f"SEQ SCAN {scans}")
        print(f"{e['name']:<26}{e['median_ms']:>11.2f}{f['median_ms']:>10.2f}{e['db_ms']:>9.2f}{f['db_ms']:>8.2f}"
              f"{f['db_ms'] / max(e['db_ms'], 0.001):>7.2f}{e['buffers']:>10}{f['buffers']:>9}  {verdict}")


if __name__ == "__main__":
    main()
