"""The Django admin as a staff member (not a superuser) of one organization, with every model permission:
it sees, chooses and changes nothing of another organization, and obeys the same rules as pages and API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission, User
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Organization, OrgSequence, Plan, Role
from customers.models import Customer, Project
from integrations.models import AuditEvent, ExternalRef, QuickBooksConnection, SyncAttempt, SyncJob, SyncPreferences
from invoicing.lifecycle import invoice_finalize, invoice_record_payment
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus, Payment, Product, TaxRate

MARK = "zzforeign"  # in the name of every row of the other organization


def _tenant_rows(organization: Organization, owner: User, prefix: str) -> list[Model]:
    """One row of every tenant-owned model an admin page can offer, all of `organization`."""
    customer = Customer.objects.create(organization=organization, display_name=f"{prefix} customer")
    project = Project.objects.create(organization=organization, customer=customer, name=f"{prefix} project")
    product = Product.objects.create(organization=organization, name=f"{prefix} widget", unit_price=Decimal(10))
    tax = TaxRate.objects.create(organization=organization, name=f"{prefix} tax", rate=Decimal(5))
    invoice = Invoice.objects.create(organization=organization, number=f"{prefix[:8]}-1", customer=customer,
                                     project=project, issue_date=date(2026, 1, 5), due_date=date(2026, 2, 4))
    line = InvoiceLine.objects.create(invoice=invoice, product=product, description=f"{prefix} line",
                                      unit_price=Decimal(10), amount=Decimal(10))
    payment = Payment.objects.create(organization=organization, invoice=invoice, amount=Decimal(1),
                                     received_on=date(2026, 1, 6), reference=f"{prefix} ref")
    conn = QuickBooksConnection.objects.create(organization=organization, realm_id=f"{prefix[:8]}-realm",
                                               environment="simulator", company_name=f"{prefix} books",
                                               connected_by=owner)
    job = SyncJob.objects.create(connection=conn, object_type="customer", local_id=customer.pk)
    rows: list[Model] = [
        customer, project, product, tax, invoice, line, payment, conn, job,
        SyncPreferences.objects.get_or_create(organization=organization)[0],
        AuditEvent.objects.create(organization=organization, action="connected", actor=owner, detail=prefix),
        ExternalRef.objects.create(connection=conn, object_type="customer", local_id=customer.pk, qbo_id="1"),
        SyncAttempt.objects.create(connection=conn, job=job, object_type="customer", local_id=customer.pk,
                                   operation="upsert", outcome="create", started_at=invoice.created_at),
        OrgSequence.objects.get_or_create(organization=organization, name="invoice")[0],
    ]
    return rows


@pytest.fixture
def foreign(make_org: Callable[..., Organization], member: Callable[..., Membership]) -> dict[str, Any]:
    organization = make_org(f"{MARK} Plumbing")
    owner = member(organization, Role.OWNER).user
    owner.username = f"{MARK}-owner"
    owner.save()
    rows = _tenant_rows(organization, owner, MARK)
    return {"org": organization, "owner": owner,
            "rows": {(type(r)._meta.label, r.pk) for r in [organization, owner, *rows,
                                                            *Membership.objects.filter(organization=organization)]}}


@pytest.fixture
def staff(org: Organization, member: Callable[..., Membership]) -> Client:
    user = member(org, Role.OWNER).user
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mine(org: Organization, staff: Client) -> dict[str, Model]:
    owner = Membership.objects.get(organization=org).user
    rows = _tenant_rows(org, owner, "Acme")
    by_label = {type(r)._meta.label: r for r in rows}
    by_label.update({"accounts.Organization": org, "auth.User": owner,
                     "accounts.Membership": Membership.objects.get(organization=org)})
    return by_label


def _choice_fields(response: Any) -> list[tuple[str, Any]]:
    """Every choice field with a queryset on the page: the main form's and every inline form's."""
    forms = []
    if response.context.get("adminform") is not None:
        forms.append(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets") or []:
        forms.extend([*inline.formset.forms, inline.formset.empty_form])
    # Hidden primary keys of inline rows are no choice: a formset looks them up in its own (scoped) rows.
    return [(f"{type(form).__name__}.{name}", field) for form in forms for name, field in form.fields.items()
            if hasattr(field, "queryset") and not field.widget.is_hidden]


def form_data(response: Any) -> dict[str, Any]:
    """What the browser would send back for the page as shown (main form, management forms, inline forms)."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for name in form.fields:
            bound = form[name]
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_every_admin_form_and_inline_offers_no_foreign_choice(staff: Client, mine: dict[str, Model],
                                                              foreign: dict[str, Any]) -> None:
    walked: set[str] = set()
    forms_seen = 0
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls = [reverse(f"{prefix}_changelist"), reverse(f"{prefix}_add")]
        if (own := mine.get(model._meta.label)) is not None:
            urls.append(reverse(f"{prefix}_change", args=[own.pk]))
        for url in urls:
            response = staff.get(url)
            assert response.status_code in (200, 403), (url, response.status_code)
            if response.status_code == 403:  # add refused: a read-only admin
                continue
            walked.add(model._meta.label)
            assert MARK not in response.content.decode().lower(), f"{url} shows another organization's row"
            for name, field in _choice_fields(response):
                forms_seen += 1
                offered = {(field.queryset.model._meta.label, pk) for pk in field.queryset.values_list("pk", flat=True)}
                assert not offered & foreign["rows"], f"{url}: {name} offers {offered & foreign['rows']}"
    # Every registered admin was looked at, and the choice fields of its forms and inlines checked.
    assert walked == {model._meta.label for model in admin.site._registry}
    assert forms_seen >= 15
    assert any("InvoiceLine" in name for name in _inline_names(staff, mine))


