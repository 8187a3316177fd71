"""The app's own cost when many companies are connected: 200 companies x 25 invoices for new customers.

QuickBooks' limits are per company, so with many companies the bottleneck is our workers and database.
The simulator adds 100 ms latency with its real throttles (500 requests/min, 10 in flight per company).
The invoices are finalized through the services first (each commit queues its push), then the worker
configuration the README recommends for production (one `celery worker --concurrency 2`, plus beat) drains
the backlog on PostgreSQL + Redis. Prints objects pushed per second, worker CPU ms per pushed object
(process CPU time of the worker and its pool / objects, start-up CPU subtracted), database queries per
pushed object (counted inside the worker processes by bench/_counting_worker.py), per-company time from
"all queued, workers started" to "all in QuickBooks" (p50/p95/max), and 429s.

Beside them: the machine's CPU busy over the drain (/proc/stat) and the simulator's and PostgreSQL's
share, to tell a CPU-bound run from one that waits.

Then fairness: small companies (one invoice each, `--small`, one every `--small-every` s), finalized while
ten big backlogs drain: seconds to QuickBooks, and the attempts' timeline of the slowest.

    .venv/bin/python bench/push_scale.py [--companies 200 --invoices 25] [--big 2000] [--skip-fairness]
        [--skip-spread] [--small 5] [--setup-procs 2] [--workers 2 --pool threads --concurrency 16]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime
from typing import TYPE_CHECKING

from _push_harness import (
    OUT,
    ROOT,
    Beat,
    Worker,
    django_ready,
    environment,
    group_cpu_seconds,
    machine_cpu,
    named_cpu_seconds,
    open_jobs,
    pid_cpu_seconds,
    processes,
)

if TYPE_CHECKING:  # the models import only once django_ready() has set Django up
    from accounts.models import Organization
    from qbo_sim.testing import SimControl, SimulatorProcess

COUNTER = "bench:push_scale:queries"


class CountingWorker(Worker):
    """The same `celery worker` command, through the query-counting entry point."""

    def __init__(self, name: str, env: dict[str, str], concurrency: int = 2, queues: str = "",
                 pool: str = "prefork") -> None:
        super().__init__(name, env, concurrency)
        self.queues, self.pool = queues, pool

    def start(self) -> None:
        log = open(OUT / f"{self.name}.log", "ab")  # noqa: SIM115
        cmd = [sys.executable, str(ROOT / "bench" / "_counting_worker.py"), "-A", "fsm", "worker", "-l", "warning",
               "-n", f"{self.name}@%h", "--concurrency", str(self.concurrency), "--without-gossip", "--without-mingle"]
        if self.queues:
            cmd += ["-Q", self.queues]
        if self.pool != "prefork":
            cmd += ["--pool", self.pool]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **self.env, "PYTHONPATH": str(ROOT)},
                                     stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def cpu(self) -> float:
        return group_cpu_seconds(self.proc.pid) if self.proc else 0.0


def make_workers(name: str, env: dict[str, str], args: argparse.Namespace, queues: str = "") -> list[CountingWorker]:
    return [CountingWorker(f"{name}{i}", env, args.concurrency, queues=queues, pool=args.pool)
            for i in range(args.workers)]


def startup_cpu(env: dict[str, str], args: argparse.Namespace) -> float:
    """CPU workers spend starting (imports, pool) with nothing to do: subtracted from the figures."""
    idle = make_workers("scale-idle", env, args, queues="bench-nothing")
    with processes(idle):
        time.sleep(12)
        return sum(w.cpu() for w in idle)


def _redis():
    import redis

    return redis.Redis.from_url(os.environ["BENCH_REDIS_URL"])


def fresh_state() -> None:
    django_ready()
    _redis().flushdb()  # only this bench's own db


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def companies(control: SimControl, count: int, invoices: int, prefix: str, *, start: int = 0
              ) -> list[tuple[str, Organization, list[str]]]:
    from _push_workload import connected_org, make_invoices

    out: list[tuple[str, Organization, list[str]]] = []
    for i in range(start, start + count):
        realm = control.create_company(f"{prefix} {i}")
        control.set_faults(realm, latency_ms=100)
        org = connected_org(control, realm)
        out.append((realm, org, make_invoices(org, customers=invoices, invoices=invoices, seed=i)))
    return out


def _made_in_child(args: tuple[str, int, int, str, int]) -> list[tuple[str, int, list[str]]]:
    from django.db import connections

    from qbo_sim.testing import SimControl

    url, count, invoices, prefix, start = args
    connections.close_all()  # the parent's connection is not this process's to use
    made = companies(SimControl(url), count, invoices, prefix, start=start)
    return [(realm, org.pk, numbers) for realm, org, numbers in made]


def companies_parallel(sim: SimulatorProcess, count: int, invoices: int, prefix: str, procs: int
                       ) -> list[tuple[str, Organization, list[str]]]:
    """The same set-up in `procs` forked processes (ten companies of 2,000 invoices take 15 minutes in one)."""
    import multiprocessing

    from django.db import connections

    from accounts.models import Organization

    if procs <= 1:
        return companies(sim.control, count, invoices, prefix)
    connections.close_all()
    # Each child makes a contiguous range of companies, so the names stay unique.
    sizes = [len(range(i, count, procs)) for i in range(procs)]
    starts = [sum(sizes[:i]) for i in range(procs)]
    parts = [(sim.url, sizes[i], invoices, prefix, starts[i]) for i in range(procs) if sizes[i]]
    with multiprocessing.get_context("fork").Pool(len(parts)) as pool:
        made = [row for rows in pool.map(_made_in_child, parts) for row in rows]
    orgs = Organization.objects.in_bulk([pk for _, pk, _ in made])
    return [(realm, orgs[pk], numbers) for realm, pk, numbers in made]


def in_qbo_times(org_ids: list[int]) -> dict[int, list[datetime]]:
    """When each invoice's mapping row was written (the create came back from QuickBooks), per organization."""
    from integrations.models import ExternalRef
    from invoicing.models import Invoice

    owner = dict(Invoice.objects.filter(organization_id__in=org_ids).values_list("id", "organization_id"))
    out: dict[int, list[datetime]] = {o: [] for o in org_ids}
    for local_id, created in ExternalRef.objects.filter(object_type="invoice").values_list("local_id", "created_at"):
        if local_id in owner:
            out[owner[local_id]].append(created)
    return out


