"""The invoice PDF: the print view's template (templates/invoicing/document/invoice.html) drawn by xhtml2pdf.

xhtml2pdf is pure Python on top of ReportLab, so `pip install -r requirements.txt` is the whole install (the
README says why it was chosen over WeasyPrint and plain ReportLab).
"""

from __future__ import annotations

import io
import logging

from django.template.loader import render_to_string
from xhtml2pdf import pisa

from invoicing.document import InvoiceDocument

TEMPLATE = "invoicing/document/invoice.html"


class PdfError(RuntimeError):
    """xhtml2pdf reported errors while drawing the document."""


def invoice_html(document: InvoiceDocument, *, screen: bool = False, **extra: str) -> str:
    return render_to_string(TEMPLATE, {"doc": document, "screen": screen, **extra})


def invoice_pdf(document: InvoiceDocument) -> bytes:
    out = io.BytesIO()
    result = pisa.CreatePDF(invoice_html(document), dest=out, encoding="utf-8")
    if result.err:
        raise PdfError(f"Invoice {document.number}: the PDF could not be drawn ({result.err} errors).")
    return out.getvalue()


def invoice_pdf_filename(document: InvoiceDocument) -> str:
    return f"invoice-{document.number}.pdf"


# xhtml2pdf logs every CSS property it does not draw at WARNING; those are expected, not news.
logging.getLogger("xhtml2pdf").setLevel(logging.ERROR)
