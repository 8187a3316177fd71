"""The invoice as the customer sees it: the print view and the PDF, both from templates/invoicing/document/."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from accounts.decorators import org_member_required
from accounts.requests import OrgRequest
from invoicing.document import invoice_document
from invoicing.pdf import invoice_html, invoice_pdf, invoice_pdf_filename
from invoicing.selectors import invoice_document_queryset


@org_member_required("invoice.view")
def invoice_print(request: OrgRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(invoice_document_queryset(organization=request.organization), pk=pk)
    html = invoice_html(invoice_document(invoice), screen=True,
                        pdf_url=reverse("invoicing:invoice_pdf", args=[pk]),
                        back_url=reverse("invoicing:invoice_detail", args=[pk]))
    return HttpResponse(html)


@org_member_required("invoice.view")
def invoice_pdf_download(request: OrgRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(invoice_document_queryset(organization=request.organization), pk=pk)
    document = invoice_document(invoice)
    response = HttpResponse(invoice_pdf(document), content_type="application/pdf")
    # inline: the browser shows it; its Save keeps the invoice's own file name
    response["Content-Disposition"] = f'inline; filename="{invoice_pdf_filename(document)}"'
    return response