def _inline_names(staff: Client, mine: dict[str, Model]) -> list[str]:
    response = staff.get(reverse("admin:invoicing_invoice_change", args=[mine["invoicing.Invoice"].pk]))
    return [inline.formset.model.__name__ for inline in response.context["inline_admin_formsets"]]


def test_a_foreign_product_cannot_be_saved_on_an_own_draft_invoice(staff: Client, mine: dict[str, Model],
                                                                    foreign: dict[str, Any]) -> None:
    invoice = mine["invoicing.Invoice"]
    assert isinstance(invoice, Invoice)  # mine: a Model per label
    url = reverse("admin:invoicing_invoice_change", args=[invoice.pk])
    data = form_data(staff.get(url))
    their_product = Product.objects.get(organization=foreign["org"])
    data["lines-0-product"] = str(their_product.pk)

    response = staff.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert "Select a valid choice" in response.content.decode()
    assert not InvoiceLine.objects.filter(invoice=invoice, product=their_product).exists()


def test_a_line_edit_of_a_draft_is_saved_with_totals_from_the_services(staff: Client,
                                                                         mine: dict[str, Model]) -> None:
    invoice = mine["invoicing.Invoice"]
    assert isinstance(invoice, Invoice)  # mine: a Model per label
    Payment.objects.filter(invoice=invoice).delete()
    url = reverse("admin:invoicing_invoice_change", args=[invoice.pk])
    data = form_data(staff.get(url))
    data["lines-0-quantity"] = "3"

    response = staff.post(url, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    invoice.refresh_from_db()
    assert (invoice.subtotal, invoice.total, invoice.balance) == (Decimal("30.00"), Decimal("30.00"), Decimal("30.00"))


def test_a_draft_line_breaking_the_invoice_rules_is_refused_with_the_services_message(
        staff: Client, mine: dict[str, Model]) -> None:
    invoice = mine["invoicing.Invoice"]
    assert isinstance(invoice, Invoice)  # mine: a Model per label
    url = reverse("admin:invoicing_invoice_change", args=[invoice.pk])
    data = form_data(staff.get(url))
    data["lines-0-quantity"] = "0"

    response = staff.post(url, data)

    assert response.status_code == 200
    assert "Line 1: quantity must be greater than zero." in response.content.decode()
    assert InvoiceLine.objects.get(invoice=invoice).quantity == Decimal(1)


def test_lines_of_a_paid_invoice_are_read_only(staff: Client, org: Organization,
                                               make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "300.00")])
    invoice_finalize(invoice=invoice)
    invoice_record_payment(invoice=invoice, amount="300.00")
    url = reverse("admin:invoicing_invoice_change", args=[invoice.pk])
    page = staff.get(url)
    line = invoice.lines.get()
    data = {**form_data(page), "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "1", "lines-0-id": str(line.pk),
            "lines-0-invoice": str(invoice.pk), "lines-0-description": "Work", "lines-0-quantity": "1",
            "lines-0-unit_price": "350.00", "lines-0-position": "1", "lines-0-taxable": "on"}

    staff.post(url, data)

    invoice.refresh_from_db()
    line.refresh_from_db()
    assert line.unit_price == Decimal("300.00")
    assert (invoice.status, invoice.total, invoice.balance) == (InvoiceStatus.PAID, Decimal("300.00"), Decimal("0.00"))
    assert 'name="lines-0-product"' not in page.content.decode()  # shown, not offered for editing


