"""How long until changes made in QuickBooks show in the app: 5,000 bookkeeper changes in the simulator
(4/5 price edits of linked items, 1/5 new items), first delivered by webhooks, then with webhooks off and
the CDC sweep alone.

Usage:  .venv/bin/python bench/inbound.py [--changes 5000] [--mode both|webhooks|cdc]

It starts its own simulator (QBO's throttle on: 500 requests/minute) and serves the app on a loopback port
for the webhooks; a worker process does what the Celery doorbell task does (events_process) and the CDC
run is one sweep, as the beat task would start it. The database is a fresh SQLite file under bench/out/
(set BENCH_DATABASE_URL, e.g. a PostgreSQL URL, to measure elsewhere). Prints, per mode: how long the
bookkeeper's changes took to make, when the app reflected every one of them, and what it cost in QBO
requests.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the app's modules import once _setup_django() has set Django up
    from accounts.models import Organization
    from integrations.models import QuickBooksConnection
    from invoicing.models import Product
    from qbo_sim.testing import SimControl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
POLL_SECONDS = 0.25
TIMEOUT_SECONDS = 900.0


def _setup_django(*, fresh: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    db_file = OUT / "inbound.sqlite3"
    if fresh and "BENCH_DATABASE_URL" not in os.environ:
        for stale in OUT.glob("inbound.sqlite3*"):
            stale.unlink()  # a fresh database per run: the numbers never depend on leftovers
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{db_file}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fsm.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")  # a benchmark is a development run (embedded secrets)
    os.environ.setdefault("FSM_LOG_LEVEL", "warning")
    # Doorbells go nowhere: the worker thread below polls the stored events, as a worker would.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    import django
    from django.conf import settings

    settings_db = settings.DATABASES["default"]
    if settings_db["ENGINE"].endswith("sqlite3"):
        settings_db.setdefault("OPTIONS", {})["timeout"] = 60  # web threads and the worker share one file
    django.setup()
    from django.core.management import call_command
    from django.db.backends.signals import connection_created

    def _wal(sender: Any, connection: Any, **_: Any) -> None:
        if connection.vendor == "sqlite":
            connection.cursor().execute("PRAGMA journal_mode=WAL")

    connection_created.connect(_wal)
    if fresh:
        call_command("migrate", verbosity=0)


def _serve_app() -> tuple[str, Any]:
    """The app on a loopback port, threaded like a real web server."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(WSGIHandler())
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="bench-web", daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def worker_loop() -> None:
    """What a Celery worker does when doorbells ring: process the stored events (run as its own process,
    like a real worker, so it does not share the web server's interpreter)."""
    from integrations.inbound.events import events_process

    while True:
        if not events_process(time_budget=5.0):
            time.sleep(0.05)


def _start_worker() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "--worker-loop"], env=dict(os.environ), cwd=str(ROOT))


@dataclass
class World:
    realm: str
    connection: QuickBooksConnection | None
    edited: dict[int, Decimal]  # product id -> the price QBO now has
    new_names: set[str]
    delivered_at: float | None = None  # when the simulator had posted every webhook


