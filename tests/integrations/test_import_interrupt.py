"""Kill the import mid-way (SIGKILL of a real `manage.py qbo_import` process, the same job a worker
runs), run it again, and find no duplicate on either side; plus the command's own output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from accounts.models import Membership, Organization
from customers.models import Customer
from integrations.importer.matching import normalize_name
from integrations.models import ExternalRef, ImportIntent, ImportRun, ImportState, ObjectType, QuickBooksConnection
from tests.integrations.conftest import Qbo
from tests.integrations.import_helpers import connect_owner

QBO_CUSTOMERS, LOCAL_MATCHING, LOCAL_NEW = 2500, 150, 450
KILL_AFTER_PUSHED = 90  # well inside the push phase: 450 creates go out 30 to a batch


def _database_url() -> str:
    """The URL of the test database this process is using, for a process started from here."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return (f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}")


def _command(org: Organization, sim_url: str, var_dir: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": _database_url(), "FSM_VAR_DIR": str(var_dir), "QBO_SIM_URL": sim_url,
           "QBO_ENVIRONMENT": "simulator", "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "manage.py", "qbo_import", org.slug], cwd=settings.BASE_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _seed(qbo: Qbo, org: Organization) -> str:
    realm = qbo.control.create_company("Kill Test Books", seed={"customers": QBO_CUSTOMERS, "seed": 7})
    seeded = [c for c in qbo.control.objects(realm, "Customer") if c["_sim"]["active"] and not c.get("Job")]
    rows = [Customer(organization=org, display_name=c["DisplayName"],
                     email=(c.get("PrimaryEmailAddr") or {}).get("Address", "")) for c in seeded[:LOCAL_MATCHING]]
    rows += [Customer(organization=org, display_name=f"Local Only {n}", email=f"only{n}@local.example")
             for n in range(LOCAL_NEW)]
    Customer.objects.bulk_create(rows)
    return realm


def _wait_for_batch_in_flight(conn: QuickBooksConnection, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    """Until a batch create is on its way: its intents are committed and its mappings are not yet."""
    deadline = time.monotonic() + timeout
    runs = ImportRun.objects.filter(connection=conn)
    while time.monotonic() < deadline:
        run = runs.first()
        pushed = run.progress.get("push", {}).get("done", 0) if run is not None else 0
        if pushed >= KILL_AFTER_PUSHED and ImportIntent.objects.filter(connection=conn).exists():
            return
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        time.sleep(0.02)
    raise AssertionError("the import never reached the push phase")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sigkill_mid_import_then_rerun_leaves_no_duplicate(qbo: Qbo, org: Organization,
                                                           member: Callable[[Organization, str], Membership],
                                                           tmp_path: Path) -> None:
    realm = _seed(qbo, org)
    conn = connect_owner(qbo, org, member, realm)
    # Slow answers, so the kill lands while a batch is in flight; the simulator still applies it after
    # the client is gone, which is the worst case: created in QBO, never mapped here.
    qbo.control.set_faults(realm, latency_ms=150)

    first = _command(org, qbo.url, tmp_path)
    _wait_for_batch_in_flight(conn, first)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    killed = ImportRun.objects.filter(connection=conn).first()
    assert killed is not None and killed.state == ImportState.RUNNING  # it never got to say it stopped
    assert killed.progress["push"]["done"] < LOCAL_NEW

    qbo.control.clear_faults(realm)
    in_flight = ImportIntent.objects.filter(connection=conn).count()
    assert in_flight > 0
    second = _command(org, qbo.url, tmp_path)
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, output

    stats = qbo.control.stats(realm)
    assert stats["duplicate_counts"]["Customer"] == 0
    qbo_customers = [c for c in qbo.control.objects(realm, "Customer") if not c.get("Job")]
    assert len(qbo_customers) == QBO_CUSTOMERS + LOCAL_NEW  # each local-only customer exactly once
    local = Counter(normalize_name(n) for n in Customer.objects.filter(organization=org)
                    .values_list("display_name", flat=True))
    assert max(local.values()) == 1  # no customer was imported twice
    # Every customer on both sides is linked exactly once (active seeded ones, ours, and the edge cases).
    refs = ExternalRef.objects.filter(connection=conn, object_type=ObjectType.CUSTOMER)
    assert refs.count() == Customer.objects.filter(organization=org).count()
    assert refs.values("qbo_id").distinct().count() == refs.count()
    runs = list(ImportRun.objects.filter(connection=conn).order_by("id"))
    assert [r.state for r in runs[-2:]] == [ImportState.FAILED, ImportState.DONE]  # the dead one is marked
    assert "Interrupted" in runs[-2].status_reason
    assert "Customers sent to QuickBooks" in output and "Initial sync run" in output


@pytest.mark.django_db(transaction=True)
def test_command_refuses_unknown_or_unconnected_organizations(org: Organization, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": _database_url(), "FSM_VAR_DIR": str(tmp_path)}
    for slug, expected in (("no-such-org", "No organization with slug"), (org.slug, "has no connected")):
        result = subprocess.run([sys.executable, "manage.py", "qbo_import", slug], cwd=settings.BASE_DIR, env=env,
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode != 0 and expected in result.stderr, result.stderr