def test_staff_cannot_change_their_organizations_plan(staff: Client, org: Organization,
                                                      mine: dict[str, Model]) -> None:
    url = reverse("admin:accounts_organization_change", args=[org.pk])
    data = {**form_data(staff.get(url)), "plan": Plan.ENTERPRISE, "name": "Acme Heating & Air"}

    response = staff.post(url, data)

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.plan) == ("Acme Heating & Air", Plan.PRO)


def test_a_superuser_changes_a_plan(org: Organization, admin_client: Client) -> None:
    url = reverse("admin:accounts_organization_change", args=[org.pk])
    data = {**form_data(admin_client.get(url)), "plan": Plan.ENTERPRISE}

    assert admin_client.post(url, data).status_code == 302
    org.refresh_from_db()
    assert org.plan == Plan.ENTERPRISE


def test_memberships_list_and_offer_only_the_own_organizations_people(staff: Client, org: Organization,
                                                                      foreign: dict[str, Any]) -> None:
    listing = staff.get(reverse("admin:accounts_membership_changelist")).content.decode()
    assert f"{MARK}-owner" not in listing.lower()

    url = reverse("admin:accounts_membership_add")
    response = staff.post(url, {"user": foreign["owner"].pk, "organization": org.pk, "role": Role.TECHNICIAN})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Membership.objects.filter(user=foreign["owner"], organization=org).exists()


def test_staff_cannot_make_themselves_superuser(staff: Client, org: Organization, mine: dict[str, Model]) -> None:
    user = mine["auth.User"]
    assert isinstance(user, User)  # mine: a Model per label
    url = reverse("admin:auth_user_change", args=[user.pk])
    data = {**form_data(staff.get(url)), "is_superuser": "on"}

    staff.post(url, data)

    user.refresh_from_db()
    assert not user.is_superuser


def test_moving_a_project_with_invoices_to_another_customer_is_refused(staff: Client, org: Organization,
                                                                       mine: dict[str, Model]) -> None:
    project = mine["customers.Project"]
    assert isinstance(project, Project)  # mine: a Model per label
    other = Customer.objects.create(organization=org, display_name="Bob Jones")
    url = reverse("admin:customers_project_change", args=[project.pk])
    data = {**form_data(staff.get(url)), "customer": str(other.pk)}

    response = staff.post(url, data)

    assert response.status_code == 200
    assert "it cannot move to another customer" in response.content.decode()
    project.refresh_from_db()
    assert project.customer_id == mine["customers.Customer"].pk


def test_staff_cannot_move_the_invoice_number_counter(staff: Client, org: Organization,
                                                      mine: dict[str, Model]) -> None:
    sequence = mine["accounts.OrgSequence"]
    assert isinstance(sequence, OrgSequence)  # mine: a Model per label
    url = reverse("admin:accounts_orgsequence_change", args=[sequence.pk])

    staff.post(url, {"organization": org.pk, "name": "invoice", "next_value": str(sequence.next_value + 40)})

    before = sequence.next_value
    sequence.refresh_from_db()
    assert sequence.next_value == before
    assert 'name="next_value"' not in staff.get(url).content.decode()
