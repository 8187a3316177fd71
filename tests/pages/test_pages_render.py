"""Each page renders for a signed-in member and shows the organization's own data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, Role
from customers.models import Customer, Project
from invoicing.lifecycle import invoice_finalize, invoice_record_payment, invoice_send
from invoicing.models import Invoice, InvoiceStatus, Product

pytestmark = pytest.mark.django_db


def test_dashboard_shows_counts_and_sums(org: Organization, owner_client: Client,
                                         make_invoice: Callable[..., Invoice]) -> None:
    make_invoice(org, lines=[("1", "50.00")])  # stays a draft
    open_one = invoice_send(invoice=invoice_finalize(invoice=make_invoice(org, lines=[("2", "100.00")])))
    paid = invoice_finalize(invoice=make_invoice(org, lines=[("1", "80.00")]))
    invoice_record_payment(invoice=paid, amount=Decimal("80.00"), received_on=date.today())
    overdue = invoice_finalize(invoice=make_invoice(org, lines=[("1", "30.00")], due_in_days=0))
    Invoice.objects.filter(pk=overdue.pk).update(status=InvoiceStatus.OVERDUE)

    response = owner_client.get(reverse("dashboard"))

    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.draft_count == 1
    assert summary.open_count == 2  # the sent one and the overdue one
    assert summary.open_balance == open_one.total + Decimal("30.00")
    assert summary.overdue_total == Decimal("30.00")
    assert summary.paid_this_month == Decimal("80.00")
    html = response.content.decode()
    assert "Acme Heating" in html and "Pro" in html
    assert open_one.number in html  # recent invoices


def test_customer_search_matches_name_company_and_email(org: Organization, other_org: Organization,
                                                        owner_client: Client,
                                                        make_customer: Callable[..., Customer]) -> None:
    make_customer(org, "Jane Smith", email="jane@example.com")
    make_customer(org, "Bob Jones", company_name="Boiler Works")
    make_customer(org, "Carol White", email="carol@furnaces.test")
    make_customer(other_org, "Jane Other")

    def names(query: str) -> list[str]:
        response = owner_client.get(reverse("customers:list"), {"q": query})
        return [c.display_name for c in response.context["page"].object_list]

    assert names("jane") == ["Jane Smith"]
    assert names("boiler") == ["Bob Jones"]
    assert names("furnaces.test") == ["Carol White"]
    assert names("") == ["Bob Jones", "Carol White", "Jane Smith"]


def test_customer_list_paginates(org: Organization, owner_client: Client) -> None:
    Customer.objects.bulk_create(Customer(organization=org, display_name=f"Customer {n:03d}") for n in range(30))
    first = owner_client.get(reverse("customers:list"))
    second = owner_client.get(reverse("customers:list"), {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert [c.display_name for c in second.context["page"].object_list] == [f"Customer {n:03d}" for n in range(25, 30)]
    assert "Page 1 of 2" in first.content.decode()


def test_customer_detail_shows_contact_projects_and_invoices(org: Organization, owner_client: Client,
                                                              make_customer: Callable[..., Customer],
                                                              make_invoice: Callable[..., Invoice]) -> None:
    customer = make_customer(org, "Jane Smith", email="jane@example.com", billing_city="Springfield")
    Project.objects.create(organization=org, customer=customer, name="Attic ductwork")
    invoice = make_invoice(org, customer=customer)
    html = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    for expected in ("jane@example.com", "Springfield", "Attic ductwork", invoice.number):
        assert expected in html


def test_product_list_filters_by_search_and_active(org: Organization, owner_client: Client,
                                                   make_product: Callable[..., Product]) -> None:
    make_product(org, "Furnace tune-up", sku="FTU")
    make_product(org, "Old boiler part", is_active=False)
    make_product(org, "Thermostat install")

    def names(**params: str) -> list[str]:
        return [p.name for p in owner_client.get(reverse("invoicing:product_list"), params).context["page"].object_list]

    assert names() == ["Furnace tune-up", "Old boiler part", "Thermostat install"]
    assert names(active="yes") == ["Furnace tune-up", "Thermostat install"]
    assert names(active="no") == ["Old boiler part"]
    assert names(q="ftu") == ["Furnace tune-up"]


def test_invoice_list_filters_by_status_and_customer_newest_first(org: Organization, owner_client: Client,
                                                                  make_customer: Callable[..., Customer],
                                                                  make_invoice: Callable[..., Invoice]) -> None:
    jane, bob = make_customer(org, "Jane"), make_customer(org, "Bob")
    older = make_invoice(org, customer=jane)
    Invoice.objects.filter(pk=older.pk).update(issue_date=date.today() - timedelta(days=10))
    newer = make_invoice(org, customer=jane)
    finalized = invoice_finalize(invoice=make_invoice(org, customer=bob))

    def numbers(**params: str | int) -> list[str]:
        response = owner_client.get(reverse("invoicing:invoice_list"), params)
        return [row.invoice.number for row in response.context["rows"]]

    assert numbers() == [finalized.number, newer.number, older.number]
    assert numbers(status="draft") == [newer.number, older.number]
    assert numbers(customer=bob.pk) == [finalized.number]
    assert numbers(status="generated", customer=jane.pk) == []
    assert numbers(status="nonsense") == numbers()  # an unknown status is ignored, not an error


def test_invoice_detail_shows_lines_totals_and_payments(org: Organization, owner_client: Client,
                                                        make_invoice: Callable[..., Invoice]) -> None:
    invoice = invoice_finalize(invoice=make_invoice(org, tax_percent="8.25", lines=[("2", "95.00")]))
    invoice_record_payment(invoice=invoice, amount=Decimal("50.00"), method="Check", reference="CHK-1042")
    html = owner_client.get(reverse("invoicing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "$190.00" in html  # subtotal
    assert "$15.68" in html  # 8.25% of 190.00, rounded half-up
    assert "$205.68" in html  # total
    assert "$155.68" in html  # balance after the payment
    assert "CHK-1042" in html
    assert "badge-partially_paid" in html


@pytest.mark.parametrize("role", [Role.OWNER, Role.TECHNICIAN])
def test_every_page_renders_for_each_role(org: Organization, role: str,
                                          client_for: Callable[[Organization, str], Client],
                                          make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    customer = invoice.customer
    client = client_for(org, role)
    urls = [
        reverse("dashboard"), reverse("customers:list"), reverse("customers:detail", args=[customer.pk]),
        reverse("invoicing:product_list"), reverse("invoicing:invoice_list"),
        reverse("invoicing:invoice_detail", args=[invoice.pk]), reverse("invoicing:invoice_create"),
        reverse("invoicing:invoice_edit", args=[invoice.pk]), reverse("organization_switch"),
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
