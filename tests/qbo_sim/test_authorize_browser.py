"""The authorize page in headless Chromium (Debian's build): the element ids other suites click.
Uses the session's shared browser (tests/conftest.py): skipped without Chromium, failed under
FSM_REQUIRE_BROWSER=1."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest

from qbo_sim.testing import SimControl, SimulatorProcess

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = [pytest.mark.browser]
CALLBACK = "http://127.0.0.1:9/callback"  # nothing listens: the test reads the redirect instead


def _open_authorize(sim: SimulatorProcess, page: Page, state: str) -> None:
    query = (f"client_id=sim-client-id&response_type=code&scope=com.intuit.quickbooks.accounting"
             f"&redirect_uri={CALLBACK}&state={state}")
    page.goto(f"{sim.url}/connect/oauth2?{query}")


def test_person_connects_existing_company_and_cancels(sim: SimulatorProcess, control: SimControl,
                                                    new_page: Callable[[], Page]) -> None:
    realm = control.create_company("Browser Books LLC")
    page = new_page()
    _open_authorize(sim, page, "s-1")
    page.locator("#email").fill("owner@example.com")
    page.locator("select[name=realm]").select_option(realm)
    with page.expect_request(lambda r: r.url.startswith(CALLBACK)) as req:
        page.locator("button[name=action][value=authorize]").click()
    callback = {k: v[0] for k, v in parse_qs(urlsplit(req.value.url).query).items()}
    assert callback["realmId"] == realm and callback["state"] == "s-1" and callback["code"]

    page = new_page()  # the first page is off to the (dead) callback URL
    _open_authorize(sim, page, "s-2")
    page.locator("input[name=new_company]").fill("Made In The Browser")
    page.locator("#authorize").click()  # email is required: the browser refuses to submit
    assert page.url.startswith(sim.url)

    with page.expect_request(lambda r: r.url.startswith(CALLBACK)) as req:
        page.locator("button[name=action][value=cancel]").click()
    assert "error=access_denied" in req.value.url and "state=s-2" in req.value.url
