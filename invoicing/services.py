"""Writes for products, tax codes and invoices. Totals are computed here and only here (the arithmetic is
in invoicing/totals.py, whose rules are stated there; the rules input must meet are in invoicing/validators.py)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import MAX_TERMS_DAYS, Organization
from accounts.services import sequence_next
from accounts.validators import INVOICE_NUMBER_MAX, validate_invoice_number_prefix
from customers.models import Customer, Project
from invoicing import totals as arithmetic
from invoicing.models import (
    ZERO,
    DiscountKind,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    InvoiceTaxLine,
    LineKind,
    Product,
    TaxCode,
    TaxRate,
)
from invoicing.money import line_amount, to_cents
from invoicing.validators import (
    check_invoice_fields,
    check_lines,
    check_total,
    invoice_edit_refusal,
    invoice_tax_override_refusal,
    validate_invoice_date,
)

INVOICE_NUMBER_PREFIX = "INV-"  # the default of Organization.invoice_number_prefix
STALE_LINES = ("The lines changed since this invoice was opened (a line was added, removed or listed twice); "
               "reload it and make your change again.")
# The one tax line of an overridden tax, as the customer reads it on the PDF (with its implied rate); where
# the figure came from is kept on the invoice (tax_override_source) and shown to the business only.
OVERRIDE_TAX_LINE_NAME = "Sales tax"
LINE_FIELDS = ("position", "product", "description", "kind", "quantity", "unit_price", "amount", "tax_code", "taxable")


@dataclass(frozen=True)
class LineInput:
    """One line as the invoice should have it. `id` names the stored line it is (kept, changed in place);
    None is a new line. A stored line no input names is removed: callers list every line to keep."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    product: Product | None = None
    # Subject to tax. False means no tax whatever the code; a taxable line without a code is taxed with the
    # invoice's legacy `tax_rate` when one is given (the API before tax codes), else not at all.
    taxable: bool = True
    tax_code: TaxCode | None = None
    kind: str = LineKind.ITEM
    id: int | None = None


@dataclass(frozen=True)
class InvoiceMoney:
    """The invoice-level money inputs besides lines: discount, notes and terms."""

    discount_kind: str = DiscountKind.NONE
    discount_value: Decimal = ZERO
    internal_note: str = ""
    terms_days: int | None = None


def invoice_number_next(*, organization: Organization) -> str:
    """The organization's prefix and its next counter value (six digits at least): INV-000123."""
    value = sequence_next(organization=organization, name="invoice")
    number = f"{organization.invoice_number_prefix}{value:06d}"
    if len(number) > INVOICE_NUMBER_MAX:
        raise ValidationError(f"The next invoice number, {number}, is longer than {INVOICE_NUMBER_MAX} characters; "
                              "choose a shorter invoice number prefix in Invoice settings.")
    return number


def invoice_number_prefix_set(*, organization: Organization, prefix: str) -> Organization:
    """The prefix of new invoice numbers (the invoice settings' field, by the same rule)."""
    validate_invoice_number_prefix(prefix)
    organization.invoice_number_prefix = prefix
    organization.save(update_fields=["invoice_number_prefix"])
    return organization


def invoice_renumber_refusal(*, invoice: Invoice) -> str:
    """Why this invoice's number must not change, or "". A number the customer may have seen stays: once the
    invoice was sent (by email or marked sent) or paid, only a draft or a finalized, never-sent invoice
    may take a new one."""
    if invoice.sent_at is not None or invoice.emails.exists():
        return f"{invoice.number} was sent to the customer; its number stays."
    if invoice.status not in (InvoiceStatus.DRAFT, InvoiceStatus.GENERATED):
        return f"{invoice.number} is {invoice.get_status_display().lower()}; its number may be known to the customer."
    return ""


def invoice_renumber(*, invoice: Invoice) -> Invoice:
    """Give an unsent invoice the organization's next number (with today's prefix). The counter never goes
    back, so the new number was never handed out before."""
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
        refusal = invoice_renumber_refusal(invoice=locked)
        if refusal:
            raise ValidationError(refusal)
        locked.number = invoice_number_next(organization=locked.organization)
        locked.save(update_fields=["number"])
    return locked


