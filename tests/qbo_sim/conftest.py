"""Fixtures for the QBO simulator suite: one simulator subprocess per session, a fresh company
per test. Nothing Django-related here: these tests talk HTTP to an external process."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

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
def qb(sim: SimulatorProcess, realm: str, tokens: dict[str, Any]) -> Any:
    return make_qb_client(sim.url, realm, tokens["access_token"], tokens["refresh_token"])


@pytest.fixture
def api(sim: SimulatorProcess, realm: str, tokens: dict[str, Any]) -> Any:
    """Raw HTTP access to the company's API (for byte-level assertions)."""
    import requests

    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"})
    session.base = f"{sim.url}/v3/company/{realm}"  # type: ignore[attr-defined]
    return session
