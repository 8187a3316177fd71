"""QuickBooks connection tests run against the real simulator over HTTP (one process per session).

Each test makes its own company (realm), so the simulator's per-company stats belong to that test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import Organization
from integrations.models import QuickBooksConnection
from qbo_sim.testing import SimControl, SimulatorProcess, authorize

PAGE = "/settings/integrations/quickbooks/"
CONNECT = PAGE + "connect/"
CALLBACK = PAGE + "callback/"


@pytest.fixture(scope="session")
def qbo_sim_process() -> Iterator[SimulatorProcess]:
    with SimulatorProcess(["--no-throttle"]) as sim:
        yield sim


@dataclass
class Qbo:
    url: str
    control: SimControl

    def company(self, name: str = "Maple Ridge Books LLC") -> str:
        return self.control.create_company(name)

    def stat(self, realm_id: str, name: str) -> int:
        stats = self.control.stats(realm_id)
        return int(stats.get(name, stats["requests"].get(name, 0)))

    def exchanges(self, realm_id: str) -> int:
        return self.stat(realm_id, "token_exchanges")

    def refreshes(self, realm_id: str) -> int:
        return self.stat(realm_id, "token_refresh_calls")

    def api_calls(self, realm_id: str) -> int:
        return int(self.control.stats(realm_id)["requests"]["total"])


@pytest.fixture
def qbo(qbo_sim_process: SimulatorProcess, settings: Settings) -> Qbo:
    settings.QBO_ENVIRONMENT = "simulator"
    settings.QBO_SIM_URL = qbo_sim_process.url
    settings.QBO_CLIENT_ID, settings.QBO_CLIENT_SECRET = "sim-client-id", "sim-client-secret"
    return Qbo(url=qbo_sim_process.url, control=qbo_sim_process.control)


def start_connect(client: Client) -> str:
    """Press Connect: the authorize URL our app redirects the browser to."""
    response = client.post(CONNECT)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def authorize_at_sim(qbo: Qbo, auth_url: str, *, realm_id: str | None = None, new_company: str | None = None,
                     action: str = "authorize") -> dict[str, str]:
    """A person on the simulator's authorize page: the callback query it redirects to."""
    assert auth_url.startswith(qbo.url + "/connect/oauth2?"), auth_url
    return authorize(qbo.url, auth_url=auth_url, realm_id=realm_id, new_company=new_company, action=action)


@pytest.fixture
def connect(qbo: Qbo) -> Callable[..., QuickBooksConnection]:
    """connect(client, org, realm_id) runs the whole browser flow over HTTP and returns the connection."""

    def _connect(client: Client, organization: Organization, realm_id: str) -> QuickBooksConnection:
        params = authorize_at_sim(qbo, start_connect(client), realm_id=realm_id)
        response = client.get(CALLBACK, params)
        assert response.status_code == 302 and urlsplit(response["Location"]).path == PAGE
        return QuickBooksConnection.objects.get(organization=organization, realm_id=realm_id)

    return _connect


def flashes(client: Client) -> list[str]:
    """The messages waiting for the next page (reading them consumes them)."""
    response = client.get(PAGE)
    return [str(m) for m in response.context["messages"]]


# ---- a company connected without the browser, and webhooks from it to the live server ----
# A module defines `realm` (its own company); these two then give it the connection and the deliveries.
@pytest.fixture
def conn(qbo: Qbo, org: Organization, realm: str) -> QuickBooksConnection:
    from tests.integrations.push_helpers import connect_org

    return connect_org(qbo.control, org, realm)


@pytest.fixture
def hooks(live_server: LiveServer, qbo: Qbo, conn: QuickBooksConnection) -> Iterator[Any]:
    from django.conf import settings

    from tests.integrations.inbound_helpers import webhooks_to

    with webhooks_to(live_server, qbo.control, settings.QBO_WEBHOOK_VERIFIER_TOKEN) as hooks:
        yield hooks
