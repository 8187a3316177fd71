"""Time the invoice list page for an organization with 10,000 invoices.

Usage:  .venv/bin/python bench/invoice_list.py [--invoices 10000]

By default it uses its own SQLite file under bench/out/ (migrated on first run) so the numbers never
touch your development data; set BENCH_DATABASE_URL (e.g. a PostgreSQL URL) to measure elsewhere.
The organization is created once and reused. Prints, per page, the server time (the Django test
client calls the WSGI handler in-process, so no network is timed) and the number of queries.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Django models can only be imported after django.setup(), done in main()
    from django.contrib.auth.models import User
    from django.test import Client

    from accounts.models import Organization

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
ORG_SLUG = "bench-invoice-list"
REPEATS = 5


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{OUT / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fsm.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # a benchmark is a development run (embedded secrets)
    os.environ.setdefault("FSM_LOG_LEVEL", "warning")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _ensure_org(invoice_count: int) -> tuple[Organization, User]:
    from accounts.models import Organization, Plan, Role
    from accounts.services import member_add
    from customers.models import Customer
    from invoicing.models import Invoice, InvoiceStatus

    org, _ = Organization.objects.get_or_create(slug=ORG_SLUG, defaults={"name": "Bench Co", "plan": Plan.PRO})
    owner = member_add(organization=org, username="bench-owner", role=Role.OWNER, password="bench-pass-1").user
    have = Invoice.objects.for_org(org).count()
    if have < invoice_count:
        started = time.perf_counter()
        customers = list(Customer.objects.for_org(org)[:200]) or Customer.objects.bulk_create(
            Customer(organization=org, display_name=f"Customer {n:03d}") for n in range(200)
        )
        statuses, today = InvoiceStatus.values, date.today()
        Invoice.objects.bulk_create(
            (Invoice(organization=org, number=f"B-{n:07d}", customer=customers[n % len(customers)],
                     status=statuses[n % len(statuses)], issue_date=today - timedelta(days=n % 700),
                     due_date=today - timedelta(days=n % 700) + timedelta(days=30))
             for n in range(have + 1, invoice_count + 1)),
            batch_size=2000,
        )
        print(f"created {invoice_count - have} invoices in {time.perf_counter() - started:.1f}s")
    return org, owner


def _measure(client: Client, url: str) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings, queries, status = [], 0, 0
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        queries, status = len(ctx.captured_queries), response.status_code
    return statistics.median(timings), queries, status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    args = parser.parse_args()
    _setup_django()
    from django.test import Client
    from django.urls import reverse

    from invoicing.models import Invoice
    from invoicing.views.invoices import INVOICES_PER_PAGE

    org, owner = _ensure_org(args.invoices)
    client = Client()
    client.force_login(owner)
    total = Invoice.objects.for_org(org).count()
    last = max(1, -(-total // INVOICES_PER_PAGE))
    print(f"database: {os.environ['DATABASE_URL'].split('@')[-1]}  invoices in org: {total}  "
          f"median of {REPEATS} requests")
    for page in (1, 100, last):
        url = f"{reverse('invoicing:invoice_list')}?page={page}"
        ms, queries, status = _measure(client, url)
        print(f"page {page:>4}: {ms:7.1f} ms  {queries} queries  (HTTP {status})")


if __name__ == "__main__":
    main()