def spread(sim: SimulatorProcess, env: dict[str, str], args: argparse.Namespace, idle_cpu: float) -> None:
    from integrations.models import ExternalRef

    control = sim.control
    t_setup = time.monotonic()
    made = companies_parallel(sim, args.companies, args.invoices, "Scale", args.setup_procs)
    print(f"set-up: {args.companies} companies, {args.companies * args.invoices} finalized invoices, "
          f"{open_jobs()} open jobs ({time.monotonic() - t_setup:.0f}s)", flush=True)
    _redis().delete(COUNTER)
    from django.utils import timezone

    workers = make_workers("scale-w", env, args)
    sim_pid = sim.proc.pid if sim.proc else 0
    sim_cpu0, pg_cpu0, (busy0, total0) = pid_cpu_seconds(sim_pid), named_cpu_seconds("postgres"), machine_cpu()
    started_at, t0 = timezone.now(), time.monotonic()
    with processes([*workers, Beat("scale-beat", env)]):
        while time.monotonic() - t0 < args.timeout and open_jobs():
            time.sleep(0.5)
        wall = time.monotonic() - t0
        cpu = sum(w.cpu() for w in workers)
        sim_cpu, pg_cpu, (busy1, total1) = (pid_cpu_seconds(sim_pid) - sim_cpu0,
                                            named_cpu_seconds("postgres") - pg_cpu0, machine_cpu())
    objects = ExternalRef.objects.count()
    queries = int(_redis().get(COUNTER) or 0)
    per_company = in_qbo_times([org.pk for _, org, _ in made])
    done = [max(times) for times in per_company.values() if times]
    latency = [(d - started_at).total_seconds() for d in done]
    invoice_lat = [(t - started_at).total_seconds() for times in per_company.values() for t in times]
    stats = [control.stats(realm) for realm, _, _ in made]
    throttled = sum(st["throttled_429"] for st in stats)
    duplicates = sum(sum(st["duplicate_counts"].values()) for st in stats)
    missing = sum(len(numbers) - len(per_company[org.pk]) for _, org, numbers in made)
    busy = cpu - idle_cpu
    print(f"\n=== {args.companies} companies x {args.invoices} invoices, {args.workers} worker process(es)"
          f" --pool {args.pool} --concurrency {args.concurrency}, 100 ms QBO latency ===")
    print(f"{'wall_s':>30}: {wall:.1f}  (open jobs left: {open_jobs()}, invoices missing: {missing})")
    print(f"{'objects_pushed':>30}: {objects} (customers + items + invoices)")
    print(f"{'objects_per_s':>30}: {objects / wall:.1f}")
    print(f"{'worker_cpu_s':>30}: {busy:.1f} (start-up {idle_cpu:.1f}s subtracted)")
    print(f"{'worker_cpu_ms_per_object':>30}: {busy * 1000 / max(objects, 1):.1f}")
    cores = os.cpu_count() or 1  # None when it cannot be told
    print(f"{'worker_cpu_busy':>30}: {busy / wall * 100:.0f}% of one core ({busy / wall / cores * 100:.0f}%"
          f" of the machine's {os.cpu_count()})")
    print(f"{'machine_cpu_busy':>30}: {(busy1 - busy0) / max(total1 - total0, 1) * 100:.0f}% of {cores} cores"
          f" (simulator {sim_cpu / wall * 100:.0f}% of one core, PostgreSQL {pg_cpu / wall * 100:.0f}%,"
          f" workers {busy / wall * 100:.0f}%; the rest is other processes)")
    print(f"{'db_queries_per_object':>30}: {queries / max(objects, 1):.1f} ({queries} in the worker processes)")
    print(f"{'db_queries_per_invoice':>30}: {queries / max(args.companies * args.invoices, 1):.1f}"
          " (its customer and items included)")
    print(f"{'company_done_s p50/p95/max':>30}: {_pct(latency, 50):.1f} / {_pct(latency, 95):.1f} / {max(latency):.1f}")
    print(f"{'invoice_in_qbo_s p50/p95/max':>30}: {_pct(invoice_lat, 50):.1f} / {_pct(invoice_lat, 95):.1f}"
          f" / {max(invoice_lat):.1f}")
    print(f"{'429s':>30}: {throttled}  duplicates in QBO: {duplicates}")
    print(f"{'load_average':>30}: {os.getloadavg()[0]:.1f} (the machine is shared: CPU figures are per process)")


