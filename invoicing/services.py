"""Writes for products and invoices. Totals are computed here and only here (the rules input must meet
are in invoicing/validators.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from accounts.models import Organization
from accounts.services import sequence_next
from customers.models import Customer, Project
from invoicing.models import Invoice, InvoiceLine, InvoiceStatus, Product, TaxRate
from invoicing.money import invoice_totals, line_amount, to_cents
from invoicing.validators import check_invoice_fields, check_lines, invoice_edit_refusal, line_rows

INVOICE_NUMBER_PREFIX = "INV-"
STALE_LINES = ("The lines changed since this invoice was opened (a line was added, removed or listed twice); "
               "reload it and make your change again.")
LINE_FIELDS = ("position", "product", "description", "quantity", "unit_price", "amount", "taxable")


@dataclass(frozen=True)
class LineInput:
    """One line as the invoice should have it. `id` names the stored line it is (kept, changed in place);
    None is a new line. A stored line no input names is removed: callers list every line to keep."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    product: Product | None = None
    taxable: bool = True
    id: int | None = None


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
    check_lines(line_rows(lines), tax_percent=tax_rate.rate if tax_rate else Decimal(0))


def invoice_validate(*, organization: Organization, customer: Customer, project: Project | None,
                     tax_rate: TaxRate | None, lines: list[LineInput]) -> None:
    """The rules of an invoice's customer, project, tax rate and lines, for writers that cannot call
    invoice_create/invoice_update before saving (the admin validates its line formset with them)."""
    _check_refs(organization=organization, customer=customer, project=project, tax_rate=tax_rate, lines=lines)


def _check_input(*, organization: Organization, customer: Customer, project: Project | None,
                 tax_rate: TaxRate | None, lines: list[LineInput], issue_date: date, due_date: date,
                 memo: str) -> None:
    """The dates and memo, and the references and lines, refused together (their fields never overlap)."""
    errors: dict[str, list[str]] = {}
    try:
        check_invoice_fields(issue_date=issue_date, due_date=due_date, memo=memo)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        _check_refs(organization=organization, customer=customer, project=project, tax_rate=tax_rate, lines=lines)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _write_lines(invoice: Invoice, lines: list[LineInput], seen_line_ids: Collection[int] = ()) -> None:
    """Make the invoice's lines exactly `lines`: named lines change in place (their ids stay), new ones
    are added, and stored lines no input names are deleted. With `seen_line_ids` (the lines the person's
    page showed), a line added since by someone else is not theirs to remove: the save is refused."""
    stored = {line.pk: line for line in invoice.lines.all()}
    named = [line.id for line in lines if line.id is not None]
    unknown = [line_id for line_id in named if line_id not in stored]
    added_since = seen_line_ids and set(stored) - set(seen_line_ids)
    if unknown or added_since or len(set(named)) != len(named):
        # A stale page (someone else changed the lines meanwhile) or a hand-made request.
        raise ValidationError({"lines": [STALE_LINES]})
    keep, add = [], []
    for position, line in enumerate(lines, start=1):
        row = stored[line.id] if line.id is not None else InvoiceLine(invoice=invoice)
        row.position, row.product, row.taxable = position, line.product, line.taxable
        row.description = line.description or (line.product.name if line.product else "")
        row.quantity, row.unit_price = line.quantity, to_cents(line.unit_price)
        row.amount = line_amount(line.quantity, line.unit_price)
        (keep if line.id is not None else add).append(row)
    invoice.lines.exclude(pk__in=named).delete()
    InvoiceLine.objects.bulk_update(keep, LINE_FIELDS)
    InvoiceLine.objects.bulk_create(add)


def invoice_recompute_totals(*, invoice: Invoice) -> None:
    """Subtotal, tax, total and balance from the stored lines and payments. The one place they are made."""
    invoice.tax_percent = invoice.tax_rate.rate if invoice.tax_rate else Decimal(0)
    invoice.subtotal, invoice.tax_amount, invoice.total = invoice_totals(
        ((line.amount, line.taxable) for line in invoice.lines.all()), invoice.tax_percent)
    invoice.balance = invoice.total - invoice.amount_paid


@transaction.atomic
def invoice_create(*, organization: Organization, customer: Customer, issue_date: date, due_date: date,
                   lines: list[LineInput], project: Project | None = None, tax_rate: TaxRate | None = None,
                   memo: str = "") -> Invoice:
    _check_input(organization=organization, customer=customer, project=project, tax_rate=tax_rate, lines=lines,
                 issue_date=issue_date, due_date=due_date, memo=memo)
    if any(line.id is not None for line in lines):
        raise ValidationError({"lines": ["A new invoice has no stored lines to refer to."]})
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
                   memo: str = "", seen_line_ids: Collection[int] = ()) -> Invoice:
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    refusal = invoice_edit_refusal(invoice)
    if refusal:
        raise ValidationError(refusal)
    if invoice.status != InvoiceStatus.DRAFT and customer.pk != invoice.customer_id:
        raise ValidationError({"customer": ["The customer of a finalized invoice cannot change; void it instead."]})
    _check_input(organization=invoice.organization, customer=customer, project=project, tax_rate=tax_rate,
                 lines=lines, issue_date=issue_date, due_date=due_date, memo=memo)
    invoice.customer, invoice.project, invoice.tax_rate = customer, project, tax_rate
    invoice.issue_date, invoice.due_date, invoice.memo = issue_date, due_date, memo
    _write_lines(invoice, lines, seen_line_ids)
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
