"""The invoice PDF: the print view's template (templates/invoicing/document/invoice.html) drawn by xhtml2pdf.

xhtml2pdf is pure Python on top of ReportLab, so `pip install -r requirements.txt` is the whole install (the
README says why it was chosen over WeasyPrint and plain ReportLab).
"""

from __future__ import annotations

import io
import logging

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from xhtml2pdf import pisa

from invoicing.document import InvoiceDocument

TEMPLATE = "invoicing/document/invoice.html"


class PdfError(RuntimeError):
    """xhtml2pdf reported errors while drawing the document."""


def invoice_html(document: InvoiceDocument, *, screen: bool = False, **extra: str) -> str:
    return render_to_string(TEMPLATE, {"doc": document, "screen": screen, **extra})


def _local_file(uri: str, rel: str) -> str:
    """xhtml2pdf's link_callback: the stylesheet's static URL → its file. Nothing else is fetched (no network):
    the logo is inlined as a data URI and customer text is escaped, so no other URL can appear."""
    if uri.startswith(settings.STATIC_URL):
        found = finders.find(uri.split(settings.STATIC_URL, 1)[1])
        if isinstance(found, str):
            return found
    return ""


def invoice_pdf(document: InvoiceDocument) -> bytes:
    out = io.BytesIO()
    result = pisa.CreatePDF(invoice_html(document), dest=out, encoding="utf-8", link_callback=_local_file)
    if result.err:
        raise PdfError(f"Invoice {document.number}: the PDF could not be drawn ({result.err} errors).")
    return out.getvalue()


def invoice_pdf_filename(document: InvoiceDocument) -> str:
    return f"invoice-{document.number}.pdf"


# xhtml2pdf logs every CSS property it does not draw at WARNING; those are expected, not news.
logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
