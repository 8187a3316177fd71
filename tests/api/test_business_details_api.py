"""GET/PATCH /api/v1/organization/: the business details invoices print, with the page's validation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from tests.api.conftest import API
from tests.core.test_invoice_document import PNG

pytestmark = pytest.mark.django_db
URL = f"{API}/organization/"


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_patch_details_and_upload_a_logo(owner_api: APIClient, org: Organization) -> None:
    response = owner_api.patch(URL, {"city": "Springfield", "payment_instructions": "Pay by check."}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["city"], response.json()["has_logo"]) == ("Springfield", False)

    response = owner_api.patch(URL, {"logo": SimpleUploadedFile("logo.png", PNG, "image/png")}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["has_logo"] is True
    org.refresh_from_db()
    assert org.logo and org.city == "Springfield"

    assert owner_api.patch(URL, {"logo": None}, format="json").json()["has_logo"] is False


@pytest.mark.parametrize(("body", "fmt", "errors"), [
    ({"email": "nope"}, "json", {"email": ["Enter a valid email address."]}),
    ({"logo": SimpleUploadedFile("logo.png", b"text", "image/png")}, "multipart",
     {"logo": ["The logo is not a PNG, JPEG or GIF image."]}),
    ({"logo": SimpleUploadedFile("logo.svg", b"<svg/>", "image/svg+xml")}, "multipart",
     {"logo": ["File extension “svg” is not allowed. Allowed extensions are: png, jpg, jpeg, gif."]}),
])
def test_bad_values_are_400_and_change_nothing(owner_api: APIClient, org: Organization, body: dict, fmt: str,
                                               errors: dict) -> None:
    response = owner_api.patch(URL, {**body, "city": "Elsewhere"}, format=fmt)
    assert response.status_code == 400
    assert response.json() == errors
    org.refresh_from_db()
    assert (org.city, bool(org.logo)) == ("", False)


def test_members_read_and_only_managers_write(api: Callable[[str], APIClient], org: Organization) -> None:
    technician = api(Role.TECHNICIAN)
    assert technician.get(URL).json()["name"] == org.name
    assert technician.patch(URL, {"city": "X"}, format="json").status_code == 403
    assert api(Role.ADMIN).patch(URL, {"city": "Y"}, format="json").status_code == 200


def test_head_and_options_answer(owner_api: APIClient) -> None:
    assert owner_api.head(URL).status_code == 200
    assert owner_api.options(URL).status_code == 200
