"""Deterministic demo data: one Pro organization with people in every role, customers, products and
invoices in every status; a Starter organization (no QuickBooks on that plan) with its owner, so plan
gating can be tried; a Django admin superuser. Built through the same services the pages and API use."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from accounts.models import Organization, Plan, Role
from accounts.services import member_add, organization_create
from customers.models import Customer, Project, ProjectStatus
from invoicing import lifecycle
from invoicing.models import DiscountKind, Invoice, InvoiceStatus, LineKind, Product, ProductType, TaxCode, TaxRate
from invoicing.services import InvoiceMoney, LineInput, invoice_create

DEMO_SLUG = "demo"
DEMO_PASSWORD = "fsm-demo-2026"
DEMO_USERS = (("owner", Role.OWNER), ("admin", Role.ADMIN), ("dispatcher", Role.DISPATCHER),
              ("technician", Role.TECHNICIAN))
DEMO_NAME = "Demo Heating & Cooling"
STARTER_SLUG = "demo-starter"
STARTER_NAME = "Corner Plumbing"
STARTER_OWNER = "starter-owner"
SUPERUSER = "superuser"

_FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Mia", "Lucas", "Amelia",
          "Mateo", "Harper", "Ethan", "Chloé", "Sean", "Zoë", "Renée", "Diego", "Hana"]
_LAST = ["Garcia", "Smith", "O'Brien", "Nguyen", "Johnson", "Müller", "Patel", "Kowalski", "Brown", "Rossi",
         "Hernández", "Kim", "Lee", "Walker", "Fischer", "Dubois", "Silva", "Cohen", "Clark", "Young"]
_COMPANIES = ["Maple Street Dental", "Riverside Bakery", "Summit Property Mgmt", "Oak & Pine Realty",
              "Blue Harbor Cafe", "Northside Gym", "Lakeside Apartments", "Crescent Auto Body",
              "Greenfield School", "Harbor View Hotel"]
_PRODUCTS = [
    ("Diagnostic visit", "SVC-DIAG", ProductType.SERVICE, "89.00", False),
    ("Labor - hourly", "SVC-LAB", ProductType.SERVICE, "95.00", False),
    ("After-hours labor", "SVC-LAB-AH", ProductType.SERVICE, "142.50", False),
    ("Furnace tune-up", "SVC-FURN", ProductType.SERVICE, "129.00", False),
    ("AC tune-up", "SVC-AC", ProductType.SERVICE, "129.00", False),
    ("Duct cleaning", "SVC-DUCT", ProductType.SERVICE, "349.00", False),
    ("Water heater flush", "SVC-WH", ProductType.SERVICE, "110.00", False),
    ("Drain clearing", "SVC-DRAIN", ProductType.SERVICE, "175.00", False),
    ("Thermostat install", "SVC-TSTAT", ProductType.SERVICE, "85.00", False),
    ("Maintenance plan (annual)", "", ProductType.SERVICE, "199.00", False),
    ("Air filter 16x25x1", "PRT-FLT-16251", ProductType.NON_INVENTORY, "12.49", True),
    ("Air filter 20x20x1", "PRT-FLT-20201", ProductType.NON_INVENTORY, "13.99", True),
    ("Smart thermostat", "PRT-TSTAT-S", ProductType.NON_INVENTORY, "219.00", True),
    ("Capacitor 45/5 MFD", "PRT-CAP-455", ProductType.NON_INVENTORY, "38.75", True),
    ("Contactor 2-pole", "PRT-CONT-2P", ProductType.NON_INVENTORY, "42.10", True),
    ("Refrigerant R-410A (lb)", "PRT-R410A", ProductType.NON_INVENTORY, "65.00", True),
    ("Flue pipe 4in", "PRT-FLUE-4", ProductType.NON_INVENTORY, "27.35", True),
    ("PVC fitting kit", "PRT-PVC-KIT", ProductType.NON_INVENTORY, "18.60", True),
    ("Condensate pump", "PRT-CPUMP", ProductType.NON_INVENTORY, "96.40", True),
    ("Igniter (universal)", "PRT-IGN-U", ProductType.NON_INVENTORY, "54.99", True),
]

# Ten invoices per status; each recipe walks the real lifecycle from a draft.
_RECIPES: dict[str, Callable[[Invoice], object]] = {
    InvoiceStatus.DRAFT: lambda inv: None,
    InvoiceStatus.GENERATED: lambda inv: lifecycle.invoice_finalize(invoice=inv),
    InvoiceStatus.SENT: lambda inv: _send(inv),
    InvoiceStatus.PARTIALLY_PAID: lambda inv: _pay(inv, Decimal("0.4")),
    InvoiceStatus.PAID: lambda inv: _pay(inv, Decimal(1)),
    InvoiceStatus.OVERDUE: lambda inv: _send(inv),  # issued in the past; the overdue sweep moves it
    InvoiceStatus.VOID: lambda inv: lifecycle.invoice_void(invoice=_sent(inv)),
    InvoiceStatus.REFUNDED: lambda inv: _refund(inv, Decimal(1)),
    InvoiceStatus.PARTIALLY_REFUNDED: lambda inv: _refund(inv, Decimal("0.5")),
    InvoiceStatus.DISPUTED: lambda inv: lifecycle.invoice_dispute(invoice=_sent(inv)),
}


def _ascii(text: str) -> str:
    """'hernández' → 'hernandez': Django's EmailValidator (and the API's `format: email`) take ASCII
    local parts only, so demo addresses must be ones a person could type into the customer form."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _send(inv: Invoice) -> None:
    lifecycle.invoice_finalize(invoice=inv)
    lifecycle.invoice_send(invoice=inv)


