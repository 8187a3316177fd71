"""Push 1,000 invoices for 300 new customers through a hostile QBO and count what arrived.

The simulator adds 100 ms latency, 20 % 5xx, 5 % commit-then-drop, 429 bursts and one forced token
expiry; the workers are SIGKILLed three times and Redis is flushed once. Target: 0 duplicates, 0 missing,
everything synced. Prints the figures; asserts nothing.

    .venv/bin/python bench/push_chaos.py [--invoices 1000 --customers 300]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from _push_harness import Beat, Worker, django_ready, environment, open_jobs, processes, sim_args, wait_until_drained

if TYPE_CHECKING:  # annotations only: qbo_sim is importable once _push_harness has put the repo on sys.path
    from qbo_sim.testing import SimControl

KNOBS = {
    "QBO_BACKOFF_BASE_SECONDS": "2", "QBO_BACKOFF_CAP_SECONDS": "20", "QBO_MAX_ATTEMPTS": "40",
    "QBO_THROTTLE_WAIT_SECONDS": "5", "QBO_JOB_LEASE_SECONDS": "30", "QBO_SWEEP_SECONDS": "3",
    "QBO_HTTP_TIMEOUT_SECONDS": "10",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=300)
    args = parser.parse_args()

    from qbo_sim.testing import SimulatorProcess

    with SimulatorProcess(sim_args("--latency-ms", "100")) as sim:
        env = environment("push_chaos", {**KNOBS, "QBO_SIM_URL": sim.url})
        django_ready()
        from _push_workload import connected_org, make_invoices, outcome

        control = sim.control
        realm = control.create_company("Chaos Books")
        org = connected_org(control, realm)
        print(f"database: {env['DATABASE_URL'].split('@')[-1]}  broker: {env.get('CELERY_BROKER_URL', 'filesystem')}")
        t0 = time.monotonic()
        numbers = make_invoices(org, customers=args.customers, invoices=args.invoices)
        # The whole backlog is queued before the workers start, so the chaos below hits it mid-flight.
        print(f"queued {open_jobs()} jobs for {len(numbers)} invoices in {time.monotonic() - t0:.1f}s")
        control.set_faults(realm, latency_ms=100, error_rate=0.2, drop_rate=0.05)
        workers = [Worker("chaos-w1", env), Worker("chaos-w2", env), Beat("chaos-beat", env)]
        started = time.monotonic()
        with processes(workers):
            script = _chaos_script(control, realm, workers, env)
            elapsed = wait_until_drained(timeout=1800, on_tick=script)
        figures = outcome(control, realm, org, numbers)
        from integrations.models import JobState, SyncAttempt, SyncJob

        # QBO's own count of 429 answers is what our client received; attempt rows count a batch's items.
        figures["429s_received"] = figures.pop("429s_sent_by_qbo")
        figures["job_attempts_throttled"] = SyncAttempt.objects.filter(http_status=429).count()
        figures["jobs_in_error"] = SyncJob.objects.filter(state=JobState.ERROR).count()
        figures["open_jobs_left"] = open_jobs()
        for key, value in figures.items():
            print(f"{key:>18}: {value}")
        print(f"{'wall_time_s':>18}: {time.monotonic() - started:.1f} (drain {elapsed:.1f})")


def _chaos_script(control: SimControl, realm: str, workers: list[Worker],
                  env: dict[str, str]) -> Callable[[float], None]:
    events = {20: "kill", 40: "burst", 60: "kill", 80: "expire", 100: "flush", 120: "kill", 140: "burst"}
    done: set[int] = set()

    def tick(t: float) -> None:
        for at, what in events.items():
            if t >= at and at not in done:
                done.add(at)
                _act(what, control, realm, workers, env)
                print(f"t={t:5.1f}s {what}; open jobs {open_jobs()}")

    return tick


def _act(what: str, control: SimControl, realm: str, workers: list[Worker], env: dict[str, str]) -> None:
    if what == "kill":
        for w in workers[:2]:
            w.kill()  # SIGKILL the whole worker, pool included, mid-push
        time.sleep(1)
        for w in workers[:2]:
            w.start()
    elif what == "burst":
        control.set_faults(realm, throttle_burst=15)
    elif what == "expire":
        control.expire_tokens(realm)
    elif what == "flush" and env.get("CELERY_BROKER_URL", "").startswith("redis"):
        import redis

        redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()  # every queued doorbell is gone


if __name__ == "__main__":
    main()
