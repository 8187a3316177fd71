from __future__ import annotations

import io

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count
from django.test import Client

from accounts.models import Membership, Organization, Plan, Role
from customers.models import Customer
from demo.seed import DEMO_PASSWORD, DEMO_USERS, STARTER_OWNER, STARTER_SLUG, SUPERUSER, demo_logins
from invoicing.models import Invoice, InvoiceStatus, Product


def _snapshot() -> tuple[int, int, int, int]:
    return (Customer.objects.count(), Product.objects.count(), Invoice.objects.count(), Membership.objects.count())


def test_seed_demo_creates_every_status_and_is_idempotent(db: None) -> None:
    call_command("seed_demo", stdout=io.StringIO())
    org = Organization.objects.get(slug="demo")
    assert org.plan == Plan.PRO
    first = _snapshot()
    pro = (Customer.objects.filter(organization=org).count(), Product.objects.filter(organization=org).count(),
           Invoice.objects.filter(organization=org).count())
    assert pro == (50, 20, 100)
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


def test_seed_demo_adds_a_starter_organization_and_an_admin_superuser(db: None, client: Client) -> None:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    starter = Organization.objects.get(slug=STARTER_SLUG)
    assert starter.plan == Plan.STARTER and not starter.is_paid_plan
    owner = authenticate(username=STARTER_OWNER, password=DEMO_PASSWORD)
    assert Membership.objects.get(user=owner, organization=starter).role == Role.OWNER
    superuser = authenticate(username=SUPERUSER, password=DEMO_PASSWORD)
    assert superuser is not None and superuser.is_superuser and superuser.is_staff
    for username, _ in demo_logins():
        assert username in out.getvalue()

    # What they are for: the admin opens for the superuser, and the Starter owner meets plan gating.
    assert client.login(username=SUPERUSER, password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    assert client.login(username=STARTER_OWNER, password=DEMO_PASSWORD)
    page = client.get("/settings/integrations/quickbooks/")
    assert page.status_code == 200
    assert b'data-testid="qbo-upgrade"' in page.content and b"Connect to QuickBooks" not in page.content

    superuser.is_superuser = False
    superuser.save()
    call_command("seed_demo", stdout=io.StringIO())  # idempotent, and restores what the demo needs
    assert authenticate(username=SUPERUSER, password=DEMO_PASSWORD).is_superuser
    assert Organization.objects.filter(slug=STARTER_SLUG).count() == 1