def _sent(inv: Invoice) -> Invoice:
    """The invoice, sent: for the recipes that act on a sent invoice."""
    _send(inv)
    return inv


def _pay(inv: Invoice, share: Decimal) -> None:
    _send(inv)
    inv.refresh_from_db()
    lifecycle.invoice_record_payment(invoice=inv, amount=(inv.balance * share).quantize(Decimal("0.01")),
                                     method="Check", reference=f"CHK-{inv.pk:05d}")


def _refund(inv: Invoice, share: Decimal) -> None:
    _pay(inv, Decimal(1))
    inv.refresh_from_db()
    lifecycle.invoice_refund(invoice=inv, amount=(inv.amount_paid * share).quantize(Decimal("0.01")))


# Springfield, IL sales tax as its three component rates (8.875 % together), and an exempt code.
_RATES = [("Illinois state", "6.25", "Illinois Department of Revenue"),
          ("Sangamon County", "1.0", "Illinois Department of Revenue"),
          ("Springfield city", "1.625", "City of Springfield")]


def _tax_codes(org: Organization) -> TaxCode:
    rates = [TaxRate.objects.create(organization=org, name=n, rate=Decimal(r), agency=a) for n, r, a in _RATES]
    springfield = TaxCode.objects.create(organization=org, name="Springfield sales tax")
    springfield.rates.set(rates)
    state = TaxCode.objects.create(organization=org, name="Illinois state only")
    state.rates.set(rates[:1])
    TaxCode.objects.create(organization=org, name="Exempt (resale)")
    return springfield


def _money(n: int, lines: list[LineInput]) -> InvoiceMoney:
    """A discount on some invoices (a percent, or an amount when the lines are large enough), an internal
    note on others."""
    if n % 4 == 1 or (n % 4 == 3 and sum(line.quantity * line.unit_price for line in lines) < 100):
        return InvoiceMoney(discount_kind=DiscountKind.PERCENT, discount_value=Decimal(10),
                            internal_note="Returning-customer discount approved by the office.")
    if n % 4 == 3:
        return InvoiceMoney(discount_kind=DiscountKind.AMOUNT, discount_value=Decimal("25.00"))
    return InvoiceMoney(internal_note="Gate code 4521; dog in the yard." if n % 3 == 0 else "")


def _customers(org: Organization, rng: random.Random) -> list[Customer]:
    customers = []
    for i in range(50):
        first, last = _FIRST[i % 20], _LAST[(i * 7) % 20]
        company = _COMPANIES[i % 10] if i % 3 == 0 else ""
        name = f"{company} ({first} {last})" if company else f"{first} {last}"
        customers.append(Customer(
            organization=org, display_name=name, company_name=company, given_name=first, family_name=last,
            email=_ascii(f"{first}.{last}".lower().replace("'", "").replace(" ", "")) + f"{i}@example.com",
            phone=f"(555) 01{i:02d}-{rng.randint(1000, 9999)}", billing_line1=f"{100 + i * 3} Main St",
            billing_city="Springfield", billing_region="IL", billing_postal_code=f"627{i:02d}",
            billing_country="USA", is_active=i != 49,
            # Commercial accounts on Net 15, a few residential ones due on receipt, the rest the default Net 30.
            payment_terms_days=15 if company else (0 if i % 7 == 0 else None),
        ))
    Customer.objects.bulk_create(customers)
    created = list(Customer.objects.for_org(org).order_by("id"))
    for i, customer in enumerate(created[:10]):
        Project.objects.create(organization=org, customer=customer, name=f"Job #{1000 + i}",
                               status=list(ProjectStatus.values)[i % 5])
    return created


