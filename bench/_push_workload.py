"""The push benchmarks' data: a connected organization, new customers, finalized invoices."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import Organization, Plan
from customers.models import Customer
from integrations.models import ConnectionStatus, ExternalRef, QuickBooksConnection
from invoicing import lifecycle
from invoicing.models import Invoice, Product
from invoicing.services import LineInput, invoice_create
from qbo_sim.testing import SimControl


def connected_org(control: SimControl, realm: str) -> Organization:
    org = Organization.objects.create(name="Bench Heating", slug=f"bench-{realm}", plan=Plan.PRO)
    tokens = control.connect(realm)
    now = timezone.now()
    QuickBooksConnection.objects.create(
        organization=org, realm_id=realm, environment="simulator", company_name="Bench Books",
        status=ConnectionStatus.CONNECTED, access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"], access_token_expires_at=now + timedelta(hours=1),
        refresh_token_expires_at=now + timedelta(days=100), connected_at=now)
    return org


def make_invoices(org: Organization, *, customers: int, invoices: int, seed: int = 7) -> list[str]:
    """Customers and finalized invoices created through the services, as people would (each commit
    queues its push). Returns the invoice numbers."""
    rng = random.Random(seed)
    products = [Product.objects.create(organization=org, name=f"Service {i}", sku=f"SVC-{i}",
                                       unit_price=Decimal(rng.choice(["95.00", "129.00", "12.49", "349.00"])))
                for i in range(5)]
    people = [Customer.objects.create(organization=org, display_name=f"Bench Customer {i:04d}",
                                      email=f"bench{i}@example.com") for i in range(customers)]
    numbers = []
    for n in range(invoices):
        lines = [LineInput(description=p.name, quantity=Decimal(rng.choice(["1", "2", "1.5"])), unit_price=p.unit_price,
                           product=p) for p in rng.sample(products, rng.randint(1, 3))]
        inv = invoice_create(organization=org, customer=people[n % customers], issue_date=date.today(),
                             due_date=date.today() + timedelta(days=30), lines=lines)
        lifecycle.invoice_finalize(invoice=inv)
        numbers.append(inv.number)
    return numbers


def outcome(control: SimControl, realm: str, org: Organization, numbers: list[str]) -> dict[str, int]:
    stats = control.stats(realm)
    in_qbo = {i.get("DocNumber") for i in control.objects(realm, "Invoice")}
    mapped = ExternalRef.objects.filter(object_type="invoice").count()
    return {
        "invoices_local": Invoice.objects.filter(organization=org).count(),
        "invoices_in_qbo": stats["objects"].get("Invoice", {}).get("total", 0),
        "customers_in_qbo": stats["objects"].get("Customer", {}).get("total", 0),
        "duplicates": sum(stats["duplicate_counts"].values()),
        "missing": sum(1 for n in numbers if n not in in_qbo),
        "mapped_invoices": mapped,
        "qbo_requests": stats["requests"]["total"],
        "429s_sent_by_qbo": stats["throttled_429"],
    }
