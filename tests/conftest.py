"""Shared fixtures: organizations, members in every role, and signed-in clients."""

from __future__ import annotations

import io
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from pypdf import PdfReader
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, Plan, Role
from accounts.services import member_add, organization_create
from customers.models import Customer
from devinbox.mailbox import messages_list
from devinbox.server import smtp_start
from invoicing.models import Invoice, Product, TaxRate
from invoicing.services import LineInput, invoice_create

if TYPE_CHECKING:  # annotations only: playwright is imported when a browser test first asks for it
    from playwright.sync_api import Browser, BrowserContext, Page

PASSWORD = "correct-horse-battery"


@pytest.fixture
def make_org(db: None) -> Callable[..., Organization]:
    counter = iter(range(1, 10_000))

    def _make(name: str | None = None, plan: str = Plan.PRO) -> Organization:
        n = next(counter)
        return organization_create(name=name or f"Org {n}", plan=plan, slug=f"org-{n}-{plan}")

    return _make


@pytest.fixture
def org(make_org: Callable[..., Organization]) -> Organization:
    return make_org("Acme Heating")


@pytest.fixture
def other_org(make_org: Callable[..., Organization]) -> Organization:
    return make_org("Rival Plumbing")


@pytest.fixture
def member(db: None) -> Callable[[Organization, str], Membership]:
    def _member(organization: Organization, role: str) -> Membership:
        return member_add(
            organization=organization, username=f"{role}-{organization.slug}", role=role, password=PASSWORD
        )

    return _member


def _client_for(membership: Membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def owner_client(org: Organization, member: Callable[[Organization, str], Membership]) -> Client:
    return _client_for(member(org, Role.OWNER))


@pytest.fixture
def client_for(member: Callable[[Organization, str], Membership]) -> Callable[[Organization, str], Client]:
    return lambda organization, role: _client_for(member(organization, role))


@pytest.fixture
def api_client_for(member: Callable[[Organization, str], Membership]) -> Callable[[Organization, str], APIClient]:
    def _api(organization: Organization, role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(member(organization, role).user)
        return client

    return _api


@pytest.fixture
def make_customer(db: None) -> Callable[..., Customer]:
    def _make(organization: Organization, display_name: str = "Jane Smith", **fields: object) -> Customer:
        return Customer.objects.create(organization=organization, display_name=display_name, **fields)

    return _make


@pytest.fixture
def make_product(db: None) -> Callable[..., Product]:
    def _make(organization: Organization, name: str = "Furnace tune-up", unit_price: str = "95.00",
              **fields: object) -> Product:
        return Product.objects.create(organization=organization, name=name, unit_price=Decimal(unit_price), **fields)

    return _make


@pytest.fixture
def make_invoice(make_customer: Callable[..., Customer], make_product: Callable[..., Product]) -> Callable[..., Invoice]:
    def _make(organization: Organization, *, customer: Customer | None = None, tax_percent: str | None = None,
              lines: list[tuple[str, str]] | None = None, due_in_days: int = 30) -> Invoice:
        customer = customer or make_customer(organization)
        tax_rate = None
        if tax_percent is not None:
            tax_rate, _ = TaxRate.objects.get_or_create(
                organization=organization, name=f"Tax {tax_percent}", defaults={"rate": Decimal(tax_percent)}
            )
        product = Product.objects.for_org(organization).first() or make_product(organization)
        today = date.today()
        return invoice_create(
            organization=organization, customer=customer, issue_date=today,
            due_date=today + timedelta(days=due_in_days), tax_rate=tax_rate,
            lines=[LineInput(description="Work", quantity=Decimal(q), unit_price=Decimal(p), product=product)
                   for q, p in (lines or [("2", "95.00")])],
        )

    return _make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Settings) -> None:
    # PBKDF2's deliberate slowness protects real passwords; tests only need the check to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_redis_limiter() -> None:
    """Every simulator process hands out the same realm ids, and the Redis limiter outlives a test (the
    database one is rolled back): without this, one test's batch window would throttle the next test's
    company of the same id for a minute."""
    from django.conf import settings

    if not settings.QBO_LIMITER_REDIS_URL:
        return
    import redis

    client = redis.Redis.from_url(settings.QBO_LIMITER_REDIS_URL)
    keys = [*client.scan_iter("qbo:rl*"), *client.scan_iter("qbo:inflight*")]
    if keys:
        client.delete(*keys)


# ---- browser (Playwright + Debian's Chromium), shared by tests/browser and tests/qbo_sim ----
# Playwright's sync API keeps an event loop in this thread for the whole session; Django would otherwise
# refuse ORM calls made while that loop exists.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = Path(os.environ.get("FSM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOT_DIR = Path(os.environ.get("FSM_SCREENSHOT_DIR", "/tmp"))


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)"
    if os.environ.get("FSM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"FSM_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Open pages in fresh browser contexts (separate cookies), closed after the test."""
    contexts: list[BrowserContext] = []

    def _open() -> Page:
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield _open
    for context in contexts:
        context.close()


# ---- mail: the dev SMTP server (devinbox), started for real on a free loopback port ----
REFUSED_ADDRESS = "nobody@refused.example"  # the dev server answers 550 for *@refused.example


@dataclass
class DevMail:
    port: int
    directory: Path

    def messages(self) -> list[Any]:
        return messages_list(self.directory)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dev_mail(tmp_path: Path, settings: Settings) -> Iterator[DevMail]:
    """The app sends through Django's SMTP backend to a real dev SMTP server on loopback (pytest-django
    would otherwise swap in the in-memory backend)."""
    port, directory = _free_port(), tmp_path / "mail"
    controller = smtp_start(directory=directory, port=port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEV_MAIL_DIR = directory
    try:
        yield DevMail(port, directory)
    finally:
        controller.stop()


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
