"""The OpenAPI schema is valid and warning-free, and the docs page loads nothing from the internet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client
from drf_spectacular.validation import validate_schema


@pytest.mark.django_db
def test_schema_endpoint_returns_valid_openapi() -> None:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on anything that is not OpenAPI 3
    assert schema["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token/", "/api/v1/customers/", "/api/v1/invoices/{id}/record-payment/",
                 "/api/v1/invoices/{id}/resolve-dispute/", "/api/v1/tax-rates/{id}/"):
        assert path in schema["paths"]
    invoice_write = schema["components"]["schemas"]["InvoiceWrite"]["properties"]
    assert "total" not in invoice_write and "lines" in invoice_write


@pytest.mark.django_db
def test_schema_generates_without_warnings(tmp_path: Path) -> None:
    # --fail-on-warn turns any drf-spectacular warning (an unannotated action, a guessed type) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/v1/invoices/" in (tmp_path / "schema.yml").read_text()


@pytest.mark.django_db
def test_docs_page_is_served_offline() -> None:
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    # The page's start-up script is a file of its own (the CSP allows no inline script), served by the
    # same view; everything else is a static file.
    script = next(asset for asset in assets if asset.startswith("/api/docs/?"))
    init = Client().get(script.replace("&amp;", "&"))
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()
    assert re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}/", init.content.decode()) == []
    for asset in assets:
        if asset == script:
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not a local static file"
