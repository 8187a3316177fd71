"""Fifty companies connecting in the same minute: their initial syncs share the workers, each shows progress.

Each company: a QBO company of 200 customers and 50 items (the simulator's seed, 100 ms latency and its real
throttles: 500 requests/min and 10 in flight per company), an FSM organization with 60 customers (30 of
them QBO's, 30 only here, so one batch of creates each). Real Celery worker(s) and beat; every run is
requested within a second, as connecting does. Prints per-company seconds from "requested" to "done"
(p50/p95/max), the spread of progress at a few moments (how many companies have records in, how many are
done, least/median/most records in), QBO reads against the page minimum, 429s, duplicates, and worker CPU.

    .venv/bin/python bench/import_many.py [--companies 50] [--customers 200] [--items 50] [--local 60]
        [--slice-seconds 5] [--pool prefork --concurrency 2 --workers 1] [--postgres]

Database: an SQLite file (the embedded default) unless --postgres (BENCH_DATABASE_URL, as the push benches);
broker: the embedded filesystem transport unless --redis (BENCH_REDIS_URL). Not a test: it starts the
simulator and the workers, measures, and stops what it started.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _push_harness import OUT, Beat, Worker, django_ready, environment, processes


def _group_cpu_seconds(pgid: int) -> float:
    """utime + stime of every live process in the worker's process group (its pool's children too)."""
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
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / tick


class PoolWorker(Worker):
    def __init__(self, name: str, env: dict[str, str], concurrency: int, pool: str) -> None:
        super().__init__(name, env, concurrency)
        self.pool = pool

    def start(self) -> None:
        log = open(OUT / f"{self.name}.log", "ab")  # noqa: SIM115 - lives as long as the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "fsm", "worker", "-l", "warning", "-n", f"{self.name}@%h",
             "--pool", self.pool, "--concurrency", str(self.concurrency), "--without-gossip", "--without-mingle"],
            cwd=Path(__file__).resolve().parent.parent, env={**os.environ, **self.env}, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)

    def cpu(self) -> float:
        return _group_cpu_seconds(self.proc.pid) if self.proc else 0.0


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def _seed(control: Any, args: argparse.Namespace) -> list[tuple[str, Any]]:
    # Django models import only after django.setup(), which needs the environment main() chooses.
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Plan
    from accounts.services import organization_create
    from customers.models import Customer
    from integrations.models import ConnectionStatus, QuickBooksConnection

    made = []
    for i in range(args.companies):
        realm = control.create_company(f"Many {i}", seed={"customers": args.customers, "items": args.items,
                                                           "projects": 0, "seed": 100 + i})
        control.set_faults(realm, latency_ms=args.latency_ms)
        org = organization_create(name=f"Many Heating {i}", plan=Plan.PRO, slug=f"many-{i}")
        qbo_rows = [c for c in control.objects(realm, "Customer") if c["_sim"]["active"] and not c.get("Job")]
        half = args.local // 2
        rows = [Customer(organization=org, display_name=c["DisplayName"],
                         email=(c.get("PrimaryEmailAddr") or {}).get("Address", "")) for c in qbo_rows[:half]]
        rows += [Customer(organization=org, display_name=f"Many Local {i}-{n}", email=f"l{n}@many{i}.example")
                 for n in range(args.local - half)]
        Customer.objects.bulk_create(rows)
        tokens = control.connect(realm)
        now = timezone.now()
        conn = QuickBooksConnection.objects.create(
            organization=org, realm_id=realm, environment="simulator", company_name=f"Many {i}",
            status=ConnectionStatus.CONNECTED, access_token=tokens["access_token"],
            refresh_token=tokens["refresh_token"], access_token_expires_at=now + timedelta(hours=1),
            refresh_token_expires_at=now + timedelta(days=100), connected_at=now)
        made.append((realm, conn))
    return made


def _records(run: Any) -> int:
    return sum(int(bar["done"]) for bar in run.progress.values())


def _reads(control: Any, realm: str) -> int:
    by_endpoint = control.stats(realm)["requests"]["by_endpoint"]
    return sum(sum(v.values()) for k, v in by_endpoint.items() if k.endswith(" query"))


def _page_minimum(run: Any) -> int:
    """A COUNT per swept type, and every page up to and including the first that is not full."""
    return sum(1 + int(run.progress[k]["total"]) // 1000 + 1 for k in ("customers", "items", "projects")
               if k in run.progress)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=50)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--local", type=int, default=60)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--slice-seconds", type=int, default=None, help="QBO_IMPORT_SLICE_SECONDS (default: the app's)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads"])
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--redis", action="store_true")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()

    # The simulator's helpers and Django import after the environment is chosen (DJANGO_SETTINGS_MODULE, URLs).
    from qbo_sim.testing import SimulatorProcess

    with SimulatorProcess() as sim:
        extra = {"QBO_SIM_URL": sim.url, "QBO_SWEEP_SECONDS": "5"}
        if args.slice_seconds is not None:
            extra["QBO_IMPORT_SLICE_SECONDS"] = str(args.slice_seconds)
        env = environment("import_many", extra, redis_db=11)
        if not args.postgres:
            env["DATABASE_URL"] = f"sqlite:///{OUT / 'import_many' / 'bench.sqlite3'}"
        if not args.redis:
            env.pop("CELERY_BROKER_URL", None)
            os.environ.pop("CELERY_BROKER_URL", None)
            queue = OUT / "import_many" / "celery" / "queue"
            for stale in queue.glob("*") if queue.exists() else []:
                stale.unlink()
        os.environ.update(env)
        django_ready()
        # Only now is Django set up.
        from django.db import connection
        from django.utils import timezone

        from integrations.importer.services import import_request
        from integrations.models import ImportRun, ImportState

        t_setup = time.monotonic()
        made = _seed(sim.control, args)
        reads_before = {realm: _reads(sim.control, realm) for realm, _ in made}
        print(f"database: {connection.vendor}  broker: {env.get('CELERY_BROKER_URL', 'filesystem (embedded)')}  "
              f"set-up: {args.companies} companies ({time.monotonic() - t_setup:.0f} s)", flush=True)
        workers = [PoolWorker(f"many-w{i}", env, args.concurrency, args.pool) for i in range(args.workers)]
        with processes([*workers, Beat("many-beat", env)]):
            time.sleep(8)  # the workers are up and idle
            idle_cpu = sum(w.cpu() for w in workers)
            requested = timezone.now()
            t0 = time.monotonic()
            runs = [import_request(connection=conn).pk for _, conn in made]  # each rings its worker on commit
            samples: list[tuple[float, list[int], int]] = []
            while time.monotonic() - t0 < args.timeout:
                rows = list(ImportRun.objects.filter(pk__in=runs))
                done = sum(1 for r in rows if r.state in (ImportState.DONE, ImportState.FAILED, ImportState.PAUSED))
                samples.append((time.monotonic() - t0, [_records(r) for r in rows], done))
                if done == len(runs):
                    break
                time.sleep(1.0)
            wall = time.monotonic() - t0
            cpu = sum(w.cpu() for w in workers) - idle_cpu
        final = {r.pk: r for r in ImportRun.objects.filter(pk__in=runs)}
        by_realm = {conn.pk: realm for realm, conn in made}
        reads = minimum = throttled = duplicates = 0
        for run in final.values():
            realm = by_realm[run.connection_id]
            stats = sim.control.stats(realm)
            reads += _reads(sim.control, realm) - reads_before[realm]
            minimum += _page_minimum(run)
            throttled += int(stats.get("throttled_429", 0))
            duplicates += sum(stats["duplicate_counts"].values())

    took = [(r.finished_at - requested).total_seconds() for r in final.values() if r.finished_at]
    states = [r.state for r in final.values()]
    print(f"\n=== {args.companies} companies x ({args.customers} QBO customers, {args.items} items; {args.local} local),"
          f" {args.workers} worker(s) --pool {args.pool} --concurrency {args.concurrency},"
          f" {args.latency_ms} ms QBO latency, slices of {os.environ.get('QBO_IMPORT_SLICE_SECONDS', '5 (default)')} s,"
          f" {connection.vendor} ===")
    print(f"{'wall_s':>28}: {wall:.1f}   states: " + ", ".join(f"{s} {states.count(s)}" for s in sorted(set(states))))
    if took:
        print(f"{'company_done_s p50/p95/max':>28}: {_pct(took, 50):.1f} / {_pct(took, 95):.1f} / {max(took):.1f}")
    for share in (0.1, 0.25, 0.5, 0.75):
        at, records, done = min(samples, key=lambda s: abs(s[0] - share * wall))
        moving = sum(1 for n in records if n > 0)
        label = f"progress at {at:.0f} s"
        print(f"{label:>28}: {moving}/{len(records)} companies have records in, {done} done;"
              f" records in per company least/median/most {min(records)}/{statistics.median(records):.0f}/"
              f"{max(records)}")
    print(f"{'qbo_reads / page minimum':>28}: {reads} / {minimum}")
    print(f"{'429s / duplicates':>28}: {throttled} / {duplicates}")
    print(f"{'created_in_qbo':>28}: {sum(int(r.summary.get('created_in_qbo', 0)) for r in final.values())}")
    print(f"{'worker_cpu_s':>28}: {cpu:.1f} ({cpu / max(wall, 1e-9) * 100:.0f}% of one core;"
          f" {cpu / args.companies * 1000:.0f} ms a company)")
    print(f"{'slices (tickets) max/sum':>28}: {max(r.ticket for r in final.values())}"
          f" / {sum(r.ticket for r in final.values())}")
    print(f"{'load_average':>28}: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
