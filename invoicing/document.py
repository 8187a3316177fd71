"""What a customer sees of an invoice: one frozen snapshot that the PDF, the print view and the email
body all render, so they cannot disagree.

`invoice_document()` is the only place that decides which invoice fields reach the customer. Internal
notes never do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accounts.models import Organization
from accounts.selectors import organization_logo_data_uri
from customers.models import Customer
from invoicing.models import DiscountKind, Invoice, LineKind


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    credit: bool = False  # a credit line: `amount` (given as a positive figure) is subtracted


@dataclass(frozen=True)
class LabelledAmount:
    label: str  # e.g. "GST 5%", "Discount 10%"
    amount: Decimal


@dataclass(frozen=True)
class InvoiceDocument:
    number: str
    status: str
    issue_date: date
    due_date: date
    business_name: str
    business_address: tuple[str, ...]
    business_contact: tuple[str, ...]
    logo_data_uri: str  # "" when the business has no logo; inlined so PDF and print need no file URL
    customer_name: str
    customer_address: tuple[str, ...]
    customer_email: str
    lines: tuple[DocumentLine, ...]
    subtotal: Decimal
    discount: LabelledAmount | None
    tax_lines: tuple[LabelledAmount, ...]
    total: Decimal
    amount_paid: Decimal
    amount_refunded: Decimal
    balance: Decimal
    terms: str
    customer_message: str
    how_to_pay: str


def _address(*parts: str) -> tuple[str, ...]:
    return tuple(part for part in parts if part)


def _place(city: str, region: str, postal_code: str) -> str:
    return " ".join(filter(None, [", ".join(filter(None, [city, region])), postal_code]))


def business_address(organization: Organization) -> tuple[str, ...]:
    return _address(organization.address_line1, organization.address_line2,
                    _place(organization.city, organization.region, organization.postal_code), organization.country)


def customer_address(customer: Customer) -> tuple[str, ...]:
    return _address(customer.company_name if customer.company_name != customer.display_name else "",
                    customer.billing_line1, customer.billing_line2,
                    _place(customer.billing_city, customer.billing_region, customer.billing_postal_code),
                    customer.billing_country)


def _plain(value: Decimal) -> Decimal:
    """2.000 → 2 and 1.500 → 1.5, never 1E+2 (Decimal.normalize alone turns 100 into that)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _percent_label(percent: Decimal) -> str:
    return f"{_plain(percent)}%"


def _discount(invoice: Invoice) -> LabelledAmount | None:
    if not invoice.discount_amount:
        return None
    label = f"Discount {_plain(invoice.discount_value)}%" if invoice.discount_kind == DiscountKind.PERCENT else "Discount"
    return LabelledAmount(label, invoice.discount_amount)


def _terms(invoice: Invoice) -> str:
    if invoice.terms_days is None:
        return ""  # a due date chosen by hand: it is printed on its own
    return "Due on receipt" if invoice.terms_days == 0 else f"Net {invoice.terms_days}"


def invoice_document(invoice: Invoice) -> InvoiceDocument:
    organization, customer = invoice.organization, invoice.customer
    return InvoiceDocument(
        number=invoice.number,
        status=invoice.get_status_display(),
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        business_name=organization.name,
        business_address=business_address(organization),
        business_contact=_address(organization.email, organization.phone),
        logo_data_uri=organization_logo_data_uri(organization),
        customer_name=customer.display_name,
        customer_address=customer_address(customer),
        customer_email=customer.email,
        lines=tuple(DocumentLine(line.description, _plain(line.quantity), line.unit_price, abs(line.amount),
                                 credit=line.kind == LineKind.CREDIT)
                    for line in invoice.lines.all()),
        subtotal=invoice.subtotal,
        discount=_discount(invoice),
        # One line per component rate, as computed and copied onto the invoice (QBO's TxnTaxDetail.TaxLine).
        tax_lines=tuple(LabelledAmount(f"{tax.name} {_plain(tax.percent)}%", tax.amount)
                        for tax in invoice.tax_lines.all()),
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        amount_refunded=invoice.amount_refunded,
        balance=invoice.balance,
        terms=_terms(invoice),
        customer_message=invoice.memo,  # the "message to the customer"; invoice.internal_note never reaches the customer
        how_to_pay=organization.payment_instructions,
    )