def tax_code_for_rate(*, rate: TaxRate) -> TaxCode:
    """The code made of this one rate (found, or created with the rate's name): how the legacy `tax_rate`
    of an invoice write maps onto per-line codes. The data migration made one for every existing rate."""
    single = (TaxCode.objects.filter(organization_id=rate.organization_id).annotate(n=Count("rates"))
              .filter(n=1, rates=rate).order_by("id").first())
    if single is not None:
        return single
    name = rate.name
    if TaxCode.objects.filter(organization_id=rate.organization_id, name__iexact=name).exists():
        name = f"{rate.name} ({rate.rate.normalize()}%)"[:100]
    code = TaxCode.objects.create(organization_id=rate.organization_id, name=name, is_active=rate.is_active)
    code.rates.add(rate)
    return code


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
        if line.tax_code is not None and line.tax_code.organization_id != organization.id:
            errors.setdefault("lines", []).append(f"Line {index}: choose a tax code of this organization.")
        if line.kind not in LineKind.values:
            errors.setdefault("lines", []).append(f"Line {index}: the kind must be one of {', '.join(LineKind.values)}.")
        if line.quantity <= 0:
            errors.setdefault("lines", []).append(f"Line {index}: quantity must be greater than zero.")
        if line.unit_price < 0:
            hint = "" if line.kind == LineKind.CREDIT else "; to take money off, add a credit line instead"
            errors.setdefault("lines", []).append(f"Line {index}: unit price cannot be negative{hint}.")
        if not line.description and line.product is None:
            errors.setdefault("lines", []).append(f"Line {index}: give a product or a description.")
    if errors:
        raise ValidationError(errors)
    legacy_percent = tax_rate.rate if tax_rate is not None else Decimal(0)
    check_lines([(line.quantity, line.unit_price, line.kind == LineKind.CREDIT,
                  (line.tax_code.total_percent if line.tax_code else legacy_percent) if line.taxable else Decimal(0))
                 for line in lines])


def discount_check(*, kind: str, value: Decimal | None) -> Decimal:
    """The discount value, or a ValidationError naming what is wrong. Pages, API and admin all call this."""
    if kind not in DiscountKind.values:
        raise ValidationError({"discount_kind": [f"Choose one of: {', '.join(v or 'none' for v in DiscountKind.values)}."]})
    if kind == DiscountKind.NONE:
        return ZERO
    if value is None:
        raise ValidationError({"discount_value": ["Give the discount, or choose no discount."]})
    if value <= 0:
        raise ValidationError({"discount_value": ["The discount must be greater than zero."]})
    if kind == DiscountKind.PERCENT and value > 100:
        raise ValidationError({"discount_value": ["A percentage discount is at most 100."]})
    if value != to_cents(value):
        raise ValidationError({"discount_value": ["Use at most two decimals."]})
    return value


def terms_check(days: int | None, field: str = "terms_days") -> None:
    if days is not None and not 0 <= days <= MAX_TERMS_DAYS:
        raise ValidationError({field: [f"Payment terms are 0 (due on receipt) to {MAX_TERMS_DAYS} days."]})


def terms_for(*, customer: Customer, organization: Organization) -> int:
    """The customer's own terms, else the organization's default."""
    return customer.payment_terms_days if customer.payment_terms_days is not None else organization.payment_terms_days


def _due_date(*, organization: Organization, customer: Customer, issue_date: date, due_date: date | None,
              terms_days: int | None) -> tuple[date, int | None]:
    """(due date, terms applied). No due date: the terms set it (given, else the customer's, else the
    organization's). A due date chosen by hand is kept; with terms too, the two must agree."""
    terms_check(terms_days)
    if due_date is None:
        days = terms_days if terms_days is not None else terms_for(customer=customer, organization=organization)
        return issue_date + timedelta(days=days), days
    if due_date < issue_date:
        raise ValidationError({"due_date": ["The due date cannot be before the issue date."]})
    if terms_days is not None and issue_date + timedelta(days=terms_days) != due_date:
        message = (f"The due date does not match the terms ({terms_days} days after the issue date); "
                   "leave the due date empty to follow the terms.")
        raise ValidationError({"due_date": [message]})
    return due_date, terms_days


def invoice_validate(*, organization: Organization, customer: Customer, project: Project | None,
                     tax_rate: TaxRate | None, lines: list[LineInput]) -> None:
    """The rules of an invoice's customer, project, tax rate and lines, for writers that cannot call
    invoice_create/invoice_update before saving (the admin validates its line formset with them)."""
    _check_refs(organization=organization, customer=customer, project=project, tax_rate=tax_rate, lines=lines)