def _products(org: Organization, tax: TaxCode) -> list[Product]:
    Product.objects.bulk_create(
        Product(organization=org, name=n, sku=s, type=t, unit_price=Decimal(p), taxable=tx,
                tax_code=tax if tx else None, description=f"{n} — standard rate")
        for n, s, t, p, tx in _PRODUCTS
    )
    return list(Product.objects.for_org(org).order_by("id"))


def _invoices(org: Organization, customers: list[Customer], products: list[Product], rng: random.Random) -> None:
    today = date.today()
    for status, recipe in _RECIPES.items():
        for n in range(10):
            issued = today - timedelta(days=60 if status == InvoiceStatus.OVERDUE else rng.randint(0, 20))
            lines = [LineInput(description=p.name, quantity=Decimal(rng.choice(["1", "1", "2", "1.5", "3"])),
                               unit_price=p.unit_price, product=p, taxable=p.taxable, tax_code=p.tax_code)
                     for p in rng.sample(products, rng.randint(1, 4))]
            if n == 5 and sum(line.quantity * line.unit_price for line in lines) >= 100:
                lines.append(LineInput(description="Credit: missed appointment window", quantity=Decimal(1),
                                       unit_price=Decimal("20.00"), kind=LineKind.CREDIT, taxable=False))
            # Due dates follow each customer's payment terms (Net 30 unless the customer has its own).
            invoice = invoice_create(organization=org, customer=customers[(n * 5 + len(status)) % 49],
                                     issue_date=issued, lines=lines, memo="Thank you for your business.",
                                     money=_money(n, lines))
            recipe(invoice)
    lifecycle.invoices_mark_overdue(today=today)


# What the demo business prints on its invoices (filled in on later runs too, if still blank).
_BUSINESS = {
    "address_line1": "400 Commerce Dr", "city": "Springfield", "region": "IL", "postal_code": "62704",
    "country": "USA", "email": "billing@demo-heating.example.com", "phone": "(555) 010-2026",
    "payment_instructions": "Pay by check to Demo Heating & Cooling, 400 Commerce Dr, Springfield IL 62704,\n"
                            "or by bank transfer: First Prairie Bank, routing 071000013, account 2026-4410.",
}


def _business_details(org: Organization) -> None:
    if not org.address_line1:
        Organization.objects.filter(pk=org.pk).update(**_BUSINESS)


def demo_logins() -> list[tuple[str, str]]:
    """Every demo login and what it is for (all share DEMO_PASSWORD): printed by seed_demo and `make run`."""
    return [
        *((username, f"{role.label} of {DEMO_NAME} (Pro plan)") for username, role in DEMO_USERS),
        (STARTER_OWNER, f"Owner of {STARTER_NAME} (Starter plan: no QuickBooks)"),
        (SUPERUSER, "Django admin superuser, /admin/ (member of no organization)"),
    ]


def _ensure_password(user: AbstractBaseUser) -> None:
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])


def _starter_seed() -> Organization:
    org = Organization.objects.filter(slug=STARTER_SLUG).first()
    if org is None:
        org = organization_create(name=STARTER_NAME, plan=Plan.STARTER, slug=STARTER_SLUG)
        Customer.objects.bulk_create(
            Customer(organization=org, display_name=name, email=f"customer{i}@example.com")
            for i, name in enumerate(["Ruth Alvarez", "Kenji Sato", "Bakery on 5th"])
        )
        Product.objects.create(organization=org, name="Drain clearing", unit_price=Decimal("175.00"))
    _ensure_password(member_add(organization=org, username=STARTER_OWNER, role=Role.OWNER, password=DEMO_PASSWORD,
                                email=f"{STARTER_OWNER}@demo.example.com").user)
    return org


def _superuser_seed() -> None:
    user, _ = get_user_model().objects.get_or_create(username=SUPERUSER,
                                                     defaults={"email": f"{SUPERUSER}@demo.example.com"})
    if not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    _ensure_password(user)


def demo_seed() -> tuple[Organization, bool]:
    """Create the demo organizations once; later calls only make sure the demo logins work."""
    org = Organization.objects.filter(slug=DEMO_SLUG).first()
    created = org is None
    with transaction.atomic():
        if org is None:
            org = organization_create(name=DEMO_NAME, plan=Plan.PRO, slug=DEMO_SLUG)
            rng = random.Random(2026)
            customers = _customers(org, rng)
            _invoices(org, customers, _products(org, _tax_codes(org)), rng)
        for username, role in DEMO_USERS:
            _ensure_password(member_add(organization=org, username=username, role=role, password=DEMO_PASSWORD,
                                        email=f"{username}@demo.example.com").user)
        _business_details(org)
        _starter_seed()
        _superuser_seed()
    return org, created
