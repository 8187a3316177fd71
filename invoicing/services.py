"""Writes for products and invoices. Totals are computed here and only here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from accounts.models import Organization
from accounts.services import sequence_next
from customers.models import Customer, Project
from invoicing.models import ZERO, Invoice, InvoiceLine, InvoiceStatus, Product, TaxRate
from invoicing.money import line_amount, tax_on, to_cents

INVOICE_NUMBER_PREFIX = "INV-"
# Statuses whose lines and dates may still change (nothing paid against them yet).
EDITABLE_STATUSES = (InvoiceStatus.DRAFT, InvoiceStatus.GENERATED, InvoiceStatus.SENT, InvoiceStatus.OVERDUE)


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    product: Product | None = None
    taxable: bool = True


def invoice_number_next(*, organization: Organization) -> str:
    value = sequence_next(organization=organization, name="invoice")
    return f"{INVOICE_NUMBER_PREFIX}{value:06d}"


def _check_refs(*, organization: Organization, customer: Customer, project: Project | None,
                tax_rate: TaxRate | None, lines: list[LineInput]) -> None:
    errors: dict[str, list[str]] = {}
    if customer.organization_id != organization.id:
        errors["customer"] = ["Choose a customer of this organization."]
    if project is not None and project.customer_id != customer.id:
        errors["project"] = ["The project must belong to the invoice's customer."]
    if tax_rate is not None and tax_rate.organization_id != organization.id:
        errors["tax_rate"] = ["Choose a tax rate of this organization."]
    if not lines:
        errors["lines"] = ["An invoice needs at least one line."]
    for index, line in enumerate(lines, start=1):
        if line.product is not None and line.product.organization_id != organization.id:
            errors.setdefault("lines", []).append(f"Line {index}: choose a product of this organization.")
        if line.quantity <= 0:
            errors.setdefault("lines", []).append(f"Line {index}: quantity must be greater than zero.")
        if line.unit_price < 0:
            errors.setdefault("lines", []).append(f"Line {index}: unit price cannot be negative.")
        if not line.description and line.product is None:
            errors.setdefault("lines", []).append(f"Line {index}: give a product or a description.")
    if errors:
        raise ValidationError(errors)


def invoice_validate(*, organization: Organization, customer: Customer, project: Project | None,
                     tax_rate: TaxRate | None, lines: list[LineInput]) -> None:
    """The rules of an invoice's customer, project, tax rate and lines, for writers that cannot call
    invoice_create/invoice_update before saving (the admin validates its line formset with them)."""
    _check_refs(organization=organization, customer=customer, project=project, tax_rate=tax_rate, lines=lines)


def _write_lines(invoice: Invoice, lines: list[LineInput]) -> None:
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            product=line.product,
            description=line.description or (line.product.name if line.product else ""),
            quantity=line.quantity,
            unit_price=to_cents(line.unit_price),
            amount=line_amount(line.quantity, line.unit_price),
            taxable=line.taxable,
        )
        for position, line in enumerate(lines, start=1)
    )


def invoice_recompute_totals(*, invoice: Invoice) -> None:
    """Subtotal, tax, total and balance from the stored lines and payments. The one place they are made."""
    lines = list(invoice.lines.all())
    subtotal = sum((line.amount for line in lines), ZERO)
    taxable = sum((line.amount for line in lines if line.taxable), ZERO)
    invoice.tax_percent = invoice.tax_rate.rate if invoice.tax_rate else Decimal(0)
    invoice.subtotal = to_cents(subtotal)
    invoice.tax_amount = tax_on(taxable, invoice.tax_percent)
    invoice.total = invoice.subtotal + invoice.tax_amount
    invoice.balance = invoice.total - invoice.amount_paid


@transaction.atomic
def invoice_create(*, organization: Organization, customer: Customer, issue_date: date, due_date: date,
                   lines: list[LineInput], project: Project | None = None, tax_rate: TaxRate | None = None,
                   memo: str = "") -> Invoice:
    _check_refs(organization=organization, customer=customer, project=project, tax_rate=tax_rate, lines=lines)
    if due_date < issue_date:
        raise ValidationError({"due_date": ["The due date cannot be before the issue date."]})
    invoice = Invoice.objects.create(
        organization=organization, number=invoice_number_next(organization=organization), customer=customer,
        project=project, issue_date=issue_date, due_date=due_date, tax_rate=tax_rate, memo=memo,
    )
    _write_lines(invoice, lines)
    invoice_recompute_totals(invoice=invoice)
    invoice.save()
    return invoice


@transaction.atomic
def invoice_update(*, invoice: Invoice, customer: Customer, issue_date: date, due_date: date,
                   lines: list[LineInput], project: Project | None = None, tax_rate: TaxRate | None = None,
                   memo: str = "") -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.status not in EDITABLE_STATUSES or invoice.amount_paid > 0:
        raise ValidationError(
            f"Invoice {invoice.number} is {invoice.get_status_display().lower()}; "
            "only invoices with nothing paid against them can be edited."
        )
    if invoice.status != InvoiceStatus.DRAFT and customer.pk != invoice.customer_id:
        raise ValidationError({"customer": ["The customer of a finalized invoice cannot change; void it instead."]})
    _check_refs(organization=invoice.organization, customer=customer, project=project, tax_rate=tax_rate, lines=lines)
    if due_date < issue_date:
        raise ValidationError({"due_date": ["The due date cannot be before the issue date."]})
    invoice.customer, invoice.project, invoice.tax_rate = customer, project, tax_rate
    invoice.issue_date, invoice.due_date, invoice.memo = issue_date, due_date, memo
    _write_lines(invoice, lines)
    invoice_recompute_totals(invoice=invoice)
    invoice.save()
    return invoice


def product_name_taken(*, organization: Organization, name: str, exclude_id: int | None = None) -> bool:
    qs = Product.objects.for_org(organization).annotate(lname=Lower("name")).filter(lname=name.strip().lower())
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def product_sku_taken(*, organization: Organization, sku: str, exclude_id: int | None = None) -> bool:
    if not sku:
        return False
    qs = Product.objects.for_org(organization).filter(sku=sku)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()
