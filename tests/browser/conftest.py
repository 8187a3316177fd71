"""Headless Chromium (Debian's build) driven by Playwright against pytest-django's live server.

The `browser` and `new_page` fixtures live in tests/conftest.py: one Playwright instance per session is
shared by every suite that drives a browser (two sync_playwright() loops in one thread cannot coexist).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from qbo_sim.testing import SimulatorProcess
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOT_DIR  # noqa: F401 - re-exported for tests

QBO_PAGE = "/settings/integrations/quickbooks/"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(["--no-throttle"]) as process:
        yield process


@pytest.fixture
def qbo_live(sim: SimulatorProcess, live_server: Any, settings: Any) -> SimulatorProcess:
    """The app points at the simulator, and Intuit's redirect comes back to the live server's callback."""
    settings.QBO_ENVIRONMENT = "simulator"
    settings.QBO_SIM_URL = sim.url
    settings.QBO_REDIRECT_URI = f"{live_server.url}{QBO_PAGE}callback/"
    return sim