def _check_input(*, organization: Organization, customer: Customer, project: Project | None,
                 tax_rate: TaxRate | None, lines: list[LineInput], issue_date: date, due_date: date | None,
                 memo: str, terms_days: int | None) -> tuple[date, int | None]:
    """The dates, terms and memo, and the references and lines, refused together (their fields never
    overlap). Returns the due date and the terms that set it (see _due_date)."""
    errors: dict[str, list[str]] = {}
    try:
        check_invoice_fields(issue_date=issue_date, due_date=due_date, memo=memo)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    due = issue_date
    if not errors.keys() & {"issue_date", "due_date"}:
        try:
            due, terms_days = _due_date(organization=organization, customer=customer, issue_date=issue_date,
                                        due_date=due_date, terms_days=terms_days)
            validate_invoice_date(due)  # the terms may carry it past the window
        except ValidationError as exc:
            errors.update(exc.message_dict if hasattr(exc, "error_dict") else {"due_date": exc.messages})
    try:
        _check_refs(organization=organization, customer=customer, project=project, tax_rate=tax_rate, lines=lines)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return due, terms_days


def _effective_code(line: LineInput, legacy: TaxCode | None) -> TaxCode | None:
    if not line.taxable:
        return None
    return line.tax_code or legacy


def _write_lines(invoice: Invoice, lines: list[LineInput], tax_rate: TaxRate | None = None,
                 seen_line_ids: Collection[int] = ()) -> None:
    """Make the invoice's lines exactly `lines`: named lines change in place (their ids stay), new ones
    are added, and stored lines no input names are deleted. With `seen_line_ids` (the lines the person's
    page showed), a line added since by someone else is not theirs to remove: the save is refused.
    A taxable line without a code takes the code of the legacy `tax_rate`; a credit's amount is negative."""
    stored = {line.pk: line for line in invoice.lines.all()}
    named = [line.id for line in lines if line.id is not None]
    unknown = [line_id for line_id in named if line_id not in stored]
    added_since = seen_line_ids and set(stored) - set(seen_line_ids)
    if unknown or added_since or len(set(named)) != len(named):
        # A stale page (someone else changed the lines meanwhile) or a hand-made request.
        raise ValidationError({"lines": [STALE_LINES]})
    legacy = tax_code_for_rate(rate=tax_rate) if tax_rate is not None else None
    keep: list[InvoiceLine] = []
    add: list[InvoiceLine] = []
    for position, line in enumerate(lines, start=1):
        row = stored[line.id] if line.id is not None else InvoiceLine(invoice=invoice)
        row.position, row.product, row.taxable, row.kind = position, line.product, line.taxable, line.kind
        row.description = line.description or (line.product.name if line.product else "")
        row.quantity, row.unit_price = line.quantity, to_cents(line.unit_price)
        row.amount = line_amount(line.quantity, line.unit_price) * (-1 if line.kind == LineKind.CREDIT else 1)
        row.tax_code = _effective_code(line, legacy)
        (keep if line.id is not None else add).append(row)
    invoice.lines.exclude(pk__in=named).delete()
    InvoiceLine.objects.bulk_update(keep, LINE_FIELDS)
    InvoiceLine.objects.bulk_create(add)


def _arithmetic_lines(lines: list[InvoiceLine]) -> list[arithmetic.Line]:
    codes = {line.tax_code_id for line in lines if line.tax_code_id}
    rates_of: dict[int, tuple[arithmetic.Rate, ...]] = {
        code.pk: tuple(arithmetic.Rate(key=r.pk, name=r.name, percent=r.rate, agency=r.agency)
                       for r in sorted(code.rates.all(), key=lambda r: (r.name.lower(), r.pk)))
        for code in TaxCode.objects.filter(pk__in=codes).prefetch_related("rates")
    }
    return [arithmetic.Line(amount=line.amount, code_key=line.tax_code_id,
                            rates=rates_of.get(line.tax_code_id, ()) if line.tax_code_id is not None else ())
            for line in lines]


