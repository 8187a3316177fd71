"""How close the push queue gets to QBO's published limits.

1,000 invoices for 1,000 new customers are queued first; then two Celery workers push them against the
simulator's real throttles (500 requests/minute and 10 in flight per company) with 100 ms latency.
Prints wall time, requests sent, 429s received and the ratio to the floor those limits allow for the
creates needed (customers + items + invoices at 500 a minute). Target: 0 429s, within 1.3x of the floor.

    .venv/bin/python bench/push_throughput.py [--invoices 1000]
"""

from __future__ import annotations

import argparse
import math
import time

from _push_harness import Beat, Worker, django_ready, environment, open_jobs, processes, sim_args, wait_until_drained

QBO_REQUESTS_PER_MINUTE = 500
QBO_BATCHES_PER_MINUTE = 40


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=1000)
    args = parser.parse_args()

    from qbo_sim.testing import SimulatorProcess

    with SimulatorProcess(sim_args("--latency-ms", "100")) as sim:
        env = environment("push_throughput", {"QBO_SIM_URL": sim.url, "QBO_SWEEP_SECONDS": "5"}, redis_db=13)
        django_ready()
        from _push_workload import connected_org, make_invoices, outcome

        control = sim.control
        realm = control.create_company("Throughput Books")
        control.set_faults(realm, latency_ms=100)
        org = connected_org(control, realm)
        numbers = make_invoices(org, customers=args.invoices, invoices=args.invoices)
        queued = open_jobs()
        print(f"database: {env['DATABASE_URL'].split('@')[-1]}  broker: {env.get('CELERY_BROKER_URL', 'filesystem')}")
        print(f"queued {queued} jobs for {len(numbers)} invoices; starting two workers")
        before = control.stats(realm)["requests"]["total"]
        started = time.monotonic()
        with processes([Worker("tp-w1", env), Worker("tp-w2", env), Beat("tp-beat", env)]):
            wall = wait_until_drained(timeout=1800, tick=1.0)
        figures = outcome(control, realm, org, numbers)
        from integrations.models import SyncAttempt

        sent = figures["qbo_requests"] - before
        creates = figures["customers_in_qbo"] + figures["invoices_in_qbo"] + 5  # 5 products become items
        # The floor: each create as its own request at QBO's 500 a minute. Batching (30 creates per
        # request) is how the queue can beat it, so a ratio under 1.0 is possible and good.
        floor = creates / QBO_REQUESTS_PER_MINUTE * 60
        print(f"{'wall_time_s':>18}: {wall:.1f}")
        print(f"{'requests_sent':>18}: {sent}")
        print(f"{'429s_received':>18}: {figures['429s_sent_by_qbo']} (QBO's count of 429 answers)")
        print(f"{'throttled_attempts':>18}: {SyncAttempt.objects.filter(http_status=429).count()}")
        print(f"{'duplicates':>18}: {figures['duplicates']}  missing: {figures['missing']}")
        # Batches alone: a minute's worth at once, then one more minute per further 40 (QBO's window).
        batch_floor = 60.0 * ((math.ceil(creates / 30) - 1) // QBO_BATCHES_PER_MINUTE)
        print(f"{'floor_s':>18}: {floor:.1f} ({creates} creates one per request at {QBO_REQUESTS_PER_MINUTE}/min)")
        print(f"{'ratio_to_floor':>18}: {wall / floor:.2f}")
        print(f"{'batch_floor_s':>18}: {batch_floor:.1f} (batches of 30 only, QBO's {QBO_BATCHES_PER_MINUTE}/min per app;"
              " the queue also sends single creates while the batch window is full)")
        print(f"{'ratio_to_batch':>18}: {wall / batch_floor:.2f}")
        print(f"(total incl. set-up {time.monotonic() - started:.1f}s)")


if __name__ == "__main__":
    main()
