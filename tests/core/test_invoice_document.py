"""The invoice document: what the customer sees, built once and drawn as a PDF whose text we read back."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader
from pytest_django import Settings

from accounts.models import Organization
from customers.models import Customer
from invoicing.document import invoice_document
from invoicing.models import DiscountKind, Invoice, LineKind, TaxCode, TaxRate
from invoicing.pdf import invoice_html, invoice_pdf
from invoicing.services import InvoiceMoney, LineInput, invoice_create, invoice_update
from tests.conftest import pdf_text

pytestmark = pytest.mark.django_db

# A 1x1 red PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")


@pytest.fixture
def billed(org: Organization, make_customer: Callable[..., Customer], make_invoice: Callable[..., Invoice]) -> Invoice:
    Organization.objects.filter(pk=org.pk).update(
        address_line1="400 Commerce Dr", city="Springfield", region="IL", postal_code="62704", country="USA",
        email="billing@acme.example", phone="555-0100", payment_instructions="Checks payable to Acme Heating.")
    customer = make_customer(org, "Jane Smith", company_name="Smith Bakery", email="jane@smith.example",
                             billing_line1="12 Elm St", billing_city="Shelbyville", billing_region="IL",
                             billing_postal_code="62565")
    invoice = make_invoice(org, customer=customer, tax_percent="8.875", lines=[("100", "1.00")])
    lines = [LineInput("Furnace tune-up", Decimal(1), Decimal("129.00")),
             LineInput("Air filter 16x25x1", Decimal(100), Decimal("12.49")),
             LineInput("Haul-away (not taxed)", Decimal("1.5"), Decimal("20.00"), taxable=False)]
    return invoice_update(invoice=invoice, customer=customer, issue_date=invoice.issue_date,
                          due_date=invoice.due_date, lines=lines,
                          tax_rate=TaxRate.objects.get(organization=org, name="Tax 8.875"),
                          memo="Thanks for choosing us!")


def test_document_carries_what_the_customer_sees(billed: Invoice) -> None:
    doc = invoice_document(Invoice.objects.get(pk=billed.pk))

    assert (doc.business_name, doc.business_address) == (
        "Acme Heating", ("400 Commerce Dr", "Springfield, IL 62704", "USA"))
    assert doc.business_contact == ("billing@acme.example", "555-0100")
    assert (doc.customer_name, doc.customer_address) == ("Jane Smith", ("Smith Bakery", "12 Elm St",
                                                                       "Shelbyville, IL 62565"))
    assert [(line.description, str(line.quantity), line.amount) for line in doc.lines] == [
        ("Furnace tune-up", "1", Decimal("129.00")), ("Air filter 16x25x1", "100", Decimal("1249.00")),
        ("Haul-away (not taxed)", "1.5", Decimal("30.00"))]
    # 8.875 % of the taxable 1378.00 = 122.2975 → 122.30
    assert [(tax.label, tax.amount) for tax in doc.tax_lines] == [("Tax 8.875 8.875%", Decimal("122.30"))]
    assert (doc.subtotal, doc.total, doc.balance) == (Decimal("1408.00"), Decimal("1530.30"), Decimal("1530.30"))
    assert doc.discount is None
    assert (doc.customer_message, doc.how_to_pay) == ("Thanks for choosing us!", "Checks payable to Acme Heating.")


def test_pdf_text_shows_the_document(billed: Invoice) -> None:
    pdf = invoice_pdf(invoice_document(Invoice.objects.get(pk=billed.pk)))
    text = pdf_text(pdf)
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (box.width, box.height) == (612, 792)  # US Letter from the stylesheet's @page (xhtml2pdf's own is A4)

    for expected in ("Acme Heating", "400 Commerce Dr", "Springfield, IL 62704", "Jane Smith", "12 Elm St",
                     billed.number, "Furnace tune-up", "Air filter 16x25x1", "$1,249.00", "Haul-away (not taxed)",
                     "Subtotal", "$1,408.00", "Tax 8.875 8.875%", "$122.30", "Total", "$1,530.30",
                     billed.due_date.strftime("%b %-d, %Y"), "Thanks for choosing us!", "HOW TO PAY",
                     "Checks payable to Acme Heating."):
        assert expected in text, expected
    assert "1E+2" not in text  # a quantity of 100 is printed as 100


def test_pdf_and_print_view_come_from_one_template(billed: Invoice) -> None:
    doc = invoice_document(Invoice.objects.get(pk=billed.pk))
    pdf_html, screen_html = invoice_html(doc), invoice_html(doc, screen=True, pdf_url="/p", back_url="/b")
    assert 'data-testid="print-toolbar"' in screen_html and "print-toolbar" not in pdf_html
    assert "js/print.js" in screen_html and "<script" not in pdf_html
    screen_body = screen_html.split('data-testid="print-toolbar"')[1].split("</div>", 1)[1].split("<script")[0]
    pdf_body = pdf_html.split("<body>", 1)[1].split("</body>")[0]
    assert screen_body.strip() == pdf_body.strip()  # the same document, the print view only adds its toolbar


def test_logo_is_drawn_in_the_pdf(org: Organization, billed: Invoice, settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    org.logo.save("logo.png", ContentFile(PNG))
    doc = invoice_document(Invoice.objects.select_related("organization").get(pk=billed.pk))
    assert doc.logo_data_uri.startswith("data:image/png;base64,")
    page = PdfReader(io.BytesIO(invoice_pdf(doc))).pages[0]
    assert len(page.images) == 1


def test_a_missing_logo_file_still_renders(org: Organization, billed: Invoice, settings: Settings,
                                          tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    org.logo.save("gone.png", ContentFile(PNG))
    assert org.logo.name is not None
    org.logo.storage.delete(org.logo.name)
    doc = invoice_document(Invoice.objects.select_related("organization").get(pk=billed.pk))
    assert doc.logo_data_uri == ""
    assert "Acme Heating" in pdf_text(invoice_pdf(doc))


def test_two_tax_codes_a_discount_terms_and_a_credit_reach_the_pdf_but_not_the_internal_note(
        org: Organization, make_customer: Callable[..., Customer]) -> None:
    gst = TaxRate.objects.create(organization=org, name="GST", rate=Decimal(5))
    pst = TaxRate.objects.create(organization=org, name="PST", rate=Decimal(7))
    gst_only, gst_pst = TaxCode.objects.create(organization=org, name="GST"), TaxCode.objects.create(
        organization=org, name="GST/PST BC")
    gst_only.rates.set([gst])
    gst_pst.rates.set([gst, pst])
    invoice = invoice_create(
        organization=org, customer=make_customer(org, "Jane Smith"), issue_date=date(2026, 3, 2),
        lines=[LineInput("Labour", Decimal(2), Decimal("100.00"), tax_code=gst_only),
               LineInput("Thermostat", Decimal(1), Decimal("200.00"), tax_code=gst_pst),
               LineInput("Goodwill", Decimal(1), Decimal("50.00"), taxable=False, kind=LineKind.CREDIT)],
        memo="Thanks!", money=InvoiceMoney(discount_kind=DiscountKind.PERCENT, discount_value=Decimal(10),
                                           internal_note="Customer is slow to pay", terms_days=15))

    doc = invoice_document(Invoice.objects.get(pk=invoice.pk))
    text = pdf_text(invoice_pdf(doc))

    assert doc.discount is not None and doc.discount.label == "Discount 10%"
    assert [tax.label for tax in doc.tax_lines] == ["GST 5%", "PST 7%"]
    assert doc.terms == "Net 15" and doc.lines[2].credit
    for expected in ("Discount 10%", f"-${doc.discount.amount:,.2f}", "GST 5%", "PST 7%", "Net 15", "-$50.00",
                     f"${doc.total:,.2f}", "Thanks!"):
        assert expected in text, expected
    assert "slow to pay" not in text and "slow to pay" not in invoice_html(doc, screen=True)