def invoice_recompute_totals(*, invoice: Invoice) -> None:
    """Subtotal, discount, tax per rate, total and balance from the stored lines and payments. The one
    place they are made. Refuses a discount larger than the lines, a negative total and one too big to store."""
    lines = list(invoice.lines.all())
    result = arithmetic.compute(
        _arithmetic_lines(lines), discount_kind=invoice.discount_kind, discount_value=invoice.discount_value,
        prices_include_tax=invoice.prices_include_tax, tax_after_discount=invoice.tax_after_discount,
        rounding=invoice.tax_rounding, tax_override=invoice.tax_override,
        override_name=OVERRIDE_TAX_LINE_NAME,
    )
    if result.lines_sum < 0:
        credits = -sum((line.amount for line in lines if line.amount < 0), ZERO)
        message = f"The credits ({credits}) are more than the items; an invoice cannot total less than zero."
        raise ValidationError({"lines": [message]})
    entered = arithmetic.discount_of(kind=invoice.discount_kind, value=invoice.discount_value,
                                     lines_sum=result.lines_sum)
    if entered > result.lines_sum:
        message = f"The discount ({entered}) is more than the lines ({result.lines_sum})."
        raise ValidationError({"discount_value": [message]})
    if result.total < 0:
        # Credits carrying more tax than the items they offset (QBO refuses a negative total too).
        message = (f"The invoice would total {result.total}; an invoice cannot total less than zero. "
                   "Check the credits and their tax codes.")
        raise ValidationError({"lines": [message]})
    check_total(max(result.total, result.lines_sum))
    invoice.subtotal, invoice.discount_amount = result.subtotal, result.discount
    invoice.tax_amount, invoice.total = result.tax, result.total
    invoice.balance = invoice.total - invoice.amount_paid
    if invoice.pk is not None:
        invoice.tax_lines.all().delete()
        InvoiceTaxLine.objects.bulk_create(
            InvoiceTaxLine(invoice=invoice, position=position,
                           tax_rate_id=None if tax_line.rate.key == arithmetic.OVERRIDE_KEY else tax_line.rate.key,
                           name=tax_line.rate.name, agency=tax_line.rate.agency, percent=tax_line.rate.percent,
                           taxable_amount=tax_line.taxable_amount, amount=tax_line.amount)
            for position, tax_line in enumerate(result.tax_lines, start=1)
        )


def _apply_money(invoice: Invoice, money: InvoiceMoney) -> None:
    invoice.discount_kind = money.discount_kind
    invoice.discount_value = discount_check(kind=money.discount_kind, value=money.discount_value)
    invoice.internal_note = money.internal_note


@transaction.atomic
def invoice_create(*, organization: Organization, customer: Customer, issue_date: date,
                   lines: list[LineInput], due_date: date | None = None, project: Project | None = None,
                   tax_rate: TaxRate | None = None, memo: str = "", money: InvoiceMoney | None = None) -> Invoice:
    money = money or InvoiceMoney()
    due_date, terms_days = _check_input(organization=organization, customer=customer, project=project,
                                        tax_rate=tax_rate, lines=lines, issue_date=issue_date, due_date=due_date,
                                        memo=memo, terms_days=money.terms_days)
    if any(line.id is not None for line in lines):
        raise ValidationError({"lines": ["A new invoice has no stored lines to refer to."]})
    invoice = Invoice(
        organization=organization, customer=customer, project=project, issue_date=issue_date, due_date=due_date,
        terms_days=terms_days, memo=memo, prices_include_tax=organization.prices_include_tax,
        tax_after_discount=organization.tax_after_discount, tax_rounding=organization.tax_rounding,
    )
    _apply_money(invoice, money)
    invoice.number = invoice_number_next(organization=organization)
    invoice.save()
    _write_lines(invoice, lines, tax_rate)
    invoice_recompute_totals(invoice=invoice)
    invoice.save()
    return invoice