def _company(control: SimControl, items: int, name: str) -> tuple[str, QuickBooksConnection, dict[str, Product]]:
    """A company with `items` items, linked to products here as the initial import would leave them."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Organization, Plan
    from integrations.models import ConnectionStatus, ExternalRef, QuickBooksConnection, SyncPreferences
    from invoicing.models import Product

    realm = control.create_company(name)
    control.seed(realm, items=items)
    org = Organization.objects.create(name=name, slug=f"bench-{realm}-{time.time_ns()}", plan=Plan.PRO)
    SyncPreferences.objects.get_or_create(organization=org)
    tokens, now = control.connect(realm), timezone.now()
    conn = QuickBooksConnection.objects.create(
        organization=org, realm_id=realm, environment="simulator", company_name=name,
        status=ConnectionStatus.CONNECTED, access_token=tokens["access_token"], refresh_token=tokens["refresh_token"],
        access_token_expires_at=now + timedelta(hours=1), refresh_token_expires_at=now + timedelta(days=100),
        connected_at=now)
    time.sleep(1.05)  # QBO times have whole seconds: new items must not share the connection's second
    rows = [r for r in control.objects(realm, "Item") if r.get("Type") in ("Service", "NonInventory")]
    products = Product.objects.bulk_create(
        Product(organization=org, name=r["Name"], sku=r.get("Sku", ""), description=r.get("Description", ""),
                unit_price=Decimal(str(r.get("UnitPrice", 0))), is_active=r.get("Active", True)) for r in rows)
    synced = timezone.now()  # after the products: nothing was edited here since the import linked them
    ExternalRef.objects.bulk_create(
        ExternalRef(connection=conn, object_type="item", local_id=p.pk, qbo_id=r["Id"], sync_token=r["SyncToken"],
                    last_synced_at=synced) for p, r in zip(products, rows, strict=True))
    return realm, conn, {r["Id"]: p for p, r in zip(products, rows, strict=True)}


def _make_changes(control: SimControl, realm: str, by_item: dict[str, Product], changes: int) -> tuple[World, float]:
    """The bookkeeper at work: price edits of linked items and new items, one API call each."""
    edits = min(len(by_item), changes * 4 // 5)
    edited: dict[int, Decimal] = {}
    new_names: set[str] = set()
    started = time.perf_counter()
    for n, (item_id, product) in enumerate(list(by_item.items())[:edits]):
        price = Decimal(1000 + n) / 100 + Decimal("0.07")
        control.entities(realm, "Item", {"Id": item_id, "UnitPrice": float(price)})
        edited[product.pk] = price.quantize(Decimal("0.01"))
    for n in range(changes - edits):
        name = f"Bench new item {realm[-4:]}-{n:05d}"
        control.entities(realm, "Item", {"Name": name, "Type": "Service", "UnitPrice": 5 + n % 50,
                                         "IncomeAccountRef": {"value": "1"}})
        new_names.add(name)
    return World(realm=realm, connection=None, edited=edited, new_names=new_names), time.perf_counter() - started


def _missing(world: World, organization: Organization) -> int:
    from invoicing.models import Product

    prices = dict(Product.objects.filter(pk__in=world.edited).values_list("pk", "unit_price"))
    stale = sum(1 for pk, price in world.edited.items() if prices.get(pk) != price)
    made = Product.objects.filter(organization=organization, name__in=world.new_names).count()
    return stale + len(world.new_names) - made


def _wait_reflected(world: World, organization: Organization, started: float,
                    control: SimControl | None = None) -> float:
    while _missing(world, organization):
        if control is not None and world.delivered_at is None and not control.webhooks()["pending"]:
            world.delivered_at = time.perf_counter() - started
        if time.perf_counter() - started > TIMEOUT_SECONDS:
            raise SystemExit(f"not reflected after {TIMEOUT_SECONDS:.0f}s: {_missing(world, organization)} missing")
        time.sleep(POLL_SECONDS)
    return time.perf_counter() - started


def run_webhooks(control: SimControl, app_url: str, changes: int, items: int) -> None:
    from django.conf import settings

    from integrations.models import WebhookEvent

    realm, conn, by_item = _company(control, items, "Bench Webhooks Co")
    control.config(webhook_url=f"{app_url}/hooks/quickbooks/", webhook_enabled=True, webhook_format="cloudevents",
                   verifier_token=settings.QBO_WEBHOOK_VERIFIER_TOKEN)
    worker = _start_worker()
    requests_before = control.stats(realm)["requests"]["total"]
    started = time.perf_counter()
    world, making = _make_changes(control, realm, by_item, changes)
    made_at = time.perf_counter() - started
    total = _wait_reflected(world, conn.organization, started, control)
    delivered = f"{world.delivered_at:.1f}s" if world.delivered_at is not None else "before the app caught up"
    worker.terminate()
    worker.wait(10)
    hooks = control.webhooks()["counts"]
    control.config(webhook_url=None)
    print(f"webhooks : {changes} changes made in {making:.1f}s; all reflected {total:.1f}s after the first "
          f"({total - made_at:.1f}s after the last; the simulator, posting one event per delivery in sequence, "
          f"had delivered them all at {delivered}); events stored {WebhookEvent.objects.filter(connection=conn).count()}, "
          f"deliveries ok {hooks.get('delivered', 0)}, failed attempts {hooks.get('failed_attempts', 0)}; "
          f"app's QBO requests {control.stats(realm)['requests']['total'] - requests_before}")


def run_cdc(control: SimControl, changes: int, items: int, interval: int) -> None:
    from integrations.inbound.cdc import cdc_sweep

    realm, conn, by_item = _company(control, items, "Bench CDC Co")
    control.config(webhook_url=None)
    cdc_sweep(connection=conn)  # the sweep before the changes: the cursor is at "now"
    requests_before = control.stats(realm)["requests"]["total"]
    world, making = _make_changes(control, realm, by_item, changes)
    started = time.perf_counter()
    result = cdc_sweep(connection=conn)
    sweep = time.perf_counter() - started
    missing = _missing(world, conn.organization)
    print(f"CDC only : {changes} changes made in {making:.1f}s; one sweep ({result.mode}, read {result.read} "
          f"records, applied {result.applied}) "
          f"took {sweep:.1f}s and left {missing} missing; worst case from a change to the app = sweep interval "
          f"{interval}s + {sweep:.1f}s; app's QBO requests {control.stats(realm)['requests']['total'] - requests_before}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=5000)
    parser.add_argument("--mode", choices=("both", "webhooks", "cdc"), default="both")
    parser.add_argument("--worker-loop", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_loop:
        _setup_django(fresh=False)
        worker_loop()
        return
    _setup_django()
    from django.conf import settings

    from qbo_sim.testing import SimulatorProcess

    items = args.changes * 4 // 5
    app_url, server = _serve_app()
    with SimulatorProcess(["--seed", "7"]) as sim:
        settings.QBO_ENVIRONMENT, settings.QBO_SIM_URL = "simulator", sim.url
        os.environ.update(QBO_ENVIRONMENT="simulator", QBO_SIM_URL=sim.url)  # for the worker process
        print(f"database: {os.environ['DATABASE_URL'].split('@')[-1]}  simulator throttle on (500/min)")
        if args.mode in ("both", "webhooks"):
            run_webhooks(sim.control, app_url, args.changes, items)
        if args.mode in ("both", "cdc"):
            run_cdc(sim.control, args.changes, items, settings.QBO_CDC_SWEEP_SECONDS)
    server.shutdown()


if __name__ == "__main__":
    main()
