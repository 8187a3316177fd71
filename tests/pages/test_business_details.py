"""The business-details page: what invoices print at the top, the logo included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from pytest_django import Settings

from accounts.models import Organization, Role
from invoicing.document import invoice_document
from invoicing.models import Invoice
from tests.core.test_invoice_document import PNG

pytestmark = pytest.mark.django_db
URL = reverse("business_details")
FIELDS = {"name": "Acme Heating", "address_line1": "400 Commerce Dr", "address_line2": "", "city": "Springfield",
          "region": "IL", "postal_code": "62704", "country": "USA", "email": "billing@acme.example",
          "phone": "555-0100", "payment_instructions": "Checks payable to Acme Heating."}


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_owner_saves_the_business_and_its_invoices_print_it(org: Organization, owner_client: Client,
                                                            make_invoice: Callable[..., Invoice]) -> None:
    assert owner_client.get(URL).status_code == 200
    response = owner_client.post(URL, {**FIELDS, "logo": SimpleUploadedFile("logo.png", PNG, "image/png")})
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.city, org.payment_instructions) == ("Springfield", "Checks payable to Acme Heating.")
    doc = invoice_document(make_invoice(org))
    assert doc.business_address == ("400 Commerce Dr", "Springfield, IL 62704", "USA")
    assert doc.logo_data_uri.startswith("data:image/png;base64,")
    logo = org.logo.name
    assert logo is not None

    page = owner_client.get(URL).content.decode()
    assert 'src="data:image/png;base64,' in page and "Remove the logo" in page  # shown inline, no media URL
    owner_client.post(URL, {**FIELDS, "remove_logo": "on"})
    org.refresh_from_db()
    assert not org.logo and not org.logo.storage.exists(logo)


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(org: Organization, owner_client: Client) -> None:
    response = owner_client.post(URL, {**FIELDS, "city": "Elsewhere",
                                       "logo": SimpleUploadedFile("logo.png", b"not a picture", "image/png")})
    assert response.status_code == 400
    assert "The logo is not a PNG, JPEG or GIF image." in response.content.decode()
    org.refresh_from_db()
    assert (org.city, bool(org.logo)) == ("", False)


def test_only_owners_and_admins_edit_the_business(org: Organization,
                                                  client_for: Callable[[Organization, str], Client]) -> None:
    assert client_for(org, Role.DISPATCHER).post(URL, FIELDS).status_code == 403
    assert client_for(org, Role.ADMIN).get(URL).status_code == 200
    org.refresh_from_db()
    assert org.city == ""
