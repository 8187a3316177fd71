"""The Content-Security-Policy breaks nothing a person uses: no page reports a violation, and the API
docs (Swagger UI, started from a script file instead of an inline one) still render."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import QBO_PAGE
from tests.browser.test_invoice_flow import _sign_in

if TYPE_CHECKING:  # annotations only: the tests import playwright lazily, as they do `expect`
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_and_api_docs_run_under_the_csp(live_server: LiveServer, new_page: Callable[[], Page]) -> None:
    call_command("seed_demo", verbosity=0)
    page = new_page()
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}")
            if "Content Security Policy" in msg.text else None)
    base = live_server.url
    _sign_in(page, base, "owner")
    for path in ("/", "/invoices/", "/invoices/new/", "/customers/", QBO_PAGE, "/api/docs/"):
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        # Only the API docs allow <style> elements (Swagger UI injects one).
        assert ("style-src 'self' 'unsafe-inline'" in policy) == (path == "/api/docs/")
        page.wait_for_load_state("networkidle")
    # Swagger UI drew the operations from the schema.
    assert page.locator(".swagger-ui .opblock").count() > 5
    assert violations == []
