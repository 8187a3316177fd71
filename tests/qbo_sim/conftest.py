"""Fixtures for the QBO simulator suite: one simulator subprocess per session, a fresh company
per test. Nothing Django-related here: these tests talk HTTP to an external process."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from quickbooks import QuickBooks

from qbo_sim.testing import SimControl, SimulatorProcess, make_qb_client

os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")  # requests-oauthlib refuses http:// otherwise


@pytest.fixture(scope="session")
def sim() -> Iterator[SimulatorProcess]:
    # Throttling stays ON (the QBO default); each test gets its own realm, so limits don't leak.
    with SimulatorProcess(["--seed", "42", "--timeout-hang-seconds", "0.5"]) as proc:
        yield proc


@pytest.fixture(scope="session")
def control(sim: SimulatorProcess) -> SimControl:
    return SimControl(sim.url)


@pytest.fixture
def realm(control: SimControl) -> str:
    return control.create_company(f"Test Co {uuid.uuid4().hex[:8]}")


@pytest.fixture
def tokens(control: SimControl, realm: str) -> dict[str, Any]:
    return control.connect(realm)


@pytest.fixture
def qb(sim: SimulatorProcess, realm: str, tokens: dict[str, Any]) -> QuickBooks:
    return make_qb_client(sim.url, realm, tokens["access_token"], tokens["refresh_token"])


class ApiSession(requests.Session):
    """A session that sends the company's bearer token; ``base`` is the company's API URL."""

    def __init__(self, base: str, access_token: str) -> None:
        super().__init__()
        self.base = base
        self.headers.update({"Authorization": f"Bearer {access_token}", "Accept": "application/json"})


@pytest.fixture
def api(sim: SimulatorProcess, realm: str, tokens: dict[str, Any]) -> ApiSession:
    """Raw HTTP access to the company's API (for byte-level assertions)."""
    return ApiSession(f"{sim.url}/v3/company/{realm}", tokens["access_token"])