@transaction.atomic
def invoice_update(*, invoice: Invoice, customer: Customer, issue_date: date, lines: list[LineInput],
                   due_date: date | None = None, project: Project | None = None, tax_rate: TaxRate | None = None,
                   memo: str = "", money: InvoiceMoney | None = None,
                   seen_line_ids: Collection[int] = ()) -> Invoice:
    money = money or InvoiceMoney()
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    refusal = invoice_edit_refusal(invoice)
    if refusal:
        raise ValidationError(refusal)
    if invoice.status != InvoiceStatus.DRAFT and customer.pk != invoice.customer_id:
        raise ValidationError({"customer": ["The customer of a finalized invoice cannot change; void it instead."]})
    due_date, terms_days = _check_input(organization=invoice.organization, customer=customer, project=project,
                                        tax_rate=tax_rate, lines=lines, issue_date=issue_date, due_date=due_date,
                                        memo=memo, terms_days=money.terms_days)
    taxed_before = _tax_inputs(invoice)
    invoice.customer, invoice.project = customer, project
    invoice.issue_date, invoice.due_date, invoice.terms_days, invoice.memo = issue_date, due_date, terms_days, memo
    _apply_money(invoice, money)
    _write_lines(invoice, lines, tax_rate, seen_line_ids)
    if invoice.tax_override is not None and _tax_inputs(invoice) != taxed_before:
        # The figure was taken for the old lines (or discount); it says nothing of these. The caller sees
        # tax_override gone and says so (tax_override_dropped_notice).
        _tax_override_drop(invoice)
    invoice_recompute_totals(invoice=invoice)
    invoice.save()
    return invoice


def _tax_inputs(invoice: Invoice) -> tuple[object, ...]:
    """What an invoice's tax depends on, anywhere it is computed: each line's amount, product, tax code and
    taxability, and the discount. A change of any of them makes a tax figure taken for them stale."""
    lines = tuple(invoice.lines.order_by("position", "id").values_list(
        "amount", "product_id", "tax_code_id", "taxable", "kind"))
    return lines, invoice.discount_kind, invoice.discount_value, invoice.tax_after_discount


def _tax_override_drop(invoice: Invoice) -> None:
    invoice.tax_override, invoice.tax_override_source = None, ""
    invoice.tax_override_by, invoice.tax_override_at = None, None


def tax_override_dropped_notice(*, before: Invoice, after: Invoice) -> str:
    """What a person is told when their edit dropped a tax figure taken from elsewhere ("" when it did not)."""
    if before.tax_override is None or after.tax_override is not None:
        return ""
    return (f"The tax taken from {before.tax_override_source} ({before.tax_override}) was dropped because the "
            f"lines changed; the tax is computed from the lines again ({after.tax_amount}).")


def _override_amount(amount: Decimal | str) -> Decimal:
    try:
        value = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationError({"amount": [f"{amount!r} is not an amount."]}) from None
    if not value.is_finite() or value < 0:
        raise ValidationError({"amount": ["The tax is an amount of zero or more."]})
    if value != to_cents(value):
        raise ValidationError({"amount": ["Use at most two decimals."]})
    return to_cents(value)


@transaction.atomic
def invoice_tax_override_set(*, invoice: Invoice, amount: Decimal | str, source: str, user: User | None) -> Invoice:
    """Replace the tax the lines give with `amount` from `source` (e.g. the accounting system's own tax
    engine), recording who and when; totals and balance follow (invoice_recompute_totals). Only between
    finalizing and sending (invoice_tax_override_refusal); refused plainly otherwise."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    refusal = invoice_tax_override_refusal(invoice)
    if refusal:
        raise ValidationError(refusal)
    value = _override_amount(amount)
    source = " ".join(source.split())[:200]
    if not source:
        raise ValidationError({"source": ["Say where the tax figure comes from."]})
    invoice.tax_override, invoice.tax_override_source = value, source
    invoice.tax_override_by = user if user is not None and user.is_authenticated else None
    invoice.tax_override_at = timezone.now()
    invoice_recompute_totals(invoice=invoice)
    invoice.save()
    return invoice


@transaction.atomic
def invoice_tax_override_clear(*, invoice: Invoice) -> Invoice:
    """The tax is computed from the lines again. Only while the override could be set (unsent)."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    refusal = invoice_tax_override_refusal(invoice)
    if refusal:
        raise ValidationError(refusal)
    if invoice.tax_override is None:
        raise ValidationError(f"Invoice {invoice.number}'s tax is already computed from its lines.")
    _tax_override_drop(invoice)
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


def tax_code_name_taken(*, organization: Organization, name: str, exclude_id: int | None = None) -> bool:
    qs = TaxCode.objects.for_org(organization).filter(name__iexact=name.strip())
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def tax_rate_name_taken(*, organization: Organization, name: str, exclude_id: int | None = None) -> bool:
    qs = TaxRate.objects.for_org(organization).filter(name__iexact=name.strip())
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.exists()


def tax_rate_check(value: Decimal) -> None:
    if not 0 <= value <= 100:
        raise ValidationError({"rate": ["The rate is a percentage between 0 and 100."]})
