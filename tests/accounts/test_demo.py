from __future__ import annotations

import io

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from accounts.models import Membership, Organization, Plan
from customers.models import Customer
from invoicing.models import Invoice, InvoiceStatus, Product


def _snapshot() -> tuple[int, int, int, int]:
    return (Customer.objects.count(), Product.objects.count(), Invoice.objects.count(), Membership.objects.count())


def test_seed_demo_creates_every_status_and_is_idempotent(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    org = Organization.objects.get(slug="demo")
    assert org.plan == Plan.PRO
    first = _snapshot()
    assert first[:3] == (50, 20, 100)
    by_status = dict(Invoice.objects.values_list("status").annotate(n=Count("id")))
    assert set(by_status) == set(InvoiceStatus.values)
    for username, role in DEMO_USERS:
        user = authenticate(username=username, password=DEMO_PASSWORD)
        assert user is not None
        assert Membership.objects.get(user=user, organization=org).role == role

    call_command("seed_demo", stdout=io.StringIO())
    assert _snapshot() == first


def test_seed_demo_restores_a_changed_demo_password(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    user = authenticate(username="owner", password=DEMO_PASSWORD)
    user.set_password("something-else-entirely")
    user.save()
    call_command("seed_demo", stdout=io.StringIO())
    assert authenticate(username="owner", password=DEMO_PASSWORD) is not None
