"""Checks of uploaded files, shared by the model (admin), the business-details page and the API."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files import File
from PIL import Image, UnidentifiedImageError

LOGO_MAX_BYTES = 1024 * 1024
LOGO_FORMATS = {"PNG", "JPEG", "GIF"}  # what xhtml2pdf (the invoice PDF) and every browser draw


def validate_logo(file: File) -> None:
    if file.size is not None and file.size > LOGO_MAX_BYTES:
        raise ValidationError(f"The logo is {file.size // 1024} KB; at most {LOGO_MAX_BYTES // 1024} KB, please.")
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        with Image.open(file) as image:
            kind = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError("The logo is not a PNG, JPEG or GIF image.") from None
    finally:
        file.seek(position)
    if kind not in LOGO_FORMATS:
        raise ValidationError(f"The logo is a {kind} image; use PNG, JPEG or GIF.")


# Invoice numbers are the prefix and at least six digits (INV-000123). The accounting books they go to keep
# at most 21 characters of a document number, so the prefix leaves room for a counter of up to 11 digits;
# only characters every accounting package and file name take as they are.
INVOICE_NUMBER_MAX = 21
INVOICE_PREFIX_MAX = 10
_PREFIX_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_/.")


def validate_invoice_number_prefix(value: str) -> None:
    if len(value) > INVOICE_PREFIX_MAX:
        raise ValidationError(
            f"The invoice number prefix is {len(value)} characters; at most {INVOICE_PREFIX_MAX}, so that the "
            f"prefix and the number stay within {INVOICE_NUMBER_MAX} characters.")
    bad = sorted({c for c in value if c not in _PREFIX_CHARS})
    if bad:
        shown = " ".join("space" if c == " " else repr(c) for c in bad)
        raise ValidationError(f"The invoice number prefix may hold letters, digits and - _ / . only, not {shown}.")
