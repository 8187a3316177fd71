"""Headless Chromium (Debian's build) driven by Playwright against pytest-django's live server.

The `browser` and `new_page` fixtures live in tests/conftest.py: one Playwright instance per session is
shared by every suite that drives a browser (two sync_playwright() loops in one thread cannot coexist).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import Organization
from demo.seed import DEMO_SLUG
from integrations.connection.company import company_reread
from integrations.importer import run as import_run
from integrations.importer import services as import_services
from integrations.models import QuickBooksConnection
from qbo_sim.testing import SimulatorProcess
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOT_DIR  # noqa: F401 - re-exported for tests
from tests.integrations.push_helpers import connect_org

DemoBooks = Callable[..., tuple[Organization, str, QuickBooksConnection]]

QBO_PAGE = "/settings/integrations/quickbooks/"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(["--no-throttle"]) as process:
        yield process


@pytest.fixture
def qbo_live(sim: SimulatorProcess, live_server: LiveServer, settings: Settings) -> SimulatorProcess:
    """The app points at the simulator, and Intuit's redirect comes back to the live server's callback."""
    settings.QBO_ENVIRONMENT = "simulator"
    settings.QBO_SIM_URL = sim.url
    settings.QBO_REDIRECT_URI = f"{live_server.url}{QBO_PAGE}callback/"
    return sim


@pytest.fixture
def demo_books(sim: SimulatorProcess, settings: Settings) -> DemoBooks:
    """The demo organization connected to a new simulator company of the kind asked for, its settings read
    (kind, tax codes, accounts), as a person's Connect would leave it: `demo_books(name, kind=..., ...)`
    returns (organization, realm, connection). The demo invoices made before connecting stay history."""
    settings.QBO_ENVIRONMENT = "simulator"
    settings.QBO_SIM_URL = sim.url

    def connect(name: str, **company: Any) -> tuple[Organization, str, QuickBooksConnection]:
        call_command("seed_demo", verbosity=0)
        org = Organization.objects.get(slug=DEMO_SLUG)
        realm = sim.control.create_company(name, **company)
        return org, realm, company_reread(connection=connect_org(sim.control, org, realm))

    return connect


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[threading.Thread]]:
    """Stands in for the Celery worker at the broker edge: the doorbell rung on commit runs the job in a
    thread of this process (the job itself, its database and QBO calls, are the real ones)."""
    threads: list[threading.Thread] = []

    def run(run_id: int) -> None:
        try:
            import_run.import_execute(run_id)
        finally:
            connection.close()

    def ring(run_id: int) -> None:
        thread = threading.Thread(target=run, args=(run_id,), daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(import_services, "_enqueue", ring)
    yield threads
    for thread in threads:
        thread.join(60)
