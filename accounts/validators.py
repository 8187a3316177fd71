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