def fairness(sim: SimulatorProcess, env: dict[str, str], args: argparse.Namespace) -> None:
    control = sim.control
    t_setup = time.monotonic()
    big = companies_parallel(sim, 10, args.big, "Big", args.setup_procs)
    print(f"\nfairness set-up: 10 companies x {args.big} invoices queued ({time.monotonic() - t_setup:.0f}s)",
          flush=True)
    with processes([*make_workers("fair-w", env, args), Beat("fair-beat", env)]):
        time.sleep(20)  # the big backlogs are draining
        results = []
        for k in range(args.small):
            if k:
                time.sleep(args.small_every)
            results.append(_small_company(control, k))
            print(f"  small company {k}: in QuickBooks {results[-1][0]:.1f} s after its finalize, "
                  f"{results[-1][1]} open jobs of the big backlogs then", flush=True)
    took = [t for t, _, _ in results]
    print(f"=== fairness: 1 invoice of a small company finalized behind 10 x {args.big} "
          f"({args.small} small companies, {args.small_every:.0f} s apart) ===")
    print(f"{'small_company_in_qbo_s':>30}: p50 {_pct(took, 50):.1f} / max {max(took):.1f} (target 5 s)")
    print(f"{'big_backlog_open_jobs_then':>30}: {' '.join(str(left) for _, left, _ in results)}")
    worst = max(results, key=lambda r: r[0])
    print(f"{'slowest one, its attempts':>30}: (seconds after finalize: type, outcome, duration ms)")
    for line in worst[2]:
        print(f"{'':>32}{line}")
    print(f"{'429s':>30}: {sum(control.stats(r)['throttled_429'] for r, _, _ in big)}")
    print(f"{'load_average':>30}: {os.getloadavg()[0]:.1f}")


def _small_company(control: SimControl, k: int) -> tuple[float, int, list[str]]:
    """One company with one invoice (its customer and items new too), finalized now: seconds until the
    invoice is in QuickBooks, the big backlogs' open jobs then, and its attempts' timeline."""
    from django.utils import timezone

    from integrations.models import ExternalRef, SyncAttempt
    from invoicing.models import Invoice

    _, org, _ = companies(control, 1, 1, f"Small {k}")[0]
    finalized, t0 = timezone.now(), time.monotonic()
    inv = Invoice.objects.get(organization=org)
    ref = None
    while time.monotonic() - t0 < 120 and ref is None:
        ref = ExternalRef.objects.filter(object_type="invoice", local_id=inv.pk).first()
        time.sleep(0.2)
    left = open_jobs()
    took = (ref.created_at - finalized).total_seconds() if ref else float("inf")
    timeline = [f"{(a.started_at - finalized).total_seconds():+6.2f} s: {a.object_type}, {a.outcome}, {a.duration_ms}"
                for a in SyncAttempt.objects.filter(connection__organization=org).order_by("started_at")]
    return took, left, timeline


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=25)
    parser.add_argument("--big", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads"])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--skip-fairness", action="store_true")
    parser.add_argument("--skip-spread", action="store_true", help="fairness only")
    parser.add_argument("--setup-procs", type=int, default=2, help="processes making the companies")
    parser.add_argument("--small", type=int, default=5, help="small companies, one after another (fairness)")
    parser.add_argument("--small-every", type=float, default=10.0, help="seconds between small companies")
    args = parser.parse_args()

    from qbo_sim.testing import SimulatorProcess

    with SimulatorProcess(["--latency-ms", "100", "--port", str(args.port)]) as sim:
        env = environment("j", {"QBO_SIM_URL": sim.url, "QBO_SWEEP_SECONDS": "5"}, redis_db=12)
        redis_url = env.get("CELERY_BROKER_URL")
        if not env["DATABASE_URL"].startswith("postgres") or not redis_url:
            raise SystemExit("push_scale needs PostgreSQL and Redis")
        env.update({"BENCH_REDIS_URL": redis_url, "BENCH_QUERY_COUNTER": COUNTER})
        os.environ.update(env)
        print(f"database: {env['DATABASE_URL'].split('@')[-1]}  broker: {redis_url}", flush=True)
        fresh_state()
        idle_cpu = startup_cpu(env, args)
        if not args.skip_spread:
            spread(sim, env, args, idle_cpu)
        if not args.skip_fairness:
            fresh_state()
            fairness(sim, env, args)


if __name__ == "__main__":
    main()
